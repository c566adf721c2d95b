"""`scaffold update` and `scaffold check`: the thin CLI over scaffold.sync."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from scaffold.cli import ui
from scaffold.errors import UsageError
from scaffold.sync import ApplyResult, CheckReport, Status, UpdateReport
from scaffold.sync.owner import MAX_WAIT_S
from scaffold.update import (
    Progress,
    Recovered,
    check_services,
    recover_services,
    update_services,
)

PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Services, or folders holding them (a monorepo). Default: here."),
]
ConventionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--conventions",
        "-c",
        help="Use this conventions file for every service (recorded in each lock). "
        "Default: the file each service's lock names.",
        dir_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        max=MAX_WAIT_S,
        help="When another scaffold is changing a service, wait up to SECONDS for it "
        "(default: stop at once with exit 2, naming it).",
    ),
]

_BAR_WIDTH = 24


LibVersionOpt = Annotated[
    str,
    typer.Option(
        "--lib-version",
        help="Services that depend on the organisation's library (new --lib): the version "
        "to move to (update) or to be at (check). Default: the version of the library "
        "folder they were created with (--lib-path), if any.",
    ),
]


def _progress(enabled: bool) -> Progress | None:
    """A one-line text progress bar on stderr, only when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None

    def draw(done: int, total: int, root: Path) -> None:
        filled = _BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        name = _show(root)[-40:]
        end = "\n" if done == total else ""
        typer.echo(f"\r[{bar}] {done}/{total} {name:<40}{end}", err=True, nl=False)

    return draw


def _show(root: Path) -> str:
    try:
        rel = os.path.relpath(root)
    except ValueError:
        return str(root)
    return str(root) if rel.startswith("..") else rel


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _summary(report: UpdateReport) -> str:
    rows = [("SERVICE", "STATUS", "CHANGED", "MERGED", "CONFLICTS")]
    for r in report.services:
        rows.append(
            (
                _show(r.root),
                str(r.status),
                str(r.files_changed),
                str(r.merged),
                str(len(r.conflicts)),
            )
        )
    return _table(rows)


def _details(result: ApplyResult) -> list[str]:
    name = _show(result.root)
    out: list[str] = []  # a failure is told on stderr (update_problem)
    for refusal in result.refusals:
        # A refusal that ends in "kept" stands even with --force (the file is not ours).
        hint = "" if refusal.reason.endswith("; kept") else " (use --force to overwrite)"
        out.append(f"{name}/{refusal.path}: {refusal.reason}; not updated{hint}")
    for change in result.conflicts:
        out.append(f"{name}/{change.path}: {change.conflicts} conflict(s), resolve the markers")
    return out


def _paths(paths: list[str] | None) -> list[Path]:
    return [ui.folder_arg(p, "PATH") for p in paths] if paths else [Path(".")]


def update(
    paths: PathsArg = None,
    conventions: ConventionsOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the unified diff; change nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite hand edits in generated files.")
    ] = False,
    as_json: JsonOpt = False,
    wait: WaitOpt = 0.0,
    lib_version: LibVersionOpt = "",
) -> UpdateReport:
    """Re-render every service under PATHS from its conventions, keeping hand-written code.

    Generated files are rewritten, user-owned files are three-way merged (conflicts leave
    markers and exit 1), files the conventions no longer produce are deleted. Each service
    is updated all or nothing. A hand edit in a generated file stops that service (the
    diff is shown) unless --force.

    Examples:
      scaffold update
      scaffold update services/ --dry-run
      scaffold update services/payments --conventions platform/observability.yaml
    """
    report = update_services(
        _paths(paths),
        conventions=conventions,
        force=force,
        dry_run=dry_run,
        progress=_progress(not as_json),
        wait=wait,
        lib_version=lib_version,
    )
    if not as_json:
        _print_update(report)
    return report


def _print_update(report: UpdateReport) -> None:
    for result in report.services:
        if result.diff:
            what = (
                "hand edits that --force would overwrite"
                if result.status is Status.REFUSED
                else "what the update would change"
            )
            ui.say(f"==> {_show(result.root)}: {what}")
            typer.echo(result.diff, nl=False)
    ui.say(_summary(report))
    for result in report.services:
        for line in _details(result):
            ui.say(line)
    for root, note in report.notes:
        ui.say(f"{_show(root)}/{note}")
    if not report.changed:
        ui.say("nothing to do: every service is up to date")


def _failed_line(result: ApplyResult) -> str:
    error = result.error.removeprefix(f"{result.root}: ")  # the service is named once
    return f"  {_show(result.root)}: {error}"


