"""The keys a service reads at run time: their defaults, what the model and the shared view
make of given values, and the values the loader accepts. Refusals are in the broken
corpus (tests/broken/cases.py)."""

from __future__ import annotations

import time

import pytest

from scaffold.conventions import load, load_text
from scaffold.conventions.schema import SCHEMA
from scaffold.conventions.schema_runtime import (
    DEFAULT_KNOWN_METHODS,
    DEFAULT_SENSITIVE_QUERY_PARAMETERS,
)
from scaffold.conventions.validate import check_schema
from scaffold.conventions.yamlsource import Located
from scaffold.errors import ConventionsError
from scaffold.render import RenderOptions
from scaffold.starter import StarterAnswers, starter_text
from scaffold.targets import go, rust
from scaffold.targets.shared import neutral_view
from tests.conftest import DEFAULT_CONVENTIONS

MINIMAL = """\
schema_version: 1
organisation: {name: Tiny Corp, environments: [production]}
resource: [{key: service.name, requirement_level: required, source: service}]
span_naming: {}
sampling: {environments: {production: 1.0}}
export: {protocol: grpc, endpoint: "http://localhost:4317"}
"""


def with_(extra: str) -> str:
    return MINIMAL + extra


def test_a_file_without_the_keys_gets_the_documented_defaults() -> None:
    conv = load_text(MINIMAL, "x.yaml")
    assert conv.startup.strict is False
    assert (conv.trust.http_server, conv.trust.grpc_server) == ("internal", "internal")
    assert conv.trust.routes == () and conv.trust.trusted_proxies == ()
    assert conv.http.known_methods == DEFAULT_KNOWN_METHODS and conv.http.known_methods_default
    assert conv.http.server_name == ""
    assert conv.privacy.hash_key_env == "TINY_CORP_TELEMETRY_HASH_KEY"
    assert conv.privacy.sensitive_query_parameters == DEFAULT_SENSITIVE_QUERY_PARAMETERS
    assert conv.incident.admin_address == "127.0.0.1:7465"
    assert conv.incident.admin_token_env == "TINY_CORP_TELEMETRY_ADMIN_TOKEN"
    assert conv.resource[0].placeholder == "unknown"


def test_the_semantic_conventions_sets() -> None:
    # semantic conventions v1.43.0: http.request.method and url.query / url.full.
    assert DEFAULT_KNOWN_METHODS == (
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "CONNECT",
        "OPTIONS",
        "TRACE",
        "PATCH",
        "QUERY",
    )
    assert set(DEFAULT_SENSITIVE_QUERY_PARAMETERS) == {
        "AWSAccessKeyId",
        "Signature",
        "sig",
        "X-Goog-Signature",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Amz-Security-Token",
        "access_token",
        "client_secret",
        "api_key",
        "apikey",
        "token",
        "password",
        "passwd",
        "secret",
        "jsessionid",
        "JSESSIONID",
        "PHPSESSID",
        "phpsessid",
        "sessionid",
        "session_id",
    }


def test_the_bundled_default_shows_every_key() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    assert conv.environments == ("development", "staging", "production")
    assert conv.sampling.environments == {"development": 1.0, "staging": 0.5, "production": 0.1}
    assert [(r.route, r.trust) for r in conv.trust.routes] == [("/public/*", "public")]
    assert conv.privacy.hash_key_env == "ACME_TELEMETRY_HASH_KEY"
    assert conv.incident.admin_token_env == "ACME_TELEMETRY_ADMIN_TOKEN"
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    for key in ("placeholder:", "strict:", "hash_key_env:", "sensitive_query_parameters:"):
        assert key in text
    for key in ("trusted_proxies:", "known_methods:", "server_name:", "admin_address:"):
        assert key in text
    assert conv.registry["deployment.environment.name"].stability == "stable"


