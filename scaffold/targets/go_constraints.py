"""Whether a Go file's build constraint keeps it out of every build (part detection,
scaffold.targets.go_parts).

Only the constraint lines are read: `//go:build EXPR` (or, in a file without one, the
older `// +build` lines), in the file's header (before the package clause, among blank
lines and comments). A file is left out when its constraint cannot hold unless the
`ignore` tag is set: `//go:build ignore`, `ignore && linux` or `linux && !linux` leave it
out; `!ignore`, `ignore || linux`, `integration` or `windows` keep it, since some build
of the module may set those tags. File name suffixes (`_linux.go`, `_test.go`) are not
evaluated: every such file counts. A constraint the go command would reject (bad syntax,
more than 12 distinct tags) counts the file too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

_NEVER_SET = "ignore"
_MAX_TAGS = 12
_TOKEN = re.compile(r"\s*(\|\||&&|!|\(|\)|[A-Za-z0-9_.]+)")

Expr = Callable[[frozenset[str]], bool]


class _Bad(Exception):
    """A constraint the go command would not accept."""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    index = 0
    text = text.rstrip()
    while index < len(text):
        match = _TOKEN.match(text, index)
        if not match:
            raise _Bad(text)
        out.append(match.group(1))
        index = match.end()
    return out


class _Parser:
    """`||` binds looser than `&&`, `!` tighter; parentheses group."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.at = tokens, 0
        self.tags: set[str] = set()

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        if not token:
            raise _Bad("unexpected end")
        self.at += 1
        return token

    def parse(self) -> Expr:
        expr = self.either()
        if self.peek():
            raise _Bad(self.peek())
        return expr

    def either(self) -> Expr:
        terms = [self.both()]
        while self.peek() == "||":
            self.take()
            terms.append(self.both())
        return lambda tags: any(t(tags) for t in terms)

    def both(self) -> Expr:
        terms = [self.unary()]
        while self.peek() == "&&":
            self.take()
            terms.append(self.unary())
        return lambda tags: all(t(tags) for t in terms)

    def unary(self) -> Expr:
        token = self.take()
        if token == "!":
            inner = self.unary()
            return lambda tags: not inner(tags)
        if token == "(":
            inner = self.either()
            if self.take() != ")":
                raise _Bad("unclosed (")
            return inner
        if token in ("||", "&&", ")"):
            raise _Bad(token)
        self.tags.add(token)
        return lambda tags: token in tags


def _plus_build(lines: list[str]) -> str:
    """The `// +build` lines as one //go:build expression (space: or, comma: and)."""
    clauses = []
    for line in lines:
        options = [" && ".join(o.split(",")) for o in line.split()]
        clauses.append("(" + " || ".join(f"({o})" for o in options) + ")")
    return " && ".join(clauses)


def header_constraint(text: str) -> str:
    """The file's build constraint as a //go:build expression ('' when it has none)."""
    go_build = ""
    plus: list[str] = []
    in_block = False
    for raw in text.removeprefix("\ufeff").splitlines():  # go reads past a leading BOM
        line = raw.strip()
        if in_block:
            in_block = "*/" not in line
        elif line.startswith("/*"):
            in_block = "*/" not in line[2:]
        elif line.startswith("//go:build") and line[10:11] in (" ", "\t"):
            go_build = go_build or line[10:].strip()
        elif line.startswith("//") and line[2:].strip().startswith("+build "):
            plus.append(line[2:].strip()[7:])
        elif line and not line.startswith("//"):
            break
    if go_build:
        return go_build
    return _plus_build(plus) if plus else ""


def never_built(text: str) -> bool:
    """Whether the file's constraint cannot hold without the `ignore` tag."""
    constraint = header_constraint(text)
    if not constraint:
        return False
    try:
        parser = _Parser(_tokens(constraint))
        expr = parser.parse()
    except _Bad:
        return False
    tags = sorted(parser.tags - {_NEVER_SET})
    if len(tags) > _MAX_TAGS:
        return False
    for values in itertools.product((False, True), repeat=len(tags)):
        if expr(frozenset(t for t, on in zip(tags, values, strict=True) if on)):
            return False
    return True
