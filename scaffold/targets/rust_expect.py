"""Values the generated Rust tests expect, computed here independently of the Rust code.

Span names are filled from the conventions' rules with the attributes each Rust
boundary knows; sampling vectors follow the shared arithmetic. The generated tests
compare the Rust module's behaviour with these.
"""

from __future__ import annotations

from typing import Any

# The attribute values the generated tests use at each boundary (what the Rust code
# knows when the span starts; anything else is missing and selects the fallback).
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
    "rpc_server": {"rpc.system": "grpc", "rpc.service": "acme.shop.v1.Orders", "rpc.method": "Get"},
    "rpc_client": {
        "rpc.system": "grpc",
        "rpc.service": "acme.shop.v1.Orders",
        "rpc.method": "Get",
        "server.address": "127.0.0.1",
    },
    "tonic": {
        "rpc.system": "grpc",
        "rpc.service": "grpc.health.v1.Health",
        "rpc.method": "Check",
    },
    "db": {
        "db.system.name": "postgresql",
        "db.operation.name": "SELECT",
        "db.collection.name": "orders",
    },
    "messaging_producer": {
        "messaging.system": "kafka",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "send",
    },
    "messaging_consumer": {
        "messaging.system": "kafka",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "process",
    },
}


def render_name(
    template: list[dict[str, str]], fallback: list[dict[str, str]], values: dict[str, str]
) -> str:
    """The span name: the template if all its attributes are known, else the fallback
    with unknown attributes left empty."""
    complete = all(p["kind"] == "Text" or values.get(p["value"]) for p in template)
    parts = template if complete else fallback
    return "".join(p["value"] if p["kind"] == "Text" else values.get(p["value"], "") for p in parts)


# Test cases named other than their boundary.
_BOUNDARY_OF = {"http_server_fallback": "http_server", "tonic": "rpc_server"}


def expected_names(rules: list[dict[str, Any]]) -> dict[str, str]:
    """Expected span names per test case (`http_server`, `http_server_fallback`, ...)."""
    by_boundary = {r["boundary"]: r for r in rules}
    out: dict[str, str] = {}
    for case, values in TEST_VALUES.items():
        rule = by_boundary[_BOUNDARY_OF.get(case, case)]
        out[case] = render_name(rule["template"], rule["fallback"], values)
    return out


def sampled(trace_id: str, ratio: float) -> bool:
    """The shared sampling rule for a root span with this trace id at `ratio`."""
    if ratio >= 1:
        return True
    if not ratio > 0:
        return False
    x = int(trace_id[16:32], 16) >> 1
    return x < int(ratio * float(2**63))


def sampling_vectors() -> list[dict[str, Any]]:
    """Boundary cases of the sampling rule, for the generated module's own test."""
    cases: list[tuple[int, float]] = []
    for ratio in (0.5, 0.25, 0.1, 1e-9, 0.999999):
        bound = int(ratio * float(2**63))
        for x in (bound - 1, bound, bound + 1):
            if 0 <= x < 2**63:
                cases.append(((x << 1) | (x & 1), ratio))
    cases += [(0, 0.0), (0, 1.0), (2**64 - 1, 0.999999), (2**64 - 1, 1.0), (1, 1e-300)]
    out = []
    for low, ratio in cases:
        trace_id = "0123456789abcdef" + f"{low:016x}"
        out.append(
            {"trace_id": trace_id, "ratio": repr(float(ratio)), "sampled": sampled(trace_id, ratio)}
        )
    return out
