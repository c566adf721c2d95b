"""The one error hierarchy of scaffold.

The library raises these; the CLI maps them to a message on stderr and an exit code in
one place (scaffold/cli/main.py). Exit codes: 0 ok, 1 a check failed (drift, conflicts),
2 bad input (conventions, arguments, paths), 3 done but the result could not be written
to standard output (scaffold/cli/output.py).
"""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_OS_FIXES = {
    errno.EACCES: "check the owner and mode of the file or folder (scaffold must read it, "
    "and write it where it writes)",
    errno.EPERM: "check the owner and mode of the file or folder, and its attributes",
    errno.EROFS: "it is on a read-only filesystem; run scaffold where the files can be written",
    errno.ENOSPC: "free some space on that disk and run again",
    errno.EDQUOT: "the disk quota is used up; free some space and run again",
    errno.ENAMETOOLONG: "give a shorter path",
    errno.ELOOP: "a symlink loops; replace it with a real folder or file",
    errno.EISDIR: "a folder is where a file is needed; move it away",
    errno.ENOENT: "check the path (a folder on the way may be missing or moved)",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) and run again",
    errno.EIO: "the disk reported an I/O error; check the disk and run again",
}


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing part of `path` that is not a folder (what ENOTDIR means)."""
    for part in (path, *path.parents):
        try:
            if not part.is_dir() and (part.exists() or part.is_symlink()):
                return part
        except OSError:
            return None
    return None


def explain_os_error(exc: OSError, path: Path | None = None) -> str:
    """`exc` in words, with what to do about it: 'Not a directory: X is a file, ...'."""
    why = exc.strerror or str(exc)
    if exc.errno == errno.ENOTDIR and path is not None:
        blocker = file_in_the_way(path)
        if blocker is not None:
            return f"{why}: {blocker} is a file, not a folder; give a folder path, or move it away"
    fix = _OS_FIXES.get(exc.errno or 0)
    if exc.errno == errno.ENOTDIR:
        fix = "a part of the path is a file, not a folder; give a folder path"
    return f"{why}; {fix}" if fix else why


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


class NoServices(UsageError):
    """No scaffold service under the paths given (exit 2; an empty catalogue for docs)."""


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


def not_utf8(name: str, raw: bytes, exc: UnicodeDecodeError) -> str:
    """`name:LINE: not UTF-8 text (byte B of the line)` for a file that failed to decode."""
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - raw.rfind(b"\n", 0, exc.start)
    return f"{name}:{line}: not UTF-8 text (byte {column} of the line)"
