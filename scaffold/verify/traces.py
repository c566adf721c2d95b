"""Trace-shape rules, judged once a trace is done: orphan spans, more than one root, and
parent links across services whose kinds do not pair (client → server, producer → consumer).

Memory is bounded: at most `trace_window` spans of unfinished traces are kept (a few ids per
span, the name and service cut to `KEEP_CHARS`); past that, the least recently active trace
is judged and forgotten. A single trace that outgrows the window alone is set aside with an
information finding (its shape cannot be judged in bounded memory) and its later spans are
not held; the ids of such traces are remembered up to `MAX_SET_ASIDE`. The listener also
judges traces idle for `orphan_wait` seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field

from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import (
    KIND_CLIENT,
    KIND_CONSUMER,
    KIND_NAMES,
    KIND_PRODUCER,
    KIND_SERVER,
    Span,
)

# parent kind -> the kinds its child may have in another service.
_PAIRS = {KIND_CLIENT: (KIND_SERVER,), KIND_PRODUCER: (KIND_CONSUMER,)}
KEEP_CHARS = 256
MAX_SERVICES = 10_000
MAX_SET_ASIDE = 1024


@dataclass(slots=True)
class _Seen:
    parent: str
    kind: int
    service: str
    name: str


@dataclass
class _Trace:
    spans: dict[str, _Seen] = field(default_factory=dict)
    touched: float = 0.0


class TraceTracker:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.window = max(1, ctx.options.trace_window)
        self.open: OrderedDict[str, _Trace] = OrderedDict()
        self.held = 0
        self.services: dict[str, str] = {}
        self.set_aside: OrderedDict[str, None] = OrderedDict()

    def _service(self, name: str) -> str:
        name = name[:KEEP_CHARS]
        if len(self.services) < MAX_SERVICES:
            return self.services.setdefault(name, name)
        return self.services.get(name, name)

    def add(self, span: Span, now: float | None = None) -> None:
        if not span.trace_id or not span.span_id or span.trace_id in self.set_aside:
            return
        trace = self.open.get(span.trace_id)
        if trace is None:
            trace = self.open[span.trace_id] = _Trace()
        else:
            self.open.move_to_end(span.trace_id)
        trace.touched = time.monotonic() if now is None else now
        service = self._service(span.resource.service)
        if span.span_id not in trace.spans:
            self.held += 1
        name = span.name[:KEEP_CHARS]
        trace.spans[span.span_id] = _Seen(span.parent_span_id, span.kind, service, name)
        if len(trace.spans) > self.window:
            self._set_aside(span.trace_id, service)
        while self.held > self.window and len(self.open) > 1:
            self._judge_oldest()

    def _set_aside(self, trace_id: str, service: str) -> None:
        trace = self.open.pop(trace_id)
        self.held -= len(trace.spans)
        self.set_aside[trace_id] = None
        if len(self.set_aside) > MAX_SET_ASIDE:
            self.set_aside.popitem(last=False)
        self.ctx.add(
            Level.INFORMATION,
            "trace.too_large",
            f"the trace has over {self.window} spans (the trace window); its orphans, roots "
            "and parent kinds are not judged",
            Where("trace", service=service, trace_id=trace_id),
            self.ctx.lines.at("propagation", "propagators"),
        )

    def expire(self, now: float | None = None) -> None:
        """Judge traces idle for longer than the orphan wait."""
        limit = (time.monotonic() if now is None else now) - self.ctx.options.orphan_wait
        while self.open:
            trace = next(iter(self.open.values()))
            if trace.touched > limit:
                return
            self._judge_oldest()

    def finish(self) -> None:
        while self.open:
            self._judge_oldest()

    def _judge_oldest(self) -> None:
        trace_id, trace = self.open.popitem(last=False)
        self.held -= len(trace.spans)
        self._judge(trace_id, trace)

    def _judge(self, trace_id: str, trace: _Trace) -> None:
        ctx = self.ctx
        line = ctx.lines.at("propagation", "propagators")
        roots = [sid for sid, s in trace.spans.items() if not s.parent]
        if len(roots) > 1:
            first = trace.spans[roots[0]]
            ctx.add(
                Level.VIOLATION,
                "trace.roots",
                f"the trace has {len(roots)} root spans ({', '.join(sorted(roots)[:5])}); "
                "context was not propagated between them",
                Where("trace", service=first.service, trace_id=trace_id),
                line,
            )
        for span_id, seen in trace.spans.items():
            where = Where(
                "trace",
                service=seen.service,
                trace_id=trace_id,
                span_id=span_id,
                span_name=seen.name,
            )
            parent = trace.spans.get(seen.parent) if seen.parent else None
            if seen.parent and parent is None:
                self._orphan(seen, where, line)
            elif parent is not None and parent.service != seen.service:
                self._pairing(parent, seen, where, line)

    def _orphan(self, seen: _Seen, where: Where, line: int) -> None:
        entry = seen.kind in (KIND_SERVER, KIND_CONSUMER)
        self.ctx.add(
            Level.INFORMATION if entry else Level.VIOLATION,
            "trace.orphan",
            f"{KIND_NAMES[seen.kind]} span's parent {seen.parent} never arrived"
            + (" (a caller outside this capture)" if entry else ""),
            where,
            line,
        )

    def _pairing(self, parent: _Seen, seen: _Seen, where: Where, line: int) -> None:
        if seen.kind in _PAIRS.get(parent.kind, ()):
            return
        self.ctx.add(
            Level.VIOLATION,
            "trace.parent_kind",
            f"{KIND_NAMES[seen.kind]} span in {seen.service or '?'} has a "
            f"{KIND_NAMES[parent.kind]} parent in {parent.service or '?'}; across services "
            "a client parents a server and a producer a consumer",
            where,
            line,
        )
