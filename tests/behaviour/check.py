"""A row's expectations against a Run: every failure is named, all of them at once."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from scaffold.verify.records import Attributes, Span
from tests.behaviour.check_scopes import check_scopes
from tests.behaviour.check_source import Sources, check_source
from tests.behaviour.harness import HASH_KEY, Answer, Flood, Run, json_of
from tests.behaviour.table import Row

KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
STATUS = {"unset": 0, "ok": 1, "error": 2}
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def hmac_of(text: str) -> str:
    return hmac.new(HASH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def _incoming(row: Row) -> tuple[str, str, str] | None:
    """The traceparent the row's first traced request sends, split, if any."""
    for step in row.steps:
        for name, value in step.get("http", {}).get("headers", []):
            if name.lower() == "traceparent":
                m = TRACEPARENT.match(value)
                if m:
                    return m.group(1), m.group(2), str(value)
    return None


def _value_ok(want: Any, got: str | None) -> bool:
    if want is None:
        return got is None
    if got is None:
        return False
    if want == "*":
        return True
    if isinstance(want, dict):
        if "hmac" in want:
            return got == hmac_of(str(want["hmac"]))
        if "matches" in want:
            return re.search(str(want["matches"]), got) is not None
        if "not" in want:
            return got != str(want["not"])
    return got == str(want)


def attrs_ok(want: dict[str, Any], got: Attributes) -> list[str]:
    bad = []
    for key, expected in want.items():
        value = got.get(key)
        text = value.text() if value is not None else None
        if not _value_ok(expected, text):
            bad.append(f"{key}={text!r} (want {expected!r})")
    return bad


def _span_fails(
    m: dict[str, Any],
    span: Span,
    spans: list[Span],
    row: Row,
    durations: dict[str, float] | None = None,
) -> list[str]:
    bad: list[str] = []
    if "name" in m and span.name != m["name"]:
        bad.append(f"name {span.name!r}")
    if "kind" in m and span.kind != KINDS[m["kind"]]:
        bad.append(f"kind {span.kind}")
    bad += attrs_ok(m.get("attributes", {}), span.attributes)
    incoming = _incoming(row)
    if m.get("trace") == "incoming" and (incoming is None or span.trace_id != incoming[0]):
        bad.append(f"trace {span.trace_id} is not the incoming one")
    if m.get("trace") == "new" and incoming is not None and span.trace_id == incoming[0]:
        bad.append("trace is the incoming one")
    parent = m.get("parent")
    if parent == "root" and span.parent_span_id:
        bad.append(f"has parent {span.parent_span_id}")
    elif parent == "incoming" and (incoming is None or span.parent_span_id != incoming[1]):
        bad.append(f"parent {span.parent_span_id!r} is not the incoming span")
    elif parent not in (None, "root", "incoming"):
        ids = {s.span_id for s in spans if s.name == parent and s.trace_id == span.trace_id}
        if span.parent_span_id not in ids:
            bad.append(f"parent is not a span named {parent!r}")
    for link in m.get("links", []):
        if not any(
            k.trace_id == link["trace_id"] and k.span_id == link["span_id"] for k in span.links
        ):
            bad.append(f"no link to {link}")
    if "linked_to" in m:
        targets = {(s.trace_id, s.span_id) for s in spans if s.name == m["linked_to"]}
        if not any((k.trace_id, k.span_id) in targets for k in span.links):
            bad.append(f"no link to a span named {m['linked_to']!r}")
    if "status" in m and span.status_code != STATUS[m["status"]]:
        bad.append(f"status {span.status_code} {span.status_message!r}")
    for event in m.get("events", []):
        named = [e for e in span.events if e.name == event["name"]]
        if not any(not attrs_ok(event.get("attributes", {}), e.attributes) for e in named):
            bad.append(f"no event {event} in {[e.name for e in span.events]}")
    if "min_seconds" in m:
        took = (durations or {}).get(span.span_id)
        if took is None or took < float(m["min_seconds"]):
            bad.append(f"lasted {took}s (want at least {m['min_seconds']}s)")
    if "status_message" in m:
        want = str(m["status_message"])
        if (want == "" and span.status_message) or (
            want and not re.search(want, span.status_message)
        ):
            bad.append(f"status message {span.status_message!r}")
    return bad


def _link_ids(row: Row, m: dict[str, Any]) -> dict[str, Any]:
    incoming = _incoming(row)
    links = []
    for link in m.get("links", []):
        if link == "incoming" and incoming is not None:
            links.append({"trace_id": incoming[0], "span_id": incoming[1]})
        else:
            links.append(link)
    return {**m, "links": links}


