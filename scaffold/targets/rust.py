"""The view the Rust target's templates see: conventions resolved into Rust-ready values.

Every string that reaches Rust source goes through a filter in the templates
(rust_string, rust_doc, toml_string); this module decides names, orders, numbers and
the expected values the generated tests check, so the templates stay short.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold import naming
from scaffold.conventions.model import Attribute, Conventions, NamePart, SpanRule
from scaffold.errors import UsageError
from scaffold.render.options import RenderOptions
from scaffold.targets import rust_crates

# Public names of the module's `attributes` file that attribute constants must not take.
_TAKEN = frozenset({"ALL"})

_SOURCES = {"service", "version", "environment", "env", "static"}
_ACTIONS = {"drop": "Drop", "hash": "Hash", "redact": "Redact"}
_CONTROLS = {"admin_handler": "AdminHandler", "watched_file": "WatchedFile"}
_PROTOCOLS = {"grpc": "Grpc", "http/protobuf": "HttpProtobuf"}
_PROPAGATORS = {"tracecontext", "baggage", "b3"}
# Modules of the service skeleton the generated module must not collide with.
_SKELETON_MODULES = frozenset({"routes", "main", "lib", "tests"})
_CRATE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def check_crate_name(name: str) -> str:
    """A Cargo package name usable as a Rust crate, or UsageError."""
    if not _CRATE.match(name) or naming.rust_reserved(name.replace("-", "_")):
        raise UsageError(
            f"crate name {name!r} is not usable: start with a letter, then letters, digits, "
            "'-' or '_', at most 64 characters, and not a Rust keyword (e.g. payments-api)"
        )
    return name


def _parts(rule: SpanRule) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    parts, fallback_parts = rule.parts, rule.fallback_parts or rule.parts

    def out(pieces: tuple[NamePart, ...]) -> list[dict[str, str]]:
        return [
            (
                {"kind": "Attr", "value": p.attribute}
                if p.attribute
                else {"kind": "Text", "value": p.text}
            )
            for p in pieces
            if p.attribute or p.text
        ]

    return out(parts), out(fallback_parts)


def name_rules(conv: Conventions) -> list[dict[str, Any]]:
    """One entry per boundary: its constant name and template/fallback parts."""
    rules = []
    for boundary, rule in conv.span_rules.items():
        template, fallback = _parts(rule)
        rules.append(
            {
                "boundary": boundary,
                "const": boundary.upper() + "_NAME",
                "template": template,
                "fallback": fallback,
            }
        )
    return rules


def max_retries(enabled: bool, initial_ms: int, max_ms: int, elapsed_ms: int) -> int:
    """Retries whose exponential delays (doubling from `initial`, capped at `max`) fit in
    the total retry time the conventions allow."""
    if not enabled or elapsed_ms <= 0:
        return 0
    delay, total, count = max(initial_ms, 1), 0, 0
    while count < 20:
        step = min(delay, max_ms) if max_ms > 0 else delay
        if total + step > elapsed_ms:
            break
        total += step
        count += 1
        delay *= 2
    return count


def _doc(attr: Attribute) -> str:
    lines = [attr.brief]
    if attr.note:
        lines += ["", attr.note]
    lines += [
        "",
        f"Type: {attr.type}. Requirement level: {attr.requirement_level}. "
        f"Stability: {attr.stability}. PII class: {attr.pii}. Cardinality: {attr.cardinality}.",
    ]
    if attr.examples:
        lines.append("Examples: " + ", ".join(repr(e) for e in attr.examples) + ".")
    if attr.deprecated:
        lines.append("Deprecated: " + attr.deprecated)
    return "\n".join(lines)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def attributes_view(conv: Conventions) -> list[dict[str, Any]]:
    """The organisation's attributes with unique constant names and their enum values."""
    taken: set[str] = set(_TAKEN)
    out = []
    for attr in sorted(conv.attributes, key=lambda a: a.id):
        const = _unique(naming.rust_const(attr.id), taken)
        members = [
            {
                "const": _unique(const + "_" + naming.rust_const(m.id), taken),
                "value": str(m.value),
                "is_int": isinstance(m.value, int) and not isinstance(m.value, bool),
                "brief": m.brief,
            }
            for m in attr.members
        ]
        out.append(
            {
                "id": attr.id,
                "const": const,
                "doc": _doc(attr),
                "members": members,
                "deprecated": attr.deprecated,
            }
        )
    return out


