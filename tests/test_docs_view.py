"""The docs view: glossary, registry with where-used and identifiers, anchors, search index."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.render.filters import rust_const
from scaffold.targets.docs import build_view
from scaffold.targets.docs.anchors import Anchors
from scaffold.targets.docs.glossary import BUILTIN_TERMS
from scaffold.targets.registry import render_target
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE

OPTS = RenderOptions(service_name="", target="docs")


def view_of(path: Path) -> dict[str, object]:
    return build_view(load(path), OPTS)


def test_glossary_has_the_otel_terms_and_the_organisations_own() -> None:
    view = view_of(DEFAULT_CONVENTIONS)
    terms = {t["term"]: t for t in view["glossary"]}  # type: ignore[attr-defined]
    for needed in (
        "trace",
        "span",
        "span kind",
        "context",
        "propagation",
        "baggage",
        "head sampling",
        "tail sampling",
        "parent-based sampling",
        "ratio sampling",
        "resource",
        "exemplar",
        "collector",
        "exporter",
    ):
        assert needed in terms, needed
    assert terms["tenant"]["origin"] == "Acme"
    assert terms["golden signals"]["origin"] == "Acme"
    names = [t["term"].casefold() for t in view["glossary"]]  # type: ignore[attr-defined]
    assert names == sorted(names)


def test_every_related_term_of_the_builtin_glossary_exists() -> None:
    known = {t.casefold() for t, _, _ in BUILTIN_TERMS}
    for term, _, related in BUILTIN_TERMS:
        for r in related:
            assert r.casefold() in known, f"{term} -> {r}"


def test_an_organisation_term_replaces_the_builtin_one(tmp_path: Path) -> None:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8").replace(
        "  - term: tenant\n", "  - term: Span\n    definition: Our own span.\n  - term: tenant\n"
    )
    path = tmp_path / "observability.yaml"
    path.write_text(text, encoding="utf-8")
    view = view_of(path)
    spans = [t for t in view["glossary"] if t["term"].casefold() == "span"]  # type: ignore[attr-defined]
    assert [(t["term"], t["definition"], t["origin"]) for t in spans] == [
        ("Span", "Our own span.", "Acme")
    ]


def test_registry_lists_every_attribute_with_identifiers_from_the_shared_filters() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    view = build_view(conv, OPTS)
    attrs = {a["id"]: a for a in view["attributes"]}  # type: ignore[attr-defined]
    assert set(attrs) == set(conv.registry)
    for aid, a in attrs.items():
        own = conv.registry[aid].origin == "conventions"
        assert bool(a["go"]) == own and bool(a["rust"]) == own
        if own:
            assert a["rust"].startswith(f"telemetry::attributes::{rust_const(aid)}")
    assert attrs["app.tenant.id"]["go"] == "telemetry.AppTenantID(v)"
    assert attrs["app.tenant.id"]["go_key"] == "telemetry.AppTenantIDKey"
    assert attrs["app.user.email"]["sensitive"] and attrs["app.user.email"]["pii_label"] == "PII"
    assert attrs["app.session.token"]["pii_label"] == "Secret"
    old = attrs["app.customer.id"]
    assert old["is_deprecated"] and old["renamed_to"] == "app.tenant.id"
    assert old["renamed_anchor"] == attrs["app.tenant.id"]["anchor"]
    assert attrs["app.tenant.id"]["replaces"] == [
        {"id": "app.customer.id", "anchor": "attr-app-customer-id"}
    ]
    # The organisation's attributes come first, then OpenTelemetry's, each sorted.
    origins = [a["origin"] for a in view["attributes"]]  # type: ignore[attr-defined]
    assert origins == sorted(origins, key=lambda o: o != "conventions")


def test_where_used_names_span_names_resource_metrics_and_baggage() -> None:
    view = view_of(DEFAULT_CONVENTIONS)
    attrs = {a["id"]: a for a in view["attributes"]}  # type: ignore[attr-defined]
    kinds = {aid: {u["kind"] for u in a["used_in"]} for aid, a in attrs.items()}
    assert kinds["http.route"] == {"span name", "metric"}
    assert kinds["http.request.method"] >= {"span name", "metric"}
    assert "resource" in kinds["acme.team"]
    assert kinds["app.tenant.id"] == {"baggage"}
    assert "db.system.name" in attrs and "span name" in kinds["db.system.name"]  # fallback
    assert kinds["app.user.email"] == set()
    metric = next(u for u in attrs["http.route"]["used_in"] if u["kind"] == "metric")
    assert metric["code"] == "http.server.request.duration"


def test_anchors_are_unique_even_when_ids_slug_alike() -> None:
    anchors = Anchors()
    first = anchors.get("attr", "app.tenant.id")
    second = anchors.get("attr", "app.tenant_id")
    assert (first, second) == ("attr-app-tenant-id", "attr-app-tenant-id-2")
    assert anchors.get("attr", "app.tenant.id") == first


@pytest.mark.parametrize("path", [DEFAULT_CONVENTIONS, HOSTILE, *EXAMPLES], ids=lambda p: p.stem)
def test_every_anchor_in_the_view_is_unique_and_url_safe(path: Path) -> None:
    view = view_of(path)
    ids = [a["anchor"] for a in view["attributes"]] + [  # type: ignore[attr-defined]
        t["anchor"] for t in view["glossary"]  # type: ignore[attr-defined]
    ]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)


def test_span_naming_worked_examples_fill_the_templates() -> None:
    view = view_of(DEFAULT_CONVENTIONS)
    rules = {r["key"]: r for r in view["span_rules"]}  # type: ignore[attr-defined]
    assert rules["http_server"]["example"] == "GET /orders/{id}"
    assert rules["http_server"]["fallback_example"] == "GET"
    assert rules["http_server"]["fallback_when"] == "http.route"
    # The query summary names it; without one, the first fallback of the chain.
    assert rules["db"]["example"] == "SELECT orders customers"
    assert rules["db"]["fallback_example"] == "SELECT orders"
    assert rules["db"]["chain"][0] == "{db.operation.name} {db.collection.name}"
    assert rules["messaging_consumer"]["kind"] == "consumer"
    internal = view["internal"]
    assert {e["name"]: e["ok"] for e in internal["examples"]}["ValidateCart"] is False  # type: ignore[index]


def test_runbook_commands_use_the_real_variables_and_quote_hostile_text() -> None:
    view = view_of(DEFAULT_CONVENTIONS)
    runbook = view["runbook"]
    codes = [c["code"] for s in runbook["steps"] for c in s["commands"]]  # type: ignore[index]
    assert "kubectl set env deployment/SERVICE ACME_TRACING_DISABLED=true" in codes
    assert any("'{\"enabled\": false}' http://ADMIN_ADDRESS/-/telemetry" in c for c in codes)
    assert runbook["go_mount"]["code"].startswith(  # type: ignore[index]
        "adminMux.Handle(telemetry.AdminPath, telemetry.AdminHandler())"
    )
    assert any('-H "Authorization: Bearer $ACME_TELEMETRY_ADMIN_TOKEN"' in c for c in codes)
    hostile = view_of(HOSTILE)["runbook"]
    for step in hostile["steps"]:  # type: ignore[index]
        for command in step["commands"]:
            # A fence longer than any run of backticks in the command.
            assert "`" * len(command["fence"]) not in command["code"]


def test_search_index_covers_attributes_terms_and_pages() -> None:
    view = view_of(DEFAULT_CONVENTIONS)
    index = view["search_index"]
    kinds = {e["k"] for e in index}  # type: ignore[attr-defined]
    assert kinds == {"attribute", "term", "span name", "page"}
    email = next(e for e in index if e["t"] == "app.user.email")  # type: ignore[attr-defined]
    assert email["u"] == "attributes.html#attr-app-user-email"
    assert "e-mail" in email["s"]
    assert "telemetry.AppUserEmailKey" in email["s"]
    assert "APP_USER_EMAIL" in email["s"]


def test_catalogue_page_only_with_services() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    assert build_view(conv, OPTS)["catalogue_pages"] == []
    with_services = RenderOptions(
        service_name="",
        target="docs",
        extra={"services": [{"name": "payments", "path": "services/payments", "lang": "go"}]},
    )
    view = build_view(conv, with_services)
    assert [p["slug"] for p in view["catalogue_pages"]] == ["services"]  # type: ignore[attr-defined]
    assert view["services"][0]["anchor"] == "service-services-payments"  # type: ignore[index]


@pytest.mark.parametrize("path", [DEFAULT_CONVENTIONS, HOSTILE], ids=lambda p: p.stem)
def test_documented_go_identifiers_are_the_ones_the_go_target_generates(path: Path) -> None:
    conv = load(path)
    view = build_view(conv, OPTS)
    rendered = render_target(
        "go", conv, RenderOptions(service_name="svc", target="go", module_path="example.com/svc")
    )
    source = rendered.files[f"internal/{conv.go_package}/attributes.go"].content
    own = [a for a in view["attributes"] if a["go"]]  # type: ignore[attr-defined]
    assert len(own) == len(conv.attributes)
    for a in own:
        func = a["go"].split(".", 1)[1].removesuffix("(v)")
        key = a["go_key"].split(".", 1)[1]
        assert f"func {func}(v " in source, a["id"]
        assert f"const {key} = attribute.Key(" in source, a["id"]


@pytest.mark.parametrize("path", [DEFAULT_CONVENTIONS, HOSTILE], ids=lambda p: p.stem)
def test_documented_rust_constants_are_the_ones_the_rust_target_generates(path: Path) -> None:
    conv = load(path)
    view = build_view(conv, OPTS)
    rendered = render_target(
        "rust", conv, RenderOptions(service_name="svc", target="rust", crate_name="svc")
    )
    source = rendered.files[f"src/{conv.rust_module}/attributes.rs"].content
    own = [a for a in view["attributes"] if a["rust"]]  # type: ignore[attr-defined]
    assert len(own) == len(conv.attributes)
    for a in own:
        const = a["rust"].rsplit("::", 1)[1]
        assert f"pub const {const}: &str = " in source, a["id"]


def test_runbook_facts_match_the_generated_go_and_rust_services() -> None:
    """The runbook names addresses, routes and JSON fields; the services must have them."""
    rb = importlib.import_module("scaffold.targets.docs.runbook_view")

    conv = load(DEFAULT_CONVENTIONS)
    go = render_target(
        "go", conv, RenderOptions(service_name="svc", target="go", module_path="example.com/svc")
    ).files
    rust = render_target(
        "rust", conv, RenderOptions(service_name="svc", target="rust", crate_name="svc")
    ).files
    go_text = "\n".join(f.content for f in go.values())
    rust_text = "\n".join(f.content for f in rust.values())
    view = rb.runbook_view(conv)
    admin = view["admin"]
    assert admin["default"] == conv.incident.admin_address
    assert f'envOr("{admin["env"]}", "{admin["default"]}")' in go["main.go"].content
    for line in view["go_mount"]["code"].splitlines():
        assert line in go["main.go"].content, line
    assert f'std::env::var("{admin["env"]}")' in rust["src/main.rs"].content
    assert "conventions::ADMIN_ADDRESS" in rust["src/main.rs"].content
    assert f'"{admin["default"]}"' in rust_text
    for line in view["rust_mount"]["code"].splitlines():
        assert line in rust["src/main.rs"].content, line
    assert f'"{admin["token"]}"' in go_text and f'"{admin["token"]}"' in rust_text
    for field in ("enabled", "ratio", "reset_ratio"):
        assert f'json:"{field}' in go_text, field
        assert f'("{field}", ' in rust_text, field
    for name in (conv.incident.kill_switch_env, conv.incident.ratio_env, conv.incident.admin_path):
        assert f'"{name}"' in go_text, name
        assert f'"{name}"' in rust_text, name
    assert "telemetry levers changed" in go_text and "telemetry levers changed" in rust_text
