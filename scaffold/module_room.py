"""`add` and `update`: the folder the generated package (Go) or module (Rust) goes into
must not hold the project's own package or module of the same name.

Go compiles every `.go` file of a folder as one package, so a file of the project's own
`internal/telemetry` next to the generated ones redeclares names or mixes packages. Rust
finds a module at `src/telemetry.rs` or `src/telemetry/mod.rs`; both is error E0761. A
file that carries scaffold's generated header is scaffold's own (a folder whose lock was
lost, say) and is not in the way: `--force` rewrites it as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.render.headers import is_generated
from scaffold.sync.paths import lexists

_SOURCE = {"go": ".go", "rust": ".rs"}
_KEY = {"go": "codegen.go_package", "rust": "codegen.rust_module"}
_MAX_READ = 64 * 1024
_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)


def _folders(paths: Iterable[str]) -> list[str]:
    """The folders the render writes source files into (`internal/telemetry`)."""
    return sorted({rel.rsplit("/", 1)[0] for rel in paths if "/" in rel})


def _own_files(
    dest: Path, folder: str, suffix: str, rendered: set[str], *, update: bool
) -> list[str]:
    """The source files in `dest/folder` that scaffold did not generate; with `update`
    into a folder that holds generated files, only Go files whose package clause is not
    the generated files' (a folder of two packages does not build; a file the team added
    to the package is theirs). For add, a file with the generated header counts as
    scaffold's only at a path the render writes: a generated file copied in from another
    service or kept under another name would be built beside the render's own."""
    path = dest / folder
    if path.is_symlink() or not path.is_dir():
        return []
    own: dict[str, str] = {}  # path -> package clause
    ours: set[str] = set()
    for entry in sorted(path.iterdir()):
        if entry.suffix != suffix or entry.is_dir():
            continue
        if entry.is_symlink() or not entry.is_file():
            own[f"{folder}/{entry.name}"] = ""
            continue
        with entry.open("rb") as handle:
            head = handle.read(_MAX_READ).decode("utf-8", errors="replace")
        clause = _PACKAGE.search(head)
        package = clause.group(1).removesuffix("_test") if clause else ""
        if is_generated(head) and (update or f"{folder}/{entry.name}" in rendered):
            ours.add(package)
        else:
            own[f"{folder}/{entry.name}"] = package
    if not update or not ours:
        # No generated file there yet (a package the conventions renamed, say): every
        # source file in it is the project's own package, as for add.
        return list(own)
    return [rel for rel, package in own.items() if package and package not in ours]


def _module_files(dest: Path, paths: Iterable[str]) -> list[str]:
    """Rust: `src/telemetry.rs` beside a module folder `src/telemetry/` (with a mod.rs)."""
    folders = [rel.removesuffix("/mod.rs") for rel in paths if rel.endswith("/mod.rs")]
    return [f"{folder}.rs" for folder in sorted(folders) if lexists(dest / f"{folder}.rs")]


def check_module_room(
    dest: Path, target: str, paths: Iterable[str], *, update: bool = False
) -> None:
    """UsageError, naming every path in the way and the way out, when the project's own
    package or module sits where the generated one goes. With `update` (a folder scaffold
    already made), files the team added to the generated folder are theirs to keep; only
    what never builds is refused: a Rust module file beside the folder, a Go file of
    another package in it."""
    if target not in _SOURCE:
        return
    paths = list(paths)
    rendered = set(paths)
    folders = _folders(paths)
    found = _module_files(dest, paths) if target == "rust" else []
    if target == "go" or not update:
        for folder in folders:
            found.extend(_own_files(dest, folder, _SOURCE[target], rendered, update=update))
    if not found:
        return
    listed = "\n".join(f"  {dest / rel}" for rel in found)
    first = Path(found[0])
    name = first.stem if first.suffix == ".rs" and first.parent.name == "src" else first.parent.name
    kind = "package" if target == "go" else "module"
    verb = "update (or check)" if update else "add"
    raise UsageError(
        f"{dest}: the project has its own {kind} {name!r} where scaffold puts the generated "
        f"one (files this render does not write, which it neither overwrites nor builds "
        f"beside; a generated file copied from elsewhere or renamed counts too):\n"
        f"{listed}\n"
        f"nothing was written. Rename or move yours (or delete it, if the generated {kind} "
        f"replaces it), or set {_KEY[target]} in the conventions to another name (with no "
        f"conventions file yet, `scaffold init --defaults` writes observability.yaml, "
        f"which add and update find here or in a parent folder, or take with -c); then run "
        f"{verb} again"
    )
