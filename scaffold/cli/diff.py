"""`scaffold diff OLD NEW`: the thin CLI over scaffold.diff."""

from __future__ import annotations

from typing import Annotated

import typer

from scaffold.cli import ui
from scaffold.cli.core import JsonOpt
from scaffold.diff import ConventionsDiff, compare_files, next_version
from scaffold.diff.model import printable

_COLOURS = {"breaking": "red", "additive": "green", "cosmetic": "blue"}

SideArg = Annotated[
    str, typer.Argument(help="A conventions file, or git:REV:path (the file REV:path in git).")
]
VersionOpt = Annotated[
    str | None,
    typer.Option(
        "--current-version",
        help="Also print the next version after this one (MAJOR.MINOR.PATCH).",
    ),
]


def _line(value: int | None) -> str:
    return "-" if value is None else str(value)


def _table(diff: ConventionsDiff, upcoming: str | None) -> None:
    if not diff.changes:
        ui.say(f"no change between {printable(diff.old_source)} and {printable(diff.new_source)}")
    else:
        ui.say(f"{'KIND':<9} {'OLD':>5} {'NEW':>5}  KEY: WHAT")
    for change in diff.changes:
        kind = ui.styled(f"{change.kind:<9}", _COLOURS[change.kind], bold=True)
        ui.say(
            f"{kind} {_line(change.old_line):>5} {_line(change.new_line):>5}  "
            f"{printable(change.key)}: {change.what}"
        )
        ui.say(f"{'':<23}{printable(change.detail)}")
    counts = ", ".join(f"{diff.count(k)} {k}" for k in ("breaking", "additive", "cosmetic"))
    step = f"; next version {upcoming}" if upcoming else ""
    ui.say(f"{counts}: semver step {diff.bump}{step}")


def diff(
    old: SideArg,
    new: SideArg,
    as_json: JsonOpt = False,
    current_version: VersionOpt = None,
) -> None:
    """Compare two conventions files and classify every change: breaking, additive or
    cosmetic, each with its line in the old and the new file. Exit 1 when any change is
    breaking (for CI on the conventions repository), 0 otherwise, 2 on bad input.

    Examples:
      scaffold diff old/observability.yaml observability.yaml
      scaffold diff git:HEAD~1:observability.yaml observability.yaml --json
      scaffold diff git:origin/main:observability.yaml observability.yaml --current-version 1.4.2
    """
    result = compare_files(old, new)
    upcoming = None if current_version is None else next_version(current_version, result.bump)
    if as_json:
        data = {**result.to_json(), "exit_code": 1 if result.breaking else 0}
        if upcoming:
            data["next_version"] = upcoming
        ui.emit_json(data)
    else:
        _table(result, upcoming)
    if result.breaking:
        raise typer.Exit(1)
