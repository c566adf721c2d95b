"""Find the services under some paths: every folder holding `.scaffold/lock.json`.

The walk never follows a symlink, never enters VCS data, caches or vendored modules, and
never enters a kernel or device filesystem (/proc, /sys, /dev and their kin: no service
lives there, and reading them can fail or never end). The root of the filesystem is
refused as a starting point: walking it reads the whole machine.

A folder that cannot be read is an error naming it (`update` and `check` must see every
service under the paths, or a check could pass while missing one), unless the caller
collects skipped folders (`skipped`: the docs catalogue is best-effort and says what it
left out).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from scaffold.errors import NoServices, UsageError
from scaffold.sync.lock import LOCK_NAME, STATE_DIR

_SKIP_DIRS = frozenset({STATE_DIR, ".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
_SPECIAL_FS = frozenset(
    {
        "proc",
        "sysfs",
        "devtmpfs",
        "devpts",
        "cgroup",
        "cgroup2",
        "securityfs",
        "debugfs",
        "tracefs",
        "pstore",
        "bpf",
        "mqueue",
        "hugetlbfs",
        "configfs",
        "fusectl",
        "binfmt_misc",
        "autofs",
        "efivarfs",
        "selinuxfs",
        "rpc_pipefs",
        "nsfs",
    }
)
_OCTAL = re.compile(r"\\([0-7]{3})")


def special_mounts() -> dict[str, str]:
    """Mount points of kernel and device filesystems, with their type (Linux; else {})."""
    try:
        text = Path("/proc/self/mounts").read_text("utf-8", errors="replace")
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] in _SPECIAL_FS:
            found[_OCTAL.sub(lambda m: chr(int(m[1], 8)), fields[1])] = fields[2]
    return found


def _skipped(folder: Path, name: str) -> bool:
    """Folders that hold no service: VCS data, caches, build output, vendored modules."""
    if name in _SKIP_DIRS:
        return True
    path = folder / name
    # Cargo's target/ (and other caches) carry CACHEDIR.TAG; Go's vendor/ has modules.txt.
    return (path / "CACHEDIR.TAG").is_file() or (
        name == "vendor" and (path / "modules.txt").is_file()
    )


def _check_start(start: Path, special: dict[str, str]) -> None:
    if not start.exists():
        raise UsageError(
            f"{start} does not exist; give the folder of a service or of a monorepo "
            "(default: the current folder)"
        )
    if start.is_file():
        raise UsageError(f"{start} is a file; give the folder of a service or a monorepo")
    real = start.resolve()
    if real == Path(real.anchor):
        raise UsageError(
            f"{start} is the root of the filesystem: finding services there reads the whole "
            "machine; give the folder that holds your services (e.g. services/)"
        )
    for mount, fstype in special.items():
        if real == Path(mount) or Path(mount) in real.parents:
            raise UsageError(
                f"{start} is on a {fstype} filesystem ({mount}), which holds no services; "
                "give the folder that holds your services (e.g. services/)"
            )


class _Walk:
    """One walk under `start`: what it found, and what it could not read."""

    def __init__(self, start: Path, special: dict[str, str], skipped: list[str] | None):
        self.start, self.special, self.skipped = start, special, skipped
        self.found: set[Path] = set()

    def unreadable(self, path: object, exc: OSError) -> None:
        if self.skipped is None:
            raise UsageError(
                f"{path}: cannot be read ({exc.strerror or exc}); scaffold must see every "
                f"folder under {self.start} so that no service is missed: make it readable, "
                "or give paths that leave it out"
            )
        self.skipped.append(f"{path}: cannot be read ({exc.strerror or exc})")

    def folders(self, here: Path, names: list[str]) -> list[str]:
        kept = []
        for name in sorted(names):
            path = here / name
            fstype = self.special.get(os.path.abspath(path))
            if fstype is not None:
                if self.skipped is not None:
                    self.skipped.append(f"{path}: a {fstype} filesystem, holds no services")
                continue
            try:
                if _skipped(here, name):
                    continue
            except OSError as exc:
                self.unreadable(path, exc)
                continue
            kept.append(name)
        return kept

    def run(self) -> set[Path]:
        def failed(exc: OSError) -> None:
            self.unreadable(exc.filename, exc)

        for folder, dirs, _files in os.walk(self.start, onerror=failed):
            here = Path(folder)
            try:
                if (here / LOCK_NAME).is_file():
                    self.found.add(here.resolve())
            except OSError as exc:
                self.unreadable(here / LOCK_NAME, exc)
            dirs[:] = self.folders(here, dirs)
        return self.found


def find_services(paths: Iterable[Path], *, skipped: list[str] | None = None) -> list[Path]:
    """Every folder holding `.scaffold/lock.json` at or under `paths`, sorted, once each.

    A folder that cannot be read raises UsageError naming it, unless `skipped` is given:
    then it (and every kernel or device filesystem passed by) is listed there instead."""
    paths = list(paths)
    special = special_mounts()
    found: set[Path] = set()
    for start in paths:
        _check_start(start, special)
        found |= _Walk(start, special, skipped).run()
    if not found:
        listed = ", ".join(str(p) for p in paths)
        raise NoServices(
            f"no scaffold service under {listed} (none holds {LOCK_NAME}); "
            "create one with `scaffold new` or `scaffold add`"
        )
    return sorted(found)
