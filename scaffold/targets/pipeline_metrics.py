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
# (severity, ((long window, short window, share of the error budget), ...)): the
# multi-window, multi-burn-rate pairs of the SRE workbook: spending 2% of the budget in
# 1h or 5% in 6h pages; 10% in 1d or 10% in 3d opens a ticket. The burn factor of a pair
# is share x SLO window / long window (14.4, 6, 3 and 1 for a 30d window; 13.44, 5.6, 2.8
# and 0.933 for 28d); the alert threshold on the bad-request ratio is factor x budget.
BURN_ALERTS: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    ("page", (("1h", "5m", 0.02), ("6h", "30m", 0.05))),
    ("ticket", (("1d", "2h", 0.10), ("3d", "6h", 0.10))),
)
WINDOW_MINUTES = {"5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320}
WINDOWS = tuple(WINDOW_MINUTES)
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
    window_minutes: float = 0.0

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
        window_minutes=slo.window.ms / 60_000,
    )


def sli_expr(slo: SloView, metric: str, window: str) -> str:
    """The fraction of the SLO's requests that were bad over `window`, per service: one
    service burning its budget alerts on its own, never averaged with the others."""
    by = f"sum by ({SERVICE})"
    total = f"{by} (rate({metric}_count{{{slo.selector}}}[{window}]))"
    if slo.kind == "latency":
        fast = f"{by} (rate({metric}_bucket{{{slo.selector}, {le_matcher(slo.bound)}}}[{window}]))"
        return f"1 - ({fast} / {total})"
    errors = f'{by} (rate({metric}_count{{{slo.selector}, {STATUS}=~"5.."}}[{window}]))'
    # A service without a 5xx has no error series: its ratio is 0, not absent.
    return f"({errors} or ({total} * 0)) / {total}"


def burn_factor(slo: SloView, long: str, share: float) -> float:
    """How many times faster than sustainable the budget burns when `share` of it is
    spent within the `long` window."""
    return share * slo.window_minutes / WINDOW_MINUTES[long]


def burn_threshold(slo: SloView, long: str, share: float) -> str:
    return number(burn_factor(slo, long, share) * slo.budget)


def burn_expr(slo: SloView, pairs: tuple[tuple[str, str, float], ...]) -> str:
    sel = f"{{slo={promql_string(slo.name)}}}"
    parts = []
    for long, short, share in pairs:
        limit = burn_threshold(slo, long, share)
        parts.append(f"({SLI_RECORD}{long}{sel} > {limit} and {SLI_RECORD}{short}{sel} > {limit})")
    return " or ".join(parts)


def unreachable(slo: SloView) -> tuple[str, ...]:
    """The window pairs whose threshold is a bad-request ratio of 1 or more: they cannot
    fire (a loose objective with a long SLO window)."""
    return tuple(
        f"{long}/{short} ({severity}, threshold {burn_threshold(slo, long, share)})"
        for severity, pairs in BURN_ALERTS
        for long, short, share in pairs
        if float(burn_threshold(slo, long, share)) >= 1.0
    )


def can_fire(slo: SloView, pairs: tuple[tuple[str, str, float], ...]) -> bool:
    """Whether an all-bad series (ratio 1) crosses at least one pair's threshold."""
    return any(float(burn_threshold(slo, long, share)) < 1.0 for long, _, share in pairs)
