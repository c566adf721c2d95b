"""`scaffold lib`: the organisation's instrumentation as one versioned library."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scaffold.cli import ui
from scaffold.cli.core import ConventionsOpt, DryRunOpt, JsonOpt
from scaffold.conventions import Located, locate
from scaffold.library.build import LibraryResult, build_library
from scaffold.library.lock import recorded_conventions

RegistryOpt = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="Rust: the registry the crate may be published to (Cargo.toml publish). "
        "Default: as last time; none at first.",
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="CI: write nothing; exit 1 when the library is not what its conventions "
        "(and this scaffold) render, naming the version it would become.",
    ),
]
LibForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite generated files edited by hand.")
]


@dataclass(frozen=True)
class LibCheck:
    """`lib --check`: the dry run's result, judged (exit 1 when the library is stale)."""

    result: LibraryResult


def check_problem(outcome: LibraryResult) -> str:
    """Why `lib --check` failed, for stderr."""
    return (
        f"{outcome.dest}: the library is out of date: {len(outcome.written)} file(s) to "
        f"write, {len(outcome.deleted)} to delete, version {outcome.previous or 'none'} -> "
        f"{outcome.version} ({outcome.bump}); run `scaffold lib` there"
    )


def _conventions(given: Path | None, dest: Path) -> Located:
    """--conventions; else the file the library was last rendered from; else as usual."""
    if given is None and dest.is_dir():
        recorded = recorded_conventions(dest)
        if recorded is not None:
            return Located(recorded, "found")
    return locate(given)


def lib(
    lang: Annotated[str | None, typer.Option("--lang", "-l", help="go or rust.")] = None,
    module: Annotated[
        str, typer.Option("--module", help="Go: the library's module path (first render).")
    ] = "",
    name: Annotated[
        str, typer.Option("--name", help="Rust: the crate name. Default: ORG-telemetry.")
    ] = "",
    directory: Annotated[
        str | None,
        typer.Option(
            "--dir",
            help="The library's folder. Default: the module's last element " "or the crate name.",
        ),
    ] = None,
    registry: RegistryOpt = None,
    conventions: ConventionsOpt = None,
    force: LibForceOpt = False,
    dry_run: DryRunOpt = False,
    check: CheckOpt = False,
    as_json: JsonOpt = False,
) -> LibraryResult | LibCheck:
    """Render the instrumentation as one versioned library (Go module or Rust crate).

    The first render is version 1.0.0. Run it again in the same folder after the
    conventions change: the version step comes from the diff of the conventions the
    library's lock recorded and the new ones (breaking: major, additive: minor, cosmetic:
    patch), CHANGELOG.md gets an entry, and Go modules get their /vN path from v2 on.
    Services depend on it with `scaffold new NAME --lang go --lib MODULE@VERSION`.

    Examples:
      scaffold lib --lang go --module example.com/acme/telemetry --dir telemetry-go
      scaffold lib --lang rust --name acme-telemetry --dir telemetry-rust --registry internal
      scaffold lib --lang go --dir telemetry-go --dry-run
      scaffold lib --lang go --dir telemetry-go --check
    """
    lang = lang or ui.ask_choice("Language?", "--lang", ["go", "rust"])
    default = module.rstrip("/").rsplit("/", 1)[-1] if lang == "go" else name
    if directory is None and not default:
        directory = "."
    dest = ui.folder_arg(directory or default, "--dir")
    located = _conventions(conventions, dest)
    ui.info(f"conventions: {located.describe()}")
    outcome = build_library(
        lang=lang,
        dest=dest,
        conventions=located.path,
        name=module if lang == "go" else name,
        force=force,
        dry_run=dry_run or check,
        registry=registry,
    )
    if not as_json:
        _say(outcome)
    return LibCheck(outcome) if check else outcome


def _say(outcome: LibraryResult) -> None:
    done = "would write" if outcome.dry_run else "wrote"
    if outcome.bump == "none" and not outcome.written and not outcome.deleted:
        ui.say(f"{outcome.dest}: {outcome.name} {outcome.version} is up to date")
        return
    step = (
        "first version"
        if outcome.bump == "first"
        else f"{outcome.bump} step from {outcome.previous}"
    )
    ui.say(
        f"{outcome.dest}: {done} {len(outcome.written)} file(s), deleted "
        f"{len(outcome.deleted)}: {outcome.lang} library {outcome.name} {outcome.version} "
        f"({step})"
    )
    for change in outcome.changes:
        ui.say(f"  {change}")
    if outcome.tag:
        ui.say(f"next: commit, then tag {outcome.tag} (docs/library.md: publishing)")
    elif outcome.bump != "none":
        ui.say("next: commit, then cargo package and publish (docs/library.md: publishing)")


def library_json(outcome: LibraryResult) -> dict[str, Any]:
    """What `lib` prints with --json."""
    return {
        "dir": str(outcome.dest),
        "lang": outcome.lang,
        "name": outcome.name,
        "version": outcome.version,
        "previous": outcome.previous,
        "bump": outcome.bump,
        "tag": outcome.tag,
        "changes": list(outcome.changes),
        "written": list(outcome.written),
        "deleted": list(outcome.deleted),
        "dry_run": outcome.dry_run,
        "changelog_entry": outcome.entry,
    }
