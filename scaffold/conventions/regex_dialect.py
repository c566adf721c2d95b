"""Regular expressions that Go's `regexp` (RE2) and Rust's `regex` both compile, alike.

A pattern from the conventions is compiled by the generated Go and Rust code, so it must
use only syntax the two engines share and read the same way: literals, `.`, anchors
`^ $ \\A \\z`, classes (with ASCII `[:name:]` classes, no nesting and no set operators),
the Perl classes `\\d \\w \\s` and their negations, `\\b \\B`, Unicode classes `\\pL \\p{..}`,
hex escapes, groups `(...)`, `(?:...)`, named `(?P<n>...)` and `(?<n>...)`, the flags
`i m s U`, alternation, and the quantifiers `* + ? {n} {n,} {n,m}` (counts at most 100, and no count
of a group that holds one), each optionally lazy. Everything else (look-around, back-references,
atomic groups, comments, `(?x)`, `\\Z`, possessive or stacked quantifiers) is refused
with the reason. `check` returns "" for an accepted pattern.
"""

from __future__ import annotations

import re

# RE2 refuses counts over 1000; Rust refuses large compiled sizes (\\w{1000} is one).
MAX_REPEAT = 100
_FLAGS = frozenset("imsU")
_FLAG_SET = re.compile(r"[imsU]+(-[imsU]+)?|-[imsU]+")
_CLASS_ESCAPES = frozenset("dDwWsS")
_ASSERT_ESCAPES = frozenset("bBAz")
_CONTROL_ESCAPES = frozenset("ntrfv")
_META = frozenset(r"\.+*?()|[]{}^$-#&~/")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_REPEAT = re.compile(r"\{(\d{1,4})(,(\d{0,4}))?\}")
_POSIX = re.compile(
    r"\[:\^?(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit):\]"
)
_UNICODE = re.compile(r"\{([A-Za-z][A-Za-z_]{0,40})\}|([A-Z])")
# Unicode classes Go's regexp and Rust's regex both know: the general categories and the
# scripts most used in names (Go lacks Rust's binary properties such as Alphabetic).
UNICODE_CLASSES = frozenset(
    [
        "L",
        "Lu",
        "Ll",
        "Lt",
        "Lm",
        "Lo",
        "M",
        "Mn",
        "Mc",
        "Me",
        "N",
        "Nd",
        "Nl",
        "No",
        "P",
        "Pc",
        "Pd",
        "Ps",
        "Pe",
        "Pi",
        "Pf",
        "Po",
        "S",
        "Sm",
        "Sc",
        "Sk",
        "So",
        "Z",
        "Zs",
        "Zl",
        "Zp",
        "C",
        "Cc",
        "Cf",
        "Co",
        "Cs",
        "Latin",
        "Greek",
        "Cyrillic",
        "Armenian",
        "Hebrew",
        "Arabic",
        "Devanagari",
        "Thai",
        "Georgian",
        "Hangul",
        "Hiragana",
        "Katakana",
        "Han",
        "Common",
        "Inherited",
    ]
)
_HEX = re.compile(r"[0-9A-Fa-f]{2}|\{[0-9A-Fa-f]{1,6}\}")


class DialectError(ValueError):
    """A pattern outside the syntax Go and Rust share; the message says which part."""


