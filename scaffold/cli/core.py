"""The commands that read and write conventions and create services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scaffold.cli import ui
from scaffold.conventions import FILE_NAME, load, locate
from scaffold.errors import UsageError
from scaffold.library.follow import service_library
from scaffold.services import LANGUAGES, ServiceResult, add_service, check_language, new_service
from scaffold.starter import StarterAnswers, schema_text, write_starter
from scaffold.sync.results import Status
from scaffold.targets.service_parts import parse_with

ConventionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--conventions",
        "-c",
        help="Conventions file. Default: observability.yaml here or in a parent, else the bundled default.",
        dir_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite generated files in the way.")]


def validate(
    file: Annotated[Path | None, typer.Argument(help="The file to check.", dir_okay=False)] = None,
    conventions: ConventionsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a conventions file and list every problem with file:line:column.

    Examples:
      scaffold validate
      scaffold validate conventions/observability.yaml --json
    """
    located = locate(file or conventions)
    ui.info(f"conventions: {located.describe()}")
    conv = load(located.path)  # a ConventionsError lists every problem (as JSON too)
    summary = {
        "ok": True,
        "file": str(located.path),
        "digest": conv.digest,
        "organisation": conv.organisation,
        "attributes": len(conv.attributes),
        "environments": list(conv.environments),
        "slos": len(conv.slos),
    }
    if as_json:
        ui.emit_json(summary)
    else:
        ui.say(
            f"{located.path}: valid ({len(conv.attributes)} attributes of your own, "
            f"{len(conv.environments)} environments, {len(conv.slos)} SLOs)"
        )


def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of observability.yaml, for editor completion.

    Examples:
      scaffold schema > observability.schema.json
    """
    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        ui.info(f"wrote {out}")


def init(
    directory: Annotated[str, typer.Option("--dir", help="Where to write it.")] = ".",
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Ask nothing; use defaults.")
    ] = False,
    org: Annotated[str | None, typer.Option("--org", help="Organisation name.")] = None,
    environments: Annotated[
        str | None,
        typer.Option(
            "--environments", help="Comma-separated, e.g. development,staging,production."
        ),
    ] = None,
    protocol: Annotated[
        str | None, typer.Option("--protocol", help="grpc or http/protobuf.")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Collector endpoint URL.")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write a starter observability.yaml (and its JSON Schema) to fill in.

    Asks on a terminal; with --defaults, or without a terminal, asks nothing.

    Examples:
      scaffold init
      scaffold init --defaults --org Acme --environments development,production
    """
    folder = ui.folder_arg(directory, "--dir")
    base = StarterAnswers()
    ask = not defaults and ui.interactive()
    if ask:
        org = org or ui.ask_text("Organisation name?", "--org", base.organisation)
        environments = environments or ui.ask_text(
            "Environments (comma-separated)?", "--environments", ",".join(base.environments)
        )
        protocol = protocol or ui.ask_choice(
            "OTLP protocol?", "--protocol", ["grpc", "http/protobuf"]
        )
        endpoint = endpoint or ui.ask_text("Collector endpoint?", "--endpoint", base.endpoint)
    answers = StarterAnswers(
        organisation=org or base.organisation,
        environments=(
            tuple(e.strip() for e in environments.split(",") if e.strip())
            if environments
            else base.environments
        ),
        protocol=protocol or base.protocol,
        endpoint=endpoint or base.endpoint,
    )
    for path in write_starter(folder, answers, force=force):
        ui.info(f"wrote {path}")
    ui.info("next: edit it, then `scaffold validate` and `scaffold new NAME --lang go`")


def service_json(outcome: ServiceResult) -> dict[str, Any]:
    """What `new` and `add` print with --json."""
    return {
        "service": outcome.options.service_name,
        "renamed_from": outcome.renamed_from,
        "lang": outcome.options.target,
        "dir": str(outcome.dest),
        "conventions": str(outcome.conventions.path),
        "result": outcome.result.to_json(),
        "edited": list(outcome.edited),
        "library": outcome.options.extra.get("library"),
        "notes": list(outcome.notes),
        **_wiring_json(outcome),
    }


def _wiring_json(outcome: ServiceResult) -> dict[str, Any]:
    wiring = outcome.wiring
    if wiring is None:
        return {}
    wired = bool(outcome.wired)
    return {
        "next_steps": [s.to_json() for s in wiring.steps if not (wired and s.wired)],
        "wired": list(outcome.wired),
        "wire_problem": wiring.problem,
        "wiring_notes": list(wiring.notes),
        "manual_edits_left": wiring.left(wired),
    }


