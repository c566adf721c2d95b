"""HTTP span attributes the semantic conventions require (HTTP spans, stable since 1.23.0;
checked against 1.45.0): the Required ones, those Conditionally Required on a condition
verify can see, and the request method's form.

- Server spans: `http.request.method`, `url.path`, `url.scheme` Required; `error.type`
  when the request ended in an error (a 5xx, or status Error); `server.port` when
  `server.address` is set.
- Client spans: `http.request.method`, `server.address`, `server.port`, `url.full`
  Required; `error.type` when the request ended in an error (a 4xx or 5xx, or status
  Error).
- An attribute the conventions' privacy actions may remove (its class dropped, or hashed,
  at the stage checked or before it: a service without a hash key drops what it would
  hash) is not required: the conventions chose to leave it out.
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


def _dropped(ctx: Context, key: str) -> bool:
    """Whether the conventions may remove `key` by the stage verify checks."""
    attr = ctx.conv.registry.get(key)
    action = ctx.conv.privacy.actions.get(attr.pii) if attr and attr.pii != "none" else None
    if action is None:
        return False
    stages = ("sdk",) if ctx.options.stage == "sdk" else ("sdk", "collector")
    return any(getattr(action, stage, "keep") in ("drop", "hash") for stage in stages)


def _missing(
    ctx: Context, boundary: str, attributes: Attributes, status: int
) -> list[tuple[str, str]]:
    """(attribute, why) for each required attribute the span lacks."""
    out = [(key, "Required") for key in REQUIRED[boundary] if key not in attributes]
    code = _status_code(attributes)
    failed = status == STATUS_ERROR or (code is not None and code >= ERROR_FROM[boundary])
    if failed and "error.type" not in attributes:
        out.append(("error.type", "Conditionally Required when the request ended in an error"))
    if (
        boundary == "http_server"
        and "server.address" in attributes
        and "server.port" not in attributes
    ):
        out.append(("server.port", "Conditionally Required with server.address"))
    return [(key, why) for key, why in out if not _dropped(ctx, key)]


def check_http(
    ctx: Context, boundary: str, attributes: Attributes, status: int, where: Where
) -> None:
    """The required-attribute and method-form findings of one HTTP span."""
    if boundary not in REQUIRED:
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
