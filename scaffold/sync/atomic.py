"""Apply one service's changes all together or not at all.

Every new content is first written to a temporary file next to its target; only then are
the targets replaced one by one (`os.replace`), each previous file kept as a hard-linked
backup. If anything fails on the way (a full disk, a permission, an interrupt), every
replaced file is put back from its backup, every created file and folder is removed, and
the error is raised again: the tree and the lock stay byte for byte as they were.

`hook(stage, path)` is called before each step ("stage" writes a temporary file,
"commit" replaces or deletes a target); tests use it to inject faults.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FaultHook = Callable[[str, str], None]


@dataclass(frozen=True)
class Write:
    path: str  # relative to the service root, POSIX
    content: bytes


@dataclass(frozen=True)
class Delete:
    path: str


Op = Write | Delete


@dataclass
class _Transaction:
    root: Path
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    created_dirs: list[Path] = field(default_factory=list)
    temps: dict[str, Path] = field(default_factory=dict)
    # (target, backup or None when the target did not exist before)
    done: list[tuple[Path, Path | None]] = field(default_factory=list)

    def sibling(self, target: Path, kind: str) -> Path:
        return target.with_name(f".{target.name}.{self.token}.scaffold-{kind}")

    def make_parents(self, target: Path) -> None:
        missing: list[Path] = []
        parent = target.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir()
            self.created_dirs.append(folder)

    def stage(self, op: Write) -> None:
        target = self.root / op.path
        self.make_parents(target)
        temp = self.sibling(target, "tmp")
        with open(temp, "xb") as handle:
            self.temps[op.path] = temp
            handle.write(op.content)
            handle.flush()
            os.fsync(handle.fileno())
        if target.is_file():
            shutil.copymode(target, temp)

    def backup(self, target: Path) -> Path:
        backup = self.sibling(target, "bak")
        try:
            os.link(target, backup)
        except OSError:
            shutil.copy2(target, backup)
        return backup

    def commit(self, op: Op) -> None:
        target = self.root / op.path
        existed = target.exists() or target.is_symlink()
        if isinstance(op, Write):
            backup = self.backup(target) if existed else None
            self.done.append((target, backup))
            os.replace(self.temps[op.path], target)
            del self.temps[op.path]
        elif existed:
            backup = self.sibling(target, "bak")
            os.replace(target, backup)
            self.done.append((target, backup))

    def rollback(self) -> None:
        for target, backup in reversed(self.done):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink()
                elif target.exists() and os.path.samefile(backup, target):
                    backup.unlink()  # not replaced yet; rename() of a hard link is a no-op
                else:
                    os.replace(backup, target)
        for temp in self.temps.values():
            with contextlib.suppress(OSError):
                temp.unlink()
        for folder in reversed(self.created_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def finish(self, deleted: Sequence[str]) -> None:
        for _, backup in self.done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
        for rel in deleted:
            _prune_empty_parents(self.root, self.root / rel)


def _prune_empty_parents(root: Path, target: Path) -> None:
    parent = target.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def apply_ops(root: Path, ops: Sequence[Op], *, hook: FaultHook | None = None) -> None:
    """Write and delete as `ops` say, in that order, all or nothing (see the module doc).

    Put the lock last: it is then replaced only after every file it describes.
    """
    txn = _Transaction(root)
    try:
        for op in ops:
            if isinstance(op, Write):
                if hook is not None:
                    hook("stage", op.path)
                txn.stage(op)
        for op in ops:
            if hook is not None:
                hook("commit", op.path)
            txn.commit(op)
    except BaseException:
        txn.rollback()
        raise
    txn.finish([op.path for op in ops if isinstance(op, Delete)])
