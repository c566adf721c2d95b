"""HTTP span attributes the semantic conventions require (HTTP spans, stable since 1.23.0;
checked against 1.45.0): the Required ones, those Conditionally Required on a condition
verify can see, and the request method's form.

- Server spans: `http.request.method`, `url.path`, `url.scheme` Required; `error.type`
  when the request ended in an error (a 5xx, or status Error). (`server.port` is
  Conditionally Required "if available", which verify cannot see: otelhttp leaves out a
  default port.)
- Client spans: `http.request.method`, `server.address`, `server.port`, `url.full`
  Required; `error.type` when the request ended in an error (a 4xx or 5xx, or status
  Error).
- `http.request.method_original` when the method is `_OTHER`.
- Only spans that carry an `http.*` or `url.*` attribute are judged: a server or client
  span of another kind (a function trigger, a WebSocket, a model call) is not HTTP.
- An attribute the conventions' privacy actions drop (at the stage checked or before it)
  is not required: the conventions chose to leave it out. One they hash is required,
  hashed (a service without its hash key drops it: the message says so).
- `http.request.method` is one of the known methods exactly as registered (case
  sensitive) or `_OTHER`; the original goes to `http.request.method_original`.
"""

from __future__ import annotations

from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import STATUS_ERROR, Attributes

REQUIRED = {
    "http_server": ("http.request.method", "url.path", "url.scheme"),
    "http_client": ("http.request.method", "server.address", "server.port", "url.full"),
}
# The first status code that is an error, per side.
ERROR_FROM = {"http_server": 500, "http_client": 400}


def _status_code(attributes: Attributes) -> int | None:
    code = attributes.get("http.response.status_code")
    if code is None or code.kind != "int":
        return None
    return int(str(code.value))


def _class_action(ctx: Context, key: str) -> str:
    """What the conventions do with `key` by the stage verify checks: drop, hash, or ""."""
    attr = ctx.conv.registry.get(key)
    action = ctx.conv.privacy.actions.get(attr.pii) if attr and attr.pii != "none" else None
    if action is None:
        return ""
    stages = ("sdk",) if ctx.options.stage == "sdk" else ("sdk", "collector")
    verbs = [getattr(action, stage, "keep") for stage in stages]
    return "drop" if "drop" in verbs else "hash" if "hash" in verbs else ""


def _is_http(attributes: Attributes) -> bool:
    """Whether a server or client span is an HTTP one: it carries an http.* or url.*
    attribute (a function trigger, a WebSocket or a model call does not)."""
    return any(key.startswith(("http.", "url.")) for key in attributes)


def _missing(
    ctx: Context, boundary: str, attributes: Attributes, status: int
) -> list[tuple[str, str]]:
    """(attribute, why) for each required attribute the span lacks."""
    out = [(key, "Required") for key in REQUIRED[boundary] if key not in attributes]
    code = _status_code(attributes)
    failed = status == STATUS_ERROR or (code is not None and code >= ERROR_FROM[boundary])
    if failed and "error.type" not in attributes:
        out.append(("error.type", "Conditionally Required when the request ended in an error"))
    method = attributes.get("http.request.method")
    other = method is not None and method.value == "_OTHER"
    if other and "http.request.method_original" not in attributes:
        out.append(("http.request.method_original", "Conditionally Required with _OTHER"))
    kept = []
    for key, why in out:
        action = _class_action(ctx, key)
        if action == "drop":
            continue  # the conventions leave it out
        if action == "hash":
            why += "; its class is hashed, and a service without its hash key drops it"
        if key == "http.request.method" and "http.method" in attributes:
            why += "; the span has http.method, the name before the stable HTTP conventions"
        kept.append((key, why))
    return kept


def check_http(
    ctx: Context, boundary: str, attributes: Attributes, status: int, where: Where
) -> None:
    """The required-attribute and method-form findings of one HTTP span."""
    if boundary not in REQUIRED or not _is_http(attributes):
        return
    line = ctx.lines.naming(boundary)
    side = "server" if boundary == "http_server" else "client"
    for key, why in _missing(ctx, boundary, attributes, status):
        ctx.add(
            Level.VIOLATION,
            "http.required",
            f"an HTTP {side} span without {key} ({why} by the HTTP semantic conventions)",
            where,
            line,
            attribute=key,
        )
    method = attributes.get("http.request.method")
    if method is None or method.kind != "string":
        return
    text = str(method.value)
    if text != "_OTHER" and text not in ctx.conv.http.known_methods:
        known = ", ".join(ctx.conv.http.known_methods)
        ctx.add(
            Level.VIOLATION,
            "http.method",
            f"http.request.method is {text[:40]!r}: a known method exactly as registered "
            f"({known}) or _OTHER, with the original in http.request.method_original",
            where,
            line,
            attribute="http.request.method",
        )
