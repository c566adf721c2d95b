"""The broken-conventions corpus: mutations of the bundled default, applied at test time.

Each case is a name, a mutation of `conventions/observability.yaml` (text edits, or a
function over its text) and every finding `scaffold validate` must report for it, no
more and no fewer: the key path, a piece of the message (or of its hint), and the line.
The line is that of the edit's first replaced line unless `at` names a text that occurs
exactly once in the mutated file, whose line it is then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.conftest import DEFAULT_CONVENTIONS

DEFAULT = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Edit:
    """Replace the one occurrence of `old` in the default file with `new`."""

    old: str
    new: str

    def __call__(self, text: str) -> str:
        assert text.count(self.old) == 1, f"{self.old!r} must occur once in the default file"
        return text.replace(self.old, self.new, 1)

    def line(self, text: str) -> int:
        """Line (1-based, in the mutated file) where the replacement's first line is."""
        pos = text.index(self.old) + len(self.new) - len(self.new.lstrip("\n"))
        return text.count("\n", 0, pos) + 1


@dataclass(frozen=True)
class Found:
    """One finding: its key path ('' for none), a piece of its text, and where it is."""

    path: str
    text: str
    at: str = ""


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Edit | tuple[Edit, ...] | Callable[[str], str]
    found: tuple[Found, ...]

    def __init__(
        self, name: str, mutate: Edit | tuple[Edit, ...] | Callable[[str], str], *found: Found
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "mutate", mutate)
        object.__setattr__(self, "found", found)

    def text(self) -> str:
        if isinstance(self.mutate, tuple):
            out = DEFAULT
            for edit in self.mutate:
                out = edit(out)
            return out
        return self.mutate(DEFAULT)

    def expected(self) -> list[tuple[int, str, str]]:
        """(line, key path, message piece) of every finding, in order of the table."""
        mutant = self.text()
        out = []
        for found in self.found:
            if found.at:
                assert mutant.count(found.at) == 1, f"{self.name}: {found.at!r} is not unique"
                line = mutant.count("\n", 0, mutant.index(found.at)) + 1
            else:
                assert isinstance(self.mutate, Edit), f"{self.name}: give `at` for each finding"
                line = self.mutate.line(DEFAULT)
            out.append((line, found.path, found.text))
        return out


def nested(depth: int) -> Callable[[str], str]:
    """The first glossary definition becomes a list nested `depth` deep."""

    def mutate(text: str) -> str:
        old = "    definition: A customer organisation; every request is served for exactly one."
        return Edit(old, "    definition: " + "[" * depth + "x" + "]" * depth)(text)

    return mutate