def test_given_values_reach_the_model_and_the_view() -> None:
    conv = load_text(
        with_("""\
startup: {strict: true}
trust:
  http_server: public
  routes:
    - {route: "/internal/*", trust: internal}
    - {route: "shop.Orders/*", trust: public}
    - {route: "shop.Orders/Get", trust: internal}
    - {route: "/*", trust: public}
    - {route: "/orders/{id}", trust: public}
  trusted_proxies: ["10.0.0.0/8", "2001:DB8:0:0::/32", "fd00::/8", "192.168.1.7/32"]
http: {known_methods: [PURGE, GET, M-SEARCH], server_name: api.example.com}
privacy: {actions: {pii: {sdk: hash, collector: hash}, secret: {sdk: drop, collector: drop}},
          hash_key_env: K, sensitive_query_parameters: []}
incident: {kill_switch_env: OFF_SWITCH, ratio_env: RATIO, admin_address: "[::1]:9000",
           admin_token_env: TOKEN}
"""),
        "x.yaml",
    )
    view = neutral_view(conv).runtime
    assert view.strict_startup is True
    assert (view.trust_http_server_public, view.trust_grpc_server_public) == (True, False)
    assert [(r.route, r.public) for r in view.trust_routes] == [
        ("/internal/*", False),
        ("shop.Orders/*", True),
        ("shop.Orders/Get", False),
        ("/*", True),
        ("/orders/{id}", True),
    ]
    # Canonical text: lower-case, compressed IPv6.
    assert view.trusted_proxies == ("10.0.0.0/8", "2001:db8::/32", "fd00::/8", "192.168.1.7/32")
    assert view.known_methods == ("PURGE", "GET", "M-SEARCH")
    assert view.known_methods_default is False
    assert view.server_name == "api.example.com"
    # An explicit empty list switches query-parameter redaction off.
    assert (view.hash_key_env, view.sensitive_query_parameters) == ("K", ())
    assert (view.admin_address, view.admin_token_env) == ("[::1]:9000", "TOKEN")


@pytest.mark.parametrize("address", ["0.0.0.0:7465", "[::]:1", "[::1]:65535", "10.1.2.3:80"])
def test_admin_addresses_go_and_rust_both_read(address: str) -> None:
    conv = load_text(
        with_(f'incident: {{kill_switch_env: A, ratio_env: B, admin_address: "{address}"}}\n'),
        "x.yaml",
    )
    assert conv.incident.admin_address == address


def test_every_bad_network_is_reported_in_one_run() -> None:
    networks = '["10.0.0.1/8", "0.0.0.0/0", "::/0", "10.0.0.0/8", "fe80::%eth0/64"]'
    with pytest.raises(ConventionsError) as info:
        load_text(with_(f"trust: {{trusted_proxies: {networks}}}\n"), "x.yaml")
    paths = [f.path for f in info.value.findings]
    assert paths == [f"trust.trusted_proxies[{i}]" for i in (0, 1, 2, 4)]


def test_a_long_unique_list_is_checked_in_linear_time() -> None:
    """A list as long as the loader allows (100,000 values) is checked for repeats
    without comparing every pair; one repeat at the end is still found."""
    items = [f"P{i}" for i in range(99_000)] + ["P5"]
    data = {"known_methods": items}
    started = time.monotonic()
    checker = check_schema(Located(file="x.yaml", data=data), SCHEMA["properties"]["http"])
    assert time.monotonic() - started < 10
    assert [f.path for f in checker.findings] == ["known_methods[99000]"]
    assert "listed twice" in checker.findings[0].message


def test_scaffold_init_names_the_semantic_conventions_environments() -> None:
    text = starter_text(StarterAnswers())
    conv = load_text(text, "observability.yaml")
    assert conv.environments == ("development", "staging", "production")
    assert conv.sampling.environments == {"development": 1.0, "staging": 0.5, "production": 0.1}


def _render(target: str) -> str:
    conv = load(DEFAULT_CONVENTIONS)
    if target == "go":
        opts = RenderOptions(service_name="svc", target="go", mode="new")
        return str(go.build_view(conv, opts)["runtime"])
    opts = RenderOptions(service_name="svc", target="rust", mode="new")
    return str(rust.build_view(conv, opts)["runtime"])


@pytest.mark.parametrize("target", ["go", "rust"])
def test_both_language_views_carry_the_same_runtime_values(target: str) -> None:
    assert _render(target) == str(neutral_view(load(DEFAULT_CONVENTIONS)).runtime)
