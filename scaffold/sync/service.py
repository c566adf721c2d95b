"""Update and check one service against a render it is handed: plan, then apply or compare.

The engine is pure: it never loads conventions or renders. The library verbs
(scaffold/update.py, scaffold/services.py) render and hand over a `Rerender`: the new
files and the lock they are to be recorded with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffold.errors import ScaffoldError
from scaffold.render import Rendered
from scaffold.sync.atomic import JOURNAL, FaultHook, Write, apply_ops
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, base_path
from scaffold.sync.paths import lexists
from scaffold.sync.plan import Plan, describe_cause, plan_sync
from scaffold.sync.results import (
    Action,
    ApplyResult,
    CheckResult,
    Drift,
    FileChange,
    Refusal,
    Status,
    unified_diff,
)

INTERRUPTED = (
    "an update is running or was interrupted here; `scaffold recover` (or the next "
    "`scaffold update`) rolls an interrupted one back or forward"
)


_MOVED = "library dependency moved"


@dataclass(frozen=True)
class Rerender:
    """A fresh render of one service, and what its lock is to record (`meta`, no files)."""

    old: Lock
    rendered: Rendered
    meta: Lock
    # Project files outside the render that change with it (path -> before, after): the
    # library dependency line `update` moves in a service made by `add --lib`.
    project: Mapping[str, tuple[bytes, bytes]] = field(default_factory=dict)
    # Why a project file cannot change with it (the team edited what was to change).
    refused: tuple[Refusal, ...] = ()
    # Why a project file changes, when it is not the library line (scaffold.update_deps).
    reasons: Mapping[str, str] = field(default_factory=dict)

    def project_changes(self) -> tuple[FileChange, ...]:
        return tuple(
            FileChange(rel, "user", Action.MERGE, before, after, self.reasons.get(rel, _MOVED))
            for rel, (before, after) in sorted(self.project.items())
            if before != after
        )

    @property
    def cause(self) -> str:
        return describe_cause(self.old, self.meta)


def interrupted(root: Path) -> bool:
    """True while a journal is there: an update runs, or one was killed half way."""
    return lexists(root / JOURNAL)


def failed(root: Path, error: str) -> ApplyResult:
    return ApplyResult(root=root, status=Status.FAILED, error=error)


def _plan(root: Path, job: Rerender, *, force: bool) -> Plan:
    def make_lock(files: dict[str, LockedFile]) -> Lock:
        return replace(job.meta, files=dict(sorted(files.items())))

    return plan_sync(
        root, job.rendered, old=job.old, make_lock=make_lock, cause=job.cause, force=force
    )


def update_service(
    root: Path,
    job: Rerender,
    *,
    force: bool = False,
    dry_run: bool = False,
    hook: FaultHook | None = None,
) -> ApplyResult:
    """Bring one service to `job` (see scaffold.sync.plan for the rules per file).

    Never raises for a problem of this service: it is reported as `Status.FAILED` with
    the tree and lock untouched, so one broken service does not stop a monorepo run.
    """
    try:
        plan = _plan(root, job, force=force)
    except (ScaffoldError, OSError) as exc:
        return failed(root, str(exc))
    if plan.refusals or job.refused:
        refusals = (*job.refused, *plan.refusals)
        diff = "".join(r.diff for r in refusals)
        return ApplyResult(root=root, status=Status.REFUSED, refusals=refusals, diff=diff)
    project = job.project_changes()
    changes = (*plan.changes, *project)
    if plan.is_noop and not project:
        return ApplyResult(root=root, status=Status.UNCHANGED)
    if dry_run:
        extra = "".join(unified_diff(c.path, c.before, c.after) for c in project)
        return ApplyResult(
            root=root,
            status=Status.WOULD_UPDATE,
            changes=changes,
            diff=plan.diff() + extra,
            lock_changed=plan.lock_changed,
        )
    writes = [Write(c.path, c.after) for c in project if c.after is not None]
    try:
        apply_ops(root, plan.ops(writes), hook=hook)
    except (OSError, ScaffoldError) as exc:
        return failed(root, str(exc))
    status = (
        Status.CONFLICTS if any(c.action is Action.CONFLICT for c in changes) else Status.UPDATED
    )
    return ApplyResult(root=root, status=status, changes=changes, lock_changed=plan.lock_changed)


def check_interrupted(root: Path) -> CheckResult:
    """What `check` says about a service whose update was interrupted (or runs now)."""
    return CheckResult(root=root, drift=(Drift(JOURNAL, INTERRUPTED),))


def check_service(root: Path, job: Rerender) -> CheckResult:
    """Compare the tree with `job`, in memory: every file an update would touch, and why."""
    try:
        plan = _plan(root, job, force=False)
    except (ScaffoldError, OSError) as exc:
        return CheckResult(root=root, error=str(exc))
    cause = job.cause
    drift: list[Drift] = [Drift(r.path, r.reason) for r in (*job.refused, *plan.refusals)]
    for change in plan.changes:
        if change.action is Action.RELEASE:
            drift.append(Drift(change.path, f"user-owned, {change.reason} ({cause})"))
        elif change.action in (Action.MERGE, Action.CONFLICT):
            verb = "would merge" if change.action is Action.MERGE else "would conflict"
            drift.append(Drift(change.path, f"{change.reason} (user-owned, {verb})"))
        elif change.action is Action.DELETE:
            drift.append(Drift(change.path, f"stale: {change.reason}"))
        elif change.action is Action.CREATE:
            drift.append(Drift(change.path, f"missing: {change.reason}"))
        else:
            drift.append(Drift(change.path, change.reason))
    drift += [
        (
            Drift(c.path, f"{c.reason} (user-owned, would edit one line)")
            if c.reason == _MOVED
            else Drift(c.path, f"{c.reason} (user-owned; `scaffold update` adds them)")
        )
        for c in job.project_changes()
    ]
    seen = {d.path for d in drift}
    for rel in sorted(set(plan.base_writes) | set(plan.base_deletes)):
        if rel not in seen:
            drift.append(Drift(base_path(rel), f"previous render out of date ({cause})"))
    if plan.lock_changed and not drift:
        drift.append(Drift(LOCK_NAME, f"out of date ({cause})"))
    return CheckResult(root=root, drift=tuple(drift))
