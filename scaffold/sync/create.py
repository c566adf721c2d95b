"""`scaffold new` and `scaffold add`: write a first render and its lock, atomically."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.render import Rendered, RenderOptions
from scaffold.sync.atomic import FaultHook, Write, apply_ops, recover
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, new_lock
from scaffold.sync.paths import lexists, read_inside
from scaffold.sync.plan import LockFactory, Plan, plan_sync
from scaffold.sync.results import ApplyResult, Status, unified_diff


def _first_plan(dest: Path, rendered: Rendered, make_lock: LockFactory, *, force: bool) -> Plan:
    """The plan of a first render into `dest`, or UsageError when something is in the way."""
    recover(dest)  # a first render a crash interrupted is rolled back first
    if lexists(dest / LOCK_NAME):
        raise UsageError(
            f"{dest} is already a scaffold service ({LOCK_NAME} exists); "
            "run `scaffold update` to follow the conventions"
        )
    if dest.exists() and not dest.is_dir():
        raise UsageError(
            f"{dest} exists and is not a folder; give a new or empty folder, or move the file away"
        )
    plan = plan_sync(dest, rendered, old=None, make_lock=make_lock, cause="new", force=force)
    if plan.refusals:
        listed = "\n".join(f"  {r.path}: {r.reason}" for r in plan.refusals)
        raise UsageError(
            f"{len(plan.refusals)} file(s) in {dest} are in the way "
            f"(use --force to overwrite generated files and keep your own):\n{listed}"
        )
    return plan


def create_service(
    *,
    dest: Path,
    rendered: Rendered,
    conventions_path: Path,
    conventions_digest: str,
    target: str,
    options: RenderOptions,
    force: bool = False,
    dry_run: bool = False,
    templates_dir: Path | None = None,
    hook: FaultHook | None = None,
    project_files: Mapping[str, bytes] | None = None,
) -> ApplyResult:
    """Write every rendered file under `dest`, the lock and the merge bases, all or nothing.

    Files already in `dest` with the same content are adopted. Any other file in the way
    is refused (a UsageError naming every such path) unless `force`: then a generated file
    is overwritten, and a user-owned file is kept exactly as it is, the render becoming its
    merge base (the next `update` merges template changes into it). A `dest` that already
    holds a lock is refused: it is updated with `scaffold update`.

    `project_files` are files outside the render that the same transaction rewrites (the
    go.mod, go.sum or Cargo.toml `scaffold add` extends); the lock does not track them.
    """

    def make_lock(files: dict[str, LockedFile]) -> Lock:
        return new_lock(
            root=dest,
            target=target,
            options=options,
            conventions_path=conventions_path,
            conventions_digest=conventions_digest,
            files=files,
            templates_dir=templates_dir,
        )

    plan = _first_plan(dest, rendered, make_lock, force=force)
    extra = [Write(rel, data) for rel, data in sorted((project_files or {}).items())]
    diff = ""
    if dry_run:
        diff = plan.diff() + "".join(
            unified_diff(w.path, _current(dest, w.path), w.content) for w in extra
        )
    result = ApplyResult(
        root=dest,
        status=Status.WOULD_UPDATE if dry_run else Status.UPDATED,
        changes=tuple(plan.changes),
        diff=diff,
        lock_changed=plan.lock_changed,
    )
    if not dry_run:
        apply_ops(dest, plan.ops(extra), hook=hook)
    return result


def _current(root: Path, rel: str) -> bytes | None:
    return read_inside(root, rel)
