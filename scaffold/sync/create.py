"""`scaffold new` and `scaffold add`: write a first render and its lock, atomically."""

from __future__ import annotations

from pathlib import Path

from scaffold.errors import UsageError
from scaffold.render import Rendered, RenderOptions
from scaffold.sync.atomic import FaultHook, apply_ops, recover
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, new_lock
from scaffold.sync.plan import plan_sync
from scaffold.sync.results import ApplyResult, Status


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
) -> ApplyResult:
    """Write every rendered file under `dest`, the lock and the merge bases, all or nothing.

    Files already in `dest` with the same content are adopted. Any other file in the way
    is refused (a UsageError naming every such path) unless `force`: then a generated file
    is overwritten, and a user-owned file is kept exactly as it is, the render becoming its
    merge base (the next `update` merges template changes into it). A `dest` that already
    holds a lock is refused: it is updated with `scaffold update`.
    """
    recover(dest)  # a first render a crash interrupted is rolled back first
    if (dest / LOCK_NAME).exists():
        raise UsageError(
            f"{dest} is already a scaffold service ({LOCK_NAME} exists); "
            "run `scaffold update` to follow the conventions"
        )
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")

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

    plan = plan_sync(dest, rendered, old=None, make_lock=make_lock, cause="new", force=force)
    if plan.refusals:
        listed = "\n".join(f"  {r.path}: {r.reason}" for r in plan.refusals)
        raise UsageError(
            f"{len(plan.refusals)} file(s) in {dest} are in the way "
            f"(use --force to overwrite generated files and keep your own):\n{listed}"
        )
    result = ApplyResult(
        root=dest,
        status=Status.WOULD_UPDATE if dry_run else Status.UPDATED,
        changes=tuple(plan.changes),
        diff=plan.diff() if dry_run else "",
        lock_changed=plan.lock_changed,
    )
    if not dry_run:
        apply_ops(dest, plan.ops(), hook=hook)
    return result
