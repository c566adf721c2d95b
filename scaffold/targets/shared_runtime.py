"""What a service reads at start-up and per request beside sampling and export: whether
bad configuration stops it, whose trace context it believes, which HTTP methods it
knows, what it redacts from URLs, and where its admin listener and secrets come from."""

from __future__ import annotations

from dataclasses import dataclass

from scaffold import __version__
from scaffold.conventions.model import Conventions
from scaffold.targets.go_modules import SCHEMA_VERSION


@dataclass(frozen=True)
class TrustRouteView:
    route: str  # an http.route, a prefix ending in "/*", or a gRPC "pkg.Service/*"
    public: bool


@dataclass(frozen=True)
class RuntimeView:
    strict_startup: bool
    hash_key_env: str
    sensitive_query_parameters: tuple[str, ...]
    trust_http_server_public: bool
    trust_grpc_server_public: bool
    trust_routes: tuple[TrustRouteView, ...]
    trusted_proxies: tuple[str, ...]
    # The resolved list: the conventions' own, else the semantic conventions' default set.
    known_methods: tuple[str, ...]
    known_methods_default: bool
    server_name: str
    admin_address: str
    admin_token_env: str
    # Every attribute key the conventions know (the semantic conventions' and the
    # organisation's), sorted: the keys a value captured implicitly may leave under.
    known_attributes: tuple[str, ...]
    # The semantic conventions schema the generated code follows (resource and scope), and
    # the instrumentation scope's version: the version of scaffold that wrote the module,
    # the same in Go and Rust (OpenTelemetry specification 1.60.0: a scope's version is
    # the instrumentation library's, and here scaffold's output is that library).
    schema_url: str = f"https://opentelemetry.io/schemas/{SCHEMA_VERSION}"
    scope_version: str = __version__


def runtime_view(conv: Conventions) -> RuntimeView:
    trust = conv.trust
    return RuntimeView(
        strict_startup=conv.startup.strict,
        hash_key_env=conv.privacy.hash_key_env,
        sensitive_query_parameters=conv.privacy.sensitive_query_parameters,
        trust_http_server_public=trust.http_server == "public",
        trust_grpc_server_public=trust.grpc_server == "public",
        trust_routes=tuple(TrustRouteView(r.route, r.trust == "public") for r in trust.routes),
        trusted_proxies=trust.trusted_proxies,
        known_methods=conv.http.known_methods,
        known_methods_default=conv.http.known_methods_default,
        server_name=conv.http.server_name,
        admin_address=conv.incident.admin_address,
        admin_token_env=conv.incident.admin_token_env,
        known_attributes=tuple(sorted(conv.registry)),
    )
