"""`scaffold docs`: build, serve and keep up to date the glossary and conventions docs."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from scaffold.cli import ui
from scaffold.cli.core import ConventionsOpt
from scaffold.conventions import locate
from scaffold.docs.build import build_docs
from scaffold.docs.markers import SECTIONS, update_markdown
from scaffold.docs.serve import make_server
from scaffold.errors import CheckFailed

docs_app = typer.Typer(
    name="docs",
    help="Glossary and conventions docs: Markdown and a searchable offline HTML site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ScanOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--scan",
        help="Folder to scan for services (their .scaffold/lock.json) for the service "
        "catalogue; repeatable. Default: the current folder.",
        file_okay=False,
    ),
]
NoScanOpt = Annotated[bool, typer.Option("--no-scan", help="Leave out the service catalogue.")]


def _scan(scan: list[Path] | None, no_scan: bool) -> list[Path]:
    if no_scan:
        return []
    return list(scan) if scan else [Path.cwd()]


@docs_app.command("build")
def build(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for markdown/ and site/.", file_okay=False)
    ] = Path("docs/observability"),
    conventions: ConventionsOpt = None,
    scan: ScanOpt = None,
    no_scan: NoScanOpt = False,
) -> None:
    """Write the docs as Markdown (OUT/markdown) and an offline HTML site (OUT/site).

    \b
    Examples:
      scaffold docs build
      scaffold docs build --out build/docs --scan services/
    """
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    result = build_docs(conventions=located.path, out=out, scan=_scan(scan, no_scan))
    catalogue = f", {len(result.services)} services in the catalogue" if result.services else ""
    ui.say(f"wrote {len(result.written)} files under {out}{catalogue}")
    for rel in result.removed:
        ui.say(f"removed {out / rel} (no longer produced)")
    _say_skipped(result.skipped)
    ui.say(f"open {result.index} in a browser, or run `scaffold docs serve`")


def _say_skipped(skipped: tuple[str, ...]) -> None:
    """What the catalogue scan left out, on stderr (at most 20 lines)."""
    if not skipped:
        return
    ui.info(f"the service catalogue left out {len(skipped)} folder(s):")
    for line in skipped[:20]:
        ui.info(f"  {line}")
    if len(skipped) > 20:
        ui.info(f"  and {len(skipped) - 20} more")


def _stop_on_sigterm() -> None:
    """Let SIGTERM end `serve` like Ctrl-C, so the temporary build is removed."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@docs_app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port on 127.0.0.1; 0 picks a free one.")
    ] = 8000,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Build into this folder (default: a temporary one).",
            file_okay=False,
        ),
    ] = None,
    conventions: ConventionsOpt = None,
    scan: ScanOpt = None,
    no_scan: NoScanOpt = False,
) -> None:
    """Build the docs and serve the site on the loopback interface until interrupted.

    \b
    Examples:
      scaffold docs serve
      scaffold docs serve --port 0
    """
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    with tempfile.TemporaryDirectory(prefix="scaffold-docs-") as tmp:
        result = build_docs(
            conventions=located.path, out=out or Path(tmp), scan=_scan(scan, no_scan)
        )
        _say_skipped(result.skipped)
        server = make_server(result.site_dir, port=port)
        _stop_on_sigterm()
        try:
            ui.say(f"serving the docs at {server.url} (Ctrl-C to stop)")
            server.serve_forever()
        except KeyboardInterrupt:
            ui.info("stopped")
        finally:
            server.server_close()


@docs_app.command("update-markdown")
def update_markdown_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Markdown files or folders to update (default: the current folder)."),
    ] = None,
    conventions: ConventionsOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 if a section is out of date.")
    ] = False,
) -> None:
    """Rewrite the sections between scaffold-docs marker comments in Markdown files.

    \b
    A section is kept between two comments that stay in place:
    <!-- scaffold-docs:begin NAME --> and <!-- scaffold-docs:end NAME -->.
    NAME is one of: attributes, span-naming, sampling, privacy, runbook, log-fields.

    \b
    Examples:
      scaffold docs update-markdown README.md docs/
      scaffold docs update-markdown --check
    """
    located = locate(conventions)
    ui.info(f"conventions: {located.describe()}")
    result = update_markdown(paths or [Path.cwd()], conventions=located.path, check=check)
    if check:
        if result.changed:
            listed = "\n".join(f"  {p}" for p in result.changed)
            raise CheckFailed(
                f"{len(result.changed)} Markdown file(s) out of date; run "
                f"`scaffold docs update-markdown`:\n{listed}"
            )
        ui.say(f"{result.sections} sections in {len(result.files)} files are up to date")
        return
    for path in result.changed:
        ui.say(f"updated {path}")
    if not result.files:
        ui.info(f"no scaffold-docs markers found (sections: {', '.join(SECTIONS)})")
    else:
        ui.say(
            f"{result.sections} sections in {len(result.files)} files, {len(result.changed)} changed"
        )