def update_problem(report: UpdateReport) -> str:
    """Why `update` did not end with exit 0, for stderr."""
    counts = {s: report.count(s) for s in Status}
    parts = []
    if counts[Status.FAILED]:
        failed = [_failed_line(r) for r in report.services if r.status is Status.FAILED]
        parts.append(
            f"{counts[Status.FAILED]} service(s) failed, nothing changed in them:\n"
            + "\n".join(failed)
        )
    if counts[Status.REFUSED]:
        parts.append(f"{counts[Status.REFUSED]} service(s) refused (hand edits in generated files)")
    if counts[Status.CONFLICTS]:
        files = sum(len(r.conflicts) for r in report.services)
        parts.append(f"{files} file(s) with conflicts in {counts[Status.CONFLICTS]} service(s)")
    return "; ".join(parts)


def check(
    paths: PathsArg = None,
    conventions: ConventionsOpt = None,
    as_json: JsonOpt = False,
    lib_version: LibVersionOpt = "",
) -> CheckReport:
    """Fail (exit 1) when any service under PATHS differs from a fresh render; for CI.

    Renders in memory, writes nothing, and names each stale or hand-edited file and why
    (conventions changed, tool upgraded, edited by hand).

    Examples:
      scaffold check
      scaffold check services/ --json
    """
    report = check_services(
        _paths(paths),
        conventions=conventions,
        progress=_progress(not as_json),
        lib_version=lib_version,
    )
    if not as_json:
        for result in report.services:
            name = _show(result.root)
            for drift in result.drift:
                ui.say(f"{name}/{drift.path}: {drift.reason}")
        if report.in_sync and not report.failed:
            ui.say(f"{len(report.services)} service(s) in sync")
    return report


def check_problem(report: CheckReport) -> str:
    """Why `check` did not end with exit 0, for stderr."""
    stale = [r for r in report.services if r.drift]
    files = sum(len(r.drift) for r in stale)
    failed = sum(1 for r in report.services if r.error)
    parts = []
    if failed:
        lines = [
            f"  {_show(r.root)}: {r.error.removeprefix(f'{r.root}: ')}"
            for r in report.services
            if r.error
        ]
        parts.append(f"{failed} service(s) could not be checked:\n" + "\n".join(lines))
    if stale:
        parts.append(
            f"{files} file(s) out of sync in {len(stale)} service(s); run `scaffold update`"
        )
    return "; ".join(parts)


def recover(
    paths: PathsArg = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust-journal",
            help="Act on a journal this run cannot prove it may act on (written on another "
            "machine or before a restart, or by a pid that runs again); inspect it first.",
        ),
    ] = False,
    discard: Annotated[
        bool,
        typer.Option(
            "--discard",
            help="Remove the journal without acting on it; every file stays as it is.",
        ),
    ] = False,
) -> int:
    """Undo (or finish) what a killed or crashed scaffold left in each service under PATHS.

    Takes each service's lock (a lock left by a dead process, or written on another
    machine, is taken over) and plays an interrupted update's journal back (or forward when
    it had reached its commit point). Safe to run at any time: on a clean service it
    changes nothing.

    It acts on a journal only when it was written on this machine, since its last start, by
    a process that is gone. Any other journal (another host, a committed .scaffold/, an
    edited or planted one) is left alone with exit 2: inspect it, then give --trust-journal
    to act on it, or --discard to remove it. Backups are put back, and created files
    removed, only when they hold exactly what the journal recorded. Temporary and backup
    files (.NAME.ID.scaffold-tmp|bak) that no journal names are never touched: they are
    listed for you to judge.

    Examples:
      scaffold recover
      scaffold recover services/ --wait 30
      scaffold recover services/payments --discard
    """
    if trust and discard:
        raise UsageError("--trust-journal and --discard: give one of them (or neither)")
    done = recover_services(_paths(paths), wait=wait, trust=trust, discard=discard)
    code = 2 if any(r.error for r in done) else 0
    if as_json:
        ui.emit_json({"exit_code": code, "services": [_recovered_json(r) for r in done]})
    else:
        for result in done:
            ui.say(f"{_show(result.root)}: {result.done or 'nothing to recover'}")
            for rel in result.left:
                ui.say(
                    f"{_show(result.root)}/{rel}: left alone: no journal of a scaffold run "
                    "names it (or it does not hold what one recorded); look at it, and "
                    "delete it if you do not need it"
                )
    for result in done:
        if result.error:
            ui.error(result.error)
    return code


def _recovered_json(result: Recovered) -> dict[str, object]:
    return {
        "root": str(result.root),
        "recovered": result.done,
        "left_alone": list(result.left),
        "error": result.error,
    }
