"""promtool unit tests for the alerts target, built from the same data as the rules.

Each SLO gets a burning case (every request of one service bad: 5xx for availability,
slower than the threshold for latency, while a second service serving the same
operation stays healthy) in which its alerts fire for the burning service only, with
its `job` label, and a healthy case in which none does.
Threshold cases put a burst of bad requests just above and just below each window
pair's threshold (1.05x and 0.95x) for the pair's long window, and let a burst's short
window recover; the expected alerts come from the SRE workbook's table as written here,
not from the rules, so a wrong threshold or window fails them.
Each pipeline alert fires on its condition, for counters under both exposition names
(with and without `_total`) and with two signals of one component failing at once, and
stays silent when the condition is absent.

Every SLO case is evaluated once, at the end of its input (SLO_EVAL), and the SLO test
file's evaluation interval is that same span: promtool evaluates the rules at 0 and at
SLO_EVAL only instead of every hour of the 73 hours of input. The SLO alerts have no
`for`, so their state at SLO_EVAL depends on that evaluation alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scaffold.render.filters import promql_string
from scaffold.targets import pipeline_metrics as pm

Pairs = tuple[tuple[str, str], ...]
PIPELINE_EVAL = "15m"
SERVICE_JOB = "service"
# The burning case's two services: one burns its budget, the other serves the same
# operation healthily; only the first may alert.
BURNING_JOB = "burning-service"
HEALTHY_JOB = "healthy-service"


@dataclass(frozen=True)
class Series:
    series: str
    values: str


@dataclass(frozen=True)
class ExpectedAlert:
    labels: Pairs
    annotations: Pairs


@dataclass(frozen=True)
class AlertCase:
    name: str
    series: tuple[Series, ...]
    alertname: str
    eval_time: str
    expected: tuple[ExpectedAlert, ...]


def selector(name: str, labels: Sequence[tuple[str, str]]) -> str:
    inner = ", ".join(f"{k}={promql_string(v)}" for k, v in sorted(labels))
    return f"{name}{{{inner}}}"


def _request_labels(slo: pm.SloView, status: str, job: str = SERVICE_JOB) -> list[tuple[str, str]]:
    labels = [(pm.SERVICE, job), (pm.ROUTE, slo.route), (pm.STATUS, status)]
    if slo.method:
        labels.append((pm.METHOD, slo.method))
    return labels


def _slo_series(
    slo: pm.SloView, peers: Sequence[pm.SloView], metric: str, state: str, job: str
) -> tuple[Series, ...]:
    """`state`: errors (all 5xx, fast), slow (all 200, slower than every bound), healthy."""
    status = "500" if state == "errors" else "200"
    labels = _request_labels(slo, status, job)
    out = [Series(selector(f"{metric}_count", labels), SLO_VALUES)]
    bounds = sorted({p.bound for p in peers if p.kind == "latency"})
    fast = f"0+0x{SPAN}" if state == "slow" else SLO_VALUES
    for bound in bounds:
        le = [*labels, ("le", pm.number(bound))]
        out.append(Series(selector(f"{metric}_bucket", le), fast))
    out.append(Series(selector(f"{metric}_bucket", [*labels, ("le", "+Inf")]), SLO_VALUES))
    return tuple(out)


# The SRE workbook's window pairs, stated here apart from the rules they test:
# (severity, long window, short window in minutes, share of the error budget spent).
WORKBOOK = (
    ("page", 60, 5, 0.02),
    ("page", 360, 30, 0.05),
    ("ticket", 1440, 120, 0.10),
    ("ticket", 4320, 360, 0.10),
)
# Minutes of input for the threshold cases (the longest window and a margin; a multiple
# of the tests' evaluation interval, 1h); requests per minute. Per-minute counts are
# multiples of 1/256 and written exactly, so promtool's sums are exact: a segment that
# starts a hair below where the previous one ended would read as a counter reset.
SPAN = 4380
RATE = 10_000
STEP = 256
SLO_EVAL = f"{SPAN}m"
SLO_VALUES = f"0+60x{SPAN}"


@dataclass(frozen=True)
class Burst:
    """`ratio` of the requests bad for `length` minutes, then `recovered` healthy minutes
    up to the evaluation; healthy before."""

    ratio: float
    length: int
    recovered: int = 0

    def share(self, window: int) -> float:
        """The bad share over the last `window` minutes."""
        bad = max(0, min(window, self.recovered + self.length) - self.recovered)
        return self.ratio * bad / window


def workbook_threshold(slo: pm.SloView, long: int, share: float) -> float:
    return share * slo.window_minutes / long * slo.budget


def _fires(slo: pm.SloView, burst: Burst) -> set[str]:
    out = set()
    for severity, long, short, share in WORKBOOK:
        limit = workbook_threshold(slo, long, share)
        if burst.share(long) > limit and burst.share(short) > limit:
            out.add(severity)
    return out


def _counter(segments: Sequence[tuple[float, int]]) -> str:
    """promtool values of a counter growing at `rate` per minute for `minutes`, in turn."""
    parts, total = ["0"], 0.0
    for rate, minutes in segments:
        if minutes > 0:
            parts.append(f"{total + rate!r}+{rate!r}x{minutes - 1}")
            total += rate * minutes
    return " ".join(parts)


def _burst_series(
    slo: pm.SloView, peers: Sequence[pm.SloView], metric: str, burst: Burst
) -> tuple[Series, ...]:
    before = SPAN - burst.length - burst.recovered
    bad_rate = RATE * burst.ratio

    def grow(during: float, otherwise: float) -> str:
        return _counter([(otherwise, before), (during, burst.length), (otherwise, burst.recovered)])

    bounds = sorted({p.bound for p in peers if p.kind == "latency"})
    # (status, requests, fast requests) per minute during the burst and otherwise.
    streams: list[tuple[str, tuple[float, float], tuple[float, float]]]
    if slo.kind == "latency":
        streams = [("200", (RATE, RATE), (RATE - bad_rate, RATE))]
    else:
        streams = [
            ("500", (bad_rate, 0.0), (bad_rate, 0.0)),
            ("200", (RATE - bad_rate, RATE), (RATE - bad_rate, RATE)),
        ]
    out = []
    for status, count, fast in streams:
        labels = _request_labels(slo, status)
        out.append(Series(selector(f"{metric}_count", labels), grow(*count)))
        for bound in bounds:
            le = [*labels, ("le", pm.number(bound))]
            out.append(Series(selector(f"{metric}_bucket", le), grow(*fast)))
        inf = [*labels, ("le", "+Inf")]
        out.append(Series(selector(f"{metric}_bucket", inf), grow(*count)))
    return tuple(out)


def _exact(ratio: float) -> float:
    """`ratio` rounded so that RATE x ratio is a multiple of 1/STEP."""
    return round(ratio * RATE * STEP) / STEP / RATE


def _bursts(slo: pm.SloView) -> list[tuple[str, Burst]]:
    """Just above and just below each pair's threshold for its long window, and bursts
    whose short window has recovered while the long one is still over the threshold."""
    out = []
    for severity, long, short, share in WORKBOOK:
        limit = workbook_threshold(slo, long, share)
        for k in (1.05, 0.95):
            if k * limit < 1.0:
                what = f"{k}x the {severity} {long}m/{short}m threshold for {long}m"
                out.append((what, Burst(_exact(k * limit), long)))
        if severity == "page" and 1.5 * limit < 1.0:
            what = f"1.5x the {severity} {long}m/{short}m threshold, then {short + 10}m healthy"
            out.append((what, Burst(_exact(1.5 * limit), long, short + 10)))
    return out


def threshold_tests(
    slos: Sequence[pm.SloView],
    metric: str,
    alertname: str,
    annotations: Callable[[pm.SloView, str], Pairs],
) -> tuple[AlertCase, ...]:
    cases: list[AlertCase] = []
    for slo in slos:
        peers = [p for p in slos if p.selector == slo.selector]
        burning = [p for p in peers if p.kind == slo.kind]
        for what, burst in _bursts(slo):
            expected = tuple(
                ExpectedAlert(_alert_labels(p, severity, SERVICE_JOB), annotations(p, severity))
                for p in burning
                for severity, _ in pm.BURN_ALERTS
                if severity in _fires(p, burst)
            )
            series = _burst_series(slo, peers, metric, burst)
            cases.append(
                AlertCase(f"SLO {slo.name}: {what}", series, alertname, SLO_EVAL, expected)
            )
    return tuple(cases)


def _alert_labels(slo: pm.SloView, severity: str, job: str) -> Pairs:
    return ((pm.SERVICE, job), ("severity", severity), ("slo", slo.name))


def slo_tests(
    slos: Sequence[pm.SloView],
    metric: str,
    alertname: str,
    annotations: Callable[[pm.SloView, str], Pairs],
) -> tuple[AlertCase, ...]:
    cases: list[AlertCase] = []
    for slo in slos:
        peers = [p for p in slos if p.selector == slo.selector]
        state = "slow" if slo.kind == "latency" else "errors"
        firing = [p for p in peers if p.kind == slo.kind]
        expected = tuple(
            ExpectedAlert(_alert_labels(p, severity, BURNING_JOB), annotations(p, severity))
            for p in firing
            for severity, pairs in pm.BURN_ALERTS
            if pm.can_fire(p, pairs)
        )
        healthy = _slo_series(slo, peers, metric, "healthy", HEALTHY_JOB)
        cases.append(
            AlertCase(
                f"SLO {slo.name} burning in one service: its alerts fire for that service only",
                (*_slo_series(slo, peers, metric, state, BURNING_JOB), *healthy),
                alertname,
                SLO_EVAL,
                expected,
            )
        )
        cases.append(
            AlertCase(
                f"SLO {slo.name} healthy: no alert",
                (*_slo_series(slo, peers, metric, "healthy", BURNING_JOB), *healthy),
                alertname,
                SLO_EVAL,
                (),
            )
        )
    return tuple(cases)


def _variants(alert: Any) -> list[tuple[str, tuple[Series, ...]]]:
    def build(suffix: str, healthy: bool) -> tuple[Series, ...]:
        out = []
        for name, labels, firing, calm in alert.series:
            counter = firing.startswith("0+")
            full = name + (suffix if counter else "")
            out.append(Series(selector(full, labels), calm if healthy else firing))
        return tuple(out)

    counters = any(v.startswith("0+") for _, _, v, _ in alert.series)
    variants = [("fires", build("_total", False))]
    if counters:
        variants.append(("fires without _total", build("", False)))
        variants.append(("fires with two signals at once", _two_signals(alert.series)))
    variants.append(("healthy: silent", build("_total", True)))
    return variants


def _two_signals(series: Any) -> tuple[Series, ...]:
    """Every counter under its own signal and a second one: one exporter's spans and log
    records failing together (one with `_total`, one without)."""
    out = []
    for name, labels, firing, _ in series:
        out.append(Series(selector(name + "_total", labels), firing))
        if firing.startswith("0+"):
            unit = next(u for u in pm.SIGNAL_UNITS if name.endswith("_" + u))
            other = next(u for u in pm.SIGNAL_UNITS if u != unit)
            out.append(Series(selector(name[: -len(unit)] + other, labels), firing))
    return tuple(out)


def pipeline_tests(alerts: Sequence[Any]) -> tuple[AlertCase, ...]:
    cases: list[AlertCase] = []
    for alert in alerts:
        labels = dict(alert.series[0][1])
        exp_labels = (*((k, labels[k]) for k in alert.by), ("severity", "ticket"))
        expected = (ExpectedAlert(tuple(sorted(exp_labels)), (("summary", alert.summary),)),)
        for label, series in _variants(alert):
            cases.append(
                AlertCase(
                    f"{alert.name} {label}",
                    series,
                    alert.name,
                    PIPELINE_EVAL,
                    () if label.startswith("healthy") else expected,
                )
            )
    return tuple(cases)
