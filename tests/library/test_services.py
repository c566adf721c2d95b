"""Services in library mode (`new --lib`), without toolchains: what they get, what their
lock records, how `update` moves them and how `check` names a service left behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.library.conventions import base_text, with_attribute, write

MODULE = "example.com/acme/telemetry"
CRATE = "acme-telemetry"
Cli = Callable[..., CliResult]


def _setup(tmp_path: Path, cli: Cli, lang: str) -> tuple[Path, Path]:
    conv = write(tmp_path / "observability.yaml", base_text())
    lib = tmp_path / "lib"
    name = ["--module", MODULE] if lang == "go" else ["--name", CRATE]
    done = cli("lib", "--lang", lang, *name, "--dir", str(lib), "-c", str(conv))
    assert done.code == 0, done.err
    return conv, lib


def _new(cli: Cli, tmp_path: Path, lang: str, service: str, lib: str = "") -> Path:
    dest = tmp_path / service
    name = lib or (MODULE if lang == "go" else CRATE)
    conv = str(tmp_path / "observability.yaml")
    args = ["new", service, "--lang", lang, "--dir", str(dest), "-c", conv, "--lib", name]
    done = cli(*args, "--lib-path", str(tmp_path / "lib"))
    assert done.code == 0, done.err
    return dest


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".scaffold" not in p.parts
    }


@pytest.mark.parametrize(
    ("lang", "manifest", "version_line"),
    [
        ("go", "go.mod", "require example.com/acme/telemetry v{}\n"),
        ("rust", "Cargo.toml", 'acme-telemetry = {{ version = "{}", path = "../lib" }}\n'),
    ],
)
def test_update_moves_services_and_check_names_the_one_left_behind(
    tmp_path: Path, cli: Cli, lang: str, manifest: str, version_line: str
) -> None:
    conv, lib = _setup(tmp_path, cli, lang)
    moved = _new(cli, tmp_path, lang, "orders")
    left = _new(cli, tmp_path, lang, "billing")
    if lang == "go":
        assert _files(moved) == {"go.mod", "go.sum", "main.go", "handlers.go", "README.md"}
        assert "replace example.com/acme/telemetry => ../lib\n" in (moved / "go.mod").read_text()
        assert '\ttelemetry.ServiceName = "orders"\n' in (moved / "main.go").read_text()
    else:
        assert _files(moved) == {
            "Cargo.toml",
            ".gitignore",
            "src/lib.rs",
            "src/main.rs",
            "src/routes.rs",
        }
        assert "pub use acme_telemetry::telemetry;" in (moved / "src/lib.rs").read_text()
        assert 'set_service_name("orders")' in (moved / "src/main.rs").read_text()
    lock = json.loads((moved / ".scaffold/lock.json").read_text())
    name = MODULE if lang == "go" else CRATE
    assert lock["options"]["extra"]["library"] == {
        "name": name,
        "version": "1.0.0",
        "path": "../lib",
    }
    assert version_line.format("1.0.0") in (moved / manifest).read_text()
    assert cli("check", str(moved), str(left)).code == 0

    write(conv, with_attribute(base_text()))
    assert cli("lib", "--lang", lang, "--dir", str(lib)).code == 0
    stale = cli("check", str(moved))
    assert stale.code == 1
    assert f"behind the library: requires {name} 1.0.0, the library at ../lib is 1.1.0" in stale.out

    with (moved / manifest).open("a", encoding="utf-8") as handle:
        handle.write(
            "\n# the team's own line\n" if lang == "rust" else "\n// the team's own line\n"
        )
    updated = cli("update", str(moved))
    assert updated.code == 0, updated.err
    assert version_line.format("1.1.0") in (moved / manifest).read_text()
    assert "the team's own line" in (moved / manifest).read_text()  # merged, not overwritten
    report = cli("check", str(moved), str(left), "--json")
    assert report.code == 1
    services = {Path(s["service"]).name: s for s in json.loads(report.out)["services"]}
    assert services["orders"]["ok"] and not services["billing"]["ok"]
    assert "behind the library" in json.dumps(services["billing"])


def test_a_version_argument_moves_a_service_without_a_library_folder(
    tmp_path: Path, cli: Cli
) -> None:
    write(tmp_path / "observability.yaml", base_text())
    dest = tmp_path / "orders"
    conv = str(tmp_path / "observability.yaml")
    made = cli(
        "new",
        "orders",
        "--lang",
        "go",
        "--dir",
        str(dest),
        "-c",
        conv,
        "--lib",
        f"{MODULE}@v1.2.0",
        "--json",
    )
    assert made.code == 0, made.err
    assert json.loads(made.out)["library"] == {"name": MODULE, "version": "1.2.0", "path": ""}
    text = (dest / "go.mod").read_text()
    assert "require example.com/acme/telemetry v1.2.0\n" in text and "replace" not in text
    behind = cli("check", str(dest), "--lib-version", "v2.0.0")
    assert behind.code == 1 and "requires example.com/acme/telemetry 1.2.0" in behind.out
    assert cli("update", str(dest), "--lib-version", "2.0.0").code == 0
    assert "require example.com/acme/telemetry/v2 v2.0.0\n" in (dest / "go.mod").read_text()
    assert '"example.com/acme/telemetry/v2"' in (dest / "main.go").read_text()
    assert cli("check", str(dest), "--lib-version", "2.0.0").code == 0


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--lib", f"{MODULE}@v1.3.0", "--lib-path", "LIB"], "the library at"),
        (["--lib-path", "LIB"], "--lib-path needs --lib"),
        (["--lib", MODULE], "give NAME@VERSION"),
        (["--lib", f"{MODULE}@1.x"], "not MAJOR.MINOR.PATCH"),
        (["--lib", f"{MODULE}@v2.0.0"], "Go needs the path"),
        (["--lib", "example.com/other", "--lib-path", "LIB"], "not the go library"),
        (["--lib", "example.com/" + "a/" * 2000 + "t@v1.0.0"], "at most 512 characters"),
    ],
)
def test_bad_library_arguments_are_refused(
    tmp_path: Path, cli: Cli, args: list[str], problem: str
) -> None:
    _setup(tmp_path, cli, "go")
    dest = tmp_path / "orders"
    args = [str(tmp_path / "lib") if a == "LIB" else a for a in args]
    done = cli("new", "orders", "--lang", "go", "--dir", str(dest), *args)
    assert done.code == 2 and problem in done.err and "Traceback" not in done.err
    assert not dest.exists()


def test_an_edited_library_reference_in_the_lock_is_refused(tmp_path: Path, cli: Cli) -> None:
    _setup(tmp_path, cli, "go")
    dest = _new(cli, tmp_path, "go", "orders")
    lock_path = dest / ".scaffold/lock.json"
    lock = json.loads(lock_path.read_text())
    lock["options"]["extra"]["library"]["path"] = "/etc"
    lock_path.write_text(json.dumps(lock))
    done = cli("check", str(dest))
    assert done.code == 2 and "library path" in done.err


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_check_names_a_service_on_other_conventions_than_its_library(
    tmp_path: Path, cli: Cli, lang: str
) -> None:
    _conv, lib = _setup(tmp_path, cli, lang)
    same = _new(cli, tmp_path, lang, "orders")
    other = write(tmp_path / "other.yaml", with_attribute(base_text()))
    dest = tmp_path / "billing"
    name = MODULE if lang == "go" else CRATE
    made = cli(
        "new", "billing", "--lang", lang, "--dir", str(dest), "-c", str(other),
        "--lib", name, "--lib-path", str(lib),
    )  # fmt: skip
    assert made.code == 0, made.err
    assert cli("check", str(same)).code == 0
    found = cli("check", str(dest))
    assert found.code == 1
    assert "other conventions than its library" in found.out
    assert "the library at ../lib was rendered from" in found.out
    assert "behind the library" not in found.out


def test_rust_service_version_is_the_services_own_not_the_librarys(
    tmp_path: Path, cli: Cli
) -> None:
    _conv, lib = _setup(tmp_path, cli, "rust")
    service = _new(cli, tmp_path, "rust", "orders")
    main = (service / "src/main.rs").read_text()
    assert 'conventions::set_service_version(env!("CARGO_PKG_VERSION"));' in main
    assert main.index("set_service_version") < main.index("::init()")
    conventions = (lib / "src/telemetry/conventions.rs").read_text()
    body = conventions[conventions.index("pub fn service_version()") :]
    body = body[: body.index("\n}\n")]
    assert "CARGO_PKG_VERSION" not in body and "SERVICE_VERSION.get()" in body
    settings = (lib / "src/telemetry/settings.rs").read_text()
    assert 'env!("CARGO_PKG_VERSION").to_owned()' not in settings
    assert "conventions::service_version()" in settings


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_a_library_folder_gone_back_to_an_older_version_is_refused(
    tmp_path: Path, cli: Cli, lang: str
) -> None:
    """The library folder's lock says an older version than the service requires (the
    folder was checked out at an older commit, or rendered anew): `update` does not move
    the service back, and `check` does not tell it to."""
    conv, lib = _setup(tmp_path, cli, lang)
    write(conv, with_attribute(base_text()))
    assert cli("lib", "--lang", lang, "--dir", str(lib)).code == 0
    dest = _new(cli, tmp_path, lang, "orders")
    lock_file = lib / ".scaffold/library.json"
    data = json.loads(lock_file.read_text())
    data["version"] = "1.0.0"
    lock_file.write_text(json.dumps(data))
    manifest = dest / ("go.mod" if lang == "go" else "Cargo.toml")
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    updated = cli("update", str(dest))
    assert updated.code == 2, updated.out + updated.err
    said = updated.out + updated.err
    assert "Traceback" not in said
    assert "library.json" in said and "1.0.0" in said and "1.1.0" in said
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before
    assert "1.1.0" in manifest.read_text()
    checked = cli("check", str(dest))
    assert checked.code == 2, checked.out + checked.err
    assert "run `scaffold update`" not in checked.out + checked.err


def test_a_library_folder_that_moved_is_named_with_a_fix_update_can_take(
    tmp_path: Path, cli: Cli
) -> None:
    """The library folder a service was created with is gone: update and check name the
    service's lock and the recorded path, and give a fix that works (not `--lib-path`,
    which update does not take, nor rendering a new library where the old one was)."""
    _setup(tmp_path, cli, "rust")
    dest = _new(cli, tmp_path, "rust", "orders")
    (tmp_path / "lib").rename(tmp_path / "moved")
    for command in ("update", "check"):
        done = cli(command, str(dest))
        said = done.out + done.err
        assert done.code == 2, said
        assert "Traceback" not in said
        assert ".scaffold/lock.json" in said and "'../lib'" in said
        assert "give the right --lib-path" not in said and "render it with" not in said
        assert "symlink" in said
    (tmp_path / "lib").symlink_to(tmp_path / "moved")
    assert cli("check", str(dest)).code == 0
