"""What the sync engine returns: per file, per service, per run. Plain data, no printing."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Action(StrEnum):
    CREATE = "create"  # a file the render produces and the tree lacks
    OVERWRITE = "overwrite"  # a generated file rewritten
    MERGE = "merge"  # a user-owned file three-way merged, cleanly
    CONFLICT = "conflict"  # a user-owned file merged with conflict markers
    DELETE = "delete"  # a generated file the render no longer produces
    RELEASE = "release"  # a user-owned file no longer rendered: kept, no longer tracked


class Status(StrEnum):
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    CONFLICTS = "conflicts"  # updated, with conflict markers left in some files
    REFUSED = "refused"  # hand edits in generated files (or unknown files in the way)
    FAILED = "failed"  # the service could not be rendered or written; nothing changed
    WOULD_UPDATE = "would-update"  # --dry-run found changes


@dataclass(frozen=True)
class FileChange:
    path: str
    owner: str
    action: Action
    before: bytes | None
    after: bytes | None
    reason: str
    conflicts: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "owner": self.owner,
            "action": str(self.action),
            "reason": self.reason,
            "conflicts": self.conflicts,
        }


@dataclass(frozen=True)
class Refusal:
    """A file update will not touch without `--force`, and why."""

    path: str
    reason: str
    diff: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "diff": self.diff}


@dataclass(frozen=True)
class ApplyResult:
    """The outcome for one service of `new`/`add` (create_service) or `update`."""

    root: Path
    status: Status
    changes: tuple[FileChange, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    diff: str = ""  # unified diff of every change (filled on --dry-run and for refusals)
    error: str = ""
    lock_changed: bool = False
    # What the team should hear: project files the update changed with the render, and why.
    notes: tuple[str, ...] = ()

    @property
    def files_changed(self) -> int:
        return len(self.changes)

    @property
    def merged(self) -> int:
        return sum(1 for c in self.changes if c.action in (Action.MERGE, Action.CONFLICT))

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.action is Action.CONFLICT]

    def to_json(self) -> dict[str, Any]:
        return {
            "service": str(self.root),
            "status": str(self.status),
            "files_changed": self.files_changed,
            "merged": self.merged,
            "conflicts": [c.path for c in self.conflicts],
            "changes": [c.to_json() for c in self.changes],
            "refusals": [r.to_json() for r in self.refusals],
            "error": self.error,
            "diff": self.diff,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Drift:
    """One file `scaffold check` found out of sync, and why."""

    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class CheckResult:
    root: Path
    drift: tuple[Drift, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.drift and not self.error

    def to_json(self) -> dict[str, Any]:
        return {
            "service": str(self.root),
            "ok": self.ok,
            "drift": [d.to_json() for d in self.drift],
            "error": self.error,
        }


@dataclass(frozen=True)
class UpdateReport:
    """`update` over many services: one result each, in the order they were visited."""

    services: tuple[ApplyResult, ...]

    @property
    def changed(self) -> bool:
        return any(s.status is not Status.UNCHANGED for s in self.services)

    def count(self, status: Status) -> int:
        return sum(1 for s in self.services if s.status is status)

    @property
    def notes(self) -> tuple[tuple[Path, str], ...]:
        """(service, note) of every service, in order."""
        return tuple((s.root, n) for s in self.services for n in s.notes)


@dataclass(frozen=True)
class CheckReport:
    """`check` over many services: one result each."""

    services: tuple[CheckResult, ...]

    @property
    def failed(self) -> bool:
        """A service could not be checked (an unreadable lock or conventions file)."""
        return any(s.error for s in self.services)

    @property
    def in_sync(self) -> bool:
        return all(s.ok for s in self.services)


def unified_diff(path: str, before: bytes | None, after: bytes | None) -> str:
    """A unified diff of one file (`/dev/null` for a missing side)."""
    old = [] if before is None else before.decode("utf-8", "replace").splitlines(keepends=True)
    new = [] if after is None else after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(
        difflib.unified_diff(
            old,
            new,
            fromfile="/dev/null" if before is None else f"a/{path}",
            tofile="/dev/null" if after is None else f"b/{path}",
        )
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
