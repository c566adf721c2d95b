"""The organisation's attributes as every target sees them: one identifier per language,
unique in its generated package, and the doc facts each language's comments carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold import naming
from scaffold.conventions.model import Attribute, Conventions
from scaffold.lang.go import GENERATED_NAMES as GO_GENERATED_NAMES
from scaffold.lang.rust import GENERATED_NAMES as RUST_GENERATED_NAMES

Value = str | int | float | bool


@dataclass(frozen=True)
class MemberView:
    """One enum member with its identifier in each language."""

    id: str
    value: Value
    brief: str
    is_int: bool
    go_ident: str
    rust_const: str


@dataclass(frozen=True)
class AttributeView:
    """One attribute of the organisation's registry, with its identifiers per language."""

    id: str
    type: str
    brief: str
    note: str
    requirement_level: str
    stability: str
    pii: str
    cardinality: str
    examples: tuple[Any, ...]
    deprecated: str
    members: tuple[MemberView, ...]
    # An enum whose members are all integers: an int64 in Go.
    int_enum: bool
    go_ident: str
    go_key: str
    rust_const: str

    @property
    def facts(self) -> str:
        """The one-line summary every language's doc comment carries."""
        return (
            f"Requirement level: {self.requirement_level}. Stability: {self.stability}. "
            f"PII class: {self.pii}. Cardinality: {self.cardinality}."
        )

    @property
    def tail_lines(self) -> list[str]:
        """The doc lines after the facts: examples and deprecation, when there are any."""
        lines = []
        if self.examples:
            lines.append("Examples: " + ", ".join(repr(e) for e in self.examples) + ".")
        if self.deprecated:
            lines.append("Deprecated: " + self.deprecated)
        return lines


def _go_unique(base: str, taken: set[str], suffix: str) -> str:
    name, n = base, 1
    while name in taken or name + "Key" in taken:
        name = f"{base}{suffix}" if n == 1 else f"{base}{suffix}{n}"
        n += 1
    taken.add(name)
    return name


def _rust_unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _attribute(attr: Attribute, go_taken: set[str], rust_taken: set[str]) -> AttributeView:
    go_ident = _go_unique(naming.go_exported(attr.id), go_taken, "Attr")
    go_taken.add(go_ident + "Key")
    rust_const = _rust_unique(naming.rust_const(attr.id), rust_taken)
    members = tuple(
        MemberView(
            id=m.id,
            value=m.value,
            brief=m.brief,
            is_int=_is_int(m.value),
            go_ident=_go_unique(go_ident + naming.go_exported(m.id), go_taken, "Value"),
            rust_const=_rust_unique(rust_const + "_" + naming.rust_const(m.id), rust_taken),
        )
        for m in attr.members
    )
    return AttributeView(
        id=attr.id,
        type=attr.type,
        brief=attr.brief,
        note=attr.note,
        requirement_level=attr.requirement_level,
        stability=attr.stability,
        pii=attr.pii,
        cardinality=attr.cardinality,
        examples=tuple(attr.examples),
        deprecated=attr.deprecated,
        members=members,
        int_enum=attr.type == "enum" and bool(members) and all(m.is_int for m in members),
        go_ident=go_ident,
        go_key=go_ident + "Key",
        rust_const=rust_const,
    )


def attribute_views(conv: Conventions) -> tuple[AttributeView, ...]:
    """The organisation's attributes by id, each identifier unique in its language."""
    go_taken, rust_taken = set(GO_GENERATED_NAMES), set(RUST_GENERATED_NAMES)
    ordered = sorted(conv.attributes, key=lambda a: a.id)
    return tuple(_attribute(a, go_taken, rust_taken) for a in ordered)
