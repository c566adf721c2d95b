"""Plan one service's sync in memory: what to create, rewrite, merge, delete or refuse.

Nothing is written here. The plan compares three things per file: the tree as it is, the
lock (what scaffold last wrote, and for user-owned files the previous render kept as the
merge base) and the new render.

Rules:
- generated files are rewritten when the tree still holds exactly what the lock says was
  written (for .go and .rs files: that, or that run through a formatter; a generated
  file that differs from the render by its formatting only is in sync and left as it
  is, see scaffold.sync.normal); anything else in the way (a hand edit, or a file scaffold never wrote) is
  refused unless `force`. A generated file deleted by hand is written again.
- user-owned files are three-way merged (base = previous render). A user-owned file the
  tree lacks although the lock has it was deleted by its team and stays deleted. A
  user-owned file in the way of a first render (no base yet) is refused unless `force`;
  with `force` the team's file is kept as is and the render becomes its merge base.
- generated files the render no longer produces are deleted (refused if hand-edited);
  user-owned files it no longer produces are released: kept, and dropped from the lock.
- a file whose owner changes between template versions: generated -> user-owned is
  merged with what scaffold last wrote as the base; user-owned -> generated is
  rewritten if its team never changed it, refused otherwise (as a hand edit).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.render import Rendered
from scaffold.render.headers import header_for, is_generated
from scaffold.sync.atomic import Delete, Op, Write
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, base_path, sha256_hex
from scaffold.sync.merge import merge3
from scaffold.sync.normal import normal_digest
from scaffold.sync.paths import inside, lexists, read_inside
from scaffold.sync.results import Action, FileChange, Refusal, unified_diff

LockFactory = Callable[[dict[str, LockedFile]], Lock]


@dataclass
class Plan:
    root: Path
    changes: list[FileChange] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    # Base renders to write or delete, relative to the root (under .scaffold/base/).
    base_writes: dict[str, bytes] = field(default_factory=dict)
    base_deletes: list[str] = field(default_factory=list)
    lock_before: bytes | None = None
    lock_after: bytes = b""

    @property
    def lock_changed(self) -> bool:
        return self.lock_before != self.lock_after

    @property
    def is_noop(self) -> bool:
        return not (self.changes or self.base_writes or self.base_deletes or self.lock_changed)

    def ops(self, extra: Sequence[Op] = ()) -> list[Op]:
        """Every write and delete, then `extra` (files outside the render), the lock last
        (written only after all it describes)."""
        ops: list[Op] = []
        for change in self.changes:
            if change.action is Action.DELETE:
                ops.append(Delete(change.path))
            elif change.after is not None and change.action is not Action.RELEASE:
                ops.append(Write(change.path, change.after))
        ops += [Write(base_path(rel), data) for rel, data in sorted(self.base_writes.items())]
        ops += [Delete(base_path(rel)) for rel in sorted(self.base_deletes)]
        ops += extra
        if self.lock_changed:
            ops.append(Write(LOCK_NAME, self.lock_after))
        return ops

    def diff(self) -> str:
        return "".join(unified_diff(c.path, c.before, c.after) for c in self.changes)


def _read(root: Path, rel: str) -> bytes | None:
    """A file of the service as it is now, never through a symlink (UsageError); a folder
    in its place reads as empty (it is then in the way, and refused)."""
    path = inside(root, rel)
    if stat.S_ISDIR(os.lstat(path).st_mode if lexists(path) else 0):
        return b""
    return read_inside(root, rel)


def _as_written(rel: str, disk: bytes, entry: LockedFile) -> bool:
    """True when a generated file holds what scaffold last wrote, or that reformatted."""
    if sha256_hex(disk) == entry.sha256:
        return True
    return bool(entry.normal_sha256) and normal_digest(rel, disk) == entry.normal_sha256


@dataclass
class _Planner:
    root: Path
    old: Lock | None
    cause: str
    force: bool
    plan: Plan
    locked: dict[str, LockedFile] = field(default_factory=dict)

    def change(
        self,
        rel: str,
        owner: str,
        action: Action,
        before: bytes | None,
        after: bytes | None,
        reason: str,
        conflicts: int = 0,
    ) -> None:
        self.plan.changes.append(FileChange(rel, owner, action, before, after, reason, conflicts))

    def refuse(self, rel: str, reason: str, before: bytes | None, after: bytes | None) -> bool:
        """Record a refusal; True when `force` overrides it (go ahead)."""
        if self.force:
            return True
        self.plan.refusals.append(Refusal(rel, reason, unified_diff(rel, before, after)))
        return False

    def generated(self, rel: str, new: bytes, template: str) -> None:
        entry = self.old.files.get(rel) if self.old else None
        disk = _read(self.root, rel)
        normal = normal_digest(rel, new)
        sha = sha256_hex(new)
        if (
            normal
            and entry is not None
            and entry.owner == "generated"
            and normal == entry.normal_sha256
        ):
            sha = entry.sha256  # the render differs by layout only (the host's rustfmt settings)
        self.locked[rel] = LockedFile("generated", sha, template, normal)
        if entry is not None and entry.owner == "user":
            self.plan.base_deletes.append(rel)  # no merge base for a generated file
        if disk == new or (disk and normal and normal_digest(rel, disk) == normal):
            return  # the same, or the same but for the project's formatter
        if disk is None:
            reason = "deleted by hand" if entry else (self.cause if self.old else "new")
            self.change(rel, "generated", Action.CREATE, None, new, reason)
            return
        if entry is not None and _as_written(rel, disk, entry):
            self.change(rel, "generated", Action.OVERWRITE, disk, new, self.cause)
            return
        if entry is None:
            why = "exists, and scaffold did not write it"
        elif entry.owner == "user":
            why = "was user-owned and edited, is generated now"
        else:
            why = "edited by hand"
        if self.refuse(rel, why, disk, new):
            self.change(rel, "generated", Action.OVERWRITE, disk, new, f"{why}; --force")

    def user(self, rel: str, new: bytes, template: str) -> None:
        entry = self.old.files.get(rel) if self.old else None
        tracked = entry is not None and entry.owner == "user"
        disk = _read(self.root, rel)
        base = _read(self.root, base_path(rel)) if tracked else None
        if (
            entry is not None
            and not tracked
            and disk is not None
            and sha256_hex(disk) == entry.sha256
        ):
            base = disk  # generated until now, untouched: what scaffold wrote is the base
        if base != new:
            self.plan.base_writes[rel] = new
        if disk is None:
            if tracked and entry is not None:  # deleted by its team: stays deleted
                self.locked[rel] = LockedFile("user", entry.sha256, template)
                return
            self.locked[rel] = LockedFile("user", sha256_hex(new), template)
            self.change(rel, "user", Action.CREATE, None, new, self.cause if self.old else "new")
            return
        if base is None:
            self.locked[rel] = LockedFile("user", sha256_hex(disk), template)
            if disk != new:
                why = "exists with other content, and there is no previous render to merge with"
                if not self.refuse(rel, why, disk, new):
                    self.plan.base_writes.pop(rel, None)
            return
        merged = merge3(rel, base=base, ours=disk, theirs=new)
        if merged.content == disk:  # nothing to write: the lock keeps the hash last written
            assert entry is not None
            self.locked[rel] = LockedFile("user", entry.sha256, template)
            return
        self.locked[rel] = LockedFile("user", sha256_hex(merged.content), template)
        action = Action.CONFLICT if merged.conflicts else Action.MERGE
        self.change(rel, "user", action, disk, merged.content, self.cause, merged.conflicts)

    def gone(self, rel: str, entry: LockedFile) -> None:
        disk = _read(self.root, rel)
        if entry.owner == "user":
            self.plan.base_deletes.append(rel)
            if disk is not None:
                self.change(rel, "user", Action.RELEASE, disk, disk, "no longer rendered; kept")
            return
        if disk is None:
            return
        if header_for(rel, "-") and not is_generated(disk[:600].decode("utf-8", "replace")):
            # A file of a type that always carries the generated header, without it: the
            # lock's entry is not to be trusted, and no --force deletes what is not ours.
            why = "the lock lists it as generated, but it has no generated header; kept"
            self.plan.refusals.append(Refusal(rel, why, ""))
            self.locked[rel] = entry
            return
        if _as_written(rel, disk, entry):
            self.change(
                rel, "generated", Action.DELETE, disk, None, f"no longer generated ({self.cause})"
            )
        elif self.refuse(rel, "edited by hand, and no longer generated", disk, None):
            self.change(rel, "generated", Action.DELETE, disk, None, "no longer generated; --force")
        else:
            self.locked[rel] = entry


def plan_sync(
    root: Path,
    rendered: Rendered,
    *,
    old: Lock | None,
    make_lock: LockFactory,
    cause: str,
    force: bool,
) -> Plan:
    """Plan bringing the service at `root` to `rendered` (see the module doc)."""
    plan = Plan(root=root, lock_before=_read(root, LOCK_NAME))
    planner = _Planner(root=root, old=old, cause=cause, force=force, plan=plan)
    for rel in sorted(rendered.files):
        file = rendered.files[rel]
        new = file.content.encode("utf-8")
        if file.owner == "user":
            planner.user(rel, new, file.template)
        else:
            planner.generated(rel, new, file.template)
    if old is not None:
        for rel, entry in sorted(old.files.items()):
            if rel not in rendered.files:
                planner.gone(rel, entry)
    plan.lock_after = make_lock(planner.locked).to_bytes()
    return plan


def describe_cause(old: Lock, new: Lock) -> str:
    """Why a render differs from the last one, from the two locks' metadata."""
    parts = []
    if old.conventions_digest != new.conventions_digest:
        parts.append("conventions changed")
    if old.tool_version != new.tool_version or old.templates_digest != new.templates_digest:
        parts.append("tool upgraded")
    if old.options != new.options or old.target != new.target:
        parts.append("options changed")
    if old.conventions_path != new.conventions_path:
        parts.append("conventions file moved")
    return ", ".join(parts) or "render differs from the last one"
