"""The crates generated Rust code needs, pinned, and edits of an existing Cargo.toml.

`scaffold new --lang rust` writes Cargo.toml from these; `scaffold add --lang rust`
merges them into the crate's own Cargo.toml with `merge_cargo_toml`: a dependency the
crate already declares is left as it is, missing ones are appended to the table. Both
take the service's parts (scaffold.targets.service_parts): tonic only comes with them.

The set is the newest mutually compatible one: all opentelemetry crates share one
version. The module bridges `tracing` to OpenTelemetry itself (bridge.rs), so
tracing-opentelemetry is not among them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.render.filters import toml_string
from scaffold.targets import cargo_semver
from scaffold.targets.cargo_renames import check_renamed
from scaffold.targets.service_parts import OTLP_GRPC, PARTS

OTEL = "0.33.1"


@dataclass(frozen=True)
class Crate:
    name: str
    version: str
    default_features: bool = True
    features: tuple[str, ...] = ()

    def toml(self, *, pin: bool = True) -> str:
        """The dependency line: `name = { version = "=x", ... }` (a new service's exact
        pins), or with a caret requirement "x" (`add`: Cargo may pick any compatible
        version a workspace already uses)."""
        fields = [f"version = {toml_string(('=' if pin else '') + self.version)}"]
        if not self.default_features:
            fields.append("default-features = false")
        if self.features:
            fields.append("features = [" + ", ".join(toml_string(f) for f in self.features) + "]")
        return f"{self.name} = {{ {', '.join(fields)} }}"


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


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[=.]""")


def _normal(name: str) -> str:
    return name.replace("_", "-").lower()


def _declared(lines: list[str], start: int, end: int) -> set[str]:
    names: set[str] = set()
    for line in lines[start:end]:
        match = _KEY.match(line)
        if match:
            names.add(_normal(next(g for g in match.groups() if g)))
    return names


def _with_features(line: str, crate: Crate) -> str:
    """A one-line dependency declaration with the crate's features added, or the line
    unchanged when it has them all (or is not a one-line declaration)."""
    key, sep, value = line.partition("=")
    try:
        spec = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        return line
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        return line
    have = list(spec.get("features", []))
    missing = [f for f in crate.features if f not in have]
    if not missing:
        return line
    fields = [f"{k} = {_toml_value(v)}" for k, v in spec.items() if k != "features"]
    fields.append("features = [" + ", ".join(toml_string(f) for f in have + missing) + "]")
    return f"{key.rstrip()} {sep} {{ {', '.join(fields)} }}"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(value)


_INHERITED = re.compile(r"^(\s*)([A-Za-z0-9_-]+)\.workspace\s*=\s*true\s*(#.*)?$")


def _add_features(lines: list[str], start: int, end: int, crates: tuple[Crate, ...]) -> None:
    wanted = {_normal(c.name): c for c in crates if c.features}
    for index in range(start, end):
        inherited = _INHERITED.match(lines[index])
        crate = wanted.get(_normal(inherited.group(2))) if inherited else None
        if inherited and crate is not None:
            # `x.workspace = true`: the workspace's features, and the module's added to them.
            features = ", ".join(toml_string(f) for f in crate.features)
            comment = f" {inherited.group(3)}" if inherited.group(3) else ""
            lines[index] = (
                f"{inherited.group(1)}{inherited.group(2)} = "
                f"{{ workspace = true, features = [{features}] }}{comment}"
            )
            continue
        match = _KEY.match(lines[index])
        if not match or not lines[index].split("#", 1)[0].rstrip().endswith(("}", '"', "'")):
            continue
        crate = wanted.get(_normal(next(g for g in match.groups() if g)))
        if crate is not None and "." not in lines[index].split("=", 1)[0]:
            lines[index] = _with_features(lines[index], crate)


def _merge_table(text: str, table: str, crates: tuple[Crate, ...]) -> str:
    lines = text.splitlines()
    start = end = -1
    declared: set[str] = set()
    for index, line in enumerate(lines):
        match = _TABLE.match(line)
        if not match:
            continue
        name = match.group(1).strip()
        if start >= 0 and end < 0:
            end = index
        if name == table:
            start, end = index + 1, -1
        elif name.startswith(table + "."):
            # `[dependencies.serde]` style: the crate is declared.
            declared.add(_normal(name[len(table) + 1 :].strip().strip("\"'")))
    if start >= 0 and end < 0:
        end = len(lines)
    if start >= 0:
        declared |= _declared(lines, start, end)
        _add_features(lines, start, end, crates)
    missing = [c.toml(pin=False) for c in crates if _normal(c.name) not in declared]
    if not missing:
        return "\n".join(lines) + "\n"
    if start < 0:
        block = ["", f"[{table}]", *missing]
        return "\n".join([*lines, *block]).strip("\n") + "\n"
    # Insert after the table's last non-blank line.
    insert_at = end
    while insert_at > start and not lines[insert_at - 1].strip():
        insert_at -= 1
    merged = lines[:insert_at] + missing + lines[insert_at:]
    return "\n".join(merged) + "\n"


