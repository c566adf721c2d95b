"""Finish or undo a transaction a dead process left behind, and clean its leftovers.

The journal (`.scaffold/journal.json`) is untrusted input like the lock: it may come from
a killed process, from another machine (a committed `.scaffold/`), or be empty or edited.
`recover` is called holding the service lock (scaffold.sync.owner), so any journal found
then belongs to nobody alive, whichever host wrote it:

- a valid journal in state `applying` is played back: every replaced file is put back
  from its backup, every created file (only if it still holds what was written) and
  folder removed; in state `committed` it is rolled forward: the backups are removed;
- a journal that is empty, unparseable or names paths outside the service is removed
  without acting on what it says;

and then the service is swept: temporary files and backups (`.NAME.TOKEN.scaffold-tmp`,
`.NAME.TOKEN.scaffold-bak`) that no journal accounts for are removed (a backup whose file
is missing is put back instead). The sweep never follows a symlink and never enters
another service's folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.sync.lock import STATE_DIR
from scaffold.sync.paths import inside, lexists, read_inside, rel_problem

JOURNAL = f"{STATE_DIR}/journal.json"
_TOKEN = re.compile(r"[0-9a-f]{8}")
_SHA = re.compile(r"[0-9a-f]{64}")
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.scaffold-(?P<kind>tmp|bak)")
_SKIP = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
_MAX_OPS = 200_000


def sibling(target: Path, token: str, kind: str) -> Path:
    return target.with_name(f".{target.name}.{token}.scaffold-{kind}")


def _valid_op(op: object) -> bool:
    if not isinstance(op, dict) or set(op) != {"path", "existed", "sha256"}:
        return False
    sha = op["sha256"]
    return (
        not rel_problem(op["path"])
        and isinstance(op["existed"], bool)
        and (sha is None or (isinstance(sha, str) and _SHA.fullmatch(sha) is not None))
    )


def valid_journal(data: object) -> bool:
    """True when `data` is a journal this version wrote (see scaffold.sync.atomic)."""
    keys = {"token", "pid", "host", "started", "state", "ops", "created_dirs"}
    if not isinstance(data, dict) or set(data) != keys:
        return False
    ops, dirs = data["ops"], data["created_dirs"]
    return (
        isinstance(data["token"], str)
        and _TOKEN.fullmatch(data["token"]) is not None
        and data["state"] in ("applying", "committed")
        and isinstance(ops, list)
        and len(ops) <= _MAX_OPS
        and all(_valid_op(op) for op in ops)
        and isinstance(dirs, list)
        and all(not rel_problem(d) for d in dirs)
    )


def _load(root: Path) -> dict[str, Any] | None:
    """The journal, or None when there is none; a bad one is removed and {} returned."""
    inside(root, JOURNAL, final=False)  # a symlinked .scaffold/ is refused, never entered
    try:
        raw = read_inside(root, JOURNAL)
    except UsageError:
        raw = b""  # a symlink or a non-file in its place: never followed, removed
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        if valid_journal(data):
            for rel in [op["path"] for op in data["ops"]] + data["created_dirs"]:
                inside(root, rel)
            return dict(data)
    except (ValueError, RecursionError, UsageError):
        pass
    _remove_any(root / JOURNAL)
    return {}


def _remove_any(path: Path) -> None:
    """Remove a file, symlink (never its target) or folder scaffold keeps in `.scaffold/`."""
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _undo_op(root: Path, token: str, entry: dict[str, Any]) -> None:
    target = root / entry["path"]
    backup = sibling(target, token, "bak")
    with contextlib.suppress(OSError):
        if lexists(backup):
            if lexists(target) and os.path.samefile(backup, target):
                backup.unlink()  # not replaced yet: rename() of a hard link is a no-op
            else:
                os.replace(backup, target)
        elif not entry["existed"] and lexists(target) and _holds(target, entry["sha256"]):
            target.unlink()
    with contextlib.suppress(OSError):
        sibling(target, token, "tmp").unlink()


def _holds(path: Path, sha: str | None) -> bool:
    if sha is None or not path.is_file() or path.is_symlink():
        return False
    with contextlib.suppress(OSError):
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha
    return False


def remove_folders(root: Path, rels: Sequence[str]) -> None:
    for rel in reversed(rels):
        with contextlib.suppress(OSError):
            (root / rel).rmdir()


def play_back(root: Path, data: dict[str, Any]) -> None:
    """Undo a transaction described by its journal; each step is safe to repeat."""
    token = str(data["token"])
    for entry in reversed(data["ops"]):
        _undo_op(root, token, entry)
    with contextlib.suppress(OSError):
        (root / JOURNAL).unlink()
    remove_folders(root, data["created_dirs"])


def finish(root: Path, token: str, paths: Sequence[str], deleted: Sequence[str]) -> None:
    """After the commit point: remove the backups, and folders the deletes emptied."""
    for rel in paths:
        with contextlib.suppress(OSError):
            sibling(root / rel, token, "bak").unlink()
        with contextlib.suppress(OSError):
            sibling(root / rel, token, "tmp").unlink()
    for rel in deleted:
        parent = (root / rel).parent
        while parent != root and root in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


def _sweep(root: Path, whole: bool) -> int:
    """Remove leftovers no journal accounts for (in `.scaffold/` only, unless `whole`);
    how many were handled."""
    handled = 0
    start = root if whole else root / STATE_DIR
    for folder, dirs, files in os.walk(start):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in _SKIP and not lexists(here / d / STATE_DIR)]
        for name in files:
            match = _LEFTOVER.fullmatch(name)
            if match is None or (here / name).is_symlink():
                continue
            target = here / match["name"]
            with contextlib.suppress(OSError):
                if match["kind"] == "bak" and not lexists(target):
                    os.replace(here / name, target)
                else:
                    os.unlink(here / name)
                handled += 1
    return handled


def recover(root: Path, *, sweep: bool = True) -> str:
    """Roll back (or forward) what a dead process left at `root`, then sweep leftovers
    (the whole service with `sweep`, else only `.scaffold/`: the engine's own call before
    each apply, which may be handed any folder).

    Call it holding the service lock. Returns what was done ('' when nothing was).
    """
    if not root.is_dir():
        return ""
    data = _load(root)
    done = []
    if data == {}:
        done.append("removed an empty or unreadable journal")
    elif data is not None and data["state"] == "committed":
        deleted = [op["path"] for op in data["ops"] if op["sha256"] is None]
        finish(root, data["token"], [op["path"] for op in data["ops"]], deleted)
        with contextlib.suppress(OSError):
            (root / JOURNAL).unlink()
        done.append("finished an interrupted update (rolled forward)")
    elif data:
        play_back(root, data)
        done.append("undid an interrupted update (rolled back)")
    count = _sweep(root, sweep)
    if count:
        done.append(f"removed {count} leftover temporary or backup file(s)")
    return "; ".join(done)
