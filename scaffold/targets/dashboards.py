"""The dashboards target's view: Grafana dashboards for RED per service and route, the
SLOs, and the collector pipeline's health. The Prometheus datasource is a dashboard
variable (`${datasource}`), so one file works against any Prometheus-compatible backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.render.filters import promql_string, slug
from scaffold.render.options import RenderOptions
from scaffold.targets import pipeline_metrics as pm
from scaffold.targets.shared import neutral_view

RATE = "$__rate_interval"
# A panel before placement: title, unit, queries, description.
PanelSpec = tuple[str, str, tuple["Query", ...], str]


@dataclass(frozen=True)
class Query:
    ref: str
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    id: int
    title: str
    unit: str
    x: int
    y: int
    queries: tuple[Query, ...]
    w: int = 12
    h: int = 8
    description: str = ""


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    query: str  # a label_values(...) query; empty for the datasource variable


@dataclass(frozen=True)
class Dashboard:
    slug: str
    uid: str
    title: str
    tags: tuple[str, ...]
    variables: tuple[Variable, ...]
    panels: tuple[Panel, ...]


def _grid(specs: list[PanelSpec]) -> tuple[Panel, ...]:
    return tuple(
        Panel(i + 1, title, unit, (i % 2) * 12, (i // 2) * 8, queries, description=desc)
        for i, (title, unit, queries, desc) in enumerate(specs)
    )


def _burn_panel(slos: tuple[pm.SloView, ...]) -> PanelSpec:
    """Each SLO's 1h burn rate per service (1 spends the budget exactly in time)."""
    burn = tuple(
        Query(
            chr(ord("A") + i),
            f'{pm.SLI_RECORD}1h{{slo={promql_string(s.name)}, {pm.SERVICE}=~"$job"}}'
            f" / {pm.number(s.budget)}",
            "{{" + pm.SERVICE + "}} " + s.name,
        )
        for i, s in enumerate(slos[:26])
    )
    return ("SLO burn rate (1h)", "none", burn, "1 spends the error budget exactly in time.")


def red_dashboard(org: str, metric: str, slos: tuple[pm.SloView, ...]) -> Dashboard:
    sel = f'job=~"$job", {pm.ROUTE}=~"$route"'
    by = pm.RED_BY
    legend = "{{job}} {{" + pm.METHOD + "}} {{" + pm.ROUTE + "}}"
    count, bucket = f"{metric}_count", f"{metric}_bucket"
    specs: list[PanelSpec] = [
        (
            "Requests per second",
            "reqps",
            (Query("A", f"sum by ({by}) (rate({count}{{{sel}}}[{RATE}]))", legend),),
            "Rate: requests served, per service and route.",
        ),
        (
            "Error ratio (5xx)",
            "percentunit",
            (
                Query(
                    "A",
                    f'sum by ({by}) (rate({count}{{{sel}, {pm.STATUS}=~"5.."}}[{RATE}]))'
                    f" / sum by ({by}) (rate({count}{{{sel}}}[{RATE}]))",
                    legend,
                ),
            ),
            "Errors: the share of requests answered with a 5xx status.",
        ),
    ]
    latency = tuple(
        Query(
            ref,
            f"histogram_quantile({q}, sum by ({by}, le) (rate({bucket}{{{sel}}}[{RATE}])))",
            f"p{q[2:].ljust(2, '0')} {legend}",
        )
        for ref, q in (("A", "0.5"), ("B", "0.95"), ("C", "0.99"))
    )
    specs.append(("Duration p50 / p95 / p99", "s", latency, "Duration quantiles per route."))
    if slos:
        specs.append(_burn_panel(slos))
    variables = (
        Variable("datasource", "Data source", ""),
        Variable("job", "Service", f"label_values({count}, job)"),
        Variable("route", "Route", f'label_values({count}{{job=~"$job"}}, {pm.ROUTE})'),
    )
    return Dashboard(
        "red",
        f"{slug(org)[:30]}-red",
        f"{org}: RED per service and route",
        ("red", "http"),
        variables,
        _grid(specs),
    )


def _counter_panel(
    title: str, name: str, by: str, desc: str
) -> tuple[str, str, tuple[Query, ...], str]:
    expr = pm.counter_by_signal(name, by, RATE, 'job=~"$job"')
    return (title, "short", (Query("A", expr, "{{" + by + "}} {{signal}}"),), desc)


def _pipeline_panels() -> list[PanelSpec]:
    return [
        _counter_panel(
            "Accepted by receivers",
            "otelcol_receiver_accepted_",
            "receiver",
            "Items per second the receivers took in.",
        ),
        _counter_panel(
            "Refused by receivers",
            "otelcol_receiver_refused_",
            "receiver",
            "Items per second refused (often the memory limiter pushing back).",
        ),
        _counter_panel(
            "Sent by exporters",
            "otelcol_exporter_sent_",
            "exporter",
            "Items per second delivered to the backends.",
        ),
        _counter_panel(
            "Send failures",
            "otelcol_exporter_send_failed_",
            "exporter",
            "Items per second the backends did not take after retries.",
        ),
        _counter_panel(
            "Enqueue failures",
            "otelcol_exporter_enqueue_failed_",
            "exporter",
            "Items per second dropped because a sending queue was full.",
        ),
        _counter_panel(
            "Memory limiter refusals",
            "otelcol_processor_memory_limiter_refused_",
            "processor",
            "Items per second the memory limiter refused.",
        ),
        (
            "Sending queue fill",
            "percentunit",
            (
                Query(
                    "A",
                    'max by (exporter) (otelcol_exporter_queue_size{job=~"$job"})'
                    ' / max by (exporter) (otelcol_exporter_queue_capacity{job=~"$job"})',
                    "{{exporter}}",
                ),
            ),
            "Queue size against capacity; data is dropped at 100%.",
        ),
    ]


def pipeline_dashboard(org: str) -> Dashboard:
    variables = (
        Variable("datasource", "Data source", ""),
        Variable("job", "Collector job", "label_values(otelcol_exporter_queue_capacity, job)"),
    )
    return Dashboard(
        "pipeline",
        f"{slug(org)[:30]}-pipeline",
        f"{org}: collector pipeline health",
        ("otelcol", "pipeline"),
        variables,
        _grid(_pipeline_panels()),
    )


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    shared = neutral_view(conv)
    metric = pm.prometheus_name(shared.metrics.http_server_duration)
    org = shared.organisation
    return {
        "conv": shared,
        "dashboards": (red_dashboard(org, metric, pm.slo_views(conv)), pipeline_dashboard(org)),
    }
