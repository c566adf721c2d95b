"""The Rust target's view: the shared conventions view formatted as Rust-ready values.

Every string that reaches Rust source goes through a filter in the templates
(rust_string, rust_doc, toml_string); this module only turns the shared view's values
into Rust literals, variants and doc text. Identifiers come from the shared view.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold import naming
from scaffold.conventions.model import Conventions, NamePart
from scaffold.errors import UsageError
from scaffold.render.options import RenderOptions
from scaffold.targets import rust_crates, service_parts
from scaffold.targets.library_ref import view_of
from scaffold.targets.shared import (
    AttributeView,
    ConventionsView,
    ExportView,
    MetricsView,
    neutral_view,
)

_ACTIONS = {"drop": "Drop", "hash": "Hash", "redact": "Redact"}
_CONTROLS = {"admin_handler": "AdminHandler", "watched_file": "WatchedFile"}
_PROTOCOLS = {"grpc": "Grpc", "http/protobuf": "HttpProtobuf"}
_CRATE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def check_crate_name(name: str) -> str:
    """A Cargo package name usable as a Rust crate, or UsageError."""
    if not _CRATE.match(name) or naming.rust_reserved(name.replace("-", "_")):
        raise UsageError(
            f"crate name {name!r} is not usable: start with a letter, then letters, digits, "
            "'-' or '_', at most 64 characters, and not a Rust keyword (e.g. payments-api)"
        )
    return name


def _parts(pieces: tuple[NamePart, ...]) -> list[dict[str, str]]:
    return [
        {"kind": "Attr", "value": p.attribute} if p.attribute else {"kind": "Text", "value": p.text}
        for p in pieces
    ]


def name_rules(shared: ConventionsView) -> list[dict[str, Any]]:
    """One entry per boundary: its constant name and template/fallback parts."""
    return [
        {
            "boundary": r.boundary,
            "const": r.boundary.upper() + "_NAME",
            "template": _parts(r.parts),
            "chain": [_parts(step.parts) for step in r.chain],
            "fallback": _parts(r.fallback),
        }
        for r in shared.span_rules
    ]


def _doc(attr: AttributeView) -> str:
    """Doc text with blank lines between paragraphs (rust_doc comments it)."""
    note = ["", attr.note] if attr.note else []
    return "\n".join([attr.brief, *note, "", f"Type: {attr.type}. {attr.facts}", *attr.tail_lines])


def _attribute(attr: AttributeView) -> dict[str, Any]:
    return {
        "id": attr.id,
        "const": attr.rust_const,
        "doc": _doc(attr),
        "members": [
            {"const": m.rust_const, "value": str(m.value), "is_int": m.is_int, "brief": m.brief}
            for m in attr.members
        ],
        "deprecated": attr.deprecated,
    }


def _float(value: float) -> str:
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def _export(e: ExportView) -> dict[str, Any]:
    return {
        "protocol": _PROTOCOLS[e.protocol],
        "grpc": e.protocol == "grpc",
        "endpoint": e.endpoint,
        "timeout_ms": e.timeout_ms,
        "gzip": e.gzip,
        "batch_size": e.batch_size,
        "queue_size": e.queue_size,
        "schedule_delay_ms": e.schedule_delay_ms,
        "retry_enabled": e.retry_enabled,
        "retry_initial_ms": e.retry_initial_ms,
        "retry_max_ms": e.retry_max_ms,
        "max_retries": e.max_retries,
        "retry_elapsed_ms": e.retry_elapsed_ms,
        "shutdown_timeout_ms": e.shutdown_timeout_ms,
        "span_attribute_value_length": e.span_attribute_value_length,
    }


def _metrics(m: MetricsView) -> dict[str, Any]:
    return {
        "http_server_duration": m.http_server_duration,
        "http_client_duration": m.http_client_duration,
        "rpc_server_duration": m.rpc_server_duration,
        "db_duration": m.db_duration,
        "buckets": [_float(b) for b in m.buckets],
        "export_interval_ms": m.export_interval_ms,
        "cardinality_limit": m.cardinality_limit,
    }


def _library_keys(opts: RenderOptions) -> dict[str, Any]:
    """The library itself (scaffold lib), or a service depending on it (new --lib)."""
    library = view_of(opts)
    return {
        "lib_package": bool(opts.extra.get("lib_package")),
        "library": library,
        "lib_ident": library["name"].replace("-", "_") if library else "",
    }


def _parts_and_crates(protocol: str, opts: RenderOptions) -> dict[str, Any]:
    """The parts the service gets (scaffold.targets.service_parts) and their crates."""
    parts = service_parts.service_parts(protocol, opts)
    return {
        "parts": list(parts),
        "dependencies": [c.toml() for c in rust_crates.dependencies(protocol, parts)],
        "dev_dependencies": [c.toml() for c in rust_crates.dev_dependencies(parts)],
    }


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    """The Rust target's view for one service."""
    crate = check_crate_name(opts.crate_name or opts.service_name)
    shared = neutral_view(conv)
    rules = name_rules(shared)
    incident = shared.incident
    logs = shared.logs
    lib_package = bool(opts.extra.get("lib_package"))
    return {
        "crate_name": crate,
        "crate_ident": crate.replace("-", "_"),
        "rust_module": shared.rust_module,
        "service_name": opts.service_name,
        "mode": opts.mode,
        "doc_example": "no_run" if opts.mode == "new" or lib_package else "ignore",
        **_library_keys(opts),
        **_parts_and_crates(shared.export.protocol, opts),
        "environment_variable": shared.environment_variable,
        "env_ratios": [{"env": r.env, "ratio": _float(r.ratio)} for r in shared.env_ratios],
        "route_ratios": [
            {"method": r.method, "route": r.route, "ratio": _float(r.ratio)}
            for r in shared.route_ratios
        ],
        "resource": shared.resource,
        "trace_context": "tracecontext" in shared.propagators,
        "baggage": "baggage" in shared.propagators,
        "b3": "b3" in shared.propagators,
        "baggage_allow": list(shared.baggage_allow),
        "baggage_max_entries": shared.baggage_max_entries,
        "export": _export(shared.export),
        "logs": {
            "json": logs.format == "json",
            "level": logs.level,
            "trace_id": logs.trace_id_field,
            "span_id": logs.span_id_field,
            "trace_flags": logs.trace_flags_field,
        },
        "metrics": _metrics(shared.metrics),
        "name_rules": rules,
        "internal_span_pattern": shared.internal_span_pattern,
        "redactions": [
            {"key": r.key, "action": _ACTIONS[r.action]}
            for r in shared.redactions
            if r.action in _ACTIONS
        ],
        "db_query_text": shared.db_query_text,
        "incident": {
            "kill_switch_env": incident.kill_switch_env,
            "ratio_env": incident.ratio_env,
            "control": _CONTROLS[incident.control],
            "watched_file": incident.control == "watched_file",
            "admin_path": incident.admin_path,
            "control_file": incident.control_file,
            "admin": incident.rust_admin,
        },
        "attributes": [_attribute(a) for a in shared.attributes],
        "runtime": shared.runtime,
    }
