"""What the project expects of the Rust module, computed here independently of the Rust code.

Span names are filled from the conventions' rules with the attribute values each test
case knows; `sampled` is the shared sampling rule. The Rust module's own tests take their
expected names from its generated tables; these values check those tables against the
conventions (runtime/rust/tests/span_names.rs reads them from expected_names.json).
"""

from __future__ import annotations

import json
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.targets.rust import name_rules
from scaffold.targets.shared import neutral_view

# The attribute values each test case knows when its span starts; anything else is
# missing and selects the fallback.
TEST_VALUES: dict[str, dict[str, str]] = {
    "http_server": {
        "http.request.method": "GET",
        "http.route": "/orders/{id}",
        "url.scheme": "http",
    },
    "http_server_fallback": {"http.request.method": "GET", "url.scheme": "http"},
    "http_client": {
        "http.request.method": "GET",
        "server.address": "127.0.0.1",
        "server.port": "9",
        "url.scheme": "http",
    },
    "rpc_server": {"rpc.system.name": "grpc", "rpc.method": "acme.shop.v1.Orders/Get"},
    # A method the server does not know: rpc.method is _OTHER, never passed to the rule.
    "rpc_server_other": {"rpc.system.name": "grpc"},
    "rpc_client": {
        "rpc.system.name": "grpc",
        "rpc.method": "acme.shop.v1.Orders/Get",
        "server.address": "127.0.0.1",
        "server.port": "50051",
    },
    "tonic": {"rpc.system.name": "grpc", "rpc.method": "grpc.health.v1.Health/Check"},
    "db": {
        "db.system.name": "postgresql",
        "db.operation.name": "SELECT",
        "db.collection.name": "orders",
    },
    "db_summary": {
        "db.system.name": "postgresql",
        "db.operation.name": "SELECT",
        "db.query.summary": "SELECT orders customers",
    },
    "db_namespace": {
        "db.system.name": "postgresql",
        "db.operation.name": "SELECT",
        "db.namespace": "shop",
    },
    "db_operation": {"db.system.name": "postgresql", "db.operation.name": "SELECT"},
    "db_system": {"db.system.name": "postgresql"},
    "messaging_producer": {
        "messaging.system": "kafka",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
    },
    "messaging_consumer": {
        "messaging.system": "kafka",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
    },
}

# Test cases named other than their boundary.
_BOUNDARY_OF = {
    "http_server_fallback": "http_server",
    "tonic": "rpc_server",
    "rpc_server_other": "rpc_server",
    "db_summary": "db",
    "db_namespace": "db",
    "db_operation": "db",
    "db_system": "db",
}


def render_name(
    template: list[dict[str, str]],
    chain: list[list[dict[str, str]]],
    fallback: list[dict[str, str]],
    values: dict[str, str],
) -> str:
    """The span name: the template, else the first step of the chain, whose attributes
    are all known; else the fallback with unknown attributes left empty."""

    def complete(parts: list[dict[str, str]]) -> bool:
        return all(p["kind"] == "Text" or values.get(p["value"]) for p in parts)

    parts = next((step for step in [template, *chain] if complete(step)), fallback)
    return "".join(p["value"] if p["kind"] == "Text" else values.get(p["value"], "") for p in parts)


def expected_names(conv: Conventions) -> dict[str, str]:
    """Expected span names per test case (`http_server`, `http_server_fallback`, ...)."""
    return {case: row["name"] for case, row in expected_cases(conv).items()}


def expected_cases(conv: Conventions) -> dict[str, dict[str, Any]]:
    """Per test case: the boundary whose rule names it, the known values and the name."""
    by_boundary = {r["boundary"]: r for r in name_rules(neutral_view(conv))}
    out: dict[str, dict[str, Any]] = {}
    for case, values in TEST_VALUES.items():
        boundary = _BOUNDARY_OF.get(case, case)
        rule = by_boundary[boundary]
        out[case] = {
            "boundary": boundary,
            "known": values,
            "name": render_name(rule["template"], rule["chain"], rule["fallback"], values),
        }
    return out


def expected_names_json(conv: Conventions) -> str:
    """The expectations as the Rust integration test reads them (stable bytes)."""
    return json.dumps({"cases": expected_cases(conv)}, indent=2, sort_keys=True) + "\n"


def sampled(trace_id: str, ratio: float) -> bool:
    """The shared sampling rule for a root span with this trace id at `ratio`."""
    if ratio >= 1:
        return True
    if not ratio > 0:
        return False
    x = int(trace_id[16:32], 16) >> 1
    return x < int(ratio * float(2**63))
