"""The behaviour table: rows read from cases/*.yaml, checked for shape before any run.

The keys are documented in README.md beside this file; an unknown key is an error here, so a
misspelt expectation can never pass silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
CONVENTIONS = HERE / "observability.yaml"

# Conventions variants: text replacements applied to observability.yaml.
VARIANTS: dict[str, list[tuple[str, str]]] = {
    "": [],
    "strict": [("startup:\n  strict: false", "startup:\n  strict: true")],
    "servername": [('  server_name: ""', "  server_name: shop.acme.example")],
    # The bundled default list of sensitive query (and path) parameters.
    "defaultquery": [
        (
            "  sensitive_query_parameters: [AWSAccessKeyId, Signature, sig, X-Goog-Signature, token]\n",
            "",
        )
    ],
}

ROW_KEYS = {"id", "issue", "what", "variant", "env", "unset", "files", "starts", "steps", "expect"}
STEP_KINDS = {"http", "admin", "slow_admin", "admin_flood", "wait_output", "disconnect"}
REQUEST_KEYS = {"method", "path", "headers", "body", "source", "repeat", "status", "json"}
SLOW_KEYS = {"closes_within"}
FLOOD_KEYS = {"connections", "open_at_most"}
WAIT_KEYS = {"matches", "within"}
DISCONNECT_KEYS = {"path", "headers", "wait", "to_end", "before_head"}
EXPECT_KEYS = {
    "spans",
    "spans_total",
    "metrics",
    "resource",
    "scopes",
    "downstream",
    "output",
    "nowhere",
    "exit",
    "source",
}
SPAN_KEYS = {
    "name",
    "kind",
    "attributes",
    "trace",
    "parent",
    "links",
    "linked_to",
    "status",
    "status_message",
    "events",
    "min_seconds",
    "count",
    "min",
    "max",
}
EVENT_KEYS = {"name", "attributes"}
METRIC_KEYS = {"name", "attributes", "buckets", "absent"}
DOWNSTREAM_KEYS = {"path", "count", "traceparent", "flags", "baggage", "tracestate", "absent"}
OUTPUT_KEYS = {"has", "lacks", "lines"}
SCOPE_KEYS = {"items", "name", "version", "schema_url", "resource_schema_url"}
SOURCE_KEYS = {"tool", "has", "lacks"}
SOURCE_TOOLS = {"doc", "format", "manifest"}


@dataclass(frozen=True)
class Row:
    id: str
    issue: str
    what: str
    source: str
    variant: str = ""
    env: dict[str, str] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    starts: bool = True
    steps: list[dict[str, Any]] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)


class TableError(Exception):
    pass


def _keys(where: str, data: object, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TableError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = set(data) - allowed
    if unknown:
        raise TableError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    return data


def _check_step(where: str, step: object) -> None:
    step = _keys(where, step, STEP_KINDS)
    if len(step) != 1:
        raise TableError(f"{where}: a step is exactly one of {sorted(STEP_KINDS)}")
    kind, body = next(iter(step.items()))
    if kind == "slow_admin":
        _keys(f"{where}.slow_admin", body, SLOW_KEYS)
        return
    if kind == "admin_flood":
        body = _keys(f"{where}.admin_flood", body, FLOOD_KEYS)
        if set(body) != FLOOD_KEYS:
            raise TableError(f"{where}.admin_flood: give connections and open_at_most")
        return
    if kind == "wait_output":
        body = _keys(f"{where}.wait_output", body, WAIT_KEYS)
        if set(body) != WAIT_KEYS:
            raise TableError(f"{where}.wait_output: needs both `matches` and `within`")
        try:
            re.compile(str(body["matches"]))
            within = float(body["within"])
        except (re.error, TypeError, ValueError) as e:
            raise TableError(f"{where}.wait_output: {e}") from e
        if not 0 < within <= 60:
            raise TableError(f"{where}.wait_output: `within` is seconds, more than 0, at most 60")
        return
    if kind == "disconnect":
        body = _keys(f"{where}.disconnect", body, DISCONNECT_KEYS)
        if "path" not in body:
            raise TableError(f"{where}.disconnect: a request needs a path")
        before = body.get("before_head", 0)
        if not isinstance(before, (int, float)) or not 0 <= before <= 10:
            raise TableError(f"{where}.disconnect: `before_head` is seconds, 0 to 10")
        return
    body = _keys(f"{where}.{kind}", body, REQUEST_KEYS)
    if "path" not in body:
        raise TableError(f"{where}.{kind}: a request needs a path")
    for pair in body.get("headers", []):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise TableError(f"{where}.{kind}.headers: each header is a [name, value] pair")


def _check_expect(where: str, expect: object) -> None:
    expect = _keys(where, expect, EXPECT_KEYS)
    for i, span in enumerate(expect.get("spans", [])):
        _keys(f"{where}.spans[{i}]", span, SPAN_KEYS)
        for j, event in enumerate(span.get("events", [])):
            _keys(f"{where}.spans[{i}].events[{j}]", event, EVENT_KEYS)
    for i, metric in enumerate(expect.get("metrics", [])):
        _keys(f"{where}.metrics[{i}]", metric, METRIC_KEYS)
    for i, call in enumerate(expect.get("downstream", [])):
        _keys(f"{where}.downstream[{i}]", call, DOWNSTREAM_KEYS)
    _keys(f"{where}.output", expect.get("output", {}), OUTPUT_KEYS)
    for i, source in enumerate(expect.get("source", [])):
        source = _keys(f"{where}.source[{i}]", source, SOURCE_KEYS)
        if source.get("tool") not in SOURCE_TOOLS:
            raise TableError(f"{where}.source[{i}]: `tool` is one of {sorted(SOURCE_TOOLS)}")
        for pattern in (*source.get("has", []), *source.get("lacks", [])):
            try:
                re.compile(str(pattern))
            except re.error as e:
                raise TableError(f"{where}.source[{i}]: {pattern!r}: {e}") from e
    for i, scope in enumerate(expect.get("scopes", [])):
        scope = _keys(f"{where}.scopes[{i}]", scope, SCOPE_KEYS)
        items = scope.get("items")
        if not (isinstance(items, list) and items and all(isinstance(x, str) for x in items)):
            raise TableError(f"{where}.scopes[{i}]: `items` lists span and metric names")
        for key in SCOPE_KEYS - {"items"}:
            value = scope.get(key, "")
            if isinstance(value, dict) and set(value) != {"matches"}:
                raise TableError(f"{where}.scopes[{i}].{key}: a text or {{matches: regex}}")


def _row(source: str, data: object) -> Row:
    data = _keys(source, data, ROW_KEYS)
    for key in ("id", "issue", "what"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise TableError(f"{source}: every row needs `{key}`")
    rid = data["id"]
    where = f"{source} row {rid}"
    if "go" in rid or "rust" in rid:
        raise TableError(f"{where}: an id may not contain `go` or `rust` (they select languages)")
    variant = data.get("variant", "")
    if variant not in VARIANTS:
        raise TableError(f"{where}: unknown variant {variant!r}; known: {sorted(VARIANTS)}")
    env = {str(k): str(v) for k, v in (data.get("env") or {}).items()}
    for i, step in enumerate(data.get("steps", [])):
        _check_step(f"{where} steps[{i}]", step)
    _check_expect(f"{where} expect", data.get("expect", {}))
    return Row(
        id=rid,
        issue=str(data["issue"]),
        what=data["what"],
        source=source,
        variant=variant,
        env=env,
        unset=list(data.get("unset", [])),
        files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
        starts=bool(data.get("starts", True)),
        steps=list(data.get("steps", [])),
        expect=dict(data.get("expect", {})),
    )


def load() -> list[Row]:
    rows: list[Row] = []
    seen: set[str] = set()
    for path in sorted(CASES.glob("*.yaml")):
        for data in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            row = _row(path.name, data)
            if row.id in seen:
                raise TableError(f"{path.name}: duplicate row id {row.id}")
            seen.add(row.id)
            rows.append(row)
    return rows


def conventions_text(variant: str) -> str:
    text = CONVENTIONS.read_text(encoding="utf-8")
    for old, new in VARIANTS[variant]:
        if old not in text:
            raise TableError(f"variant {variant}: {old!r} is not in {CONVENTIONS.name}")
        text = text.replace(old, new)
    return text
