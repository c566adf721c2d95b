"""Features of crates declared as dotted keys (`tokio.features = ["rt"]`) or as their own
`[dependencies.tokio]` table, and the check that the edited Cargo.toml, read back with
TOML's parser, declares every feature the generated code needs.

A one-line `features = [...]` there gets the missing features; a declaration without one
gets a `features` line. What cannot be edited safely (a features array over several
lines, say) is refused by `check_features`, naming the line and the features to add, so
`add` and `update` never leave a Cargo.toml that does not build, and `check` never calls
such a service in sync. A needed crate declared `optional = true` is refused as well: the
generated code uses it unconditionally.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from scaffold.errors import UsageError
from scaffold.render.filters import toml_string
from scaffold.targets.cargo_edit import Crate, header_path, line_of, normal, split_comment

_PART = r"""(?:"[^"]+"|'[^']+'|[A-Za-z0-9_-]+)"""
_DOTTED = re.compile(rf"^(\s*)({_PART})\s*\.\s*({_PART})\s*=(.*)$")
_FEATURES = re.compile(r"^(\s*)features\s*=(.*)$")


def _bare(key: str) -> str:
    return key.strip("\"'").replace("_", "-").lower()


def _with(value_and_comment: str, crate: Crate) -> str | None:
    """The ` [...]  # comment` part of a features line with the crate's features added,
    or None when it is not a one-line array of strings."""
    value, comment = split_comment(value_and_comment)
    try:
        have = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(have, list) or not all(isinstance(f, str) for f in have):
        return None
    every = [*have, *(f for f in crate.features if f not in have)]
    tail = f" {comment}" if comment else ""
    return " [" + ", ".join(toml_string(f) for f in every) + "]" + tail


def _array(crate: Crate) -> str:
    return "[" + ", ".join(toml_string(f) for f in crate.features) + "]"


def add_dotted(lines: list[str], start: int, end: int, wanted: dict[str, Crate]) -> set[str]:
    """Add features to `crate.key = ...` declarations in lines[start:end]; the crates so
    declared (normalised). Inserted lines shift what follows."""
    found: dict[str, list[int]] = {}
    for index in range(start, end):
        match = _DOTTED.match(lines[index])
        if match and _bare(match.group(2)) in wanted:
            found.setdefault(_bare(match.group(2)), []).append(index)
    inserts: list[tuple[int, str]] = []
    handled: set[str] = set()
    for name, indices in found.items():
        crate = wanted[name]
        subkeys = {_bare(_DOTTED.match(lines[i]).group(3)): i for i in indices}  # type: ignore[union-attr]
        if subkeys.keys() == {"workspace"}:
            continue  # `x.workspace = true` alone: cargo_edit makes it an inline table
        handled.add(name)
        at = subkeys.get("features")
        if at is None:
            first = _DOTTED.match(lines[indices[0]])
            assert first is not None
            inserts.append(
                (indices[-1] + 1, f"{first.group(1)}{first.group(2)}.features = {_array(crate)}")
            )
            continue
        head, _, rest = lines[at].partition("=")
        edited = _with(rest, crate)
        if edited is not None:
            lines[at] = f"{head.rstrip()} ={edited}"
    for index, line in sorted(inserts, reverse=True):
        lines.insert(index, line)
    return handled


def add_to_tables(lines: list[str], table: str, wanted: dict[str, Crate]) -> None:
    """Add features to `[table.crate]` tables (a `features` line edited or inserted)."""
    index = 0
    while index < len(lines):
        path = header_path(lines[index])
        index += 1
        if not (path and len(path) == 2 and path[0] == table and normal(path[1]) in wanted):
            continue
        crate = wanted[normal(path[1])]
        end = index
        while end < len(lines) and header_path(lines[end]) is None:
            end += 1
        features = next((i for i in range(index, end) if _FEATURES.match(lines[i])), None)
        if features is not None:
            match = _FEATURES.match(lines[features])
            assert match is not None
            edited = _with(match.group(2), crate)
            if edited is not None:
                lines[features] = f"{match.group(1)}features ={edited}"
            continue
        last = end
        while last > index and (not lines[last - 1].strip() or lines[last - 1].lstrip()[0] == "#"):
            last -= 1
        lines.insert(last, f"features = {_array(crate)}")


def _have(spec: object, inherited: dict[str, Any], key: str) -> set[str]:
    found: list[Any] = []
    if isinstance(spec, dict):
        found += spec.get("features", []) if isinstance(spec.get("features"), list) else []
        base = inherited.get(key) if spec.get("workspace") is True else None
        if isinstance(base, dict) and isinstance(base.get("features"), list):
            found += base["features"]
    return {f for f in found if isinstance(f, str)}


def check_features(
    merged: str,
    text: str,
    tables: tuple[tuple[str, tuple[Crate, ...]], ...],
    name: str,
    inherited: dict[str, Any],
) -> None:
    """Refuse (exit 2, nothing written) when the edited file still lacks a feature the
    generated code needs, or declares a needed crate optional: the line and the fix."""
    data = tomllib.loads(merged)
    problems: list[str] = []
    for table, crates in tables:
        declared = {normal(k): (k, v) for k, v in (data.get(table) or {}).items()}
        for crate in crates:
            key, spec = declared.get(normal(crate.name), (crate.name, None))
            line = line_of(text, (table,), normal(crate.name))
            where = f"{name}:{line}" if line else f"{name} [{table}]"
            if isinstance(spec, dict) and spec.get("optional") is True:
                problems.append(
                    f"{where}: [{table}] declares {key} optional, and the generated code uses "
                    "it unconditionally: make it non-optional (remove `optional = true`)"
                )
            missing = [f for f in crate.features if f not in _have(spec, inherited, normal(key))]
            if spec is not None and missing:
                problems.append(
                    f"{where}: [{table}] {key} lacks features the generated code needs: add "
                    + ", ".join(toml_string(f) for f in missing)
                    + " to its features"
                )
    if problems:
        raise UsageError(
            f"{name}: cannot add the module's features safely; nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nthen run the command again"
        )
