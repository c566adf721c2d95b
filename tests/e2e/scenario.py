"""The demo's scenario: start the stack, send the requests, wait for their traces in what
the collector exported, stop everything. Returns what happened; prints nothing (the demo
prints it, tests/e2e/test_demo.py asserts on it)."""

from __future__ import annotations

import http.client
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.stack import (
    ROOT,
    Answer,
    Built,
    Progress,
    Service,
    Span,
    Stack,
    exported_spans,
    get,
    quiet,
    service_env,
    stop,
    traces,
    wait_for,
)
from tests.procs import no_proxy_env

EMAIL = "jane@example.com"
SESSION_TOKEN = "s3cr3t-session-token"
TENANT = "tenant-42"


@dataclass(frozen=True)
class Request:
    what: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


REQUESTS = (
    Request("an order, through all three services", "/orders/42/call"),
    Request("an order the hop's store fails on (503 there)", "/orders/fail/call", expect=502),
    Request(
        "an order with personal data on the front's span",
        "/orders/7/call",
        {"X-User-Email": EMAIL, "X-Session-Token": SESSION_TOKEN, "X-Tenant": TENANT},
    ),
)
# Per request: front server + client, back server + client, hop server.
SPANS_PER_TRACE = 5
SERVER, CLIENT = 2, 3
# Each server span's parent: (service, kind) of the span it must be the child of (None:
# a root), and each client span's: its own service's server span.
PARENTS: dict[tuple[str, int], tuple[str, int] | None] = {
    ("front", SERVER): None,
    ("front", CLIENT): ("front", SERVER),
    ("back", SERVER): ("front", CLIENT),
    ("back", CLIENT): ("back", SERVER),
    ("hop", SERVER): ("back", CLIENT),
}
# Seconds a request of the scenario may take before the run gives up on it.
CLIENT_TIMEOUT = 30.0


@dataclass
class Outcome:
    """What one run of the scenario produced."""

    addresses: dict[str, str]
    answers: list[tuple[Request, Answer]]
    export: Path
    spans: list[Span]
    by_request: dict[str, list[Span]]  # request path -> the spans of its trace
    services: dict[str, Service]
    shutdown_seconds: dict[str, float]
    verify: subprocess.CompletedProcess[str] | None = None
    collector_log: Path | None = None


def _trace_problems(path: str, spans: list[Span]) -> list[str]:
    """Exactly the five spans of PARENTS, each the child of the span it must be."""
    found = {(s.service, s.kind): s for s in spans}
    shape = sorted((s.service, s.kind) for s in spans)
    if shape != sorted(PARENTS):
        return [f"{path}: {len(spans)} spans {shape}, expected exactly {sorted(PARENTS)}"]
    out = []
    for key, parent in PARENTS.items():
        wanted = "" if parent is None else found[parent].span_id
        if found[key].parent_id != wanted:
            what = (
                "a root" if parent is None else f"the child of {parent[0]}'s span kind {parent[1]}"
            )
            out.append(f"{path}: {key[0]}'s span of kind {key[1]} is not {what}")
    return out


def problems(outcome: Outcome) -> list[str]:
    """Everything that makes a run not well: an unexpected status, a trace that is not
    exactly the five spans linked caller to callee, a stray span, and any plain personal
    value (the e-mail address, the session token) in the export or any log."""
    out = []
    for request, answer in outcome.answers:
        if answer.status != request.expect:
            out.append(f"{request.path}: status {answer.status}, expected {request.expect}")
        spans = outcome.by_request.get(request.path)
        if not spans:
            out.append(f"{request.path}: no trace found in the export")
            continue
        out += _trace_problems(request.path, spans)
    ours = {s.trace_id for spans in outcome.by_request.values() for s in spans}
    stray = {s.trace_id for s in outcome.spans} - ours
    if stray:
        out.append(f"{len(stray)} trace(s) in the export that no request made: {sorted(stray)}")
    texts = {str(outcome.export): outcome.export}
    texts.update({str(s.log): s.log for s in outcome.services.values()})
    if outcome.collector_log is not None:
        texts[str(outcome.collector_log)] = outcome.collector_log
    for name, path in texts.items():
        text = path.read_text(errors="replace") if path.is_file() else ""
        for value in (EMAIL, SESSION_TOKEN):
            if value in text:
                out.append(f"plain personal value {value!r} in {name}")
    return out


