"""Conventions files for the library tests: the default one, and one change of each kind."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DEFAULT_CONVENTIONS

ADDED = """\
  - id: app.order.channel
    type: string
    brief: The channel an order came through.
    examples: [web, phone]
    requirement_level: recommended
    stability: stable
    pii: none
    cardinality: low
"""
ANCHOR = "  - id: app.tenant.id\n"
BRIEF = "    brief: The tenant a request is served for.\n"


def base_text() -> str:
    return DEFAULT_CONVENTIONS.read_text(encoding="utf-8")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def with_attribute(text: str) -> str:
    """One attribute more: an additive change."""
    assert ANCHOR in text
    return text.replace(ANCHOR, ADDED + ANCHOR, 1)


def reworded(text: str) -> str:
    """Another brief for one attribute: a cosmetic change."""
    assert BRIEF in text
    return text.replace(BRIEF, "    brief: The tenant the request is served for.\n", 1)
