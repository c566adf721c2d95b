"""`scaffold add` reads the module or crate it goes into with one parser per file, writes
its dependency edits in the same transaction as the rest, and renames a service.

No toolchain is needed: the projects are written by hand, as `go mod init` and `cargo new`
would leave them (the builds themselves are in tests/test_add.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.conventions import Located
from scaffold.errors import UsageError
from scaffold.services import _service_from_module, add_service
from scaffold.sync import LOCK_NAME, read_lock
from scaffold.targets.rust_crates import merge_cargo_toml
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
GO_MOD = "module foo_bar\n\ngo 1.22\n"  # what `go mod init foo_bar` writes
CARGO = '[package]\nname = "checkout" # the service\nversion = "0.1.0"\nedition = "2021"\n'
CARGO_PROJECT = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n"}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_add_in_a_module_made_by_go_mod_init_with_an_underscore(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {}\n"})
    result = cli("add", "--lang", "go", "--name", "foo", "--dir", str(tmp_path), *CONV)
    assert result.code == 0, result.err
    conventions_go = tmp_path / "internal" / "telemetry" / "conventions.go"
    assert 'const ServiceName = "foo"' in conventions_go.read_text(encoding="utf-8")
    go_mod = (tmp_path / "go.mod").read_text(encoding="utf-8")
    assert go_mod.startswith("module foo_bar\n") and "go.opentelemetry.io/otel v" in go_mod
    lock = read_lock(tmp_path)
    assert lock.options.module_path == "foo_bar" and lock.options.service_name == "foo"
    assert cli("check", str(tmp_path)).code == 0


def test_without_a_name_the_service_is_named_after_the_module(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV)
    assert result.code == 0, result.err
    assert read_lock(tmp_path).options.service_name == "foo-bar"


def test_go_mod_module_line_quoted_and_commented(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path, {"go.mod": '// orders\nmodule "example.com/acme/orders/v2" // ours\n'}
    )
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV)
    assert result.code == 0, result.err
    lock = read_lock(tmp_path)
    assert lock.options.module_path == "example.com/acme/orders/v2"
    assert lock.options.service_name == "orders"  # not "v2"
    assert 'module "example.com/acme/orders/v2" // ours\n\ngo ' in (tmp_path / "go.mod").read_text()


def test_add_in_a_crate_whose_name_line_has_a_comment(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, CARGO_PROJECT)
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV)
    assert result.code == 0, result.err
    lock = read_lock(tmp_path)
    assert lock.options.crate_name == "checkout" and lock.options.service_name == "checkout"
    cargo = (tmp_path / "Cargo.toml").read_text(encoding="utf-8")
    assert cargo.startswith(CARGO) and "tracing-subscriber" in cargo


@pytest.mark.parametrize(
    ("lang", "files", "text"),
    [
        ("go", {"go.mod": b"module caf\xe9\n"}, "go.mod:1: not UTF-8 text (byte 11 of the line)"),
        ("go", {"go.mod": b"module x\n\ngo 1.2\xe9\n"}, "go.mod:3: not UTF-8 text (byte 7 of"),
        ("rust", {"Cargo.toml": b'[package]\nname = "x\xff"\n'}, "Cargo.toml:2: not UTF-8 text"),
        ("go", {"go.mod": b"module x\nrequire (\n\ta v1.0.0\n"}, "go.mod:2: the `require (`"),
        ("go", {"go.mod": b"module a b\n"}, "go.mod:1: write the module line as"),
        ("go", {"go.mod": b"go 1.22\n"}, "no module line"),
        ("go", {"go.mod": b"module x/../y\n"}, "not a valid Go module path"),
        ("rust", {"Cargo.toml": b"[package\nname = 1\n"}, "Cargo.toml:1:9: not TOML 1.0"),
        (
            "rust",
            {"Cargo.toml": CARGO.encode() + b'\n[dependencies]\ntokio = {\n  version = "1",\n}\n'},
            "Cargo.toml:7: `tokio = {` is an inline table over several lines (TOML 1.1",
        ),
        ("rust", {"Cargo.toml": b"[package]\nversion = '1'\n"}, "[package] has no name"),
    ],
)
def test_a_project_file_that_does_not_read_is_refused_before_any_edit(
    tmp_path: Path, cli: Callable[..., CliResult], lang: str, files: dict[str, bytes], text: str
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = tree(tmp_path)
    result = cli("add", "--lang", lang, "--dir", str(tmp_path), *CONV)
    assert result.code == 2 and text in result.err, result.err
    assert "Traceback" not in result.err
    assert tree(tmp_path) == before
    as_json = cli("add", "--lang", lang, "--dir", str(tmp_path), *CONV, "--json")
    data = json.loads(as_json.out)
    assert as_json.code == 2 and data["exit_code"] == 2 and text in data["error"]
    assert tree(tmp_path) == before


def test_a_workspace_root_names_its_members(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    build_file_tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*", "tools/gen"]\n',
            "crates/api/Cargo.toml": '[package]\nname = "api"\n',
            "crates/worker/Cargo.toml": '[package]\nname = "worker"\n',
        },
    )
    before = tree(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV)
    assert result.code == 2, result.err
    assert "Cargo workspace root" in result.err and "--dir <member>" in result.err
    assert "crates/api, crates/worker, tools/gen" in result.err
    assert tree(tmp_path) == before


class Fault(Exception):
    pass


@pytest.mark.parametrize("lang", ["go", "rust"])
@pytest.mark.parametrize("fault_at", ["stage", "commit"])
def test_add_is_all_or_nothing_with_its_dependency_edits(
    tmp_path: Path, lang: str, fault_at: str
) -> None:
    """A fault after every generated file is staged (at the project file's own step, or
    when the lock, the very last step, is put in place) leaves go.mod/Cargo.toml as they
    were and adds no file."""
    build_file_tree(tmp_path, {"go.mod": GO_MOD} if lang == "go" else CARGO_PROJECT)
    project = "go.mod" if lang == "go" else "Cargo.toml"
    before = tree(tmp_path)
    seen: list[tuple[str, str]] = []

    def hook(stage: str, path: str) -> None:
        seen.append((stage, path))
        if (stage, path) == (fault_at, project if fault_at == "stage" else LOCK_NAME):
            raise Fault(path)

    located = Located(DEFAULT_CONVENTIONS, "given")
    with pytest.raises(Fault):
        add_service(lang=lang, dest=tmp_path, conventions=located, name="shop", hook=hook)
    staged = [path for stage, path in seen if stage == "stage"]
    generated = [p for p in staged if p.startswith(("internal/", "src/telemetry/"))]
    assert generated and staged.index(project) > max(staged.index(p) for p in generated)
    if fault_at == "commit":
        assert ("commit", project) in seen  # go.mod/Cargo.toml had been replaced already
    assert tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.split("/")[0] for p in before)


def test_add_with_a_new_name_renames_the_service(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, CARGO_PROJECT)
    assert cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV).code == 0
    conventions_rs = tmp_path / "src" / "telemetry" / "conventions.rs"
    assert 'SERVICE_NAME: &str = "checkout"' in conventions_rs.read_text(encoding="utf-8")
    cargo = (tmp_path / "Cargo.toml").read_bytes()

    again = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV)
    assert again.code == 2 and "--name NEW to rename it" in again.err

    renamed = cli("add", "--lang", "rust", "--dir", str(tmp_path), "--name", "checkout-api", *CONV)
    assert renamed.code == 0, renamed.err
    assert "renamed checkout to checkout-api" in renamed.out
    assert 'SERVICE_NAME: &str = "checkout-api"' in conventions_rs.read_text(encoding="utf-8")
    lock = read_lock(tmp_path)
    assert lock.options.service_name == "checkout-api" and lock.options.crate_name == "checkout"
    assert lock.options.mode == "add"
    assert (tmp_path / "Cargo.toml").read_bytes() == cargo  # the crate is not renamed
    assert cli("check", str(tmp_path)).code == 0
    assert "nothing to do" in cli("update", str(tmp_path)).out

    same = cli("add", "--lang", "rust", "--dir", str(tmp_path), "--name", "checkout-api", *CONV)
    assert same.code == 0 and "0 file(s) changed, status unchanged" in same.out


def test_a_rename_stops_on_a_hand_edit_and_keeps_the_lock(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD})
    assert cli("add", "--lang", "go", "--name", "foo", "--dir", str(tmp_path), *CONV).code == 0
    edited = tmp_path / "internal" / "telemetry" / "conventions.go"
    edited.write_text(edited.read_text(encoding="utf-8") + "// mine\n", encoding="utf-8")
    before = tree(tmp_path)
    result = cli("add", "--lang", "go", "--name", "bar", "--dir", str(tmp_path), *CONV, "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["renamed_from"] == "foo" and data["result"]["status"] == "refused"
    assert tree(tmp_path) == before
    wrong = cli("add", "--lang", "rust", "--name", "bar", "--dir", str(tmp_path), *CONV)
    assert wrong.code == 2 and "is a go service" in wrong.err


def test_an_edit_that_would_land_in_the_wrong_table_is_refused() -> None:
    """A multi-line string holding a table header fools a line-based edit; the result
    is read back with TOML's parser and refused, so the file is never written."""
    text = (
        '[dependencies]\nserde = "1"\n\n[package]\nname = "checkout"\nversion = "0.1.0"\n'
        'description = """\n[dependencies]\n"""\n'
    )
    with pytest.raises(UsageError, match=r"would not land in \[dependencies\]"):
        merge_cargo_toml(text, "grpc")


