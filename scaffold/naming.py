"""Identifiers in Go and Rust from dotted attribute ids and free text.

Pure functions over the tables in scaffold/lang/; the render filters and the
conventions' collision checks both use them, so they agree by construction.
"""

from __future__ import annotations

import re

from scaffold.lang import go, rust

_CAMEL_SPLIT = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def words(text: str) -> list[str]:
    """Split an id such as `http.request.method` or `userID` into lower-case ASCII words."""
    parts: list[str] = []
    for chunk in _NON_WORD.split(text):
        for piece in _CAMEL_SPLIT.split(chunk):
            if piece:
                parts.append(piece.lower())
    return parts


def _lead(ident: str, fallback: str) -> str:
    if not ident:
        return fallback
    return fallback + ident if ident[0].isdigit() else ident


def go_exported(text: str) -> str:
    """`app.tenant.id` -> `AppTenantID`; never a keyword (exported names cannot be)."""
    rules = go.RULES
    out = "".join(w.upper() if w in rules.acronyms else w.capitalize() for w in words(text))
    return _lead(out, "X")


def go_private(text: str) -> str:
    """`app.tenant.id` -> `appTenantID`; keywords and predeclared names get a suffix."""
    rules = go.RULES
    ws = words(text)
    if not ws:
        return "x"
    head = ws[0]
    tail = "".join(w.upper() if w in rules.acronyms else w.capitalize() for w in ws[1:])
    out = _lead(head + tail, "x")
    if out in rules.keywords or out in rules.predeclared:
        out += rules.escape_suffix
    return out


def rust_snake(text: str) -> str:
    """`app.tenant.id` -> `app_tenant_id`; keywords get a suffix (`type` -> `type_`)."""
    rules = rust.RULES
    out = _lead("_".join(words(text)), "n")
    if out in rules.keywords or out in rules.predeclared or out == "_":
        out += rules.escape_suffix
    return out


def rust_const(text: str) -> str:
    """`app.tenant.id` -> `APP_TENANT_ID`."""
    return _lead("_".join(words(text)).upper(), "N")


def rust_type(text: str) -> str:
    """`app.plan` -> `AppPlan`; `Self` gets a suffix."""
    out = _lead("".join(w.capitalize() for w in words(text)), "N")
    if out in rust.RULES.keywords:
        out += rust.RULES.escape_suffix
    return out


GO_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RUST_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def go_reserved(name: str) -> bool:
    return name in go.RULES.keywords or name in go.RULES.predeclared


def rust_reserved(name: str) -> bool:
    return name in rust.RULES.keywords or name in rust.RULES.predeclared
