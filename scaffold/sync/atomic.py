"""Apply one service's changes all together or not at all, even across a crash.

1. A journal (`.scaffold/journal.json`, scaffold.sync.journal) names the run (a random run
   id, host, boot id, pid), every target, whether it existed, the hashes of what was there
   and of what is about to be written, and the folders about to be created.
2. Every new content is written to a temporary file next to its target, named with the
   run id (`.NAME.<run id>.scaffold-tmp`; backups likewise end in `.scaffold-bak`).
3. The targets are replaced one by one (`os.replace`), each previous file kept as a
   hard-linked backup next to it; deleted files are renamed to their backup.
4. The journal is rewritten in state `committed` (the commit point); then the backups
   are removed, and the journal last.

If anything fails before the commit point (a full disk, a permission, an interrupt), the
journal is played back: every replaced file is put back from its backup, every created
file, temporary file and folder removed, and the error raised again. If the process dies
instead, the journal is still there and `recover()` (scaffold.sync.recovery, called holding
the service lock before each service's next command) rolls it back, or forward when it had
reached the commit point, provided the journal is provably this machine's and its process
is gone. Either way the tree is wholly old or wholly new.

Every path is checked inside the service without following symlinks (scaffold.sync.paths)
before anything is written, and again right before each step.

`hook(stage, path)` is called before each step ("stage" writes a temporary file,
"commit" replaces or deletes a target); tests use it to inject faults.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import Busy
from scaffold.sync.journal import JOURNAL, new_journal
from scaffold.sync.owner import held
from scaffold.sync.paths import create_nofollow, inside, lexists
from scaffold.sync.recovery import play_back, recover, remove_folders, roll_forward, sibling

FaultHook = Callable[[str, str], None]

__all__ = ["JOURNAL", "Delete", "FaultHook", "Op", "Write", "apply_ops", "recover"]


@dataclass(frozen=True)
class Write:
    path: str  # relative to the service root, POSIX
    content: bytes


@dataclass(frozen=True)
class Delete:
    path: str


Op = Write | Delete


def _missing_parents(root: Path, rels: Sequence[str]) -> list[str]:
    """Folders (relative, shallowest first) that writing `rels` under `root` creates."""
    missing: set[Path] = set()
    for rel in rels:
        parent = (root / rel).parent
        while not lexists(parent):
            missing.add(parent)
            parent = parent.parent
    return [os.path.relpath(p, root) for p in sorted(missing, key=lambda p: (len(p.parts), str(p)))]


def _put_journal(root: Path, data: dict[str, Any], *, replace: bool) -> None:
    """Write the journal whole; a first one only if no other one is there."""
    path = root / JOURNAL
    temp = sibling(path, str(data["run_id"]), "tmp")
    try:
        fd = create_nofollow(temp)
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(data, indent=1).encode())
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
            return
        try:
            os.link(temp, path)
        except FileExistsError as exc:
            raise Busy(
                f"{root}: another scaffold is changing this service right now; run again when "
                "it has finished"
            ) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _stage(root: Path, token: str, op: Write) -> None:
    target = inside(root, op.path)
    temp = sibling(target, token, "tmp")
    with os.fdopen(create_nofollow(temp), "wb") as handle:
        handle.write(op.content)
        handle.flush()
        os.fsync(handle.fileno())
    with contextlib.suppress(FileNotFoundError):
        info = os.lstat(target)
        if stat.S_ISREG(info.st_mode):
            os.chmod(temp, stat.S_IMODE(info.st_mode))


def _commit(root: Path, token: str, op: Op) -> None:
    target = inside(root, op.path)
    backup = sibling(target, token, "bak")
    if isinstance(op, Write):
        if lexists(target):
            try:
                os.link(target, backup, follow_symlinks=False)
            except OSError:
                shutil.copy2(target, backup, follow_symlinks=False)
        os.replace(sibling(target, token, "tmp"), target)
    elif lexists(target):
        os.replace(target, backup)


def _make_root(root: Path) -> list[Path]:
    """Create `root` and its missing parents (a first render); the folders created."""
    missing = []
    folder = root
    while not lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing


def _remove_empty(folders: Sequence[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _journal(root: Path, ops: Sequence[Op]) -> dict[str, Any]:
    writes = [op.path for op in ops if isinstance(op, Write)]
    return new_journal(
        root,
        [(op.path, op.content if isinstance(op, Write) else None) for op in ops],
        _missing_parents(root, [JOURNAL, *writes]),
    )


def _run(root: Path, ops: Sequence[Op], data: dict[str, Any], hook: FaultHook | None) -> None:
    """Stage every write, then replace or delete each target (before the commit point)."""
    token = str(data["run_id"])
    for rel in data["created_dirs"]:
        if not lexists(root / rel):
            inside(root, rel).mkdir()
    for op in ops:
        if isinstance(op, Write):
            if hook is not None:
                hook("stage", op.path)
            _stage(root, token, op)
    for op in ops:
        if hook is not None:
            hook("commit", op.path)
        _commit(root, token, op)


def apply_ops(root: Path, ops: Sequence[Op], *, hook: FaultHook | None = None) -> None:
    """Write and delete as `ops` say, in that order, all or nothing (see the module doc).

    Put the lock last: it is then replaced only after every file it describes. Runs
    holding the service lock of `root` (scaffold.sync.owner; taken here unless the caller
    holds it), and first recovers whatever a dead process left.
    """
    with held(root):
        _apply_locked(root, ops, hook)


def _apply_locked(root: Path, ops: Sequence[Op], hook: FaultHook | None) -> None:
    recover(root)
    for op in ops:
        inside(root, op.path)  # a symlink anywhere on the way: refused, nothing written
    above = _make_root(root)
    data = _journal(root, ops)
    journal_dirs = _missing_parents(root, [JOURNAL])
    try:
        for rel in journal_dirs:
            (root / rel).mkdir()
        _put_journal(root, data, replace=False)
    except BaseException:
        remove_folders(root, journal_dirs)
        _remove_empty(above)
        raise
    try:
        _run(root, ops, data, hook)
        _put_journal(root, {**data, "state": "committed"}, replace=True)  # the commit point
    except BaseException:
        play_back(root, data)
        _remove_empty(above)
        raise
    roll_forward(root, data)
