"""OpenTelemetry semantic-convention attributes scaffold knows without being told.

The stable HTTP, URL, server/client, network, error, DB and resource attributes, and the
RPC and messaging ones instrumentation commonly sets. Each row: id, type, cardinality,
pii class, stability, brief. The conventions file adds the organisation's own.
"""

from __future__ import annotations

# id, type, cardinality, pii, stability, brief
SEMCONV: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("service.name", "string", "low", "none", "stable", "Logical name of the service."),
    ("service.version", "string", "low", "none", "stable", "Version of the service."),
    ("service.namespace", "string", "low", "none", "stable", "Namespace of service.name."),
    (
        "service.instance.id",
        "string",
        "high",
        "none",
        "stable",
        "Unique id of the service instance.",
    ),
    (
        "deployment.environment.name",
        "string",
        "low",
        "none",
        "stable",
        "Deployment environment (development, test, staging, production).",
    ),
    ("host.name", "string", "high", "none", "development", "Name of the host."),
    ("http.request.method", "string", "low", "none", "stable", "HTTP request method."),
    (
        "http.request.method_original",
        "string",
        "high",
        "none",
        "stable",
        "Original HTTP method sent by the client.",
    ),
    (
        "http.request.resend_count",
        "int",
        "low",
        "none",
        "stable",
        "Ordinal number of a request resend.",
    ),
    ("http.response.status_code", "int", "low", "none", "stable", "HTTP response status code."),
    (
        "http.route",
        "string",
        "low",
        "none",
        "stable",
        "The matched route template, such as /users/{id}.",
    ),
    ("url.full", "string", "high", "pii", "stable", "Absolute URL of the request."),
    ("url.path", "string", "high", "none", "stable", "URI path component."),
    ("url.query", "string", "high", "pii", "stable", "URI query component."),
    ("url.scheme", "string", "low", "none", "stable", "URI scheme (http, https)."),
    ("server.address", "string", "low", "none", "stable", "Server domain name or address."),
    ("server.port", "int", "low", "none", "stable", "Server port number."),
    (
        "client.address",
        "string",
        "high",
        "pii",
        "stable",
        "Client address (an IP address is personal data).",
    ),
    ("client.port", "int", "high", "none", "stable", "Client port number."),
    ("user_agent.original", "string", "high", "none", "stable", "The User-Agent header value."),
    (
        "network.protocol.name",
        "string",
        "low",
        "none",
        "stable",
        "Application layer protocol (http).",
    ),
    (
        "network.protocol.version",
        "string",
        "low",
        "none",
        "stable",
        "Version of the protocol (1.1, 2).",
    ),
    (
        "network.peer.address",
        "string",
        "high",
        "pii",
        "stable",
        "Peer address of the network connection.",
    ),
    ("network.peer.port", "int", "high", "none", "stable", "Peer port number."),
    ("error.type", "string", "low", "none", "stable", "Class of error the operation ended with."),
    ("exception.type", "string", "low", "none", "stable", "Type of the exception."),
    ("exception.message", "string", "high", "none", "stable", "Exception message."),
    ("exception.stacktrace", "string", "high", "none", "stable", "Stack trace of the exception."),
    ("rpc.system.name", "string", "low", "none", "stable", "RPC system (grpc)."),
    (
        "rpc.method",
        "string",
        "low",
        "none",
        "stable",
        "Fully-qualified RPC method (pkg.Service/Method), or _OTHER when not recognised.",
    ),
    (
        "rpc.method_original",
        "string",
        "high",
        "none",
        "stable",
        "The method the caller named, when rpc.method is _OTHER.",
    ),
    (
        "rpc.status_code",
        "string",
        "low",
        "none",
        "stable",
        "RPC status code as a string (OK, NOT_FOUND).",
    ),
    (
        "db.stored_procedure.name",
        "string",
        "low",
        "none",
        "stable",
        "Name of the stored procedure called.",
    ),
    (
        "db.system.name",
        "string",
        "low",
        "none",
        "stable",
        "Database management system (postgresql).",
    ),
    ("db.namespace", "string", "low", "none", "stable", "Database name or schema."),
    ("db.collection.name", "string", "low", "none", "stable", "Table or collection name."),
    (
        "db.operation.name",
        "string",
        "low",
        "none",
        "stable",
        "Database operation (SELECT, findAndModify).",
    ),
    ("db.query.text", "string", "high", "pii", "stable", "Database query text."),
    (
        "db.query.summary",
        "string",
        "low",
        "none",
        "stable",
        "Low-cardinality summary of the query.",
    ),
    (
        "db.response.status_code",
        "string",
        "low",
        "none",
        "stable",
        "Database response status code.",
    ),
    (
        "messaging.system",
        "string",
        "low",
        "none",
        "development",
        "Messaging system (kafka, rabbitmq).",
    ),
    ("messaging.destination.name", "string", "low", "none", "development", "Topic or queue name."),
    (
        "messaging.operation.name",
        "string",
        "low",
        "none",
        "development",
        "System-specific operation name (send, poll).",
    ),
    (
        "messaging.operation.type",
        "string",
        "low",
        "none",
        "development",
        "Operation type (create, send, receive, process, settle).",
    ),
    ("messaging.message.id", "string", "high", "none", "development", "Message id."),
    (
        "messaging.consumer.group.name",
        "string",
        "low",
        "none",
        "development",
        "Consumer group name.",
    ),
    (
        "messaging.batch.message_count",
        "int",
        "high",
        "none",
        "development",
        "Number of messages in a batch.",
    ),
)

# Attributes known when a span of each boundary starts, and so usable in its name.
BOUNDARY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "http_server": (
        "http.request.method",
        "http.route",
        "url.scheme",
        "server.address",
        "server.port",
    ),
    "http_client": ("http.request.method", "server.address", "server.port", "url.scheme"),
    "rpc_server": ("rpc.system.name", "rpc.method", "server.address", "server.port"),
    "rpc_client": ("rpc.system.name", "rpc.method", "server.address", "server.port"),
    "db": (
        "db.system.name",
        "db.namespace",
        "db.collection.name",
        "db.operation.name",
        "db.query.summary",
        "db.stored_procedure.name",
        "server.address",
        "server.port",
    ),
    "messaging_producer": (
        "messaging.system",
        "messaging.destination.name",
        "messaging.operation.name",
        "messaging.operation.type",
    ),
    "messaging_consumer": (
        "messaging.system",
        "messaging.destination.name",
        "messaging.operation.name",
        "messaging.operation.type",
        "messaging.consumer.group.name",
    ),
}

# Span-name templates written before semantic conventions 1.45.0 (RPC stable) named the
# experimental RPC attributes; they load as their current equivalents: rpc.method is
# fully qualified (pkg.Service/Method) and rpc.system became rpc.system.name. Each pair is
# replaced wherever it occurs in a template.
LEGACY_TEMPLATE_PIECES: tuple[tuple[str, str], ...] = (
    ("{rpc.service}/{rpc.method}", "{rpc.method}"),
    ("{rpc.system}", "{rpc.system.name}"),
)


def modern_template(text: str) -> str:
    """A span-name template with the pre-1.45.0 RPC pieces replaced by their successors."""
    for old, new in LEGACY_TEMPLATE_PIECES:
        text = text.replace(old, new)
    return text
