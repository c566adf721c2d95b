"""Metric rules: name, unit and instrument against the conventions' instruments,
attributes that are not low-cardinality, and series over the cardinality limit."""

from __future__ import annotations

import re

from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import Attributes, Metric
from scaffold.verify.rules_attributes import check_attributes

# Instrument key in the conventions -> names OpenTelemetry has used for it.
SEMCONV_NAMES = {
    "http_server_duration": ("http.server.request.duration", "http.server.duration"),
    "http_client_duration": ("http.client.request.duration", "http.client.duration"),
    "rpc_server_duration": ("rpc.server.call.duration", "rpc.server.duration"),
    "db_duration": ("db.client.operation.duration",),
}
HISTOGRAMS = ("histogram", "exponential_histogram")
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
MAX_TRACKED_METRICS = 10_000
# Services, metric names and messages longer than this are checked but not remembered, so
# what is remembered stays small whatever a client sends.
MAX_KEY_CHARS = 1024


def _short(key: tuple[str, ...]) -> bool:
    return all(len(part) <= MAX_KEY_CHARS for part in key)


class MetricRules:
    """Keeps the distinct series of each metric, up to the limit plus one."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        m = ctx.conv.metrics
        self.configured = {
            "http_server_duration": m.http_server_duration,
            "http_client_duration": m.http_client_duration,
            "rpc_server_duration": m.rpc_server_duration,
            "db_duration": m.db_duration,
        }
        self.by_name = {name: key for key, name in self.configured.items()}
        self.series: dict[tuple[str, str], set[int]] = {}
        self.over: set[tuple[str, str]] = set()
        self.reported: set[tuple[str, str, str, str]] = set()

    def check(self, metric: Metric, input_name: str) -> None:
        where = Where(
            "metric", service=metric.resource.service, metric=metric.name, input=input_name
        )
        start = len(self.ctx.found)
        self._shape(metric, where)
        for point in metric.points:
            check_attributes(self.ctx, point, where, "metric")
            self._cardinality(point, where)
            self._count(metric, point, where)
        self._once(start)

    def _once(self, start: int) -> None:
        """Each problem of a metric is reported once, not once per data point or export."""
        fresh = []
        for finding in self.ctx.found[start:]:
            key = (finding.where.service, finding.where.metric, finding.rule, finding.message)
            if key not in self.reported:
                if len(self.reported) < MAX_TRACKED_METRICS * 4 and _short(key):
                    self.reported.add(key)
                fresh.append(finding)
        self.ctx.found[start:] = fresh

    def _shape(self, metric: Metric, where: Where) -> None:
        ctx, key = self.ctx, self.by_name.get(metric.name)
        if key is not None:
            line = ctx.lines.at("metrics", "instruments", key)
            if metric.unit != "s":
                ctx.add(
                    Level.VIOLATION,
                    "metric.unit",
                    f"unit is {metric.unit or 'empty'!r}; {metric.name} is in seconds ('s')",
                    where,
                    line,
                )
            if metric.instrument and metric.instrument not in HISTOGRAMS:
                ctx.add(
                    Level.VIOLATION,
                    "metric.instrument",
                    f"is a {metric.instrument}; {metric.name} is a histogram",
                    where,
                    line,
                )
            return
        for key, names in SEMCONV_NAMES.items():
            if metric.name in names:
                ctx.add(
                    Level.VIOLATION,
                    "metric.name",
                    f"the conventions name this instrument {self.configured[key]!r}",
                    where,
                    ctx.lines.at("metrics", "instruments", key),
                )
                return
        if not NAME.match(metric.name):
            ctx.add(
                Level.IMPROVEMENT,
                "metric.name",
                "metric names are lower-case, dotted words (such as app.cart.checkouts)",
                where,
                ctx.lines.at("metrics", "instruments"),
            )
        elif metric.name.endswith(".duration") and metric.unit == "ms":
            ctx.add(
                Level.IMPROVEMENT,
                "metric.unit",
                "durations are recorded in seconds ('s'), not 'ms'",
                where,
                ctx.lines.at("metrics", "instruments"),
            )

    def _cardinality(self, point: Attributes, where: Where) -> None:
        for key in point:
            attr = self.ctx.conv.registry.get(key)
            if attr is not None and attr.cardinality != "low":
                self.ctx.add(
                    Level.VIOLATION,
                    "metric.attribute.cardinality",
                    f"metric attribute {key} is {attr.cardinality}-cardinality; "
                    "only low-cardinality attributes may label metrics",
                    where,
                    self.ctx.lines.attribute(key),
                    key,
                )

    def _count(self, metric: Metric, point: Attributes, where: Where) -> None:
        ident = (metric.resource.service, metric.name)
        if ident in self.over:
            return
        known = self.series.get(ident)
        if known is None:
            tracked = len(self.series) + len(self.over)
            if tracked >= MAX_TRACKED_METRICS or not _short(ident):
                return
            known = self.series[ident] = set()
        known.add(hash(tuple(sorted((k, v.text()) for k, v in point.items()))))
        limit = self.ctx.conv.metrics.cardinality_limit
        if len(known) > limit:
            self.over.add(ident)
            del self.series[ident]
            self.ctx.add(
                Level.VIOLATION,
                "metric.series",
                f"more than {limit} distinct attribute sets (the cardinality limit)",
                where,
                self.ctx.lines.at("metrics", "cardinality_limit"),
            )
