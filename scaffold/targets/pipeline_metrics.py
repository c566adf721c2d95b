"""Metric names and SLO arithmetic shared by the alerts and dashboards targets.

The HTTP server duration histogram is named as Prometheus writes an OpenTelemetry
histogram in seconds (`http.server.request.duration` -> `http_server_request_duration_seconds`
with `_bucket`, `_count` and `_sum`), its attributes as labels (`http_route`,
`http_request_method`, `http_response_status_code`), the service as `job`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffold.conventions.model import Conventions, Slo
from scaffold.render.filters import promql_string

SERVICE = "job"
METHOD = "http_request_method"
ROUTE = "http_route"
STATUS = "http_response_status_code"
RED_BY = f"{SERVICE}, {METHOD}, {ROUTE}"
# (severity, ((long window, short window, burn factor), ...)): the multi-window,
# multi-burn-rate pairs: 2% of the budget in 1h or 5% in 6h pages; 10% in 1d or all in 3d
# opens a ticket.
BURN_ALERTS: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    ("page", (("1h", "5m", 14.4), ("6h", "30m", 6.0))),
    ("ticket", (("1d", "2h", 3.0), ("3d", "6h", 1.0))),
)
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
SLI_RECORD = "slo:sli_error:ratio_rate"
# The collector's own counters, one metric name per signal. Each is selected by its own
# name, with and without `_total` (the collector's Prometheus endpoint and an OTLP path to
# Prometheus name them differently): `rate()` drops the name, so a single `__name__=~`
# selector over several signals would yield one labelset twice and fail to evaluate.
SIGNAL_UNITS = ("spans", "metric_points", "log_records")


def prometheus_name(instrument: str) -> str:
    """The Prometheus name of an OpenTelemetry duration instrument in seconds."""
    base = re.sub(r"[^A-Za-z0-9_:]", "_", instrument)
    return base if base.endswith("_seconds") else base + "_seconds"


def counter_rate(name: str, unit: str, window: str, extra: str = "") -> str:
    """The per-second rate of one collector counter under both exposition names."""
    sel = f"{{{extra}}}" if extra else ""
    return f"(rate({name}{unit}_total{sel}[{window}]) or rate({name}{unit}{sel}[{window}]))"


def counter_alert(name: str, by: str, window: str) -> str:
    """True (per `by`) while any signal of the counter family increases."""
    return " or ".join(
        f"sum by ({by}) {counter_rate(name, unit, window)} > 0" for unit in SIGNAL_UNITS
    )


def counter_by_signal(name: str, by: str, window: str, extra: str = "") -> str:
    """The rate of a counter family per `by` and signal (a `signal` label per unit)."""
    parts = " or ".join(
        f'label_replace({counter_rate(name, unit, window, extra)}, "signal", "{unit}", "", "")'
        for unit in SIGNAL_UNITS
    )
    return f"sum by ({by}, signal) ({parts})"


def number(value: float) -> str:
    """A float as PromQL and Prometheus's `le` labels write it (no trailing zeros)."""
    text = f"{value:.6g}"
    if "e" in text:
        text = repr(float(text))
    return text


def le_matcher(bound: float) -> str:
    """An `le` regex matching a bucket bound as either Prometheus version writes it."""
    text = number(bound)
    pattern = re.escape(text) + ("0*" if "." in text else r"(\.0*)?")
    return "le=~" + promql_string(pattern)


@dataclass(frozen=True)
class SloView:
    name: str
    description: str
    objective: float
    window: str
    method: str
    route: str
    kind: str  # availability or latency
    # The bucket bound the latency SLO counts as fast (at or below the threshold).
    bound: float
    threshold_ms: int
    selector: str  # label matchers of the SLO's requests, without braces

    @property
    def budget(self) -> float:
        return 1.0 - self.objective


def _split_operation(operation: str) -> tuple[str, str]:
    method, sep, route = operation.partition(" ")
    if sep and method.isupper() and method.isalpha():
        return method, route
    return "", operation


def _bound(buckets: tuple[float, ...], threshold_s: float) -> float:
    below = [b for b in buckets if b <= threshold_s + 1e-12]
    return below[-1] if below else buckets[0]


def slo_views(conv: Conventions) -> tuple[SloView, ...]:
    return tuple(_slo(conv, s) for s in conv.slos)


def _slo(conv: Conventions, slo: Slo) -> SloView:
    method, route = _split_operation(slo.operation)
    matchers = [f"{ROUTE}={promql_string(route)}"]
    if method:
        matchers.insert(0, f"{METHOD}={promql_string(method)}")
    latency = slo.latency_threshold
    buckets = tuple(float(b) for b in conv.metrics.duration_buckets) or (0.5,)
    return SloView(
        name=slo.name,
        description=slo.description or f"SLO {slo.name}",
        objective=slo.objective,
        window=slo.window.text,
        method=method,
        route=route,
        kind="latency" if latency else "availability",
        bound=_bound(buckets, latency.seconds) if latency else 0.0,
        threshold_ms=latency.ms if latency else 0,
        selector=", ".join(matchers),
    )


def sli_expr(slo: SloView, metric: str, window: str) -> str:
    """The fraction of the SLO's requests that were bad over `window`."""
    total = f"sum(rate({metric}_count{{{slo.selector}}}[{window}]))"
    if slo.kind == "latency":
        fast = f"sum(rate({metric}_bucket{{{slo.selector}, {le_matcher(slo.bound)}}}[{window}]))"
        return f"1 - ({fast} / {total})"
    errors = f'sum(rate({metric}_count{{{slo.selector}, {STATUS}=~"5.."}}[{window}]))'
    return f"({errors} or vector(0)) / {total}"


def burn_threshold(slo: SloView, factor: float) -> str:
    return number(factor * slo.budget)


def burn_expr(slo: SloView, pairs: tuple[tuple[str, str, float], ...]) -> str:
    sel = f"{{slo={promql_string(slo.name)}}}"
    parts = []
    for long, short, factor in pairs:
        limit = burn_threshold(slo, factor)
        parts.append(f"({SLI_RECORD}{long}{sel} > {limit} and {SLI_RECORD}{short}{sel} > {limit})")
    return " or ".join(parts)


def can_fire(slo: SloView, pairs: tuple[tuple[str, str, float], ...]) -> bool:
    """Whether an all-bad series (ratio 1) crosses at least one pair's threshold."""
    return any(float(burn_threshold(slo, f)) < 1.0 for _, _, f in pairs)
