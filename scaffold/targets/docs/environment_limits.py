"""The attribute limit variables of the environment table (environment_table.py): what the
Go and Rust services do with each (specification v1.60.0, configuration/sdk-environment-variables.md,
"Attribute Limits" and "Span Limits"; common/README.md, "Attribute Limits")."""

from __future__ import annotations

from scaffold.targets.docs.environment_table import READ, Variable

_VALUE_LENGTH_SET = "span-attribute-value-length-variables-override-the-cap"
_VALUE_LENGTH_BAD = "span-attribute-value-length-bad-value-warns-and-falls-back"


_COUNT_ROWS = ("parity-bad-count-limits-one-warning-each",)


def _limit(name: str, what: str, rows: tuple[str, ...] = (), over: str = "128") -> Variable:
    """A count limit: read by the service in both languages, given to the SDK explicitly."""
    return Variable(name, f"The most {what}; more are dropped.", over, READ, READ, rows)


LIMITS: tuple[Variable, ...] = (
    Variable(
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "The longest span, event or link attribute value, in characters; longer strings are cut.",
        "the conventions' export.limits.span_attribute_value_length",
        READ,
        READ,
        (_VALUE_LENGTH_SET, _VALUE_LENGTH_BAD),
        "The specification's default is no limit; the conventions give one (4096 unless "
        "they say otherwise), so a request header or path of any size stays bounded. Go: a "
        "value that is no integer also gets a line from the otel API's dependency "
        "go.opentelemetry.io/auto/sdk, written as the process starts, before any code of "
        "the service runs (so for each variable of this table).",
    ),
    _limit(
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
        "attributes of a span, event or link",
        ("parity-general-count-limit-applies-to-spans",),
    ),
    Variable(
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "Longest span, event, link attribute value; wins over OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT.",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        READ,
        READ,
        (_VALUE_LENGTH_SET, _VALUE_LENGTH_BAD),
    ),
    _limit(
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "attributes per span (the first set are kept: docs/conventions.md, attribute order)",
        ("parity-count-limit-two-keeps-method-and-path", "parity-bad-count-limit-one-warning"),
        "OTEL_ATTRIBUTE_COUNT_LIMIT, else 128",
    ),
    _limit("OTEL_SPAN_EVENT_COUNT_LIMIT", "events per span", _COUNT_ROWS),
    _limit("OTEL_SPAN_LINK_COUNT_LIMIT", "links per span", _COUNT_ROWS),
    _limit(
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "attributes per span event",
        _COUNT_ROWS,
        "OTEL_ATTRIBUTE_COUNT_LIMIT, else 128",
    ),
    _limit(
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
        "attributes per span link",
        _COUNT_ROWS,
        "OTEL_ATTRIBUTE_COUNT_LIMIT, else 128",
    ),
)
