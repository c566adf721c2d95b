"""Cargo version requirements ("0.27", "^1.2", "~1.2.3", "=1.0.1", ">=1, <2", "1.*") as
ranges of versions, to tell whether a crate's existing requirement can meet the version
the generated code needs (Cargo's own rules: doc.rust-lang.org/cargo, "Specifying
Dependencies"). Pre-release versions are not considered."""

from __future__ import annotations

import re

Version = tuple[int, int, int]
Range = tuple[Version, Version]  # [low, high)

_TOP: Version = (1 << 62, 0, 0)
_COMPARATOR = re.compile(
    r"^(\^|~|=|>=|<=|>|<)?\s*v?(\d+|\*)(?:\.(\d+|\*))?(?:\.(\d+|\*))?(?:[-+].*)?$"
)


def _bump(parts: list[int]) -> Version:
    """The first version after every version starting with `parts`."""
    if len(parts) == 1:
        return (parts[0] + 1, 0, 0)
    if len(parts) == 2:
        return (parts[0], parts[1] + 1, 0)
    return (parts[0], parts[1], parts[2] + 1)


def _filled(parts: list[int]) -> Version:
    major, minor, patch = [*parts, 0, 0][:3]
    return (major, minor, patch)


def _caret(parts: list[int]) -> Range:
    low = _filled(parts)
    if parts[0] > 0 or len(parts) == 1:
        return low, (parts[0] + 1, 0, 0)
    if parts[1] > 0 or len(parts) == 2:
        return low, (0, parts[1] + 1, 0)
    return low, (0, 0, parts[2] + 1)


def _comparator(text: str) -> Range | None:
    match = _COMPARATOR.match(text.strip())
    if not match:
        return None
    op = match.group(1) or "^"
    raw = [g for g in match.groups()[1:] if g is not None]
    if "*" in raw:
        parts = [int(p) for p in raw[: raw.index("*")]]
        return ((0, 0, 0), _TOP) if not parts else (_filled(parts), _bump(parts))
    parts = [int(p) for p in raw]
    ranges: dict[str, Range] = {
        "^": _caret(parts),
        "~": (_filled(parts), _bump(parts[:2])),
        "=": (_filled(parts), _bump(parts)),
        ">=": (_filled(parts), _TOP),
        ">": (_bump(parts), _TOP),
        "<": ((0, 0, 0), _filled(parts)),
        "<=": ((0, 0, 0), _bump(parts)),
    }
    return ranges[op]


def requirement_range(requirement: str) -> Range | None:
    """The versions a requirement allows, or None when it is not one this reads."""
    low, high = (0, 0, 0), _TOP
    for part in requirement.split(","):
        found = _comparator(part)
        if found is None:
            return None
        low, high = max(low, found[0]), min(high, found[1])
    return low, high


def version(text: str) -> Version:
    """A full version "1.2.3" as a tuple."""
    major, minor, patch = (int(p) for p in text.split("."))
    return (major, minor, patch)


def overlaps(requirement: str, needed: str) -> bool:
    """True when some version the requirement allows is compatible with `needed` (at least
    `needed`, below its next breaking version), or the requirement is not one this reads."""
    found = requirement_range(requirement)
    if found is None:
        return True
    want = _caret(list(version(needed)))
    return max(found[0], want[0]) < min(found[1], want[1])


def meets(requirement: str, needed: str) -> bool:
    """True when the requirement can be met by a version compatible with `needed`, and
    allows no newer incompatible one: Cargo picks the highest version a requirement
    allows, so `*` or ">=0.27" would take the next breaking release once it is out. True
    also when the requirement is not one this reads (cargo will judge it)."""
    found = requirement_range(requirement)
    if found is None:
        return True
    want = _caret(list(version(needed)))
    return overlaps(requirement, needed) and found[1] <= want[1]
