"""`update` and `check` over many services: find them, visit each, report progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.atomic import FaultHook
from scaffold.sync.lock import LOCK_NAME, STATE_DIR
from scaffold.sync.results import ApplyResult, CheckResult, Status
from scaffold.sync.service import Loader, RenderContext, check_service, update_service

# Called after each service: (services done, services in total, the service's root).
Progress = Callable[[int, int, Path], None]

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


@dataclass(frozen=True)
class UpdateReport:
    services: tuple[ApplyResult, ...]

    @property
    def exit_code(self) -> int:
        """0 all in sync, 1 conflicts or refusals, 2 a service failed (bad input)."""
        statuses = {s.status for s in self.services}
        if Status.FAILED in statuses:
            return 2
        if statuses & {Status.CONFLICTS, Status.REFUSED}:
            return 1
        return 0

    @property
    def changed(self) -> bool:
        return any(s.status is not Status.UNCHANGED for s in self.services)


@dataclass(frozen=True)
class CheckReport:
    services: tuple[CheckResult, ...]

    @property
    def exit_code(self) -> int:
        if any(s.error for s in self.services):
            return 2
        return 0 if all(s.ok for s in self.services) else 1


def update_services(
    paths: Sequence[Path],
    *,
    conventions: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    templates_dir: Path | None = None,
    progress: Progress | None = None,
    loader: Loader | None = None,
    hook: FaultHook | None = None,
) -> UpdateReport:
    """Update every service under `paths`; each one all or nothing, independently."""
    services = find_services(paths)
    ctx = _context(conventions, templates_dir, loader)
    results = []
    for index, root in enumerate(services, start=1):
        results.append(update_service(root, ctx, force=force, dry_run=dry_run, hook=hook))
        if progress is not None:
            progress(index, len(services), root)
    return UpdateReport(tuple(results))


def check_services(
    paths: Sequence[Path],
    *,
    conventions: Path | None = None,
    templates_dir: Path | None = None,
    progress: Progress | None = None,
    loader: Loader | None = None,
) -> CheckReport:
    """Compare every service under `paths` with a fresh render, in memory."""
    services = find_services(paths)
    ctx = _context(conventions, templates_dir, loader)
    results = []
    for index, root in enumerate(services, start=1):
        results.append(check_service(root, ctx))
        if progress is not None:
            progress(index, len(services), root)
    return CheckReport(tuple(results))


def _context(
    conventions: Path | None, templates_dir: Path | None, loader: Loader | None
) -> RenderContext:
    if conventions is not None and not conventions.is_file():
        raise UsageError(
            f"the conventions file {conventions} does not exist (give it with --conventions FILE)"
        )
    ctx = RenderContext(conventions=conventions, templates_dir=templates_dir)
    if loader is not None:
        ctx.loader = loader
    return ctx
