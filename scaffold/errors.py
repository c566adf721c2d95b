"""The one error hierarchy of scaffold.

The library raises these; the CLI maps them to a message on stderr and an exit code in
one place (scaffold/cli/main.py). Exit codes: 0 ok, 1 a check failed (drift, conflicts),
2 bad input (conventions, arguments, paths), 3 done but the result could not be written
to standard output (scaffold/cli/output.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class ScaffoldError(Exception):
    """Root of every error scaffold raises on purpose."""

    exit_code = 2

    @property
    def message(self) -> str:
        return str(self)

    def details(self) -> dict[str, Any]:
        """What `--json` prints about this error besides its message."""
        return {}


class UsageError(ScaffoldError, ValueError):
    """The user asked for something that cannot be done as asked (exit 2)."""


class TemplateError(ScaffoldError, RuntimeError):
    """A template failed to render (a missing value, a syntax error) (exit 2)."""


class Busy(UsageError):
    """Another process is applying changes to the same service (exit 2)."""


class MergeError(ScaffoldError, RuntimeError):
    """`git merge-file` could not run or failed; not a conflict, conflicts are results (exit 2)."""


class InputError(UsageError):
    """Telemetry given to `scaffold verify` cannot be read as OTLP (exit 2)."""


class CheckFailed(ScaffoldError):
    """A check found differences, drift or conflicts (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Finding:
    """One problem in a conventions file, with where it is and how to fix it."""

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        key = f" {self.path}:" if self.path else ""
        text = f"{where}:{key} {self.message}"
        if self.hint:
            text = text.rstrip(".") + ". " + self.hint
        return text


class ConventionsError(UsageError):
    """A conventions file has one or more problems; all of them are listed."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(findings, key=lambda f: (f.file, f.line, f.column, f.path))
        super().__init__(self._text())

    def details(self) -> dict[str, Any]:
        return {"problems": [asdict(f) for f in self.findings]}

    def _text(self) -> str:
        count = len(self.findings)
        head = f"{count} problem{'s' if count != 1 else ''} in the conventions:"
        return "\n".join([head, *(f"  {f.render()}" for f in self.findings)])
