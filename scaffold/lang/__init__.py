"""Language rules as data: keywords, acronyms and type maps per generated language.

Each module holds only tables; the naming functions in scaffold/naming.py and the
filters in scaffold/render/filters.py read them, so no Python branch knows a language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LangRules:
    name: str
    keywords: frozenset[str]
    # Names that compile but would shadow something generated code relies on.
    predeclared: frozenset[str]
    # Words written all upper case inside identifiers (Go: ID, HTTP; Rust: none).
    acronyms: frozenset[str]
    # Suffix appended to an identifier that would be a keyword.
    escape_suffix: str
    # Attribute type -> the language's value type and attribute constructor.
    value_types: dict[str, str]
    attribute_ctors: dict[str, str]
