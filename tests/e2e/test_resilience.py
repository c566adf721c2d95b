"""The services keep serving when the pipeline fails: first with the collector stopped
(connections refused), then with a listener that accepts connections and never answers.

For each failure, the Go service (front) and the Rust service (back) each run twice: one
copy exporting to a healthy collector (the baseline) and one to the failing pipeline.
Then:

- the failing copies get thousands more requests than their span queue holds (queue
  plus one batch in flight, the most the SDK may keep): every answer is 200, and the
  resident memory stays under a bound derived from the queue's limit and stops growing
  once the queue is full;
- with the queue full (spans now dropped), requests to the four copies are interleaved,
  so a loaded machine slows baseline and failure alike, each waiting a fixed 200 ms in the
  handler (X-Delay-Ms): the p99 latency of each failing copy is within 10 % of its
  baseline's, same run (measured up to three times, passing once each is within; a
  real slowdown fails every attempt). The 200 ms stand for a service's own work and keep
  the machine's noise (tens of milliseconds at p99 on a loaded 2-core machine) inside the tolerance; a
  slowdown smaller than about 20 ms per request is below what this test resolves (the
  benchmarks measure the per-request cost in nanoseconds);
- SIGTERM ends the service within the conventions' shutdown timeout (plus a second for
  the process itself) while the collector never answers, and within 2 s while it refuses
  connections (no retry once shutdown has begun);
- when the stopped collector comes back on the same ports, new traces arrive, and the
  spans it receives from before its return are at most the queue plus one batch: the
  queue's limit held (an unbounded queue would deliver every one of the thousands).
"""

from __future__ import annotations

import http.client
import math
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffold.conventions import load
from tests.e2e.conftest import needs_toolchains
from tests.e2e.stack import (
    CONVENTIONS,
    Built,
    Service,
    Stack,
    exported_spans,
    service_env,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.toolchain, pytest.mark.slow, needs_toolchains]

DELAY_MS = 200
PER_COPY = 500  # timed requests per service copy and failure mode
ATTEMPTS = 3  # measurements of the p99 at most, until each pair is within 10 % once
WORKERS = 16
FAST_REQUESTS = 6000  # untimed requests per copy: each half alone overfills the queue
# Resident bytes a queued span may take, generously (a server span with its ~15
# attributes is under 2 KiB in either SDK), and room for the runtime's own growth.
BYTES_PER_QUEUED_SPAN = 8 * 1024
# Seconds from SIGTERM to exit when the collector refuses connections.
REFUSED_SHUTDOWN_S = 2.0
RUNTIME_SLACK = 24 * 1024 * 1024


class Blackhole:
    """A loopback listener that accepts connections and never reads or answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.closed = True
        self.sock.close()
        for conn in self.held:
            conn.close()


@dataclass
class Copies:
    """The baseline and the failing copy of one service."""

    lang: str
    base: Service
    failing: Service


def _rss(service: Service) -> int:
    for line in Path(f"/proc/{service.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {service.name}")


def _p99(samples: list[float]) -> float:
    """The nearest-rank 99th percentile: the smallest sample with at least 99 % of the
    samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)]


def _worker(jobs: list[Service], delay: int) -> dict[str, list[tuple[int, float]]]:
    """Send one request to each service in `jobs`, in order, on kept-alive connections;
    (status, seconds) per service name."""
    conns: dict[str, http.client.HTTPConnection] = {}
    out: dict[str, list[tuple[int, float]]] = {}
    headers = {"X-Delay-Ms": str(delay)} if delay else {}
    try:
        for n, service in enumerate(jobs):
            key = f"{service.name}"
            if key not in conns:
                host, port = service.address.rsplit(":", 1)
                conns[key] = http.client.HTTPConnection(host, int(port), timeout=30)
            conn = conns[key]
            started = time.perf_counter()
            conn.request("GET", f"/orders/{n}", headers=headers)
            resp = conn.getresponse()
            resp.read()
            out.setdefault(key, []).append((resp.status, time.perf_counter() - started))
    finally:
        for conn in conns.values():
            conn.close()
    return out


def _interleaved(services: list[Service], per_service: int, delay: int) -> dict[str, list[float]]:
    """`per_service` requests to each service, interleaved round-robin across WORKERS
    threads; the latencies per service. Any answer but 200 fails the test."""
    rounds = [
        services[i % len(services) :] + services[: i % len(services)] for i in range(per_service)
    ]
    jobs = [[s for r in rounds[w::WORKERS] for s in r] for w in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda j: _worker(j, delay), jobs))
    out: dict[str, list[float]] = {}
    for result in results:
        for name, samples in result.items():
            statuses = {status for status, _ in samples}
            assert statuses == {200}, (name, statuses)
            out.setdefault(name, []).extend(seconds for _, seconds in samples)
    return out


def _latency_within_ten_percent(pairs: list[Copies], what: str) -> None:
    """The failing copy's p99 within 10 % of its baseline's. The measurement is taken up
    to ATTEMPTS times, until every pair has been within the tolerance once: a real
    slowdown shows in every attempt, while a burst of the machine's other work (the suite
    runs two workers, one may be compiling) lands on one copy's five slowest requests in
    one attempt only. Every attempt is printed."""
    services = [s for p in pairs for s in (p.base, p.failing)]
    pending = {pair.lang for pair in pairs}
    report: list[str] = []
    for attempt in range(1, ATTEMPTS + 1):
        latencies = _interleaved(services, PER_COPY, DELAY_MS)
        for pair in pairs:
            base, failing = _p99(latencies[pair.base.name]), _p99(latencies[pair.failing.name])
            assert len(latencies[pair.failing.name]) == PER_COPY
            report.append(
                f"{pair.lang} attempt {attempt}: p99 {failing * 1000:.1f} ms"
                f" vs baseline {base * 1000:.1f} ms"
            )
            if failing <= base * 1.10:
                pending.discard(pair.lang)
        if not pending:
            break
    print(f"{what}: " + "; ".join(report))
    assert not pending, f"{what}: over 10 % in all {ATTEMPTS} attempts: " + "; ".join(report)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with Stack(tmp_path) as running:
        yield running