def _escape(pattern: str, i: int, in_class: bool) -> int:
    """The index after the escape at `pattern[i]` (a backslash)."""
    if i + 1 >= len(pattern):
        raise DialectError("a trailing backslash escapes nothing")
    c = pattern[i + 1]
    if c in _CLASS_ESCAPES or c in _CONTROL_ESCAPES or c in _META:
        return i + 2
    if c in _ASSERT_ESCAPES and not in_class:
        return i + 2
    if c in "pP":
        m = _UNICODE.match(pattern, i + 2)
        if m is None:
            raise DialectError(f"\\{c} needs a class name: \\{c}L or \\{c}{{Greek}}")
        if (m.group(1) or m.group(2)) not in UNICODE_CLASSES:
            raise DialectError(f"\\{c}{m.group(0)} is not a Unicode class both Go and Rust know")
        return m.end()
    if c == "x":
        m = _HEX.match(pattern, i + 2)
        if m is None:
            raise DialectError("\\x needs two hex digits or \\x{...}")
        value = int(m.group(0).strip("{}"), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise DialectError(f"\\x{m.group(0)} is not a Unicode scalar value")
        return m.end()
    if c.isdigit():
        raise DialectError(f"\\{c}: back-references are not supported by Go or Rust")
    raise DialectError(f"\\{c} is not an escape that Go and Rust both accept")


_CONTROL_VALUES = {"n": 10, "t": 9, "r": 13, "f": 12, "v": 11}


def _class_item(pattern: str, j: int) -> tuple[int, int | None]:
    """The index after one class item, and its code point (None for a set like \\d)."""
    c = pattern[j]
    if c == "[":
        m = _POSIX.match(pattern, j)
        if m is None:
            raise DialectError("a '[' inside a class reads differently in Go and Rust")
        return m.end(), None
    if c != "\\":
        return j + 1, ord(c)
    end = _escape(pattern, j, in_class=True)
    nxt = pattern[j + 1]
    if nxt in _CLASS_ESCAPES or nxt in "pP":
        return end, None
    if nxt == "x":
        return end, int(pattern[j + 2 : end].strip("{}"), 16)
    return end, _CONTROL_VALUES.get(nxt, ord(nxt))


def _class(pattern: str, i: int) -> int:
    """The index after the character class that opens at `pattern[i]`."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    first, low, after_range = True, None, False
    while j < len(pattern):
        if pattern[j] == "]" and not first:
            return j + 1
        if pattern.startswith(("&&", "--", "~~"), j):
            raise DialectError(
                f"{pattern[j:j + 2]!r} inside a class is a set operation in Rust only"
            )
        is_range = pattern[j] == "-" and not first and pattern[j + 1 : j + 2] not in ("]", "")
        if is_range:
            j, high = _class_item(pattern, j + 1)
            if low is None or high is None or after_range:
                raise DialectError("a class range needs one single character at each end")
            if high < low:
                raise DialectError("a class range must go from the lower character up")
            low, after_range = None, True
        else:
            j, low = _class_item(pattern, j)
            after_range = False
        first = False
    raise DialectError("a character class is not closed with ']'")


def _group_open(pattern: str, i: int) -> tuple[int, bool]:
    """The index after a group's opening, and whether it opens a group (not only flags)."""
    if not pattern.startswith("(?", i):
        return i + 1, True
    j = i + 2
    for prefix in ("P<", "<"):
        if (
            pattern.startswith(prefix, j)
            and not pattern.startswith("<=", j)
            and not pattern.startswith("<!", j)
        ):
            m = _NAME.match(pattern, j + len(prefix))
            if m is None or not pattern.startswith(">", m.end()):
                raise DialectError("a group name must be letters, digits and '_', then '>'")
            return m.end() + 1, True
    if pattern.startswith(":", j):
        return j + 1, True
    k = j
    while k < len(pattern) and (pattern[k] in _FLAGS or pattern[k] == "-"):
        k += 1
    flags = pattern[j:k]
    letters = flags.replace("-", "")
    if (
        k < len(pattern)
        and pattern[k] in ":)"
        and _FLAG_SET.fullmatch(flags)
        and len(set(letters)) == len(letters)
    ):
        return k + 1, pattern[k] == ":"
    shown = pattern[i : i + 4]
    raise DialectError(
        f"{shown!r}: only (?:...), named groups and the flags i, m, s, U work in both Go "
        "and Rust (no look-around, atomic groups, comments or (?x))"
    )


def _quantifier(pattern: str, i: int) -> int:
    """The index after the quantifier at `pattern[i]`, or `i` when there is none."""
    c = pattern[i] if i < len(pattern) else ""
    if c in "*+?":
        end = i + 1
    elif c == "{":
        m = _REPEAT.match(pattern, i)
        if m is None:
            raise DialectError("a '{' must start a repetition {n}, {n,} or {n,m}; write \\{")
        low, high = int(m.group(1)), m.group(3)
        if low > MAX_REPEAT or (high and int(high) > MAX_REPEAT):
            raise DialectError(
                f"a repetition count over {MAX_REPEAT} (Go refuses over 1000, Rust refuses "
                "large compiled patterns)"
            )
        if high and int(high) < low:
            raise DialectError("a repetition {n,m} needs n <= m")
        end = m.end()
    else:
        return i
    if end < len(pattern) and pattern[end] == "?":
        end += 1
    if end < len(pattern) and pattern[end] in "*+?{":
        raise DialectError("a quantifier cannot follow another (no possessive or stacked ones)")
    return end


def _scan(pattern: str) -> None:
    # Per open group: whether it holds a counted repetition; `closed` is that flag for the
    # group just closed, so a count on it (a count inside a count) can be refused.
    counted: list[bool] = [False]
    i, can_repeat, closed = 0, False, False
    while i < len(pattern):
        c = pattern[i]
        if c in "*+?{" and can_repeat:
            if c == "{":
                if closed:
                    raise DialectError(
                        "a counted repetition of a group that holds one multiplies past "
                        "what Go and Rust compile; write it out"
                    )
                counted[-1] = True
            i, can_repeat, closed = _quantifier(pattern, i), False, False
            continue
        closed = False
        if c in "*+?{}":
            raise DialectError(f"{c!r} has nothing to repeat; write \\{c} for the character")
        if c == "(":
            i, is_group = _group_open(pattern, i)
            if is_group:
                counted.append(False)
            can_repeat = False
            continue
        if c == ")":
            if len(counted) == 1:
                raise DialectError("a ')' closes no group")
            closed = counted.pop()
            counted[-1] = counted[-1] or closed
            i, can_repeat = i + 1, True
            continue
        if c == "[":
            i, can_repeat = _class(pattern, i), True
        elif c == "\\":
            asserts = i + 1 < len(pattern) and pattern[i + 1] in _ASSERT_ESCAPES
            i, can_repeat = _escape(pattern, i, in_class=False), not asserts
        else:
            i, can_repeat = i + 1, c not in "^$|"
    if len(counted) > 1:
        raise DialectError("a group is not closed with ')'")


def check(pattern: str) -> str:
    """Why `pattern` is outside the shared syntax, or "" when Go and Rust both take it."""
    if "\x00" in pattern:
        return "a NUL character cannot appear in a pattern"
    try:
        _scan(pattern)
    except DialectError as exc:
        return str(exc)
    return ""


def as_python(pattern: str) -> re.Pattern[str] | None:
    """`pattern` compiled by Python's `re` where it reads the same there, else None (for
    docs and test samples only; Python lacks \\z, (?<name>), \\p and [[:class:]])."""
    if check(pattern):
        return None
    text = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern).replace("(?<", "(?P<")
    if re.search(r"\\[pPx]|\[:", text):
        return None
    try:
        return re.compile(text)
    except re.error:
        return None
