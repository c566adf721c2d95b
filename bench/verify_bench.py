"""Benchmark: `scaffold verify` over a file of N spans, next to parsing the same file alone.

Generates one OTLP traces file (default 100,000 spans; traces of 10 spans, 100 spans per
export request: a server root, internal children and an HTTP client call, with the
attributes the generated Go middleware sets) as the collector's file exporter writes it
(protobuf with a 4-byte length before each request, or JSON lines), then in one run:

- verify: `scaffold.verify` in-process, reading, decoding and checking every span
  (the `scaffold verify FILE` command minus interpreter start-up and printing);
- command: the `scaffold verify FILE --json` command as a process, start-up included;
- parse only: the same file read request by request and parsed with the
  `opentelemetry-proto` messages (protobuf), or with `json.loads` (JSON), nothing else;
- parse and read (protobuf): the same, plus reading every field verify looks at from
  the parsed messages (the protobuf runtime builds Python objects only on access).

Prints the median of `--rounds` runs (default 3) of each, spans per second, and the ratio
verify / parse. Not a test; nothing here asserts a time.

    .venv/bin/python bench/verify_bench.py                 # 100,000 spans, protobuf and JSON
    .venv/bin/python bench/verify_bench.py --spans 20000 --format proto
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceRequest,
)

from scaffold.verify import open_verifier, verify_files  # noqa: E402

CONVENTIONS = ROOT / "conventions" / "observability.yaml"
SPANS_PER_TRACE = 10
SPANS_PER_REQUEST = 100
RESOURCE = {
    "service.name": "payments",
    "service.version": "1.2.3",
    "deployment.environment.name": "prod",
    "service.namespace": "acme",
    "acme.team": "payments",
    "service.instance.id": "pod-1",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.language": "go",
    "telemetry.sdk.version": "1.40.0",
}


def _value(v: object) -> dict[str, Any]:
    if isinstance(v, int):
        return {"intValue": str(v)}
    return {"stringValue": str(v)}


def _attrs(d: dict[str, object]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in d.items()]


def _span(trace: int, index: int) -> dict[str, Any]:
    trace_id = f"{trace + 1:032x}"
    span_id = f"{trace * SPANS_PER_TRACE + index + 1:016x}"
    root_id = f"{trace * SPANS_PER_TRACE + 1:016x}"
    start = 1_700_000_000_000_000_000 + trace * 1_000_000
    common = {"traceId": trace_id, "spanId": span_id, "startTimeUnixNano": str(start)}
    common["endTimeUnixNano"] = str(start + 500_000)
    if index == 0:
        attrs: dict[str, object] = {
            "http.request.method": "GET",
            "http.route": "/users/{id}",
            "http.response.status_code": 200,
            "url.path": f"/users/{trace}",
            "url.scheme": "http",
            "server.address": "payments",
            "server.port": 8080,
            "client.address": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        }
        return {**common, "name": "GET /users/{id}", "kind": 2, "attributes": _attrs(attrs)}
    if index == SPANS_PER_TRACE - 1:
        attrs = {"http.request.method": "GET", "server.address": "stock", "server.port": 80}
        attrs["http.response.status_code"] = 200
        attrs["url.full"] = "0" * 64  # pii: hashed by the default conventions
        return {
            **common,
            "parentSpanId": root_id,
            "name": "GET",
            "kind": 3,
            "attributes": _attrs(attrs),
        }
    attrs = {"app.tenant.id": f"tenant-{trace % 50}", "app.plan": "team"}
    return {
        **common,
        "parentSpanId": root_id,
        "name": "load_user",
        "kind": 1,
        "attributes": _attrs(attrs),
    }


def request(first_span: int, count: int) -> dict[str, Any]:
    """One export request holding spans [first_span, first_span + count)."""
    spans = [
        _span(n // SPANS_PER_TRACE, n % SPANS_PER_TRACE)
        for n in range(first_span, first_span + count)
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs(dict(RESOURCE))},
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
            }
        ]
    }


def _to_proto(doc: dict[str, Any]) -> bytes:
    message = ExportTraceServiceRequest()
    group = message.resource_spans.add()
    for kv in doc["resourceSpans"][0]["resource"]["attributes"]:
        _set(group.resource.attributes.add(), kv)
    scope = group.scope_spans.add()
    scope.scope.name = "bench"
    for raw in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        span = scope.spans.add()
        span.trace_id = bytes.fromhex(raw["traceId"])
        span.span_id = bytes.fromhex(raw["spanId"])
        if "parentSpanId" in raw:
            span.parent_span_id = bytes.fromhex(raw["parentSpanId"])
        span.name, span.kind = raw["name"], raw["kind"]
        span.start_time_unix_nano = int(raw["startTimeUnixNano"])
        span.end_time_unix_nano = int(raw["endTimeUnixNano"])
        for kv in raw["attributes"]:
            _set(span.attributes.add(), kv)
    return bytes(message.SerializeToString())


def _set(target: Any, kv: dict[str, Any]) -> None:
    target.key = kv["key"]
    if "intValue" in kv["value"]:
        target.value.int_value = int(kv["value"]["intValue"])
    else:
        target.value.string_value = kv["value"]["stringValue"]


def write_spans(path: Path, spans: int, fmt: str) -> None:
    """Write `spans` spans to `path` as length-prefixed protobuf ("proto") or JSON lines."""
    with path.open("wb") as out:
        for first in range(0, spans, SPANS_PER_REQUEST):
            doc = request(first, min(SPANS_PER_REQUEST, spans - first))
            if fmt == "json":
                out.write(json.dumps(doc).encode() + b"\n")
            else:
                data = _to_proto(doc)
                out.write(len(data).to_bytes(4, "big") + data)


def parse_only(path: Path, fmt: str) -> int:
    """Parse every request of the file and nothing else; returns the spans parsed."""
    spans = 0
    with path.open("rb") as stream:
        if fmt == "json":
            for line in stream:
                doc = json.loads(line)
                spans += sum(len(s["spans"]) for r in doc["resourceSpans"] for s in r["scopeSpans"])
            return spans
        while prefix := stream.read(4):
            message = ExportTraceServiceRequest()
            message.ParseFromString(stream.read(int.from_bytes(prefix, "big")))
            spans += sum(len(s.spans) for r in message.resource_spans for s in r.scope_spans)
    return spans


def parse_and_read(path: Path) -> int:
    """Parse with opentelemetry-proto and read every field verify reads (ids, name, kind,
    each attribute's key and value): the floor for any Python code that looks at spans."""
    spans = 0
    with path.open("rb") as stream:
        while prefix := stream.read(4):
            message = ExportTraceServiceRequest()
            message.ParseFromString(stream.read(int.from_bytes(prefix, "big")))
            for group in message.resource_spans:
                for scope in group.scope_spans:
                    for span in scope.spans:
                        _ = (span.trace_id.hex(), span.span_id.hex(), span.name, span.kind)
                        for kv in span.attributes:
                            _ = (kv.key, kv.value.WhichOneof("value"))
                        spans += 1
    return spans


def verify_in_process(path: Path) -> tuple[int, int]:
    verifier = open_verifier(CONVENTIONS)
    found = sum(1 for _ in verify_files(verifier, [path]))
    return verifier.summary.spans, found


def verify_command(path: Path) -> None:
    command = [sys.executable, "-m", "scaffold", "verify", "-c", str(CONVENTIONS), str(path)]
    proc = subprocess.run([*command, "--json"], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"scaffold verify exited {proc.returncode}: {proc.stderr}{proc.stdout}")


def _timed(label: str, spans: int, rounds: int, fn: Any, *args: Any) -> float:
    """Run `fn` `rounds` times; print and return the median seconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    spread = f"{min(times):.2f}-{max(times):.2f}"
    print(f"  {label:<34} {median:8.2f} s ({spread})  {spans / median:>10,.0f} spans/s")
    return median


def run(spans: int, fmt: str, folder: Path, rounds: int) -> None:
    path = folder / f"traces-{spans}.{'json' if fmt == 'json' else 'pb'}"
    write_spans(path, spans, fmt)
    size = path.stat().st_size / 1e6
    print(f"{fmt}: {spans:,} spans, {size:.1f} MB ({path.name}); median of {rounds} (min-max)")
    checked, found = verify_in_process(path)
    if checked != spans or found:
        raise SystemExit(f"expected {spans} clean spans, verified {checked} with {found} findings")
    parser = "opentelemetry-proto parse only" if fmt == "proto" else "json.loads only"
    parse = _timed(parser, spans, rounds, parse_only, path, fmt)
    read = 0.0
    if fmt == "proto":
        read = _timed("parse and read every field", spans, rounds, parse_and_read, path)
    verify = _timed("scaffold.verify in-process", spans, rounds, verify_in_process, path)
    command = _timed("scaffold verify (command)", spans, rounds, verify_command, path)
    print(f"  ratio verify / parse: {verify / parse:.1f}x; command / parse: {command / parse:.1f}x")
    if read:
        print(f"  ratio verify / parse and read every field: {verify / read:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--format", choices=["proto", "json", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    formats = ["proto", "json"] if args.format == "both" else [args.format]
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            run(args.spans, fmt, Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