def _say_next_steps(outcome: ServiceResult, dry: bool) -> None:
    """The edits left to make by hand, each with file, line, where and what."""
    wiring = outcome.wiring
    if wiring is None:
        return
    for rel in outcome.wired:
        ui.say(f"{outcome.dest / rel}: {'would wire' if dry else 'wired'} the instrumentation")
    wired = bool(outcome.wired)
    for step in wiring.steps if wired else ():
        if step.wired:
            ui.say(f"  {step.file}:{step.line} ({step.where}): {step.what.splitlines()[0]}")
    left = [s for s in wiring.steps if not (wired and s.wired)]
    if left:
        ui.say(f"next steps ({len(left)} edit(s) in your code):")
    for number, step in enumerate(left, 1):
        at = f"{step.file}:{step.line}" if step.line else step.file or "your code"
        what = step.what.replace("\n", "\n       ")
        mark = " [--wire]" if step.wired and not wired else ""
        ui.say(f"  {number}. {at} ({step.where}){mark}:\n       {what}")
    for note in wiring.notes:
        ui.say(f"note: {note}")
    if left and not wired and not wiring.problem:
        ui.say("`scaffold add --wire` makes the edits marked [--wire] for you")
    elif left and not wired:
        ui.say(f"(--wire cannot make them: {wiring.problem})")


def service_problem(outcome: ServiceResult) -> str:
    """Why `new` or `add` did not end with exit 0, for stderr."""
    result = outcome.result
    if result.status is Status.FAILED:
        error = result.error.removeprefix(f"{result.root}: ")  # the service is named once
        return f"{outcome.dest}: nothing written: {error}"
    if result.status is Status.REFUSED:
        listed = "\n".join(f"  {r.path}: {r.reason}" for r in result.refusals)
        return f"{outcome.dest}: not renamed; use --force to overwrite:\n{listed}"
    listed = "\n".join(f"  {c.path}: {c.conflicts} conflict(s)" for c in result.conflicts)
    return f"{outcome.dest}: conflicts left, resolve the markers:\n{listed}"


def _report(outcome: ServiceResult, as_json: bool, verb: str) -> ServiceResult:
    """Print the outcome for people (the CLI prints --json from what this returns)."""
    result = outcome.result
    if as_json:
        return outcome
    if result.diff:
        typer.echo(result.diff, nl=False)
    count = len(result.changes)
    dry = result.status is Status.WOULD_UPDATE
    if outcome.wire_only:
        _say_next_steps(outcome, dry)
        return outcome
    if outcome.renamed_from:
        if result.status in (Status.REFUSED, Status.FAILED):
            return outcome  # not renamed: service_problem says why, on stderr
        done = "would rename" if dry else "renamed"
        ui.say(
            f"{outcome.dest}: {done} {outcome.renamed_from} to {outcome.options.service_name} "
            f"({count} file(s) {'to change' if dry else 'changed'}, status {result.status})"
        )
        return outcome
    done = "would write" if dry else verb
    ui.say(
        f"{outcome.dest}: {done} {count} file(s) for {outcome.options.service_name} "
        f"({outcome.options.target})"
    )
    for name in outcome.edited:
        ui.say(f"{outcome.dest / name}: {'would add' if dry else 'added'} dependencies")
    for note in outcome.notes:
        ui.say(note)
    _say_next_steps(outcome, dry)
    return outcome


LibOpt = Annotated[
    str,
    typer.Option(
        "--lib",
        help="Depend on the organisation's library instead of vendoring the "
        "instrumentation: MODULE@VERSION (Go) or CRATE@VERSION (Rust).",
    ),
]
LibPathOpt = Annotated[
    str,
    typer.Option(
        "--lib-path",
        help="With --lib: build against the library in this local folder (a go.mod "
        "replace directive, or a Cargo path dependency).",
    ),
]


def _library_arg(lang: str, dest: Path, lib: str, lib_path: str) -> dict[str, str] | None:
    """What `--lib` and `--lib-path` say, checked (None without --lib)."""
    if lib_path and not lib:
        raise UsageError("--lib-path needs --lib NAME (the library's module path or crate name)")
    if not lib:
        return None
    folder = ui.folder_arg(lib_path, "--lib-path") if lib_path else None
    return service_library(check_language(lang), dest, lib, folder)


