"""Rule checks between sections: resource, span names, sampling, baggage, export, logs."""

from __future__ import annotations

from scaffold.conventions import regex_dialect
from scaffold.conventions.build import DEFAULT_BUCKETS
from scaffold.conventions.rulebase import (
    CARDINALITIES,
    IDS,
    PII,
    Context,
    Rule,
    duration_ms,
    parse_template,
)
from scaffold.conventions.schema_types import BOUNDARIES
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES, modern_template
from scaffold.conventions.validate import did_you_mean
from scaffold.conventions.yamlsource import Path_

_TAIL_NEEDS = {
    "status_code": "status_codes",
    "latency": "threshold",
    "probabilistic": "ratio",
    "string_attribute": "values",
}


def resource_shape(ctx: Context) -> None:
    keys: set[str] = set()
    for index, res in enumerate(ctx.data.get("resource", [])):
        path: Path_ = ("resource", index)
        if res["key"] in keys:
            ctx.add((*path, "key"), f"resource attribute {res['key']!r} is listed twice")
        keys.add(res["key"])
        if res["source"] == "env" and "env" not in res:
            ctx.add(path, "source env needs `env:` naming the variable", "Add `env: MY_VARIABLE`.")
        if res["source"] == "static" and "value" not in res:
            ctx.add(path, "source static needs `value:`", "Add `value: ...`.")
    if "service.name" not in keys and ctx.data.get("resource"):
        ctx.add(
            ("resource",),
            "service.name must be a resource attribute",
            "Add `- {key: service.name, requirement_level: required, source: service}`.",
        )


def resource_keys(ctx: Context) -> None:
    for index, res in enumerate(ctx.data.get("resource", [])):
        if res["key"] not in ctx.known:
            ctx.unknown_attribute(("resource", index, "key"), res["key"], "resource attribute")


def span_templates(ctx: Context) -> None:
    for boundary in BOUNDARIES:
        rule = ctx.section("span_naming", boundary)
        for field in ("template", "fallback"):
            if field in rule:
                _template(ctx, boundary, ("span_naming", boundary, field), rule[field])
        for index, text in enumerate(rule.get("fallbacks", [])):
            _template(ctx, boundary, ("span_naming", boundary, "fallbacks", index), text)
        if "fallback" in rule and "fallbacks" in rule:
            ctx.add(
                ("span_naming", boundary, "fallbacks"),
                "`fallback` and `fallbacks` are both given",
                "Keep `fallbacks` and make the old `fallback` its last entry.",
            )


def _template(ctx: Context, boundary: str, path: Path_, text: str) -> None:
    text = modern_template(text)
    pieces, problem = parse_template(text)
    if problem:
        ctx.add(path, f"the template {text!r} {problem}", "Write attributes as {attribute.id}.")
        return
    allowed = BOUNDARY_ATTRIBUTES[boundary]
    for _, attr in pieces:
        if not attr:
            continue
        if attr not in ctx.known:
            ctx.unknown_attribute(path, attr)
        elif ctx.known[attr] == "high":
            low = ", ".join(a for a in allowed if ctx.known.get(a) == "low")
            ctx.add(
                path,
                f"{attr!r} has high cardinality and cannot be part of a span name",
                f"Use one of: {low}.",
            )
        elif attr not in allowed:
            ctx.add(
                path,
                f"{attr!r} is not known when a {boundary} span starts",
                f"Use one of: {', '.join(allowed)}.",
            )


def internal_pattern(ctx: Context) -> None:
    pattern = ctx.section("span_naming", "internal").get("pattern")
    if pattern is None:
        return
    path: Path_ = ("span_naming", "internal", "pattern")
    problem = regex_dialect.check(pattern)
    if problem:
        ctx.add(
            path,
            f"not a pattern that Go, Rust and `scaffold verify` read the same way: {problem}",
            "Use literals, . ^ $, classes [...], \\d \\w, groups ( ) (?: ), | and greedy "
            "repetitions (docs/conventions.md, Name patterns)",
        )


def sampling_environments(ctx: Context) -> None:
    envs = ctx.data["organisation"]["environments"]
    sampling = ctx.data["sampling"]
    ratios = sampling["environments"]
    for env in ratios:
        if env not in envs:
            hint = did_you_mean(env, envs) or f"Known environments: {', '.join(envs)}."
            ctx.add(
                ("sampling", "environments", env), f"unknown environment {env!r}", hint, key=True
            )
    for env in envs:
        if env not in ratios:
            ctx.add(
                ("sampling", "environments"),
                f"no sampling ratio for environment {env!r}",
                f"Add `{env}: 1.0` (or another ratio).",
            )


