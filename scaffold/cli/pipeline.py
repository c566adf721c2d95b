"""`scaffold collector`, `scaffold alerts`, `scaffold dashboards`: the pipeline artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scaffold.cli import ui
from scaffold.cli.core import ConventionsOpt, DryRunOpt, JsonOpt
from scaffold.conventions import locate
from scaffold.pipeline import PipelineResult, collector_options, write_pipeline

_VERBS = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def _out_opt(default: str) -> Any:
    return typer.Option("--out", "-o", help=f"Folder to write into. Default: {default}.")


def _run(
    target: str,
    out: Path,
    conventions: Path | None,
    dry_run: bool,
    as_json: bool,
    extra: dict[str, Any] | None = None,
) -> None:
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    result = write_pipeline(target, located.path, out, extra=extra, dry_run=dry_run)
    if as_json:
        ui.emit_json({**result.to_json(), "conventions": str(located.path)})
        return
    _report(result)


def _report(result: PipelineResult) -> None:
    for change in result.files:
        verb = _VERBS[change.status]
        if result.dry_run and change.status != "unchanged":
            verb = f"would be {verb}"
        ui.say(f"{verb}: {result.out / change.path}")
    done = "would change" if result.dry_run else "changed"
    ui.info(f"{result.target}: {len(result.changed)} of {len(result.files)} files {done}")


def collector(
    topology: Annotated[
        list[str] | None,
        typer.Option(
            "--topology",
            "-t",
            help="single, agent or gateway; repeat for several. "
            "Default: what the conventions' collector.topology deploys.",
        ),
    ] = None,
    out: Annotated[Path, _out_opt("collector")] = Path("collector"),
    zpages: Annotated[bool, typer.Option("--zpages", help="Add the zpages extension.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug-exporter", help="Add a debug exporter to every pipeline.")
    ] = False,
    file_export: Annotated[
        str,
        typer.Option("--file-export", help="Also write every signal as JSON lines to this path."),
    ] = "",
    gateway: Annotated[
        list[str] | None,
        typer.Option(
            "--gateway",
            help="host:port of a gateway for the agent's static resolver; repeatable. "
            "Default: DNS on the conventions' collector.gateway_endpoint.",
        ),
    ] = None,
    listen_address: Annotated[
        str,
        typer.Option(
            "--listen-address",
            help="Where the receivers, health check and metrics listen when "
            "OTELCOL_LISTEN_ADDRESS is unset. Default: localhost.",
        ),
    ] = "",
    conventions: ConventionsOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write OpenTelemetry Collector configs (otelcol-TOPOLOGY.yaml) and builder-config.yaml.

    Examples:
      scaffold collector --topology single --out deploy/collector
      scaffold collector -t agent -t gateway --zpages --dry-run
    """
    extra = collector_options(
        topology or (),
        zpages=zpages,
        debug=debug,
        file_export=file_export,
        gateways=gateway or (),
        listen_address=listen_address,
    )
    _run("collector", out, conventions, dry_run, as_json, extra)


def alerts(
    out: Annotated[Path, _out_opt("alerts")] = Path("alerts"),
    conventions: ConventionsOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write Prometheus rules (RED, SLO burn rates, pipeline health) and promtool tests.

    Examples:
      scaffold alerts --out deploy/prometheus
      promtool test rules deploy/prometheus/tests/*.yaml
    """
    _run("alerts", out, conventions, dry_run, as_json)


def dashboards(
    out: Annotated[Path, _out_opt("grafana")] = Path("grafana"),
    conventions: ConventionsOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write Grafana dashboards (RED per service and route, pipeline health) as JSON.

    Examples:
      scaffold dashboards --out deploy/grafana
    """
    _run("dashboards", out, conventions, dry_run, as_json)