def _start(stack: Stack, built: Built, label: str, endpoint: str) -> list[Service]:
    env = service_env(endpoint)
    return [
        stack.service(f"go-{label}", built.front, env),
        stack.service(f"rust-{label}", built.back, env),
    ]


def _memory_bounded(services: list[Service], queue: int) -> None:
    """FAST_REQUESTS more spans per copy than the exporter can send; the resident memory
    stays under the queue's bound and barely grows in the second half, when the queue is
    full from the first."""
    start = {s.name: _rss(s) for s in services}
    _interleaved(services, FAST_REQUESTS // 2, 0)
    half = {s.name: _rss(s) for s in services}
    _interleaved(services, FAST_REQUESTS // 2, 0)
    for service in services:
        end = _rss(service)
        bound = start[service.name] + queue * BYTES_PER_QUEUED_SPAN + RUNTIME_SLACK
        mib = f"{start[service.name] >> 20} -> {half[service.name] >> 20} -> {end >> 20} MiB"
        print(f"{service.name}: RSS {mib}, bound {bound >> 20} MiB")
        assert end <= bound, f"{service.name}: RSS {mib} over {bound >> 20} MiB"
        assert end - half[service.name] <= RUNTIME_SLACK // 2, f"{service.name}: {mib}"


def _stop_within(services: list[Service], bound: float) -> None:
    for service in services:
        took = stop(service.proc, timeout=bound + 10)
        assert service.proc.returncode == 0, (service.name, service.log.read_text()[-2000:])
        assert took <= bound, f"{service.name}: shutdown took {took:.1f} s"
        print(f"{service.name}: SIGTERM to exit {took:.2f} s (bound {bound:.0f} s)")


def _recovered(services: list[Service], export: Path, since: int) -> None:
    """Keep sending (the queue may still be full of the backlog, and a full queue drops
    new spans, as it must) until spans started after `since` arrive from both services."""

    def arrived() -> bool:
        _interleaved(services, 1, 0)
        fresh = [s for s in exported_spans(export) if s.start >= since]
        return {s.service for s in fresh} >= {"front", "back"}

    wait_for(arrived, 90, "new spans from both services at the restarted collector")


def _backlog(export: Path, since: int) -> dict[str, int]:
    """Spans started before `since` that reached the restarted collector, per service,
    once the count has stopped moving (the collector's decision wait is 1 s)."""
    last: dict[str, int] = {}
    steady = 0
    deadline = time.monotonic() + 60
    while steady < 3 and time.monotonic() < deadline:
        counts: dict[str, int] = {}
        for span in exported_spans(export):
            if span.start < since:
                counts[span.service] = counts.get(span.service, 0) + 1
        steady = steady + 1 if counts == last else 0
        last = counts
        time.sleep(1.0)
    return last


def test_services_keep_serving_when_the_pipeline_fails(stack: Stack, built: Built) -> None:
    conv = load(CONVENTIONS)
    queue, batch = conv.export.max_queue_size, conv.export.max_export_batch_size
    shutdown_bound = conv.export.shutdown_timeout.ms / 1000 + 1.0
    healthy = stack.collector(built, "healthy")
    failing = stack.collector(built, "failing")
    blackhole = Blackhole()
    try:
        base = _start(stack, built, "base", healthy.otlp_http)
        down = _start(stack, built, "down", failing.otlp_http)
        hang = _start(stack, built, "hang", f"http://127.0.0.1:{blackhole.port}")
        _interleaved(base + down + hang, 20, 0)  # warm up: connections, first exports
        stop(failing.proc)  # the collector goes away

        _memory_bounded(down + hang, queue)
        # The queues are full now: what follows is timed on the path that drops spans.
        stopped = [
            Copies(lang, b, d) for lang, b, d in zip(("go", "rust"), base, down, strict=True)
        ]
        _latency_within_ten_percent(stopped, "collector stopped")
        hung = [Copies(lang, b, h) for lang, b, h in zip(("go", "rust"), base, hang, strict=True)]
        _latency_within_ten_percent(hung, "collector never answers")

        # Shutdown while the exporter hangs: within the conventions' bound.
        _stop_within(hang, shutdown_bound)

        # The collector comes back on the same ports: new traces arrive, and of the
        # thousands of spans made while it was away at most a queue and a batch do.
        if failing.export.exists():  # what reached it before it stopped
            failing.export.rename(failing.export.with_name("export-before-stop.json"))
        since = time.time_ns()
        back = stack.collector(built, "failing", ports=failing.ports)
        _recovered(down, back.export, since)
        backlog = _backlog(back.export, since)
        print(f"spans from before the collector returned: {backlog} (limit {queue + batch})")
        for service, count in backlog.items():
            assert count <= queue + batch, f"{service}: {count} queued spans delivered"

        # And shutdown with the collector stopped again (connections refused): a refused
        # export is not retried once shutdown has begun, so the exit is prompt.
        stop(back.proc)
        _interleaved(down, 5, 0)
        _stop_within(down, REFUSED_SHUTDOWN_S)
    finally:
        blackhole.close()
