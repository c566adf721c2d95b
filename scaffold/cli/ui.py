"""Terminal output and prompts for the CLI: colour rules, JSON, questionary on a terminal."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from scaffold.errors import UsageError


def colour_on(stream: Any = None) -> bool:
    stream = stream or sys.stderr
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def interactive() -> bool:
    streams = (sys.stdin, sys.stdout)
    if any(s is None or s.closed for s in streams):
        return False  # a closed standard input or output: nobody to ask
    return all(s.isatty() for s in streams) and os.environ.get("CI") is None


def folder_arg(raw: str, flag: str) -> Path:
    """A folder given on the command line, refused when empty or holding control bytes
    (an empty string would otherwise mean the current folder)."""
    if raw == "" or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        shown = repr(raw)
        raise UsageError(f"{flag} {shown}: give a folder name (e.g. {flag} services/payments)")
    return Path(raw)


def info(text: str) -> None:
    """A line for people, on stderr (stdout is kept for results and --json)."""
    typer.echo(text, err=True)


def say(text: str) -> None:
    typer.echo(text)


def styled(text: str, colour: str, bold: bool = False) -> str:
    return typer.style(text, fg=colour, bold=bold) if colour_on(sys.stdout) else text


def terminal_safe(text: str) -> str:
    """`text` with control and other unprintable characters (ESC, BEL, C1 controls, bidi
    overrides) written as four-digit \\u escapes (ESC is \\u001b), line breaks and tabs
    kept: error messages quote keys and values from files, which must not drive the
    terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else f"\\u{ord(c):04x}" for c in text)


def error(text: str) -> None:
    prefix = typer.style("error:", fg="red", bold=True) if colour_on() else "error:"
    typer.echo(f"{prefix} {terminal_safe(text)}", err=True)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def ask_text(question: str, flag: str, default: str = "") -> str:
    """Ask on a terminal; otherwise fail naming the flag that gives the answer."""
    if not interactive():
        raise UsageError(f"{question.rstrip('?: ')}: give it with {flag}")
    import questionary

    answer = questionary.text(question, default=default).ask()
    if answer is None:
        raise typer.Abort()
    return str(answer)


def ask_choice(question: str, flag: str, choices: Sequence[str]) -> str:
    if not interactive():
        raise UsageError(f"{question.rstrip('?: ')}: give it with {flag} ({' or '.join(choices)})")
    import questionary

    answer = questionary.select(question, choices=list(choices)).ask()
    if answer is None:
        raise typer.Abort()
    return str(answer)
