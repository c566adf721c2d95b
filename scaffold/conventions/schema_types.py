"""The patterns, enumerations and builders the JSON Schema of observability.yaml is made of.

Each pattern is written once here; the schema uses it, the validator matches it against
the whole value (validate.py), and messages name it through PATTERN_NAMES.
"""

from __future__ import annotations

from typing import Any

from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES

Schema = dict[str, Any]

ATTRIBUTE_ID = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
# Digits per unit keep every duration under 274 years, inside Go's time.Duration (int64 ns).
DURATION = r"^(?:[0-9]{1,12}(ms)|[0-9]{1,9}(s)|[0-9]{1,8}(m)|[0-9]{1,6}(h)|[0-9]{1,5}(d))$"
NAME = r"^[a-z0-9][a-z0-9_-]*$"
ENDPOINT_URL = r"^https?://[^\s/:]+(:[0-9]{1,5})?(/\S*)?$"
LOG_FIELD = r"^[a-z_][a-z0-9_.]*$"
# The largest whole number a count or size may be: fits every generated integer type.
MAX_INT = 2**31 - 1
ATTRIBUTE_TYPES = [
    "string",
    "int",
    "double",
    "boolean",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "enum",
]
REQUIREMENT_LEVELS = ["required", "conditionally_required", "recommended", "opt_in"]
PII_CLASSES = ["none", "pii", "secret"]
PROTOCOLS = ["grpc", "http/protobuf"]
# What a value matching each pattern is, for messages when a field has no description.
PATTERN_NAMES = {
    ATTRIBUTE_ID: "a dotted, lower-case attribute id such as app.tenant.id",
    ENV_VAR: "an environment variable name such as ACME_TRACING_DISABLED",
    DURATION: "a duration such as 500ms, 10s, 5m, 1h or 28d (at most 99999d)",
    NAME: "a lower-case name (letters, digits, - and _)",
}
# The boundaries a span can be named at: those whose start attributes scaffold knows.
BOUNDARIES = list(BOUNDARY_ATTRIBUTES)
PRIVACY_ACTIONS = ["drop", "hash", "redact", "keep"]


def obj(props: dict[str, Schema], required: tuple[str, ...] = (), desc: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }
    if desc:
        schema["description"] = desc
    return schema


def map_of(values: Schema, key_pattern: str, desc: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "additionalProperties": values,
        "propertyNames": {"pattern": key_pattern},
    }
    if desc:
        schema["description"] = desc
    return schema


def arr(items: Schema, min_items: int = 0, desc: str = "", unique: bool = False) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if min_items:
        schema["minItems"] = min_items
    if unique:
        schema["uniqueItems"] = True
    if desc:
        schema["description"] = desc
    return schema


def string(desc: str = "", pattern: str = "", enum: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    if enum:
        schema["enum"] = enum
    if desc:
        schema["description"] = desc
    return schema


def number(desc: str = "", minimum: float | None = None, maximum: float | None = None) -> Schema:
    schema: Schema = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if desc:
        schema["description"] = desc
    return schema


def open_fraction(desc: str) -> Schema:
    """A number strictly between 0 and 1."""
    return {
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 1,
        "description": desc,
    }


def integer(desc: str = "", minimum: int | None = None, maximum: int = MAX_INT) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    schema["maximum"] = maximum
    if desc:
        schema["description"] = desc
    return schema


def boolean(desc: str = "") -> Schema:
    return {"type": "boolean", "description": desc} if desc else {"type": "boolean"}


def duration(desc: str = "") -> Schema:
    return string(desc or "A duration such as 500ms, 10s, 5m, 1h or 28d.", pattern=DURATION)


RATIO = number("A sampling ratio: a finite number from 0 to 1.", 0, 1)
ENVIRONMENT_NAME = string("", NAME)
ENVIRONMENTS = arr(ENVIRONMENT_NAME, 1, "Environment names.", unique=True)
ENVIRONMENT_VARIABLE = string("", ENV_VAR)
PROTOCOL = string("", enum=PROTOCOLS)
ENDPOINT = string("Collector endpoint URL.", ENDPOINT_URL)
