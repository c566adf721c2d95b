"""The operations `scaffold add` performs on a folder that already is a scaffold service:
rename it (`--name`) and wire it (`--wire`). The caller holds the service lock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scaffold.conventions import Located, load
from scaffold.errors import UsageError
from scaffold.service_result import ServiceResult, check_service_name
from scaffold.sync import ApplyResult, read_lock
from scaffold.sync.atomic import Write, apply_ops
from scaffold.sync.paths import read_inside
from scaffold.sync.results import Action, FileChange, Status, unified_diff
from scaffold.targets.registry import TARGETS
from scaffold.update import RenderContext, update_locked
from scaffold.wiring import next_steps


def rename_service(
    *,
    lang: str,
    dest: Path,
    name: str,
    conventions: Located,
    force: bool = False,
    dry_run: bool = False,
) -> ServiceResult:
    """Give the service at `dest` a new service name: render it again with that name and
    apply it through the normal update path (generated files rewritten, user-owned files
    merged, the lock records the new name). The conventions stay those its lock names
    unless `conventions` was given explicitly. The caller holds the service lock."""
    check_service_name(name)
    old = read_lock(dest, TARGETS)
    if old.target != lang:
        raise UsageError(
            f"{dest} is a {old.target} service (its lock says so), not {lang}; "
            f"run `scaffold add --lang {old.target} --name {name}`"
        )
    given = conventions.path if conventions.reason == "given" else None
    ctx = RenderContext(conventions=given)
    opts = replace(old.options, service_name=name)
    result = update_locked(dest, ctx, force=force, dry_run=dry_run, options=opts)
    used = Located(given or old.conventions_file(dest), conventions.reason if given else "found")
    return ServiceResult(used, dest, opts, result, renamed_from=old.options.service_name)


def wire_service(*, lang: str, dest: Path, conventions: Located, dry_run: bool) -> ServiceResult:
    """`add --wire` in a service `add` made earlier: make the wiring edits only, in one
    journaled write; the lock is left as it is (the service's own files are not in it)."""
    lock = read_lock(dest, TARGETS)
    if lock.target != lang:
        raise UsageError(f"{dest} is a {lock.target} service (its lock says so), not {lang}")
    given = conventions.path if conventions.reason == "given" else lock.conventions_file(dest)
    conv = load(given)
    package = conv.go_package
    own = f"{lock.options.module_path}/internal/{package}"
    import_path = lock.options.extra["library"]["name"] if lock.options.library else own
    wiring = next_steps(
        lang, dest, import_path=import_path, package=package, module=conv.rust_module
    )
    if wiring.problem:
        raise UsageError(f"{dest}: --wire: {wiring.problem}; nothing was written{wiring.by_hand()}")
    writes = [Write(rel, text.encode("utf-8")) for rel, text in sorted(wiring.edits.items())]
    changes = tuple(
        FileChange(w.path, "user", Action.MERGE, read_inside(dest, w.path), w.content, "wired")
        for w in writes
    )
    if not dry_run:
        apply_ops(dest, writes)
    result = ApplyResult(
        root=dest,
        status=Status.WOULD_UPDATE if dry_run else Status.UPDATED,
        changes=changes,
        diff="".join(unified_diff(c.path, c.before, c.after) for c in changes) if dry_run else "",
    )
    used = Located(given, conventions.reason if conventions.reason == "given" else "found")
    return ServiceResult(
        used,
        dest,
        lock.options,
        result,
        wiring=wiring,
        wired=tuple(w.path for w in writes),
        wire_only=True,
    )
