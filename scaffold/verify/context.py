"""What every rule reads (the conventions, their lines, options) and where findings go."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from scaffold.conventions.model import Conventions
from scaffold.verify.findings import Finding, Level, Where
from scaffold.verify.lines import RuleLines
from scaffold.verify.records import Value

CLEAN_MEMO = 4096
# Findings listed from one input (an export request, a line of a file) at most; past this
# they are counted, by level and rule, but not kept, so a request with a million unknown
# attributes costs counters, not a million findings.
MAX_LISTED = 10_000
MEMO_CHARS = 256

# Keys that SDKs, detectors and instrumentation libraries set which scaffold's own
# semantic-convention table leaves out. They are known (never "unknown"), not type-checked.
KNOWN_KEYS = frozenset(
    {
        "http.request.body.size",
        "http.response.body.size",
        "network.transport",
        "network.type",
        "network.local.address",
        "network.local.port",
        "url.template",
        "exception.escaped",
        "otel.status_code",
        "otel.status_description",
        "otel.scope.name",
        "otel.scope.version",
    }
)
KNOWN_PREFIXES = ("code.", "thread.", "otel.")
# Resource keys that detectors add; known on resources only.
RESOURCE_PREFIXES = (
    "telemetry.",
    "process.",
    "os.",
    "host.",
    "container.",
    "k8s.",
    "cloud.",
    "faas.",
    "service.",
    "deployment.",
)


@dataclass(frozen=True)
class Options:
    """How strictly to read the conventions.

    stage: which privacy action applies (`sdk` for telemetry straight from services,
    `collector` for telemetry that went through the collector's redaction).
    trace_window: how many spans of unfinished traces are kept before the least recently
    active trace is judged (orphans, roots); bounds memory.
    orphan_wait: seconds a trace may stay idle (listener) before it is judged.
    """

    stage: str = "sdk"
    trace_window: int = 50_000
    orphan_wait: float = 30.0


@dataclass
class Context:
    conv: Conventions
    lines: RuleLines
    options: Options = field(default_factory=Options)
    found: list[Finding] = field(default_factory=list)
    unlisted: Counter[tuple[Level, str]] = field(default_factory=Counter)
    attributes_seen: set[str] = field(default_factory=set)
    rules_seen: set[str] = field(default_factory=set)
    # Low-cardinality (key, value, on_resource) that passed every attribute rule: they repeat.
    clean: set[tuple[str, Value, bool]] = field(default_factory=set)
    # service.name spellings seen, by their normalised form (lower case, '-' for '_' and '.').
    service_names: dict[str, str] = field(default_factory=dict)

    def remember_clean(self, memo: tuple[str, Value, bool]) -> None:
        """Remember a short scalar value that passed; long or nested ones are not kept (the
        memo is for values that repeat, and must not hold megabytes a client sent)."""
        value = memo[1]
        if value.kind in ("array", "kvlist", "bytes") or len(str(value.value)) > MEMO_CHARS:
            return
        if len(self.clean) >= CLEAN_MEMO:
            self.clean.clear()
        self.clean.add(memo)

    def add(
        self, level: Level, rule: str, message: str, where: Where, line: int, attribute: str = ""
    ) -> None:
        if len(self.found) >= MAX_LISTED:
            self.unlisted[(level, rule)] += 1
            return
        self.found.append(
            Finding(level, rule, message, where, self.lines.file, line, attribute=attribute)
        )

    def take(self) -> list[Finding]:
        out, self.found = self.found, []
        return out

    def take_unlisted(self) -> Counter[tuple[Level, str]]:
        """How many findings, by level and rule, were counted but not listed since the last
        call (more than MAX_LISTED in one input)."""
        out, self.unlisted = self.unlisted, Counter()
        return out

    def known(self, key: str, on_resource: bool) -> bool:
        if key in self.conv.registry or key in KNOWN_KEYS or key.startswith(KNOWN_PREFIXES):
            return True
        return on_resource and key.startswith(RESOURCE_PREFIXES)
