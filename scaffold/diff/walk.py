"""Walk two conventions documents side by side and list every difference in their data.

Lists whose items have an identity (attributes by id, SLOs by name, ...) are matched by it,
so reordering them is no change and one item removed is one difference. Other lists are
values. Comments and layout are not data, so they never show up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scaffold.conventions.yamlsource import Located, Path_


class _Missing:
    """The value on the side where a key or item does not exist."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
# The last part of the path of a difference in the order of a list's entries.
ORDER = "(order)"

# Lists matched by an identity field, by the path of the list (a "*" stands for one item).
KEYED: dict[tuple[str, ...], str] = {
    ("resource",): "key",
    ("attributes",): "id",
    ("attributes", "*", "members"): "id",
    ("sampling", "routes"): "route",
    ("sampling", "tail", "policies"): "name",
    ("trust", "routes"): "route",
    ("slos",): "name",
    ("collector", "backends"): "name",
    ("glossary",): "term",
}


@dataclass(frozen=True)
class RawChange:
    """One difference: the path (list items by identity), both values, both lines."""

    path: tuple[str, ...]
    old: Any
    new: Any
    old_line: int | None
    new_line: int | None

    @property
    def key(self) -> str:
        return ".".join(self.path)


def matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """`pattern` names `path`: "*" matches any one part, a final "**" any number of parts
    (none included)."""
    if pattern and pattern[-1] == "**":
        head = pattern[:-1]
        return len(path) >= len(head) and matches(head, path[: len(head)])
    return len(pattern) == len(path) and all(
        p in ("*", q) for p, q in zip(pattern, path, strict=True)
    )


def _same(old: Any, new: Any) -> bool:
    """Equal data: 0 and 0.0 are the same number, but true is not 1."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers):
        return bool(old == new)
    return type(old) is type(new) and bool(old == new)


def _empty(value: Any) -> Any:
    return {} if isinstance(value, dict) else []


def _keyed_field(path: tuple[str, ...]) -> str | None:
    return next((f for pattern, f in KEYED.items() if matches(pattern, path)), None)


def _index(items: list[Any], field: str) -> dict[str, int] | None:
    """Identity -> position; None when an item lacks a usable identity or two share one."""
    out: dict[str, int] = {}
    for i, item in enumerate(items):
        ident = item.get(field) if isinstance(item, dict) else None
        if not isinstance(ident, str | int) or isinstance(ident, bool) or str(ident) in out:
            return None
        out[str(ident)] = i
    return out


class Walker:
    def __init__(self, old: Located, new: Located) -> None:
        self.old = old
        self.new = new

    def line(self, side: Located, raw: Path_ | None) -> int | None:
        if raw is None:
            return None
        return side.where(raw, key=True)[0]

    def change(self, path: tuple[str, ...], old: Any, new: Any, o: Path_, n: Path_) -> RawChange:
        return RawChange(path, old, new, self.line(self.old, o), self.line(self.new, n))

    def walk(
        self, path: tuple[str, ...], old: Any, new: Any, o: Path_, n: Path_
    ) -> Iterator[RawChange]:
        if isinstance(old, dict) and isinstance(new, dict):
            yield from self._mapping(path, old, new, o, n)
            return
        field = _keyed_field(path)
        if field and isinstance(old, list) and isinstance(new, list):
            old_ix, new_ix = _index(old, field), _index(new, field)
            if old_ix is not None and new_ix is not None:
                yield from self._keyed(path, (old, old_ix), (new, new_ix), o, n)
                return
        if not _same(old, new):
            yield self.change(path, old, new, o, n)

    def _mapping(
        self, path: tuple[str, ...], old: dict[str, Any], new: dict[str, Any], o: Path_, n: Path_
    ) -> Iterator[RawChange]:
        for key in [*old, *(k for k in new if k not in old)]:
            child = (*path, key)
            if key not in new:
                if self._opens(child, old[key]):
                    yield from self.walk(child, old[key], _empty(old[key]), (*o, key), n)
                else:
                    yield self.change(child, old[key], MISSING, (*o, key), n)
            elif key not in old:
                if self._opens(child, new[key]):
                    yield from self.walk(child, _empty(new[key]), new[key], o, (*n, key))
                else:
                    yield self.change(child, MISSING, new[key], o, (*n, key))
            else:
                yield from self.walk(child, old[key], new[key], (*o, key), (*n, key))

    @staticmethod
    def _opens(path: tuple[str, ...], value: Any) -> bool:
        """A section (mapping) or keyed list present on one side only is walked against an
        empty one, so each entry in it is judged on its own."""
        if isinstance(value, dict):
            return True
        field = _keyed_field(path)
        return bool(field) and isinstance(value, list) and _index(value, field or "") is not None

    def _keyed(
        self,
        path: tuple[str, ...],
        old: tuple[list[Any], dict[str, int]],
        new: tuple[list[Any], dict[str, int]],
        o: Path_,
        n: Path_,
    ) -> Iterator[RawChange]:
        (old_items, old_ix), (new_items, new_ix) = old, new
        old_order = [k for k in old_ix if k in new_ix]
        new_order = [k for k in new_ix if k in old_ix]
        if old_order != new_order:
            yield self.change((*path, ORDER), old_order, new_order, o, n)
        for ident in [*old_ix, *(k for k in new_ix if k not in old_ix)]:
            oi, ni = old_ix.get(ident), new_ix.get(ident)
            if ni is None and oi is not None:
                yield self.change((*path, ident), old_items[oi], MISSING, (*o, oi), n)
            elif oi is None and ni is not None:
                yield self.change((*path, ident), MISSING, new_items[ni], o, (*n, ni))
            elif oi is not None and ni is not None:
                yield from self.walk(
                    (*path, ident), old_items[oi], new_items[ni], (*o, oi), (*n, ni)
                )


def raw_changes(old: Located, new: Located) -> list[RawChange]:
    return list(Walker(old, new).walk((), old.data, new.data, (), ()))
