"""`update` after the conventions renamed the generated Go package or Rust module
(`codegen.go_package`, `codegen.rust_module`): the old folder goes, so the project's own
code that still imports the old package (Go) or declares the old module (Rust) would no
longer build. Such lines are named, with the fix, before anything is written."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.paths import read_inside
from scaffold.targets.go_parts import module_sources

_MAX_RUST_FILES = 2000


def _package_dirs(paths: Iterable[str], target: str) -> set[str]:
    """The folders holding the generated package (Go) or module (Rust, a mod.rs)."""
    if target == "rust":
        return {rel.removesuffix("/mod.rs") for rel in paths if rel.endswith("/mod.rs")}
    return {rel.rsplit("/", 1)[0] for rel in paths if rel.endswith(".go") and "/" in rel}


def _rust_sources(root: Path) -> Iterator[str]:
    src = root / "src"
    if src.is_symlink() or not src.is_dir():
        return
    for count, path in enumerate(sorted(src.rglob("*.rs"))):
        if count >= _MAX_RUST_FILES:
            return
        yield path.relative_to(root).as_posix()


def _lines(root: Path, rel: str) -> list[str]:
    try:
        raw = read_inside(root, rel)
    except (UsageError, OSError):
        return []
    return [] if raw is None else raw.decode("utf-8", "replace").splitlines()


def _references(root: Path, target: str, gone: str, module_path: str) -> list[str]:
    """`file:line` of each line of the project's own code that names the `gone` folder."""
    if target == "go":
        wanted = re.compile(r'"' + re.escape(f"{module_path}/{gone}") + r'"')
        sources: Iterable[str] = module_sources(root)
    else:
        name = re.escape(gone.rsplit("/", 1)[-1])
        wanted = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?mod\s+" + name + r"\s*;")
        sources = _rust_sources(root)
    found = []
    for rel in sources:
        if rel.startswith(f"{gone}/"):
            continue
        for number, line in enumerate(_lines(root, rel), 1):
            if wanted.search(line):
                found.append(f"{rel}:{number}")
    return found


def check_renamed_refs(
    root: Path, target: str, old: Iterable[str], new: Iterable[str], module_path: str
) -> None:
    """UsageError, naming each line, when a renamed package or module is still used."""
    if target not in ("go", "rust"):
        return
    new_dirs = _package_dirs(new, target)
    for gone in sorted(_package_dirs(old, target) - new_dirs):
        found = _references(root, target, gone, module_path)
        if not found or not new_dirs:
            continue
        renamed = sorted(new_dirs)[0]
        listed = "\n".join(f"  {root / ref}" for ref in found)
        if target == "go":
            fix = f'import "{module_path}/{renamed}" instead of "{module_path}/{gone}"'
        else:
            fix = f"declare `mod {renamed.rsplit('/', 1)[-1]};` instead"
        raise UsageError(
            f"{root}: the conventions rename the generated code from {gone} to {renamed}, "
            f"and the project's own code still names the old one:\n{listed}\n"
            f"nothing was written. Change those lines ({fix}, and the package's name where "
            "it is used), then run update again"
        )