def sampling_routes(ctx: Context) -> None:
    routes: set[str] = set()
    for index, item in enumerate(ctx.section("sampling").get("routes", [])):
        if item["route"] in routes:
            ctx.add(
                ("sampling", "routes", index, "route"), f"route {item['route']!r} is listed twice"
            )
        routes.add(item["route"])


def tail_policies(ctx: Context) -> None:
    names: set[str] = set()
    for index, policy in enumerate(ctx.section("sampling", "tail").get("policies", [])):
        path: Path_ = ("sampling", "tail", "policies", index)
        if policy["name"] in names:
            ctx.add((*path, "name"), f"policy name {policy['name']!r} is used twice")
        names.add(policy["name"])
        need = _TAIL_NEEDS.get(policy["type"])
        if need and need not in policy:
            ctx.add(path, f"a {policy['type']} policy needs `{need}:`")
        if policy["type"] == "string_attribute":
            if "key" not in policy:
                ctx.add(path, "a string_attribute policy needs `key:`")
            elif policy["key"] not in ctx.known:
                ctx.unknown_attribute((*path, "key"), policy["key"])


# What the SDK and the collector do to each PII class when the conventions say nothing
# (the model builder's defaults).
_DEFAULT_ACTIONS = {"pii": ("hash", "hash"), "secret": ("drop", "drop")}


def tail_policy_privacy(ctx: Context) -> None:
    """A string_attribute policy compares the values tail sampling sees. The SDK and the
    collector's redaction drop, hash or mask a pii or secret attribute before the
    gateway samples, so a policy on one never matches (and its values would put
    personal data in the collector's config)."""
    actions = ctx.section("privacy").get("actions", {})
    for index, policy in enumerate(ctx.section("sampling", "tail").get("policies", [])):
        key = policy.get("key")
        cls = ctx.pii.get(key, "none") if policy["type"] == "string_attribute" else "none"
        if cls == "none":
            continue
        given = actions.get(cls)
        sdk, collector = (given["sdk"], given["collector"]) if given else _DEFAULT_ACTIONS[cls]
        if sdk == collector == "keep":
            continue
        ctx.add(
            ("sampling", "tail", "policies", index, "key"),
            f"{key!r} is classed {cls}: the SDK ({sdk}) and the collector ({collector}) change"
            " it before tail sampling, so this policy never matches",
            "Sample on an attribute classed none, or remove the policy.",
        )


def baggage(ctx: Context) -> None:
    prop = ctx.section("propagation")
    allow = prop.get("baggage", {}).get("allow", [])
    for index, key in enumerate(allow):
        path: Path_ = ("propagation", "baggage", "allow", index)
        if key not in ctx.known:
            ctx.unknown_attribute(path, key, "baggage key")
        elif ctx.pii.get(key) == "secret":
            ctx.add(
                path,
                f"{key!r} is classed secret and may not travel in baggage",
                "Remove it from the allow-list.",
            )
    if allow and "baggage" not in prop.get("propagators", []):
        ctx.add(
            ("propagation", "propagators"),
            "baggage keys are allowed but the baggage propagator is off",
            "Add `baggage` to propagators.",
        )


def export_batch(ctx: Context) -> None:
    batch = ctx.section("export", "batch")
    size, queue = batch.get("max_export_batch_size"), batch.get("max_queue_size")
    if size is not None and queue is not None and size > queue:
        ctx.add(
            ("export", "batch", "max_export_batch_size"),
            f"batch size {size} is larger than the queue ({queue})",
            "Make the queue at least as large.",
        )


def export_retry(ctx: Context) -> None:
    retry = ctx.section("export", "retry")
    first, most = retry.get("initial_interval"), retry.get("max_interval")
    if first and most and duration_ms(first) > duration_ms(most):
        ctx.add(
            ("export", "retry", "initial_interval"), f"{first} is longer than max_interval {most}"
        )


def metric_buckets(ctx: Context) -> None:
    buckets = ctx.section("metrics").get("duration_buckets", [])
    for index in range(1, len(buckets)):
        if not buckets[index] > buckets[index - 1]:
            ctx.add(
                ("metrics", "duration_buckets", index),
                f"bucket {buckets[index]} does not grow from {buckets[index - 1]}",
                "Buckets must be strictly increasing.",
            )