CASES: list[Case] = [
    Case(
        "unknown-top-key",
        Edit("\nattributes:\n", "\natributes:\n"),
        Found("atributes", "did you mean 'attributes'"),
    ),
    Case(
        "unknown-nested-key",
        Edit("  endpoint: http://localhost:4317", "  endpiont: http://localhost:4317"),
        Found("export.endpiont", "did you mean 'endpoint'"),
    ),
    Case(
        "timeout-not-string",
        Edit("  timeout: 10s", "  timeout: 10"),
        Found("export.timeout", "expected a string"),
    ),
    Case(
        "environments-not-list",
        Edit("  environments: [development, staging, production]", "  environments: development"),
        Found("organisation.environments", "expected a list"),
    ),
    Case(
        "duplicate-attribute-id",
        Edit("  - id: app.user.email", "  - id: app.user.id"),
        Found("attributes[3].id", "duplicate attribute id 'app.user.id'"),
    ),
    Case(
        "duplicate-yaml-key",
        Edit(
            "    brief: The tenant a request is served for.",
            "    brief: The tenant a request is served for.\n    brief: again",
        ),
        Found("attributes[1].brief", "duplicate key 'brief'", at="    brief: again"),
    ),
    Case(
        "naming-unknown-attribute",
        Edit(
            '    template: "{http.request.method} {http.route}"',
            '    template: "{http.request.method} {http.rout}"',
        ),
        Found("span_naming.http_server.template", "did you mean 'http.route'"),
    ),
    Case(
        "naming-high-cardinality",
        Edit(
            '    template: "{http.request.method} {http.route}"',
            '    template: "{http.request.method} {url.full}"',
        ),
        Found("span_naming.http_server.template", "high cardinality"),
    ),
    Case(
        "naming-wrong-boundary",
        Edit(
            '    template: "{http.request.method} {http.route}"',
            '    template: "{http.request.method} {db.system.name}"',
        ),
        Found("span_naming.http_server.template", "not known when a http_server span starts"),
    ),
    Case(
        "naming-unbalanced-brace",
        Edit(
            '    template: "{http.request.method} {http.route}"',
            '    template: "{http.request.method} {http.route"',
        ),
        Found("span_naming.http_server.template", "unbalanced"),
    ),
    Case(
        "bad-type-enum",
        Edit("  - id: app.cart.items\n    type: int", "  - id: app.cart.items\n    type: integer"),
        Found("attributes[6].type", "expected one of", at="    type: integer"),
    ),
    Case(
        "bad-requirement-level",
        Edit(
            "    requirement_level: recommended\n    stability: development",
            "    requirement_level: recomended\n    stability: development",
        ),
        Found("attributes[6].requirement_level", "did you mean 'recommended'"),
    ),
    Case(
        "bad-pii-class",
        Edit("    pii: secret\n", "    pii: secrets\n"),
        Found("attributes[4].pii", "did you mean 'secret'"),
    ),
    Case(
        "ratio-nan",
        Edit("    production: 0.1", "    production: .nan"),
        Found("sampling.environments.production", "finite number"),
    ),
    Case(
        "ratio-above-one",
        Edit("    production: 0.1", "    production: 1.5"),
        Found("sampling.environments.production", "from 0 to 1"),
    ),
    Case(
        "ratio-negative",
        Edit("    staging: 0.5", "    staging: -0.5"),
        Found("sampling.environments.staging", "from 0 to 1"),
    ),
    Case(
        "ratio-infinite",
        Edit("      ratio: 1.0", "      ratio: .inf"),
        Found("sampling.routes[1].ratio", "finite number"),
    ),
    Case(
        "invalid-attribute-id",
        Edit("  - id: app.plan", "  - id: App.Plan"),
        Found("attributes[5].id", "lower-case attribute id"),
    ),
    Case(
        "go-package-keyword",
        Edit("  go_package: telemetry", "  go_package: func"),
        Found("codegen.go_package", "Go keyword"),
    ),
    Case(
        "rust-module-keyword",
        Edit("  rust_module: telemetry", "  rust_module: type"),
        Found("codegen.rust_module", "Rust keyword"),
    ),
    Case(
        "go-package-main",
        Edit("  go_package: telemetry", "  go_package: main"),
        Found("codegen.go_package", "reserves for a package"),
    ),
    Case(
        "rust-module-skeleton",
        Edit("  rust_module: telemetry", "  rust_module: routes"),
        Found("codegen.rust_module", "module the service skeleton has"),
    ),
    Case(
        "duration-past-go",
        Edit("  timeout: 10s", "  timeout: 100000d"),
        Found("export.timeout", "at most 99999d"),
    ),
    Case(
        "lone-surrogate",
        Edit("    brief: The team that owns the service.", '    brief: "\\ud800 team"'),
        Found("attributes[0].brief", "lone surrogate"),
    ),
    Case(
        "nul-in-text",
        Edit("    brief: The team that owns the service.", '    brief: "team\\0"'),
        Found("attributes[0].brief", "NUL"),
    ),
    Case(
        "go-package-invalid",
        Edit("  go_package: telemetry", "  go_package: my-telemetry"),
        Found("codegen.go_package", "go package name"),
    ),
    Case(
        "unknown-environment",
        Edit("    production: 0.1", "    production: 0.1\n    prodution: 0.2"),
        Found(
            "sampling.environments.prodution",
            "did you mean 'production'",
            at="    prodution: 0.2",
        ),
    ),
    Case(
        "missing-environment-ratio",
        Edit("    staging: 0.5\n", ""),
        Found(
            "sampling.environments",
            "no sampling ratio for environment 'staging'",
            at="    development: 1.0",
        ),
    ),
    Case(
        "missing-section",
        Edit("export:\n  protocol: grpc", "exports:\n  protocol: grpc"),
        Found("exports", "did you mean 'export'"),
    ),
    Case(
        "missing-attribute-key",
        Edit("    pii: secret\n", ""),
        Found("attributes[4]", "missing required key 'pii'", at="  - id: app.session.token"),
    ),
    Case(
        "enum-without-members",
        Edit(
            "    type: enum\n    brief: The commercial plan of the tenant.\n    members:\n      - id: free\n        value: free\n        brief: No paid features.\n      - id: team\n        value: team\n        brief: Paid, small teams.\n      - id: enterprise\n        value: enterprise\n        brief: Paid, with a contract.\n",
            "    type: enum\n    brief: The commercial plan of the tenant.\n",
        ),
        Found("attributes[5].type", "needs `members:`", at="    type: enum"),
    ),
    Case(
        "members-on-non-enum",
        Edit(
            "  - id: app.cart.items\n    type: int\n",
            "  - id: app.cart.items\n    type: int\n    members: [{id: one, value: 1}]\n",
        ),
        Found(
            "attributes[6].members", "members:` given for type 'int'", at="    members: [{id: one"
        ),
    ),
    Case(
        "example-wrong-type",
        Edit("    examples: [3]", "    examples: [three]"),
        Found("attributes[6].examples[0]", "not a value of type int"),
    ),
    Case(
        "enum-example-not-member",
        Edit("    examples: [team]", "    examples: [gold]"),
        Found("attributes[5].examples[0]", "not one of the members"),
    ),
    Case(
        "renamed-to-unknown",
        Edit("    renamed_to: app.tenant.id", "    renamed_to: app.tenant.idd"),
        Found("attributes[8].renamed_to", "did you mean 'app.tenant.id'"),
    ),
    Case(
        "deprecated-without-text",
        Edit("    deprecated: Use app.tenant.id.\n", ""),
        Found("attributes[8].stability", "needs `deprecated:`", at="    stability: deprecated"),
    ),
    Case(
        "conditional-without-condition",
        Edit(
            "  - id: app.cart.items\n    type: int\n    brief: Number of items in the cart at checkout.\n    examples: [3]\n    requirement_level: recommended",
            "  - id: app.cart.items\n    type: int\n    brief: Number of items in the cart at checkout.\n    examples: [3]\n    requirement_level: conditionally_required",
        ),
        Found(
            "attributes[6].requirement_level",
            "needs `condition:`",
            at="    requirement_level: conditionally_required",
        ),
    ),
    Case(
        "resource-unknown-key",
        Edit("  - key: service.version", "  - key: service.verison"),
        Found("resource[1].key", "did you mean 'service.version'"),
    ),
    Case(
        "resource-env-without-name",
        Edit("    source: env\n    env: ACME_TEAM\n", "    source: env\n"),
        Found("resource[4]", "needs `env:`", at="  - key: acme.team"),
    ),
    Case(
        "resource-static-without-value",
        Edit("    value: acme\n", ""),
        Found("resource[3]", "needs `value:`", at="  - key: service.namespace"),
    ),
    Case(
        "baggage-unknown-key",
        Edit("    allow: [app.tenant.id, app.plan]", "    allow: [app.tenant.id, app.plann]"),
        Found("propagation.baggage.allow[1]", "did you mean 'app.plan'"),
    ),
    Case(
        "baggage-secret",
        Edit(
            "    allow: [app.tenant.id, app.plan]", "    allow: [app.tenant.id, app.session.token]"
        ),
        Found("propagation.baggage.allow[1]", "classed secret"),
    ),
    Case(
        "bad-protocol",
        Edit(
            "  protocol: grpc            # grpc or http/protobuf",
            "  protocol: http            # grpc or http/protobuf",
        ),
        Found("export.protocol", "expected one of: grpc, http/protobuf"),
    ),
    Case(
        "bad-endpoint",
        Edit("  endpoint: http://localhost:4317", "  endpoint: localhost:4317"),
        Found("export.endpoint", "collector endpoint URL"),
    ),
    Case(
        "bad-duration",
        Edit("    schedule_delay: 5s", "    schedule_delay: 5 seconds"),
        Found("export.batch.schedule_delay", "a duration such as"),
    ),
    Case(
        "batch-larger-than-queue",
        Edit("    max_export_batch_size: 512", "    max_export_batch_size: 4096"),
        Found("export.batch.max_export_batch_size", "larger than the queue"),
    ),
    Case(
        "span-attribute-value-length-zero",
        Edit("    span_attribute_value_length: 4096", "    span_attribute_value_length: 0"),
        Found("export.limits.span_attribute_value_length", "a number from 1 to 100000000"),
    ),
    Case(
        "buckets-not-increasing",
        Edit("  duration_buckets: [0.005, 0.01, 0.025,", "  duration_buckets: [0.005, 0.01, 0.01,"),
        Found("metrics.duration_buckets[2]", "does not grow"),
    ),
    Case(
        "slo-objective-one",
        Edit("    objective: 0.999", "    objective: 1.0"),
        Found("slos[0].objective", "above 0 and below 1"),
    ),
    Case(
        "slo-duplicate-name",
        Edit("  - name: checkout-latency", "  - name: checkout-availability"),
        Found("slos[1].name", "used twice"),
    ),
    Case(
        "tail-latency-without-threshold",
        Edit("        threshold: 500ms\n", ""),
        Found("sampling.tail.policies[1]", "needs `threshold:`", at="      - name: keep-slow"),
    ),
    Case(
        "yaml-syntax",
        Edit(
            "  environments: [development, staging, production]",
            "  environments: [development, staging, production",
        ),
        Found("", "not valid YAML", at="  environment_variable: DEPLOYMENT_ENVIRONMENT"),
    ),
    Case(
        "schema-version",
        Edit("schema_version: 1", "schema_version: 2"),
        Found("schema_version", "expected 1"),
    ),
    Case(
        "env-var-name",
        Edit("  kill_switch_env: ACME_TRACING_DISABLED", "  kill_switch_env: acme-tracing-off"),
        Found("incident.kill_switch_env", "expected an environment variable name"),
    ),
    Case(
        "identifier-collision",
        Edit("  - id: app.cart.items", "  - id: app.tenant_id"),
        Found("attributes[6].id", "both become the Go identifier AppTenantID"),
        Found("attributes[6].id", "both become the Rust identifier APP_TENANT_ID"),
    ),
    Case(
        "internal-pattern-lookahead",
        Edit(
            '    pattern: "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$"',
            '    pattern: "^(?!http)[a-z]+$"',
        ),
        Found("span_naming.internal.pattern", "look-around"),
    ),
    Case(
        "internal-pattern-invalid",
        Edit('    pattern: "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$"', '    pattern: "^[a-z+$"'),
        Found("span_naming.internal.pattern", "a character class is not closed"),
    ),
    Case(
        "semconv-redefined",
        Edit("  - id: app.cart.items", "  - id: http.route"),
        Found("attributes[6].id", "semantic-convention attribute"),
    ),
    Case(
        "log-fields-same",
        Edit("    span_id: span_id", "    span_id: trace_id"),
        Found("logs.fields.span_id", "also used for trace_id"),
    ),
    Case(
        "unknown-propagator",
        Edit("  propagators: [tracecontext, baggage]", "  propagators: [w3c, baggage]"),
        Found("propagation.propagators[0]", "expected one of: tracecontext"),
    ),
    Case(
        "retry-intervals",
        Edit("    initial_interval: 1s", "    initial_interval: 1m"),
        Found("export.retry.initial_interval", "longer than max_interval"),
    ),
    Case(
        "tail-duplicate-name",
        Edit("      - name: baseline", "      - name: keep-errors"),
        Found("sampling.tail.policies[2].name", "used twice"),
    ),
    Case(
        "route-duplicate",
        Edit('    - route: "POST /checkout"', '    - route: "GET /healthz"'),
        Found("sampling.routes[1].route", "listed twice"),
    ),
    Case(
        "yes-is-boolean",
        Edit("  - term: tenant", "  - term: yes"),
        Found("glossary[0].term", "YAML reads yes/no/on/off as booleans"),
    ),
    Case(
        "bad-stability",
        Edit(
            "    stability: development\n    pii: none\n    cardinality: high\n  - id: app.feature_flags",
            "    stability: experimental\n    pii: none\n    cardinality: high\n  - id: app.feature_flags",
        ),
        Found(
            "attributes[6].stability",
            "expected one of: stable, development, deprecated",
            at="    stability: experimental",
        ),
    ),
    Case(
        "bad-topology",
        Edit(
            "  topology: agent_gateway     # single, agent, gateway or agent_gateway",
            "  topology: mesh",
        ),
        Found("collector.topology", "expected one of: single"),
    ),
    Case(
        "baggage-without-propagator",
        Edit("  propagators: [tracecontext, baggage]", "  propagators: [tracecontext]"),
        Found("propagation.propagators", "baggage propagator is off"),
    ),
    # Cases the rule checks or the bounds added later.
    Case(
        "five-mistakes-in-five-sections",
        (
            Edit("  timeout: 10s", "  timeout: ten"),
            Edit("    production: 0.1", "    production: 2"),
            Edit("    pii: secret\n", "    pii: secrte\n"),
            Edit('"{http.request.method} {http.route}"', '"{http.request.method} {url.path}"'),
            Edit("  kill_switch_env: ACME_TRACING_DISABLED", "  kill_switch_env: off"),
        ),
        Found("export.timeout", "a duration such as", at="  timeout: ten"),
        Found("sampling.environments.production", "from 0 to 1", at="    production: 2"),
        Found("attributes[4].pii", "did you mean 'secret'", at="    pii: secrte"),
        Found("span_naming.http_server.template", "high cardinality", at="{url.path}"),
        Found("incident.kill_switch_env", "booleans", at="  kill_switch_env: off"),
    ),
    Case(
        "schema-and-rule-mistakes-in-one-section",
        (
            Edit("    brief: The tenant a request is served for.", "    brief: [not, text]"),
            Edit("  - id: app.user.email", "  - id: app.user.id"),
            Edit("    examples: [3]", "    examples: [three]"),
        ),
        Found("attributes[1].brief", "expected a string", at="    brief: [not, text]"),
        Found(
            "attributes[3].id",
            "duplicate attribute id",
            at="  - id: app.user.id\n    type: string\n    brief: The end user's e-mail",
        ),
        Found("attributes[6].examples[0]", "not a value of type int", at="[three]"),
    ),
    Case(
        "duplicate-yaml-key-and-a-rule-mistake",
        (
            Edit("  rust_module: telemetry", "  rust_module: telemetry\n  rust_module: type"),
            Edit("    max_export_batch_size: 512", "    max_export_batch_size: 4096"),
        ),
        Found("codegen.rust_module", "duplicate key", at="  rust_module: type"),
        Found("codegen.rust_module", "Rust keyword", at="  rust_module: type"),
        Found(
            "export.batch.max_export_batch_size",
            "larger than the queue",
            at="max_export_batch_size: 4096",
        ),
    ),
    Case(
        "misspelt-section-hides-what-depends-on-it",
        Edit("\norganisation:\n", "\norganization:\n"),
        Found("organization", "did you mean 'organisation'"),
    ),
    Case(
        "service-name-missing",
        Edit("  - key: service.name\n", "  - key: service.instance.id\n"),
        Found(
            "resource[5].key",
            "listed twice",
            at="  - key: service.instance.id\n    requirement_level: recommended",
        ),
        Found(
            "resource",
            "service.name must be a resource attribute",
            at="service.instance.id\n    requirement_level: required",
        ),
    ),
    Case(
        "unknown-boundary-beside-a-bad-template",
        (
            Edit("span_naming:\n", "span_naming:\n  websocket:\n    template: 1\n"),
            Edit(
                '    template: "{rpc.method}"\n    fallback: "{rpc.system.name}"\n  rpc_client',
                '    template: "{rpc.metho}"\n    fallback: "{rpc.system.name}"\n  rpc_client',
            ),
        ),
        Found("span_naming.websocket", "unknown key 'websocket'", at="  websocket:"),
        Found("span_naming.rpc_server.template", "did you mean 'rpc.method'", at="{rpc.metho}"),
    ),
    Case(
        "span-fallback-and-fallbacks",
        Edit(
            '    template: "{db.query.summary}"\n    fallbacks:',
            '    template: "{db.query.summary}"\n    fallback: "{db.system.name}"\n    fallbacks:',
        ),
        Found(
            "span_naming.db.fallbacks",
            "`fallback` and `fallbacks` are both given",
            at='      - "{db.operation.name} {db.collection.name}"',
        ),
    ),
    Case(
        "span-fallbacks-unknown-attribute",
        Edit('      - "{db.operation.name}"\n', '      - "{db.operation.nme}"\n'),
        Found(
            "span_naming.db.fallbacks[4]",
            "did you mean 'db.operation.name'",
            at='      - "{db.operation.nme}"',
        ),
    ),
    Case(
        "span-fallbacks-high-cardinality",
        Edit('      - "{db.namespace}"\n', '      - "{db.query.text}"\n'),
        Found(
            "span_naming.db.fallbacks[7]",
            "high cardinality",
            at='      - "{db.query.text}"',
        ),
    ),
    Case(
        "span-fallbacks-empty",
        Edit(
            "  messaging_producer:\n"
            '    template: "{messaging.operation.name} {messaging.destination.name}"\n'
            '    fallback: "{messaging.operation.name}"\n',
            "  messaging_producer:\n"
            '    template: "{messaging.operation.name} {messaging.destination.name}"\n'
            "    fallbacks: []\n",
        ),
        Found("span_naming.messaging_producer.fallbacks", "", at="    fallbacks: []"),
    ),
    Case(
        "slo-objective-zero",
        Edit("    objective: 0.99\n", "    objective: 0\n"),
        Found("slos[1].objective", "above 0 and below 1"),
    ),
    Case(
        "env-var-trailing-newline",
        Edit("  ratio_env: ACME_TRACING_RATIO", '  ratio_env: "ACME_TRACING_RATIO\\n"'),
        Found("incident.ratio_env", "expected an environment variable name"),
    ),
    Case(
        "attribute-id-trailing-newline",
        Edit("  - id: app.plan", '  - id: "app.plan\\n"'),
        Found("attributes[5].id", "lower-case attribute id"),
    ),
    Case(
        "environment-trailing-newline",
        Edit(
            "  environments: [development, staging, production]",
            '  environments: [development, staging, "production\\n"]',
        ),
        Found("organisation.environments[2]", "a lower-case name"),
    ),
    Case(
        "integer-of-5000-digits",
        Edit("    num_traces: 50000", "    num_traces: " + "9" * 5000),
        Found("sampling.tail.num_traces", "cannot read this value"),
    ),
    Case(
        "integer-of-4000-digits",
        Edit("  cardinality_limit: 2000", "  cardinality_limit: " + "9" * 4000),
        Found("metrics.cardinality_limit", "(4000 digits), expected a number from 1 to 2147483647"),
    ),
    Case(
        "duration-too-long",
        Edit("  shutdown_timeout: 5s", "  shutdown_timeout: " + "9" * 30 + "s"),
        Found("export.shutdown_timeout", "a duration such as"),
    ),
    Case(
        "nesting-too-deep",
        nested(80),
        Found("glossary[0].definition" + "[0]" * 62, "nesting is too deep", at="definition: [["),
    ),
    Case(
        "nesting-deeper-than-the-parser-goes",
        nested(5000),
        Found("", "nesting is too deep", at="definition: [["),
    ),
]

