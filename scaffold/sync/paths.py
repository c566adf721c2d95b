"""Paths inside one service, never through a symlink.

Every path the sync engine writes, deletes, reads into output or shows is relative to the
service root, POSIX-spelled, and checked here: no NUL, not absolute, no `..` or empty
component, no backslash, bounded length. Each existing component under the root is then
checked with `lstat`: a symlink (or a file where a folder is needed) anywhere on the way
is refused with exit 2 naming the path, and files are opened with `O_NOFOLLOW`, so a
symlink swapped in between the check and the open is refused too.

The root itself is taken as given (the user named it): only what is under it is checked.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from scaffold.errors import UsageError, explain_os_error

MAX_PATH = 1024
MAX_PART = 255
# The most a file the engine reads (a tracked file, a merge base, the lock) may hold.
MAX_READ = 64 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FOLDER = (
    "is a folder where scaffold expects a file; move it away, or put back the file from "
    "version control"
)
_TOO_BIG = (
    "is over {limit} bytes, more than scaffold ever writes or reads; put back the file from "
    "version control, or move it away"
)


def rel_problem(rel: object) -> str:
    """Why `rel` is not a relative path inside a service ('' when it is one)."""
    if not isinstance(rel, str):
        return f"is a {type(rel).__name__}, not a string"
    if not rel or len(rel) > MAX_PATH:
        return f"must be 1 to {MAX_PATH} characters"
    if "\0" in rel or "\\" in rel or any(ord(c) < 32 or ord(c) == 127 for c in rel):
        return "holds a NUL, a control character or a backslash"
    if rel.startswith("/"):
        return "is absolute"
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "has an empty, '.' or '..' component"
    if any(len(p.encode("utf-8", "surrogatepass")) > MAX_PART for p in parts):
        return f"has a component over {MAX_PART} bytes"
    return ""


def check_rel(rel: str, what: str = "path") -> str:
    """`rel` if it is a clean relative path (see `rel_problem`), else UsageError."""
    problem = rel_problem(rel)
    if problem:
        raise UsageError(f"{what} {rel!r} {problem}; it must name a file inside the service")
    return rel


def _refuse(root: Path, rel: str, why: str) -> UsageError:
    if why == "is a symlink":
        fix = (
            "scaffold never writes, deletes or reads through a symlink (replace it with a "
            "real folder or file, or remove it)"
        )
    else:
        fix = "scaffold writes files below it, so it must be a folder (move the file away)"
    return UsageError(f"{root / rel}: {why}; {fix}")


def inside(root: Path, rel: str, *, final: bool = True) -> Path:
    """`root/rel` after checking each existing component with lstat (see the module doc).

    With `final`, the last component may not be a symlink either (it may be missing).
    """
    check_rel(rel)
    parts = PurePosixPath(rel).parts
    current = root
    for index, part in enumerate(parts):
        current = current / part
        last = index == len(parts) - 1
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return root / rel  # nothing below a missing component exists
        except NotADirectoryError:
            raise _refuse(root, "/".join(parts[:index]), "is not a folder") from None
        if stat.S_ISLNK(info.st_mode) and (final or not last):
            raise _refuse(root, "/".join(parts[: index + 1]), "is a symlink")
        if not last and not stat.S_ISDIR(info.st_mode):
            raise _refuse(root, "/".join(parts[: index + 1]), "is not a folder")
    return root / rel


def lexists(path: Path) -> bool:
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def read_inside(root: Path, rel: str, *, limit: int = MAX_READ) -> bytes | None:
    """The bytes of the regular file `root/rel`, None if it is missing; never through a
    symlink, never a FIFO or device, never more than `limit` bytes (UsageError)."""
    path = inside(root, rel)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(root, rel, "is a symlink") from None
        if exc.errno == errno.EISDIR:
            raise UsageError(f"{path}: {_FOLDER}") from None
        raise UsageError(f"{path}: cannot read: {explain_os_error(exc, path)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{path}: {_FOLDER}")
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(
                f"{path}: is not a regular file (a FIFO, socket or device); remove it, or put "
                "back the file from version control"
            )
        if info.st_size > limit:
            raise UsageError(f"{path}: {_TOO_BIG.format(limit=limit)}")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{path}: {_TOO_BIG.format(limit=limit)}")
    return data


def create_nofollow(path: Path) -> int:
    """A new file at `path` (which must not exist), opened for writing, never a symlink."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o644)


def state_internal(rel: str) -> bool:
    """True for paths that are VCS or scaffold internals, never a lock entry."""
    parts = rel.split("/")
    return parts[0] == ".scaffold" or bool({".git", ".hg", ".svn"} & set(parts))
