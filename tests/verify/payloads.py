"""OTLP payloads built in tests: JSON as the collector writes it, and the same payload as
protobuf (through protobuf's own JSON parser, with ids turned from hex into bytes)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from scaffold.verify import Finding, open_verifier, verify_files
from tests.conftest import DEFAULT_CONVENTIONS

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT_SPAN = "00f067aa0ba902b7"
CHILD_SPAN = "00f067aa0ba902b8"
HASHED = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
Doc = dict[str, Any]


def value(v: object) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [value(x) for x in v]}}
    return {"stringValue": str(v)}


def attrs(**kw: object) -> list[dict[str, Any]]:
    """Attributes from keyword arguments; `__` in a name stands for a dot."""
    return [{"key": k.replace("__", "."), "value": value(v)} for k, v in kw.items()]


def resource_attrs(service: str = "payments", **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "service.name": service,
        "service.version": "1.2.3",
        "deployment.environment.name": "production",
        "service.namespace": "acme",
        "acme.team": "payments",
        "service.instance.id": "pod-1",
        "telemetry.sdk.name": "opentelemetry",
        "telemetry.sdk.language": "go",
        "telemetry.sdk.version": "1.40.0",
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def _resource(res: dict[str, object]) -> dict[str, Any]:
    return {"attributes": [{"key": k, "value": value(v)} for k, v in res.items()]}


def span(
    name: str = "GET /users/{id}",
    kind: int = 2,
    span_id: str = ROOT_SPAN,
    parent: str = "",
    trace: str = TRACE,
    **kw: object,
) -> dict[str, Any]:
    attributes = kw.pop("attributes", None)
    if attributes is None:
        attributes = attrs(
            http__request__method="GET",
            http__route="/users/{id}",
            url__path="/users/42",
            url__scheme="https",
        )
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "attributes": attributes,
    }
    if parent:
        out["parentSpanId"] = parent
    out.update(kw)
    return out


def traces(*spans: dict[str, Any], res: dict[str, object] | None = None) -> Doc:
    return {
        "resourceSpans": [
            {
                "resource": _resource(res if res is not None else resource_attrs()),
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


def logs(*records: dict[str, Any], res: dict[str, object] | None = None) -> Doc:
    return {
        "resourceLogs": [
            {
                "resource": _resource(res if res is not None else resource_attrs()),
                "scopeLogs": [{"scope": {"name": "test"}, "logRecords": list(records)}],
            }
        ]
    }


def log(body: object = "hello", **kw: object) -> dict[str, Any]:
    out: dict[str, Any] = {"timeUnixNano": "1700000000000000000", "body": value(body)}
    out.update(kw)
    return out


def metric(
    name: str, unit: str = "s", kind: str = "histogram", points: int = 1, **kw: object
) -> Doc:
    point_attrs = kw.pop("attributes", None)
    data_points = []
    for i in range(points):
        one: dict[str, Any] = {
            "attributes": point_attrs if point_attrs is not None else attrs(n=i),
            "timeUnixNano": "1700000000000000000",
        }
        if kind == "histogram":
            one.update({"count": "1", "sum": 0.1, "bucketCounts": ["1"], "explicitBounds": []})
        else:
            one["asDouble"] = 1.0
        data_points.append(one)
    body: dict[str, Any] = {"dataPoints": data_points}
    if kind != "gauge":
        body["aggregationTemporality"] = 2
    return {"name": name, "unit": unit, kind: body}


def metrics(*items: Doc, res: dict[str, object] | None = None) -> Doc:
    return {
        "resourceMetrics": [
            {
                "resource": _resource(res if res is not None else resource_attrs()),
                "scopeMetrics": [{"scope": {"name": "test"}, "metrics": list(items)}],
            }
        ]
    }


_IDS = ("traceId", "spanId", "parentSpanId")


def _ids_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (base64.b64encode(bytes.fromhex(v)).decode() if k in _IDS else _ids_to_base64(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_ids_to_base64(x) for x in node]
    return node


def signal_of(doc: Doc) -> str:
    if "resourceSpans" in doc:
        return "traces"
    return "logs" if "resourceLogs" in doc else "metrics"


def to_proto(doc: Doc) -> bytes:
    """The same export request as protobuf bytes."""
    message = {
        "traces": ExportTraceServiceRequest,
        "logs": ExportLogsServiceRequest,
        "metrics": ExportMetricsServiceRequest,
    }[signal_of(doc)]()
    json_format.ParseDict(_ids_to_base64(copy.deepcopy(doc)), message)
    return message.SerializeToString()


def write(tmp: Path, docs: list[Doc], fmt: str) -> list[Path]:
    """Write requests as JSON lines (one file), or as the collector's length-prefixed
    protobuf (one file per signal)."""
    if fmt == "json":
        path = tmp / "export.json"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        return [path]
    paths: dict[str, Path] = {}
    for doc in docs:
        signal = signal_of(doc)
        path = paths.setdefault(signal, tmp / f"{signal}.pb")
        data = to_proto(doc)
        with path.open("ab") as out:
            out.write(len(data).to_bytes(4, "big") + data)
    return list(paths.values())


def findings(tmp: Path, docs: list[Doc], fmt: str) -> list[Finding]:
    verifier = open_verifier(DEFAULT_CONVENTIONS)
    return list(verify_files(verifier, write(tmp, docs, fmt)))


def rules(found: list[Finding]) -> set[str]:
    return {f.rule for f in found}
