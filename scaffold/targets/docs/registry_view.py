"""The attribute registry as the docs show it: one resolved dict per attribute, with
where it is used and the Go and Rust identifiers generated for it."""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Attribute, Conventions
from scaffold.targets.docs.anchors import Anchors
from scaffold.targets.docs.facts import BOUNDARIES, BOUNDARY_BY_KEY
from scaffold.targets.shared import neutral_view

PII_LABELS = {"none": "", "pii": "PII", "secret": "Secret"}
PII_TEXT = {
    "none": "none",
    "pii": "PII: personal data",
    "secret": "Secret: credentials or tokens",
}


def example_text(value: object) -> str:
    """An example value as the docs print it (lists as `[a, b]`, booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(example_text(v) for v in value) + "]"
    return str(value)


def _metric_uses(conv: Conventions) -> dict[str, list[str]]:
    names = {
        "http_server_duration": conv.metrics.http_server_duration,
        "http_client_duration": conv.metrics.http_client_duration,
        "rpc_server_duration": conv.metrics.rpc_server_duration,
        "db_duration": conv.metrics.db_duration,
    }
    uses: dict[str, list[str]] = {}
    for boundary in BOUNDARIES:
        if not boundary.instrument:
            continue
        for attr in boundary.metric_attributes:
            uses.setdefault(attr, []).append(names[boundary.instrument])
    return uses


def _use(kind: str, text: str, code: str, label: str, page: str, anchor: str) -> dict[str, str]:
    return {
        "kind": kind,
        "text": text,
        "code": code,
        "label": label,
        "page": page,
        "anchor": anchor,
    }


def _span_name_uses(conv: Conventions, attr: Attribute, anchors: Anchors) -> list[dict[str, str]]:
    used: list[dict[str, str]] = []
    for key, rule in sorted(conv.span_rules.items()):
        # The first template of the rule (template, fallbacks, fallback) naming it.
        texts = (rule.template, *rule.chain, rule.fallback)
        where = next(
            (
                t
                for t, step in zip(texts, rule.steps, strict=True)
                if any(p.attribute == attr.id for p in step)
            ),
            None,
        )
        if where is not None:
            title = BOUNDARY_BY_KEY[key].title if key in BOUNDARY_BY_KEY else key
            used.append(
                _use(
                    "span name",
                    f"{title} span name {where}",
                    where,
                    f"{title} span name",
                    "span-naming",
                    anchors.get("span", key),
                )
            )
    return used


def _used_in(conv: Conventions, attr: Attribute, anchors: Anchors) -> list[dict[str, str]]:
    """Where `attr` appears: span names, resource, metrics, baggage, tail sampling."""
    used = _span_name_uses(conv, attr, anchors)
    if any(r.key == attr.id for r in conv.resource):
        label = "Resource attribute on every span, metric and log record"
        text = "resource attribute on every signal"
        used.append(_use("resource", text, "", label, "contract", "resource"))
    for metric in _metric_uses(conv).get(attr.id, []):
        label = "Metric attribute of"
        used.append(_use("metric", f"metric {metric}", metric, label, "contract", "metrics"))
    if attr.id in conv.propagation.baggage_allow:
        label, text = "Allowed in outgoing baggage", "allowed in outgoing baggage"
        used.append(_use("baggage", text, "", label, "sampling", "baggage"))
    for policy in conv.sampling.tail_policies:
        if policy.key == attr.id:
            text, label = f"tail sampling policy {policy.name}", "Tail sampling policy"
            used.append(
                _use("tail sampling", text, policy.name, label, "sampling", "tail-sampling")
            )
    return used


def attribute_views(conv: Conventions, anchors: Anchors) -> list[dict[str, Any]]:
    """Every registry attribute, the organisation's first, each group sorted by id."""
    ordered = sorted(conv.registry.values(), key=lambda a: (a.origin != "conventions", a.id))
    replaced_by: dict[str, list[str]] = {}
    for a in ordered:
        if a.renamed_to:
            replaced_by.setdefault(a.renamed_to, []).append(a.id)
    # The identifiers the Go and Rust targets generate, so the docs name exactly them.
    generated = {g.id: g for g in neutral_view(conv).attributes}
    views: list[dict[str, Any]] = []
    for a in ordered:
        renamed = a.renamed_to
        ids = generated.get(a.id)
        views.append(
            {
                "id": a.id,
                "anchor": anchors.get("attr", a.id),
                "type": a.type,
                "brief": a.brief,
                "note": a.note,
                "condition": a.condition,
                "examples": [example_text(x) for x in a.examples],
                "members": [
                    {"id": m.id, "value": example_text(m.value), "brief": m.brief}
                    for m in a.members
                ],
                "requirement_level": a.requirement_level.replace("_", " "),
                "stability": a.stability,
                "deprecated": a.deprecated,
                "is_deprecated": a.stability == "deprecated" or bool(a.deprecated),
                "renamed_to": renamed,
                "renamed_anchor": anchors.get("attr", renamed) if renamed in conv.registry else "",
                "replaces": [
                    {"id": old, "anchor": anchors.get("attr", old)}
                    for old in replaced_by.get(a.id, [])
                ],
                "pii": a.pii,
                "pii_label": PII_LABELS.get(a.pii, a.pii),
                "pii_text": PII_TEXT.get(a.pii, a.pii),
                "sensitive": a.pii != "none",
                "cardinality": a.cardinality,
                "origin": a.origin,
                "origin_text": (
                    conv.organisation
                    if a.origin == "conventions"
                    else "OpenTelemetry semantic conventions"
                ),
                "go": f"{conv.go_package}.{ids.go_ident}(v)" if ids else "",
                "go_key": f"{conv.go_package}.{ids.go_key}" if ids else "",
                "rust": f"{conv.rust_module}::attributes::{ids.rust_const}" if ids else "",
                "used_in": _used_in(conv, a, anchors),
            }
        )
    return views
