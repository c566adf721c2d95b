"""Finish or undo a transaction a dead process left behind; never on a planted journal's word.

`recover` is called holding the service lock (scaffold.sync.owner). It reads the journal
with scaffold.sync.journal and acts on it only when it is well formed and provably left by
a dead process of this machine (or when a person said so: `trust`):

- in state `applying` it is played back: every replaced file is put back from its backup
  (only if the backup holds exactly what the journal says was there), every file the run
  created removed (only if it still holds exactly what the run wrote), and the folders the
  run created removed when empty;
- in state `committed` it is rolled forward: the run's backups are removed (again only
  those holding what the journal says).

Any other journal is left alone and the command stops (UsageError naming the file and the
way out: `scaffold recover --trust-journal` or `--discard`). `discard` removes the journal
(never through a symlink) without acting on it.

Temporary and backup files (`.NAME.<run id>.scaffold-tmp|bak`) are touched only through
the journal of their run. Any others are never restored and never removed: `strays` lists
them (`scaffold recover` shows them, for a person to judge). The one exception is a
temporary journal in `.scaffold/` (a run killed while writing its journal), removed always.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.sync.journal import JOURNAL, inspect_journal, refusal, sha_of
from scaffold.sync.lock import STATE_DIR
from scaffold.sync.paths import inside, lexists

_STRAY = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8,16}\.scaffold-(?P<kind>tmp|bak)")
_JOURNAL_TEMP = re.compile(r"\.journal\.json\.[0-9a-f]{8,16}\.scaffold-tmp")
_SKIP = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
MAX_LISTED = 50


@dataclass(frozen=True)
class Recovery:
    """What `recover` did ('' when nothing), and the leftover files it left alone."""

    done: str = ""
    left: tuple[str, ...] = ()


def sibling_rel(rel: str, run_id: str, kind: str) -> str:
    """The temporary (`tmp`) or backup (`bak`) file of `rel` in run `run_id`."""
    head, _, name = rel.rpartition("/")
    return f"{head}/" * bool(head) + f".{name}.{run_id}.scaffold-{kind}"


def sibling(target: Path, run_id: str, kind: str) -> Path:
    return target.with_name(f".{target.name}.{run_id}.scaffold-{kind}")


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samestat(os.lstat(a), os.lstat(b))
    return False


def _unlink_temp(path: Path) -> None:
    """Remove a temporary file of the run (a symlink in its place is removed, never followed)."""
    with contextlib.suppress(OSError):
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)


def _still_inside(root: Path, rel: str) -> bool:
    """Checked again right before acting: no symlink has appeared on the way since the
    journal was read."""
    try:
        inside(root, rel)
    except UsageError:
        return False
    return True


def _holds_old(root: Path, bak: str, entry: dict[str, Any]) -> bool:
    """True when the backup `bak` holds exactly what the journal says the file held."""
    old = entry["old_sha256"]
    return old is not None and sha_of(root, bak) == old


def _holds_new(root: Path, rel: str, entry: dict[str, Any]) -> bool:
    """True when `rel` holds exactly what the journal says the run wrote there."""
    new = entry["sha256"]
    return new is not None and sha_of(root, rel) == new


def _undo_op(root: Path, run_id: str, entry: dict[str, Any], verify: bool) -> list[str]:
    """Put one file back as it was; the backups left alone (they are not what was there)."""
    rel = entry["path"]
    bak = sibling_rel(rel, run_id, "bak")
    target, backup = root / rel, root / bak
    if not _still_inside(root, rel):
        return [bak] if lexists(backup) else []
    left = []
    with contextlib.suppress(OSError):
        if lexists(backup):
            if lexists(target) and _same_file(backup, target):
                backup.unlink()  # not replaced yet: rename() of a hard link is a no-op
            elif not verify or _holds_old(root, bak, entry):
                os.replace(backup, target)
            else:
                left.append(bak)
        elif not entry["existed"] and _holds_new(root, rel, entry):
            target.unlink()  # the run created it, and it holds what the run wrote
    _unlink_temp(sibling(target, run_id, "tmp"))
    return left


def remove_folders(root: Path, rels: Sequence[str]) -> None:
    for rel in reversed(rels):
        with contextlib.suppress(OSError):
            (root / rel).rmdir()


def play_back(root: Path, data: dict[str, Any], *, verify: bool = False) -> list[str]:
    """Undo a transaction described by its journal; each step is safe to repeat. With
    `verify` (a journal read from disk) a backup is put back only if it holds what the
    journal says was there. Returns the backups left alone."""
    run_id = str(data["run_id"])
    left: list[str] = []
    for entry in reversed(data["ops"]):
        left += _undo_op(root, run_id, entry, verify)
    with contextlib.suppress(OSError):
        (root / JOURNAL).unlink()
    remove_folders(root, data["created_dirs"])
    return left


def roll_forward(root: Path, data: dict[str, Any], *, verify: bool = False) -> list[str]:
    """After the commit point: remove the backups (with `verify`, only those holding what
    the journal says was there) and the folders the deletes emptied, then the journal.
    Returns the backups left alone."""
    run_id = str(data["run_id"])
    left = []
    for entry in data["ops"]:
        rel = entry["path"]
        bak = sibling_rel(rel, run_id, "bak")
        if not _still_inside(root, rel):
            left += [bak] if lexists(root / bak) else []
            continue
        if lexists(root / bak):
            if not verify or _holds_old(root, bak, entry):
                with contextlib.suppress(OSError):
                    (root / bak).unlink()
            else:
                left.append(bak)
        _unlink_temp(root / sibling_rel(rel, run_id, "tmp"))
    for entry in data["ops"]:
        if entry["sha256"] is None:
            _remove_empty_parents(root, entry["path"])
    with contextlib.suppress(OSError):
        (root / JOURNAL).unlink()
    return left


def _remove_empty_parents(root: Path, rel: str) -> None:
    parent = (root / rel).parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def _remove_any(path: Path) -> None:
    """Remove a file, symlink (never its target) or folder in scaffold's own `.scaffold/`."""
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _remove_journal_temps(root: Path) -> None:
    state = root / STATE_DIR
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(state).st_mode):
            for name in os.listdir(state):
                if _JOURNAL_TEMP.fullmatch(name):
                    _unlink_temp(state / name)


