"""`expect.scopes`: the instrumentation scope and schema URLs exported spans and metrics
carry, read from the raw OTLP requests the receiver got.

A matcher names `items` (span and metric names); each must be exported, and every scope
that holds one of them must be the same scope (name, version, schema URL) and match the
matcher's `name`, `version`, `schema_url` and `resource_schema_url` (each a text, `"*"`,
or `{matches: regex}`; `{scaffold_version}` in a text is this scaffold's version)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from scaffold import __version__
from tests.behaviour.harness import Run
from tests.behaviour.table import Row

FIELDS = ("name", "version", "schema_url", "resource_schema_url")


@dataclass(frozen=True)
class Held:
    """Where one exported span or metric was: its scope and the schema URLs."""

    item: str
    name: str
    version: str
    schema_url: str
    resource_schema_url: str

    def identity(self) -> tuple[str, str, str]:
        return (self.name, self.version, self.schema_url)


def held_items(run: Run) -> list[Held]:
    out: list[Held] = []
    for kind, raw in run.seen.exports:
        if kind == "traces":
            traces = ExportTraceServiceRequest()
            traces.ParseFromString(raw)
            for rs in traces.resource_spans:
                for ss in rs.scope_spans:
                    s = ss.scope
                    for span in ss.spans:
                        out.append(Held(span.name, s.name, s.version, ss.schema_url, rs.schema_url))
        elif kind == "metrics":
            metrics = ExportMetricsServiceRequest()
            metrics.ParseFromString(raw)
            for rm in metrics.resource_metrics:
                for sm in rm.scope_metrics:
                    s = sm.scope
                    for metric in sm.metrics:
                        out.append(
                            Held(metric.name, s.name, s.version, sm.schema_url, rm.schema_url)
                        )
    return out


def _want(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("{scaffold_version}", __version__)
    return value


def _ok(want: Any, got: str) -> bool:
    if want == "*":
        return got != ""
    if isinstance(want, dict):
        return re.search(str(want["matches"]), got) is not None
    return got == str(want)


def check_scopes(row: Row, run: Run) -> list[str]:
    matchers = row.expect.get("scopes", [])
    if not matchers:
        return []
    held = held_items(run)
    problems: list[str] = []
    for i, m in enumerate(matchers):
        where = f"scopes[{i}]"
        found = [h for h in held if h.item in m["items"]]
        missing = sorted(set(m["items"]) - {h.item for h in found})
        if missing:
            problems.append(f"{where}: not exported: {missing}")
        identities = sorted({h.identity() for h in found})
        if len(identities) > 1:
            problems.append(f"{where}: {len(identities)} scopes, want one: {identities}")
        for h in found:
            bad = [
                f"{f}={getattr(h, f)!r} (want {_want(m[f])!r})"
                for f in FIELDS
                if f in m and not _ok(_want(m[f]), getattr(h, f))
            ]
            if bad:
                problems.append(f"{where}: {h.item!r}: {'; '.join(bad)}")
    return problems[:12]
