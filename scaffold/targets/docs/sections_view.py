"""The docs view's sections other than the attribute registry: glossary, span naming,
sampling and propagation, privacy, runbook, contract and the service catalogue."""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Conventions, SpanRule, TailPolicy
from scaffold.conventions.regex_dialect import as_python
from scaffold.targets.docs.anchors import Anchors
from scaffold.targets.docs.facts import BOUNDARIES, INTERNAL_CANDIDATES, SAMPLE_VALUES
from scaffold.targets.docs.glossary import BUILTIN_TERMS
from scaffold.targets.docs.registry_view import example_text


def ratio_text(ratio: float) -> str:
    """0.1 -> `10%`, 0.005 -> `0.5%`."""
    return f"{ratio * 100:.4g}%"


def glossary_view(conv: Conventions, anchors: Anchors) -> list[dict[str, Any]]:
    own = {t.term.casefold(): t for t in conv.glossary}
    rows: dict[str, dict[str, Any]] = {}
    for term, definition, related in BUILTIN_TERMS:
        rows[term.casefold()] = {
            "term": term,
            "definition": definition,
            "origin": "OpenTelemetry",
            "related": list(related),
        }
    for key, t in own.items():
        rows[key] = {
            "term": t.term,
            "definition": t.definition,
            "origin": conv.organisation,
            "related": [],
        }
    ordered = [rows[k] for k in sorted(rows)]
    for row in ordered:
        row["anchor"] = anchors.get("term", row["term"].casefold())
    for row in ordered:
        row["related"] = [
            {"term": rows[r.casefold()]["term"], "anchor": rows[r.casefold()]["anchor"]}
            for r in row["related"]
            if r.casefold() in rows
        ]
    return ordered


def _sample(conv: Conventions, attribute: str) -> str:
    attr = conv.registry.get(attribute)
    if attr is not None and attr.examples:
        return example_text(attr.examples[0])
    if attr is not None and attr.members:
        return example_text(attr.members[0].value)
    return SAMPLE_VALUES.get(attribute, f"<{attribute}>")


def _fill(conv: Conventions, rule_parts: Any) -> str:
    return "".join(_sample(conv, p.attribute) if p.attribute else p.text for p in rule_parts)


def span_rules_view(conv: Conventions, anchors: Anchors) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for boundary in BOUNDARIES:
        rule: SpanRule | None = conv.span_rules.get(boundary.key)
        if rule is None:
            continue
        values = [
            {"id": a, "value": _sample(conv, a), "anchor": anchors.get("attr", a)}
            for a in dict.fromkeys(rule.attributes)
        ]
        # Without the template's attributes: the first fallback of the chain, else the last.
        next_parts = rule.chain_parts[0] if rule.chain_parts else rule.fallback_parts
        missing = [a for a in rule.attributes if a not in {p.attribute for p in next_parts}]
        rules.append(
            {
                "key": boundary.key,
                "anchor": anchors.get("span", boundary.key),
                "title": boundary.title,
                "kind": boundary.kind,
                "template": rule.template,
                "fallback": rule.fallback,
                "chain": list(rule.chain),
                "samples": values,
                "example": _fill(conv, rule.parts),
                "fallback_example": _fill(conv, next_parts),
                "fallback_when": ", ".join(missing),
            }
        )
    return rules


def internal_view(conv: Conventions) -> dict[str, Any]:
    pattern = conv.internal_span_pattern
    compiled = as_python(pattern)
    examples = [
        {"name": name, "ok": bool(compiled and compiled.search(name))}
        for name in INTERNAL_CANDIDATES
    ]
    return {"pattern": pattern, "examples": examples, "checked": compiled is not None}


def _policy_text(p: TailPolicy) -> str:
    if p.type == "status_code":
        return "keep traces with a span whose status is " + " or ".join(p.status_codes)
    if p.type == "latency" and p.threshold is not None:
        return f"keep traces that last longer than {p.threshold.text}"
    if p.type == "probabilistic" and p.ratio is not None:
        return f"keep {ratio_text(p.ratio)} of all other traces"
    if p.key:
        return f"keep traces where {p.key} is one of " + ", ".join(p.values)
    return p.type