def new(
    name: Annotated[str | None, typer.Argument(help="Service name, e.g. payments.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", "-l", help="go or rust.")] = None,
    directory: Annotated[
        str | None, typer.Option("--dir", help="Where to create it. Default: ./NAME.")
    ] = None,
    module: Annotated[
        str, typer.Option("--module", help="Go module path. Default: the service name.")
    ] = "",
    conventions: ConventionsOpt = None,
    force: ForceOpt = False,
    dry_run: DryRunOpt = False,
    lib: LibOpt = "",
    lib_path: LibPathOpt = "",
    as_json: JsonOpt = False,
) -> ServiceResult:
    """Create a runnable service whose instrumentation follows the conventions.

    With --lib the service depends on the organisation's library (`scaffold lib`) and
    gets only its own files (main, handlers or routes, go.mod or Cargo.toml).

    Examples:
      scaffold new payments --lang go --module example.com/acme/payments
      scaffold new checkout --lang rust --dir services/checkout
      scaffold new orders --lang go --lib example.com/acme/telemetry@v1.2.0
      scaffold new orders --lang rust --lib acme-telemetry --lib-path ../telemetry-rust
    """
    name = name or ui.ask_text("Service name?", "NAME (scaffold new NAME --lang go)")
    lang = lang or ui.ask_choice("Language?", "--lang", LANGUAGES)
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    dest = Path(name) if directory is None else ui.folder_arg(directory, "--dir")
    library = _library_arg(lang, dest, lib, lib_path)
    outcome = new_service(
        name=name,
        lang=lang,
        dest=dest,
        conventions=located,
        module_path=module,
        force=force,
        dry_run=dry_run,
        library=library,
    )
    return _report(outcome, as_json, "created")


WireOpt = Annotated[
    bool,
    typer.Option(
        "--wire",
        help=(
            "Also make the edits in your main that connect it (Go: Setup, handler, slog; "
            "Rust: layers() in your subscriber, the router's layer, shutdown)."
        ),
    ),
]
WithOpt = Annotated[
    str,
    typer.Option(
        "--with",
        help="Parts besides those your code uses (grpc, sql, messaging; comma-separated; "
        "Go: from its imports, Rust: from Cargo.toml). On a scaffold service: add them now.",
    ),
]


def add(
    lang: Annotated[str | None, typer.Option("--lang", "-l", help="go or rust.")] = None,
    directory: Annotated[str, typer.Option("--dir", help="The existing module or crate.")] = ".",
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="Service name. Default: the package name in Cargo.toml, or the module "
            "path's last element in go.mod (skipping /vN, and generic ones such as server "
            "or go: github.com/acme/orders/server/v2 gives orders). "
            "On a scaffold service: rename it.",
        ),
    ] = "",
    conventions: ConventionsOpt = None,
    force: ForceOpt = False,
    dry_run: DryRunOpt = False,
    wire: WireOpt = False,
    with_parts: WithOpt = "",
    lib: LibOpt = "",
    lib_path: LibPathOpt = "",
    as_json: JsonOpt = False,
) -> ServiceResult:
    """Add the generated instrumentation to an existing Go module or Rust crate.

    go.mod and go.sum (or Cargo.toml) get what the generated code needs, in the same
    all-or-nothing write; the edits left in your code are listed (file, line, what), and
    --wire makes them for the common shapes. On a scaffold service: --name renames it,
    --with grpc,sql,messaging adds parts. --lib: depend on the organisation's library
    (`scaffold lib`) with only a small glue file.

    Examples:
      scaffold add --lang go
      scaffold add --lang go --wire
      scaffold add --lang rust --dir services/checkout --dry-run
      scaffold add --lang go --name orders-api
      scaffold add --lang go --lib example.com/acme/telemetry --lib-path ../telemetry-go
    """
    lang = lang or ui.ask_choice("Language?", "--lang", LANGUAGES)
    dest = ui.folder_arg(directory, "--dir")
    library = _library_arg(lang, dest, lib, lib_path)
    located = locate(conventions, start=dest)
    ui.info(f"conventions: {located.describe()}")
    outcome = add_service(
        lang=lang,
        dest=dest,
        conventions=located,
        name=name,
        force=force,
        dry_run=dry_run,
        wire=wire,
        parts=parse_with(with_parts),
        library=library,
    )
    return _report(outcome, as_json, "added")


__all__ = ["FILE_NAME", "add", "init", "new", "schema", "validate"]
