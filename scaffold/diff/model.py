"""What `scaffold diff` returns: classified changes between two conventions files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["breaking", "additive", "cosmetic"]
Bump = Literal["major", "minor", "patch", "none"]

KINDS: tuple[Kind, ...] = ("breaking", "additive", "cosmetic")
# The version of the JSON document `scaffold diff --json` prints (docs/ci.md describes it).
JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new conventions.

    `old_line`/`new_line` are 1-based lines in each file. On the side where the changed
    item does not exist (an attribute removed, a section added), the line is that of the
    nearest enclosing key that does exist there, so a reviewer sees where it went or where
    it would be; None only when the whole file is missing that part and its parents.
    """

    kind: Kind
    what: str
    key: str
    detail: str
    old_line: int | None
    new_line: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.what,
            "key": self.key,
            "detail": self.detail,
            "old_line": self.old_line,
            "new_line": self.new_line,
        }


@dataclass(frozen=True)
class ConventionsDiff:
    """Every change, breaking first, then additive, then cosmetic; in file order within."""

    changes: tuple[Change, ...]
    old_source: str = ""
    new_source: str = ""

    @property
    def bump(self) -> Bump:
        kinds = {c.kind for c in self.changes}
        if "breaking" in kinds:
            return "major"
        if "additive" in kinds:
            return "minor"
        if "cosmetic" in kinds:
            return "patch"
        return "none"

    @property
    def breaking(self) -> bool:
        return self.bump == "major"

    def count(self, kind: Kind) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "old": self.old_source,
            "new": self.new_source,
            "bump": self.bump,
            "breaking": self.breaking,
            "counts": {kind: self.count(kind) for kind in KINDS},
            "changes": [c.to_json() for c in self.changes],
        }