def sampling_view(conv: Conventions, anchors: Anchors) -> dict[str, Any]:
    s = conv.sampling
    return {
        "environment_variable": conv.environment_variable,
        "environments": [
            {"name": env, "ratio": s.environments[env], "percent": ratio_text(s.environments[env])}
            for env in conv.environments
            if env in s.environments
        ],
        "routes": [
            {"method": r.method, "route": r.route, "ratio": r.ratio, "percent": ratio_text(r.ratio)}
            for r in s.routes
        ],
        "decision_wait": s.decision_wait.text,
        "num_traces": s.num_traces,
        "policies": [
            {"name": p.name, "type": p.type, "text": _policy_text(p)} for p in s.tail_policies
        ],
        "propagators": list(conv.propagation.propagators),
        "baggage": [
            {"id": b, "anchor": anchors.get("attr", b), "known": b in conv.registry}
            for b in conv.propagation.baggage_allow
        ],
        "baggage_max_entries": conv.propagation.baggage_max_entries,
    }


def privacy_view(conv: Conventions, anchors: Anchors) -> dict[str, Any]:
    p = conv.privacy
    return {
        "actions": [
            {"cls": cls, "sdk": a.sdk, "collector": a.collector}
            for cls, a in sorted(p.actions.items())
        ],
        "sensitive": [
            {
                "id": a.id,
                "anchor": anchors.get("attr", a.id),
                "pii": a.pii,
                "sdk": p.actions[a.pii].sdk if a.pii in p.actions else "keep",
                "collector": p.actions[a.pii].collector if a.pii in p.actions else "keep",
            }
            for a in conv.sensitive_attributes
        ],
        "db_query_text": p.db_query_text,
        "retention": [{"signal": k, "text": v.text} for k, v in sorted(p.retention.items())],
        # The service's keyed hash and its key's variables, when a class is hashed there.
        "sdk_hash": any(a.sdk == "hash" for a in p.actions.values()),
        "hash_key_env": p.hash_key_env,
        "hash_key_file_env": p.hash_key_env + "_FILE",
        "sensitive_query_parameters": list(p.sensitive_query_parameters),
    }


def _contract_boundaries(conv: Conventions, anchors: Anchors) -> list[dict[str, Any]]:
    m = conv.metrics
    names = {
        "http_server_duration": m.http_server_duration,
        "http_client_duration": m.http_client_duration,
        "rpc_server_duration": m.rpc_server_duration,
        "db_duration": m.db_duration,
    }
    boundaries = []
    for b in BOUNDARIES:
        rule = conv.span_rules.get(b.key)
        boundaries.append(
            {
                "key": b.key,
                "title": b.title,
                "kind": b.kind,
                "traced": b.traced,
                "errors": b.errors,
                "template": rule.template if rule else "",
                "span_anchor": anchors.get("span", b.key),
                "metric": names.get(b.instrument, ""),
                "metric_attributes": [
                    {"id": a, "anchor": anchors.get("attr", a)}
                    for a in b.metric_attributes
                    if a in conv.registry
                ],
            }
        )
    return boundaries


def contract_view(conv: Conventions, anchors: Anchors) -> dict[str, Any]:
    m = conv.metrics
    return {
        "boundaries": _contract_boundaries(conv, anchors),
        "resource": [
            {
                "key": r.key,
                "anchor": anchors.get("attr", r.key),
                "known": r.key in conv.registry,
                "requirement_level": r.requirement_level.replace("_", " "),
                "source": _resource_source(conv, r.source, r.env, r.value),
            }
            for r in conv.resource
        ],
        "slos": [
            {
                "name": slo.name,
                "description": slo.description,
                "operation": slo.operation,
                "objective": f"{slo.objective * 100:.6g}%",
                "window": slo.window.text,
                "latency": slo.latency_threshold.text if slo.latency_threshold else "",
            }
            for slo in conv.slos
        ],
        "log_fields": [
            {"name": conv.logs.trace_id_field, "what": "the trace id, 32 hexadecimal digits"},
            {"name": conv.logs.span_id_field, "what": "the span id, 16 hexadecimal digits"},
            {"name": conv.logs.trace_flags_field, "what": "the trace flags, 01 when sampled"},
        ],
        "log_format": conv.logs.format,
        "log_level": conv.logs.level,
        "buckets": ", ".join(example_text(b) for b in m.duration_buckets),
        "cardinality_limit": m.cardinality_limit,
        "export_interval": m.export_interval.text,
        "export": {
            "protocol": conv.export.protocol,
            "endpoint": conv.export.endpoint,
            "timeout": conv.export.timeout.text,
            "compression": conv.export.compression,
            "max_queue_size": conv.export.max_queue_size,
            "shutdown_timeout": conv.export.shutdown_timeout.text,
        },
    }


def _resource_source(conv: Conventions, source: str, env: str, value: str) -> str:
    return {
        "service": "the service's name",
        "version": "SERVICE_VERSION at run time, else the build's version",
        "environment": f"the environment variable {conv.environment_variable}",
        "env": f"the environment variable {env}",
        "static": f"always {value}",
    }.get(source, source)