def ask(url: str, headers: dict[str, str], timeout: float = CLIENT_TIMEOUT) -> Answer:
    """One request of the scenario; no answer within `timeout` is a clear error."""
    try:
        return get(url, headers, timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        raise RuntimeError(f"GET {url}: no answer within {timeout:.0f} s ({exc!r})") from exc


def _front_span(spans: list[Span], answer: Answer) -> Span | None:
    """The front's server span of a request: the requests are sent one after another, so
    it is the one that started while the request was under way (the exported url.path
    has its ids cut out by the collector)."""
    for span in spans:
        front_server = span.service == "front" and span.kind == 2
        if front_server and answer.sent_ns <= span.start <= answer.done_ns:
            return span
    return None


def _grouped(spans: list[Span], answers: list[tuple[Request, Answer]]) -> dict[str, list[Span]]:
    by_trace = traces(spans)
    out = {}
    for request, answer in answers:
        front = _front_span(spans, answer)
        if front is not None:
            out[request.path] = by_trace[front.trace_id]
    return out


def _instance(name: str) -> dict[str, str]:
    """service.instance.id, which the conventions recommend, through the standard
    variable (the skeletons leave it to the deployment)."""
    return {"OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id={name}-1"}


def run_verify(export: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`scaffold verify` on the collector's output (privacy actions of the collector)."""
    return subprocess.run(
        [sys.executable, "-m", "scaffold", "verify", "--stage", "collector", *extra, str(export)],
        cwd=ROOT,
        env=no_proxy_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run(work: Path, built: Built, progress: Progress = quiet) -> Outcome:
    """Start the collector and the three services, send REQUESTS, wait until each trace
    is complete in the file export, then stop every process (services first, so they
    flush) and verify the export."""
    with Stack(work) as stack:
        progress("starting the collector on loopback")
        collector = stack.collector(built)
        otlp = collector.otlp_http
        progress("starting hop (Go), back (Rust), front (Go) on free loopback ports")
        hop = stack.service("hop", built.hop, service_env(otlp, **_instance("hop")))
        back = stack.service(
            "back", built.back, service_env(otlp, DOWNSTREAM_URL=hop.url, **_instance("back"))
        )
        front = stack.service(
            "front",
            built.front,
            service_env(
                otlp,
                DOWNSTREAM_URL=back.url,
                DOWNSTREAM_ROUTE="/orders/{id}/call",
                **_instance("front"),
            ),
        )
        services = {"front": front, "back": back, "hop": hop}
        answers = []
        for request in REQUESTS:
            answers.append((request, ask(front.url + request.path, request.headers)))
            progress(f"GET {request.path} -> {answers[-1][1].status}")

        def complete() -> bool:
            grouped = _grouped(exported_spans(collector.export), answers)
            return len(grouped) == len(REQUESTS) and all(
                len(s) >= SPANS_PER_TRACE for s in grouped.values()
            )

        progress("waiting for the traces in the collector's file export")
        wait_for(complete, 60, f"{len(REQUESTS)} complete traces in {collector.export}")
        shutdown = {}
        for name in ("front", "back", "hop"):
            shutdown[name] = stop(services[name].proc)
        shutdown["collector"] = stop(collector.proc)
        progress("stopped the services and the collector")
    spans = exported_spans(collector.export)
    outcome = Outcome(
        addresses={
            "collector (OTLP/HTTP)": otlp,
            **{name: s.url for name, s in services.items()},
        },
        answers=answers,
        export=collector.export,
        spans=spans,
        by_request=_grouped(spans, answers),
        services=services,
        shutdown_seconds=shutdown,
        collector_log=collector.log,
    )
    outcome.verify = run_verify(collector.export)
    return outcome