_PATTERN = '    pattern: "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$"'
# Patterns one of Go's regexp, Python's re and the Rust runtime's matcher refuses or reads
# otherwise.
_FOREIGN_PATTERNS = {
    "verbose-flag": ("(?x)a b", "(?x)"),
    "python-end-anchor": ("a\\\\Z", "\\Z: write $"),
    "possessive": ("a++", "possessive"),
    "lazy": ("a+?", "lazy"),
    "case-flag": ("(?i)a", "[Aa]"),
    "posix-class": ("[[:lower:]]", "POSIX classes"),
    "space-class": ("\\\\s", "write the class"),
    "unicode-class": ("\\\\pL", "Unicode classes"),
    "atomic-group": ("(?>a)", "atomic groups"),
    "comment-group": ("(?#c)a", "comments"),
    "repeat-over-1000": ("\\\\d{1001}", "count over 100"),
    "named-backreference": ("(?P<n>a)(?P=n)", "named groups"),
    "class-intersection": ("[a-z&&[^q]]", "set operation"),
}
CASES += [
    Case(
        f"internal-pattern-{name}",
        Edit(_PATTERN, f'    pattern: "{pattern}"'),
        Found("span_naming.internal.pattern", text),
    )
    for name, (pattern, text) in _FOREIGN_PATTERNS.items()
]

