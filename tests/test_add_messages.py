"""What `add` says when it stops is true and its fix works (rev14 F5): a refused rename is
not reported as done, a one-line func main is not sent to gofmt (which keeps it), a key
that names another crate is not reported as a version, a non-UTF-8 go.mod names a line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
GO_MOD = "module example.com/acme/orders-api\n\ngo 1.22\n"


def test_a_refused_rename_is_not_said_to_be_done(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {}\n"})
    assert cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV).code == 0
    edited = tmp_path / "internal" / "telemetry" / "conventions.go"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n// ours\n", encoding="utf-8")
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--name", "orders-b")
    assert result.code == 1
    assert "not renamed" in result.err
    assert "renamed" not in result.out


def test_a_one_line_main_is_not_sent_to_gofmt(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    main = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("x") }\n'
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": main})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire")
    assert result.code == 2
    assert "lines of their own" in result.err and "format it (gofmt)" not in result.err


def test_a_key_naming_another_crate_is_not_a_version_problem(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    cargo = (
        '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        'opentelemetry = { package = "serde", version = "1" }\n'
    )
    build_file_tree(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "fn main() {}\n"})
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV)
    assert result.code == 2
    assert f"{tmp_path / 'Cargo.toml'}:7: `opentelemetry` is the crate serde" in result.err
    assert "give serde another key" in result.err and "found" not in result.err
    assert (tmp_path / "Cargo.toml").read_text(encoding="utf-8") == cargo
