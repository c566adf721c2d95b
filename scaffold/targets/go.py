"""The Go target's view: the shared conventions view formatted as Go-ready values.

Every string that reaches Go source is passed through a filter in the templates
(go_string, go_comment); this module only turns the shared view's values into Go
expressions, types and doc lines. Identifiers come from the shared view.
"""

from __future__ import annotations

from typing import Any

from scaffold import naming
from scaffold.conventions.model import Conventions
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES
from scaffold.errors import UsageError
from scaffold.lang import go as go_lang
from scaffold.lang.go import GENERATED_NAMES as PACKAGE_NAMES
from scaffold.render.options import RenderOptions
from scaffold.targets import service_parts as parts_model
from scaffold.targets.go_modules import (
    GO_DIRECTIVE,
    SCHEMA_VERSION,
    SEMCONV_VERSION,
    check_module_path,
    direct_requires,
    pinned_sum,
)
from scaffold.targets.library_ref import view_of
from scaffold.targets.shared import AttributeView, neutral_view

__all__ = ["PACKAGE_NAMES", "build_view", "check_module_path", "service_module"]

_SOURCES = {
    "service": "sourceService",
    "version": "sourceVersion",
    "environment": "sourceEnvironment",
    "env": "sourceEnv",
    "static": "sourceStatic",
}
_ACTIONS = {
    "drop": "actionDrop",
    "hash": "actionHash",
    "redact": "actionRedact",
    "keep": "actionKeep",
}
_PROPAGATORS = {
    "tracecontext": "propagation.TraceContext{}",
    "baggage": "allowListBaggage{}",
    "b3": "b3.New()",
}


def service_module(opts: RenderOptions) -> str:
    if opts.module_path:
        return check_module_path(opts.module_path)
    name = naming.words(opts.service_name)
    if not name:
        raise UsageError(
            f"service name {opts.service_name!r} has no letters or digits; give a name such "
            "as payments, or the Go module path with --module"
        )
    return check_module_path("example.com/" + "-".join(name))


def service_parts(conv: Conventions, opts: RenderOptions) -> tuple[str, ...]:
    """The parts of the package a service gets (scaffold.targets.service_parts), with
    `otlp-grpc` when the conventions export over gRPC or the service has the gRPC part."""
    return parts_model.service_parts(conv.export.protocol, opts)


def module_needs(conv: Conventions, opts: RenderOptions) -> dict[str, bool]:
    """Which optional modules the service's go.mod requires (go_modules.direct_requires)."""
    parts = service_parts(conv, opts)
    b3 = "b3" in conv.propagation.propagators
    return {"b3": b3, "grpc": "grpc" in parts, "otlp_grpc": "otlp-grpc" in parts}


def _doc(attr: AttributeView) -> list[str]:
    """Doc comment paragraphs (go_comment wraps them)."""
    return [attr.brief, *([attr.note] if attr.note else []), attr.facts, *attr.tail_lines]


def _attribute(attr: AttributeView) -> dict[str, Any]:
    go_type = "int64" if attr.int_enum else go_lang.RULES.value_types[attr.type]
    ctor = "Int64" if attr.int_enum else go_lang.RULES.attribute_ctors[attr.type].split(".")[1]
    return {
        "id": attr.id,
        "ident": attr.go_ident,
        "key_ident": attr.go_key,
        "go_type": go_type,
        "variadic": attr.type.endswith("[]"),
        "elem_type": go_type[2:] if attr.type.endswith("[]") else go_type,
        "ctor": ctor,
        "doc": _doc(attr),
        "deprecated": bool(attr.deprecated),
        "members": [
            {
                "ident": m.go_ident,
                "value": m.value,
                "literal": str(m.value) if attr.int_enum else None,
                "brief": m.brief,
                "id": m.id,
            }
            for m in attr.members
        ],
    }


def _duration(ms: int) -> str:
    return f"{ms} * time.Millisecond"


