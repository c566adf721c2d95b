"""The crates generated Rust code needs, pinned, and edits of an existing Cargo.toml.

`scaffold new --lang rust` writes Cargo.toml from these; `scaffold add --lang rust`
merges them into the crate's own Cargo.toml with `merge_cargo_toml`: a dependency the
crate already declares keeps its requirement (judged in every table that builds with the
module, scaffold.targets.cargo_versions), missing ones are appended to the table as caret
requirements (the line edits: scaffold.targets.cargo_edit), and the result is read back
with TOML's parser. Both take the service's parts (scaffold.targets.service_parts): tonic
only comes with them.

The set is the newest mutually compatible one: all opentelemetry crates share one
version. The module bridges `tracing` to OpenTelemetry itself (bridge.rs), so
tracing-opentelemetry is not among them.
"""

from __future__ import annotations

import os
import shlex
import tomllib
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.targets.cargo_edit import Crate, line_of, not_toml10
from scaffold.targets.cargo_edit import merge_table as _merge_table
from scaffold.targets.cargo_edit import normal as _normal
from scaffold.targets.cargo_features import check_features
from scaffold.targets.cargo_members import service_member
from scaffold.targets.cargo_renames import check_renamed
from scaffold.targets.cargo_versions import Inherited, check_versions
from scaffold.targets.service_parts import OTLP_GRPC, PARTS

OTEL = "0.33.1"


# Duration histograms are bound once per attribute set (see the module's bound.rs).
_BOUND = "experimental_metrics_bound_instruments"

_TOKIO_FEATURES = ("rt-multi-thread", "macros", "net", "signal", "time", "sync", "fs")

# OTLP/HTTP is always built in (reqwest: the HTTP client instrumentation uses it too);
# OTLP/gRPC (tonic) with the `otlp-grpc` part; OTEL_EXPORTER_OTLP_PROTOCOL then chooses.
_OTLP_GRPC_FEATURES = ("grpc-tonic", "gzip-tonic", "tls-ring", "tls-roots")
_OTLP_HTTP_FEATURES = ("http-proto", "reqwest-blocking-client", "gzip-http", "trace", "metrics")
_PROTOCOLS = ("grpc", "http/protobuf")
ALL_PARTS = (*PARTS, OTLP_GRPC)


def _otlp_features(protocol: str, parts: tuple[str, ...]) -> tuple[str, ...]:
    grpc = protocol == "grpc" or "grpc" in parts or OTLP_GRPC in parts
    return (*_OTLP_GRPC_FEATURES, *_OTLP_HTTP_FEATURES) if grpc else _OTLP_HTTP_FEATURES


def dependencies(protocol: str, parts: tuple[str, ...] = ALL_PARTS) -> tuple[Crate, ...]:
    """The `[dependencies]` of the generated module and service with `parts`, sorted by
    name (the OTLP/gRPC transport only when `protocol` is grpc or a part brings it)."""
    if protocol not in _PROTOCOLS:
        raise UsageError(
            f"export.protocol {protocol!r} is not supported by the Rust target; set it to one "
            f"of {', '.join(_PROTOCOLS)} in the conventions"
        )
    return (
        Crate("axum", "0.8.9", False, ("http1", "tokio", "matched-path", "json")),
        Crate("http", "1.5.0"),
        Crate("http-body", "1.0.1"),
        # The admin listener serves each connection itself, bounded in time.
        Crate("hyper", "1.12.0", False, ("server", "http1")),
        Crate("hyper-util", "0.1.21", False, ("tokio", "service")),
        Crate("opentelemetry", OTEL, False, ("trace", "metrics", _BOUND)),
        Crate("opentelemetry-otlp", OTEL, False, _otlp_features(protocol, parts)),
        Crate("opentelemetry_sdk", OTEL, False, ("trace", "metrics", _BOUND)),
        Crate("pin-project-lite", "0.2.18"),
        # https to downstreams and collectors: rustls with the ring provider, which
        # `init` installs as the process default.
        Crate("reqwest", "0.13.5", False, ("rustls-no-provider",)),
        Crate("rustls", "0.23.46", False, ("ring", "std", "tls12")),
        Crate("serde_json", "1.0.154"),
        Crate("sha2", "0.11.1"),
        Crate("tokio", "1.54.1", True, _TOKIO_FEATURES),
        Crate("tower", "0.5.3", False),
        Crate("tracing", "0.1.44"),
        Crate("tracing-subscriber", "0.3.23", False, ("std", "registry")),
    )


