"""Next steps for a Rust crate: declare the module, call `init` first in `main` and keep
its guard, put the server layer on the router, shut down through the guard. The steps
name the lines they are about; `--wire` does not edit Rust (the Rust API is the
module's own documentation, src/telemetry/mod.rs)."""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.paths import read_inside
from scaffold.wiring import Step, Wiring
from scaffold.wiring.source import code_only, line_of


def _read(dest: Path, rel: str) -> str | None:
    try:
        raw = read_inside(dest, rel)
    except (UsageError, OSError):
        return None
    return raw.decode("utf-8", "replace") if raw is not None else None


def _find(code: str, text: str, pattern: str) -> int:
    """The 1-based line of the first match of `pattern` in the blanked code, else 0."""
    match = re.search(pattern, code, re.MULTILINE)
    return line_of(text, match.start()) if match else 0


def rust_steps(dest: Path) -> Wiring:
    """The next steps for the crate at `dest`; `--wire` is refused for Rust."""
    rel = next((r for r in ("src/main.rs", "src/lib.rs") if _read(dest, r) is not None), "")
    problem = "--wire edits Go services only; make the Rust steps listed by hand"
    if not rel:
        only = Step("src/main.rs", 0, "the crate root", "declare the module: mod telemetry;")
        return Wiring(steps=(only,), problem=problem)
    text = _read(dest, rel) or ""
    code = code_only(text)
    steps: list[Step] = []
    notes: list[str] = []
    if not re.search(r"^\s*(pub(\([^)]*\))?\s+)?mod telemetry\s*;", code, re.MULTILINE):
        steps.append(Step(rel, 1, "the crate root", "mod telemetry;"))
    main = _find(code, text, r"\bfn main\s*\(")
    if main:
        steps.append(
            Step(
                rel,
                main,
                "first thing in fn main",
                "let telemetry_guard = telemetry::init()?; (fn main returns a Result; keep the "
                "guard alive until shutdown)",
            )
        )
    router = _find(code, text, r"\bRouter::new\(\)")
    if router:
        steps.append(Step(rel, router, "the router", ".layer(telemetry::HttpServerLayer::new())"))
    serve = _find(code, text, r"\baxum::serve\(")
    if serve:
        steps.append(
            Step(
                rel,
                serve,
                "after axum::serve(...).await returns",
                "telemetry_guard.shutdown()?; (flushes the last spans, bounded)",
            )
        )
    subscriber = _find(code, text, r"\btracing_subscriber::fmt\b|\.init\(\)\s*;")
    if subscriber:
        notes.append(
            f"{rel}:{subscriber}: this crate installs its own tracing subscriber; "
            "telemetry::init installs one too, so only one of them can be the global default"
        )
    trace_layer = _find(code, text, r"\bTraceLayer\b")
    if trace_layer:
        notes.append(
            f"{rel}:{trace_layer}: tower-http's TraceLayer makes spans of its own next to "
            "HttpServerLayer's; remove it, or keep it at a level that is not exported"
        )
    return Wiring(steps=tuple(steps), problem=problem, notes=tuple(notes))