def _float(value: float) -> str:
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    """The Rust target's view for one service."""
    module = conv.rust_module
    if (
        not naming.RUST_IDENT.match(module)
        or naming.rust_reserved(module)
        or module != module.lower()
        or module in _SKELETON_MODULES
    ):
        raise UsageError(f"codegen.rust_module {module!r} is not a usable Rust module name")
    crate = check_crate_name(opts.crate_name or opts.service_name)
    for p in conv.propagation.propagators:
        if p not in _PROPAGATORS:
            raise UsageError(f"propagator {p!r} is not supported by the Rust target")
    export = conv.export
    if export.protocol not in _PROTOCOLS:
        raise UsageError(f"export.protocol {export.protocol!r} is not supported by the Rust target")
    if not (conv.incident.admin_path or "/").startswith("/"):
        raise UsageError(f"incident.admin_path {conv.incident.admin_path!r} must start with '/'")
    for r in conv.resource:
        if r.source not in _SOURCES:
            raise UsageError(f"resource source {r.source!r} is not supported by the Rust target")
    redactions = [
        {"key": a.id, "action": _ACTIONS[conv.privacy.actions[a.pii].sdk]}
        for a in conv.sensitive_attributes
        if a.pii in conv.privacy.actions and conv.privacy.actions[a.pii].sdk in _ACTIONS
    ]
    rules = name_rules(conv)
    return {
        "crate_name": crate,
        "crate_ident": crate.replace("-", "_"),
        "rust_module": module,
        "service_name": opts.service_name,
        "mode": opts.mode,
        "doc_example": "no_run" if opts.mode == "new" else "ignore",
        "dependencies": [c.toml() for c in rust_crates.dependencies(export.protocol)],
        "dev_dependencies": [c.toml() for c in rust_crates.dev_dependencies()],
        "environment_variable": conv.environment_variable,
        "env_ratios": [
            {"env": e, "ratio": _float(conv.sampling.environments[e])}
            for e in conv.environments
            if e in conv.sampling.environments
        ],
        "route_ratios": [
            {"method": r.method, "route": r.route, "ratio": _float(r.ratio)}
            for r in conv.sampling.routes
        ],
        "resource": [
            {
                "key": r.key,
                "source": r.source,
                "arg": r.env if r.source == "env" else r.value,
                "required": r.requirement_level == "required",
            }
            for r in conv.resource
        ],
        "trace_context": "tracecontext" in conv.propagation.propagators,
        "baggage": "baggage" in conv.propagation.propagators,
        "b3": "b3" in conv.propagation.propagators,
        "baggage_allow": list(conv.propagation.baggage_allow),
        "baggage_max_entries": conv.propagation.baggage_max_entries,
        "export": {
            "protocol": _PROTOCOLS[export.protocol],
            "grpc": export.protocol == "grpc",
            "endpoint": export.endpoint,
            "timeout_ms": export.timeout.ms,
            "gzip": export.compression == "gzip",
            "batch_size": export.max_export_batch_size,
            "queue_size": export.max_queue_size,
            "schedule_delay_ms": export.schedule_delay.ms,
            "retry_enabled": export.retry_enabled,
            "retry_initial_ms": export.retry_initial_interval.ms,
            "retry_max_ms": export.retry_max_interval.ms,
            "max_retries": max_retries(
                export.retry_enabled,
                export.retry_initial_interval.ms,
                export.retry_max_interval.ms,
                export.retry_max_elapsed_time.ms,
            ),
            "shutdown_timeout_ms": export.shutdown_timeout.ms,
        },
        "logs": {
            "json": conv.logs.format == "json",
            "level": conv.logs.level,
            "trace_id": conv.logs.trace_id_field,
            "span_id": conv.logs.span_id_field,
            "trace_flags": conv.logs.trace_flags_field,
        },
        "metrics": {
            "http_server_duration": conv.metrics.http_server_duration,
            "http_client_duration": conv.metrics.http_client_duration,
            "rpc_server_duration": conv.metrics.rpc_server_duration,
            "db_duration": conv.metrics.db_duration,
            "buckets": [_float(b) for b in conv.metrics.duration_buckets],
            "export_interval_ms": conv.metrics.export_interval.ms,
            "cardinality_limit": conv.metrics.cardinality_limit,
        },
        "name_rules": rules,
        "internal_span_pattern": conv.internal_span_pattern,
        "redactions": redactions,
        "db_query_text": conv.privacy.db_query_text,
        "incident": {
            "kill_switch_env": conv.incident.kill_switch_env,
            "ratio_env": conv.incident.ratio_env,
            "control": _CONTROLS[conv.incident.control],
            "watched_file": conv.incident.control == "watched_file",
            "admin_path": conv.incident.admin_path or "/-/telemetry",
            "control_file": conv.incident.control_file,
        },
        "attributes": attributes_view(conv),
    }
