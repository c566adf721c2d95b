"""Rust's identifier rules and the attribute type map."""

from __future__ import annotations

from scaffold.lang import LangRules

RULES = LangRules(
    name="rust",
    keywords=frozenset(
        ["as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union"]
    ),
    predeclared=frozenset(["std", "core", "alloc"]),
    acronyms=frozenset(),
    escape_suffix="_",
    value_types={
        "string": "String",
        "int": "i64",
        "double": "f64",
        "boolean": "bool",
        "string[]": "Vec<String>",
        "int[]": "Vec<i64>",
        "double[]": "Vec<f64>",
        "boolean[]": "Vec<bool>",
        "enum": "&'static str",
    },
    attribute_ctors={
        "string": "KeyValue::new",
        "int": "KeyValue::new",
        "double": "KeyValue::new",
        "boolean": "KeyValue::new",
        "string[]": "KeyValue::new",
        "int[]": "KeyValue::new",
        "double[]": "KeyValue::new",
        "boolean[]": "KeyValue::new",
        "enum": "KeyValue::new",
    },
)
