"""Update and check one service: re-render from its lock, plan, then apply or compare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import __version__
from scaffold.errors import ScaffoldError, UsageError
from scaffold.render import Rendered
from scaffold.sync.atomic import JOURNAL, FaultHook, apply_ops, recover
from scaffold.sync.lock import (
    LOCK_NAME,
    Lock,
    LockedFile,
    base_path,
    conventions_digest,
    read_lock,
    relative_conventions_path,
    templates_digest,
)
from scaffold.sync.plan import Plan, describe_cause, plan_sync
from scaffold.sync.results import (
    Action,
    ApplyResult,
    CheckResult,
    Drift,
    Status,
)
from scaffold.targets.registry import render_target

if TYPE_CHECKING:
    from scaffold.conventions.model import Conventions

Loader = Callable[[Path], "Conventions"]


def _default_loader(path: Path) -> Conventions:
    from scaffold.conventions import load

    return load(path)


@dataclass
class RenderContext:
    """What every service of one run shares: overrides, and conventions loaded once."""

    conventions: Path | None = None  # --conventions FILE, for every service
    templates_dir: Path | None = None
    loader: Loader = _default_loader
    _loaded: dict[Path, tuple[Conventions, str]] = field(default_factory=dict)

    def load(self, path: Path) -> tuple[Conventions, str]:
        key = path.resolve()
        if key not in self._loaded:
            if not key.is_file():
                raise UsageError(
                    f"the conventions file {path} does not exist "
                    "(moved? give it with --conventions FILE)"
                )
            self._loaded[key] = (self.loader(key), conventions_digest(key))
        return self._loaded[key]


@dataclass(frozen=True)
class _Prepared:
    old: Lock
    rendered: Rendered
    meta: Lock  # the new lock without files


def _prepare(root: Path, ctx: RenderContext) -> _Prepared:
    old = read_lock(root)
    conv_file = ctx.conventions or old.conventions_file(root)
    conv, digest = ctx.load(conv_file)
    options = replace(old.options, target=old.target)
    rendered = render_target(old.target, conv, options, templates_dir=ctx.templates_dir)
    meta = replace(
        old,
        tool_version=__version__,
        templates_digest=templates_digest(old.target, ctx.templates_dir),
        conventions_path=relative_conventions_path(root, conv_file),
        conventions_digest=digest,
        options=options,
        files={},
    )
    return _Prepared(old, rendered, meta)


def _plan(root: Path, prepared: _Prepared, *, force: bool) -> Plan:
    def make_lock(files: dict[str, LockedFile]) -> Lock:
        return replace(prepared.meta, files=dict(sorted(files.items())))

    cause = describe_cause(prepared.old, prepared.meta)
    return plan_sync(
        root, prepared.rendered, old=prepared.old, make_lock=make_lock, cause=cause, force=force
    )


def update_service(
    root: Path,
    ctx: RenderContext,
    *,
    force: bool = False,
    dry_run: bool = False,
    hook: FaultHook | None = None,
) -> ApplyResult:
    """Bring one service to the current conventions and templates (see scaffold.sync.plan).

    Never raises for a problem of this service: it is reported as `Status.FAILED` with
    the tree and lock untouched, so one broken service does not stop a monorepo run.
    """
    if dry_run and (root / JOURNAL).exists():
        return ApplyResult(
            root=root,
            status=Status.FAILED,
            error="an update is running or was interrupted here; "
            "`scaffold update` rolls back an interrupted one",
        )
    try:
        recover(root)  # an update a crash interrupted is rolled back first
        plan = _plan(root, _prepare(root, ctx), force=force)
    except (ScaffoldError, OSError) as exc:
        return ApplyResult(root=root, status=Status.FAILED, error=str(exc))
    if plan.refusals:
        diff = "".join(r.diff for r in plan.refusals)
        return ApplyResult(
            root=root, status=Status.REFUSED, refusals=tuple(plan.refusals), diff=diff
        )
    changes = tuple(plan.changes)
    if plan.is_noop:
        return ApplyResult(root=root, status=Status.UNCHANGED)
    if dry_run:
        return ApplyResult(
            root=root,
            status=Status.WOULD_UPDATE,
            changes=changes,
            diff=plan.diff(),
            lock_changed=plan.lock_changed,
        )
    try:
        apply_ops(root, plan.ops(), hook=hook)
    except (OSError, ScaffoldError) as exc:
        return ApplyResult(root=root, status=Status.FAILED, error=f"nothing written: {exc}")
    status = (
        Status.CONFLICTS if any(c.action is Action.CONFLICT for c in changes) else Status.UPDATED
    )
    return ApplyResult(root=root, status=status, changes=changes, lock_changed=plan.lock_changed)


def check_service(root: Path, ctx: RenderContext) -> CheckResult:
    """Render in memory and compare: every file an update would touch, and why."""
    if (root / JOURNAL).exists():
        return CheckResult(
            root=root,
            drift=(
                Drift(
                    JOURNAL,
                    "an update is running or was interrupted; `scaffold update` rolls back "
                    "an interrupted one",
                ),
            ),
        )
    try:
        prepared = _prepare(root, ctx)
        plan = _plan(root, prepared, force=False)
    except (ScaffoldError, OSError) as exc:
        return CheckResult(root=root, error=str(exc))
    drift: list[Drift] = [Drift(r.path, r.reason) for r in plan.refusals]
    for change in plan.changes:
        if change.action is Action.RELEASE:
            drift.append(
                Drift(change.path, f"user-owned, {change.reason} ({plan_cause(prepared)})")
            )
        elif change.action in (Action.MERGE, Action.CONFLICT):
            verb = "would merge" if change.action is Action.MERGE else "would conflict"
            drift.append(Drift(change.path, f"{change.reason} (user-owned, {verb})"))
        elif change.action is Action.DELETE:
            drift.append(Drift(change.path, f"stale: {change.reason}"))
        elif change.action is Action.CREATE:
            drift.append(Drift(change.path, f"missing: {change.reason}"))
        else:
            drift.append(Drift(change.path, change.reason))
    seen = {d.path for d in drift}
    cause = plan_cause(prepared)
    for rel in sorted(set(plan.base_writes) | set(plan.base_deletes)):
        if rel not in seen:
            drift.append(Drift(base_path(rel), f"previous render out of date ({cause})"))
    if plan.lock_changed and not drift:
        drift.append(Drift(LOCK_NAME, f"out of date ({cause})"))
    return CheckResult(root=root, drift=tuple(drift))


def plan_cause(prepared: _Prepared) -> str:
    return describe_cause(prepared.old, prepared.meta)
