"""Regular expressions that Go's `regexp`, Python's `re` and the Rust runtime read alike.

A pattern from the conventions is compiled by the generated Go code (`regexp`), read by
the Rust runtime's own matcher (runtime/rust/src/telemetry/pattern.rs) and by `scaffold
verify` (Python's `re`, through `as_python`), so it must use only syntax the three read the
same way: literals, `.` (any character but a newline), the anchors `^ $` (start and end of
the whole name, also before a final newline: Python reads `$` as `\\Z` here), classes `[...]` (ranges and `^` negation), the ASCII classes `\\d \\w` and
their negations, the escapes `\\n \\t \\r \\f \\v` and an escaped punctuation character,
groups `(...)` and `(?:...)`, alternation, and the greedy quantifiers `* + ? {n} {n,}
{n,m}` (counts at most 100, written without leading zeros, and no count of a group that
holds one). A pattern is at most 1000 characters with groups nested at most 32 deep.
Everything else (flags, named groups, POSIX and Unicode classes, `\\s`, `\\b`, `\\A`, `\\z`,
`\\x`, lazy quantifiers, look-around, back-references) is refused with the reason and the
fix. `check` returns "" for an accepted pattern.
"""

from __future__ import annotations

import re

MAX_REPEAT = 100
MAX_LENGTH = 1000
MAX_DEPTH = 32
# A counted group's text times its count: bounds what one pattern compiles to.
MAX_COUNTED = 2000
_CLASS_ESCAPES = frozenset("dDwW")
_CONTROL_ESCAPES = frozenset("ntrfv")
_META = frozenset(r"\.+*?()|[]{}^$-#&~/")
_REPEAT = re.compile(r"\{(\d{1,5})(,(\d{1,5})?)?\}")
_REFUSED_ESCAPES = {
    "s": "\\s differs between the engines (\\v); write the class, e.g. [ \\t\\n\\r\\f]",
    "S": "\\S differs between the engines (\\v); write the class, e.g. [^ \\t\\n\\r\\f]",
    "b": "\\b is not read alike everywhere; match the neighbouring characters instead",
    "B": "\\B is not read alike everywhere; match the neighbouring characters instead",
    "A": "\\A: write ^ (it means the start of the name)",
    "z": "\\z: write $ (it means the end of the name)",
    "Z": "\\Z: write $ (it means the end of the name)",
    "x": "\\x escapes are not read alike everywhere; write the character itself",
    "p": "Unicode classes are not read alike everywhere; list the characters in [...]",
    "P": "Unicode classes are not read alike everywhere; list the characters in [...]",
}


class DialectError(ValueError):
    """A pattern outside the shared syntax; the message says which part and the fix."""


def _escape(pattern: str, i: int) -> int:
    """The index after the escape at `pattern[i]` (a backslash)."""
    if i + 1 >= len(pattern):
        raise DialectError("a trailing backslash escapes nothing; write \\\\ for one")
    c = pattern[i + 1]
    if c in _CLASS_ESCAPES or c in _CONTROL_ESCAPES or c in _META:
        return i + 2
    if c in _REFUSED_ESCAPES:
        raise DialectError(_REFUSED_ESCAPES[c])
    if c.isdigit():
        raise DialectError(f"\\{c}: back-references are not supported")
    raise DialectError(f"\\{c} is not an escape every engine reads alike; write the character")


def _class_item(pattern: str, j: int) -> tuple[int, str | None]:
    """The index after one class item, and its character (None for a set like \\d)."""
    c = pattern[j]
    if c == "[":
        raise DialectError("a '[' inside a class (POSIX classes, nesting): write \\[ for one")
    if c != "\\":
        return j + 1, c
    end = _escape(pattern, j)
    nxt = pattern[j + 1]
    if nxt in _CLASS_ESCAPES:
        return end, None
    return end, _CONTROL_VALUES.get(nxt, nxt)


_CONTROL_VALUES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}


def _class(pattern: str, i: int) -> int:
    """The index after the character class that opens at `pattern[i]`."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    first, low, after_range = True, None, False
    while j < len(pattern):
        if pattern[j] == "]" and not first:
            return j + 1
        if pattern.startswith(("&&", "--", "~~", "||"), j):
            raise DialectError(
                f"{pattern[j:j + 2]!r} inside a class is a set operation for some engines; "
                "escape one of the two"
            )
        is_range = pattern[j] == "-" and not first and pattern[j + 1 : j + 2] not in ("]", "")
        if is_range:
            j, high = _class_item(pattern, j + 1)
            if low is None or high is None or after_range:
                raise DialectError(
                    "a class range needs one single character at each end; write \\- for '-'"
                )
            if high < low:
                raise DialectError("a class range must go from the lower character up")
            low, after_range = None, True
        else:
            j, low = _class_item(pattern, j)
            after_range = False
        first = False
    raise DialectError("a character class is not closed with ']'")


def _group_open(pattern: str, i: int) -> int:
    """The index after a group's opening: `(` or `(?:`."""
    if not pattern.startswith("(?", i):
        return i + 1
    if pattern.startswith("(?:", i):
        return i + 3
    raise DialectError(
        f"{pattern[i:i + 4]!r}: only (...) and (?:...) groups are read alike everywhere (no "
        "flags, named groups, look-around, atomic groups or comments); write (?:...), and list both cases "
        "in a class, e.g. [Aa], for (?i)"
    )


