"""Whether the crates a project already declares can be the versions the generated code
needs, in every table that builds with the module: `[dependencies]`, `[dev-dependencies]`
and their target-specific forms (`[target.'cfg(unix)'.dependencies]`). Cargo resolves one
version of a crate for them all, so an older tonic in `[dependencies]` stops the module's
tests as surely as one in `[dev-dependencies]`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scaffold.errors import UsageError
from scaffold.targets import cargo_semver
from scaffold.targets.cargo_edit import Crate, line_of, normal

_KINDS = ("dependencies", "dev-dependencies")


class Inherited(dict[str, Any]):
    """[workspace.dependencies] by normalised name, and where each is declared (the
    workspace root's Cargo.toml and line), so a refusal names the line to change."""

    def __init__(self, deps: dict[str, Any], where: dict[str, str]) -> None:
        super().__init__(deps)
        self.where = where


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
    return None  # path, git or workspace = true: cargo judges it


def _needed(crates: tuple[Crate, ...]) -> dict[str, Crate]:
    """The highest version each crate is needed at (by name, normalised)."""
    out: dict[str, Crate] = {}
    for crate in crates:
        have = out.get(normal(crate.name))
        if have is None or cargo_semver.version(have.version) < cargo_semver.version(crate.version):
            out[normal(crate.name)] = crate
    return out


def check_versions(
    data: dict[str, Any], text: str, crates: tuple[Crate, ...], name: str, inherited: dict[str, Any]
) -> None:
    """Refuse (exit 2, nothing written) when a crate the project already declares, in any
    table that builds with the module, cannot be the version the generated code is
    written for: the file and line, the version found, the version needed, and the fix."""
    needed = _needed(crates)
    problems: list[str] = []
    for path, table in _tables(data):
        for key, spec in table.items():
            crate = needed.get(normal(key))
            if crate is None:
                continue
            root = ""
            if isinstance(spec, dict) and spec.get("workspace") is True:
                spec = inherited.get(normal(key))  # [workspace.dependencies]
                found = inherited.where if isinstance(inherited, Inherited) else {}
                root = found.get(normal(key), "")
            package = spec.get("package") if isinstance(spec, dict) else None
            other = isinstance(package, str) and normal(package) != normal(crate.name)
            requirement = _declared_version(spec)
            if not other and (
                requirement is None or cargo_semver.meets(requirement, crate.version)
            ):
                continue
            line = line_of(text, path, normal(key))
            where = f"{name}:{line}" if line else f"{name} [{_shown(path)}]"
            if root:
                where = f"{root} (inherited by {where}, [workspace.dependencies])"
            problems.append(
                f"{where}: `{key}` is the crate {package} (package = {package!r}), and the "
                f"generated code names {crate.name} `{key}`: give {package} another key "
                f"(in [{_shown(path)}])"
                if other
                else f"{where}: {crate.name} {requirement!r} found, {crate.version} needed "
                f'(in [{_shown(path)}]; a caret requirement such as "{crate.version}" that '
                "Cargo can meet with one version, and no newer breaking one)"
            )
    if problems:
        raise UsageError(
            f"{name}: the generated code needs crates this crate's dependencies exclude; "
            "nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nchange those requirements (and check your own code still builds), "
            "then run add again"
        )
