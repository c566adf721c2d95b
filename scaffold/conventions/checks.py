"""Rules a JSON Schema cannot say: references between sections, identifiers, arithmetic.

Runs only on data that passed the schema, so shapes and types can be trusted here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from scaffold import naming
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES, SEMCONV
from scaffold.conventions.validate import did_you_mean
from scaffold.conventions.yamlsource import Located, Path_
from scaffold.errors import Finding

SEMCONV_IDS = {row[0]: row for row in SEMCONV}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNSUPPORTED_REGEX = re.compile(r"\(\?[=!<]|\\[1-9]")
_EXAMPLE_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def parse_template(text: str) -> tuple[list[tuple[str, str]], str]:
    """Split a span-name template into (literal, attribute) pieces; error text or ''."""
    pieces: list[tuple[str, str]] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], ""))
        pieces.append(("", match.group(1).strip()))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], ""))
    if any("{" in lit or "}" in lit for lit, attr in pieces if not attr):
        return pieces, "has an unbalanced '{' or '}'"
    if any(attr == "" and lit == "" for lit, attr in pieces):
        return pieces, "has an empty '{}'"
    return pieces, ""


class Checker:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.data: dict[str, Any] = located.data
        self.findings: list[Finding] = []
        own = self.data.get("attributes", [])
        self.own_ids = [a["id"] for a in own]
        self.known: dict[str, str] = {row[0]: row[2] for row in SEMCONV}  # id -> cardinality
        self.pii: dict[str, str] = {row[0]: row[3] for row in SEMCONV}
        for attr in own:
            self.known.setdefault(attr["id"], attr.get("cardinality", "high"))
            self.pii.setdefault(attr["id"], attr["pii"])

    def add(self, path: Path_, message: str, hint: str = "", key: bool = False) -> None:
        self.findings.append(self.located.finding(path, message, hint, key))

    def unknown_attribute(self, path: Path_, attr: str, what: str = "attribute") -> None:
        hint = did_you_mean(attr, list(self.known)) or (
            "Add it to `attributes:` or use a semantic-convention id."
        )
        self.add(path, f"unknown {what} {attr!r}", hint)

    def run(self) -> list[Finding]:
        self.codegen()
        self.attributes()
        self.identifiers()
        self.resource()
        self.span_naming()
        self.sampling()
        self.propagation()
        self.export()
        self.metrics()
        self.logs()
        self.named_lists()
        return self.findings

    def codegen(self) -> None:
        codegen = self.data.get("codegen", {})
        name = codegen.get("go_package")
        if name is not None and naming.go_reserved(name):
            self.add(
                ("codegen", "go_package"),
                f"{name!r} is a Go keyword or predeclared name",
                "Choose another package name, such as 'telemetry'.",
            )
        module = codegen.get("rust_module")
        if module is not None and naming.rust_reserved(module):
            self.add(
                ("codegen", "rust_module"),
                f"{module!r} is a Rust keyword",
                "Choose another module name, such as 'telemetry'.",
            )

    def attributes(self) -> None:
        seen: dict[str, int] = {}
        for index, attr in enumerate(self.data.get("attributes", [])):
            path: Path_ = ("attributes", index)
            aid = attr["id"]
            if aid in SEMCONV_IDS:
                self.add(
                    (*path, "id"),
                    f"{aid!r} is an OpenTelemetry semantic-convention attribute",
                    "scaffold knows it already; remove it, or give your own attribute a namespaced id.",
                )
            if aid in seen:
                line = self.located.where(("attributes", seen[aid], "id"))[0]
                self.add(
                    (*path, "id"),
                    f"duplicate attribute id {aid!r} (first at line {line})",
                    "Attribute ids must be unique.",
                )
            seen.setdefault(aid, index)
            self.attribute_shape(attr, path)

    def attribute_shape(self, attr: dict[str, Any], path: Path_) -> None:
        kind = attr["type"]
        members = attr.get("members")
        if kind == "enum" and not members:
            self.add(
                (*path, "type"),
                "an enum attribute needs `members:`",
                "List its members, each with id and value.",
            )
        if kind != "enum" and members:
            self.add(
                (*path, "members"),
                f"`members:` given for type {kind!r}",
                "Set `type: enum` or remove the members.",
            )
        member_values = {str(m["value"]) for m in members or []}
        for field in ("id", "value"):
            seen: set[str] = set()
            for m_index, member in enumerate(members or []):
                value = str(member[field])
                if value in seen:
                    self.add(
                        (*path, "members", m_index, field),
                        f"duplicate enum member {field} {value!r}",
                    )
                seen.add(value)
        for e_index, example in enumerate(
            attr.get("examples", []) if kind != "enum" or members else []
        ):
            if not self.example_fits(kind, example, member_values):
                expected = (
                    f"one of the members ({', '.join(sorted(member_values))})"
                    if kind == "enum"
                    else f"a value of type {kind}"
                )
                self.add((*path, "examples", e_index), f"example {example!r} is not {expected}")
        if attr.get("stability") == "deprecated" and not attr.get("deprecated"):
            self.add(
                (*path, "stability"),
                "a deprecated attribute needs `deprecated:` saying what to use instead",
            )
        if attr["requirement_level"] == "conditionally_required" and not attr.get("condition"):
            self.add(
                (*path, "requirement_level"),
                "conditionally_required needs `condition:` saying when",
            )
        target = attr.get("renamed_to")
        if target is not None:
            if target == attr["id"]:
                self.add((*path, "renamed_to"), "an attribute cannot be renamed to itself")
            elif target not in self.known:
                self.unknown_attribute((*path, "renamed_to"), target)

    @staticmethod
    def example_fits(kind: str, example: Any, members: set[str]) -> bool:
        if kind == "enum":
            return str(example) in members
        if kind.endswith("[]"):
            return isinstance(example, list) and all(_EXAMPLE_TYPES[kind[:-2]](v) for v in example)
        return _EXAMPLE_TYPES[kind](example)

    def identifiers(self) -> None:
        """Two ids must not become the same Go or Rust identifier."""
        for label, make in (("Go", naming.go_exported), ("Rust", naming.rust_const)):
            taken = {make(a): a for a in SEMCONV_IDS}
            for index, aid in enumerate(self.own_ids):
                ident = make(aid)
                other = taken.get(ident)
                if other is not None and other != aid:
                    self.add(
                        ("attributes", index, "id"),
                        f"{aid!r} and {other!r} both become the {label} identifier {ident}",
                        "Rename one of them.",
                    )
                taken.setdefault(ident, aid)
        for index, attr in enumerate(self.data.get("attributes", [])):
            idents: dict[str, str] = {}
            for m_index, member in enumerate(attr.get("members") or []):
                ident = naming.go_exported(member["id"])
                if ident in idents and idents[ident] != member["id"]:
                    self.add(
                        ("attributes", index, "members", m_index, "id"),
                        f"members {member['id']!r} and {idents[ident]!r} both become {ident}",
                    )
                idents.setdefault(ident, member["id"])

    def resource(self) -> None:
        keys: dict[str, int] = {}
        for index, res in enumerate(self.data.get("resource", [])):
            path: Path_ = ("resource", index)
            key = res["key"]
            if key not in self.known:
                self.unknown_attribute((*path, "key"), key, "resource attribute")
            if key in keys:
                self.add((*path, "key"), f"resource attribute {key!r} is listed twice")
            keys.setdefault(key, index)
            if res["source"] == "env" and "env" not in res:
                self.add(
                    path, "source env needs `env:` naming the variable", "Add `env: MY_VARIABLE`."
                )
            if res["source"] == "static" and "value" not in res:
                self.add(path, "source static needs `value:`", "Add `value: ...`.")
        if "service.name" not in keys and self.data.get("resource"):
            self.add(
                ("resource",),
                "service.name must be a resource attribute",
                "Add `- {key: service.name, requirement_level: required, source: service}`.",
            )

    def span_naming(self) -> None:
        for boundary, rule in self.data.get("span_naming", {}).items():
            if boundary == "internal":
                pattern = rule.get("pattern")
                if pattern is not None:
                    self.regex((("span_naming", "internal", "pattern")), pattern)
                continue
            allowed = BOUNDARY_ATTRIBUTES[boundary]
            for field in ("template", "fallback"):
                if field not in rule:
                    continue
                path: Path_ = ("span_naming", boundary, field)
                pieces, problem = parse_template(rule[field])
                if problem:
                    self.add(
                        path,
                        f"the template {rule[field]!r} {problem}",
                        "Write attributes as {attribute.id}.",
                    )
                    continue
                for _, attr in pieces:
                    if not attr:
                        continue
                    if attr not in self.known:
                        self.unknown_attribute(path, attr)
                    elif self.known[attr] == "high":
                        self.add(
                            path,
                            f"{attr!r} has high cardinality and cannot be part of a span name",
                            f"Use one of: {', '.join(a for a in allowed if self.known.get(a) == 'low')}.",
                        )
                    elif attr not in allowed:
                        self.add(
                            path,
                            f"{attr!r} is not known when a {boundary} span starts",
                            f"Use one of: {', '.join(allowed)}.",
                        )

    def regex(self, path: Path_, pattern: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            self.add(path, f"not a valid regular expression: {exc}")
            return
        if _UNSUPPORTED_REGEX.search(pattern):
            self.add(
                path,
                "look-arounds and back-references do not work in Go and Rust regular expressions",
            )

    def sampling(self) -> None:
        sampling = self.data.get("sampling", {})
        envs = self.data.get("organisation", {}).get("environments", [])
        ratios = sampling.get("environments", {})
        for env in ratios:
            if env not in envs:
                hint = did_you_mean(env, envs) or f"Known environments: {', '.join(envs)}."
                self.add(
                    ("sampling", "environments", env),
                    f"unknown environment {env!r}",
                    hint,
                    key=True,
                )
        for env in envs:
            if env not in ratios and "environments" in sampling:
                self.add(
                    ("sampling", "environments"),
                    f"no sampling ratio for environment {env!r}",
                    f"Add `{env}: 1.0` (or another ratio).",
                )
        routes: set[str] = set()
        for index, item in enumerate(sampling.get("routes", [])):
            if item["route"] in routes:
                self.add(
                    ("sampling", "routes", index, "route"),
                    f"route {item['route']!r} is listed twice",
                )
            routes.add(item["route"])
        names: set[str] = set()
        needs = {
            "status_code": "status_codes",
            "latency": "threshold",
            "probabilistic": "ratio",
            "string_attribute": "values",
        }
        for index, policy in enumerate(sampling.get("tail", {}).get("policies", [])):
            path: Path_ = ("sampling", "tail", "policies", index)
            if policy["name"] in names:
                self.add((*path, "name"), f"policy name {policy['name']!r} is used twice")
            names.add(policy["name"])
            need = needs.get(policy["type"])
            if need and need not in policy:
                self.add(path, f"a {policy['type']} policy needs `{need}:`")
            if policy["type"] == "string_attribute":
                if "key" not in policy:
                    self.add(path, "a string_attribute policy needs `key:`")
                elif policy["key"] not in self.known:
                    self.unknown_attribute((*path, "key"), policy["key"])

    def propagation(self) -> None:
        prop = self.data.get("propagation", {})
        allow = prop.get("baggage", {}).get("allow", [])
        for index, key in enumerate(allow):
            path: Path_ = ("propagation", "baggage", "allow", index)
            if key not in self.known:
                self.unknown_attribute(path, key, "baggage key")
            elif self.pii.get(key) == "secret":
                self.add(
                    path,
                    f"{key!r} is classed secret and may not travel in baggage",
                    "Remove it from the allow-list.",
                )
        if allow and "baggage" not in prop.get("propagators", []):
            self.add(
                ("propagation", "propagators"),
                "baggage keys are allowed but the baggage propagator is off",
                "Add `baggage` to propagators.",
            )

    def export(self) -> None:
        batch = self.data.get("export", {}).get("batch", {})
        size, queue = batch.get("max_export_batch_size"), batch.get("max_queue_size")
        if size is not None and queue is not None and size > queue:
            self.add(
                ("export", "batch", "max_export_batch_size"),
                f"batch size {size} is larger than the queue ({queue})",
                "Make the queue at least as large.",
            )
        retry = self.data.get("export", {}).get("retry", {})
        first, most = retry.get("initial_interval"), retry.get("max_interval")
        if first and most and duration_ms(first) > duration_ms(most):
            self.add(
                ("export", "retry", "initial_interval"),
                f"{first} is longer than max_interval {most}",
            )

    def metrics(self) -> None:
        buckets = self.data.get("metrics", {}).get("duration_buckets", [])
        for index in range(1, len(buckets)):
            if not buckets[index] > buckets[index - 1]:
                self.add(
                    ("metrics", "duration_buckets", index),
                    f"bucket {buckets[index]} does not grow from {buckets[index - 1]}",
                    "Buckets must be strictly increasing.",
                )

    def logs(self) -> None:
        fields = self.data.get("logs", {}).get("fields", {})
        seen: dict[str, str] = {}
        for name, value in fields.items():
            if value in seen:
                self.add(
                    ("logs", "fields", name), f"field name {value!r} is also used for {seen[value]}"
                )
            seen.setdefault(value, name)

    def named_lists(self) -> None:
        for section, field, fold in (("slos", "name", False), ("glossary", "term", True)):
            seen: set[str] = set()
            for index, item in enumerate(self.data.get(section, [])):
                value = item[field].lower() if fold else item[field]
                if value in seen:
                    self.add((section, index, field), f"{field} {item[field]!r} is used twice")
                seen.add(value)
        for index, slo in enumerate(self.data.get("slos", [])):
            if not 0 < slo["objective"] < 1:
                self.add(
                    ("slos", index, "objective"),
                    f"objective {slo['objective']} must be above 0 and below 1",
                    "Write 99.9% as 0.999.",
                )
        names: set[str] = set()
        for index, backend in enumerate(self.data.get("collector", {}).get("backends", [])):
            if backend["name"] in names:
                self.add(
                    ("collector", "backends", index, "name"),
                    f"backend {backend['name']!r} is listed twice",
                )
            names.add(backend["name"])


_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_ms(text: str) -> int:
    match = re.fullmatch(r"([0-9]+)(ms|s|m|h|d)", text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def is_finite(value: float) -> bool:
    return math.isfinite(value)