def dev_dependencies(parts: tuple[str, ...] = ALL_PARTS) -> tuple[Crate, ...]:
    """The `[dev-dependencies]` of the module's own tests with `parts` (tonic for the
    `grpc` part's tests against a real tonic server)."""
    tonic = (
        Crate("tonic", "0.14.9", False, ("transport", "router", "codegen")),
        Crate("tonic-health", "0.14.9"),
    )
    return (
        Crate("bytes", "1.12.2"),
        Crate("opentelemetry_sdk", OTEL, False, ("trace", "metrics", _BOUND, "testing")),
        *(tonic if "grpc" in parts else ()),
        Crate("tower", "0.5.3", False, ("util",)),
    )


_BOM = "\ufeff"  # Cargo accepts a Cargo.toml that starts with one; an edit keeps it

# A crate's Cargo.toml is a few KiB; the largest in the wild stay far below this.
MAX_BYTES = 1024 * 1024


def too_big(name: str, size: int) -> UsageError:
    return UsageError(
        f"{name}: {size} bytes, over the {MAX_BYTES // 1024} KiB scaffold reads in a "
        "Cargo.toml; give --dir the crate's own folder, or put back its manifest from "
        "version control"
    )


def check_size(path: Path) -> None:
    """UsageError when the file at `path` is over MAX_BYTES (nothing when it is missing)."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > MAX_BYTES:
        raise too_big(str(path), size)


def read_manifest(path: Path) -> str | None:
    """The text of the Cargo.toml at `path` (None when there is none, or it is not a
    UTF-8 regular file), refused over MAX_BYTES before it is read."""
    try:
        if not path.is_file():
            return None
        check_size(path)
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def parse_cargo_toml(text: str, name: str = "Cargo.toml") -> dict[str, Any]:
    """A Cargo.toml as data (the one parser of it here), or UsageError naming the file
    (also over MAX_BYTES)."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise too_big(name, size)
    try:
        return tomllib.loads(text.removeprefix(_BOM))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(not_toml10(name, text.removeprefix(_BOM), str(exc))) from exc


def _members(workspace: Any, root: Path | None) -> list[str]:
    """The workspace's member crates, globs expanded against `root` where it is known."""
    patterns = workspace.get("members", []) if isinstance(workspace, dict) else []
    found: list[str] = []
    for pattern in (p for p in patterns if isinstance(p, str)):
        if root is not None and any(c in pattern for c in "*?["):
            hits = sorted(p for p in root.glob(pattern) if (p / "Cargo.toml").is_file())
            found += [p.relative_to(root).as_posix() for p in hits] or [pattern]
        else:
            found.append(pattern)
    return found


def package_table(data: dict[str, Any], name: str, root: Path | None = None) -> dict[str, Any]:
    """The [package] table of a parsed Cargo.toml; a workspace root is refused, naming its
    members (`scaffold add` runs in one crate)."""
    package = data.get("package")
    if isinstance(package, dict):
        return package
    if "workspace" in data:
        members = _members(data["workspace"], root)
        listed = ", ".join(members) if members else "none listed in [workspace] members"
        services = [
            f"\n  {m}: {why}: scaffold add --lang rust --dir {shlex.quote(str(root / m))}"
            for m in members
            if root is not None and (why := service_member(root / m, read_manifest))
        ]
        raise UsageError(
            f"{name} is a Cargo workspace root ([workspace] without [package]); run add in one "
            f"member crate with --dir <member> (members: {listed})"
            + (f"; the service{'s' if len(services) > 1 else ''}:" if services else "")
            + "".join(services)
        )
    raise UsageError(f"{name}: no [package] table; is this a crate? (`cargo init` makes one)")


def crate_name(text: str, name: str = "Cargo.toml", root: Path | None = None) -> str:
    """The crate's name from its Cargo.toml text, or UsageError."""
    package = package_table(parse_cargo_toml(text, name), name, root)
    crate = package.get("name")
    if not isinstance(crate, str) or not crate:
        raise UsageError(f'{name}: [package] has no name; add name = "<crate>"')
    return crate


def _wanted(protocol: str, parts: tuple[str, ...]) -> tuple[tuple[str, tuple[Crate, ...]], ...]:
    return (
        ("dependencies", dependencies(protocol, parts)),
        ("dev-dependencies", dev_dependencies(parts)),
    )


def merge_cargo_toml(
    text: str,
    protocol: str,
    name: str = "Cargo.toml",
    inherited: dict[str, Any] | None = None,
    parts: tuple[str, ...] = ALL_PARTS,
) -> str:
    """Cargo.toml `text` with every missing dependency of the generated module with
    `parts` added.

    Dependencies the crate already declares (any spelling, dotted or `[dependencies.x]`
    tables) keep their versions, and get the module's features. A byte order mark and
    CRLF line endings are kept.
    """
    bom = _BOM if text.startswith(_BOM) else ""
    crlf = "\r\n" in text
    body = text.removeprefix(bom).replace("\r\n", "\n") if crlf else text.removeprefix(bom)
    merged = _merge(body, protocol, name, inherited, parts)
    if merged == body:
        return text
    return bom + (merged.replace("\n", "\r\n") if crlf else merged)


