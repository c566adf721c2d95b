"""`scaffold update` and `scaffold check` as library verbs: load, render, hand to the engine.

For each service under some paths this reads its lock, loads the conventions file the lock
names (or the one given for all), renders the target again, and hands the render to the
sync engine (scaffold.sync), which plans and applies it, or compares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffold import __version__
from scaffold.conventions import load
from scaffold.conventions.model import Conventions
from scaffold.conventions.yamlsource import conventions_file_problem
from scaffold.errors import NoServices, ScaffoldError, UsageError
from scaffold.library.adopt import follow_project
from scaffold.library.follow import behind, current_version, other_conventions
from scaffold.module_room import check_module_room
from scaffold.rename_refs import check_renamed_refs
from scaffold.render import Rendered, RenderOptions
from scaffold.render.cache import prepared_target
from scaffold.resources import templates_root
from scaffold.sync import (
    ApplyResult,
    CheckReport,
    CheckResult,
    Drift,
    Rerender,
    UpdateReport,
    check_service,
    find_services,
    read_lock,
    update_service,
)
from scaffold.sync.atomic import FaultHook
from scaffold.sync.journal import JOURNAL, inspect_journal, refusal
from scaffold.sync.lock import (
    LOCK_NAME,
    Lock,
    conventions_digest,
    relative_conventions_path,
    templates_digest,
)
from scaffold.sync.owner import locked_by_other, service_lock
from scaffold.sync.paths import lexists
from scaffold.sync.recovery import recover
from scaffold.sync.service import INTERRUPTED, check_interrupted, failed, interrupted
from scaffold.targets import rust_format
from scaffold.targets.registry import TARGETS, render_target
from scaffold.update_deps import dependency_edit
from scaffold.update_deps import note as dependency_note

# Called after each service: (services done, services in total, the service's root).
Progress = Callable[[int, int, Path], None]


@dataclass
class RenderContext:
    """What every service of one run shares: overrides, and conventions loaded once."""

    conventions: Path | None = None  # --conventions FILE, for every service
    templates_dir: Path | None = None
    lib_version: str = ""  # --lib-version: the library version library-mode services move to
    _loaded: dict[Path, tuple[Conventions, str]] = field(default_factory=dict)

    def load(self, path: Path) -> tuple[Conventions, str]:
        key = path.resolve()
        if key not in self._loaded:
            problem = conventions_file_problem(path, str(path))
            if problem:
                raise UsageError(problem)
            self._loaded[key] = (load(key), conventions_digest(key))
        return self._loaded[key]

    def rerender(self, root: Path, options: RenderOptions | None = None) -> Rerender:
        """Render the service at `root` again from its lock (with `options`, if given)."""
        old = read_lock(root, TARGETS)
        conv_file = self.conventions or old.conventions_file(root)
        conv, digest = self.load(conv_file)
        opts = current_version(
            root, replace(options or old.options, target=old.target), self.lib_version
        )
        opts, project, refused = follow_project(root, old.options, opts)
        needs = dependency_edit(root, conv, opts)
        rendered = render_target(old.target, conv, opts, templates_dir=self.templates_dir)
        if opts.target == "rust" and opts.mode == "add":
            rendered = rust_format.for_host(rendered, root)
        self.check_entries(root, old, rendered)
        if not opts.library:
            check_module_room(root, opts.target, rendered.files, update=True)
            check_renamed_refs(root, opts.target, old.files, rendered.files, opts.module_path)
        meta = replace(
            old,
            tool_version=__version__,
            templates_digest=templates_digest(old.target, self.templates_dir),
            conventions_path=relative_conventions_path(root, conv_file),
            conventions_digest=digest,
            options=opts,
            files={},
        )
        project = {**project, **needs.files}
        return Rerender(old, rendered, meta, project, refused, needs.reasons)

    def check_entries(self, root: Path, old: Lock, rendered: Rendered) -> None:
        """Refuse a lock naming a file its target's manifest cannot produce (before anything
        is planned, so before anything is deleted)."""
        manifest, _env = prepared_target(self.templates_dir or templates_root(), old.target)
        patterns = [manifest_pattern(entry.path) for entry in manifest.entries]
        for rel in old.files:
            if rel not in rendered.files and not any(p.fullmatch(rel) for p in patterns):
                raise UsageError(
                    f"{root / LOCK_NAME}: invalid lock: file {rel!r} is nothing the "
                    f"{old.target} target can produce; restore the lock from version control "
                    f"(git checkout -- {LOCK_NAME}), the lock is generated, never edit it"
                )


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")


def manifest_pattern(path_template: str) -> re.Pattern[str]:
    """A manifest path (`internal/{{ go_package }}/doc.go`) as a full-match pattern: each
    placeholder stands for one path component or part of one."""
    literals = _PLACEHOLDER.split(path_template)
    return re.compile("[^/]+".join(re.escape(part) for part in literals))


def update_one(
    root: Path,
    ctx: RenderContext,
    *,
    force: bool = False,
    dry_run: bool = False,
    hook: FaultHook | None = None,
    options: RenderOptions | None = None,
    wait: float = 0.0,
) -> ApplyResult:
    """Render one service again and let the engine apply it; a problem is a FAILED result.

    The service lock is held from planning to apply (a second run stops naming the holder,
    or waits up to `wait` seconds)."""
    if dry_run and interrupted(root):
        return failed(root, INTERRUPTED)
    try:
        with service_lock(root, wait=wait):
            return update_locked(
                root, ctx, force=force, dry_run=dry_run, hook=hook, options=options
            )
    except (ScaffoldError, OSError) as exc:
        return failed(root, str(exc))


def update_locked(
    root: Path,
    ctx: RenderContext,
    *,
    force: bool = False,
    dry_run: bool = False,
    hook: FaultHook | None = None,
    options: RenderOptions | None = None,
) -> ApplyResult:
    """`update_one` for a caller that already holds the service lock."""
    try:
        recover(root)  # an update a crash interrupted is rolled back (or forward) first
        job = ctx.rerender(root, options)
    except (ScaffoldError, OSError) as exc:
        return failed(root, str(exc))
    result = update_service(root, job, force=force, dry_run=dry_run, hook=hook)
    notes = tuple(
        dependency_note(c.path, job.reasons[c.path], dry_run=dry_run)
        for c in result.changes
        if c.path in job.reasons and c.path in ("Cargo.toml", "go.mod")
    )
    return replace(result, notes=notes) if notes else result


@dataclass(frozen=True)
class Recovered:
    """What `scaffold recover` did to one service: `done` ('' for nothing), the leftover
    files it left alone, or the error that stopped it (nothing touched then)."""

    root: Path
    done: str = ""
    left: tuple[str, ...] = ()
    error: str = ""


def recover_services(
    paths: Sequence[Path], *, wait: float = 0.0, trust: bool = False, discard: bool = False
) -> list[Recovered]:
    """Take each service's lock, then roll back or forward what a dead process left (only
    on a journal provably left by a dead process of this machine, unless `trust`; or
    remove the journal unread with `discard`), and list leftovers nobody accounts for."""
    done = []
    for root in _recover_roots(paths):
        try:
            with service_lock(root, wait=wait):
                found = recover(root, trust=trust, discard=discard, list_strays=True)
        except (ScaffoldError, OSError) as exc:
            done.append(Recovered(root, error=str(exc)))
            continue
        done.append(Recovered(root, found.done, found.left))
    return done


def _recover_roots(paths: Sequence[Path]) -> list[Path]:
    """The services under `paths`, and any of `paths` itself that holds a journal but no
    lock yet (a first render, `new` or `add`, or a docs build, that was interrupted)."""
    roots = {p.resolve() for p in paths if lexists(p / JOURNAL) and not lexists(p / LOCK_NAME)}
    try:
        roots.update(find_services(paths))
    except NoServices:
        if not roots:
            raise
    return sorted(roots)


def _journal_refused(root: Path) -> str:
    """Why `check` cannot say what an interrupted update left ('' when recovery would
    act on it, or a run holds the service lock now: its journal is no leftover)."""
    found = inspect_journal(root)
    if not found.exists or not found.problem or locked_by_other(root):
        return ""
    return str(refusal(root, found))


def check_one(root: Path, ctx: RenderContext) -> CheckResult:
    """Render one service again in memory and let the engine compare; writes nothing."""
    if interrupted(root):
        refused = _journal_refused(root)
        if refused:
            return CheckResult(root=root, error=refused)
        return check_interrupted(root)
    holder = locked_by_other(root)
    if holder:
        return CheckResult(root=root, error=f"another scaffold ({holder}) is changing it now")
    try:
        job = ctx.rerender(root)
    except (ScaffoldError, OSError) as exc:
        return CheckResult(root=root, error=str(exc))
    result = check_service(root, job)
    late = behind(job.old.options, job.meta.options, bool(ctx.lib_version))
    try:
        other = other_conventions(root, job.meta.options, job.meta.conventions_digest)
    except (ScaffoldError, OSError) as exc:
        return CheckResult(root=root, error=str(exc))
    found = tuple(Drift(LOCK_NAME, why) for why in (late, other) if why)
    return replace(result, drift=(*found, *result.drift)) if found else result


def update_services(
    paths: Sequence[Path],
    *,
    conventions: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    templates_dir: Path | None = None,
    progress: Progress | None = None,
    hook: FaultHook | None = None,
    wait: float = 0.0,
    lib_version: str = "",
) -> UpdateReport:
    """Update every service under `paths`; each one all or nothing, independently."""
    services = find_services(paths)
    ctx = _context(conventions, templates_dir, lib_version)
    results = []
    for index, root in enumerate(services, start=1):
        results.append(update_one(root, ctx, force=force, dry_run=dry_run, hook=hook, wait=wait))
        if progress is not None:
            progress(index, len(services), root)
    return UpdateReport(tuple(results))


def check_services(
    paths: Sequence[Path],
    *,
    conventions: Path | None = None,
    templates_dir: Path | None = None,
    progress: Progress | None = None,
    lib_version: str = "",
) -> CheckReport:
    """Compare every service under `paths` with a fresh render, in memory."""
    services = find_services(paths)
    ctx = _context(conventions, templates_dir, lib_version)
    results = []
    for index, root in enumerate(services, start=1):
        results.append(check_one(root, ctx))
        if progress is not None:
            progress(index, len(services), root)
    return CheckReport(tuple(results))


def _context(
    conventions: Path | None, templates_dir: Path | None, lib_version: str = ""
) -> RenderContext:
    problem = conventions_file_problem(conventions, str(conventions)) if conventions else ""
    if problem:
        raise UsageError(problem)
    return RenderContext(
        conventions=conventions, templates_dir=templates_dir, lib_version=lib_version
    )
