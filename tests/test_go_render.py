"""The rendered Go service passes gofmt, go vet, go build and its own tests, for the
default conventions, every bundled example and the hostile fixture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.render.headers import GENERATED_LINE
from scaffold.targets.go import PACKAGE_NAMES
from tests.go.gotools import GO, GOFMT, assert_ok, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "default": ROOT / "conventions" / "observability.yaml",
    **{f"example-{p.stem}": p for p in sorted((ROOT / "conventions" / "examples").glob("*.yaml"))},
    "hostile": ROOT / "tests" / "fixtures" / "hostile.yaml",
}
HOSTILE_SERVICE = 'pay"ments */ \\ ü\nline'

pytestmark = [needs_go, pytest.mark.toolchain]


@pytest.fixture(scope="module", params=sorted(CASES))
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = str(request.param)
    dest = tmp_path_factory.mktemp(f"go-{name}")
    service_name = HOSTILE_SERVICE if name == "hostile" else "payments"
    render_service(CASES[name], dest, service=service_name)
    return dest


def test_gofmt_reports_nothing(service: Path) -> None:
    proc = run([str(GOFMT), "-l", "."], service)
    assert_ok(proc, "gofmt -l")
    assert proc.stdout == "", f"files gofmt would change:\n{proc.stdout}"


def test_go_vet(service: Path) -> None:
    assert_ok(run([str(GO), "vet", "./..."], service), "go vet ./...")


def test_go_build(service: Path) -> None:
    assert_ok(run([str(GO), "build", "-o", "bin/service", "."], service), "go build")
    assert (service / "bin" / "service").is_file()


def test_generated_tests_pass(service: Path) -> None:
    proc = run([str(GO), "test", "-count=1", "./..."], service)
    assert_ok(proc, "go test ./...")
    assert re.search(r"^ok\s+\S+/internal/\w+", proc.stdout, re.M), proc.stdout


def test_generated_files_carry_the_go_header(service: Path) -> None:
    generated = sorted(service.glob("internal/*/*.go"))
    assert len(generated) > 20
    for path in generated:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert re.fullmatch(r"// Code generated .* DO NOT EDIT\.", first), path
        assert GENERATED_LINE in first
    assert "DO NOT EDIT" not in (service / "main.go").read_text(encoding="utf-8")


def test_go_doc_shows_the_package_documentation(service: Path) -> None:
    """The generated header is kept apart from the package clause by a blank line, so
    `go doc` shows the package's own documentation, not "Code generated ..."."""
    pkg = next(service.glob("internal/*/doc.go")).parent
    proc = run([str(GO), "doc", "./" + pkg.relative_to(service).as_posix()], service)
    assert_ok(proc, "go doc")
    assert "instruments this service with OpenTelemetry" in proc.stdout, proc.stdout
    assert "Code generated" not in proc.stdout, proc.stdout


def test_exported_names_are_known_to_the_view(service: Path) -> None:
    """Attribute constructors are renamed around the package's own exported names; that
    needs PACKAGE_NAMES to list every one of them."""
    names: set[str] = set()
    for path in service.glob("internal/*/*.go"):
        if path.name.endswith("_test.go") or path.name == "attributes.go":
            continue
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"^(?:func|type|const|var) ([A-Z]\w*)", text, re.M))
    missing = names - PACKAGE_NAMES
    assert not missing, f"add to PACKAGE_NAMES: {sorted(missing)}"


# Names checked against the internal-span pattern; the expectation comes from the
# project's tests (Python reading the pattern as Go does), never from the product.
SPAN_NAME_SAMPLES = ("", "checkout", "checkout.process orders", "Bad Name!", "x\ny", "a/b {c}")


def test_valid_span_name_follows_the_conventions_pattern(service: Path) -> None:
    from scaffold.conventions import load
    from scaffold.conventions.regex_dialect import as_python
    from scaffold.render.filters import go_string

    case = next(n for n in CASES if service.name.startswith(f"go-{n}"))
    conv = load(CASES[case])
    compiled = as_python(conv.internal_span_pattern)
    assert compiled is not None, conv.internal_span_pattern
    rows = "".join(
        f"\t\t{{{go_string(n)}, {'true' if compiled.search(n) else 'false'}}},\n"
        for n in SPAN_NAME_SAMPLES
    )
    test = service / "internal" / conv.go_package / "span_samples_test.go"
    test.write_text(
        f'package {conv.go_package}\n\nimport "testing"\n\n'
        "func TestSpanNameSamples(t *testing.T) {\n\tcases := []struct {\n\t\tname  string\n"
        f"\t\tvalid bool\n\t}}{{\n{rows}\t}}\n"
        "\tfor _, c := range cases {\n\t\tif got := ValidSpanName(c.name); got != c.valid {\n"
        '\t\t\tt.Errorf("ValidSpanName(%q) = %v, want %v", c.name, got, c.valid)\n\t\t}\n\t}\n}\n',
        encoding="utf-8",
    )
    try:
        proc = run(
            [str(GO), "test", "-count=1", "-run", "TestSpanNameSamples", "./internal/..."], service
        )
        assert_ok(proc, "go test -run TestSpanNameSamples")
        assert "no tests to run" not in proc.stdout, proc.stdout
    finally:
        test.unlink()


@pytest.mark.parametrize("module", ["payments", "zz.example/x", "example.com/acme/payments/v2"])
def test_gofmt_clean_for_any_module_path(tmp_path: Path, module: str) -> None:
    """The README's own `scaffold new payments --lang go` gives a module path without a
    dot; imports must stay in gofmt's order whatever the path sorts like."""
    render_service(CASES["default"], tmp_path, module=module)
    proc = run([str(GOFMT), "-l", "."], tmp_path)
    assert_ok(proc, "gofmt -l")
    assert proc.stdout == "", f"files gofmt would change:\n{proc.stdout}"
