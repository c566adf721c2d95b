"""Every jinja2 filter, registered in one place (`FILTERS`).

Templates never escape by hand: a string from the conventions reaches generated code
only through one of these, and each round-trips any text or makes it inert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from scaffold import naming

# --- string literals -------------------------------------------------------------------


def _escape(text: str, simple: dict[str, str], u4: str, u8: str, keep_non_ascii: bool) -> str:
    out: list[str] = []
    for ch in text:
        if ch in simple:
            out.append(simple[ch])
        elif ch.isprintable() and (keep_non_ascii or ch.isascii()):
            out.append(ch)
        else:
            code = ord(ch)
            out.append((u4 if code <= 0xFFFF else u8).format(code))
    return "".join(out)


_C_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def go_string(value: object) -> str:
    """A Go interpreted string literal that reads back as exactly `value`."""
    return '"' + _escape(str(value), _C_SIMPLE, "\\u{:04x}", "\\U{:08x}", True) + '"'


def rust_string(value: object) -> str:
    """A Rust string literal that reads back as exactly `value`."""
    return '"' + _escape(str(value), _C_SIMPLE, "\\u{{{:x}}}", "\\u{{{:x}}}", True) + '"'


def yaml_string(value: object) -> str:
    """A double-quoted YAML scalar that reads back as exactly `value`."""
    return '"' + _escape(str(value), _C_SIMPLE, "\\u{:04x}", "\\U{:08x}", True) + '"'


_TOML_SIMPLE = {**_C_SIMPLE, "\b": "\\b", "\f": "\\f"}


def toml_string(value: object) -> str:
    """A TOML basic string that reads back as exactly `value`."""
    return '"' + _escape(str(value), _TOML_SIMPLE, "\\u{:04X}", "\\U{:08X}", True) + '"'


def json_string(value: object) -> str:
    """A JSON string (or any JSON value) for `value`."""
    return json.dumps(value, ensure_ascii=False)


def collector_string(value: object) -> str:
    """A YAML scalar for a collector config: `$` doubled so the collector never expands it."""
    return yaml_string(str(value).replace("$", "$$"))


def promql_string(value: object) -> str:
    """A PromQL double-quoted string (a label value) that reads back as exactly `value`."""
    return '"' + _escape(str(value), _C_SIMPLE, "\\u{:04x}", "\\U{:08x}", True) + '"'


def ottl_string(value: object) -> str:
    """An OTTL string literal (inside a collector transform statement) for `value`."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def regex_literal(value: object) -> str:
    """A Go (RE2) regular expression matching exactly `value`, anchored at both ends."""
    return "^" + re.sub(r"([^A-Za-z0-9_])", r"\\\1", str(value)) + "$"


def go_template_text(value: object) -> str:
    """Text that a Go text/template (Prometheus annotations) prints unchanged."""
    return str(value).replace("{{", '{{ "{{" }}')


# --- comments ---------------------------------------------------------------------------

_LINK_DEF = re.compile(r"^(\[[^\]]*\]):")
_MD_BLOCK_START = re.compile(r"^([-*+>#=|]|\d+[.)])")


def _comment_lines(text: object) -> list[str]:
    """Normalised, stripped lines of `text`, with anything a comment cannot hold made visible."""
    raw = str(text).replace("\r\n", "\n").replace("\r", "\n")
    lines: list[str] = []
    for line in raw.split("\n"):
        visible = _escape(line, {"\t": " "}, "\\u{:04x}", "\\U{:08x}", True)
        lines.append(" ".join(visible.split()))
    # Collapse runs of blank lines; trim blank lines at both ends.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _go_quotes(line: str) -> str:
    """gofmt turns `''` and two backquotes in a doc comment into typographic quotes:
    a space between the pair keeps the line as written."""
    while "''" in line or "``" in line:
        line = line.replace("''", "' '").replace("``", "` `")
    return line


def go_comment(text: object, prefix: str = "// ") -> str:
    """`// ` lines for a Go comment. Stable under gofmt: no indentation (so no code blocks
    or lists) and no link definitions, which gofmt would move."""
    lines = [_go_quotes(_LINK_DEF.sub(r"\1 :", line)) for line in _comment_lines(text)]
    if not lines:
        return prefix + "(no description)"  # gofmt deletes an empty doc comment
    return "\n".join(prefix + line if line else prefix.rstrip() for line in lines)


def _md_inert(line: str) -> str:
    """Escape what would make Markdown (rustdoc) see code, lists, quotes or headings."""
    line = line.replace("`", "\\`").replace("~", "\\~").replace("<", "\\<")
    if _MD_BLOCK_START.match(line):
        line = "\\" + line
    return line


def rust_doc(text: object, prefix: str = "/// ") -> str:
    """`/// ` lines (or `//! ` with prefix) whose Markdown is inert: no doctest, no list."""
    lines = [_md_inert(line) for line in _comment_lines(text)]
    if not lines:
        return prefix + "(no description)"  # clippy rejects an empty doc comment
    return "\n".join(prefix + line if line else prefix.rstrip() for line in lines)


def line_comment(text: object, prefix: str = "# ") -> str:
    """Comment lines for YAML, TOML or shell (`# `)."""
    lines = _comment_lines(text)
    return (
        "\n".join(prefix + line if line else prefix.rstrip() for line in lines) or prefix.rstrip()
    )


def one_line(text: object) -> str:
    """Free text as one line with visible escapes, for places that take no line breaks."""
    return " ".join(_comment_lines(text))


# --- Markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: object) -> str:
    """Inline Markdown text that renders as exactly the characters given (also in tables)."""
    flat = one_line(text)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_code(text: object) -> str:
    """Inline code span that holds any text (backticks included)."""
    flat = one_line(text).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def slug(text: object) -> str:
    """A URL fragment: lower case ASCII words joined by `-`."""
    return "-".join(re.findall(r"[a-z0-9]+", str(text).lower())) or "x"


# --- identifiers ------------------------------------------------------------------------


def go_ident(text: object) -> str:
    return naming.go_exported(str(text))


def go_private_ident(text: object) -> str:
    return naming.go_private(str(text))


def rust_ident(text: object) -> str:
    return naming.rust_snake(str(text))


def rust_const(text: object) -> str:
    return naming.rust_const(str(text))


def rust_type(text: object) -> str:
    return naming.rust_type(str(text))


FILTERS: dict[str, Callable[..., Any]] = {
    "go_ident": go_ident,
    "go_private_ident": go_private_ident,
    "go_string": go_string,
    "go_comment": go_comment,
    "rust_ident": rust_ident,
    "rust_const": rust_const,
    "rust_type": rust_type,
    "rust_string": rust_string,
    "rust_doc": rust_doc,
    "yaml_string": yaml_string,
    "toml_string": toml_string,
    "json_string": json_string,
    "collector_string": collector_string,
    "promql_string": promql_string,
    "ottl_string": ottl_string,
    "regex_literal": regex_literal,
    "go_template_text": go_template_text,
    "line_comment": line_comment,
    "one_line": one_line,
    "md_escape": md_escape,
    "md_code": md_code,
    "slug": slug,
}
