"""What every rule check shares: the context it reports into, and the value parsers that
the checks and the model builder both use (so they read a value the same way)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scaffold.conventions.schema_types import DURATION
from scaffold.conventions.semconv import SEMCONV
from scaffold.conventions.validate import did_you_mean
from scaffold.conventions.yamlsource import Located, Path_
from scaffold.errors import Finding

SEMCONV_IDS = {row[0]: row for row in SEMCONV}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}

# What rules read of the organisation's own attributes, as path patterns ("*": any).
IDS: tuple[Path_, ...] = (("attributes", "*", "id"),)
CARDINALITIES: tuple[Path_, ...] = (*IDS, ("attributes", "*", "cardinality"))
PII: tuple[Path_, ...] = (*IDS, ("attributes", "*", "pii"))


def parse_template(text: str) -> tuple[list[tuple[str, str]], str]:
    """Split a span-name template into (literal, attribute) pieces; error text or ''."""
    pieces: list[tuple[str, str]] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], ""))
        pieces.append(("", match.group(1).strip()))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], ""))
    if any("{" in lit or "}" in lit for lit, attr in pieces if not attr):
        return pieces, "has an unbalanced '{' or '}'"
    if any(attr == "" and lit == "" for lit, attr in pieces):
        return pieces, "has an empty '{}'"
    return pieces, ""


def duration_ms(text: str) -> int:
    """Milliseconds of a duration the schema's DURATION pattern accepts."""
    match = re.fullmatch(DURATION, text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    unit = next(u for u in match.groups() if u)
    return int(text[: -len(unit)]) * _UNITS[unit]


class Context:
    """The document under check and the findings of the rules run on it so far."""

    def __init__(self, located: Located) -> None:
        self.located = located
        self.data: dict[str, Any] = located.data
        self.findings: list[Finding] = []

    def section(self, *path: str) -> Any:
        """The value at `path`, or an empty mapping where an optional part is absent."""
        value: Any = self.data
        for part in path:
            value = value.get(part, {})
        return value

    @property
    def own(self) -> list[dict[str, Any]]:
        attributes: list[dict[str, Any]] = self.data.get("attributes", [])
        return attributes

    @cached_property
    def known(self) -> dict[str, str]:
        """Every attribute id scaffold knows, with its cardinality."""
        known = {row[0]: row[2] for row in SEMCONV}
        for attr in self.own:
            known.setdefault(attr["id"], attr.get("cardinality", "high"))
        return known

    @cached_property
    def pii(self) -> dict[str, str]:
        """Every attribute id scaffold knows, with its privacy class."""
        classes = {row[0]: row[3] for row in SEMCONV}
        for attr in self.own:
            classes.setdefault(attr["id"], attr["pii"])
        return classes

    def add(self, path: Path_, message: str, hint: str = "", key: bool = False) -> None:
        self.findings.append(self.located.finding(path, message, hint, key))

    def unknown_attribute(self, path: Path_, attr: str, what: str = "attribute") -> None:
        hint = did_you_mean(attr, list(self.known)) or (
            "Add it to `attributes:` or use a semantic-convention id."
        )
        self.add(path, f"unknown {what} {attr!r}", hint)


@dataclass(frozen=True)
class Rule:
    """A check the schema cannot express, and the values it reads (path patterns in which
    "*" stands for any key or index). It runs only when none of them failed the schema."""

    reads: tuple[Path_, ...]
    check: Callable[[Context], None]


def overlaps(pattern: Path_, failed: Path_) -> bool:
    """Whether a failed value lies inside what `pattern` names, or contains it."""
    return all(a == b or "*" in (a, b) for a, b in zip(pattern, failed, strict=False))
