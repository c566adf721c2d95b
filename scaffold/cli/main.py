"""The `scaffold` command: registers every command and maps errors to exit codes, once."""

from __future__ import annotations

import sys

import typer

from scaffold import __version__
from scaffold.cli import core, docs, pipeline, sync, ui
from scaffold.errors import ScaffoldError

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
  scaffold update services/                     every service follows the conventions
  scaffold check services/ --json               CI: exit 1 on drift, naming each file
  scaffold collector --topology single          collector config and builder manifest
  scaffold alerts                               Prometheus rules and promtool tests
  scaffold dashboards                           Grafana dashboards
  scaffold docs serve                           the searchable glossary on 127.0.0.1

\b
Exit codes: 0 ok, 1 a check failed (drift, conflicts), 2 bad input.
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
    (sync.update, "Follow the conventions: scaffold update [PATH...]"),
    (sync.check, "CI drift check: scaffold check [PATH...] --json"),
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


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; every error scaffold raises ends here."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="scaffold")
    except ScaffoldError as exc:
        ui.error(exc.message)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        ui.error("aborted")
        return 130
    except Exception as exc:
        # Command-line parsing errors (bad options, missing arguments) show themselves;
        # they carry their own exit code (2 for usage). Anything else is a bug: re-raise.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
