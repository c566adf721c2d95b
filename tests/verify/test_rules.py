"""Every finding kind: a payload that must produce it and one that must not, each read
both as OTLP JSON lines and as length-prefixed OTLP protobuf."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.verify import Level
from tests.conftest import DEFAULT_CONVENTIONS
from tests.verify.payloads import (
    CHILD_SPAN,
    HASHED,
    ROOT_SPAN,
    TRACE,
    Doc,
    attrs,
    findings,
    log,
    logs,
    metric,
    metrics,
    resource_attrs,
    rules,
    span,
    traces,
)

FORMATS = ["json", "proto"]
URL = {"url__path": "/users/42", "url__scheme": "https"}
SERVER = {"http__request__method": "GET", "http__route": "/users/{id}", **URL}
OTHER = {"http__request__method": "_OTHER", "http__route": "/users/{id}", **URL}
METRIC = {"http__request__method": "GET", "http__route": "/users/{id}"}
MESSAGING = {"messaging__system": "kafka", "messaging__destination__name": "orders"}


def _server(**extra: object) -> dict[str, object]:
    return span(attributes=attrs(**SERVER, **extra))


def _status(http: int, code: int, message: str = "", **extra: object) -> dict[str, object]:
    status = {"code": code, "message": message} if message else {"code": code}
    attributes = attrs(**SERVER, http__response__status_code=http, **extra)
    return span(attributes=attributes, status=status)


def _log_with(body: str = "charged", **kw: object) -> Doc:
    return logs(log(body, **kw))


def _series(count: int) -> Doc:
    points = [
        {
            "attributes": attrs(http__route=f"/r{i}"),
            "timeUnixNano": "1700000000000000000",
            "count": "1",
            "sum": 0.1,
            "bucketCounts": ["1"],
            "explicitBounds": [],
        }
        for i in range(count)
    ]
    return metrics(
        {
            "name": "http.server.request.duration",
            "unit": "s",
            "histogram": {"dataPoints": points, "aggregationTemporality": 2},
        }
    )


def _two_services(parent_kind: int) -> list[Doc]:
    return [
        traces(span("GET", kind=parent_kind, attributes=attrs(http__request__method="GET"))),
        traces(
            span(span_id=CHILD_SPAN, parent=ROOT_SPAN, attributes=attrs(**SERVER)),
            res=resource_attrs(service="stock"),
        ),
    ]


# rule, level, payload that must produce it, payload that must not.
CLIENT = {
    "http__request__method": "GET",
    "server__address": "stock",
    "server__port": 8080,
    "url__full": HASHED,
}


def _client(**extra: object) -> dict[str, object]:
    return span("GET", kind=3, attributes=attrs(**CLIENT, **extra))


def _without(base: dict[str, object], key: str, kind: int) -> dict[str, object]:
    kept = {k: v for k, v in base.items() if k != key}
    return span("GET" if kind == 3 else "GET /users/{id}", kind=kind, attributes=attrs(**kept))


CASES: list[tuple[str, Level, list[Doc], list[Doc]]] = [
    (
        "http.method",
        Level.VIOLATION,
        [
            traces(span(attributes=attrs(**{**SERVER, "http__request__method": "get"}))),
            traces(span(attributes=attrs(**{**SERVER, "http__request__method": "BREW"}))),
        ],
        [traces(_server()), traces(span("HTTP /users/{id}", attributes=attrs(**OTHER)))],
    ),
    ("attribute.unknown", Level.VIOLATION, [traces(_server(foo__bar="x"))], [traces(_server())]),
    (
        "attribute.type",
        Level.VIOLATION,
        [traces(_server(http__response__status_code="200"))],
        [traces(_server(http__response__status_code=200))],
    ),
    (
        "attribute.enum",
        Level.VIOLATION,
        [traces(_server(app__plan="gold"))],
        [traces(_server(app__plan="team"))],
    ),
    (
        "attribute.deprecated",
        Level.IMPROVEMENT,
        [traces(_server(app__customer__id="t-1"))],
        [traces(_server(app__tenant__id="t-1"))],
    ),
    (
        "resource.required",
        Level.VIOLATION,
        [traces(_server(), res=resource_attrs(**{"acme.team": ""}))],
        [traces(_server())],
    ),
    (
        "resource.placeholder",
        Level.VIOLATION,
        [traces(_server(), res=resource_attrs(**{"acme.team": "unknown"}))],
        [traces(_server(), res=resource_attrs(**{"service.instance.id": "unknown"}))],
    ),
    (
        "resource.recommended",
        Level.IMPROVEMENT,
        [traces(_server(), res=resource_attrs(**{"service.instance.id": None}))],
        [traces(_server())],
    ),
    (
        "resource.sdk",
        Level.IMPROVEMENT,
        [traces(_server(), res=resource_attrs(**{"telemetry.sdk.language": None}))],
        [traces(_server())],
    ),
    (
        "resource.service_name",
        Level.IMPROVEMENT,
        [traces(_server(), res=resource_attrs(service="Payments_API"))],
        [traces(_server(), res=resource_attrs(service="payments-api"))],
    ),
    (
        "resource.service_name.spelling",
        Level.VIOLATION,
        [
            traces(_server(), res=resource_attrs(service="payments-api")),
            traces(_server(), res=resource_attrs(service="payments_api")),
        ],
        [
            traces(_server(), res=resource_attrs(service="payments-api")),
            traces(_server(), res=resource_attrs(service="orders")),
        ],
    ),
    (
        "span.name",
        Level.VIOLATION,
        [traces(span("GET /users", attributes=attrs(**SERVER)))],
        [traces(_server())],
    ),
    (
        "span.name",
        Level.VIOLATION,
        [traces(span("LoadUser", kind=1, attributes=[]))],
        [traces(span("load_user", kind=1, attributes=[]))],
    ),
    (
        # HTTP semantic conventions: an unknown method (`_OTHER`) is named `HTTP`.
        "span.name",
        Level.VIOLATION,
        [
            traces(span("_OTHER /users/{id}", attributes=attrs(**OTHER))),
            traces(span("_OTHER", kind=3, attributes=attrs(**OTHER))),
        ],
        [
            traces(span("HTTP /users/{id}", attributes=attrs(**OTHER))),
            traces(span("HTTP", attributes=attrs(http__request__method="_OTHER"))),
            traces(span("HTTP", kind=3, attributes=attrs(**OTHER))),
        ],
    ),
    (
        # A messaging client span (receive, settle) is not judged by the HTTP client rule.
        "span.name",
        Level.VIOLATION,
        [traces(span("receive orders", kind=3, attributes=attrs(http__request__method="GET")))],
        [traces(span("receive orders", kind=3, attributes=attrs(**MESSAGING)))],
    ),
    (
        "span.status",
        Level.VIOLATION,
        [traces(_status(404, 2))],
        [traces(_status(404, 0)), traces(_status(200, 0)), traces(_status(500, 2, "boom"))],
    ),
    (
        "span.status",
        Level.IMPROVEMENT,
        [
            traces(_status(503, 0)),
            traces(_status(200, 2)),
            traces(_status(200, 1, "fine")),
            traces(span("load_user", kind=1, attributes=[], status={"code": 0, "message": "x"})),
        ],
        [
            traces(_status(404, 0)),
            traces(_status(503, 2)),
            traces(_status(200, 2, error__type="timeout")),
            traces(span("load_user", kind=1, attributes=[], status={"code": 2, "message": "x"})),
        ],
    ),
    (
        "span.name.cardinality",
        Level.VIOLATION,
        [traces(span("GET /users/123", attributes=attrs(http__request__method="GET")))],
        [traces(span("GET", attributes=attrs(http__request__method="GET")))],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [traces(_server(app__user__email="jane@example.com"))],
        [traces(_server(app__user__email=HASHED))],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [traces(_server(app__session__token="abc"))],
        [traces(_server())],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [
            traces(
                span(
                    attributes=attrs(**SERVER),
                    events=[{"name": "login", "attributes": attrs(app__user__id="u-1")}],
                )
            )
        ],
        [
            traces(
                span(
                    attributes=attrs(**SERVER),
                    events=[{"name": "login", "attributes": attrs(app__user__id=HASHED)}],
                )
            )
        ],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [
            traces(
                span(
                    attributes=attrs(**SERVER),
                    links=[
                        {
                            "traceId": TRACE,
                            "spanId": CHILD_SPAN,
                            "attributes": attrs(client__address="10.0.0.1"),
                        }
                    ],
                )
            )
        ],
        [
            traces(
                span(
                    attributes=attrs(**SERVER),
                    links=[
                        {
                            "traceId": TRACE,
                            "spanId": CHILD_SPAN,
                            "attributes": attrs(client__address=HASHED),
                        }
                    ],
                )
            )
        ],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [_log_with(attributes=attrs(app__user__email="jane@example.com"))],
        [_log_with(attributes=attrs(app__user__email=HASHED))],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [
            metrics(
                metric("app.checkouts", unit="1", kind="sum", attributes=attrs(app__user__id="u-1"))
            )
        ],
        [
            metrics(
                metric("app.checkouts", unit="1", kind="sum", attributes=attrs(app__plan="team"))
            )
        ],
    ),
    (
        "privacy.raw",
        Level.VIOLATION,
        [
            traces(
                span(
                    "SELECT users",
                    kind=3,
                    attributes=attrs(db__system__name="postgresql", db__query__text=HASHED),
                )
            )
        ],
        [
            traces(
                span(
                    "SELECT users",
                    kind=3,
                    attributes=attrs(
                        db__system__name="postgresql",
                        db__operation__name="SELECT",
                        db__collection__name="users",
                    ),
                )
            )
        ],
    ),
    (
        "privacy.email",
        Level.VIOLATION,
        [_log_with(body="charged jane@example.com")],
        [_log_with(body="charged a customer")],
    ),
    (
        "trace.orphan",
        Level.VIOLATION,
        [traces(span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN, attributes=[]))],
        [
            traces(
                _server(),
                span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN, attributes=[]),
            )
        ],
    ),
    (
        "trace.roots",
        Level.VIOLATION,
        [traces(_server(), span("load_user", kind=1, span_id=CHILD_SPAN, attributes=[]))],
        [
            traces(
                _server(),
                span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN, attributes=[]),
            )
        ],
    ),
    ("trace.parent_kind", Level.VIOLATION, _two_services(1), _two_services(3)),
    (
        "log.correlation",
        Level.VIOLATION,
        [_log_with(traceId=TRACE)],
        [_log_with(traceId=TRACE, spanId=ROOT_SPAN)],
    ),
    (
        "log.correlation",
        Level.VIOLATION,
        [_log_with(attributes=attrs(trace_id=TRACE))],
        [_log_with(attributes=attrs(trace_id=TRACE, span_id=ROOT_SPAN))],
    ),
    (
        "log.correlation",
        Level.VIOLATION,
        [_log_with(body=json.dumps({"msg": "charged", "traceId": TRACE}))],
        [_log_with(body=json.dumps({"msg": "charged", "trace_id": TRACE, "span_id": ROOT_SPAN}))],
    ),
    (
        "metric.unit",
        Level.VIOLATION,
        [metrics(metric("http.server.request.duration", unit="ms", attributes=[]))],
        [metrics(metric("http.server.request.duration", unit="s", attributes=[]))],
    ),
    (
        "metric.instrument",
        Level.VIOLATION,
        [metrics(metric("http.server.request.duration", kind="gauge", attributes=[]))],
        [metrics(metric("http.server.request.duration", attributes=[]))],
    ),
    (
        "metric.name",
        Level.VIOLATION,
        [metrics(metric("http.server.duration", attributes=[]))],
        [metrics(metric("http.server.request.duration", attributes=[]))],
    ),
    (
        "metric.name",
        Level.IMPROVEMENT,
        [metrics(metric("HTTP_Checkouts", unit="1", kind="sum", attributes=[]))],
        [metrics(metric("app.checkouts", unit="1", kind="sum", attributes=[]))],
    ),
    (
        "metric.attribute.cardinality",
        Level.VIOLATION,
        [metrics(metric("http.server.request.duration", attributes=attrs(url__path="/users/1")))],
        [
            metrics(
                metric("http.server.request.duration", attributes=attrs(http__route="/users/{id}"))
            )
        ],
    ),
    ("metric.series", Level.VIOLATION, [_series(2001)], [_series(2000)]),
]


def _case_id(case: tuple[str, Level, list[Doc], list[Doc]]) -> str:
    return case[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_rule_fires_on_bad_and_not_on_good(
    tmp_path: Path, fmt: str, case: tuple[str, Level, list[Doc], list[Doc]]
) -> None:
    rule, level, bad, good = case
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    found = [f for f in findings(tmp_path / "bad", bad, fmt) if f.rule == rule]
    assert found, f"{rule} not found"
    assert {f.level for f in found} == {level}
    assert all(f.line > 1 and f.conventions == str(DEFAULT_CONVENTIONS) for f in found)
    assert rule not in rules(findings(tmp_path / "good", good, fmt))


def _line_of(text: str) -> int:
    lines = DEFAULT_CONVENTIONS.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip() == text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_findings_name_service_ids_and_the_conventions_line(tmp_path: Path, fmt: str) -> None:
    found = findings(tmp_path, [traces(_server(app__plan="gold", foo__bar=1))], fmt)
    by_rule = {f.rule: f for f in found}
    enum = by_rule["attribute.enum"]
    assert enum.line == _line_of("- id: app.plan")
    assert (enum.where.service, enum.where.trace_id, enum.where.span_id) == (
        "payments",
        TRACE,
        ROOT_SPAN,
    )
    assert enum.attribute == "app.plan"
    assert by_rule["attribute.unknown"].line == _line_of("attributes:")
    assert set(by_rule) == {"attribute.enum", "attribute.unknown"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_conventional_request_has_no_findings(tmp_path: Path, fmt: str) -> None:
    docs = [
        traces(
            _server(http__response__status_code=200, app__tenant__id="t-42"),
            span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN, attributes=[]),
            span(
                "GET",
                kind=3,
                span_id="00f067aa0ba902b9",
                parent=CHILD_SPAN,
                attributes=attrs(
                    http__request__method="GET",
                    server__address="stock",
                    server__port=8080,
                    url__full=HASHED,
                ),
            ),
        ),
        _log_with(traceId=TRACE, spanId=ROOT_SPAN, attributes=attrs(app__tenant__id="t-42")),
        metrics(metric("http.server.request.duration", attributes=attrs(**METRIC))),
    ]
    assert findings(tmp_path, docs, fmt) == []


# Each span alone, and the attribute http.required must name for it ("" for none).
HTTP_REQUIRED = [
    (_without(SERVER, "url__path", 2), "url.path"),
    (_without(SERVER, "url__scheme", 2), "url.scheme"),
    (_without(SERVER, "http__request__method", 2), "http.request.method"),
    (_without(CLIENT, "server__port", 3), "server.port"),
    (_without(CLIENT, "server__address", 3), "server.address"),
    (_status(503, 2), "error.type"),
    (_status(503, 0), "error.type"),
    (_client(http__response__status_code=404), "error.type"),
    # server.port on a server span is required "if available": verify cannot tell.
    (_server(server__address="shop.example"), ""),
    # url.full is pii, which the default conventions hash (not drop): still required.
    (_without(CLIENT, "url__full", 3), "url.full"),
    (span("HTTP /users/{id}", attributes=attrs(**OTHER)), "http.request.method_original"),
    # Not HTTP: a function trigger, a model call.
    (span("timer", kind=2, attributes=attrs(faas__trigger="timer")), ""),
    (span("chat", kind=3, attributes=attrs(gen_ai__operation__name="chat")), ""),
    (_server(), ""),
    (_client(), ""),
    (_status(503, 2, error__type="503"), ""),
    (_status(404, 0), ""),
    (_client(http__response__status_code=404, error__type="404"), ""),
    (_server(server__address="shop.example", server__port=443), ""),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("index", range(len(HTTP_REQUIRED)))
def test_http_required_names_the_missing_attribute(tmp_path: Path, fmt: str, index: int) -> None:
    doc, missing = HTTP_REQUIRED[index]
    found = [f for f in findings(tmp_path, [traces(doc)], fmt) if f.rule == "http.required"]
    assert [f.attribute for f in found] == ([missing] if missing else [])
    assert all(f.level == Level.VIOLATION for f in found)