# What a service reads at run time: resource placeholders, start-up, trust, HTTP, the hash
# key, sensitive query parameters and the admin listener.
_TEAM = "    env: ACME_TEAM\n    placeholder: unknown"
_PROXIES = "  trusted_proxies: []"
_ROUTE = '    - route: "/public/*"\n      trust: public'
_ADDRESS = "  admin_address: 127.0.0.1:7465"
_METHODS = "  known_methods: []"
_QUERY = (
    "    [AWSAccessKeyId, Signature, sig, X-Goog-Signature, X-Amz-Signature, X-Amz-Credential,\n"
    "     X-Amz-Security-Token, access_token, client_secret, api_key, apikey, token, password,\n"
    "     passwd, secret, jsessionid, JSESSIONID, PHPSESSID, phpsessid, sessionid, "
    "session_id]"
)


def _proxy(name: str, value: str, text: str) -> Case:
    return Case(
        f"trusted-proxy-{name}",
        Edit(_PROXIES, f'  trusted_proxies: ["10.0.0.0/8", "{value}"]'),
        Found("trust.trusted_proxies[1]", text),
    )


def _address(name: str, value: str, text: str) -> Case:
    return Case(
        f"admin-address-{name}",
        Edit(_ADDRESS, f'  admin_address: "{value}"'),
        Found("incident.admin_address", text),
    )