def span_durations(run: Run) -> dict[str, float]:
    """Seconds from start to end of every exported span, by hex span id."""
    out: dict[str, float] = {}
    for kind, raw in run.seen.exports:
        if kind != "traces":
            continue
        message = ExportTraceServiceRequest()
        message.ParseFromString(raw)
        for group in message.resource_spans:
            for scope in group.scope_spans:
                for span in scope.spans:
                    took = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e9
                    out[span.span_id.hex()] = took
    return out


def check_spans(
    row: Row, spans: list[Span], durations: dict[str, float] | None = None
) -> list[str]:
    problems: list[str] = []
    for raw in row.expect.get("spans", []):
        m = _link_ids(row, raw)
        fails = [(s, _span_fails(m, s, spans, row, durations)) for s in spans]
        matched = [s for s, f in fails if not f]
        lo, hi = m.get("min", 1), m.get("max")
        if "count" in m:
            lo = hi = m["count"]
        if len(matched) < lo or (hi is not None and len(matched) > hi):
            near = [f"{s.name!r}: {'; '.join(f)}" for s, f in fails[:6]]
            problems.append(
                f"span {raw} matched {len(matched)} of {len(spans)} spans"
                f" (want {lo}..{hi if hi is not None else 'any'}); "
                + (" | ".join(near) if near else "no spans were exported")
            )
    if "spans_total" in row.expect and len(spans) != row.expect["spans_total"]:
        names = sorted(s.name for s in spans)
        problems.append(f"{len(spans)} spans exported, want {row.expect['spans_total']}: {names}")
    return problems


def check_metrics(row: Row, run: Run) -> list[str]:
    problems: list[str] = []
    metrics = [m for b in run.seen.batches() for m in b.metrics]
    bounds = run.seen.histogram_bounds()
    for want in row.expect.get("metrics", []):
        named = [m for m in metrics if m.name == want["name"]]
        if want.get("absent"):
            points = [p for m in named for p in m.points]
            hits = [p for p in points if not attrs_ok(want.get("attributes", {}), p)]
            if hits:
                problems.append(f"metric {want['name']}: {len(hits)} points match: {hits[:2]}")
            continue
        if not named:
            problems.append(
                f"metric {want['name']} not exported; got {sorted({m.name for m in metrics})}"
            )
            continue
        points = [p for m in named for p in m.points]
        fails = [attrs_ok(want.get("attributes", {}), p) for p in points]
        if not any(not f for f in fails):
            problems.append(f"metric {want['name']}: no point matches: {fails[:4]}")
        if "buckets" in want and bounds.get(want["name"]) != [float(b) for b in want["buckets"]]:
            problems.append(f"metric {want['name']}: bounds {bounds.get(want['name'])}")
    return problems


def check_resource(row: Row, run: Run) -> list[str]:
    want = row.expect.get("resource")
    if not want:
        return []
    resources = [r for b in run.seen.batches() for r in b.resources]
    if not resources:
        return ["resource: nothing was exported"]
    return [f"resource: {bad}" for r in resources for bad in attrs_ok(want, r.attributes)][:8]


def _header_values(call: dict[str, Any], name: str) -> list[str]:
    return [v for k, v in call["headers"] if k.lower() == name]


def _traceparent_fails(want: Any, values: list[str], row: Row) -> str | None:
    incoming = _incoming(row)
    if want == "absent":
        return f"traceparent {values}" if values else None
    if len(values) != 1:
        return f"{len(values)} traceparent headers {values}"
    m = TRACEPARENT.match(values[0])
    if m is None:
        return f"malformed traceparent {values[0]!r}"
    if want == "incoming":
        return None if incoming and values[0] == incoming[2] else f"traceparent {values[0]}"
    if want == "same-trace":
        ok = incoming and m.group(1) == incoming[0] and m.group(2) != incoming[1]
        return None if ok else f"traceparent {values[0]} (want the incoming trace, new parent)"
    if want == "new-trace":
        ok = incoming is None or m.group(1) != incoming[0]
        return None if ok else f"traceparent {values[0]} continues the incoming trace"
    if want == "present":
        return None
    return f"unknown traceparent expectation {want!r}"


def _downstream_fails(want: dict[str, Any], call: dict[str, Any], row: Row) -> list[str]:
    bad = []
    if "path" in want and call["path"] != want["path"]:
        bad.append(f"path {call['path']}")
    if "traceparent" in want:
        fail = _traceparent_fails(want["traceparent"], _header_values(call, "traceparent"), row)
        if fail:
            bad.append(fail)
    if "flags" in want:
        values = _header_values(call, "traceparent")
        if not values or not values[0].endswith("-" + str(want["flags"])):
            bad.append(f"flags of {values}")
    for name in want.get("absent", []):
        values = _header_values(call, name.lower())
        if values:
            bad.append(f"{name} sent: {values}")
    baggage = ",".join(_header_values(call, "baggage"))
    entries = {e.strip().split(";")[0].strip() for e in baggage.split(",") if e.strip()}
    for entry in want.get("baggage", {}).get("has", []):
        if entry not in entries:
            bad.append(f"baggage {baggage!r} lacks {entry}")
    for text in want.get("baggage", {}).get("lacks", []):
        if text in baggage:
            bad.append(f"baggage {baggage!r} has {text}")
    state = ",".join(_header_values(call, "tracestate"))
    members = {m.strip() for m in state.split(",") if m.strip()}
    for member in want.get("tracestate", {}).get("has", []):
        if member not in members:
            bad.append(f"tracestate {state!r} lacks {member}")
    return bad


