"""runtime/go: the Go code that does not depend on the conventions, as a real Go module.

Its static sources compile and pass their tests where they live; the conventions-derived
files committed beside them are exactly what the templates render for the bundled
default conventions; and a service gets from runtime/go only the files the manifest names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.render.cache import prepared_target
from scaffold.resources import runtime_root, templates_root
from scaffold.targets.go_modules import SEMCONV_VERSION
from scaffold.targets.registry import render_target
from tests.go.gotools import GO, GOFMT, assert_ok, needs_go, run
from tests.go.runtime_derived import (
    DEFAULT_CONVENTIONS,
    REFRESH,
    RUNTIME_GO,
    derived_files,
    stale_files,
)

ROOT = Path(__file__).resolve().parent.parent
LARGE_ORG = ROOT / "conventions" / "examples" / "large-org.yaml"
# Files that exist only to check runtime/go in place; no manifest entry may name them.
IN_PLACE_ONLY = {
    "README.md",
    "service/handlers_test.go",
    "telemetry/sampling_vectors_test.go",
    "telemetry/scrub_vectors_test.go",
    "telemetry/pattern_vectors_test.go",
    "telemetry/tracecontext_vectors_test.go",
    "telemetry/address_vectors_test.go",
    "telemetry/envlists_test.go",
    "telemetry/envnumber_test.go",
    "telemetry/exporter_test.go",
    "telemetry/utf8_test.go",
    "telemetry/sdklog_test.go",
}


def _static_sources() -> set[str]:
    manifest, _env = prepared_target(templates_root(), "go")
    # `data:` files (go.sum: the sums of every part and B3, which each service gets pruned
    # to its requirements) ship like the static sources.
    return {entry.template for entry in manifest.entries if entry.static} | set(manifest.data)


def _runtime_files() -> set[str]:
    return {p.relative_to(RUNTIME_GO).as_posix() for p in RUNTIME_GO.rglob("*") if p.is_file()}


def test_runtime_root_is_this_checkout() -> None:
    assert runtime_root() / "go" == RUNTIME_GO


def test_derived_files_are_current() -> None:
    stale = stale_files()
    assert not stale, (
        f"runtime/go files differ from what the go templates render for {DEFAULT_CONVENTIONS.name}: "
        f"{stale}; refresh them with `{REFRESH}` and commit the result"
    )


def test_every_runtime_file_has_exactly_one_role() -> None:
    static = _static_sources()
    derived = set(derived_files())
    assert not static & derived, f"derived files named as static sources: {static & derived}"
    assert not static & IN_PLACE_ONLY, f"in-place checks shipped: {static & IN_PLACE_ONLY}"
    assert not derived & IN_PLACE_ONLY
    unknown = _runtime_files() - static - derived - IN_PLACE_ONLY
    assert not unknown, (
        f"runtime/go holds {sorted(unknown)}, which no manifest entry ships, no template "
        "renders and no in-place check claims: name it in templates/go/manifest.yaml or "
        "in IN_PLACE_ONLY here"
    )
    missing = (static | derived) - _runtime_files()
    assert not missing, f"missing from runtime/go: {sorted(missing)}"


@pytest.mark.parametrize("mode", ["new", "add"])
@pytest.mark.parametrize("conventions", [DEFAULT_CONVENTIONS, LARGE_ORG], ids=["default", "large"])
def test_a_service_gets_only_the_named_runtime_files(conventions: Path, mode: str) -> None:
    opts = RenderOptions(
        service_name="payments", target="go", mode=mode, module_path="example.com/payments"  # type: ignore[arg-type]
    )
    rendered = render_target("go", load(conventions), opts)
    manifest, _env = prepared_target(templates_root(), "go")
    wanted = {f"runtime/go/{e.template}" for e in manifest.entries if e.static and mode in e.modes}
    shipped = {f.template for f in rendered.files.values() if f.template.startswith("runtime/")}
    assert shipped == wanted
    for path, file in rendered.files.items():
        assert "tests/vectors" not in file.content, path
        assert "example.invalid" not in file.content, path
        assert "SAMPLING_VECTORS" not in file.content, path


def test_the_package_clause_follows_the_conventions() -> None:
    conv = load(LARGE_ORG)
    assert conv.go_package != "telemetry"
    opts = RenderOptions(service_name="payments", target="go", module_path="example.com/p")
    rendered = render_target("go", conv, opts)
    for path, file in rendered.files.items():
        if path.startswith("internal/") and path.endswith(".go"):
            assert not re.search(r"^(// )?[Pp]ackage telemetry\b", file.content, re.M), path
    doc = rendered.files[f"internal/{conv.go_package}/doc.go"].content
    assert f"// Package {conv.go_package} instruments" in doc
    assert f"\npackage {conv.go_package}\n" in doc


def test_every_static_package_source_is_rewritten() -> None:
    for source in sorted(_static_sources()):
        if source.startswith("telemetry/"):
            text = (RUNTIME_GO / source).read_text(encoding="utf-8")
            assert re.search(r"^package telemetry$", text, re.M), source


def test_keys_go_imports_the_pinned_semconv_package() -> None:
    keys = (RUNTIME_GO / "telemetry" / "keys.go").read_text(encoding="utf-8")
    imports = re.findall(r'"go\.opentelemetry\.io/otel/semconv/(v[^"]+)"', keys)
    assert imports == [f"v{SEMCONV_VERSION}"]


@needs_go
@pytest.mark.toolchain
def test_runtime_go_passes_gofmt_vet_and_its_tests() -> None:
    assert GO is not None and GOFMT is not None
    fmt = run([GOFMT, "-l", "."], RUNTIME_GO)
    assert_ok(fmt, "gofmt -l")
    assert fmt.stdout == "", f"files gofmt would change:\n{fmt.stdout}"
    assert_ok(run([GO, "vet", "./..."], RUNTIME_GO), "go vet ./...")
    tested = run([GO, "test", "-count=1", "./..."], RUNTIME_GO)
    assert_ok(tested, "go test ./...")
    assert "ok  \texample.invalid/runtime/telemetry" in tested.stdout, tested.stdout
    assert "ok  \texample.invalid/runtime/service" in tested.stdout, tested.stdout
