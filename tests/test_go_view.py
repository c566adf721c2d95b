"""The Go view: unique identifiers, span-name functions, options the default conventions
do not exercise (b3, control none, attribute ids that collide with the package's API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.conventions import load, load_text
from scaffold.conventions.model import Conventions
from scaffold.render import RenderOptions
from scaffold.targets.go import PACKAGE_NAMES, build_view
from scaffold.targets.registry import render_target
from tests.go.gotools import GO, assert_ok, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "conventions" / "observability.yaml"


def _attr(aid: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "type": kind,
        "brief": f"Attribute {aid}.",
        "examples": extra.pop("examples", ["x"] if kind == "string" else [1]),
        "requirement_level": "recommended",
        "stability": "stable",
        "pii": "none",
        "cardinality": "low",
        **extra,
    }


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    data["propagation"]["propagators"] = ["tracecontext", "baggage", "b3"]
    data["incident"]["control"] = "none"
    data["sampling"]["routes"] = [{"route": "GET /users/{id}", "ratio": 0.5}]
    data["attributes"] += [
        _attr("setup"),
        _attr("go", "int"),
        _attr("handler.x"),
        _attr("new.handler"),
        _attr(
            "level",
            "enum",
            examples=["hi"],
            members=[
                {"id": "hi", "value": "hi", "brief": "High."},
                {"id": "lo", "value": "lo", "brief": "Low."},
            ],
        ),
        _attr("level.hi"),
        _attr("app.counts", "int[]", examples=[[1, 2]]),
        _attr("app.flags", "boolean[]", examples=[[True]]),
        _attr("app.ratios", "double[]", examples=[[0.5]]),
    ]
    path = tmp_path_factory.mktemp("variant") / "observability.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _view(path: Path) -> dict[str, Any]:
    return build_view(
        load(path), RenderOptions(service_name="svc", target="go", module_path="example.com/svc")
    )


def test_identifiers_avoid_the_package_api_and_each_other(variant: Path) -> None:
    view = _view(variant)
    by_id = {a["id"]: a for a in view["attributes"]}
    assert by_id["setup"]["ident"] == "SetupAttr"
    assert by_id["go"]["ident"] == "GoAttr"
    assert by_id["new.handler"]["ident"] == "NewHandlerAttr"
    assert by_id["handler.x"]["ident"] == "HandlerX"
    assert by_id["app.tenant.id"]["ident"] == "AppTenantID"
    idents: list[str] = []
    for a in view["attributes"]:
        idents += [a["ident"], a["key_ident"], *(m["ident"] for m in a["members"])]
    assert len(idents) == len(set(idents)), idents
    assert not set(idents) & PACKAGE_NAMES
    # The enum member constant LevelHi and the attribute level.hi both want "LevelHi".
    assert {"LevelHi", "LevelHiAttr"} <= set(idents) or {"LevelHi", "LevelHiValue"} <= set(idents)


def _conventions_go(conv: Conventions) -> str:
    opts = RenderOptions(service_name="svc", target="go", module_path="example.com/svc")
    return render_target("go", conv, opts).files["internal/telemetry/conventions.go"].content


def test_name_function_uses_fallback_when_a_part_is_missing() -> None:
    text = _conventions_go(load(DEFAULT))
    assert (
        "func httpServerSpanName(httpRequestMethod, httpRoute, urlScheme, serverAddress, "
        "serverPort string) string {\n"
        '\tif httpRequestMethod == "" || httpRoute == "" {\n'
        "\t\treturn httpRequestMethod\n"
        "\t}\n"
        '\treturn httpRequestMethod + " " + httpRoute\n'
        "}\n"
    ) in text


def test_name_function_default_when_rule_missing() -> None:
    text = """
schema_version: 1
organisation: {name: Tiny, environments: [prod]}
resource: [{key: service.name, requirement_level: required, source: service}]
span_naming: {}
sampling: {environments: {prod: 1.0}}
export: {protocol: grpc, endpoint: "http://collector:4317"}
"""
    rendered = _conventions_go(load_text(text, "tiny.yaml"))
    assert (
        '\tif messagingDestinationName == "" || messagingOperationName == "" {\n'
        "\t\treturn messagingOperationName\n"
        "\t}\n"
        '\treturn messagingOperationName + " " + messagingDestinationName\n'
    ) in rendered
    # The database chain of semantic conventions 1.45.0: the summary first, the system last.
    assert '\tif dbQuerySummary != "" {\n\t\treturn dbQuerySummary\n\t}\n' in rendered
    assert '\tif dbOperationName != "" {\n\t\treturn dbOperationName\n\t}\n' in rendered
    assert "\treturn dbSystemName\n}\n" in rendered


@needs_go
@pytest.mark.toolchain
def test_variant_compiles_and_its_tests_pass(variant: Path, tmp_path: Path) -> None:
    files = render_service(variant, tmp_path)
    assert "go.opentelemetry.io/contrib/propagators/b3" in files["go.mod"]
    assert "b3.New()" in files["internal/telemetry/conventions.go"]
    assert "AdminHandler()" not in files["main.go"]
    assert_ok(run([str(GO), "vet", "./..."], tmp_path), "go vet")
    assert_ok(run([str(GO), "test", "-count=1", "./..."], tmp_path), "go test")


def test_module_path_defaults_from_the_service_name() -> None:
    from scaffold.errors import UsageError
    from scaffold.targets.go import service_module

    assert service_module(RenderOptions(service_name="Pay Ments!", target="go")) == (
        "example.com/pay-ments"
    )
    assert (
        service_module(RenderOptions(service_name="x", target="go", module_path="acme.io/x"))
        == "acme.io/x"
    )
    with pytest.raises(UsageError):
        service_module(RenderOptions(service_name="../..", target="go"))
    with pytest.raises(UsageError):
        service_module(RenderOptions(service_name="x", target="go", module_path="../escape"))
