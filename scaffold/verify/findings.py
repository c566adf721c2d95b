"""Findings, their levels, and the summary of a run (counts, coverage, verdict)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Level(IntEnum):
    INFORMATION = 0
    IMPROVEMENT = 1
    VIOLATION = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(level.label for level in cls)
            raise ValueError(f"unknown level {text!r} (one of {names})") from None


@dataclass(frozen=True)
class Where:
    """What a finding is about: the service and the span, log record or metric."""

    signal: str  # span, log, metric, resource, trace, input
    service: str = ""
    trace_id: str = ""
    span_id: str = ""
    span_name: str = ""
    metric: str = ""
    log_record: int = 0
    input: str = ""

    def describe(self) -> str:
        service = self.service or "(no service.name)"
        if self.signal == "span":
            return f"{service} span {self.span_name!r} {self.trace_id}/{self.span_id}"
        if self.signal == "trace":
            return f"{service} trace {self.trace_id}" + (f"/{self.span_id}" if self.span_id else "")
        if self.signal == "log":
            ids = "/".join(i for i in (self.trace_id, self.span_id) if i)
            return f"{service} log record #{self.log_record}" + (f" {ids}" if ids else "")
        if self.signal == "metric":
            return f"{service} metric {self.metric}"
        if self.signal == "input":
            return f"input {self.input or '(unnamed)'}"
        return f"{service} resource"


@dataclass(frozen=True)
class Finding:
    level: Level
    rule: str
    message: str
    where: Where
    conventions: str
    line: int
    attribute: str = ""

    def render(self) -> str:
        return (
            f"{self.level.label}: {self.where.describe()}: {self.message} "
            f"[{self.rule}, {self.conventions}:{self.line}]"
        )

    def to_json(self) -> dict[str, Any]:
        w = self.where
        out: dict[str, Any] = {
            "type": "finding",
            "level": self.level.label,
            "rule": self.rule,
            "message": self.message,
            "signal": w.signal,
            "service": w.service,
            "conventions": {"file": self.conventions, "line": self.line},
        }
        optional = {
            "trace_id": w.trace_id,
            "span_id": w.span_id,
            "span_name": w.span_name,
            "metric": w.metric,
            "log_record": w.log_record,
            "attribute": self.attribute,
            "input": w.input,
        }
        out.update({k: v for k, v in optional.items() if v})
        return out


@dataclass(frozen=True)
class Coverage:
    attributes_seen: tuple[str, ...]
    attributes_never_seen: tuple[str, ...]
    rules_seen: tuple[str, ...]
    rules_never_seen: tuple[str, ...]


@dataclass
class Summary:
    """Counts of everything checked and found; the verdict for a --fail-on level."""

    spans: int = 0
    logs: int = 0
    metric_points: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    coverage: Coverage | None = None

    def add(self, finding: Finding) -> None:
        self.by_level[finding.level.label] += 1
        self.by_rule[finding.rule] += 1

    def failed(self, fail_on: Level) -> bool:
        return any(self.by_level[level.label] for level in Level if level >= fail_on)

    def to_json(self, fail_on: Level) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "summary",
            "spans": self.spans,
            "log_records": self.logs,
            "metric_points": self.metric_points,
            "findings": {level.label: self.by_level[level.label] for level in Level},
            "rules": dict(sorted(self.by_rule.items())),
            "fail_on": fail_on.label,
            "failed": self.failed(fail_on),
        }
        if self.coverage is not None:
            c = self.coverage
            out["coverage"] = {
                "attributes_seen": list(c.attributes_seen),
                "attributes_never_seen": list(c.attributes_never_seen),
                "naming_rules_seen": list(c.rules_seen),
                "naming_rules_never_seen": list(c.rules_never_seen),
            }
        return out
