"""`scaffold verify`: the thin CLI over scaffold.verify (files, or a loopback listener)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from scaffold.cli import ui
from scaffold.cli.core import ConventionsOpt
from scaffold.conventions import locate
from scaffold.errors import UsageError
from scaffold.verify import (
    Finding,
    Level,
    Options,
    Summary,
    Verifier,
    open_verifier,
    verify_files,
)
from scaffold.verify.listener import Listener, parse_address

_COLOURS = {Level.VIOLATION: "red", Level.IMPROVEMENT: "yellow", Level.INFORMATION: "blue"}


class _Printer:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def findings(self, found: Iterable[Finding]) -> None:
        for finding in found:
            if self.as_json:
                typer.echo(json.dumps(finding.to_json(), sort_keys=True))
            else:
                label = ui.styled(finding.level.label, _COLOURS[finding.level], bold=True)
                typer.echo(label + finding.render()[len(finding.level.label) :])

    def summary(self, summary: Summary, fail_on: Level) -> None:
        data = summary.to_json(fail_on)
        if self.as_json:
            typer.echo(json.dumps(data, sort_keys=True))
            return
        counts = ", ".join(f"{n} {level}" for level, n in data["findings"].items())
        typer.echo(
            f"checked {summary.spans} spans, {summary.logs} log records, "
            f"{summary.metric_points} metric points: {counts}"
        )
        coverage = data.get("coverage")
        if coverage:
            seen, never = coverage["attributes_seen"], coverage["attributes_never_seen"]
            typer.echo(f"registry attributes seen: {len(seen)}/{len(seen) + len(never)}")
            if never:
                typer.echo(f"  never seen: {', '.join(never)}")
            rules, unused = coverage["naming_rules_seen"], coverage["naming_rules_never_seen"]
            typer.echo(f"naming rules seen: {len(rules)}/{len(rules) + len(unused)}")
            if unused:
                typer.echo(f"  never seen: {', '.join(unused)}")
        verdict = "FAIL" if data["failed"] else "ok"
        typer.echo(f"verdict: {verdict} (--fail-on {fail_on.label})")


def _level(text: str) -> Level:
    try:
        return Level.parse(text)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from exc


def _listen(
    verifier: Verifier,
    address: str,
    printer: _Printer,
    *,
    allow_remote: bool,
    count: int | None,
    duration: float | None,
) -> None:
    listener = Listener(
        verifier, printer.findings, parse_address(address), allow_remote=allow_remote, count=count
    )
    host, port = listener.start()
    shown = f"[{host}]" if ":" in host else host
    ui.info(f"listening for OTLP/HTTP on http://{shown}:{port} (/v1/traces, /v1/metrics, /v1/logs)")
    previous = {
        sig: signal.signal(sig, lambda *_: listener.stop())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        listener.wait(duration)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()


FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(help="OTLP files: JSON (lines or one document) or protobuf."),
]
ListenOpt = Annotated[
    str | None, typer.Option("--listen", help="Receive OTLP/HTTP on HOST:PORT instead of files.")
]
RemoteOpt = Annotated[
    bool, typer.Option("--allow-remote", help="Allow --listen on a non-loopback address.")
]
DurationOpt = Annotated[
    float | None, typer.Option("--duration", help="With --listen: stop after this many seconds.")
]
CountOpt = Annotated[
    int | None,
    typer.Option(
        "--count", help="With --listen: stop after this many spans, log records and metric points."
    ),
]
FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on", help="Exit 1 on a finding at or above: violation, improvement, information."
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="One JSON object per finding, then a summary object.")
]
SignalOpt = Annotated[
    str | None,
    typer.Option(
        "--signal", help="traces, metrics or logs, for protobuf files whose name does not say."
    ),
]
StageOpt = Annotated[
    str,
    typer.Option(
        "--stage", help="Privacy actions to expect: sdk (from services) or collector (after it)."
    ),
]
OrphanWaitOpt = Annotated[
    float,
    typer.Option(
        "--orphan-wait",
        help="With --listen: seconds a trace may be idle before orphans are judged.",
    ),
]


def _check_flags(files: list[Path] | None, listen: str | None, stage: str, sig: str | None) -> None:
    if stage not in ("sdk", "collector"):
        raise UsageError(f"--stage {stage!r}: use sdk or collector")
    if sig not in (None, "traces", "metrics", "logs"):
        raise UsageError(f"--signal {sig!r}: use traces, metrics or logs")
    if bool(files) == bool(listen):
        raise UsageError("give OTLP files to read, or --listen HOST:PORT (not both)")


def verify(
    files: FilesArg = None,
    conventions: ConventionsOpt = None,
    listen: ListenOpt = None,
    allow_remote: RemoteOpt = False,
    duration: DurationOpt = None,
    count: CountOpt = None,
    fail_on: FailOnOpt = "violation",
    as_json: JsonOpt = False,
    signal_name: SignalOpt = None,
    stage: StageOpt = "sdk",
    orphan_wait: OrphanWaitOpt = 30.0,
) -> None:
    """Check telemetry against the conventions: every finding names the service, the span,
    log record or metric, the rule and the conventions line it comes from.

    Examples:
      scaffold verify traces.json metrics.json --fail-on improvement
      scaffold verify export.pb --signal traces --json
      scaffold verify --listen 127.0.0.1:4318 --duration 60
    """
    level = _level(fail_on)
    _check_flags(files, listen, stage, signal_name)
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    printer = _Printer(as_json)
    verifier = open_verifier(located.path, Options(stage=stage, orphan_wait=orphan_wait))
    if listen:
        _listen(
            verifier, listen, printer, allow_remote=allow_remote, count=count, duration=duration
        )
    else:
        printer.findings(verify_files(verifier, files or [], signal_name))
    printer.summary(verifier.summary, level)
    if verifier.summary.failed(level):
        raise typer.Exit(1)