def check_downstream(row: Row, run: Run) -> list[str]:
    problems = []
    calls = run.seen.downstream
    for want in row.expect.get("downstream", []):
        fails = [_downstream_fails(want, c, row) for c in calls]
        matched = sum(1 for f in fails if not f)
        if ("count" in want and matched != want["count"]) or ("count" not in want and not matched):
            problems.append(
                f"downstream {want}: {matched} of {len(calls)} calls match; {fails[:4]}"
            )
    return problems


def check_output(row: Row, run: Run) -> list[str]:
    want = row.expect.get("output", {})
    problems = []
    for pattern in want.get("has", []):
        if not re.search(pattern, run.output):
            problems.append(f"output lacks /{pattern}/")
    for pattern in want.get("lacks", []):
        found = re.search(pattern, run.output)
        if found:
            problems.append(f"output has /{pattern}/: {found.group(0)!r}")
    lines = run.output.splitlines()
    for spec in want.get("lines", []):
        n = sum(1 for line in lines if all(re.search(p, line) for p in spec["all"]))
        if n < spec.get("min", 1) or ("max" in spec and n > spec["max"]):
            problems.append(f"{n} output lines match all of {spec['all']} (want {spec})")
    return problems


def check_nowhere(row: Row, run: Run) -> list[str]:
    problems = []
    received = b"".join(raw for _, raw in run.seen.exports)
    downstream = repr(run.seen.downstream)
    for text in row.expect.get("nowhere", []):
        for where, hay in (
            ("the receiver", text.encode() in received),
            ("the downstream", text in downstream),
            ("the output", text in run.output),
        ):
            if hay:
                problems.append(f"{text!r} reached {where}")
    return problems


def check_answers(run: Run) -> list[str]:
    problems = []
    for step, answer in run.answers:
        kind, body = next(iter(step.items()))
        if isinstance(answer, Flood):
            most = int(body["open_at_most"])
            if answer.open > most:
                problems.append(
                    f"admin flood of {body['connections']}: {answer.open} idle connections "
                    f"held open (at most {most})"
                )
            continue
        if kind == "wait_output":
            if isinstance(answer, float) and answer < 0:
                problems.append(
                    f"output did not match /{body['matches']}/ within {body['within']}s"
                )
            continue
        if kind == "disconnect":
            continue
        if isinstance(answer, float):
            limit = float(body["closes_within"])
            if answer > limit:
                problems.append(f"slow admin connection open {answer:.1f}s (limit {limit}s)")
            continue
        assert isinstance(answer, Answer)
        status = body.get("status", 200)
        want = [int(s) for s in status] if isinstance(status, list) else [int(status)]
        if answer.status not in want:
            problems.append(
                f"{kind} {body.get('method', 'GET')} {body['path']}: {answer.status}"
                f" (want {want}) {answer.body[:200]!r}"
            )
        for key, value in (body.get("json") or {}).items():
            try:
                got = json_of(answer).get(key)
            except (ValueError, AttributeError):
                got = "<not JSON>"
            if got != value:
                problems.append(f"{kind} {body['path']}: {key}={got!r} (want {value!r})")
    return problems


def problems(row: Row, run: Run, sources: Sources | None = None) -> list[str]:
    out: list[str] = []
    if row.starts:
        if not run.answers and row.steps:
            return [f"the service did not start (exit {run.exit_code}):\n{run.output[-3000:]}"]
        want_exit = row.expect.get("exit", 0)
        if run.exit_code != want_exit:
            out.append(f"exit code {run.exit_code} after SIGTERM (want {want_exit})")
    elif run.exit_code in (None, 0):
        out.append(f"the service was expected to refuse to start; exit {run.exit_code}")
    out += check_answers(run)
    spans = [s for b in run.seen.batches() for s in b.spans]
    out += check_spans(row, spans, span_durations(run))
    out += check_metrics(row, run)
    out += check_resource(row, run)
    out += check_scopes(row, run)
    out += check_downstream(row, run)
    out += check_output(row, run)
    out += check_nowhere(row, run)
    out += check_source(row, sources)
    return out
