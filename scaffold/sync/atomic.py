"""Apply one service's changes all together or not at all, even across a crash.

1. A journal (`.scaffold/journal.json`) names every target, whether it existed, and the
   folders about to be created.
2. Every new content is written to a temporary file next to its target.
3. The targets are replaced one by one (`os.replace`), each previous file kept as a
   hard-linked backup next to it; deleted files are renamed to their backup.
4. Removing the journal is the commit point; the backups are removed after it.

If anything fails before the commit point (a full disk, a permission, an interrupt), the
journal is played back: every replaced file is put back from its backup, every created
file, temporary file and folder removed, and the error raised again. If the process dies
instead, the journal is still there and `recover()` (called before each service's next
`update`, `new` or `add`) plays it back the same way. Either way the tree and the lock are
byte for byte as they were.

`hook(stage, path)` is called before each step ("stage" writes a temporary file,
"commit" replaces or deletes a target); tests use it to inject faults.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import Busy
from scaffold.sync.lock import STATE_DIR

FaultHook = Callable[[str, str], None]
JOURNAL = f"{STATE_DIR}/journal.json"


@dataclass(frozen=True)
class Write:
    path: str  # relative to the service root, POSIX
    content: bytes


@dataclass(frozen=True)
class Delete:
    path: str


Op = Write | Delete


def _sibling(target: Path, token: str, kind: str) -> Path:
    return target.with_name(f".{target.name}.{token}.scaffold-{kind}")


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _missing_parents(root: Path, rels: Sequence[str]) -> list[str]:
    """Folders (relative, shallowest first) that writing `rels` under `root` creates."""
    missing: set[Path] = set()
    for rel in rels:
        parent = (root / rel).parent
        while not parent.exists():
            missing.add(parent)
            parent = parent.parent
    return [os.path.relpath(p, root) for p in sorted(missing, key=lambda p: (len(p.parts), str(p)))]


def _write_journal(root: Path, data: dict[str, Any]) -> None:
    """Write the journal whole, and only if no other one is there (one update at a time)."""
    path = root / JOURNAL
    temp = path.with_name(f".journal.{data['token']}.scaffold-tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(json.dumps(data, indent=1).encode())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)
        except FileExistsError as exc:
            raise Busy(f"{root}: another scaffold is changing this service right now") from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _owner_alive(data: dict[str, Any]) -> bool:
    if data.get("host") != socket.gethostname():
        return True  # cannot tell: treat as alive
    pid = data.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _play_back(root: Path, data: dict[str, Any]) -> None:
    """Undo a transaction described by its journal; each step is safe to repeat."""
    token = str(data["token"])
    for entry in reversed(data["ops"]):
        target = root / entry["path"]
        backup = _sibling(target, token, "bak")
        with contextlib.suppress(OSError):
            if _exists(backup):
                if _exists(target) and os.path.samefile(backup, target):
                    backup.unlink()  # not replaced yet: rename() of a hard link is a no-op
                else:
                    os.replace(backup, target)
            elif not entry["existed"] and _exists(target):
                target.unlink()
        with contextlib.suppress(OSError):
            _sibling(target, token, "tmp").unlink()
    with contextlib.suppress(OSError):
        (root / JOURNAL).unlink()
    _remove_folders(root, data["created_dirs"])


def _folder(root: Path, rel: str) -> Path:
    return Path(os.path.normpath(root / rel))


def _remove_folders(root: Path, rels: Sequence[str]) -> None:
    for rel in reversed(rels):
        with contextlib.suppress(OSError):
            _folder(root, rel).rmdir()


def recover(root: Path) -> bool:
    """Roll back an update a crash interrupted at `root`; True if there was one."""
    path = root / JOURNAL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        # The journal is written whole to a temporary file, then linked into place: a
        # torn journal means the transaction never started changing files.
        with contextlib.suppress(OSError):
            path.unlink()
        return True
    if _owner_alive(data):
        raise Busy(
            f"{root}: another scaffold (pid {data.get('pid')} on {data.get('host')}) is "
            "changing this service; run again when it has finished"
        )
    _play_back(root, data)
    return True


def _stage(root: Path, token: str, op: Write) -> None:
    target = root / op.path
    temp = _sibling(target, token, "tmp")
    with open(temp, "xb") as handle:
        handle.write(op.content)
        handle.flush()
        os.fsync(handle.fileno())
    if target.is_file():
        shutil.copymode(target, temp)


def _commit(root: Path, token: str, op: Op) -> None:
    target = root / op.path
    backup = _sibling(target, token, "bak")
    if isinstance(op, Write):
        if _exists(target):
            try:
                os.link(target, backup)
            except OSError:
                shutil.copy2(target, backup)
        os.replace(_sibling(target, token, "tmp"), target)
    elif _exists(target):
        os.replace(target, backup)


def _finish(root: Path, token: str, ops: Sequence[Op]) -> None:
    for op in ops:
        with contextlib.suppress(OSError):
            _sibling(root / op.path, token, "bak").unlink()
    for op in ops:
        if isinstance(op, Delete):
            parent = (root / op.path).parent
            while parent != root and root in parent.parents:
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent


def apply_ops(root: Path, ops: Sequence[Op], *, hook: FaultHook | None = None) -> None:
    """Write and delete as `ops` say, in that order, all or nothing (see the module doc).

    Put the lock last: it is then replaced only after every file it describes.
    """
    recover(root)
    token = secrets.token_hex(4)
    writes = [op for op in ops if isinstance(op, Write)]
    data: dict[str, Any] = {
        "token": token,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "ops": [{"path": op.path, "existed": _exists(root / op.path)} for op in ops],
        "created_dirs": _missing_parents(root, [JOURNAL, *(op.path for op in writes)]),
    }
    journal_written = False
    try:
        for rel in data["created_dirs"]:
            _folder(root, rel).mkdir()
        _write_journal(root, data)
        journal_written = True
        for write in writes:
            if hook is not None:
                hook("stage", write.path)
            _stage(root, token, write)
        for op in ops:
            if hook is not None:
                hook("commit", op.path)
            _commit(root, token, op)
        (root / JOURNAL).unlink()  # the commit point
    except BaseException:
        if journal_written:
            _play_back(root, data)
        else:
            _remove_folders(root, data["created_dirs"])
        raise
    _finish(root, token, ops)