def _quantifier(pattern: str, i: int) -> tuple[int, int]:
    """The index after the quantifier at `pattern[i]`, and its largest count (0: none)."""
    c = pattern[i]
    high = 0
    if c in "*+?":
        end = i + 1
    else:
        m = _REPEAT.match(pattern, i)
        if m is None:
            raise DialectError(
                "a '{' must start a repetition {n}, {n,} or {n,m} (no leading zeros); "
                "write \\{ for the character"
            )
        if any(n and len(n) > 1 and n[0] == "0" for n in (m.group(1), m.group(3))):
            raise DialectError("a repetition count with a leading zero; write it without")
        low, top = int(m.group(1)), m.group(3)
        high = int(top) if top else low
        if max(low, high) > MAX_REPEAT:
            raise DialectError(f"a repetition count over {MAX_REPEAT}; write a shorter rule")
        if top and int(top) < low:
            raise DialectError("a repetition {n,m} needs n <= m")
        end = m.end()
    if end < len(pattern) and pattern[end] in "*+?{":
        raise DialectError(
            "a quantifier cannot follow another (no lazy, possessive or stacked ones); write "
            "one greedy quantifier"
        )
    return end, high


class _Groups:
    """The open groups while scanning: where each opened and whether it holds a count."""

    def __init__(self) -> None:
        self.opened: list[int] = []
        self.counted: list[bool] = [False]
        # The group just closed: its text length and whether it holds a count.
        self.closed: tuple[int, bool] | None = None

    def open(self, at: int) -> None:
        if len(self.opened) >= MAX_DEPTH:
            raise DialectError(f"groups nested over {MAX_DEPTH} deep; write it flatter")
        self.opened.append(at)
        self.counted.append(False)

    def close(self, at: int) -> None:
        if not self.opened:
            raise DialectError("a ')' closes no group; write \\) for the character")
        holds = self.counted.pop()
        self.counted[-1] = self.counted[-1] or holds
        self.closed = (at - self.opened.pop(), holds)

    def count(self, high: int) -> None:
        if self.closed is not None:
            length, holds = self.closed
            if holds:
                raise DialectError(
                    "a counted repetition of a group that holds one multiplies too far; "
                    "write it out"
                )
            if length * high > MAX_COUNTED:
                raise DialectError(
                    f"a counted group's length times its count is over {MAX_COUNTED}; "
                    "write a shorter rule"
                )
        self.counted[-1] = True


def _scan(pattern: str) -> None:
    groups = _Groups()
    i, can_repeat = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c in "*+?{" and can_repeat:
            i, high = _quantifier(pattern, i)
            if high:
                groups.count(high)
            groups.closed, can_repeat = None, False
            continue
        groups.closed = None
        if c in "*+?{}":
            raise DialectError(f"{c!r} has nothing to repeat; write \\{c} for the character")
        if c == "(":
            groups.open(i)
            i, can_repeat = _group_open(pattern, i), False
        elif c == ")":
            groups.close(i)
            i, can_repeat = i + 1, True
        elif c == "[":
            i, can_repeat = _class(pattern, i), True
        elif c == "\\":
            i, can_repeat = _escape(pattern, i), True
        else:
            i, can_repeat = i + 1, c not in "^$|"
    if groups.opened:
        raise DialectError("a group is not closed with ')'")


def check(pattern: str) -> str:
    """Why `pattern` is outside the shared syntax, or "" when every engine reads it alike."""
    if "\x00" in pattern:
        return "a NUL character cannot appear in a pattern"
    if len(pattern) > MAX_LENGTH:
        return f"a pattern over {MAX_LENGTH} characters; write a shorter rule"
    try:
        _scan(pattern)
    except DialectError as exc:
        return str(exc)
    return ""


def python_text(pattern: str) -> str:
    """`pattern` (accepted by `check`) as Python's `re` reads it alike: `$` as `\\Z`."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            i += 1
            for skip in ("^", "]"):
                if pattern.startswith(skip, i):
                    out.append(skip)
                    i += 1
            continue
        if c == "]" and in_class:
            in_class = False
        out.append("\\Z" if c == "$" and not in_class else c)
        i += 1
    return "".join(out)


def as_python(pattern: str) -> re.Pattern[str] | None:
    """`pattern` compiled by Python's `re` to read as Go and the Rust runtime read it
    (ASCII `\\d \\w`, `$` only at the very end), or None when `check` refuses it."""
    if check(pattern):
        return None
    return re.compile(python_text(pattern), re.ASCII)
