"""Which members of a Cargo workspace are services: a binary (src/main.rs or a [[bin]])
that depends on an HTTP or gRPC server crate. `add` at a workspace root names them, so
the `--dir` to give is plain."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from scaffold.sync.paths import lexists

SERVER_CRATES = ("axum", "hyper", "tonic", "actix-web", "warp", "poem", "salvo", "rocket")


def _server_crate(data: dict[str, Any]) -> str:
    """The first server crate the manifest depends on (any dependency table), or ''."""
    tables: list[Any] = [data.get("dependencies")]
    targets = data.get("target")
    if isinstance(targets, dict):
        tables += [t.get("dependencies") for t in targets.values() if isinstance(t, dict)]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for key, spec in table.items():
            package = spec.get("package", key) if isinstance(spec, dict) else key
            if isinstance(package, str) and package.replace("_", "-") in SERVER_CRATES:
                return package
    return ""


def service_member(crate: Path, read: Any) -> str:
    """Why the member at `crate` is a service ('binary, depends on axum'), or ''. `read`
    reads a manifest (rust_crates.read_manifest: None when it cannot be read)."""
    text = read(crate / "Cargo.toml")
    if text is None:
        return ""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError:
        return ""
    binary = lexists(crate / "src" / "main.rs") or bool(data.get("bin"))
    server = _server_crate(data)
    return f"a binary that depends on {server}" if binary and server else ""
