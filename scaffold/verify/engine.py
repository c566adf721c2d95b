"""The verifier: feeds each batch through the rules and keeps the summary.

Findings are returned as they are found, never accumulated, so a run over any amount of
telemetry holds only the bounded state of the trace and metric rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from scaffold.conventions import load
from scaffold.conventions.model import Conventions
from scaffold.verify.context import MAX_LISTED, Context, Options
from scaffold.verify.files import DEFAULT_MAX_MESSAGE, read_file
from scaffold.verify.findings import Coverage, Finding, Level, Summary, Where
from scaffold.verify.lines import RuleLines
from scaffold.verify.records import Batch, Resource
from scaffold.verify.rules_logs import check_log
from scaffold.verify.rules_metrics import MetricRules
from scaffold.verify.rules_resource import check_resource
from scaffold.verify.rules_spans import check_span
from scaffold.verify.traces import TraceTracker

_MAX_RESOURCES = 10_000


class Verifier:
    def __init__(self, conv: Conventions, lines: RuleLines, options: Options | None = None) -> None:
        self.ctx = Context(conv, lines, options or Options())
        self.tracker = TraceTracker(self.ctx)
        self.metrics = MetricRules(self.ctx)
        self.summary = Summary()
        self._resources: set[int] = set()
        self._log_ordinal = 0

    def check(self, batch: Batch, input_name: str = "") -> list[Finding]:
        """Check one export request; returns the findings it produced."""
        for resource in batch.resources:
            if self._first_time(resource):
                check_resource(self.ctx, resource, input_name)
        for span in batch.spans:
            check_span(self.ctx, span, input_name)
            self.tracker.add(span)
        for record in batch.logs:
            self._log_ordinal += 1
            record.ordinal = self._log_ordinal
            check_log(self.ctx, record, input_name)
        for metric in batch.metrics:
            self.metrics.check(metric, input_name)
        self.summary.spans += len(batch.spans)
        self.summary.logs += len(batch.logs)
        self.summary.metric_points += sum(len(m.points) for m in batch.metrics)
        return self._take(input_name)

    def expire(self, now: float | None = None) -> list[Finding]:
        """Judge traces idle past the orphan wait (the listener calls this)."""
        self.tracker.expire(now)
        return self._take()

    def finish(self) -> list[Finding]:
        """Judge every open trace and fill in the coverage."""
        self.tracker.finish()
        conv, ctx = self.ctx.conv, self.ctx
        own = [a.id for a in conv.attributes]
        rules = [*conv.span_rules, "internal"]
        self.summary.coverage = Coverage(
            attributes_seen=tuple(a for a in own if a in ctx.attributes_seen),
            attributes_never_seen=tuple(a for a in own if a not in ctx.attributes_seen),
            rules_seen=tuple(r for r in rules if r in ctx.rules_seen),
            rules_never_seen=tuple(r for r in rules if r not in ctx.rules_seen),
        )
        return self._take()

    def _first_time(self, resource: Resource) -> bool:
        key = hash(tuple(sorted((k, v.kind, v.text()) for k, v in resource.attributes.items())))
        if key in self._resources:
            return False
        if len(self._resources) < _MAX_RESOURCES:
            self._resources.add(key)
        return True

    def _take(self, input_name: str = "") -> list[Finding]:
        found = self.ctx.take()
        unlisted = self.ctx.take_unlisted()
        if unlisted:
            found.append(self._unlisted(unlisted, input_name))
        for finding in found:
            self.summary.add(finding)
        for (level, rule), count in unlisted.items():
            self.summary.by_level[level.label] += count
            self.summary.by_rule[rule] += count
        return found

    def _unlisted(self, unlisted: Counter[tuple[Level, str]], input_name: str) -> Finding:
        total = sum(unlisted.values())
        rules = ", ".join(sorted({rule for _, rule in unlisted}))
        return Finding(
            Level.INFORMATION,
            "verify.unlisted",
            f"{total} more findings ({rules}) were counted in the summary but not listed: "
            f"over {MAX_LISTED} in one input",
            Where("input", input=input_name),
            self.ctx.lines.file,
            1,
        )


def open_verifier(conventions: Path, options: Options | None = None) -> Verifier:
    """Load the conventions at `conventions` (and their line map) into a Verifier."""
    conv = load(conventions)
    return Verifier(conv, RuleLines.read(conventions, conv.source), options)


def verify_files(
    verifier: Verifier,
    paths: Iterable[Path],
    signal: str | None = None,
    max_message: int = DEFAULT_MAX_MESSAGE,
) -> Iterator[Finding]:
    """Findings for every export request in `paths`, as they are found, then the trace
    findings left at the end. `verifier.summary` holds the totals afterwards."""
    for path in paths:
        for piece in read_file(path, signal, max_message):
            yield from verifier.check(piece.batch, piece.where)
    yield from verifier.finish()
