"""The schema of the sections a service reads at start-up and per request: start-up
strictness, trust boundaries, HTTP method and server name, and the pieces of privacy,
incident and resource that the runtime reads (hash key, query parameters, admin listener,
placeholders). schema.py puts them in place; the rules beside them (rules_runtime.py)
check what a pattern cannot: networks, addresses, and variables that must differ.
"""

from __future__ import annotations

from scaffold.conventions.schema_types import (
    ENVIRONMENT_VARIABLE,
    Schema,
    arr,
    boolean,
    obj,
    string,
)

# The semantic conventions' default known methods (v1.43.0, http.request.method): the
# methods of RFC 9110, PATCH (RFC 5789) and QUERY, in that order.
DEFAULT_KNOWN_METHODS = (
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
# The query (and path) parameters whose values are replaced by REDACTED by default: the
# semantic conventions' list (v1.45.0, url.query and url.full), the AWS Signature Version 4
# ones, common names of secrets (OAuth tokens and client secrets, API keys, passwords) and
# of session ids (Java servlets' ;jsessionid= path parameter, PHP's PHPSESSID).
DEFAULT_SENSITIVE_QUERY_PARAMETERS = (
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
)
DEFAULT_ADMIN_ADDRESS = "127.0.0.1:7465"
TRUST_LEVELS = ["internal", "public"]

# An RFC 9110 method token in upper case; `_OTHER` (the semantic conventions' value for an
# unknown method) cannot be one, as it starts with an underscore.
METHOD = r"^[A-Z0-9!#$%&'*+.^`|~-][A-Z0-9!#$%&'*+.^_`|~-]{0,31}$"
# A query parameter name: printable ASCII without '&', '=' or '#', at most 128 characters.
QUERY_PARAMETER = '^[!"$%' + "'-<>-~]{1,128}$"
# An http.route (printable ASCII, no '*'), a prefix ending in "/*", or a gRPC service
# ("pkg.Service/*") or method ("pkg.Service/Method").
TRUST_ROUTE = (
    r"^(/[!-)+-~]*|(/[!-)+-~]*)?/\*"
    r"|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/(\*|[A-Za-z_][A-Za-z0-9_]*))$"
)
# A DNS name or an IP address (IPv6 without brackets), or nothing.
SERVER_NAME = (
    r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)?$"
)
# A resource value: one to 256 characters, none of them a control character.
PLACEHOLDER = r"^[^\x00-\x1f\x7f]{1,256}$"

RUNTIME_PATTERN_NAMES = {
    METHOD: "an upper-case HTTP method (an RFC 9110 token such as GET or PURGE)",
    QUERY_PARAMETER: "a query parameter name (printable ASCII without &, = or #)",
    TRUST_ROUTE: (
        "an http.route such as /orders/{id}, a prefix such as /public/*, "
        "or a gRPC service such as shop.Orders/*"
    ),
    SERVER_NAME: "a host name or IP address such as api.example.com",
    PLACEHOLDER: "a value of 1 to 256 characters without control characters",
}

PLACEHOLDER_SCHEMA = string("Exported when the value is missing (default unknown).", PLACEHOLDER)

STARTUP = obj(
    {
        "strict": boolean(
            "true: a bad OTEL_* value or a missing required resource value stops the "
            "service. Default false: warn once and go on with the value used."
        ),
    },
    desc="How a service reacts to bad telemetry configuration at start-up.",
)

_TRUST_LEVEL = string(
    "internal: continue the caller's trace and baggage; public: start a new trace.",
    enum=TRUST_LEVELS,
)

TRUST = obj(
    {
        "http_server": _TRUST_LEVEL,
        "grpc_server": _TRUST_LEVEL,
        "routes": arr(
            obj(
                {
                    "route": string("The route or prefix.", TRUST_ROUTE),
                    "trust": _TRUST_LEVEL,
                },
                ("route", "trust"),
            ),
            0,
            "Per-route overrides of the server's trust.",
        ),
        "trusted_proxies": arr(
            string("A network in CIDR notation, such as 10.0.0.0/8 or fd00::/8."),
            0,
            "Networks whose X-Forwarded-For, -Proto and -Host headers are believed.",
            unique=True,
        ),
    },
    desc="Which incoming trace context and baggage a service believes.",
)

HTTP = obj(
    {
        "known_methods": arr(
            string("", METHOD),
            0,
            "Known HTTP methods; empty: the semantic conventions' default set.",
            unique=True,
        ),
        "server_name": string(
            "The server name recorded as server.address; empty: the Host header.", SERVER_NAME
        ),
    },
    desc="HTTP instrumentation settings (semantic conventions HTTP).",
)

PRIVACY_RUNTIME: dict[str, Schema] = {
    "hash_key_env": ENVIRONMENT_VARIABLE,
    "sensitive_query_parameters": arr(
        string("", QUERY_PARAMETER),
        0,
        "Query parameters whose values become REDACTED in url.full and url.query.",
        unique=True,
    ),
}

INCIDENT_RUNTIME: dict[str, Schema] = {
    "admin_address": string(
        "Default host:port of the admin listener (ADMIN_ADDR wins), such as 127.0.0.1:7465."
    ),
    "admin_token_env": ENVIRONMENT_VARIABLE,
}
