"""The optional parts of the generated instrumentation, one model for Go and Rust: only
what a service uses is rendered, and only its dependencies are added.

- `grpc`: gRPC server and client instrumentation (Go: grpc.go; Rust: rpc.rs, the tonic
  layers, and tonic in the module's test dependencies).
- `otlp-grpc` (internal, never named with `--with`): the OTLP/gRPC exporters. They come
  with the `grpc` part or whenever the conventions export over gRPC (Go: exporter_grpc.go
  and the two OTLP/gRPC exporter modules; Rust: opentelemetry-otlp's tonic features).
  Without them OTEL_EXPORTER_OTLP_PROTOCOL=grpc is reported at start-up and
  http/protobuf is used.
- `sql`: the database span helper (Go: sql.go; Rust: db.rs).
- `messaging`: producer and consumer spans with header carriers.

`scaffold new` renders every part. `scaffold add` renders the parts named with `--with`
and those the project shows it uses (Go: its imports, scaffold.targets.go_parts; Rust:
its Cargo.toml dependencies, scaffold.targets.rust_parts). The lock records the parts
(render options `extra`), so update and check render the same files; `scaffold add
--with PART` in a service added before adds a part later (scaffold.parts). A lock without
`parts` (services made before parts existed) has every part.
"""

from __future__ import annotations

from dataclasses import replace

from scaffold.errors import UsageError
from scaffold.render.options import RenderOptions

PARTS = ("grpc", "messaging", "sql")
OTLP_GRPC = "otlp-grpc"


def parse_with(text: str) -> tuple[str, ...]:
    """`--with grpc,sql` as a sorted tuple of known parts, or UsageError naming them."""
    wanted = {w.strip().lower() for w in text.split(",") if w.strip()}
    unknown = sorted(wanted - set(PARTS))
    if unknown:
        raise UsageError(
            f"--with {text!r}: no part named {', '.join(unknown)}; the parts are "
            f"{', '.join(PARTS)} (e.g. --with grpc,sql)"
        )
    return tuple(p for p in PARTS if p in wanted)


def parts_of(opts: RenderOptions) -> tuple[str, ...]:
    """The parts the render options name; every part when they name none."""
    raw = opts.extra.get("parts")
    if not isinstance(raw, list):
        return PARTS
    return tuple(p for p in PARTS if p in raw)


def with_parts(opts: RenderOptions, parts: tuple[str, ...]) -> RenderOptions:
    """`opts` recording `parts` (sorted, known ones only)."""
    chosen = [p for p in PARTS if p in parts]
    return replace(opts, extra={**opts.extra, "parts": chosen})


def service_parts(protocol: str, opts: RenderOptions) -> tuple[str, ...]:
    """The parts a service gets, and `otlp-grpc` when the conventions export over gRPC
    (`protocol`) or the service has the gRPC part."""
    parts = parts_of(opts)
    if protocol == "grpc" or "grpc" in parts:
        return (*parts, OTLP_GRPC)
    return parts


def parts_note(parts: tuple[str, ...], what: str) -> str:
    """What `add` tells the team about the parts it rendered (`what`: the package or
    the module)."""
    chosen = ", ".join(p for p in PARTS if p in parts) or "none"
    others = ", ".join(p for p in PARTS if p not in parts)
    later = f"; add {others} later with `scaffold add --with PART`" if others else ""
    otlp = "with" if OTLP_GRPC in parts else "without"
    return f"optional parts of the {what}: {chosen}{later} ({otlp} OTLP/gRPC export)"