def parse_cargo_toml(text: str, name: str = "Cargo.toml") -> dict[str, Any]:
    """A Cargo.toml as data (the one parser of it here), or UsageError naming the file."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{name}: not valid TOML: {exc}; fix it first (`cargo metadata` agrees)"
        ) from exc


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
        raise UsageError(
            f"{name} is a Cargo workspace root ([workspace] without [package]); run add in one "
            f"member crate with --dir <member> (members: {listed})"
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
    tables) keep their versions; a one-line declaration gets the module's features.
    """
    data = parse_cargo_toml(text, name)
    package_table(data, name)
    wanted = _wanted(protocol, parts)
    _check_versions(data, text, wanted, name, inherited or {})
    check_renamed(data, text, {_normal(c.name) for _, cs in wanted for c in cs}, name)
    merged = text
    for table, crates in wanted:
        merged = _merge_table(merged, table, crates)
    _check_merged(merged, wanted, name)
    return merged


def workspace_dependencies(crate: Path) -> dict[str, Any]:
    """The [workspace.dependencies] of the workspace root above `crate` (normalised names),
    which `x.workspace = true` declarations inherit; empty outside a workspace."""
    for parent in (crate.resolve(), *crate.resolve().parents):
        try:
            data = tomllib.loads((parent / "Cargo.toml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        workspace = data.get("workspace")
        if isinstance(workspace, dict):
            deps = workspace.get("dependencies")
            return {_normal(k): v for k, v in deps.items()} if isinstance(deps, dict) else {}
    return {}


def _declared_version(spec: object) -> str | None:
    """The version requirement of one dependency declaration, if it has one."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and isinstance(spec.get("version"), str):
        return str(spec["version"])
    return None  # path, git or workspace = true: cargo judges it


def _line_of(text: str, table: str, crate: str) -> int:
    """The 1-based line declaring `crate` in `table` (0 when it cannot be told)."""
    current = ""
    for index, line in enumerate(text.splitlines(), 1):
        match = _TABLE.match(line)
        if match:
            current = match.group(1).strip()
            if _normal(current) == _normal(f"{table}.{crate}"):
                return index
            continue
        key = _KEY.match(line)
        if current == table and key and _normal(next(g for g in key.groups() if g)) == crate:
            return index
    return 0


def _check_versions(
    data: dict[str, Any],
    text: str,
    tables: tuple[tuple[str, tuple[Crate, ...]], ...],
    name: str,
    inherited: dict[str, Any],
) -> None:
    """Refuse (exit 2, nothing written) when a crate the project already declares cannot
    be the version the generated code is written for: found, needed, and the fix."""
    problems: list[str] = []
    for table, crates in tables:
        declared = {_normal(k): v for k, v in (data.get(table) or {}).items()}
        for crate in crates:
            spec = declared.get(_normal(crate.name))
            if isinstance(spec, dict) and spec.get("workspace") is True:
                spec = inherited.get(_normal(crate.name))  # [workspace.dependencies]
            requirement = _declared_version(spec)
            if requirement is None or cargo_semver.meets(requirement, crate.version):
                continue
            line = _line_of(text, table, _normal(crate.name))
            where = f"{name}:{line}" if line else f"{name} [{table}]"
            problems.append(
                f"{where}: {crate.name} {requirement!r} found, {crate.version} needed "
                f'(a requirement such as "{crate.version}" that Cargo can meet with one version)'
            )
    if problems:
        raise UsageError(
            f"{name}: the generated code needs crate versions this crate's requirements exclude; "
            "nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nchange those requirements (and check your own code still builds), "
            "then run add again"
        )


def _check_merged(
    merged: str, tables: tuple[tuple[str, tuple[Crate, ...]], ...], name: str
) -> None:
    """The edit is read back with TOML's own parser: every dependency must sit in its
    table, and nothing else may have moved; else the file is left alone (exit 2)."""
    try:
        data = tomllib.loads(merged)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(_cannot_edit(name, f"the edited file would not parse ({exc})")) from exc
    for table, crates in tables:
        have = {_normal(k) for k in (data.get(table) or {})}
        missing = [c for c in crates if _normal(c.name) not in have]
        if missing:
            lines = "; ".join(c.toml() for c in missing)
            raise UsageError(
                _cannot_edit(name, f"they would not land in [{table}]")
                + f" (add under [{table}]: {lines})"
            )


def _cannot_edit(name: str, why: str) -> str:
    return f"{name}: cannot add the dependencies safely: {why}; add them by hand and run again"
