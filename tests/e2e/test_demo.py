"""End to end, as ./demo runs it: a Go front, a Rust back and a Go hop rendered from the
bundled conventions, a collector built from the rendered manifest, three requests (one
plain, one that fails at the hop, one carrying personal data). Judged only by what the
collector exported and what the processes wrote:

- every request is one trace over the three services, with each HTTP hop's server span
  a child of the caller's client span;
- span names, kinds, statuses and HTTP attributes follow the conventions;
- personal data is handled as the conventions' privacy actions say, at both stages;
- each service's log lines of a request carry the request's trace id;
- `scaffold verify` finds no violation in the export, and finds the planted ones in a
  broken copy of it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from scaffold.conventions import load
from tests.e2e.conftest import needs_toolchains
from tests.e2e.scenario import EMAIL, REQUESTS, SESSION_TOKEN, TENANT, Outcome, run, run_verify
from tests.e2e.stack import (
    COLLECTOR_HMAC_KEY,
    CONVENTIONS,
    HASH_KEY,
    Built,
    Span,
    export_lines,
)

pytestmark = [pytest.mark.toolchain, pytest.mark.slow, needs_toolchains]

SERVER, CLIENT = 2, 3
UNSET, ERROR = 0, 2


@pytest.fixture(scope="module")
def outcome(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return run(tmp_path_factory.mktemp("demo-run"), built)


def _one(spans: list[Span], service: str, kind: int) -> Span:
    found = [s for s in spans if s.service == service and s.kind == kind]
    assert len(found) == 1, (service, kind, found)
    return found[0]


def test_every_request_is_one_trace_over_three_services(outcome: Outcome) -> None:
    assert [a.status for _, a in outcome.answers] == [r.expect for r in REQUESTS]
    assert set(outcome.by_request) == {r.path for r in REQUESTS}
    trace_ids = {spans[0].trace_id for spans in outcome.by_request.values()}
    assert len(trace_ids) == len(REQUESTS)
    # Nothing else was exported: no stray trace, no span outside the three.
    assert {s.trace_id for s in outcome.spans} == trace_ids
    for path, spans in outcome.by_request.items():
        assert {s.trace_id for s in spans} == {spans[0].trace_id}
        kinds = sorted((s.service, s.kind) for s in spans)
        expected = [("back", SERVER), ("back", CLIENT), ("front", SERVER), ("front", CLIENT)]
        assert kinds == sorted([*expected, ("hop", SERVER)]), path


def test_parent_links_cross_each_http_hop(outcome: Outcome) -> None:
    for spans in outcome.by_request.values():
        front, front_client = _one(spans, "front", SERVER), _one(spans, "front", CLIENT)
        back, back_client = _one(spans, "back", SERVER), _one(spans, "back", CLIENT)
        hop = _one(spans, "hop", SERVER)
        assert front.parent_id == ""  # the demo's request carries no context: a root
        assert front_client.parent_id == front.span_id
        assert back.parent_id == front_client.span_id  # Go client -> Rust server
        assert back_client.parent_id == back.span_id
        assert hop.parent_id == back_client.span_id  # Rust client -> Go server
        # A child lies within its parent in time (same host clock).
        for parent, child in ((front, front_client), (front_client, back), (back, hop)):
            assert parent.start <= child.start and child.end <= parent.end + 1_000_000


def test_names_attributes_and_statuses_follow_the_conventions(outcome: Outcome) -> None:
    rules = load(CONVENTIONS).span_rules
    for request in REQUESTS:
        spans = outcome.by_request[request.path]
        failed = request.expect >= 500
        routes = {"front": "/orders/{id}/call", "back": "/orders/{id}/call", "hop": "/orders/{id}"}
        for service, route in routes.items():
            server = _one(spans, service, SERVER)
            assert server.name == _named(rules["http_server"].template, server.attributes)
            assert server.name == f"GET {route}"  # the default's "{method} {route}"
            assert server.attributes["http.route"] == route
            assert server.attributes["http.request.method"] == "GET"
            assert server.status == (ERROR if failed else UNSET), (service, server)
            # Required and conditionally required on HTTP server spans (1.43.0 and later).
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", route) + "$"
            assert re.match(pattern, str(server.attributes["url.path"])), server.attributes
            assert server.attributes["url.scheme"] == "http"
            assert server.attributes["server.address"] == "127.0.0.1"
            assert isinstance(server.attributes["server.port"], int)
        codes = {"front": 502, "back": 502, "hop": 503} if failed else dict.fromkeys(routes, 200)
        for service, code in codes.items():
            server = _one(spans, service, SERVER)
            assert server.attributes["http.response.status_code"] == code
            # error.type only when the request ended in an error: the status code.
            assert server.attributes.get("error.type") == (str(code) if failed else None)
        for service in ("front", "back"):
            client = _one(spans, service, CLIENT)
            assert client.name == _named(rules["http_client"].template, client.attributes)
            assert client.name == "GET"
            assert client.attributes["http.request.method"] == "GET"
            assert client.attributes["server.address"] == "127.0.0.1"
            assert isinstance(client.attributes["server.port"], int)
            assert client.attributes["server.port"] > 0
            assert "url.full" in client.attributes  # Required (hashed: class pii by default)
            downstream = 502 if failed and service == "front" else (503 if failed else 200)
            assert client.attributes["http.response.status_code"] == downstream
            assert client.status == (ERROR if failed else UNSET)
            if failed:
                assert client.attributes.get("error.type") == str(downstream)
    resources = _resources(outcome.export)
    assert {r["service.name"] for r in resources} == {"front", "back", "hop"}
    for resource in resources:
        assert resource["deployment.environment.name"] == "development"
        assert resource["service.namespace"] == "acme"
        assert resource["service.version"] == "0.1.0"
        assert resource["service.instance.id"]
        # The SDK's own attributes (Required by the resource semantic conventions).
        assert resource["telemetry.sdk.language"] == (
            "rust" if resource["service.name"] == "back" else "go"
        )
        assert resource["telemetry.sdk.name"] == "opentelemetry"
        assert resource["telemetry.sdk.version"]


def _named(template: str, attributes: dict[str, Any]) -> str:
    """A naming rule's template filled from a span's attributes."""
    return re.sub(r"\{([^}]+)\}", lambda m: str(attributes[m.group(1)]), template)


def _resources(export: Path) -> list[dict[str, Any]]:
    out = []
    for line in export_lines(export):
        for rs in line.get("resourceSpans", []):
            attrs = rs["resource"].get("attributes", [])
            out.append({a["key"]: next(iter(a["value"].values())) for a in attrs})
    return out


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _after(action: str, value: str | None, key: str) -> str | None:
    """What one stage's privacy action makes of a value (None: absent)."""
    if value is None or action == "drop":
        return None
    if action == "hash":
        return _hmac(key, value)
    if action == "redact":
        return "REDACTED" if key == HASH_KEY else "*" * len(value)
    return value


