"""Read one side of a diff: a file path, or `git:REV:path` read from git.

Only git runs, with an argument list (never a shell); a revision starting with "-" is
refused, so nothing given can become an option. Blobs are size-checked before they are
read, with the same bound as a conventions file on disk, and read with `git cat-file
blob` (no textconv or filter the repository's configuration could name runs), with lazy
fetches of a partial clone switched off (nothing goes to the network). A symbolic link in
the revision is refused, naming its target, rather than read as if its target's path
were the file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions.yamlsource import MAX_BYTES, read_bounded_text
from scaffold.diff.model import printable
from scaffold.errors import UsageError

GIT_PREFIX = "git:"
GIT_TIMEOUT = 30.0
_FIX = "give a file path, or git:REV:path such as git:HEAD~1:observability.yaml"


@dataclass(frozen=True)
class Side:
    """The text of one side and the name findings and changes use for it."""

    name: str
    text: str


def _control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def parse_git(spec: str) -> tuple[str, str]:
    """`git:REV:path` -> (REV, path); refuses what git could read as an option."""
    rest = spec[len(GIT_PREFIX) :]
    rev, sep, path = rest.partition(":")
    if not sep or not rev or not path:
        raise UsageError(f"{spec!r}: expected git:REV:path; {_FIX}")
    if rev.startswith("-"):
        raise UsageError(f"{spec!r}: a revision cannot start with '-'; {_FIX}")
    if _control(rev) or _control(path):
        raise UsageError(f"{spec!r}: control characters in the revision or path; {_FIX}")
    return rev, path


def _git(args: list[str], cwd: Path, spec: str) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise UsageError(f"{spec}: git is not installed (needed for git:REV:path)")
    env = {
        **os.environ,
        "GIT_PAGER": "cat",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_NO_LAZY_FETCH": "1",
        "LC_ALL": "C",
    }
    try:
        done = subprocess.run(
            [git, "-c", "core.fsmonitor=false", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"{spec}: git took over {GIT_TIMEOUT:.0f}s; try again") from exc
    except OSError as exc:
        raise UsageError(f"{spec}: cannot run git: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = (
            why[0].removeprefix("fatal: ").rstrip(".") if why else f"git exited {done.returncode}"
        )
        raise UsageError(f"{spec}: {first}; check the revision and the path ({_FIX})")
    return done.stdout


def _entry_mode(rev: str, path: str, cwd: Path, spec: str) -> bytes | None:
    """The git mode of `path` in `rev` (b"120000" a symbolic link, b"160000" a submodule),
    read from its parent tree; None when the listing cannot tell."""
    parent, _, name = path.rpartition("/")
    if not name:
        return None
    try:  # only that entry: a huge parent tree is never listed whole
        listing = _git(["ls-tree", "-z", "--full-tree", f"{rev}:{parent}", "--", name], cwd, spec)
    except UsageError:
        return None
    for entry in listing.split(b"\0"):
        meta, tab, entry_name = entry.partition(b"\t")
        if tab and os.fsdecode(entry_name) == name:
            return meta.split(b" ", 1)[0]
    return None


def read_git(spec: str, cwd: Path) -> Side:
    rev, path = parse_git(spec)
    obj = f"{rev}:{path}"
    mode = _entry_mode(rev, path, cwd, spec)
    if mode == b"160000":
        raise UsageError(
            f"{spec}: is a submodule in {rev}; run scaffold diff inside it (cd {path}) "
            "with git:REV:path of its own history"
        )
    kind = _git(["cat-file", "-t", obj], cwd, spec).decode("ascii", "replace").strip()
    if kind == "tree":
        raise UsageError(f"{spec}: is a folder in {rev}, not a conventions file; {_FIX}")
    if kind != "blob":
        raise UsageError(f"{spec}: is a git {kind}, not a file; {_FIX}")
    size_text = _git(["cat-file", "-s", obj], cwd, spec).decode("ascii", "replace").strip()
    if not size_text.isdigit() or int(size_text) > MAX_BYTES:
        raise UsageError(
            f"{spec}: larger than {MAX_BYTES // (1024 * 1024)} MiB; a conventions file is far smaller"
        )
    raw = _git(["cat-file", "blob", obj], cwd, spec)
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{spec}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if mode == b"120000":
        target = printable(raw.decode("utf-8", "replace"))
        raise UsageError(
            f"{spec}: is a symbolic link in {rev} (to {target}); give the path of the file "
            f"it points to, such as git:{rev}:<that path>"
        )
    try:
        return Side(spec, raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{spec}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def read_side(spec: str, cwd: Path | None = None) -> Side:
    """The text of OLD or NEW as given on the command line."""
    base = cwd if cwd is not None else Path(os.getcwd())
    if spec == "" or "\x00" in spec:
        raise UsageError(f"{spec!r}: {_FIX}")
    if spec.startswith(GIT_PREFIX):
        return read_git(spec, base)
    path = Path(spec)
    return Side(spec, read_bounded_text(path if path.is_absolute() else base / path, spec, _FIX))
