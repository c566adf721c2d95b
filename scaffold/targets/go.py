"""The view the Go target's templates see: conventions resolved into Go-ready values.

Every string that reaches Go source is passed through a filter in the templates
(go_string, go_comment); this module decides names, types, orders and expressions, so
the templates stay short. Identifiers of the organisation's attributes are made unique
here against each other and against the package's own exported names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scaffold import naming
from scaffold.conventions.model import Attribute, Conventions, NamePart, SpanRule
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES
from scaffold.errors import UsageError
from scaffold.lang import go as go_lang
from scaffold.render.options import RenderOptions
from scaffold.targets.go_modules import (
    GO_DIRECTIVE,
    SEMCONV_VERSION,
    check_module_path,
    direct_requires,
)

# Exported names the generated package defines itself; attribute constructors yield.
PACKAGE_NAMES = frozenset(
    [
        "AdminHandler",
        "AdminPath",
        "ControlFile",
        "CurrentLevers",
        "End",
        "ErrMissingResource",
        "FilterBaggage",
        "GRPCDialOption",
        "GRPCServerOption",
        "Go",
        "GoDetached",
        "Handler",
        "Header",
        "HeaderCarrier",
        "LeverState",
        "Levers",
        "LogHandler",
        "Message",
        "NewClient",
        "NewHandler",
        "NewLevers",
        "NewLogHandler",
        "NewSampler",
        "NewTransport",
        "Option",
        "Propagators",
        "Query",
        "QueryTextRecorded",
        "Redact",
        "SampleTraceID",
        "Sampler",
        "SchemaURL",
        "ServiceName",
        "Setup",
        "SetupOption",
        "StartConsumer",
        "StartProducer",
        "StartQuery",
        "Transport",
        "ValidSpanName",
        "WithGetenv",
        "WithMeterProvider",
        "WithMetricReader",
        "WithPropagators",
        "WithRequestDetails",
        "WithServerAddress",
        "WithServiceVersion",
        "WithSetupLogger",
        "WithSpanExporter",
        "WithTracerProvider",
    ]
)

# Each generated span-name function takes the attributes known when its boundary's span
# starts, in the order the conventions module lists them (Go call sites pass them so).
NAME_PARAMS = BOUNDARY_ATTRIBUTES

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


@dataclass(frozen=True)
class NameFunc:
    """A generated span-name function: its parameters, fallback condition and bodies."""

    params: tuple[str, ...]
    condition: str
    expr: str
    fallback: str


def service_module(opts: RenderOptions) -> str:
    if opts.module_path:
        return check_module_path(opts.module_path)
    name = naming.words(opts.service_name)
    if not name:
        raise UsageError(f"service name {opts.service_name!r} has no letters or digits")
    return check_module_path("example.com/" + "-".join(name))


def _name_expr(parts: tuple[NamePart, ...], params: dict[str, str]) -> str:
    from scaffold.render.filters import go_string

    pieces = [
        params.get(p.attribute, '""') if p.attribute else go_string(p.text)
        for p in parts
        if p.attribute or p.text
    ]
    return " + ".join(pieces) if pieces else '""'


def name_func(boundary: str, rule: SpanRule) -> NameFunc:
    """The Go pieces of one boundary's span-name function."""
    params = NAME_PARAMS[boundary]
    idents = {a: naming.go_private(a) for a in params}
    parts, fallback_parts = rule.parts, rule.fallback_parts
    needed = sorted({p.attribute for p in parts if p.attribute})
    # An attribute the boundary does not know is always missing: the fallback applies.
    checks = [f'{idents[a]} == ""' if a in idents else "true" for a in needed]
    return NameFunc(
        params=tuple(idents[a] for a in params),
        condition=" || ".join(checks),
        expr=_name_expr(parts, idents),
        fallback=_name_expr(fallback_parts or parts, idents),
    )


def _doc(attr: Attribute) -> list[str]:
    lines = [attr.brief]
    if attr.note:
        lines.append(attr.note)
    facts = f"Requirement level: {attr.requirement_level}. Stability: {attr.stability}. PII class: {attr.pii}. Cardinality: {attr.cardinality}."
    lines.append(facts)
    if attr.examples:
        lines.append("Examples: " + ", ".join(repr(e) for e in attr.examples) + ".")
    if attr.deprecated:
        lines.append("Deprecated: " + attr.deprecated)
    return lines


def _unique(base: str, taken: set[str], suffix: str = "Attr") -> str:
    name = base
    n = 1
    while name in taken or name + "Key" in taken:
        name = f"{base}{suffix}" if n == 1 else f"{base}{suffix}{n}"
        n += 1
    taken.add(name)
    return name


