"""`scaffold add --lib`: an existing Go module or Rust crate (tests/fixtures/adopt) moves
onto the organisation's library. What it gets, what its lock records, how `update` moves
the one dependency line (and refuses when the team changed it), and `check`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.library.conventions import base_text, with_attribute, write

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adopt"
MODULE = "example.com/acme/telemetry"
CRATE = "acme-telemetry"
Cli = Callable[..., CliResult]
CASES = {
    "go": ("go-foo-bar", "go.mod", f"require {MODULE} v{{}}", "scaffold_telemetry.go"),
    "rust": (
        "rust-old-otel",
        "Cargo.toml",
        f'{CRATE} = {{{{ version = "{{}}", path = "../lib" }}}}',
        "src/telemetry.rs",
    ),
}


def _library(tmp_path: Path, cli: Cli, lang: str) -> Path:
    conv = write(tmp_path / "observability.yaml", base_text())
    name = ["--module", MODULE] if lang == "go" else ["--name", CRATE]
    done = cli("lib", "--lang", lang, *name, "--dir", str(tmp_path / "lib"), "-c", str(conv))
    assert done.code == 0, done.err
    return conv


def _project(tmp_path: Path, lang: str) -> Path:
    dest = tmp_path / "svc"
    shutil.copytree(FIXTURES / CASES[lang][0], dest)
    return dest


def _add(cli: Cli, tmp_path: Path, lang: str, dest: Path, *extra: str) -> CliResult:
    name = MODULE if lang == "go" else CRATE
    conv = str(tmp_path / "observability.yaml")
    lib = str(tmp_path / "lib")
    return cli("add", "--lang", lang, "--dir", str(dest), "-c", conv, "--lib", name, "--lib-path", lib, *extra)  # fmt: skip


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".scaffold" not in p.parts
    }


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_add_lib_gets_glue_and_update_moves_only_the_dependency_line(
    tmp_path: Path, cli: Cli, lang: str
) -> None:
    _fixture, manifest, line, glue = CASES[lang]
    conv = _library(tmp_path, cli, lang)
    dest = _project(tmp_path, lang)
    before = _files(dest)
    done = _add(cli, tmp_path, lang, dest)
    assert done.code == 0, done.err
    assert _files(dest) - before == {glue} | ({"go.sum"} if lang == "go" else set())
    text = (dest / manifest).read_text()
    assert line.format("1.0.0") in text.splitlines()
    if lang == "go":
        assert f"replace {MODULE} => ../lib" in text.splitlines()
        assert 'scaffoldtelemetry.ServiceName = "foo-bar"' in (dest / glue).read_text()
    else:
        assert 'opentelemetry = { version = "0.27", features = ["trace"] }' in text
        assert 'set_service_version(env!("CARGO_PKG_VERSION"))' in (dest / glue).read_text()
    lock = json.loads((dest / ".scaffold/lock.json").read_text())
    assert set(lock["files"]) == {glue}
    recorded = lock["options"]["extra"]["library_lines"]
    assert recorded[0].strip() == line.format("1.0.0")
    assert cli("check", str(dest)).code == 0

    team = "\n// the team's line\n" if lang == "go" else "\n# the team's line\n"
    with (dest / manifest).open("a", encoding="utf-8") as handle:
        handle.write(team)
    edited = (dest / manifest).read_text()
    write(conv, with_attribute(base_text()))
    assert cli("lib", "--lang", lang, "--dir", str(tmp_path / "lib")).code == 0
    stale = cli("check", str(dest))
    assert stale.code == 1
    assert "behind the library: requires" in stale.out and "is 1.1.0" in stale.out
    assert f"{manifest}: library dependency moved" in stale.out

    updated = cli("update", str(dest))
    assert updated.code == 0, updated.err
    after = (dest / manifest).read_text()
    assert after == edited.replace(line.format("1.0.0"), line.format("1.1.0"))
    assert cli("check", str(dest)).code == 0
    lock = json.loads((dest / ".scaffold/lock.json").read_text())
    assert lock["options"]["extra"]["library"]["version"] == "1.1.0"
    assert lock["options"]["extra"]["library_lines"][0].strip() == line.format("1.1.0")


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_update_refuses_to_move_a_dependency_line_the_team_changed(
    tmp_path: Path, cli: Cli, lang: str
) -> None:
    _fixture, manifest, line, _glue = CASES[lang]
    conv = _library(tmp_path, cli, lang)
    dest = _project(tmp_path, lang)
    assert _add(cli, tmp_path, lang, dest).code == 0
    path = dest / manifest
    path.write_text(path.read_text().replace(line.format("1.0.0"), line.format("1.0.9")))
    changed = path.read_text()
    lock = (dest / ".scaffold/lock.json").read_bytes()
    write(conv, with_attribute(base_text()))
    assert cli("lib", "--lang", lang, "--dir", str(tmp_path / "lib")).code == 0
    refused = cli("update", str(dest))
    assert refused.code == 1
    assert f"svc/{manifest}: the line scaffold wrote for the library" in refused.out
    assert line.format("1.0.0") in refused.out and "changed by hand" in refused.out
    assert "--force" not in refused.out
    assert path.read_text() == changed
    assert (dest / ".scaffold/lock.json").read_bytes() == lock
    assert cli("check", str(dest)).code == 1


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_add_lib_refuses_a_vendored_service_and_a_project_naming_the_library(
    tmp_path: Path, cli: Cli, lang: str
) -> None:
    _fixture, manifest, _line, _glue = CASES[lang]
    _library(tmp_path, cli, lang)
    vendored = _project(tmp_path, lang)
    if lang == "rust":  # the fixture's old opentelemetry cannot take the vendored module
        (vendored / manifest).write_text(
            '[package]\nname = "ledger"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        )
    conv = str(tmp_path / "observability.yaml")
    assert cli("add", "--lang", lang, "--dir", str(vendored), "-c", conv).code == 0
    snapshot = {p: (vendored / p).read_bytes() for p in _files(vendored)}
    refused = _add(cli, tmp_path, lang, vendored)
    assert refused.code == 2
    assert "vendors the instrumentation" in refused.err and "docs/library.md" in refused.err
    assert {p: (vendored / p).read_bytes() for p in _files(vendored)} == snapshot

    named = tmp_path / "named"
    shutil.copytree(FIXTURES / CASES[lang][0], named)
    extra = f"\n// {MODULE}\n" if lang == "go" else f'\n{CRATE} = "1"\n'
    if lang == "rust":
        text = (named / manifest).read_text().replace("[dependencies]\n", f"[dependencies]{extra}")
        (named / manifest).write_text(text)
    else:
        (named / manifest).write_text((named / manifest).read_text() + f"require {MODULE} v1.0.0\n")
    again = _add(cli, tmp_path, lang, named)
    assert again.code == 2
    assert "already names the library" in again.err
    assert not (named / ".scaffold").exists()


def test_add_lib_in_go_needs_the_main_package_at_the_module_root(tmp_path: Path, cli: Cli) -> None:
    _library(tmp_path, cli, "go")
    dest = _project(tmp_path, "go")
    main = dest / "main.go"
    main.write_text(main.read_text().replace("package main", "package foobar", 1))
    refused = _add(cli, tmp_path, "go", dest)
    assert refused.code == 2
    assert "must be main; found foobar" in refused.err
    assert not (dest / "scaffold_telemetry.go").exists()


def test_an_edited_library_line_in_the_lock_is_refused(tmp_path: Path, cli: Cli) -> None:
    _library(tmp_path, cli, "go")
    dest = _project(tmp_path, "go")
    assert _add(cli, tmp_path, "go", dest).code == 0
    lock_path = dest / ".scaffold/lock.json"
    data = json.loads(lock_path.read_text())
    data["options"]["extra"]["library_lines"][0] = "module foo_bar"
    lock_path.write_text(json.dumps(data))
    gomod = (dest / "go.mod").read_bytes()
    refused = cli("update", str(dest))
    assert refused.code != 0
    assert "library_lines must be the lines that name the library" in refused.err
    assert (dest / "go.mod").read_bytes() == gomod


def test_add_lib_in_rust_refuses_a_telemetry_module_folder(tmp_path: Path, cli: Cli) -> None:
    _library(tmp_path, cli, "rust")
    dest = _project(tmp_path, "rust")
    (dest / "src" / "telemetry").mkdir()
    (dest / "src" / "telemetry" / "mod.rs").write_text("// the team's own module\n")
    cargo = (dest / "Cargo.toml").read_bytes()
    refused = _add(cli, tmp_path, "rust", dest)
    assert refused.code == 2
    assert "a module folder where add --lib puts its glue (src/telemetry.rs)" in refused.err
    assert (dest / "Cargo.toml").read_bytes() == cargo
    assert not (dest / "src" / "telemetry.rs").exists()


@pytest.mark.parametrize(
    "naming",
    [
        f'\n[dependencies.{CRATE}]\nversion = "0.5"\n',
        f'\n[target.\'cfg(unix)\'.dependencies."{CRATE}"]\nversion = "0.5"\n',
        f'\n[dev-dependencies]\ntelemetry = {{ package = "{CRATE}", version = "0.5" }}\n',
    ],
)
def test_add_lib_in_rust_refuses_a_crate_naming_the_library_in_any_form(
    tmp_path: Path, cli: Cli, naming: str
) -> None:
    """A dependency table, a target table or a renamed dependency naming the library: the
    crate names it already, refused with the line and the fix, nothing written."""
    _library(tmp_path, cli, "rust")
    dest = _project(tmp_path, "rust")
    cargo = dest / "Cargo.toml"
    cargo.write_text(cargo.read_text() + naming)
    before = {p: (dest / p).read_bytes() for p in _files(dest)}
    refused = _add(cli, tmp_path, "rust", dest)
    assert refused.code == 2, refused.out + refused.err
    assert "already names the library" in refused.err and "Cargo.toml:" in refused.err
    assert {p: (dest / p).read_bytes() for p in _files(dest)} == before
    assert not (dest / ".scaffold").exists()
