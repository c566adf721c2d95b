"""What the docs say about each request boundary: span kind, what is traced, how errors
are recorded, which metric and which attributes the metric carries, and sample values
used for worked examples of span names.

Data only; scaffold/targets/docs.py turns it into the view.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Boundary:
    key: str
    title: str
    kind: str
    traced: str
    errors: str
    # Key of the duration instrument in the conventions' `metrics.instruments`, or "".
    instrument: str = ""
    # Attributes the duration metric carries (low cardinality only).
    metric_attributes: tuple[str, ...] = ()


BOUNDARIES: tuple[Boundary, ...] = (
    Boundary(
        "http_server",
        "HTTP server",
        "server",
        "Every request a service receives over HTTP: the middleware extracts the incoming "
        "W3C context, starts a server span as its child and ends it when the response is "
        "written.",
        "A 5xx response sets the span status to error and error.type; 4xx does not (the "
        "client erred, not the server). In Go services a panic is recorded as an exception "
        "event with its stack trace, then re-raised.",
        "http_server_duration",
        (
            "http.request.method",
            "http.route",
            "http.response.status_code",
            "url.scheme",
            "error.type",
        ),
    ),
    Boundary(
        "http_client",
        "HTTP client",
        "client",
        "Every outgoing HTTP call made through the generated transport or client layer: a "
        "client span, the context injected into the request headers, and only the "
        "allow-listed baggage keys.",
        "A 4xx or 5xx response, or a transport error (timeout, refused connection), sets the "
        "span status to error and error.type.",
        "http_client_duration",
        (
            "http.request.method",
            "server.address",
            "server.port",
            "url.scheme",
            "http.response.status_code",
            "error.type",
        ),
    ),
    Boundary(
        "rpc_server",
        "RPC server",
        "server",
        "Every gRPC call a service serves, through the generated stats handler or layer.",
        "Server errors (codes UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, "
        "UNAVAILABLE, DATA_LOSS) set the span status to error and error.type; the code is "
        "recorded by name as rpc.status_code. A method the service does not recognise is "
        "rpc.method _OTHER, with the called name in rpc.method_original.",
        "rpc_server_duration",
        ("rpc.system.name", "rpc.method", "rpc.status_code", "error.type"),
    ),
    Boundary(
        "rpc_client",
        "RPC client",
        "client",
        "Every gRPC call a service makes, with the context injected into the call metadata.",
        "Any code other than OK sets the span status to error and error.type. The call's "
        "duration is rpc.client.call.duration (seconds) with rpc.system.name, rpc.method, "
        "rpc.status_code, error.type, server.address and server.port.",
    ),
    Boundary(
        "db",
        "Database",
        "client",
        "Every database call made through the generated span function, with the system, "
        "operation, collection and query summary; query text only where the conventions "
        "allow it.",
        "An error returned by the driver sets the span status to error and error.type.",
        "db_duration",
        (
            "db.system.name",
            "db.operation.name",
            "db.collection.name",
            "db.namespace",
            "error.type",
        ),
    ),
    Boundary(
        "messaging_producer",
        "Message producer",
        "producer",
        "Every message sent through the generated producer function; the context is written "
        "into the message headers.",
        "A failed send sets the span status to error.",
    ),
    Boundary(
        "messaging_consumer",
        "Message consumer",
        "consumer",
        "Every message processed through the generated consumer function; the span continues "
        "the producer's trace from the message headers.",
        "An error returned by the handler sets the span status to error.",
    ),
)

BOUNDARY_BY_KEY = {b.key: b for b in BOUNDARIES}

# Values used to show what a span name looks like, when the registry has no example.
SAMPLE_VALUES: dict[str, str] = {
    "http.request.method": "GET",
    "http.route": "/orders/{id}",
    "url.scheme": "https",
    "server.address": "orders.internal",
    "server.port": "8080",
    "rpc.system.name": "grpc",
    "rpc.method": "acme.orders.v1.Orders/GetOrder",
    "db.system.name": "postgresql",
    "db.namespace": "orders",
    "db.collection.name": "orders",
    "db.operation.name": "SELECT",
    "db.query.summary": "SELECT orders customers",
    "messaging.system": "kafka",
    "messaging.destination.name": "orders.created",
    "messaging.operation.name": "send",
    "messaging.operation.type": "send",
    "messaging.consumer.group.name": "billing",
}

# Candidate internal span names, checked against the conventions' pattern on the page.
INTERNAL_CANDIDATES: tuple[str, ...] = (
    "checkout.validate",
    "cache.refresh orders",
    "render invoice/pdf",
    "ValidateCart",
    "send email to jane@example.com",
)
