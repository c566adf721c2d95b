"""The binaries a crate builds, as Cargo finds them (doc.rust-lang.org/cargo, "Cargo
Targets": target auto-discovery): each `[[bin]]` entry at its `path` (else
src/bin/NAME.rs, src/bin/NAME/main.rs, or src/main.rs for the package's own name), and
unless `autobins = false`, src/main.rs (named as the package), src/bin/*.rs and
src/bin/*/main.rs. The wiring picks the one to give steps for (`pick`), and declares the
generated module from it with a `#[path]` attribute when its folder is not src/."""

from __future__ import annotations

import posixpath
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAX = 200  # binaries looked at; a crate with more is not the common shape


@dataclass(frozen=True)
class Binary:
    name: str
    rel: str  # relative to the crate, "/"-separated, normalised (may start with "../")


def _manifest(dest: Path) -> dict[str, Any]:
    try:
        raw = (dest / "Cargo.toml").read_bytes()[: 1024 * 1024]
        return tomllib.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _exists(dest: Path, rel: str) -> bool:
    return (dest / rel).is_file()


def _inferred(dest: Path, name: str, package: str) -> str:
    """The file of a `[[bin]]` entry without `path`, as Cargo infers it ("" if none)."""
    for rel in (f"src/bin/{name}.rs", f"src/bin/{name}/main.rs"):
        if _exists(dest, rel):
            return rel
    return "src/main.rs" if name == package and _exists(dest, "src/main.rs") else ""


def _auto(dest: Path, package: str) -> list[Binary]:
    found = [Binary(package, "src/main.rs")] if _exists(dest, "src/main.rs") else []
    folder = dest / "src" / "bin"
    try:
        entries = sorted(folder.iterdir())[:_MAX] if folder.is_dir() else []
    except OSError:
        entries = []
    for entry in entries:
        if entry.suffix == ".rs" and entry.is_file():
            found.append(Binary(entry.stem, f"src/bin/{entry.name}"))
        elif (entry / "main.rs").is_file():
            found.append(Binary(entry.name, f"src/bin/{entry.name}/main.rs"))
    return found


def binaries(dest: Path) -> list[Binary]:
    """The binaries of the crate at `dest`, `[[bin]]` entries first, in manifest order."""
    data = _manifest(dest)
    package = data.get("package")
    package = package if isinstance(package, dict) else {}
    name = package_name(dest)
    listed = data.get("bin")
    found: list[Binary] = []
    for entry in listed[:_MAX] if isinstance(listed, list) else []:
        given = entry.get("name") if isinstance(entry, dict) else None
        path = entry.get("path") if isinstance(entry, dict) else None
        bin_name = given if isinstance(given, str) and given else ""
        bin_name = bin_name or (name if isinstance(path, str) else "")
        rel = path if isinstance(path, str) else _inferred(dest, bin_name, name)
        if bin_name and rel:
            found.append(Binary(bin_name, posixpath.normpath(rel.replace("\\", "/"))))
    if package.get("autobins", True) is not False:
        names, rels = {b.name for b in found}, {b.rel for b in found}
        found += [b for b in _auto(dest, name) if b.name not in names and b.rel not in rels]
    return found


def package_name(dest: Path) -> str:
    package = _manifest(dest).get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name if isinstance(name, str) else ""


def pick(dest: Path, code: dict[str, str]) -> tuple[Binary | None, str]:
    """The binary to give the steps for, and what to tell about the choice ("" when the
    crate builds one); None with the reason when there is no binary to pick.
    `code` maps a binary's file to its text (comments and literals blanked)."""
    found = binaries(dest)
    if not found:
        return None, "the crate builds no binary (no src/main.rs, src/bin/*.rs or [[bin]])"
    if len(found) == 1:
        return found[0], ""
    listed = ", ".join(f"{b.name} ({b.rel})" for b in found)
    package = package_name(dest)
    named = [b for b in found if b.name == package]
    serving = [b for b in found if "axum::serve(" in code.get(b.rel, "")]
    if named:
        chosen, why = named[0], "the one named as the package"
    elif len(serving) == 1:
        chosen, why = serving[0], "the one that calls axum::serve"
    else:
        return None, (
            f"the crate builds {len(found)} binaries: {listed}; none is named as the "
            "package and not exactly one calls axum::serve, so which one serves is unclear"
        )
    return chosen, (
        f"the crate builds {len(found)} binaries: {listed}; the steps are for {chosen.name} "
        f"({chosen.rel}), {why}; to instrument another, make the same edits in its file"
    )


def module_declaration(binary: str, module: str) -> str:
    """The item declaring the generated module (src/MODULE/mod.rs) in the crate root
    `binary`: `mod MODULE;` from src/main.rs (or src/lib.rs), else with a `#[path]`
    relative to the binary's folder, as Rust resolves it for a crate root."""
    folder = posixpath.dirname(binary) or "."
    if folder == "src":
        return f"mod {module};"
    path = posixpath.relpath(f"src/{module}/mod.rs", folder)
    return f'#[path = "{path}"]\nmod {module};'
