"""`add --wire` on a main file with CRLF line endings (a Windows checkout with
core.autocrlf=true) keeps CRLF on every line and edits exactly as it edits the LF file:
Go's import block is extended, not doubled; Rust's main.rs passes `cargo fmt --check`
(rev14 F4, F9). A file mixing both is refused before anything is written."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.wiring.rust import rust_steps
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult, build_file_tree
from tests.test_adopt_fixtures import go

FIXTURES = ROOT / "tests" / "fixtures" / "adopt"
CONV = ["-c", str(DEFAULT_CONVENTIONS)]
pytestmark = pytest.mark.toolchain


def _to_crlf(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


SHAPES = ["crlf", "bom", "bom+crlf"]


def _reshape(path: Path, shape: str) -> None:
    if "crlf" in shape:
        _to_crlf(path)
    if "bom" in shape:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _kept(raw: bytes, shape: str) -> str:
    """The wired file as LF text without its byte order mark, once the shape is checked."""
    assert raw.startswith(b"\xef\xbb\xbf") == ("bom" in shape)
    if "crlf" in shape:
        assert raw.count(b"\n") == raw.count(b"\r\n")  # no LF-only line
    else:
        assert b"\r\n" not in raw
    return raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")


def _wire(cli: Callable[..., CliResult], lang: str, dest: Path) -> CliResult:
    result = cli("add", "--lang", lang, "--dir", str(dest), *CONV, "--wire")
    assert result.code == 0, result.err
    return result


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
@pytest.mark.parametrize("shape", SHAPES)
def test_go_wire_keeps_crlf_and_extends_the_import_block(
    tmp_path: Path, cli: Callable[..., CliResult], shape: str
) -> None:
    lf, crlf = tmp_path / "lf", tmp_path / "crlf"
    shutil.copytree(FIXTURES / "go-v2", lf)
    shutil.copytree(FIXTURES / "go-v2", crlf)
    _reshape(crlf / "main.go", shape)
    _wire(cli, "go", lf)
    _wire(cli, "go", crlf)
    text = _kept((crlf / "main.go").read_bytes(), shape)
    assert text.count("import (") == 1
    assert text == (lf / "main.go").read_text(encoding="utf-8")
    go(crlf, "build", "./...")
    go(crlf, "vet", "./...")


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
@pytest.mark.parametrize("shape", SHAPES)
def test_rust_wire_keeps_crlf_and_cargo_fmt_check_passes(
    tmp_path: Path, cli: Callable[..., CliResult], shape: str
) -> None:
    lf, crlf = tmp_path / "lf", tmp_path / "crlf"
    shutil.copytree(FIXTURES / "rust-workspace", lf)
    shutil.copytree(FIXTURES / "rust-workspace", crlf)
    main = crlf / "crates" / "orders-api" / "src" / "main.rs"
    _reshape(main, shape)
    fmt = ["cargo", "fmt", "--check"]
    before = subprocess.run(fmt, cwd=crlf, capture_output=True, text=True)
    assert before.returncode == 0, before.stdout
    _wire(cli, "rust", lf / "crates" / "orders-api")
    _wire(cli, "rust", crlf / "crates" / "orders-api")
    wired_lf = (lf / "crates" / "orders-api" / "src" / "main.rs").read_text(encoding="utf-8")
    assert _kept(main.read_bytes(), shape) == wired_lf
    after = subprocess.run(fmt, cwd=crlf, capture_output=True, text=True)
    assert after.returncode == 0, after.stdout


@pytest.mark.parametrize(
    ("lang", "fixture", "rel"),
    [("go", "go-v2", "main.go"), ("rust", "rust-workspace", "crates/orders-api/src/main.rs")],
)
def test_wire_refuses_a_file_with_mixed_line_endings(
    tmp_path: Path, cli: Callable[..., CliResult], lang: str, fixture: str, rel: str
) -> None:
    dest = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, dest)
    path = dest / rel
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\r\n".join(lines[:5]) + b"\r\n" + b"\n".join(lines[5:]))
    before = path.read_bytes()
    service = dest if lang == "go" else dest / "crates" / "orders-api"
    result = cli("add", "--lang", lang, "--dir", str(service), *CONV, "--wire")
    assert result.code == 2, result.out
    assert "mixes CRLF and LF line endings" in result.err and rel.split("/")[-1] in result.err
    assert path.read_bytes() == before
    assert not (service / ".scaffold").exists()


@pytest.mark.parametrize(
    ("main_rs", "line"),
    [
        ("fn main() {}\n\nmod telemetry {\n    pub fn init() {}\n}\n", 3),
        ("use orders_core as telemetry;\n\nfn main() {}\n", 1),
        ('#[path = "otel_setup.rs"]\nmod telemetry;\n\nfn main() {}\n', 2),
        ("use orders_core::telemetry;\n\nfn main() {}\n", 1),
        ("fn telemetry() {}\n\nfn main() {}\n", 1),
    ],
)
def test_rust_wire_refuses_a_main_rs_where_the_module_name_is_taken(
    tmp_path: Path, main_rs: str, line: int
) -> None:
    """rev14b N3: a second `mod telemetry;` would not build (E0428, E0255)."""
    build_file_tree(tmp_path, {"src/main.rs": main_rs})
    wiring = rust_steps(tmp_path)
    assert wiring.problem.startswith(f"src/main.rs:{line}: the name telemetry is taken here")
    assert not wiring.edits


def test_rust_name_in_a_comment_or_string_is_not_taken(tmp_path: Path) -> None:
    text = '// mod telemetry;\nfn main() {\n    let s = "use x as telemetry;";\n}\n'
    build_file_tree(tmp_path, {"src/main.rs": text})
    assert "taken" not in rust_steps(tmp_path).problem
