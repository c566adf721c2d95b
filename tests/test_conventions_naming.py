"""Span-name rules: the fallback chain, its defaults from the semantic conventions, and
conventions files written for the RPC attributes before semantic conventions 1.45.0."""

from __future__ import annotations

from scaffold.conventions import load_text
from scaffold.conventions.model import NamePart, SpanRule
from tests.conftest import DEFAULT_CONVENTIONS

TINY = """
schema_version: 1
organisation: {name: Tiny, environments: [prod]}
resource: [{key: service.name, requirement_level: required, source: service}]
span_naming: {SPANS}
sampling: {environments: {prod: 0.5}}
export: {protocol: grpc, endpoint: "http://collector:4317"}
"""


def tiny(spans: str) -> str:
    return TINY.replace("{SPANS}", spans)


def name(rule: SpanRule, known: dict[str, str]) -> str:
    """What the generated code names a span: the first step whose attributes are all
    known, else the fallback with what it lacks left empty."""

    def complete(step: tuple[NamePart, ...]) -> bool:
        return all(known.get(p.attribute) for p in step if p.attribute)

    step = next((s for s in rule.steps[:-1] if complete(s)), rule.fallback_parts)
    return "".join(known.get(p.attribute, "") if p.attribute else p.text for p in step)


def test_default_database_names_follow_the_specification() -> None:
    for text in (tiny("{}"), DEFAULT_CONVENTIONS.read_text(encoding="utf-8")):
        db = load_text(text, "x.yaml").span_rules["db"]
        pg = {"db.system.name": "postgresql"}
        cases = [
            ({"db.query.summary": "SELECT orders", "db.operation.name": "SELECT"}, "SELECT orders"),
            ({"db.operation.name": "SELECT", "db.collection.name": "orders"}, "SELECT orders"),
            ({"db.operation.name": "SELECT", "db.namespace": "shop"}, "SELECT shop"),
            ({"db.operation.name": "SELECT"}, "SELECT"),
            ({"db.operation.name": "CALL", "db.stored_procedure.name": "tally"}, "CALL tally"),
            (
                {"db.operation.name": "PING", "server.address": "db", "server.port": "5432"},
                "PING db:5432",
            ),
            ({"db.collection.name": "orders"}, "orders"),
            ({"server.address": "db", "server.port": "5432"}, "db:5432"),
            ({}, "postgresql"),
        ]
        for known, want in cases:
            assert name(db, {**pg, **known}) == want, known


def test_default_rpc_and_messaging_names() -> None:
    conv = load_text(tiny("{}"), "x.yaml")
    rpc = conv.span_rules["rpc_server"]
    assert name(rpc, {"rpc.system.name": "grpc", "rpc.method": "shop.Orders/Get"}) == (
        "shop.Orders/Get"
    )
    # _OTHER is never passed on as a method: the span is named after the system.
    assert name(rpc, {"rpc.system.name": "grpc"}) == "grpc"
    producer = conv.span_rules["messaging_producer"]
    known = {"messaging.operation.name": "publish", "messaging.destination.name": "orders"}
    assert name(producer, known) == "publish orders"
    assert name(producer, {"messaging.operation.name": "publish"}) == "publish"


def test_fallbacks_are_tried_in_order() -> None:
    conv = load_text(
        tiny(
            '{db: {template: "{db.operation.name} {db.collection.name}",'
            ' fallbacks: ["{db.operation.name}", "{db.system.name}"]}}'
        ),
        "x.yaml",
    )
    db = conv.span_rules["db"]
    assert db.chain == ("{db.operation.name}",)
    assert db.fallback == "{db.system.name}"
    assert name(db, {"db.system.name": "mysql", "db.operation.name": "SELECT"}) == "SELECT"
    assert name(db, {"db.system.name": "mysql"}) == "mysql"


def test_rpc_templates_of_older_files_load_as_their_successors() -> None:
    conv = load_text(
        tiny(
            '{rpc_server: {template: "{rpc.service}/{rpc.method}", fallback: "{rpc.system}"},'
            ' rpc_client: {template: "{rpc.service}/{rpc.method}"}}'
        ),
        "old.yaml",
    )
    for boundary in ("rpc_server", "rpc_client"):
        rule = conv.span_rules[boundary]
        assert rule.template == "{rpc.method}"
        assert rule.fallback == "{rpc.system.name}"