def test_personal_data_is_handled_as_the_conventions_say(outcome: Outcome) -> None:
    conv = load(CONVENTIONS)
    classes = {a.id: a.pii for a in conv.attributes}
    actions = conv.privacy.actions
    spans = outcome.by_request[REQUESTS[2].path]
    exported = _one(spans, "front", SERVER).attributes
    for key, sent in (
        ("app.user.email", EMAIL),
        ("app.session.token", SESSION_TOKEN),
        ("app.tenant.id", TENANT),
    ):
        cls = classes[key]
        if cls == "none":
            expected: str | None = sent
        else:
            after_sdk = _after(actions[cls].sdk, sent, HASH_KEY)
            expected = _after(actions[cls].collector, after_sdk, COLLECTOR_HMAC_KEY)
        assert exported.get(key) == expected, (key, cls)
    # The default conventions hash pii and drop secrets: the check above saw both.
    assert classes["app.user.email"] == "pii" and actions["pii"].collector == "hash"
    assert classes["app.session.token"] == "secret" and actions["secret"].sdk == "drop"
    text = outcome.export.read_text()
    assert EMAIL not in text and SESSION_TOKEN not in text
    for service in outcome.services.values():
        log = service.log.read_text()
        assert EMAIL not in log and SESSION_TOKEN not in log, service.name


