"""Check plain YAML values against the JSON Schema (schema.py), collecting every problem.

Only the schema keywords scaffold's own schema uses are understood; each problem becomes
a Finding with the line and column of the value (or key) and a "did you mean" where one
is close. Patterns match the whole value (a trailing newline is not ignored). Beside
the findings, the checker keeps the path of every value it found wrong (`failed`), so
that rule checks can skip exactly the rules that read one of them.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from scaffold.conventions.schema_runtime import RUNTIME_PATTERN_NAMES
from scaffold.conventions.schema_types import PATTERN_NAMES, Schema
from scaffold.conventions.yamlsource import Located, Path_
from scaffold.errors import Finding

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return type(value).__name__


def shown(value: Any) -> str:
    kind = kind_of(value)
    if kind == "boolean":
        return f"the boolean {str(value).lower()} (YAML reads yes/no/on/off as booleans)"
    if kind == "null":
        return "nothing (an empty value)"
    if kind == "object":
        return "a mapping"
    if kind == "array":
        return "a list"
    if kind == "number" and not math.isfinite(value):
        return f"{value!r} (not a finite number)"
    text = repr(value) if kind == "string" else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{_TYPE_NAMES.get(kind, kind)} {text}" if kind not in ("string",) else text


def _short(value: float) -> str:
    text = str(value)
    return text if len(text) <= 60 else f"{text[:20]}...({len(text)} digits)"


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"Did you mean {close[0]!r}?" if close else ""


def _type_ok(value: Any, wanted: str) -> bool:
    kind = kind_of(value)
    if wanted == "number":
        return kind in ("integer", "number")
    return kind == wanted


class SchemaChecker:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.findings: list[Finding] = []
        self.subjects: list[Path_] = []  # beside each finding, the value it is about
        self.failed: list[Path_] = []

    def add(
        self,
        path: Path_,
        message: str,
        hint: str = "",
        key: bool = False,
        subject: Path_ | None = None,
    ) -> None:
        """Report a problem at `path`; `subject` is the value it makes unusable (default
        `path`), such as the key a missing required key would have had."""
        self.findings.append(self.located.finding(path, message, hint, key))
        self.subjects.append(path if subject is None else subject)
        self.failed.append(self.subjects[-1])

    def check(self, value: Any, schema: Schema, path: Path_ = ()) -> None:
        if "const" in schema and value != schema["const"]:
            self.add(path, f"found {shown(value)}, expected {schema['const']!r}")
            return
        wanted = schema.get("type")
        if wanted is not None:
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if not any(_type_ok(value, t) for t in allowed):
                names = " or ".join(_TYPE_NAMES[t] for t in allowed)
                hint = "Quote it to make it a string." if "string" in allowed else ""
                self.add(path, f"found {shown(value)}, expected {names}", hint)
                return
        kind = kind_of(value)
        if kind == "object":
            self._object(value, schema, path)
        elif kind == "array":
            self._array(value, schema, path)
        elif kind in ("integer", "number"):
            self._number(value, schema, path)
        elif kind == "string":
            self._string(value, schema, path)

    def _object(self, value: dict[str, Any], schema: Schema, path: Path_) -> None:
        props: dict[str, Schema] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        # A misspelt key explains the missing one it resembles: report the typo only.
        typos = {
            close[0]
            for key in value
            if key not in props and extra is False
            for close in [difflib.get_close_matches(key, list(props), n=1, cutoff=0.6)]
            if close
        }
        # The key a typo stands for is unusable too, though the typo is reported alone.
        self.failed.extend((*path, name) for name in typos)
        for name in schema.get("required", []):
            if name not in value and name not in typos:
                desc = props.get(name, {}).get("description", "")
                hint = f"Add `{name}:`" + (f" ({desc})" if desc else "") + "."
                self.add(path, f"missing required key {name!r}", hint, subject=(*path, name))
        names_pattern = schema.get("propertyNames", {}).get("pattern")
        for key, item in value.items():
            child = (*path, key)
            if key in props:
                self.check(item, props[key], child)
            elif extra is False:
                hint = did_you_mean(key, list(props)) or f"Allowed keys: {', '.join(props)}."
                self.add(child, f"unknown key {key!r}", hint, key=True)
            elif isinstance(extra, dict):
                if names_pattern:
                    self._pattern(key, names_pattern, child, "key", key=True)
                self.check(item, extra, child)

    def _array(self, value: list[Any], schema: Schema, path: Path_) -> None:
        minimum = schema.get("minItems", 0)
        if len(value) < minimum:
            self.add(path, f"found {len(value)} item(s), expected at least {minimum}")
        if schema.get("uniqueItems"):
            self._unique(value, path)
        items = schema.get("items")
        if items:
            for index, item in enumerate(value):
                self.check(item, items, (*path, index))

    def _unique(self, value: list[Any], path: Path_) -> None:
        """Report each repeated item. Hashable items are looked up in a set, so a list as
        long as the loader allows is checked in linear time; mappings and lists (rare in a
        list that must be unique) are compared one by one."""
        hashable: set[Any] = set()
        other: list[Any] = []
        for index, item in enumerate(value):
            try:
                repeated = item in hashable
                hashable.add(item)
            except TypeError:
                repeated = item in other
                other.append(item)
            if repeated:
                self.add((*path, index), f"{shown(item)} is listed twice", "Remove the copy.")

    def _number(self, value: float, schema: Schema, path: Path_) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.add(path, f"found {shown(value)}, expected a finite number")
            return
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            span = (
                f"from {low} to {high}"
                if low is not None and high is not None
                else (f"at least {low}" if low is not None else f"at most {high}")
            )
            self.add(path, f"found {_short(value)}, expected a number {span}")
            return
        above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if (above is not None and value <= above) or (below is not None and value >= below):
            bounds = [f"above {above}"] if above is not None else []
            bounds += [f"below {below}"] if below is not None else []
            self.add(path, f"found {_short(value)}, expected a number {' and '.join(bounds)}")

    def _string(self, value: str, schema: Schema, path: Path_) -> None:
        enum = schema.get("enum")
        if enum and value not in enum:
            self.add(
                path,
                f"found {value!r}, expected one of: {', '.join(map(str, enum))}",
                did_you_mean(value, [str(e) for e in enum]),
            )
            return
        pattern = schema.get("pattern")
        if pattern:
            what = (
                PATTERN_NAMES.get(pattern)
                or RUNTIME_PATTERN_NAMES.get(pattern)
                or schema.get("description", "")
                or "a valid value"
            )
            self._pattern(value, pattern, path, what)

    def _pattern(self, value: str, pattern: str, path: Path_, what: str, key: bool = False) -> None:
        if not re.fullmatch(pattern, value):
            expected = what.rstrip(".")
            expected = expected[:1].lower() + expected[1:]
            self.add(
                path,
                f"found {value!r}, expected {expected}",
                f"It must match the pattern {pattern}",
                key=key,
            )


def check_schema(located: Located, schema: Schema) -> SchemaChecker:
    """Check the whole document; the checker holds the findings and the failed paths."""
    checker = SchemaChecker(located)
    checker.check(located.data, schema)
    return checker


def value_problem(value: Any, schema: Schema) -> str:
    """What is wrong with one value against a piece of the schema, with the fix; '' if
    nothing. For answers that become conventions before there is a file (scaffold init)."""
    checker = SchemaChecker(Located(file="", data=value))
    checker.check(value, schema)
    if not checker.findings:
        return ""
    first = checker.findings[0]
    return first.message + (f". {first.hint}" if first.hint else "")
