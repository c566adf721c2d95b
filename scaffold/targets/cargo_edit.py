"""Line edits of a Cargo.toml's dependency tables, keeping everything else byte for byte.

A table's extent runs from its header to the next header of any kind: `[table]` or an
array of tables (`[[bench]]`, `[[bin]]`), so a crate is never appended into a `[[bench]]`
that follows `[dev-dependencies]`. A one-line declaration that lacks the module's
features gets them, its trailing comment kept. rust_crates reads every edit back with
TOML's own parser before anything is written.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from scaffold.render.filters import toml_string


@dataclass(frozen=True)
class Crate:
    name: str
    version: str
    default_features: bool = True
    features: tuple[str, ...] = ()

    def toml(self, *, pin: bool = True) -> str:
        """The dependency line: `name = { version = "=x", ... }` (a new service's exact
        pins), or with a caret requirement "x" (`add`: Cargo may pick any compatible
        version a workspace already uses)."""
        fields = [f"version = {toml_string(('=' if pin else '') + self.version)}"]
        if not self.default_features:
            fields.append("default-features = false")
        if self.features:
            fields.append("features = [" + ", ".join(toml_string(f) for f in self.features) + "]")
        return f"{self.name} = {{ {', '.join(fields)} }}"


# `[name]` (group 1 "[") or `[[name]]` (group 1 "[["), with an optional comment.
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[=.]""")


def normal(name: str) -> str:
    return name.replace("_", "-").lower()


def header_path(line: str) -> tuple[str, ...] | None:
    """The key path of a `[table]` header line (`[target.'cfg(unix)'.dependencies]` is
    ("target", "cfg(unix)", "dependencies")); () for an array-of-tables header, None
    for a line that is no header."""
    match = _HEADER.match(line)
    if not match:
        return None
    if match.group(1) == "[[":
        return ()
    try:
        data: object = tomllib.loads(f"[{match.group(2)}]\n")
    except tomllib.TOMLDecodeError:
        return ()
    path: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        key = next(iter(data))
        path.append(key)
        data = data[key]
    return tuple(path)


def key_of(line: str) -> str | None:
    """The (normalised) key a `key = ...` or `key.x = ...` line declares, or None."""
    match = _KEY.match(line)
    return normal(next(g for g in match.groups() if g)) if match else None


def line_of(text: str, table: tuple[str, ...], crate: str) -> int:
    """The 1-based line declaring `crate` (normalised) in `table` (0 when not found)."""
    current: tuple[str, ...] | None = None
    for index, line in enumerate(text.splitlines(), 1):
        path = header_path(line)
        if path is not None:
            current = path
            if path[:-1] == table and path and normal(path[-1]) == crate:
                return index
            continue
        if current == table and key_of(line) == crate:
            return index
    return 0


def _declared(lines: list[str], start: int, end: int) -> set[str]:
    return {k for k in (key_of(line) for line in lines[start:end]) if k}


def split_comment(value: str) -> tuple[str, str]:
    """A TOML value and its trailing comment ('' when none), a `#` inside a string kept."""
    for at in (i for i, c in enumerate(value) if c == "#"):
        try:
            tomllib.loads(f"x = {value[:at]}")
        except tomllib.TOMLDecodeError:
            continue
        return value[:at].rstrip(), value[at:].rstrip()
    return value.rstrip(), ""


def _with_features(line: str, crate: Crate) -> str:
    """A one-line dependency declaration with the crate's features added, or the line
    unchanged when it has them all (or is not a one-line declaration)."""
    key, sep, rest = line.partition("=")
    value, comment = split_comment(rest)
    try:
        spec = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        return line
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        return line
    have = list(spec.get("features", []))
    missing = [f for f in crate.features if f not in have]
    if not missing:
        return line
    fields = [f"{k} = {_toml_value(v)}" for k, v in spec.items() if k != "features"]
    fields.append("features = [" + ", ".join(toml_string(f) for f in have + missing) + "]")
    tail = f" {comment}" if comment else ""
    return f"{key.rstrip()} {sep} {{ {', '.join(fields)} }}{tail}"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(value)


_INHERITED = re.compile(r"^(\s*)([A-Za-z0-9_-]+)\.workspace\s*=\s*true\s*(#.*)?$")


