"""The alerts target's view: Prometheus rule groups and their promtool unit tests.

Three rule files: RED recording rules per service and route from the HTTP server
duration histogram; per SLO the bad-request ratio over every burn-rate window and the
multi-window, multi-burn-rate alerts (page and ticket); and the collector's own health.
The unit tests are built from the same data, so each alert is proven to fire on its
condition and to stay silent on a healthy series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.render.filters import go_template_text, slug
from scaffold.render.options import RenderOptions
from scaffold.targets import pipeline_metrics as pm
from scaffold.targets.alerts_rpc import RPC_EVAL, rpc_expr_cases, rpc_rules, rpc_series
from scaffold.targets.alerts_sloth import left_out, sloth_specs
from scaffold.targets.alerts_tests import SLO_EVAL, pipeline_tests, slo_tests, threshold_tests
from scaffold.targets.shared import neutral_view


@dataclass(frozen=True)
class Rule:
    name: str
    expr: str
    alert: bool = False
    for_: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    # Annotations as Prometheus reads them (Go template syntax made literal) and as shown.
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Group:
    name: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class PipelineAlert:
    name: str
    expr: str
    summary: str
    # The labels the alert carries besides severity (the `by` clause).
    by: tuple[str, ...]
    # For the unit test: the series that make it fire (name, labels, values when firing,
    # values when healthy); a counter's values start at 0 and grow.
    series: tuple[tuple[str, tuple[tuple[str, str], ...], str, str], ...]


SLO_ALERT = "SLOErrorBudgetBurn"


def _annotations(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, go_template_text(v)) for k, v in pairs)


def red_group(metric: str) -> Group:
    by = pm.RED_BY
    count, bucket = f"{metric}_count", f"{metric}_bucket"
    rules = [
        Rule(f"job_route:{metric}:requests_rate5m", f"sum by ({by}) (rate({count}[5m]))"),
        Rule(
            f"job_route:{metric}:errors_rate5m",
            f'sum by ({by}) (rate({count}{{{pm.STATUS}=~"5.."}}[5m]))',
        ),
        Rule(
            f"job_route:{metric}:error_ratio_rate5m",
            f"job_route:{metric}:errors_rate5m / job_route:{metric}:requests_rate5m",
        ),
    ]
    for q in ("0.5", "0.95", "0.99"):
        rules.append(
            Rule(
                f"job_route:{metric}:p{q[2:].ljust(2, '0')}_5m",
                f"histogram_quantile({q}, sum by ({by}, le) (rate({bucket}[5m])))",
            )
        )
    return Group("red-http-server", tuple(rules))


def rpc_group(metric: str) -> Group:
    return Group("red-rpc-server", tuple(Rule(name, expr) for name, expr in rpc_rules(metric)))


def slo_annotations(slo: pm.SloView, severity: str) -> tuple[tuple[str, str], ...]:
    what = (
        f"requests slower than {slo.threshold_ms} ms"
        if slo.kind == "latency"
        else "failed requests (5xx)"
    )
    lead = slo.description.strip()
    if lead and lead[-1] not in ".!?":
        lead += "."
    return (
        ("summary", f"SLO {slo.name} is burning its error budget ({severity})"),
        (
            "description",
            f"{lead} Objective {pm.number(slo.objective * 100)}% over "
            f"{slo.window}; the share of {what} spends the error budget too fast.",
        ),
    )


def slo_group(slo: pm.SloView, metric: str) -> Group:
    rules = [
        Rule(
            f"{pm.SLI_RECORD}{w}",
            pm.sli_expr(slo, metric, w),
            labels=(("slo", slo.name),),
        )
        for w in pm.WINDOWS
    ]
    for severity, pairs in pm.BURN_ALERTS:
        rules.append(
            Rule(
                SLO_ALERT,
                pm.burn_expr(slo, pairs),
                alert=True,
                labels=(("severity", severity), ("slo", slo.name)),
                annotations=_annotations(*slo_annotations(slo, severity)),
            )
        )
    return Group(f"slo-{slo.name}", tuple(rules))


def pipeline_alerts() -> tuple[PipelineAlert, ...]:
    def rate(name: str, by: str) -> str:
        return pm.counter_alert(name, f"job, instance, {by}", "5m")

    inst = (("instance", "otelcol:8888"), ("job", "otelcol"))
    exporter = (*inst, ("exporter", "otlp_grpc/backend"))
    return (
        PipelineAlert(
            "OtelcolExporterQueueNearlyFull",
            "max by (job, instance, exporter) (otelcol_exporter_queue_size)"
            " / max by (job, instance, exporter) (otelcol_exporter_queue_capacity) > 0.8",
            "An exporter's sending queue is over 80% full; data will be dropped.",
            ("exporter", "instance", "job"),
            (
                ("otelcol_exporter_queue_size", exporter, "900x30", "100x30"),
                ("otelcol_exporter_queue_capacity", exporter, "1000x30", "1000x30"),
            ),
        ),
        PipelineAlert(
            "OtelcolExporterSendFailed",
            rate("otelcol_exporter_send_failed_", "exporter"),
            "An exporter fails to send data to its backend.",
            ("exporter", "instance", "job"),
            (("otelcol_exporter_send_failed_spans", exporter, "0+10x30", "0x30"),),
        ),
        PipelineAlert(
            "OtelcolExporterEnqueueFailed",
            rate("otelcol_exporter_enqueue_failed_", "exporter"),
            "An exporter's queue refuses data: it is full or its storage fails.",
            ("exporter", "instance", "job"),
            (("otelcol_exporter_enqueue_failed_log_records", exporter, "0+10x30", "0x30"),),
        ),
        PipelineAlert(
            "OtelcolReceiverRefused",
            rate("otelcol_receiver_refused_", "receiver"),
            "A receiver refuses data sent to the collector.",
            ("instance", "job", "receiver"),
            (("otelcol_receiver_refused_spans", (*inst, ("receiver", "otlp")), "0+10x30", "0x30"),),
        ),
        PipelineAlert(
            "OtelcolMemoryLimiterRefusing",
            rate("otelcol_processor_memory_limiter_refused_", "processor"),
            "The memory limiter refuses data: the collector is near its memory limit.",
            ("instance", "job", "processor"),
            (
                (
                    "otelcol_processor_memory_limiter_refused_metric_points",
                    (*inst, ("processor", "memory_limiter")),
                    "0+10x30",
                    "0x30",
                ),
            ),
        ),
    )


def pipeline_group(alerts: tuple[PipelineAlert, ...]) -> Group:
    return Group(
        "otelcol-pipeline-health",
        tuple(
            Rule(
                a.name,
                a.expr,
                alert=True,
                for_="5m",
                labels=(("severity", "ticket"),),
                annotations=_annotations(("summary", a.summary)),
            )
            for a in alerts
        ),
    )


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    shared = neutral_view(conv)
    metric = pm.prometheus_name(shared.metrics.http_server_duration)
    rpc = pm.prometheus_name(shared.metrics.rpc_server_duration)
    slos = pm.slo_views(conv)
    alerts = pipeline_alerts()
    return {
        "conv": shared,
        "metric": metric,
        "red": red_group(metric),
        "rpc_metric": rpc,
        "rpc": rpc_group(rpc),
        "rpc_series": rpc_series(rpc),
        "rpc_cases": rpc_expr_cases(rpc),
        "rpc_eval": RPC_EVAL,
        "slo_groups": tuple(slo_group(s, metric) for s in slos),
        "slo_unreachable": tuple((s.name, pm.unreachable(s)) for s in slos if pm.unreachable(s)),
        "pipeline": pipeline_group(alerts),
        "slo_tests": (
            *slo_tests(slos, metric, SLO_ALERT, slo_annotations),
            *threshold_tests(slos, metric, SLO_ALERT, slo_annotations),
        ),
        "slo_eval": SLO_EVAL,
        "pipeline_tests": pipeline_tests(alerts),
        "sloth_specs": sloth_specs(slos, metric),
        "sloth_left_out": left_out(slos),
        "service_slug": slug(shared.organisation),
    }
