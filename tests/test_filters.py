"""Filters: literals round-trip any text (checked by go, rustc, YAML, TOML and JSON readers),
comments stay comments under gofmt and rustdoc/clippy, identifiers are never keywords."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold import naming
from scaffold.lang import go, rust
from scaffold.render import filters
from tests.conftest import cargo_target_dir

# Text a UTF-8 file can hold: every code point but surrogates.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
NASTY = [
    "",
    '"',
    "'' and ``quoted``",
    "\\",
    "*/",
    "/*",
    "a\nb\r\nc\rd",
    "\x00\x01\x7f\x1b[31m",
    "\u2028\u2029\u0085",
    "\ufeffBOM",
    "Zürich ✓ 日本 🚀",
    "\u202ereversed",
    "{{ x }} {% raw %}",
    "${HOME} $(id) `id`",
    "```rust\npanic!()\n```",
    "    indented code",
    "- item\nlazy",
    "# heading",
    "[link]: https://example.com",
    "\t tab",
    'r#"raw"#',
    "\U0010ffff",
]


@given(TEXT)
def test_yaml_string_round_trips(text: str) -> None:
    assert yaml.safe_load("v: " + filters.yaml_string(text))["v"] == text


@given(TEXT)
def test_toml_string_round_trips(text: str) -> None:
    assert tomllib.loads("v = " + filters.toml_string(text))["v"] == text


@given(TEXT)
def test_json_string_round_trips(text: str) -> None:
    assert json.loads(filters.json_string(text)) == text


@given(TEXT)
def test_literals_are_one_line(text: str) -> None:
    for literal in (filters.go_string(text), filters.rust_string(text), filters.yaml_string(text)):
        assert "\n" not in literal and "\r" not in literal


@given(TEXT)
def test_comments_never_leave_their_lines(text: str) -> None:
    for comment, prefix in (
        (filters.go_comment(text), "//"),
        (filters.rust_doc(text), "///"),
        (filters.line_comment(text), "#"),
    ):
        assert all(line.startswith(prefix) for line in comment.split("\n"))
        assert "\r" not in comment


@given(st.text(max_size=30))
def test_identifiers_are_never_keywords(text: str) -> None:
    for ident in (naming.go_exported(text), naming.go_private(text)):
        assert naming.GO_IDENT.match(ident)
        assert ident not in go.RULES.keywords
    for ident in (naming.rust_snake(text), naming.rust_const(text), naming.rust_type(text)):
        assert naming.RUST_IDENT.match(ident)
        assert ident not in rust.RULES.keywords
        assert ident != "_"


def test_go_identifiers_use_acronyms() -> None:
    assert naming.go_exported("app.tenant.id") == "AppTenantID"
    assert naming.go_exported("http.request.method") == "HTTPRequestMethod"
    assert naming.go_exported("db.query.text") == "DBQueryText"
    assert naming.go_private("type") == "type_"
    assert naming.go_private("url.full") == "urlFull"
    assert naming.rust_snake("type") == "type_"
    assert naming.rust_snake("self") == "self_"
    assert naming.rust_type("self") == "Self_"
    assert naming.rust_const("select.match") == "SELECT_MATCH"
    assert naming.go_exported("9lives") == "X9lives"


def test_markdown_helpers() -> None:
    assert filters.md_escape("<b>*x*</b>") == "&lt;b&gt;\\*x\\*&lt;/b&gt;"
    assert filters.md_code("a`b") == "``a`b``"
    assert filters.slug("HTTP Route!") == "http-route"


# --- checked by the real toolchains -----------------------------------------------------

needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
needs_rust = pytest.mark.skipif(shutil.which("rustc") is None, reason="rustc is not installed")


def _go_round_trip(tmp: Path, samples: list[str]) -> None:
    body = ",\n".join(f"\t{filters.go_string(s)}" for s in samples)
    docs = "\n".join(f"{filters.go_comment(s)}\nfunc F{i}() {{}}\n" for i, s in enumerate(samples))
    source = (
        'package main\n\nimport (\n\t"encoding/hex"\n\t"fmt"\n)\n\n'
        f"var samples = []string{{\n{body},\n}}\n\n{docs}\n"
        "func main() {\n\tfor _, s := range samples {\n\t\tfmt.Println(hex.EncodeToString([]byte(s)))\n\t}\n}\n"
    )
    (tmp / "main.go").write_text(source, encoding="utf-8")
    (tmp / "go.mod").write_text("module roundtrip\n\ngo 1.22\n", encoding="utf-8")
    fmt = subprocess.run(["gofmt", "-l", "main.go"], cwd=tmp, capture_output=True, text=True)
    assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
    out = subprocess.run(["go", "run", "."], cwd=tmp, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:-1] == [s.encode("utf-8").hex() for s in samples]


def _rust_round_trip(tmp: Path, samples: list[str]) -> None:
    body = ",\n".join(f"    {filters.rust_string(s)}" for s in samples)
    docs = "\n".join(f"{filters.rust_doc(s)}\npub fn f{i}() {{}}\n" for i, s in enumerate(samples))
    source = (
        f"//! Round trip.\n\npub const SAMPLES: &[&str] = &[\n{body},\n];\n\n{docs}\n"
        'pub fn hex() -> Vec<String> {\n    SAMPLES.iter().map(|s| s.bytes().map(|b| format!("{b:02x}")).collect()).collect()\n}\n'
    )
    src = tmp / "src"
    src.mkdir()
    (src / "lib.rs").write_text(source, encoding="utf-8")
    (src / "main.rs").write_text(
        'fn main() {\n    for line in roundtrip::hex() {\n        println!("{line}");\n    }\n}\n',
        encoding="utf-8",
    )
    (tmp / "Cargo.toml").write_text(
        '[package]\nname = "roundtrip"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir() / "filters")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["cargo", *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=600
        )

    out = run("run", "--quiet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:-1] == [s.encode("utf-8").hex() for s in samples]
    lint = run("clippy", "--quiet", "--", "-D", "warnings")
    assert lint.returncode == 0, lint.stderr
    doctests = run("test", "--doc")
    assert doctests.returncode == 0, doctests.stderr
    assert "running 0 tests" in doctests.stdout, (
        "a doc comment became a doctest:\n" + doctests.stdout
    )


@needs_go
@pytest.mark.toolchain
@settings(max_examples=3, deadline=None)
@given(st.lists(TEXT, min_size=40, max_size=40))
def test_go_literals_and_comments_with_go(
    tmp_path_factory: pytest.TempPathFactory, samples: list[str]
) -> None:
    _go_round_trip(tmp_path_factory.mktemp("go"), NASTY + samples)


@needs_rust
@pytest.mark.toolchain
@settings(max_examples=2, deadline=None)
@given(st.lists(TEXT, min_size=40, max_size=40))
def test_rust_literals_and_docs_with_rustc(
    tmp_path_factory: pytest.TempPathFactory, samples: list[str]
) -> None:
    _rust_round_trip(tmp_path_factory.mktemp("rust"), NASTY + samples)
