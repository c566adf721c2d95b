"""Instrumentation a Go module has already: otelhttp, otelgrpc, and a tracer provider of its
own. Each use is named (file, line) with how to remove it or combine it with the generated
package, so a service never exports every request twice or loses its spans to a second
provider. Only the team's own non-test sources are read; nothing here is edited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.paths import read_inside
from scaffold.targets.go_constraints import never_built
from scaffold.targets.go_parts import module_sources
from scaffold.wiring import Step
from scaffold.wiring.source import code_only, line_of

OTELHTTP = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
OTELGRPC = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
SDKTRACE = "go.opentelemetry.io/otel/sdk/trace"
OTEL = "go.opentelemetry.io/otel"


@dataclass(frozen=True)
class _Finding:
    """One kind of existing instrumentation: its import path, the calls that use it, and
    what to do about each (`{pkg}` is the generated package's name)."""

    path: str
    calls: str  # a regex alternation of the package's functions
    where: str
    what: str


_FINDINGS = (
    _Finding(
        OTELHTTP,
        r"NewHandler|NewMiddleware|WithRouteTag",
        "existing otelhttp server instrumentation",
        "remove this otelhttp wrap: {pkg}.NewHandler around the server's handler names, "
        "times and exports each request once; keeping both exports two server spans per "
        "request",
    ),
    _Finding(
        OTELHTTP,
        r"NewTransport|Get|Post|Head|PostForm|DefaultClient",
        "existing otelhttp client instrumentation",
        "replace it with {pkg}.NewTransport(base) or {pkg}.NewClient(): the same client span "
        "with the conventions' baggage allow-list and redaction",
    ),
    _Finding(
        OTELGRPC,
        r"NewServerHandler|NewClientHandler|UnaryServerInterceptor|StreamServerInterceptor"
        r"|UnaryClientInterceptor|StreamClientInterceptor",
        "existing otelgrpc instrumentation",
        "replace it with {pkg}.GRPCServerOption() / {pkg}.GRPCDialOption() (add the gRPC part: "
        "scaffold add --with grpc); keeping both records every RPC twice",
    ),
    _Finding(
        SDKTRACE,
        r"NewTracerProvider",
        "a second tracer provider",
        "{pkg}.Setup builds and installs the tracer provider the conventions describe; remove "
        "this one with its exporter and shutdown, or, if it must stay (e.g. in a test), never "
        "install it with otel.SetTracerProvider after Setup",
    ),
    _Finding(
        OTEL,
        r"SetTracerProvider",
        "a second global tracer provider",
        "remove this call: {pkg}.Setup installs the global tracer provider, and whichever "
        "SetTracerProvider runs last wins, so spans would leave without the conventions' "
        "sampling, redaction and exporter",
    ),
)


def _alias(code: str, text: str, path: str) -> str:
    """The name `path` is imported under in this file ('' when it is not imported)."""
    for match in re.finditer(rf'(?m)^(?:import\s+)?\s*(\w+\s+)?"{re.escape(path)}"\s*$', text):
        if '"' not in code[match.start() : match.end()]:
            continue  # inside a comment or a raw string
        name = (match.group(1) or "").strip()
        return name or path.rsplit("/", 1)[-1]
    return ""


def _sources(dest: Path, package: str) -> Iterator[tuple[str, str]]:
    """(relative path, text) of the module's own non-test Go files that some build
    includes: the walk part detection uses (no vendor/, testdata/, hidden folders or
    nested modules; scaffold.targets.go_parts), without `//go:build ignore` files."""
    generated = f"internal/{package}/"
    for rel in module_sources(dest):
        if rel.endswith("_test.go") or rel.startswith(generated):
            continue
        try:
            raw = read_inside(dest, rel)
        except (UsageError, OSError):
            continue
        if raw is None:
            continue
        text = raw.decode("utf-8", "replace")
        if not never_built(text):
            yield rel, text


def existing_instrumentation(dest: Path, package: str) -> tuple[Step, ...]:
    """One step per use of instrumentation the generated package replaces."""
    steps: list[Step] = []
    for rel, text in _sources(dest, package):
        code = code_only(text)
        for finding in _FINDINGS:
            name = _alias(code, text, finding.path)
            if not name or name in ("_", "."):
                continue
            for call in re.finditer(rf"\b{re.escape(name)}\.({finding.calls})\b", code):
                what = finding.what.format(pkg=package)
                steps.append(Step(rel, line_of(text, call.start()), finding.where, what))
    return tuple(sorted(steps, key=lambda s: (s.file, s.line)))
