"""Module paths, the pinned requirements, and `scaffold add` into an existing Go module."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.go import check_module_path
from scaffold.targets.go_modules import (
    GO_DIRECTIVE,
    add_requirements,
    direct_requires,
    merge_go_mod,
    merge_go_sum,
    read_module_path,
)
from tests.go.gotools import GO, assert_ok, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent
PINNED_SUM = ROOT / "runtime" / "go" / "go.sum"


@pytest.mark.parametrize(
    "path", ["example.com/payments", "github.com/acme/svc-1", "acme.io/a/b_c/v2", "payments"]
)
def test_module_path_accepted(path: str) -> None:
    assert check_module_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "../escape",
        "example.com/../x",
        "/abs/path",
        "https://example.com/x",
        "a//b",
        "example.com/x/",
        "Example.com/x",
        "example.com/.hidden",
        'a"b',
        "a b",
        "a\\b",
    ],
)
def test_module_path_refused(path: str) -> None:
    with pytest.raises(UsageError):
        check_module_path(path)


def test_read_module_path() -> None:
    assert read_module_path("// c\nmodule example.com/x\n\ngo 1.22\n") == "example.com/x"
    with pytest.raises(UsageError):
        read_module_path("go 1.22\n")


def test_merge_go_mod_adds_raises_and_keeps() -> None:
    before = (
        "module example.com/existing\n\ngo 1.22\n\n"
        "require (\n"
        "\tgo.opentelemetry.io/otel v1.20.0\n"
        "\tgo.opentelemetry.io/otel/trace v9.0.0 // a newer one stays\n"
        "\tgithub.com/other/lib v1.0.0\n"
        ")\n"
        "require google.golang.org/grpc v1.50.0\n"
    )
    after = merge_go_mod(before, direct_requires(b3=False))
    assert f"go {GO_DIRECTIVE}\n" in after
    assert "\tgo.opentelemetry.io/otel v1.47.0\n" in after
    assert "go.opentelemetry.io/otel/trace v9.0.0 // a newer one stays" in after
    assert "github.com/other/lib v1.0.0" in after
    assert "require google.golang.org/grpc v1.83.2\n" in after
    assert "\tgo.opentelemetry.io/otel/sdk v1.47.0\n" in after
    assert after.count("go.opentelemetry.io/otel v") == 1
    # Merging twice changes nothing more.
    assert merge_go_mod(after, direct_requires(b3=False)) == after


def test_merge_go_mod_keeps_a_newer_go_directive() -> None:
    text = "module example.com/x\n\ngo 1.99.0\n"
    assert "go 1.99.0\n" in merge_go_mod(text, [])


def test_merge_go_sum_is_a_sorted_union() -> None:
    merged = merge_go_sum("b h1:x=\na h1:y=\n", "a h1:y=\nc h1:z=\n")
    assert merged == "a h1:y=\nb h1:x=\nc h1:z=\n"


def test_rendered_requirements_match_the_pins(tmp_path: Path) -> None:
    files = render_service(ROOT / "conventions" / "observability.yaml", tmp_path)
    for req in direct_requires(b3=False):
        assert f"\t{req.path} {req.version}" in files["go.mod"]
    assert "propagators/b3" not in files["go.mod"]


def test_add_mode_renders_only_the_package(tmp_path: Path) -> None:
    files = render_service(ROOT / "conventions" / "observability.yaml", tmp_path, mode="add")
    assert files
    assert all(p.startswith("internal/telemetry/") for p in files), sorted(files)


@needs_go
@pytest.mark.toolchain
def test_add_into_an_existing_module_builds(tmp_path: Path) -> None:
    """An existing module with its own code and an older go directive gets the package;
    after merging go.mod and go.sum it builds, vets and passes the package's tests."""
    (tmp_path / "go.mod").write_text("module example.com/legacy/orders\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport (\n\t"net/http"\n\n'
        '\t"example.com/legacy/orders/internal/telemetry"\n)\n\n'
        'func main() {\n\t_ = http.ListenAndServe("127.0.0.1:0", '
        "telemetry.NewHandler(http.NewServeMux()))\n}\n"
    )
    module = read_module_path((tmp_path / "go.mod").read_text())
    render_service(ROOT / "conventions" / "observability.yaml", tmp_path, module=module, mode="add")
    go_mod, go_sum = add_requirements((tmp_path / "go.mod").read_text(), "", b3=False)
    (tmp_path / "go.mod").write_text(go_mod)
    (tmp_path / "go.sum").write_text(go_sum)
    assert go_sum == merge_go_sum("", PINNED_SUM.read_text())
    assert_ok(run([str(GO), "build", "./..."], tmp_path), "go build after add")
    assert_ok(run([str(GO), "vet", "./..."], tmp_path), "go vet after add")
    assert_ok(run([str(GO), "test", "-count=1", "./..."], tmp_path), "go test after add")
