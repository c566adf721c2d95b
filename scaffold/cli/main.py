"""The `scaffold` command: registers every command and maps errors to exit codes, once."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import typer

from scaffold import __version__
from scaffold.cli import core, diff, docs, library, output, pipeline, sync, ui, verify
from scaffold.errors import ScaffoldError, explain_os_error
from scaffold.library.build import LibraryResult
from scaffold.services import ServiceResult
from scaffold.sync import CheckReport, Status, UpdateReport

HELP = """\
Render OpenTelemetry instrumentation for Go and Rust services from one conventions
file (observability.yaml), and keep every service in sync when it changes.

\b
Examples:
  scaffold init                                 write a starter observability.yaml
  scaffold validate                             check it (file:line:column for every problem)
  scaffold schema > observability.schema.json   the JSON Schema, for editors
  scaffold new payments --lang go               a runnable Go service, instrumented
  scaffold new checkout --lang rust             a runnable Rust (axum) service
  scaffold add --lang go                        instrument an existing Go module
  scaffold lib --lang go --module PATH          one versioned library for every service
  scaffold update services/                     every service follows the conventions
  scaffold check services/ --json               CI: exit 1 on drift, naming each file
  scaffold verify traces.json --fail-on violation   check exported telemetry
  scaffold recover services/                    undo what a killed update left behind
  scaffold diff git:HEAD~1:observability.yaml observability.yaml   CI: exit 1 if breaking
  scaffold collector --topology single          collector config and builder manifest
  scaffold alerts                               Prometheus rules and promtool tests
  scaffold dashboards                           Grafana dashboards
  scaffold docs serve                           the searchable glossary on 127.0.0.1

\b
Exit codes: 0 ok, 1 a check failed (drift, conflicts), 2 bad input (nothing changed;
the message names the file or argument and the fix), 3 done, but the result could not
be written to standard output (a full disk, a closed pipe; stderr says what was done).
Standard output closed (>&-): exit 2, nothing done. Every command, --json or not.
"""

app = typer.Typer(
    name="scaffold",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _examples_kept(doc: str) -> str:
    """Keep the Examples block of a docstring as written (click rewraps paragraphs)."""
    return doc.replace("\n    Examples:", "\n    \b\n    Examples:")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Render and sync OpenTelemetry instrumentation from observability.yaml."""


COMMANDS = (
    (core.init, "Write a starter observability.yaml: scaffold init --defaults"),
    (core.validate, "Check conventions: scaffold validate [FILE] [--json]"),
    (core.schema, "Print the JSON Schema: scaffold schema > s.json"),
    (core.new, "Create a service: scaffold new NAME --lang go|rust"),
    (core.add, "Instrument a module/crate: scaffold add --lang go"),
    (library.lib, "Versioned library: scaffold lib --lang go --module PATH"),
    (sync.update, "Follow the conventions: scaffold update [PATH...]"),
    (sync.check, "CI drift check: scaffold check [PATH...] --json"),
    (verify.verify, "Check telemetry: scaffold verify FILE... | --listen 127.0.0.1:4318"),
    (sync.recover, "Undo a killed update: scaffold recover [PATH...]"),
    (diff.diff, "Classify conventions changes: scaffold diff OLD NEW [--json]"),
    (pipeline.collector, "Collector configs: scaffold collector --topology single"),
    (pipeline.alerts, "Prometheus rules and tests: scaffold alerts --out DIR"),
    (pipeline.dashboards, "Grafana dashboards: scaffold dashboards --out DIR"),
)
for command, short in COMMANDS:
    app.command(help=_examples_kept(command.__doc__ or ""), short_help=short)(command)
DOCS_HELP = """Glossary and conventions docs: Markdown and a searchable offline HTML site.

\b
Examples:
  scaffold docs build --out site/
  scaffold docs serve --port 8000
  scaffold docs update-markdown README.md --check
"""
app.add_typer(
    docs.docs_app,
    name="docs",
    help=DOCS_HELP,
    short_help="Glossary docs: scaffold docs build|serve",
)


def _status_code(statuses: set[Status]) -> int:
    if Status.FAILED in statuses:
        return 2
    if statuses & {Status.CONFLICTS, Status.REFUSED}:
        return 1
    return 0


def exit_code(outcome: object) -> int:
    """The one mapping of results and errors to exit codes: 0 ok; 1 a check failed (drift,
    conflicts, hand edits refused); 2 bad input (the error names the file and the fix)."""
    if isinstance(outcome, ScaffoldError):
        return outcome.exit_code
    if isinstance(outcome, int) and not isinstance(outcome, bool):
        return outcome  # a command that ended with typer.Exit(code)
    if isinstance(outcome, UpdateReport):
        return _status_code({s.status for s in outcome.services})
    if isinstance(outcome, CheckReport):
        return 2 if outcome.failed else 0 if outcome.in_sync else 1
    if isinstance(outcome, ServiceResult):
        return _status_code({outcome.result.status})
    if isinstance(outcome, library.LibCheck):
        return 1 if outcome.result.stale else 0
    return 0


def _problem(outcome: object) -> str:
    if isinstance(outcome, UpdateReport):
        return sync.update_problem(outcome)
    if isinstance(outcome, CheckReport):
        return sync.check_problem(outcome)
    if isinstance(outcome, ServiceResult):
        return core.service_problem(outcome)
    if isinstance(outcome, library.LibCheck):
        return library.check_problem(outcome.result)
    return ""


