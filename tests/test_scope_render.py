"""Go and Rust renders name one instrumentation scope version and one semantic
conventions schema URL (issue 13): the version of scaffold that generated the module, and
the schema of the semantic conventions the generated code follows (1.45.0)."""

from __future__ import annotations

import re

import pytest

from scaffold import __version__
from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.targets.go_modules import SCHEMA_VERSION
from scaffold.targets.registry import render_target
from tests.golden.cases import SOURCES

GO_VERSION = re.compile(r'^const instrumentationVersion = "([^"]*)"$', re.M)
GO_SCHEMA = re.compile(r'^const SchemaURL = "([^"]*)"$', re.M)
RUST_VERSION = re.compile(r'^pub const SCOPE_VERSION: &str = "([^"]*)";$', re.M)
RUST_SCHEMA = re.compile(r'^pub const SCHEMA_URL: &str = "([^"]*)";$', re.M)


def _conventions_file(rendered: dict[str, str], suffix: str) -> str:
    found = [text for path, text in rendered.items() if path.endswith(suffix)]
    assert len(found) == 1, sorted(rendered)
    return found[0]


def _only(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.findall(text)
    assert len(found) == 1, pattern.pattern
    return str(found[0])


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_go_and_rust_name_one_scope_version_and_schema(case: str) -> None:
    conv = load(SOURCES[case])
    go = render_target(
        "go",
        conv,
        RenderOptions(service_name="orders", target="go", mode="new", module_path="example.com/o"),
    )
    rust = render_target(
        "rust",
        conv,
        RenderOptions(service_name="orders", target="rust", mode="new", crate_name="orders"),
    )
    go_text = _conventions_file({p: f.content for p, f in go.files.items()}, "/conventions.go")
    rust_text = _conventions_file({p: f.content for p, f in rust.files.items()}, "/conventions.rs")
    schema = f"https://opentelemetry.io/schemas/{SCHEMA_VERSION}"
    assert _only(GO_VERSION, go_text) == _only(RUST_VERSION, rust_text) == __version__
    assert _only(GO_SCHEMA, go_text) == _only(RUST_SCHEMA, rust_text) == schema
    assert SCHEMA_VERSION == "1.45.0"
