"""What `scaffold new` and `scaffold add` return, and the service-name rule they share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scaffold import naming
from scaffold.conventions import Located
from scaffold.errors import UsageError
from scaffold.render import RenderOptions
from scaffold.sync import ApplyResult
from scaffold.wiring import Wiring

_SERVICE_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class ServiceResult:
    conventions: Located
    dest: Path
    options: RenderOptions
    result: ApplyResult
    # Project files `add` extended so the generated code builds (go.mod, Cargo.toml, ...).
    edited: tuple[str, ...] = ()
    renamed_from: str = ""  # `add --name` on a service: its previous name
    notes: tuple[str, ...] = ()  # what changed in the project files that the team should know
    wiring: Wiring | None = None  # add: the edits left to connect the code (or made, --wire)
    wired: tuple[str, ...] = ()  # add --wire: the service's own files it edited
    wire_only: bool = False  # add --wire in a service added before: only the wiring


def check_service_name(name: str) -> str:
    if not isinstance(name, str) or not _SERVICE_NAME.fullmatch(name):
        raise UsageError(
            f"service name {name!r} is not valid: start with a lower-case letter, then lower-case "
            "letters, digits and '-', at most 63 characters (e.g. payments-api)"
        )
    ident = name.replace("-", "_")
    if naming.go_reserved(ident) or naming.rust_reserved(ident):
        raise UsageError(
            f"service name {name!r} is a Go or Rust reserved word; choose another (e.g. {name}-svc)"
        )
    return name