CASES += [
    Case(
        "placeholder-empty",
        Edit(_TEAM, '    env: ACME_TEAM\n    placeholder: ""'),
        Found("resource[4].placeholder", "1 to 256 characters", at='    placeholder: ""'),
    ),
    Case(
        "placeholder-control-character",
        Edit(_TEAM, '    env: ACME_TEAM\n    placeholder: "un\\x1bknown"'),
        Found("resource[4].placeholder", "without control characters", at="    placeholder: "),
    ),
    Case(
        "startup-strict-not-boolean",
        Edit("  strict: false", '  strict: "false"'),
        Found("startup.strict", "expected true or false"),
    ),
    Case(
        "startup-unknown-key",
        Edit("  strict: false", "  strcit: false"),
        Found("startup.strcit", "did you mean 'strict'"),
    ),
    Case(
        "hash-key-env-name",
        Edit("  hash_key_env: ACME_TELEMETRY_HASH_KEY", "  hash_key_env: acme-hash-key"),
        Found("privacy.hash_key_env", "expected an environment variable name"),
    ),
    Case(
        "sensitive-query-parameter-ampersand",
        Edit(_QUERY, "    [X-Amz-Signature, a&b]"),
        Found("privacy.sensitive_query_parameters[1]", "a query parameter name"),
    ),
    Case(
        "sensitive-query-parameter-twice",
        Edit(_QUERY, "    [sig, sig]"),
        Found("privacy.sensitive_query_parameters[1]", "listed twice"),
    ),
    Case(
        "trust-unknown-level",
        Edit("  http_server: internal", "  http_server: publik"),
        Found("trust.http_server", "did you mean 'public'"),
    ),
    Case(
        "trust-grpc-level-boolean",
        Edit("  grpc_server: internal", "  grpc_server: yes"),
        Found("trust.grpc_server", "YAML reads yes/no/on/off as booleans"),
    ),
    Case(
        "trust-route-without-slash",
        Edit(_ROUTE, '    - route: "public"\n      trust: public'),
        Found("trust.routes[0].route", "an http.route such as /orders/{id}"),
    ),
    Case(
        "trust-route-star-inside",
        Edit(_ROUTE, '    - route: "/public/*/orders"\n      trust: public'),
        Found("trust.routes[0].route", "a prefix such as /public/*"),
    ),
    Case(
        "trust-route-twice",
        Edit(_ROUTE, _ROUTE + '\n    - route: "/public/*"\n      trust: internal'),
        Found("trust.routes[1].route", "listed twice", at='/public/*"\n      trust: internal'),
    ),
    Case(
        "trust-route-without-trust",
        Edit(_ROUTE, '    - route: "/public/*"'),
        Found("trust.routes[0]", "missing required key 'trust'"),
    ),
    Case(
        "trust-route-nul",
        Edit(_ROUTE, '    - route: "/pub\\0lic/*"\n      trust: public'),
        Found("trust.routes[0].route", "NUL"),
    ),
    _proxy("host-bits", "192.168.1.1/16", "did you mean '192.168.0.0/16'"),
    _proxy("no-prefix", "10.1.2.3", "has no prefix length"),
    _proxy("every-ipv4-address", "0.0.0.0/0", "trusts every address"),
    _proxy("every-ipv6-address", "::/0", "trusts every address"),
    _proxy("every-mapped-ipv4-address", "::ffff:0.0.0.0/96", "trusts every address"),
    _proxy("prefix-too-long", "10.0.0.0/33", "expected a network in CIDR notation"),
    _proxy("ipv6-scope", "fe80::%eth0/64", "expected a network in CIDR notation"),
    _proxy("leading-zero", "010.0.0.0/8", "expected a network in CIDR notation"),
    _proxy("host-name", "proxy.internal/32", "expected a network in CIDR notation"),
    Case(
        "trusted-proxy-twice",
        Edit(_PROXIES, '  trusted_proxies: ["fd00::/8", "fd00::/8"]'),
        Found("trust.trusted_proxies[1]", "listed twice"),
    ),
    Case(
        "trusted-proxies-two-mistakes",
        Edit(_PROXIES, '  trusted_proxies: ["10.0.0.1/8", "0.0.0.0/0"]'),
        Found("trust.trusted_proxies[0]", "did you mean '10.0.0.0/8'"),
        Found("trust.trusted_proxies[1]", "trusts every address"),
    ),
    Case(
        "known-method-lower-case",
        Edit(_METHODS, "  known_methods: [GET, get]"),
        Found("http.known_methods[1]", "an upper-case HTTP method"),
    ),
    Case(
        "known-method-other",
        Edit(_METHODS, "  known_methods: [GET, _OTHER]"),
        Found("http.known_methods[1]", "an upper-case HTTP method"),
    ),
    Case(
        "known-method-twice",
        Edit(_METHODS, "  known_methods: [GET, POST, GET]"),
        Found("http.known_methods[2]", "listed twice"),
    ),
    Case(
        "known-method-with-space",
        Edit(_METHODS, '  known_methods: ["GET POST"]'),
        Found("http.known_methods[0]", "an upper-case HTTP method"),
    ),
    Case(
        "server-name-url",
        Edit('  server_name: ""', "  server_name: https://api.example.com"),
        Found("http.server_name", "a host name or IP address"),
    ),
    Case(
        "server-name-bad-ipv6",
        Edit('  server_name: ""', '  server_name: "::::1::"'),
        Found("http.server_name", "not an IPv6 address"),
    ),
    Case(
        "server-name-too-long",
        Edit('  server_name: ""', "  server_name: " + ".".join(["a" * 60] * 5)),
        Found("http.server_name", "at most 253 characters"),
    ),
    _address("port-leading-zero", "127.0.0.1:07465", "without leading zeros"),
    _address("host-name", "localhost:7465", "'localhost' is not an IP address"),
    _address("no-port", "127.0.0.1", "it needs a port"),
    _address("port-zero", "127.0.0.1:0", "'0' is not a port from 1 to 65535"),
    _address("port-too-large", "127.0.0.1:65536", "not a port from 1 to 65535"),
    _address("ipv6-without-brackets", "::1:7465", "goes in brackets"),
    _address("ipv4-in-brackets", "[127.0.0.1]:7465", "only an IPv6 address goes in brackets"),
    _address("ipv6-scope", "[fe80::1%eth0]:7465", "scope id"),
    _address("empty-host", ":7465", "'' is not an IP address"),
    Case(
        "admin-address-not-string",
        Edit(_ADDRESS, "  admin_address: 7465"),
        Found("incident.admin_address", "expected a string"),
    ),
    Case(
        "admin-token-env-name",
        Edit(
            "  admin_token_env: ACME_TELEMETRY_ADMIN_TOKEN",
            "  admin_token_env: ACME_TELEMETRY_ADMIN_TOKEN\\n",
        ),
        Found("incident.admin_token_env", "expected an environment variable name"),
    ),
    Case(
        "admin-token-is-the-hash-key",
        Edit(
            "  admin_token_env: ACME_TELEMETRY_ADMIN_TOKEN",
            "  admin_token_env: ACME_TELEMETRY_HASH_KEY",
        ),
        Found("incident.admin_token_env", "would name both the hash key and the admin token"),
    ),
    Case(
        "kill-switch-is-the-token-file",
        Edit(
            "  kill_switch_env: ACME_TRACING_DISABLED",
            "  kill_switch_env: ACME_TELEMETRY_ADMIN_TOKEN_FILE",
        ),
        Found(
            "incident.kill_switch_env",
            "would name both the kill switch and the file of the admin token",
        ),
    ),
    Case(
        "resource-exports-the-hash-key",
        Edit("    env: HOSTNAME", "    env: ACME_TELEMETRY_HASH_KEY"),
        Found("resource[5].env", "which holds the hash key"),
    ),
    Case(
        "trust-unknown-key",
        Edit(_PROXIES, "  trusted_proxy: []"),
        Found("trust.trusted_proxy", "did you mean 'trusted_proxies'"),
    ),
]
