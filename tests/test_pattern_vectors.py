"""The shared name-pattern vectors are current and cover the dialect's edges: the
Go and Rust runtimes are checked against them in place (TestSharedPatternVectors,
runtime/rust/tests/pattern_vectors.rs), so Python, Go and Rust read a pattern alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scaffold.conventions.regex_dialect import as_python, check
from tests.vectors import make_patterns

VECTORS = Path(__file__).resolve().parent / "vectors" / "patterns.json"


def test_vectors_file_is_current() -> None:
    assert VECTORS.read_text(encoding="utf-8") == make_patterns.render()


def test_vectors_cover_the_dialects_edges() -> None:
    rows = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    assert len(rows) >= 5000
    assert all(check(r["pattern"]) == "" for r in rows)
    names = "".join(r["name"] for r in rows)
    for c in "\n\x0b\u2003é٣":
        assert c in names, repr(c)
    # `$` before a final newline: Python's plain `$` would match, the dialect does not.
    ends = [
        r
        for r in rows
        if r["name"].endswith("\n") and not r["match"] and re.search(r["pattern"], r["name"])
    ]
    assert len(ends) >= 5
    matched = sum(r["match"] for r in rows)
    assert 1000 < matched < len(rows) - 1000


def test_verify_reads_the_dialect_as_the_runtimes_do() -> None:
    shipped = as_python("^[a-z][a-z0-9_.]*$")
    assert shipped is not None
    assert shipped.search("orders") and not shipped.search("orders\n")
    word = as_python(r"^\w+$")
    assert word is not None and not word.search("café")


def test_the_reviewed_constructs_are_refused_with_a_fix() -> None:
    for pattern in [
        "^[[:lower:]]+$",
        "(?i)^[a-z]+$",
        r"^\pL+$",
        r"\Aabc\z",
        "^[a-z]+?$",
        "^(?P<n>..)$",
        r"\bx",
        r"\x41",
        r"^\s$",
        "x{,}",
        "^[a-z]{10000}$",
        "^" + "a?" * 4000 + "[a-z]+$",
    ]:
        problem = check(pattern)
        assert problem, pattern
        assert "write" in problem or "list" in problem or "match" in problem, problem
