"""Find the services under some paths: every folder holding `.scaffold/lock.json`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.lock import LOCK_NAME, STATE_DIR

_SKIP_DIRS = frozenset({STATE_DIR, ".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})


def _skipped(folder: Path, name: str) -> bool:
    """Folders that hold no service: VCS data, caches, build output, vendored modules."""
    if name in _SKIP_DIRS:
        return True
    path = folder / name
    # Cargo's target/ (and other caches) carry CACHEDIR.TAG; Go's vendor/ has modules.txt.
    return (path / "CACHEDIR.TAG").is_file() or (
        name == "vendor" and (path / "modules.txt").is_file()
    )


def find_services(paths: Iterable[Path]) -> list[Path]:
    """Every folder holding `.scaffold/lock.json` at or under `paths`, sorted, once each."""
    found: set[Path] = set()
    for start in paths:
        if not start.exists():
            raise UsageError(f"{start} does not exist")
        if start.is_file():
            raise UsageError(f"{start} is a file; give the folder of a service or a monorepo")
        for folder, dirs, _files in os.walk(start):
            here = Path(folder)
            if (here / LOCK_NAME).is_file():
                found.add(here.resolve())
            dirs[:] = sorted(d for d in dirs if not _skipped(here, d))
    if not found:
        listed = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no scaffold service under {listed} (none holds {LOCK_NAME}); "
            "create one with `scaffold new` or `scaffold add`"
        )
    return sorted(found)
