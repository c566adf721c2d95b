"""Where the collector listens, and how it trusts the backends it sends to.

Listening: every listener (OTLP gRPC and HTTP receivers, health check, the collector's
own metrics) binds to `${env:OTELCOL_LISTEN_ADDRESS:-<address>}`. The address written
into the config is `localhost` unless `--listen-address` says otherwise, so a collector
started as rendered is reachable from its own host only; the deployment sets the
variable to the address its clients reach (an agent on a node: the node's address; a
gateway behind a service: the pod's address). Nothing binds every interface unless
someone asks for `0.0.0.0` by name. zpages stays on localhost: it is a debugging page.
"""

from __future__ import annotations

import ipaddress
import re

from scaffold.errors import UsageError

LISTEN_ENV = "OTELCOL_LISTEN_ADDRESS"
DEFAULT_LISTEN = "localhost"
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def check_listen_address(address: str) -> str:
    """`address` if it is an IPv4 address or a host name, else a UsageError."""
    try:
        ipaddress.IPv4Address(address)
        return address
    except ValueError:
        pass
    labels = address.split(".")
    if len(address) <= 253 and all(_LABEL.match(x) for x in labels) and not labels[-1].isdigit():
        return address
    raise UsageError(
        f"--listen-address {address!r}: give an IPv4 address or a host name, "
        "e.g. 127.0.0.1, localhost or 0.0.0.0 (every interface)"
    )


def listen_host(address: str) -> str:
    """The host part every listener binds to: the environment's, else `address`."""
    return f"${{env:{LISTEN_ENV}:-{check_listen_address(address)}}}"
