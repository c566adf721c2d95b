"""The environment variables a generated service reads: the standard `OTEL_*` ones, with
what the Go and Rust services do with each, and the ones the conventions name.

One table, read by the docs page and by the behaviour table's tests
(tests/behaviour/test_environment.py): every variable marked `read` for a language is set
by at least one behaviour row, which both languages pass with real processes.

Checked against the OpenTelemetry specification v1.60.0 (configuration/
sdk-environment-variables.md and protocol/exporter.md) and the HTTP semantic conventions
(OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS).
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.conventions.model import Conventions
from scaffold.targets.docs.environment_limits import LIMITS
from scaffold.targets.docs.environment_table import (
    BEFORE_LIMITS,
    CHECKED,
    HTTP,
    NOT_READ,
    READ,
    SDK,
    Variable,
)

__all__ = ["CHECKED", "NOT_READ", "READ", "SDK", "STANDARD", "Variable", "environment_view"]

# Every standard variable, in the page's order.
STANDARD: tuple[Variable, ...] = (*BEFORE_LIMITS, *LIMITS, *HTTP)

SPEC_VERSION = "1.60.0"


@dataclass(frozen=True)
class OwnVariable:
    name: str
    meaning: str


def own_variables(conv: Conventions) -> list[OwnVariable]:
    """The variables the conventions name, in the order a reader meets them."""
    out = [
        OwnVariable(
            conv.environment_variable,
            "The environment the service runs in; picks the sampling ratio.",
        )
    ]
    for res in conv.resource:
        if res.source == "env" and res.env:
            out.append(OwnVariable(res.env, f"The {res.key} resource attribute."))
    out.append(OwnVariable(conv.incident.kill_switch_env, "true switches tracing off."))
    out.append(OwnVariable(conv.incident.ratio_env, "Overrides the sampling ratio (0 to 1)."))
    key = conv.privacy.hash_key_env
    out.append(OwnVariable(key, "The HMAC key for attributes whose action is hash."))
    out.append(OwnVariable(key + "_FILE", f"A file holding the key, when {key} is unset."))
    token = conv.incident.admin_token_env
    out.append(OwnVariable(token, "The bearer token the admin listener requires."))
    out.append(OwnVariable(token + "_FILE", f"A file holding the token, when {token} is unset."))
    out.append(
        OwnVariable("ADMIN_ADDR", f"The admin listener (default {conv.incident.admin_address}).")
    )
    return out


def environment_view(conv: Conventions) -> dict[str, object]:
    """The docs page's data: the precedence rule, the standard table, the own variables."""
    return {
        "spec_version": SPEC_VERSION,
        "standard": [
            {
                "name": v.name,
                "meaning": v.meaning,
                "default": v.default,
                "go": v.go,
                "rust": v.rust,
                "note": v.note,
            }
            for v in STANDARD
        ],
        "own": [{"name": v.name, "meaning": v.meaning} for v in own_variables(conv)],
    }