def slo_latency_bounds(ctx: Context) -> None:
    """A latency SLO counts the requests at or below its threshold from the duration
    histogram's bucket with that bound (`le`): a threshold between two bounds has no
    bucket, and its alerts would count the wrong requests or none."""
    buckets = ctx.section("metrics").get("duration_buckets", DEFAULT_BUCKETS)
    for index, slo in enumerate(ctx.data.get("slos", [])):
        text = slo.get("latency_threshold")
        if text is None:
            continue
        ms = duration_ms(text)
        if any(abs(b * 1000 - ms) < 1e-6 for b in buckets):
            continue
        near = [b for b in buckets if b * 1000 < ms][-1:] + [b for b in buckets if b * 1000 > ms][
            :1
        ]
        bounds = " or ".join(f"{b * 1000:g}ms" for b in near)
        ctx.add(
            ("slos", index, "latency_threshold"),
            f"latency threshold {text} is not a bound of metrics.duration_buckets"
            f" ({', '.join(f'{b:g}' for b in buckets)}), so no bucket counts it",
            f"Add {ms / 1000:g} to metrics.duration_buckets, or pick a bound: {bounds}.",
        )


def collector_tls(ctx: Context) -> None:
    """TLS settings on a peer whose endpoint says plain HTTP contradict each other."""
    collector = ctx.section("collector")
    peers: list[tuple[Path_, dict[str, object], str]] = [
        (("collector", "gateway_tls"), collector, "gateway_endpoint")
    ]
    for index, backend in enumerate(collector.get("backends", [])):
        peers.append((("collector", "backends", index, "tls"), backend, "endpoint"))
    for path, holder, field in peers:
        endpoint = str(holder.get(field, ""))
        if path[-1] in holder and endpoint.startswith("http://"):
            ctx.add(
                path,
                f"TLS settings for {endpoint!r}, which says plain http://",
                "Write the endpoint with https://, or remove the TLS settings.",
            )


def log_fields(ctx: Context) -> None:
    seen: dict[str, str] = {}
    for name, value in ctx.section("logs", "fields").items():
        if value in seen:
            ctx.add(
                ("logs", "fields", name), f"field name {value!r} is also used for {seen[value]}"
            )
        seen.setdefault(value, name)


def _unique(ctx: Context, where: tuple[str, ...], field: str, what: str, fold: bool) -> None:
    """`field` of each item of the list at `where` is used once (case-folded if `fold`)."""
    seen: set[str] = set()
    items = ctx.section(*where[:-1]).get(where[-1], [])
    for index, item in enumerate(items):
        value = item[field].lower() if fold else item[field]
        if value in seen:
            ctx.add((*where, index, field), f"{what} {item[field]!r} is used twice")
        seen.add(value)


RULES = (
    Rule((("resource",),), resource_shape),
    Rule((("resource", "*", "key"), *IDS), resource_keys),
    Rule((*(("span_naming", b) for b in BOUNDARIES), *CARDINALITIES), span_templates),
    Rule((("span_naming", "internal"),), internal_pattern),
    Rule((("organisation", "environments"), ("sampling", "environments")), sampling_environments),
    Rule((("sampling", "routes"),), sampling_routes),
    Rule((("sampling", "tail", "policies"), *IDS), tail_policies),
    Rule((("sampling", "tail", "policies"), ("privacy",), *PII), tail_policy_privacy),
    Rule((("propagation",), *PII), baggage),
    Rule((("export", "batch"),), export_batch),
    Rule((("export", "retry"),), export_retry),
    Rule((("metrics", "duration_buckets"),), metric_buckets),
    Rule((("metrics", "duration_buckets"), ("slos", "*", "latency_threshold")), slo_latency_bounds),
    Rule((("logs", "fields"),), log_fields),
    Rule((("collector",),), collector_tls),
    Rule((("slos", "*", "name"),), lambda ctx: _unique(ctx, ("slos",), "name", "name", False)),
    Rule(
        (("glossary", "*", "term"),), lambda ctx: _unique(ctx, ("glossary",), "term", "term", True)
    ),
    Rule(
        (("collector", "backends", "*", "name"),),
        lambda ctx: _unique(ctx, ("collector", "backends"), "name", "backend", False),
    ),
)
