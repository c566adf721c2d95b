"""One scaffold at a time per service: an OS file lock held from planning to apply.

`service_lock(root)` takes `fcntl.flock` on `.scaffold/run.lock` and writes into it who
holds it (pid, host, start time). A second run finds the lock taken and stops with exit 2
naming that holder, or polls until `wait` seconds have passed. The kernel drops the lock
when its process dies, so a lock file left by a killed process, or committed from another
machine, never blocks anyone: the next run simply takes it. The file is removed when its
holder releases it, and an empty `.scaffold/` (and any folder the lock had to create for a
first render) with it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from scaffold.errors import Busy, UsageError, explain_os_error
from scaffold.sync.lock import STATE_DIR

RUN_LOCK = f"{STATE_DIR}/run.lock"
MAX_WAIT_S = 3600.0
_POLL_S = 0.05
# A holder writes who it is just after it takes the lock; a busy answer waits this long
# for that line, so the message can name the process.
_STAMP_GRACE_S = 1.0
_UNSTAMPED = "a process that has not said who it is yet"
_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


def _os_error(path: Path, exc: OSError) -> UsageError:
    return UsageError(f"{path}: cannot lock this service: {explain_os_error(exc, path)}")


def _make_folders(root: Path) -> list[Path]:
    """Create `root` (and missing parents) and `root/.scaffold`; the folders created."""
    created: list[Path] = []
    missing = []
    folder = root
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    state = root / STATE_DIR
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
        if not root.is_dir():
            raise UsageError(
                f"{root} exists and is not a folder; give a folder path, or move the file away"
            )
        info = os.lstat(state) if os.path.lexists(state) else None
        if info is not None and not stat.S_ISDIR(info.st_mode):
            what = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a folder"
            raise UsageError(f"{state}: is {what}; remove it (scaffold keeps its lock there)")
        if info is None:
            state.mkdir()
            created.append(state)
    except OSError as exc:
        _remove_empty(created)
        raise _os_error((exc.filename and Path(exc.filename)) or root, exc) from None
    except UsageError:
        _remove_empty(created)
        raise
    return created


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _holder(fd: int) -> str:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8"))
        return f"pid {int(data['pid'])} on {str(data['host'])[:255]} since {data['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return _UNSTAMPED


def _open(path: Path) -> int:
    try:
        fd = os.open(path, _FLAGS, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(f"{path}: is a symlink; remove it") from None
        raise _os_error(path, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UsageError(f"{path}: is not a regular file; remove it")
    return fd


def _try_lock(path: Path) -> tuple[int | None, str]:
    """(fd, '') when this process now holds the lock, else (None, who holds it)."""
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        who = _holder(fd)
        os.close(fd)
        return None, who
    try:
        same = os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        same = False
    if not same:  # its previous holder removed the file after we opened it: again
        os.close(fd)
        return None, ""
    return fd, ""


def _acquire(root: Path, wait: float) -> int:
    path = root / RUN_LOCK
    deadline = time.monotonic() + min(max(wait, 0.0), MAX_WAIT_S)
    named_by = deadline + _STAMP_GRACE_S
    while True:
        fd, who = _try_lock(path)
        if fd is not None:
            break
        now = time.monotonic()
        if who and now >= deadline and (who != _UNSTAMPED or now >= named_by):
            raise Busy(
                f"{root}: another scaffold ({who}) is changing this service; run again when "
                f"it has finished, or give --wait SECONDS (lock: {path})"
            )
        time.sleep(_POLL_S if who else 0)
    stamp = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(stamp).encode(), 0)
    except OSError as exc:
        os.close(fd)
        raise _os_error(path, exc) from None
    return fd


# The services this process holds the lock of (absolute paths).
_HELD: set[str] = set()


@contextlib.contextmanager
def held(root: Path) -> Iterator[None]:
    """Run the block holding the service lock of `root`: taken here unless this process
    already holds it (the verbs take it before planning; the engine makes sure)."""
    if os.path.abspath(root) in _HELD:
        yield
        return
    with service_lock(root):
        yield


@contextlib.contextmanager
def service_lock(root: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the service lock of `root` (creating `root` if needed) while the block runs."""
    created = _make_folders(root)
    try:
        fd = _acquire(root, wait)
    except BaseException:
        _remove_empty(created)
        raise
    key = os.path.abspath(root)
    _HELD.add(key)
    try:
        yield
    finally:
        _HELD.discard(key)
        with contextlib.suppress(OSError):
            os.unlink(root / RUN_LOCK)
        os.close(fd)
        with contextlib.suppress(OSError):
            (root / STATE_DIR).rmdir()  # only when empty: nothing of the service was left
        _remove_empty([p for p in created if p != root / STATE_DIR])


def locked_by_other(root: Path) -> str:
    """Who holds the service lock of `root` right now ('' when nobody); takes nothing."""
    path = root / RUN_LOCK
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    finally:
        os.close(fd)
    return ""
