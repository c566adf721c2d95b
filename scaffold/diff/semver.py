"""Semantic versions from a conventions diff, and the changelog entry that goes with one.

Steps: breaking -> major, additive -> minor, cosmetic -> patch, nothing -> the same
version. Before 1.0.0 (0.y.z) the minor number is the compatibility line, as Cargo's
caret requirements read it and as Go's tooling treats v0: breaking -> 0.(y+1).0,
additive and cosmetic -> 0.y.(z+1). A library leaves 0.x only by a deliberate 1.0.0.
"""

from __future__ import annotations

import re

from scaffold.diff.model import Change, ConventionsDiff, printable
from scaffold.errors import UsageError

_VERSION = re.compile(r"^(v?)(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
BUMPS = ("major", "minor", "patch", "none")


def next_version(current: str, bump: str) -> str:
    """ "1.4.2" + "minor" -> "1.5.0"; a leading "v" (Go tags) is kept. Pre-release and
    build suffixes are refused: the steps here are between releases."""
    found = _VERSION.match(current)
    if found is None:
        raise UsageError(
            f"version {current!r}: expected MAJOR.MINOR.PATCH such as 1.4.2 (or v1.4.2)"
        )
    if bump not in BUMPS:
        raise UsageError(f"bump {bump!r}: use one of {', '.join(BUMPS)}")
    prefix, major, minor, patch = found.group(1), *(int(found.group(i)) for i in (2, 3, 4))
    if bump == "none":
        return current
    if major == 0:
        bump = "minor" if bump == "major" else "patch"
    if bump == "major":
        major, minor, patch = major + 1, 0, 0
    elif bump == "minor":
        minor, patch = minor + 1, 0
    else:
        patch += 1
    return f"{prefix}{major}.{minor}.{patch}"


_HEADINGS = (
    ("breaking", "Breaking changes"),
    ("additive", "Added"),
    ("cosmetic", "Documentation and cosmetic changes"),
)


def _code(text: str) -> str:
    """`text` as a Markdown code span: the fence is one backtick longer than the longest
    run of backticks inside (CommonMark), padded with spaces when the text has any."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _one_line(text: str) -> str:
    return printable(" ".join(text.split()))


def _where(change: Change) -> str:
    old = "-" if change.old_line is None else str(change.old_line)
    new = "-" if change.new_line is None else str(change.new_line)
    return f"old line {old}, new line {new}"


def changelog_entry(version: str, diff: ConventionsDiff, date: str) -> str:
    """A Markdown section for CHANGELOG.md: `## [VERSION] - DATE`, then the changes under
    one heading per kind (breaking first), each with its lines on both sides."""
    if not _DATE.match(date):
        raise UsageError(f"date {date!r}: expected YYYY-MM-DD")
    if not _VERSION.match(version):
        raise UsageError(f"version {version!r}: expected MAJOR.MINOR.PATCH such as 1.4.2")
    lines = [f"## [{version}] - {date}", ""]
    if not diff.changes:
        return "\n".join([*lines, "No change to the conventions.", ""])
    for kind, heading in _HEADINGS:
        picked = [c for c in diff.changes if c.kind == kind]
        if not picked:
            continue
        lines += [f"### {heading}", ""]
        lines += [
            f"- {_code(_one_line(c.key))}: {_one_line(c.what)}. {_one_line(c.detail)} ({_where(c)})"
            for c in picked
        ]
        lines.append("")
    return "\n".join(lines)
