"""The demo's scenario: start the stack, send the requests, wait for their traces in what
the collector exported, stop everything. Returns what happened; prints nothing (the demo
prints it, tests/e2e/test_demo.py asserts on it)."""

from __future__ import annotations

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
            answers.append((request, get(front.url + request.path, request.headers)))
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
    )
    outcome.verify = run_verify(collector.export)
    return outcome