def _add_features(
    lines: list[str], start: int, end: int, crates: tuple[Crate, ...], dotted: set[str]
) -> None:
    wanted = {normal(c.name): c for c in crates if c.features}
    for index in range(start, end):
        inherited = _INHERITED.match(lines[index])
        crate = wanted.get(normal(inherited.group(2))) if inherited else None
        if inherited and crate is not None and normal(inherited.group(2)) not in dotted:
            # `x.workspace = true`: the workspace's features, and the module's added to them.
            features = ", ".join(toml_string(f) for f in crate.features)
            comment = f" {inherited.group(3)}" if inherited.group(3) else ""
            lines[index] = (
                f"{inherited.group(1)}{inherited.group(2)} = "
                f"{{ workspace = true, features = [{features}] }}{comment}"
            )
            continue
        key = key_of(lines[index])
        value = split_comment(lines[index].partition("=")[2])[0]
        if key is None or not value.endswith(("}", '"', "'")):
            continue
        crate = wanted.get(key)
        if crate is not None and "." not in lines[index].split("=", 1)[0]:
            lines[index] = _with_features(lines[index], crate)


def _extent(lines: list[str], table: str) -> tuple[int, int, set[str]]:
    """Where `[table]`'s lines are (start, end; -1 when it is missing), and the crates
    declared as `[table.crate]` tables."""
    start = end = -1
    declared: set[str] = set()
    for index, line in enumerate(lines):
        path = header_path(line)
        if path is None:
            continue
        if start >= 0 and end < 0:
            end = index
        if path == (table,):
            start, end = index + 1, -1
        elif len(path) == 2 and path[0] == table:
            declared.add(normal(path[1]))  # `[dependencies.serde]` style
    if start >= 0 and end < 0:
        end = len(lines)
    return start, end, declared


def merge_table(text: str, table: str, crates: tuple[Crate, ...]) -> str:
    """`text` with each of `crates` missing from `[table]` appended to it (a caret
    requirement), and the module's features added to the one-line declarations there."""
    from scaffold.targets import cargo_features

    lines = text.splitlines()
    wanted = {normal(c.name): c for c in crates if c.features}
    cargo_features.add_to_tables(lines, table, wanted)
    start, end, declared = _extent(lines, table)
    if start >= 0:
        declared |= _declared(lines, start, end)
        dotted = cargo_features.add_dotted(lines, start, end, wanted)
        start, end, _ = _extent(lines, table)
        _add_features(lines, start, end, crates, dotted)
    missing = [c.toml(pin=False) for c in crates if normal(c.name) not in declared]
    if not missing:
        return "\n".join(lines) + "\n"
    if start < 0:
        block = ["", f"[{table}]", *missing]
        return "\n".join([*lines, *block]).strip("\n") + "\n"
    # Insert after the table's last non-blank, non-comment line.
    insert_at = end
    while insert_at > start and (
        not lines[insert_at - 1].strip() or lines[insert_at - 1].lstrip().startswith("#")
    ):
        insert_at -= 1
    merged = lines[:insert_at] + missing + lines[insert_at:]
    return "\n".join(merged) + "\n"


_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_OPEN_TABLE = re.compile(r"""^\s*([A-Za-z0-9_."'-]+)\s*=\s*\{[^}]*$""")


def not_toml10(name: str, text: str, error: str) -> str:
    """What to say of a Cargo.toml TOML 1.0 does not read (`error`, the parser's message):
    file:line:column, and, for an inline table written over several lines (TOML 1.1, which
    newer Cargo reads), that shape and the two ways to write it that scaffold edits."""
    found = _AT.search(error)
    if found is None:
        return f"{name}: not TOML 1.0 as scaffold reads it: {error}; fix it first"
    line, column = int(found.group(1)), int(found.group(2))
    where = f"{name}:{line}:{column}"
    lines = text.splitlines()
    for index in range(min(line, len(lines)) - 1, max(line - 40, 0) - 1, -1):
        if lines[index].lstrip().startswith("["):
            break  # a table header: the error is not inside an inline table opened above
        opened = _OPEN_TABLE.match(lines[index].split("#", 1)[0])
        if opened:
            key = opened.group(1)
            return (
                f"{name}:{index + 1}: `{key} = {{` is an inline table over several lines "
                "(TOML 1.1, which newer Cargo reads); scaffold reads TOML 1.0 and edits "
                "Cargo.toml line by line, so it does not edit it: write the table on one line "
                f"(`{key} = {{ version = ..., features = [...] }}`) or as a [dependencies.{key}] "
                "table, then run add again"
            )
    return (
        f"{where}: not TOML 1.0 as scaffold reads it: {_AT.sub('', error).strip()}; fix it "
        "first (inline tables on one line, as TOML 1.0 writes them)"
    )
