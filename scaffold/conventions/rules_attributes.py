"""Rule checks on the organisation's own attributes and on generated identifiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaffold import naming
from scaffold.conventions.rulebase import IDS, SEMCONV_IDS, Context, Rule
from scaffold.conventions.yamlsource import Path_

_EXAMPLE_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
_SHAPE_FIELDS = (
    "type",
    "members",
    "examples",
    "stability",
    "deprecated",
    "requirement_level",
    "condition",
)


# Names a language reserves in that position: a Go package named `main` is a program; a
# Rust module named like the service skeleton's own modules would collide with them.
GO_PACKAGE_TAKEN = frozenset({"main", "internal", "vendor", "testdata"})
RUST_MODULE_TAKEN = frozenset({"main", "lib", "routes", "tests", "build"})


def codegen(ctx: Context) -> None:
    """Package and module names must not be keywords, or names taken in that position."""
    section = ctx.section("codegen")
    name = section.get("go_package")
    if name is not None and (naming.go_reserved(name) or name in GO_PACKAGE_TAKEN):
        ctx.add(
            ("codegen", "go_package"),
            f"{name!r} is a Go keyword, a predeclared name or a name Go reserves for a package",
            "Choose another package name, such as 'telemetry'.",
        )
    module = section.get("rust_module")
    if module is not None and (naming.rust_reserved(module) or module in RUST_MODULE_TAKEN):
        ctx.add(
            ("codegen", "rust_module"),
            f"{module!r} is a Rust keyword or a module the service skeleton has",
            "Choose another module name, such as 'telemetry'.",
        )


def attribute_ids(ctx: Context) -> None:
    """Own ids are unique and do not redefine semantic-convention attributes."""
    seen: dict[str, int] = {}
    for index, attr in enumerate(ctx.own):
        path: Path_ = ("attributes", index, "id")
        aid = attr["id"]
        if aid in SEMCONV_IDS:
            ctx.add(
                path,
                f"{aid!r} is an OpenTelemetry semantic-convention attribute",
                "scaffold knows it already; remove it, or give your own attribute a namespaced id.",
            )
        if aid in seen:
            line = ctx.located.where(("attributes", seen[aid], "id"))[0]
            ctx.add(
                path,
                f"duplicate attribute id {aid!r} (first at line {line})",
                "Attribute ids must be unique.",
            )
        seen.setdefault(aid, index)


def attribute_shapes(ctx: Context) -> None:
    for index, attr in enumerate(ctx.own):
        path: Path_ = ("attributes", index)
        _members(ctx, attr, path)
        _examples(ctx, attr, path)
        if attr.get("stability") == "deprecated" and not attr.get("deprecated"):
            ctx.add(
                (*path, "stability"),
                "a deprecated attribute needs `deprecated:` saying what to use instead",
            )
        if attr["requirement_level"] == "conditionally_required" and not attr.get("condition"):
            ctx.add(
                (*path, "requirement_level"),
                "conditionally_required needs `condition:` saying when",
            )


def _members(ctx: Context, attr: dict[str, Any], path: Path_) -> None:
    kind, members = attr["type"], attr.get("members")
    if kind == "enum" and not members:
        ctx.add(
            (*path, "type"),
            "an enum attribute needs `members:`",
            "List its members, each with id and value.",
        )
    if kind != "enum" and members:
        ctx.add(
            (*path, "members"),
            f"`members:` given for type {kind!r}",
            "Set `type: enum` or remove the members.",
        )
    for field in ("id", "value"):
        seen: set[str] = set()
        for m_index, member in enumerate(members or []):
            value = str(member[field])
            if value in seen:
                ctx.add(
                    (*path, "members", m_index, field),
                    f"duplicate enum member {field} {value!r}",
                )
            seen.add(value)


def _examples(ctx: Context, attr: dict[str, Any], path: Path_) -> None:
    kind, members = attr["type"], attr.get("members")
    if kind == "enum" and not members:
        return  # reported as a missing `members:` already
    member_values = {str(m["value"]) for m in members or []}
    for e_index, example in enumerate(attr.get("examples", [])):
        if not example_fits(kind, example, member_values):
            expected = (
                f"one of the members ({', '.join(sorted(member_values))})"
                if kind == "enum"
                else f"a value of type {kind}"
            )
            ctx.add((*path, "examples", e_index), f"example {example!r} is not {expected}")


def example_fits(kind: str, example: Any, members: set[str]) -> bool:
    if kind == "enum":
        return str(example) in members
    if kind.endswith("[]"):
        return isinstance(example, list) and all(_EXAMPLE_TYPES[kind[:-2]](v) for v in example)
    return _EXAMPLE_TYPES[kind](example)


def renamed_to(ctx: Context) -> None:
    for index, attr in enumerate(ctx.own):
        target = attr.get("renamed_to")
        path: Path_ = ("attributes", index, "renamed_to")
        if target is None:
            continue
        if target == attr["id"]:
            ctx.add(path, "an attribute cannot be renamed to itself")
        elif target not in ctx.known:
            ctx.unknown_attribute(path, target)


def identifiers(ctx: Context) -> None:
    """Two ids must not become the same Go or Rust identifier."""
    for label, make in (("Go", naming.go_exported), ("Rust", naming.rust_const)):
        taken = {make(a): a for a in SEMCONV_IDS}
        for index, attr in enumerate(ctx.own):
            aid = attr["id"]
            ident = make(aid)
            other = taken.get(ident)
            if other is not None and other != aid:
                ctx.add(
                    ("attributes", index, "id"),
                    f"{aid!r} and {other!r} both become the {label} identifier {ident}",
                    "Rename one of them.",
                )
            taken.setdefault(ident, aid)
    for index, attr in enumerate(ctx.own):
        idents: dict[str, str] = {}
        for m_index, member in enumerate(attr.get("members") or []):
            ident = naming.go_exported(member["id"])
            if ident in idents and idents[ident] != member["id"]:
                ctx.add(
                    ("attributes", index, "members", m_index, "id"),
                    f"members {member['id']!r} and {idents[ident]!r} both become {ident}",
                )
            idents.setdefault(ident, member["id"])


RULES = (
    Rule((("codegen",),), codegen),
    Rule(IDS, attribute_ids),
    Rule(tuple(("attributes", "*", f) for f in _SHAPE_FIELDS), attribute_shapes),
    Rule((*IDS, ("attributes", "*", "renamed_to")), renamed_to),
    Rule((*IDS, ("attributes", "*", "members")), identifiers),
)