def _export(conv: Conventions) -> dict[str, Any]:
    e = neutral_view(conv).export
    return {
        "protocol": e.protocol,
        "endpoint": e.endpoint,
        "timeout": _duration(e.timeout_ms),
        "gzip": "true" if e.gzip else "false",
        "batch_size": e.batch_size,
        "queue_size": e.queue_size,
        "schedule_delay": _duration(e.schedule_delay_ms),
        "retry_enabled": "true" if e.retry_enabled else "false",
        "retry_initial": _duration(e.retry_initial_ms),
        "retry_max": _duration(e.retry_max_ms),
        "retry_elapsed": _duration(e.retry_elapsed_ms),
        "shutdown_timeout": _duration(e.shutdown_timeout_ms),
        "span_attribute_value_length": e.span_attribute_value_length,
    }


def _metrics(conv: Conventions) -> dict[str, Any]:
    m = neutral_view(conv).metrics
    return {
        "http_server_duration": m.http_server_duration,
        "http_client_duration": m.http_client_duration,
        "rpc_server_duration": m.rpc_server_duration,
        "db_duration": m.db_duration,
        "buckets": ", ".join(repr(b) for b in m.buckets),
        "cardinality_limit": m.cardinality_limit,
        "export_interval": _duration(m.export_interval_ms),
    }


def _import_path(opts: RenderOptions, module: str, pkg: str) -> str:
    """Where the instrumentation package is imported from: the service's internal package,
    the organisation's library (a library-mode service), or the library module itself."""
    if opts.library:
        return str(opts.extra["library"]["name"])
    return module if opts.extra.get("lib_package") else f"{module}/internal/{pkg}"


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    """The Go target's view for one service (or for the library, see scaffold.library)."""
    # The package name and the propagators were checked when the conventions were loaded.
    shared = neutral_view(conv)
    pkg = shared.go_package
    module = service_module(opts)
    b3 = "b3" in shared.propagators
    needs = module_needs(conv, opts)
    return {
        "parts": list(service_parts(conv, opts)),
        "go_package": pkg,
        "module_path": module,
        "import_path": _import_path(opts, module, pkg),
        "lib_package": bool(opts.extra.get("lib_package")),
        "library": view_of(opts),
        "service_name": opts.service_name,
        "go_directive": GO_DIRECTIVE,
        "requires": direct_requires(**needs),
        "go_sum": pinned_sum(**needs),
        "semconv_version": SEMCONV_VERSION,
        "schema_version": SCHEMA_VERSION,
        "environment_variable": shared.environment_variable,
        "environments": list(shared.environments),
        "env_ratios": [{"env": r.env, "ratio": repr(r.ratio)} for r in shared.env_ratios],
        "route_ratios": [
            {"method": r.method, "route": r.route, "ratio": repr(r.ratio)}
            for r in shared.route_ratios
        ],
        "resource": [
            {
                "key": r.key,
                "required": r.required,
                "source": _SOURCES[r.source],
                "arg": r.arg,
                "placeholder": r.placeholder,
            }
            for r in shared.resource
        ],
        "propagators": [_PROPAGATORS[p] for p in shared.propagators],
        "uses_b3": b3,
        "baggage_allow": list(shared.baggage_allow),
        "baggage_max_entries": shared.baggage_max_entries,
        "export": _export(conv),
        "logs": shared.logs,
        "metrics": _metrics(conv),
        "privacy_actions": [
            {"key": r.key, "action": _ACTIONS[r.action]} for r in shared.redactions
        ],
        "db_query_text": "true" if shared.db_query_text else "false",
        "incident": shared.incident,
        "runtime": shared.runtime,
        "internal_span_pattern": shared.internal_span_pattern,
        "span_rules": [shared.span_rule(b) for b in BOUNDARY_ATTRIBUTES],
        "attributes": [_attribute(a) for a in shared.attributes],
    }
