"""promtool unit tests for the alerts target, built from the same data as the rules.

Each SLO gets a burning case (every request bad: 5xx for availability, slower than the
threshold for latency) in which its alerts fire, and a healthy case in which none does.
Each pipeline alert fires on its condition, for counters under both exposition names
(with and without `_total`) and with two signals of one component failing at once, and
stays silent when the condition is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scaffold.render.filters import promql_string
from scaffold.targets import pipeline_metrics as pm

Pairs = tuple[tuple[str, str], ...]
SLO_EVAL = "2h"
SLO_VALUES = "0+60x180"
PIPELINE_EVAL = "15m"
SERVICE_JOB = "service"


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


def _request_labels(slo: pm.SloView, status: str) -> list[tuple[str, str]]:
    labels = [("job", SERVICE_JOB), (pm.ROUTE, slo.route), (pm.STATUS, status)]
    if slo.method:
        labels.append((pm.METHOD, slo.method))
    return labels


def _slo_series(
    slo: pm.SloView, peers: Sequence[pm.SloView], metric: str, state: str
) -> tuple[Series, ...]:
    """`state`: errors (all 5xx, fast), slow (all 200, slower than every bound), healthy."""
    status = "500" if state == "errors" else "200"
    labels = _request_labels(slo, status)
    out = [Series(selector(f"{metric}_count", labels), SLO_VALUES)]
    bounds = sorted({p.bound for p in peers if p.kind == "latency"})
    fast = "0+0x180" if state == "slow" else SLO_VALUES
    for bound in bounds:
        le = [*labels, ("le", pm.number(bound))]
        out.append(Series(selector(f"{metric}_bucket", le), fast))
    out.append(Series(selector(f"{metric}_bucket", [*labels, ("le", "+Inf")]), SLO_VALUES))
    return tuple(out)


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
            ExpectedAlert((("severity", severity), ("slo", p.name)), annotations(p, severity))
            for p in firing
            for severity, pairs in pm.BURN_ALERTS
            if pm.can_fire(p, pairs)
        )
        cases.append(
            AlertCase(
                f"SLO {slo.name} burning: its alerts fire",
                _slo_series(slo, peers, metric, state),
                alertname,
                SLO_EVAL,
                expected,
            )
        )
        cases.append(
            AlertCase(
                f"SLO {slo.name} healthy: no alert",
                _slo_series(slo, peers, metric, "healthy"),
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
