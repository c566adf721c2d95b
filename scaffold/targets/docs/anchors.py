"""Stable, unique fragment ids for deep links (`attributes.html#attr-app-user-id`)."""

from __future__ import annotations

from scaffold.render.filters import slug


class Anchors:
    """Hands out one fragment id per (prefix, name); two names that slug alike get
    `-2`, `-3`, ... in the order they are first asked for."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

    def get(self, prefix: str, name: str) -> str:
        key = (prefix, name)
        found = self._by_key.get(key)
        if found is not None:
            return found
        base = f"{prefix}-{slug(name)}"
        anchor, n = base, 1
        while anchor in self._used:
            n += 1
            anchor = f"{base}-{n}"
        self._used.add(anchor)
        self._by_key[key] = anchor
        return anchor
