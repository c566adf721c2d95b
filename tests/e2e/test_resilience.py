"""The services keep serving when the pipeline fails: first with the collector stopped
(connections refused), then with a listener that accepts connections and never answers.

For each failure, the Go service (front) and the Rust service (back) each run twice: one
copy exporting to a healthy collector (the baseline) and one to the failing pipeline.
Requests to the four copies are interleaved, so a loaded machine slows baseline and
failure alike, and every request waits a fixed 200 ms in the handler (X-Delay-Ms), so
latency is dominated by what the service does, not by the machine's noise. Then:

- every answer is 200;
- the p99 latency of the failing copy is within 10 % of its baseline's, same run;
- after thousands of further requests the resident memory stays under a bound derived
  from the span queue's limit, and stops growing once the queue is full;
- SIGTERM ends the service within the conventions' shutdown timeout (plus a second for
  the process itself);
- when the stopped collector comes back on the same ports, new traces arrive.
"""

from __future__ import annotations

import http.client
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
PER_COPY = 400  # timed requests per service copy and failure mode
WORKERS = 16
FAST_REQUESTS = 3000  # untimed requests per copy for the memory check
# Resident bytes a queued span may take, generously (a server span with its ~15
# attributes is under 2 KiB in either SDK), and room for the runtime's own growth.
BYTES_PER_QUEUED_SPAN = 8 * 1024
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
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


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
    services = [s for p in pairs for s in (p.base, p.failing)]
    latencies = _interleaved(services, PER_COPY, DELAY_MS)
    report = []
    for pair in pairs:
        base, failing = _p99(latencies[pair.base.name]), _p99(latencies[pair.failing.name])
        report.append(f"{pair.lang}: p99 {failing * 1000:.1f} ms vs baseline {base * 1000:.1f} ms")
        assert len(latencies[pair.failing.name]) == PER_COPY
        assert failing <= base * 1.10, f"{what}: {report[-1]}"
    print(f"{what}: " + "; ".join(report))


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


def test_services_keep_serving_when_the_pipeline_fails(stack: Stack, built: Built) -> None:
    conv = load(CONVENTIONS)
    queue = conv.export.max_queue_size
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

        stopped = [
            Copies(lang, b, d) for lang, b, d in zip(("go", "rust"), base, down, strict=True)
        ]
        _latency_within_ten_percent(stopped, "collector stopped")
        hung = [Copies(lang, b, h) for lang, b, h in zip(("go", "rust"), base, hang, strict=True)]
        _latency_within_ten_percent(hung, "collector never answers")

        # Memory: thousands more spans than the queue holds, in both failure modes.
        start = {s.name: _rss(s) for s in down + hang}
        _interleaved(down + hang, FAST_REQUESTS // 2, 0)
        half = {s.name: _rss(s) for s in down + hang}
        _interleaved(down + hang, FAST_REQUESTS // 2, 0)
        for service in down + hang:
            end = _rss(service)
            bound = start[service.name] + queue * BYTES_PER_QUEUED_SPAN + RUNTIME_SLACK
            mib = f"{start[service.name] >> 20} -> {half[service.name] >> 20} -> {end >> 20} MiB"
            print(f"{service.name}: RSS {mib}, bound {bound >> 20} MiB")
            assert end <= bound, f"{service.name}: RSS {mib} over {bound >> 20} MiB"
            # The queue was full before the second half: little growth there.
            assert end - half[service.name] <= RUNTIME_SLACK // 2, f"{service.name}: {mib}"

        # Shutdown while the exporter hangs: within the conventions' bound.
        for service in hang:
            took = stop(service.proc, timeout=shutdown_bound + 10)
            assert service.proc.returncode == 0, (service.name, service.log.read_text()[-2000:])
            assert took <= shutdown_bound, f"{service.name}: shutdown took {took:.1f} s"
            print(f"{service.name}: SIGTERM to exit {took:.2f} s (bound {shutdown_bound:.0f} s)")

        # The collector comes back on the same ports: new traces arrive.
        back = stack.collector(built, "failing", ports=failing.ports)
        since = time.time_ns()
        _interleaved(down, 5, 0)

        def arrived() -> bool:
            fresh = [s for s in exported_spans(back.export) if s.start >= since]
            return {s.service for s in fresh} >= {"front", "back"}

        wait_for(arrived, 60, "new spans from both services at the restarted collector")

        # And shutdown with the collector stopped again (connections refused).
        stop(back.proc)
        _interleaved(down, 5, 0)
        for service in down:
            took = stop(service.proc, timeout=shutdown_bound + 10)
            assert service.proc.returncode == 0, (service.name, service.log.read_text()[-2000:])
            assert took <= shutdown_bound, f"{service.name}: shutdown took {took:.1f} s"
            print(f"{service.name}: SIGTERM to exit {took:.2f} s (bound {shutdown_bound:.0f} s)")
    finally:
        blackhole.close()