def _result_json(outcome: object, code: int) -> dict[str, Any] | None:
    if isinstance(outcome, UpdateReport | CheckReport):
        return {"exit_code": code, "services": [r.to_json() for r in outcome.services]}
    if isinstance(outcome, ServiceResult):
        return {**core.service_json(outcome), "exit_code": code}
    if isinstance(outcome, LibraryResult):
        return {**library.library_json(outcome), "exit_code": code}
    if isinstance(outcome, library.LibCheck):
        return {**library.library_json(outcome.result), "exit_code": code}
    return None


def _error(message: str, code: int, as_json: bool, extra: dict[str, Any] | None = None) -> int:
    if as_json:
        with contextlib.suppress(OSError):
            ui.emit_json({"ok": False, "error": message, "exit_code": code, **(extra or {})})
    with contextlib.suppress(OSError):
        ui.error(message)
    return code


def _finish(outcome: object, as_json: bool) -> int:
    """Print what a command returned (its JSON, or its problem on stderr) and map its code."""
    code = exit_code(outcome)
    problem = _problem(outcome) if code else ""
    data = _result_json(outcome, code) if as_json else None
    if data is not None:
        ui.emit_json({**data, "error": problem} if code == 2 else data)
    if problem:
        ui.error(problem)
    return code


def _unexpected(exc: Exception, as_json: bool) -> int:
    """Anything no command raised on purpose: exit 2 with one line, never a traceback."""
    if isinstance(exc, OSError) and isinstance(exc.filename, str | bytes) and exc.filename:
        path = Path(os.fsdecode(exc.filename))
        text = f"{path}: {explain_os_error(exc, path)}"
    elif isinstance(exc, OSError):
        text = f"cannot read the input or write the output: {explain_os_error(exc)}"
    elif isinstance(exc, UnicodeError):
        text = f"not UTF-8 text: {exc}; save the file as UTF-8"
    elif isinstance(exc, RecursionError | MemoryError):
        text = (
            f"input too large or too deeply nested ({type(exc).__name__}); give a smaller, "
            "flatter file"
        )
    else:
        text = f"internal error ({type(exc).__name__}: {exc}); please report it"
    return _error(text, 2, as_json)


def _usage(exc: Exception, as_json: bool) -> int | None:
    """Command-line parsing errors carry their own exit code (2) and show themselves."""
    show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
    if not callable(show) or not isinstance(code, int):
        return None
    if not as_json:
        show()
        return code
    describe = getattr(exc, "format_message", None)
    text = describe() if callable(describe) else str(exc)
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", "") or "scaffold"
    return _error(f"{text} (see `{where} -h`)", code, as_json)


def _dispatch(args: list[str], as_json: bool) -> tuple[int, object]:
    """Run one command: its exit code, and what it returned (or raised)."""
    try:
        try:
            outcome = app(args=args, standalone_mode=False, prog_name="scaffold")
        except ScaffoldError as exc:
            return _error(exc.message, exit_code(exc), as_json, exc.details()), exc
        except typer.Exit as exc:
            return int(exc.exit_code), None
        except (typer.Abort, KeyboardInterrupt):
            return _error("aborted", 130, as_json), None
        return _finish(outcome, as_json), outcome
    except Exception as exc:
        code = _usage(exc, as_json)
        return (code if code is not None else _unexpected(exc, as_json)), exc


def _work_done(outcome: object, code: int) -> str:
    """What a command did, for stderr when its report could not be written."""
    if isinstance(outcome, UpdateReport):
        counts = ", ".join(f"{outcome.count(s)} {s}" for s in Status if outcome.count(s))
        return f"the update itself ran to the end and is kept as it is ({counts})"
    if isinstance(outcome, CheckReport):
        verdict = "in sync" if code == 0 else "not in sync, or not checked"
        return f"the check ran ({verdict}), but a check whose report is lost does not pass"
    if isinstance(outcome, ServiceResult):
        return f"{outcome.dest}: {outcome.result.status}, and kept as it is"
    if isinstance(outcome, Exception):
        return f"the command stopped with exit {code}, as said above"
    return "the command ran to the end (anything it wrote is kept); only its report is lost"


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; every result and error scaffold raises ends
    here, and with --json every one of them prints a JSON object on stdout. A result that
    cannot be written to stdout never ends in 0 (scaffold.cli.output)."""
    args = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in args
    try:
        os.getcwd()
    except OSError:
        msg = "the current folder no longer exists (deleted?); cd into a folder and run again"
        return _error(msg, 2, as_json)
    if output.stdout_closed():
        with contextlib.suppress(OSError, ValueError):
            ui.error(output.CLOSED_STDOUT)
        return 2
    with output.guarded_stdout() as guard:
        code, outcome = _dispatch(args, as_json)
    if guard is None or guard.error is None:
        return code
    with contextlib.suppress(OSError):
        ui.error(output.lost_message(guard.error, code, _work_done(outcome, code)))
    return output.OUTPUT_LOST if code == 0 else code


def main() -> None:
    if output.reserve_standard_fds():
        with contextlib.suppress(OSError):
            ui.error(output.CLOSED_STDOUT)
        sys.exit(2)
    code = run()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        # Only output written after run() could fail here; the same rule as in run().
        with contextlib.suppress(OSError):
            sys.stderr.write("error: cannot write to standard output\n")
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        code = output.OUTPUT_LOST if code == 0 else code
    sys.exit(code)