def strays(root: Path) -> list[str]:
    """Temporary and backup files under `root` that no journal accounts for (never
    through a symlink, never inside another service); at most MAX_LISTED."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not lexists(here / d / STATE_DIR))
        for name in sorted(files):
            if _STRAY.fullmatch(name):
                found.append((here / name).relative_to(root).as_posix())
                if len(found) >= MAX_LISTED:
                    return found
    return found


def recover(
    root: Path, *, trust: bool = False, discard: bool = False, list_strays: bool = False
) -> Recovery:
    """Roll back (or forward) what a dead process left at `root` (see the module doc).

    Call it holding the service lock. A journal it may not act on raises UsageError,
    unless `discard` (remove it, act on nothing) or `trust` (act on a well-formed one
    whoever wrote it). `list_strays` also lists leftover files nobody accounts for.
    """
    if not root.is_dir():
        return Recovery()
    _remove_journal_temps(root)
    found = inspect_journal(root)
    done, left = "", []
    if found.exists and discard:
        _remove_any(found.path)
        done = "removed the journal without acting on it (every file kept as it is)"
    elif found.exists:
        if found.data is None or (found.problem and not trust):
            raise refusal(root, found)
        if found.data["state"] == "committed":
            left = roll_forward(root, found.data, verify=True)
            done = "finished an interrupted update (rolled forward)"
        else:
            left = play_back(root, found.data, verify=True)
            done = "undid an interrupted update (rolled back)"
    if list_strays:
        left += [rel for rel in strays(root) if rel not in left]
    return Recovery(done, tuple(left))