def _merge(
    text: str,
    protocol: str,
    name: str,
    inherited: dict[str, Any] | None,
    parts: tuple[str, ...],
) -> str:
    data = parse_cargo_toml(text, name)
    package_table(data, name)
    wanted = _wanted(protocol, parts)
    check_versions(data, text, tuple(c for _, cs in wanted for c in cs), name, inherited or {})
    check_renamed(data, text, {_normal(c.name): c.version for _, cs in wanted for c in cs}, name)
    merged = text
    for table, crates in wanted:
        merged = _merge_table(merged, table, crates)
    _check_merged(data, merged, wanted, name)
    check_features(merged, text, wanted, name, inherited or {})
    return merged


def workspace_dependencies(crate: Path) -> dict[str, Any]:
    """The [workspace.dependencies] of the workspace root above `crate` (normalised names),
    which `x.workspace = true` declarations inherit; empty outside a workspace."""
    for parent in (crate.resolve(), *crate.resolve().parents):
        text = read_manifest(parent / "Cargo.toml")
        try:
            data = tomllib.loads(text.removeprefix(_BOM)) if text is not None else {}
        except tomllib.TOMLDecodeError:
            continue
        workspace = data.get("workspace")
        if isinstance(workspace, dict) and text is not None:
            deps = workspace.get("dependencies")
            found = {_normal(k): v for k, v in deps.items()} if isinstance(deps, dict) else {}
            body, root = text.removeprefix(_BOM), parent / "Cargo.toml"
            lines = {k: line_of(body, ("workspace", "dependencies"), k) for k in found}
            where = {k: f"{root}:{n}" for k, n in lines.items() if n}
            return Inherited(found, where, parent)
    return {}


def _check_merged(
    before: dict[str, Any],
    merged: str,
    tables: tuple[tuple[str, tuple[Crate, ...]], ...],
    name: str,
) -> None:
    """The edit is read back with TOML's own parser: every dependency must sit in its
    table, and nothing else may have moved (every other table, and each crate declared
    before, but for added features); else the file is left alone (exit 2)."""
    try:
        data = tomllib.loads(merged)
    except tomllib.TOMLDecodeError as exc:
        why = f"the edited file would not parse ({exc})"
        raise UsageError(_cannot_edit(name, why) + _by_hand(before, tables)) from exc
    for table, crates in tables:
        have = {_normal(k) for k in (data.get(table) or {})}
        missing = [c for c in crates if _normal(c.name) not in have]
        if missing:
            raise UsageError(
                _cannot_edit(name, f"they would not land in [{table}]") + _by_hand(before, tables)
            )
    edited = {t for t, _ in tables}
    moved = sorted(k for k in {*before, *data} - edited if before.get(k) != data.get(k))
    for table in edited:
        old, new = before.get(table) or {}, data.get(table) or {}
        moved += [f"{table}.{k}" for k, v in old.items() if not _same_but_features(v, new.get(k))]
    if moved:
        why = f"{', '.join(moved)} would change"
        raise UsageError(_cannot_edit(name, why) + _by_hand(before, tables))


def _by_hand(before: dict[str, Any], tables: tuple[tuple[str, tuple[Crate, ...]], ...]) -> str:
    """The lines to add by hand: caret requirements, like every edit add makes."""
    out = []
    for table, crates in tables:
        have = {_normal(k) for k in (before.get(table) or {})}
        lines = [c.toml(pin=False) for c in crates if _normal(c.name) not in have]
        out += [f"\n  under [{table}]: {line}" for line in lines]
    return "".join(out) or " every crate is declared; only features are missing"


def _same_but_features(old: object, new: object) -> bool:
    if isinstance(old, str) and isinstance(new, dict):
        old = {"version": old}
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return old == new
    rest = {k: v for k, v in new.items() if k != "features"}
    features = new.get("features", [])
    had = old.get("features", [])
    kept = isinstance(features, list) and features[: len(had)] == had
    return kept and rest == {k: v for k, v in old.items() if k != "features"}


def _cannot_edit(name: str, why: str) -> str:
    return (
        f"{name}: cannot add the dependencies safely: {why}; nothing was written; add them "
        "by hand (and the module's features to those you declare), then run add again:"
    )


def lock_note(crate: Path) -> str | None:
    """What `add` says about the Cargo.lock of the crate's workspace (which it never edits)
    after adding dependencies: a `--locked` build refuses the lock until cargo records them."""
    for parent in (crate, *crate.resolve().parents):
        lock = parent / "Cargo.lock"
        if os.path.lexists(lock):
            return (
                f"{lock}: not changed; run `cargo check` once without --locked (cargo adds the "
                "new dependencies to it and keeps the versions locked where they still fit) and "
                "commit it, as a "
                "--locked or --frozen build refuses it until then"
            )
    return None