def test_each_services_logs_carry_the_trace_id(outcome: Outcome) -> None:
    """Top-level trace_id (32 lowercase hex), span_id (16) of one of the service's own
    spans in the trace, and trace_flags, on a log line of every service for every request
    (the JSON format of the specification's trace context in non-OTLP logs)."""
    for request in REQUESTS:
        spans = outcome.by_request[request.path]
        trace_id = spans[0].trace_id
        for name, service in outcome.services.items():
            own = {s.span_id for s in spans if s.service == name}
            lines = [r for r in service.log_records() if r.get("trace_id") == trace_id]
            assert lines, (request.path, name)
            for record in lines:
                assert re.fullmatch(r"[0-9a-f]{32}", record["trace_id"]), record
                assert record.get("span_id") in own, (record, own)
                assert record.get("trace_flags") == "01", record


def test_verify_passes_the_export(outcome: Outcome) -> None:
    assert outcome.verify is not None
    assert outcome.verify.returncode == 0, outcome.verify.stdout + outcome.verify.stderr
    checked = run_verify(outcome.export, "--json")
    records = [json.loads(line) for line in checked.stdout.splitlines() if line.strip()]
    summary = records[-1]
    assert summary["type"] == "summary" and summary["spans"] >= 15
    assert summary["findings"] == {"information": 0, "improvement": 0, "violation": 0}, records


def _service(rs: dict[str, Any]) -> str:
    attrs = rs["resource"]["attributes"]
    return str(next(a["value"]["stringValue"] for a in attrs if a["key"] == "service.name"))


def _break(export: Path, broken: Path) -> None:
    """A copy of the export with planted violations: a plain e-mail address on the hop's
    server span, the back's server span renamed off the naming rule, the hop's server
    span parented by the back's server span (not its client span), and the front's
    client span cut from its parent."""
    lines = list(export_lines(export))
    back_server = {
        span["traceId"]: span["spanId"]
        for line in lines
        for rs in line.get("resourceSpans", [])
        if _service(rs) == "back"
        for ss in rs.get("scopeSpans", [])
        for span in ss.get("spans", [])
        if span.get("kind") == SERVER
    }
    rng = random.Random(7)
    for line in lines:
        for rs in line.get("resourceSpans", []):
            service = _service(rs)
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    kind = span.get("kind")
                    if service == "hop" and kind == SERVER:
                        email = {"key": "app.user.email", "value": {"stringValue": EMAIL}}
                        span["attributes"].append(email)
                        span["parentSpanId"] = back_server[span["traceId"]]
                    if service == "back" and kind == SERVER:
                        span["name"] = "handle order"
                    if service == "front" and kind == CLIENT:
                        span["parentSpanId"] = f"{rng.getrandbits(64):016x}"
    broken.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_verify_finds_what_was_broken(outcome: Outcome, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    _break(outcome.export, broken)
    checked = run_verify(broken, "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    records = [json.loads(line) for line in checked.stdout.splitlines() if line.strip()]
    findings = [r for r in records if r.get("type") == "finding"]
    violations = {(f["rule"], f["service"]) for f in findings if f["level"] == "violation"}
    assert violations == {
        ("privacy.raw", "hop"),  # the plain e-mail address (class pii: hashed)
        ("span.name", "back"),  # "handle order" is not "{method} {route}"
        ("trace.parent_kind", "hop"),  # a server span parented by a server span
        ("trace.orphan", "front"),  # a client span whose parent never arrived
    }, findings
    # One of each per request, nothing more.
    assert records[-1]["findings"]["violation"] == 4 * len(REQUESTS)