def attributes_view(conv: Conventions) -> list[dict[str, Any]]:
    """The organisation's attributes with unique Go names, types and doc text."""
    taken: set[str] = set(PACKAGE_NAMES)
    out: list[dict[str, Any]] = []
    for attr in sorted(conv.attributes, key=lambda a: a.id):
        ident = _unique(naming.go_exported(attr.id), taken)
        taken.add(ident + "Key")
        int_enum = (
            attr.type == "enum"
            and bool(attr.members)
            and all(
                isinstance(m.value, int) and not isinstance(m.value, bool) for m in attr.members
            )
        )
        go_type = "int64" if int_enum else go_lang.RULES.value_types[attr.type]
        ctor = "Int64" if int_enum else go_lang.RULES.attribute_ctors[attr.type].split(".")[1]
        members = []
        for m in attr.members:
            m_ident = _unique(ident + naming.go_exported(m.id), taken, "Value")
            literal = str(m.value) if int_enum else None
            members.append(
                {
                    "ident": m_ident,
                    "value": m.value,
                    "literal": literal,
                    "brief": m.brief,
                    "id": m.id,
                }
            )
        out.append(
            {
                "id": attr.id,
                "ident": ident,
                "key_ident": ident + "Key",
                "go_type": go_type,
                "variadic": attr.type.endswith("[]"),
                "elem_type": go_type[2:] if attr.type.endswith("[]") else go_type,
                "ctor": ctor,
                "doc": _doc(attr),
                "deprecated": bool(attr.deprecated),
                "members": members,
            }
        )
    return out


SPAN_NAME_SAMPLES = ("", "checkout", "checkout.process orders", "Bad Name!", "x\ny", "a/b {c}")


def span_name_samples(pattern: str) -> list[dict[str, object]]:
    """Names with whether the internal-span pattern accepts them (Go's MatchString is a
    search, like Python's re.search), for the generated package's own test."""
    compiled = re.compile(pattern)
    return [{"name": n, "valid": compiled.search(n) is not None} for n in SPAN_NAME_SAMPLES]


def _duration(ms: int) -> str:
    return f"{ms} * time.Millisecond"


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    """The Go target's view for one service."""
    if naming.go_reserved(conv.go_package) or not naming.GO_IDENT.match(conv.go_package):
        raise UsageError(f"codegen.go_package {conv.go_package!r} is not a usable Go package name")
    module = service_module(opts)
    pkg = conv.go_package
    for p in conv.propagation.propagators:
        if p not in _PROPAGATORS:
            raise UsageError(f"propagator {p!r} is not supported by the Go target")
    export = conv.export
    sensitive = [
        {"key": a.id, "action": _ACTIONS[conv.privacy.actions[a.pii].sdk]}
        for a in conv.sensitive_attributes
        if a.pii in conv.privacy.actions and conv.privacy.actions[a.pii].sdk != "keep"
    ]
    rules = {b: name_func(b, conv.span_rules[b]) for b in NAME_PARAMS}
    return {
        "go_package": pkg,
        "module_path": module,
        "import_path": f"{module}/internal/{pkg}",
        "service_name": opts.service_name,
        "go_directive": GO_DIRECTIVE,
        "requires": direct_requires(b3="b3" in conv.propagation.propagators),
        "semconv_version": SEMCONV_VERSION,
        "environment_variable": conv.environment_variable,
        "environments": list(conv.environments),
        "env_ratios": [
            {"env": e, "ratio": repr(float(conv.sampling.environments[e]))}
            for e in conv.environments
            if e in conv.sampling.environments
        ],
        "route_ratios": [
            {"method": r.method, "route": r.route, "ratio": repr(float(r.ratio))}
            for r in conv.sampling.routes
        ],
        "resource": [
            {
                "key": r.key,
                "required": r.requirement_level == "required",
                "source": _SOURCES[r.source],
                "arg": r.env if r.source == "env" else r.value,
            }
            for r in conv.resource
        ],
        "propagators": [_PROPAGATORS[p] for p in conv.propagation.propagators],
        "uses_b3": "b3" in conv.propagation.propagators,
        "baggage_allow": list(conv.propagation.baggage_allow),
        "baggage_max_entries": conv.propagation.baggage_max_entries,
        "export": {
            "protocol": export.protocol,
            "endpoint": export.endpoint,
            "timeout": _duration(export.timeout.ms),
            "gzip": "true" if export.compression == "gzip" else "false",
            "batch_size": export.max_export_batch_size,
            "queue_size": export.max_queue_size,
            "schedule_delay": _duration(export.schedule_delay.ms),
            "retry_enabled": "true" if export.retry_enabled else "false",
            "retry_initial": _duration(export.retry_initial_interval.ms),
            "retry_max": _duration(export.retry_max_interval.ms),
            "retry_elapsed": _duration(export.retry_max_elapsed_time.ms),
            "shutdown_timeout": _duration(export.shutdown_timeout.ms),
        },
        "logs": conv.logs,
        "metrics": {
            "http_server_duration": conv.metrics.http_server_duration,
            "http_client_duration": conv.metrics.http_client_duration,
            "rpc_server_duration": conv.metrics.rpc_server_duration,
            "db_duration": conv.metrics.db_duration,
            "buckets": ", ".join(repr(float(b)) for b in conv.metrics.duration_buckets),
            "cardinality_limit": conv.metrics.cardinality_limit,
            "export_interval": _duration(conv.metrics.export_interval.ms),
        },
        "privacy_actions": sensitive,
        "db_query_text": "true" if conv.privacy.db_query_text else "false",
        "incident": conv.incident,
        "internal_span_pattern": conv.internal_span_pattern,
        "span_name_samples": span_name_samples(conv.internal_span_pattern),
        "name_funcs": rules,
        "attributes": attributes_view(conv),
    }
