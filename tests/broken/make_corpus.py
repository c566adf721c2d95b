"""Write the corpus of broken conventions files, each the bundled default with one mistake.

Each file starts with comments saying what `scaffold validate` must report: the line, the
key path and a piece of the message. Run it after a deliberate change to the default file:
    python tests/broken/make_corpus.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "conventions" / "observability.yaml"

# name, text to replace, replacement, expected key path, expected message piece, line anchor
# (a piece of the result whose line is where the error must point; default: the replacement).
CASES: list[tuple[str, str, str, str, str, str]] = [
    (
        "unknown-top-key",
        "\nattributes:\n",
        "\natributes:\n",
        "atributes",
        "did you mean 'attributes'",
        "",
    ),
    (
        "unknown-nested-key",
        "  endpoint: http://localhost:4317",
        "  endpiont: http://localhost:4317",
        "export.endpiont",
        "did you mean 'endpoint'",
        "",
    ),
    (
        "timeout-not-string",
        "  timeout: 10s",
        "  timeout: 10",
        "export.timeout",
        "expected a string",
        "",
    ),
    (
        "environments-not-list",
        "  environments: [dev, staging, prod]",
        "  environments: dev",
        "organisation.environments",
        "expected a list",
        "",
    ),
    (
        "duplicate-attribute-id",
        "  - id: app.user.email",
        "  - id: app.user.id",
        "attributes[3].id",
        "duplicate attribute id 'app.user.id'",
        "",
    ),
    (
        "duplicate-yaml-key",
        "    brief: The tenant a request is served for.",
        "    brief: The tenant a request is served for.\n    brief: again",
        "attributes[1].brief",
        "duplicate key 'brief'",
        "    brief: again",
    ),
    (
        "naming-unknown-attribute",
        '    template: "{http.request.method} {http.route}"',
        '    template: "{http.request.method} {http.rout}"',
        "span_naming.http_server.template",
        "did you mean 'http.route'",
        "",
    ),
    (
        "naming-high-cardinality",
        '    template: "{http.request.method} {http.route}"',
        '    template: "{http.request.method} {url.full}"',
        "span_naming.http_server.template",
        "high cardinality",
        "",
    ),
    (
        "naming-wrong-boundary",
        '    template: "{http.request.method} {http.route}"',
        '    template: "{http.request.method} {db.system.name}"',
        "span_naming.http_server.template",
        "not known when a http_server span starts",
        "",
    ),
    (
        "naming-unbalanced-brace",
        '    template: "{http.request.method} {http.route}"',
        '    template: "{http.request.method} {http.route"',
        "span_naming.http_server.template",
        "unbalanced",
        "",
    ),
    (
        "bad-type-enum",
        "  - id: app.cart.items\n    type: int",
        "  - id: app.cart.items\n    type: integer",
        "attributes[6].type",
        "expected one of",
        "    type: integer",
    ),
    (
        "bad-requirement-level",
        "    requirement_level: recommended\n    stability: development",
        "    requirement_level: recomended\n    stability: development",
        "attributes[6].requirement_level",
        "did you mean 'recommended'",
        "",
    ),
    (
        "bad-pii-class",
        "    pii: secret\n",
        "    pii: secrets\n",
        "attributes[4].pii",
        "did you mean 'secret'",
        "",
    ),
    (
        "ratio-nan",
        "    prod: 0.1",
        "    prod: .nan",
        "sampling.environments.prod",
        "finite number",
        "",
    ),
    (
        "ratio-above-one",
        "    prod: 0.1",
        "    prod: 1.5",
        "sampling.environments.prod",
        "from 0 to 1",
        "",
    ),
    (
        "ratio-negative",
        "    staging: 0.5",
        "    staging: -0.5",
        "sampling.environments.staging",
        "from 0 to 1",
        "",
    ),
    (
        "ratio-infinite",
        "      ratio: 1.0",
        "      ratio: .inf",
        "sampling.routes[1].ratio",
        "finite number",
        "",
    ),
    (
        "invalid-attribute-id",
        "  - id: app.plan",
        "  - id: App.Plan",
        "attributes[5].id",
        "lower-case attribute id",
        "",
    ),
    (
        "go-package-keyword",
        "  go_package: telemetry",
        "  go_package: func",
        "codegen.go_package",
        "Go keyword",
        "",
    ),
    (
        "rust-module-keyword",
        "  rust_module: telemetry",
        "  rust_module: type",
        "codegen.rust_module",
        "Rust keyword",
        "",
    ),
    (
        "go-package-invalid",
        "  go_package: telemetry",
        "  go_package: my-telemetry",
        "codegen.go_package",
        "go package name",
        "",
    ),
    (
        "unknown-environment",
        "    prod: 0.1",
        "    prod: 0.1\n    prdo: 0.2",
        "sampling.environments.prdo",
        "did you mean 'prod'",
        "    prdo: 0.2",
    ),
    (
        "missing-environment-ratio",
        "    staging: 0.5\n",
        "",
        "sampling.environments",
        "no sampling ratio for environment 'staging'",
        "    dev: 1.0",
    ),
    (
        "missing-section",
        "export:\n  protocol: grpc",
        "exports:\n  protocol: grpc",
        "exports",
        "did you mean 'export'",
        "",
    ),
    (
        "missing-attribute-key",
        "    pii: secret\n",
        "",
        "attributes[4]",
        "missing required key 'pii'",
        "  - id: app.session.token",
    ),
    (
        "enum-without-members",
        "    type: enum\n    brief: The commercial plan of the tenant.\n    members:\n      - id: free\n        value: free\n        brief: No paid features.\n      - id: team\n        value: team\n        brief: Paid, small teams.\n      - id: enterprise\n        value: enterprise\n        brief: Paid, with a contract.\n",
        "    type: enum\n    brief: The commercial plan of the tenant.\n",
        "attributes[5].type",
        "needs `members:`",
        "    type: enum",
    ),
    (
        "members-on-non-enum",
        "  - id: app.cart.items\n    type: int\n",
        "  - id: app.cart.items\n    type: int\n    members: [{id: one, value: 1}]\n",
        "attributes[6].members",
        "members:` given for type 'int'",
        "    members: [{id: one",
    ),
    (
        "example-wrong-type",
        "    examples: [3]",
        "    examples: [three]",
        "attributes[6].examples[0]",
        "not a value of type int",
        "",
    ),
    (
        "enum-example-not-member",
        "    examples: [team]",
        "    examples: [gold]",
        "attributes[5].examples[0]",
        "not one of the members",
        "",
    ),
    (
        "renamed-to-unknown",
        "    renamed_to: app.tenant.id",
        "    renamed_to: app.tenant.idd",
        "attributes[8].renamed_to",
        "did you mean 'app.tenant.id'",
        "",
    ),
    (
        "deprecated-without-text",
        "    deprecated: Use app.tenant.id.\n",
        "",
        "attributes[8].stability",
        "needs `deprecated:`",
        "    stability: deprecated",
    ),
    (
        "conditional-without-condition",
        "  - id: app.cart.items\n    type: int\n    brief: Number of items in the cart at checkout.\n    examples: [3]\n    requirement_level: recommended",
        "  - id: app.cart.items\n    type: int\n    brief: Number of items in the cart at checkout.\n    examples: [3]\n    requirement_level: conditionally_required",
        "attributes[6].requirement_level",
        "needs `condition:`",
        "    requirement_level: conditionally_required",
    ),
    (
        "resource-unknown-key",
        "  - key: service.version",
        "  - key: service.verison",
        "resource[1].key",
        "did you mean 'service.version'",
        "",
    ),
    (
        "resource-env-without-name",
        "    source: env\n    env: ACME_TEAM\n",
        "    source: env\n",
        "resource[4]",
        "needs `env:`",
        "  - key: acme.team",
    ),
    (
        "resource-static-without-value",
        "    value: acme\n",
        "",
        "resource[3]",
        "needs `value:`",
        "  - key: service.namespace",
    ),
    (
        "baggage-unknown-key",
        "    allow: [app.tenant.id, app.plan]",
        "    allow: [app.tenant.id, app.plann]",
        "propagation.baggage.allow[1]",
        "did you mean 'app.plan'",
        "",
    ),
    (
        "baggage-secret",
        "    allow: [app.tenant.id, app.plan]",
        "    allow: [app.tenant.id, app.session.token]",
        "propagation.baggage.allow[1]",
        "classed secret",
        "",
    ),
    (
        "bad-protocol",
        "  protocol: grpc            # grpc or http/protobuf",
        "  protocol: http            # grpc or http/protobuf",
        "export.protocol",
        "expected one of: grpc, http/protobuf",
        "",
    ),
    (
        "bad-endpoint",
        "  endpoint: http://localhost:4317",
        "  endpoint: localhost:4317",
        "export.endpoint",
        "collector endpoint URL",
        "",
    ),
    (
        "bad-duration",
        "    schedule_delay: 5s",
        "    schedule_delay: 5 seconds",
        "export.batch.schedule_delay",
        "a duration such as",
        "",
    ),
    (
        "batch-larger-than-queue",
        "    max_export_batch_size: 512",
        "    max_export_batch_size: 4096",
        "export.batch.max_export_batch_size",
        "larger than the queue",
        "",
    ),
    (
        "buckets-not-increasing",
        "  duration_buckets: [0.005, 0.01, 0.025,",
        "  duration_buckets: [0.005, 0.01, 0.01,",
        "metrics.duration_buckets[2]",
        "does not grow",
        "",
    ),
    (
        "slo-objective-one",
        "    objective: 0.999",
        "    objective: 1.0",
        "slos[0].objective",
        "above 0 and below 1",
        "",
    ),
    (
        "slo-duplicate-name",
        "  - name: checkout-latency",
        "  - name: checkout-availability",
        "slos[1].name",
        "used twice",
        "",
    ),
    (
        "tail-latency-without-threshold",
        "        threshold: 500ms\n",
        "",
        "sampling.tail.policies[1]",
        "needs `threshold:`",
        "      - name: keep-slow",
    ),
    (
        "yaml-syntax",
        "  environments: [dev, staging, prod]",
        "  environments: [dev, staging, prod",
        "",
        "not valid YAML",
        "  environment_variable: DEPLOYMENT_ENVIRONMENT",
    ),
    (
        "schema-version",
        "schema_version: 1",
        "schema_version: 2",
        "schema_version",
        "expected 1",
        "",
    ),
    (
        "env-var-name",
        "  kill_switch_env: ACME_TRACING_DISABLED",
        "  kill_switch_env: acme-tracing-off",
        "incident.kill_switch_env",
        "expected an environment variable name",
        "",
    ),
    (
        "identifier-collision",
        "  - id: app.cart.items",
        "  - id: app.tenant_id",
        "attributes[6].id",
        "both become the Go identifier AppTenantID",
        "",
    ),
    (
        "internal-pattern-lookahead",
        '    pattern: "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$"',
        '    pattern: "^(?!http)[a-z]+$"',
        "span_naming.internal.pattern",
        "look-arounds",
        "",
    ),
    (
        "internal-pattern-invalid",
        '    pattern: "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$"',
        '    pattern: "^[a-z+$"',
        "span_naming.internal.pattern",
        "not a valid regular expression",
        "",
    ),
    (
        "semconv-redefined",
        "  - id: app.cart.items",
        "  - id: http.route",
        "attributes[6].id",
        "semantic-convention attribute",
        "",
    ),
    (
        "log-fields-same",
        "    span_id: span_id",
        "    span_id: trace_id",
        "logs.fields.span_id",
        "also used for trace_id",
        "",
    ),
    (
        "unknown-propagator",
        "  propagators: [tracecontext, baggage]",
        "  propagators: [w3c, baggage]",
        "propagation.propagators[0]",
        "expected one of: tracecontext",
        "",
    ),
    (
        "retry-intervals",
        "    initial_interval: 1s",
        "    initial_interval: 1m",
        "export.retry.initial_interval",
        "longer than max_interval",
        "",
    ),
    (
        "tail-duplicate-name",
        "      - name: baseline",
        "      - name: keep-errors",
        "sampling.tail.policies[2].name",
        "used twice",
        "",
    ),
    (
        "route-duplicate",
        '    - route: "POST /checkout"',
        '    - route: "GET /healthz"',
        "sampling.routes[1].route",
        "listed twice",
        "",
    ),
    (
        "yes-is-boolean",
        "  - term: tenant",
        "  - term: yes",
        "glossary[0].term",
        "YAML reads yes/no/on/off as booleans",
        "",
    ),
    (
        "bad-stability",
        "    stability: development\n    pii: none\n    cardinality: high\n  - id: app.feature_flags",
        "    stability: experimental\n    pii: none\n    cardinality: high\n  - id: app.feature_flags",
        "attributes[6].stability",
        "expected one of: stable, development, deprecated",
        "    stability: experimental",
    ),
    (
        "bad-topology",
        "  topology: agent_gateway     # single, agent, gateway or agent_gateway",
        "  topology: mesh",
        "collector.topology",
        "expected one of: single",
        "",
    ),
    (
        "baggage-without-propagator",
        "  propagators: [tracecontext, baggage]",
        "  propagators: [tracecontext]",
        "propagation.propagators",
        "baggage propagator is off",
        "",
    ),
]


def line_of(body: str, pos: int, new: str, anchor: str) -> int:
    """Line (in `body`) of the anchor nearest before the end of the replacement at `pos`."""
    if anchor:
        index = body.rfind(anchor, 0, pos + len(new) + len(anchor))
        index = index if index >= 0 else body.index(anchor)
    else:
        index = pos + (len(new) - len(new.lstrip("\n")))
    return body.count("\n", 0, index) + 1


def main() -> None:
    default = DEFAULT.read_text(encoding="utf-8")
    for old in HERE.glob("*.yaml"):
        old.unlink()
    for number, (name, old, new, key, text, anchor) in enumerate(CASES, start=1):
        assert default.count(old) >= 1, f"{name}: {old!r} is not in the default file"
        header = f"# expect-key: {key}\n# expect-text: {text}\n# expect-line: {{line}}\n"
        pos = default.index(old)
        body = default.replace(old, new, 1)
        line = header.count("\n") + line_of(body, pos, new, anchor)
        (HERE / f"{number:02d}-{name}.yaml").write_text(
            header.format(line=line) + body, encoding="utf-8"
        )
    print(f"wrote {len(CASES)} broken files to {HERE}")


if __name__ == "__main__":
    main()
