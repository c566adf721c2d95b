"""What verify checks: spans, log records and metrics, independent of the wire format.

Readers turn OTLP JSON or protobuf into these; the rules read only these. Ids are lower-case
hex ("" when absent); attribute values keep their OTLP type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# OTLP SpanKind numbers.
KIND_UNSPECIFIED, KIND_INTERNAL, KIND_SERVER, KIND_CLIENT, KIND_PRODUCER, KIND_CONSUMER = range(6)
KIND_NAMES = ("unspecified", "internal", "server", "client", "producer", "consumer")
# OTLP Status.StatusCode numbers.
STATUS_UNSET, STATUS_OK, STATUS_ERROR = range(3)
STATUS_NAMES = ("unset", "ok", "error")


class Value(NamedTuple):
    """An attribute value: kind is string, int, double, bool, bytes, array, kvlist or empty.

    Arrays hold a tuple of Values; kvlists a tuple of (key, Value) pairs. A named tuple:
    millions are made, and they are hashed to remember values already checked.
    """

    kind: str
    value: object

    def text(self) -> str:
        """The value as it reads in a name or a message."""
        if self.kind == "bool":
            return "true" if self.value else "false"
        if self.kind == "array" and isinstance(self.value, tuple):
            return "[" + ", ".join(v.text() for v in self.value) + "]"
        return str(self.value)

    def strings(self) -> list[str]:
        """Every string inside the value (arrays and kvlists included)."""
        if self.kind == "string" and isinstance(self.value, str):
            return [self.value]
        out: list[str] = []
        if self.kind == "array" and isinstance(self.value, tuple):
            for item in self.value:
                out.extend(item.strings())
        elif self.kind == "kvlist" and isinstance(self.value, tuple):
            for _, item in self.value:
                out.extend(item.strings())
        return out


Attributes = dict[str, Value]


@dataclass(slots=True)
class Resource:
    attributes: Attributes
    # service.name's value ("" when absent), kept because every finding names it.
    service: str = field(init=False)

    def __post_init__(self) -> None:
        value = self.attributes.get("service.name")
        self.service = value.text() if value is not None else ""


@dataclass(slots=True)
class Event:
    name: str
    attributes: Attributes


@dataclass(slots=True)
class Link:
    trace_id: str
    span_id: str
    attributes: Attributes


@dataclass(slots=True)
class Span:
    resource: Resource
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    attributes: Attributes
    events: list[Event] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    # OTLP Status: code (STATUS_UNSET, STATUS_OK or STATUS_ERROR) and its description.
    status_code: int = 0
    status_message: str = ""


@dataclass(slots=True)
class LogRecord:
    resource: Resource
    # Which record of its input, counted from 1: "the 3rd log record of traces.json".
    ordinal: int
    trace_id: str
    span_id: str
    severity: str
    body: Value | None
    attributes: Attributes


@dataclass(slots=True)
class Metric:
    resource: Resource
    name: str
    unit: str
    # gauge, sum, histogram, exponential_histogram, summary (or "" when none is set).
    instrument: str
    # One attribute set per data point.
    points: list[Attributes]


Record = Span | LogRecord | Metric


@dataclass(slots=True)
class Batch:
    """The records of one export request (or of one line or message of a file)."""

    resources: list[Resource] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)

    @property
    def items(self) -> int:
        """Spans, log records and metric data points in the batch."""
        return len(self.spans) + len(self.logs) + sum(len(m.points) for m in self.metrics)
