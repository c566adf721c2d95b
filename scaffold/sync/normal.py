"""A formatter-insensitive digest of Go and Rust sources, so that running the project's
own formatter (gofmt, goimports, rustfmt with the crate's edition and rustfmt.toml) over
generated files is not drift.

The normal form is the token sequence with layout dropped: whitespace, the spacing
inside comments, blank comment lines, trailing commas before a closing bracket, the
order of imports (Go import specs; Rust `use` items read as the set of paths they
bring in, so merging or splitting them is the same) and of consecutive `mod x;` items.
Literals and every other token are compared exactly: a changed string, name, operator
or comment word is a change.
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<line>//[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<raw>b?r(?P<hashes>\#*)"(?:.|\n)*?"(?P=hashes))
  | (?P<str>b?"(?:\\.|[^"\\])*")
  | (?P<tick>`[^`]*`)
  | (?P<char>b?'(?:\\.[^']{0,8}|[^'\\\n])')
  | (?P<word>[A-Za-z0-9_]+)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group(0)
        if kind == "ws":
            continue
        if kind in ("line", "block"):
            words = token.split()
            token = " ".join(words)
            if token in ("//", "///", "//!"):
                continue  # a blank comment line
        out.append(token)
    closing = ([")"], ["]"], ["}"], [">"])
    return [t for i, t in enumerate(out) if not (t == "," and out[i + 1 : i + 2] in closing)]


def _close(tokens: list[str], at: int) -> int:
    """The index of the bracket closing tokens[at]."""
    depth = 0
    for index in range(at, len(tokens)):
        if tokens[index] in ("(", "[", "{"):
            depth += 1
        elif tokens[index] in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _go_imports(tokens: list[str]) -> list[str]:
    """Go: the specs of every `import ( ... )` block sorted (gofmt and goimports reorder
    and regroup them)."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == "import" and tokens[index + 1 : index + 2] == ["("]:
            end = _close(tokens, index + 1)
            specs: list[str] = []
            current: list[str] = []
            for token in tokens[index + 2 : end]:
                current.append(token)
                if token.startswith(('"', "`")):
                    specs.append(" ".join(current))
                    current = []
            out += ["import", "(", *sorted(specs + current), ")"]
            index = end + 1
            continue
        out.append(tokens[index])
        index += 1
    return out


def _use_paths(tokens: list[str], prefix: str) -> list[str]:
    """The leaf paths of a use tree (`a::{b, c::d as e}` -> a::b, a::c::d as e)."""
    paths: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "{":
            end = _close(tokens, index)
            paths += _use_paths(tokens[index + 1 : end], prefix + "".join(current))
            current = []
            index = end + 1
            continue
        if token == ",":
            if current:
                paths.append(prefix + "".join(current))
            current = []
        else:
            current.append(token if token != "as" else " as ")
        index += 1
    if current:
        paths.append(prefix + "".join(current))
    return paths


def _item_end(tokens: list[str], index: int) -> int:
    """The index after the `;` ending the item starting at `index`."""
    depth = 0
    while index < len(tokens):
        if tokens[index] in ("(", "[", "{"):
            depth += 1
        elif tokens[index] in (")", "]", "}"):
            depth -= 1
        elif tokens[index] == ";" and depth == 0:
            return index + 1
        index += 1
    return index


def _rust_item(tokens: list[str], index: int) -> tuple[str, list[str], int] | None:
    """A `use` or `mod x;` item at `index`: its kind, normal keys and end; else None."""
    start = index
    visibility = ""
    if tokens[index] == "pub":
        index += 1
        if tokens[index : index + 1] == ["("]:
            index = _close(tokens, index) + 1
        visibility = "".join(tokens[start:index]) + " "
    head = tokens[index : index + 1]
    if head == ["use"]:
        end = _item_end(tokens, index)
        leaves = _use_paths(tokens[index + 1 : end - 1], "")
        return "use", [f"{visibility}use {leaf}" for leaf in leaves], end
    if head == ["mod"] and tokens[index + 2 : index + 3] == [";"]:
        return "mod", [f"{visibility}mod {tokens[index + 1]}"], index + 3
    return None


def _rust_items(tokens: list[str]) -> list[str]:
    """Rust: each run of consecutive `use` items as the sorted set of paths they import,
    each run of `mod x;` items sorted (rustfmt's reorder_imports and reorder_modules)."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        item = _rust_item(tokens, index)
        if item is None:
            out.append(tokens[index])
            index += 1
            continue
        kind, keys, index = item
        while index < len(tokens):
            following = _rust_item(tokens, index)
            if following is None or following[0] != kind:
                break
            keys += following[1]
            index = following[2]
        out += sorted(set(keys))
    return out


def _has_statement(tokens: list[str], start: int, end: int) -> bool:
    """True when tokens[start:end] hold a `;` or `let` outside nested brackets."""
    depth = 0
    for index in range(start, end):
        token = tokens[index]
        if token in ("(", "[", "{"):
            depth += 1
        elif token in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and token == "let":
            return True
        elif depth == 0 and token == ";":
            return not (index == end - 1 and _jump_statement(tokens, index))
    return False


def _jump_statement(tokens: list[str], semicolon: int) -> bool:
    """True when the statement ending at tokens[semicolon] is a return, break or continue."""
    depth = 0
    for index in range(semicolon - 1, -1, -1):
        token = tokens[index]
        if token in (")", "]", "}"):
            depth += 1
        elif token in ("(", "[", "{"):
            if depth == 0:
                return tokens[index + 1] in ("return", "break", "continue")
            depth -= 1
        elif depth == 0 and token == ";":
            return tokens[index + 1] in ("return", "break", "continue")
    return False


def _rust_blocks(tokens: list[str]) -> list[str]:
    """Rust: an expression and the same expression in a block, after `=>` or a closure's
    `|...|` (rustfmt adds the block when the expression wraps), read the same; so does
    the `;` rustfmt adds after a return, break or continue that ends a block."""
    out: list[str] = []
    ends: list[tuple[int, bool]] = []  # blocks being unwrapped: end index, a match arm's
    for index, token in enumerate(tokens):
        if ends and index == ends[-1][0]:
            if ends.pop()[1] and tokens[index + 1 : index + 2] not in ([","], ["}"], []):
                out.append(",")
            continue
        arm = out[-2:] == ["=", ">"]
        if token == "{" and (arm or out[-1:] == ["|"]):
            end = _close(tokens, index)
            if not _has_statement(tokens, index + 1, end):
                ends.append((end, arm))
                continue
        if (
            token == ";"
            and tokens[index + 1 : index + 2] == ["}"]
            and _jump_statement(tokens, index)
        ):
            continue
        out.append(token)
    return out


def normal_digest(rel: str, data: bytes) -> str:
    """The digest of the normal form of a .go or .rs file; '' for any other file, or one
    that is not UTF-8."""
    if not rel.endswith((".go", ".rs")):
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return hashlib.sha256("\n".join(normal_tokens(rel, text)).encode("utf-8")).hexdigest()


def normal_tokens(rel: str, text: str) -> list[str]:
    """The normal form of the source `text` of `rel` (a .go or .rs file)."""
    tokens = _tokens(text)
    return _go_imports(tokens) if rel.endswith(".go") else _rust_items(_rust_blocks(tokens))


def same_source(rel: str, left: bytes, right: bytes) -> bool:
    """True when two versions of a .go or .rs file differ in layout only."""
    digest = normal_digest(rel, left)
    return bool(digest) and digest == normal_digest(rel, right)