def test_add_never_reads_a_project_file_through_a_symlink_or_from_a_fifo(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    import os

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "go.mod").write_text("module example.com/outside/secret\n\ngo 1.26\n", "utf-8")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "go.mod").symlink_to(outside / "go.mod")
    result = cli("add", "--lang", "go", "--dir", str(linked))
    assert result.code == 2 and "symlink" in result.err
    assert sorted(p.name for p in linked.iterdir()) == ["go.mod"]
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    (fifo / "go.mod").write_text("module example.com/m\n\ngo 1.26\n", encoding="utf-8")
    os.mkfifo(fifo / "go.sum")
    result = cli("add", "--lang", "go", "--dir", str(fifo))
    assert result.code == 2 and "not a regular file" in result.err
    assert sorted(p.name for p in fifo.iterdir()) == ["go.mod", "go.sum"]


@pytest.mark.parametrize(
    ("module", "service"),
    [
        ("github.com/acme/orders/server", "orders"),
        ("github.com/acme/orders/go", "orders"),
        ("github.com/acme/orders/backend/v3", "orders"),
        ("example.com/orders/svc", "orders"),
        ("github.com/acme/server", "server"),  # the repository itself is called server
        ("example.com/orders/cmd/server", "orders"),
        ("github.com/acme/orders.git", "orders"),
        ("example.com/acme/payments", "payments"),
    ],
)
def test_a_generic_last_element_gives_the_repository_name(
    tmp_path: Path, cli: Callable[..., CliResult], module: str, service: str
) -> None:
    build_file_tree(tmp_path, {"go.mod": f"module {module}\n\ngo 1.26.0\n"})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), "--dry-run", "--json", *CONV)
    assert result.code == 0, result.err
    assert json.loads(result.out)["service"] == service
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.parametrize(
    ("module", "folder", "expected"),
    [
        ("github.com/acme/orders/cmd/server", "server", "orders"),
        ("github.com/acme/orders.git", "x", "orders"),
        ("example.com/v2", "payments", "payments"),  # a bare host names no service
        ("example.com/v2", "server", "example-com"),  # nor does a generic folder
        ("example.com/acme/orders/v2", "server", "orders"),
    ],
)
def test_service_names_inferred_from_odd_module_paths(
    tmp_path: Path, module: str, folder: str, expected: str
) -> None:
    dest = tmp_path / folder
    dest.mkdir()
    assert _service_from_module(module, dest) == expected


def test_a_crate_with_a_generic_name_is_named_after_its_folder(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "orders-api"
    server = CARGO.replace('name = "checkout" # the service', 'name = "server"')
    build_file_tree(crate, {"Cargo.toml": server, "src/main.rs": "fn main() {}\n"})
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 0, result.err
    assert read_lock(crate).options.service_name == "orders-api"


def test_add_names_the_workspace_lock_it_leaves_to_cargo(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    root = {"Cargo.toml": '[workspace]\nmembers = ["api"]\nresolver = "2"\n', "Cargo.lock": "x"}
    build_file_tree(
        tmp_path, {**root, "api/Cargo.toml": CARGO, "api/src/main.rs": "fn main() {}\n"}
    )
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path / "api"), *CONV)
    assert result.code == 0, result.err
    assert f"{tmp_path / 'Cargo.lock'}: not changed; run `cargo check` once" in result.out
    assert (tmp_path / "Cargo.lock").read_text() == "x"
