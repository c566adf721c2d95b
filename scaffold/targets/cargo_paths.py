"""Crates a project takes from somewhere else than the registry. A `path` dependency is
the crate in that folder (relative to the manifest declaring it): its own Cargo.toml's
version is judged as a registry requirement would be (read only, never written). A `git`
dependency's version is only known once Cargo fetches it, so `add` proceeds and says
which versions it could not check."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from scaffold.targets import cargo_semver
from scaffold.targets.cargo_edit import Crate, normal

_MAX_BYTES = 1024 * 1024
_PARENTS = 16  # how far up a path crate's workspace root is looked for


def _load(manifest: Path) -> tuple[dict[str, Any] | None, str]:
    """The parsed manifest, or None and why it could not be read."""
    try:
        if not manifest.is_file():
            return None, "there is no such file"
        if manifest.stat().st_size > _MAX_BYTES:
            return None, f"it is over {_MAX_BYTES // 1024} KiB"
        text = manifest.read_text(encoding="utf-8").removeprefix("\ufeff")
        return tomllib.loads(text), ""
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"it could not be read ({exc.__class__.__name__})"
    except tomllib.TOMLDecodeError as exc:
        return None, f"it is not valid TOML ({exc})"


def _workspace_version(folder: Path) -> str | None:
    """workspace.package.version of the workspace root above `folder`, if one says it."""
    for parent in [folder, *folder.parents][:_PARENTS]:
        data, _ = _load(parent / "Cargo.toml")
        workspace = data.get("workspace") if data else None
        if isinstance(workspace, dict):
            package = workspace.get("package")
            found = package.get("version") if isinstance(package, dict) else None
            return found if isinstance(found, str) else None
    return None


def _version(data: dict[str, Any], folder: Path) -> str | None:
    package = data.get("package")
    found = package.get("version") if isinstance(package, dict) else None
    if isinstance(found, dict) and found.get("workspace") is True:
        return _workspace_version(folder)
    return found if isinstance(found, str) else None


def path_problem(base: Path, local: str, crate: Crate) -> str:
    """Why the crate at path `local` (relative to the folder `base` of the manifest that
    declares it) cannot be the version `crate` names; "" when it can."""
    folder = base / local
    manifest = folder / "Cargo.toml"
    data, why = _load(manifest)
    at = f'path = "{local}", {os.path.normpath(manifest)}'
    if data is None:
        return f"{crate.name} is the crate at {at}, and {why}; {crate.version} needed"
    found = _version(data, folder)
    if found is None:
        return (
            f"{crate.name} is the crate at {at}, which states no version (Cargo takes it as "
            f"0.0.0); {crate.version} needed"
        )
    if cargo_semver.requirement_range(f"={found}") is None:
        return f"{crate.name} is the crate at {at}, whose version {found!r} is not one; " + (
            f"{crate.version} needed"
        )
    if cargo_semver.meets(f"={found}", crate.version):
        return ""
    return f"{crate.name} {found} found ({at}), {crate.version} needed"


def _git_crates(data: dict[str, Any], inherited: dict[str, Any]) -> dict[str, str]:
    """The git dependencies of the tables that build with the module, by normalised key."""
    out: dict[str, str] = {}
    targets = data.get("target")
    tables = (
        [data, *(t for t in targets.values() if isinstance(t, dict))]
        if isinstance(targets, dict)
        else [data]
    )
    for holder in tables:
        for kind in ("dependencies", "dev-dependencies"):
            table = holder.get(kind)
            for key, spec in table.items() if isinstance(table, dict) else ():
                if isinstance(spec, dict) and spec.get("workspace") is True:
                    spec = inherited.get(normal(key))
                if isinstance(spec, dict) and isinstance(spec.get("git"), str):
                    out[normal(key)] = spec["git"]
    return out


def unchecked_notes(dest: Path) -> tuple[str, ...]:
    """One note for each crate the generated code needs that the crate at `dest` takes
    from git: its version could not be checked (the version needed named)."""
    from scaffold.targets import rust_crates  # it imports the checks that use this module

    data, _ = _load(dest / "Cargo.toml")
    if data is None:
        return ()
    gits = _git_crates(data, rust_crates.workspace_dependencies(dest))
    needed = {
        normal(c.name): c
        for c in (*rust_crates.dependencies("http/protobuf", ()), *rust_crates.dev_dependencies(()))
    }
    return tuple(
        f"{needed[key].name} comes from git ({gits[key]}): its version could not be checked; "
        f"the generated code needs {needed[key].version} or a newer compatible one (cargo "
        "check tells)"
        for key in sorted(gits)
        if key in needed
    )
