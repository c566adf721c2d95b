"""Whether the crates a project already declares can be the versions the generated code
needs, in every table that builds with the module: `[dependencies]`, `[dev-dependencies]`
and their target-specific forms (`[target.'cfg(unix)'.dependencies]`). Cargo resolves one
version of a crate for them all, so an older tonic in `[dependencies]` stops the module's
tests as surely as one in `[dev-dependencies]`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.targets import cargo_semver
from scaffold.targets.cargo_edit import Crate, line_of, normal
from scaffold.targets.cargo_paths import path_problem
from scaffold.targets.cargo_semver import meets

_KINDS = ("dependencies", "dev-dependencies")


class Inherited(dict[str, Any]):
    """[workspace.dependencies] by normalised name, and where each is declared (the
    workspace root's Cargo.toml and line), so a refusal names the line to change."""

    def __init__(
        self, deps: dict[str, Any], where: dict[str, str], base: Path | None = None
    ) -> None:
        super().__init__(deps)
        self.where = where
        self.base = base  # the workspace root's folder, which its `path`s are relative to


def _tables(data: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """(key path, table) of each dependency table that builds with the module."""
    for kind in _KINDS:
        table = data.get(kind)
        if isinstance(table, dict):
            yield (kind,), table
    targets = data.get("target")
    for cfg, tables in (targets or {}).items() if isinstance(targets, dict) else ():
        for kind in _KINDS:
            table = tables.get(kind) if isinstance(tables, dict) else None
            if isinstance(table, dict):
                yield ("target", cfg, kind), table


def _shown(path: tuple[str, ...]) -> str:
    if len(path) == 3:
        return f"target.'{path[1]}'.{path[2]}"
    return ".".join(path)


def _declared_version(spec: object) -> str | None:
    """The version requirement of one dependency declaration, if it has one."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and isinstance(spec.get("version"), str):
        return str(spec["version"])
    return None  # path (judged by its own manifest), git or workspace = true


def _needed(crates: tuple[Crate, ...]) -> dict[str, Crate]:
    """The highest version each crate is needed at (by name, normalised)."""
    out: dict[str, Crate] = {}
    for crate in crates:
        have = out.get(normal(crate.name))
        if have is None or cargo_semver.version(have.version) < cargo_semver.version(crate.version):
            out[normal(crate.name)] = crate
    return out


def _judged(
    key: str, spec: object, crate: Crate, at: tuple[str, tuple[str, ...]], text: str, inherited: Any
) -> str:
    """Why the declaration `key = spec` (at table path at[1] of the manifest named at[0])
    cannot be the version `crate` names; "" when it can."""
    name, path = at
    root, base = "", Path(name).parent
    if isinstance(spec, dict) and spec.get("workspace") is True:
        spec = inherited.get(normal(key))  # [workspace.dependencies]
        if isinstance(inherited, Inherited):
            root = inherited.where.get(normal(key), "")
            base = inherited.base or base
    package = spec.get("package") if isinstance(spec, dict) else None
    other = isinstance(package, str) and normal(package) != normal(crate.name)
    requirement = _declared_version(spec)
    local = spec.get("path") if isinstance(spec, dict) else None
    found = path_problem(base, local, crate) if isinstance(local, str) and not other else ""
    if not other and not found and (requirement is None or meets(requirement, crate.version)):
        return ""
    line = line_of(text, path, normal(key))
    where = f"{name}:{line}" if line else f"{name} [{_shown(path)}]"
    if root:
        where = f"{root} (inherited by {where}, [workspace.dependencies])"
    if other:
        return (
            f"{where}: `{key}` is the crate {package} (package = {package!r}), and the "
            f"generated code names {crate.name} `{key}`: give {package} another key "
            f"(in [{_shown(path)}])"
        )
    if found:
        return (
            f"{where}: {found} (in [{_shown(path)}]; a version of that crate compatible with "
            f'{crate.version}, or the caret requirement "{crate.version}" instead of the path)'
        )
    return (
        f"{where}: {crate.name} {requirement!r} found, {crate.version} needed "
        f'(in [{_shown(path)}]; a caret requirement such as "{crate.version}" that '
        "Cargo can meet with one version, and no newer breaking one)"
    )


def check_versions(
    data: dict[str, Any], text: str, crates: tuple[Crate, ...], name: str, inherited: dict[str, Any]
) -> None:
    """Refuse (exit 2, nothing written) when a crate the project already declares, in any
    table that builds with the module, cannot be the version the generated code is
    written for: the file and line, the version found, the version needed, and the fix.
    A `path` crate's version is read from its own Cargo.toml (relative to `name`'s folder,
    or to the workspace root for an inherited one)."""
    needed = _needed(crates)
    problems: list[str] = []
    for path, table in _tables(data):
        for key, spec in table.items():
            crate = needed.get(normal(key))
            if crate is not None and (
                why := _judged(key, spec, crate, (name, path), text, inherited)
            ):
                problems.append(why)
    if problems:
        raise UsageError(
            f"{name}: the generated code needs crates this crate's dependencies exclude; "
            "nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nchange those requirements (and check your own code still builds), "
            "then run add again"
        )
