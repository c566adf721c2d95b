"""`scaffold add --lib`: an existing Go module or Rust crate depends on the library.

The module's go.mod (require, and `replace` with --lib-path; go.sum gets the library's
own requirements' checksums) or the crate's Cargo.toml (one dependency line, caret
requirement, `path` with --lib-path) are edited once by `add`, like the dependencies of a
vendored `add`. They stay the team's files: the lock does not track them. What it records
(`options.extra["library_lines"]`) is the exact lines that name the library, so that
`update` can move those lines, and only those, to the library's current version:

- every recorded line is still in the file, once: it is replaced by the new one;
- a recorded line is gone or doubled (the team changed it): nothing is written, and the
  service fails naming the file and the line (the team moves it, or restores it).
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.render.options import RenderOptions
from scaffold.sync.paths import read_inside
from scaffold.sync.results import Refusal
from scaffold.targets import go_modules
from scaffold.targets.cargo_edit import Crate
from scaffold.targets.cargo_edit import merge_table as _merge_table
from scaffold.targets.library_ref import LibraryRef, library_ref
from scaffold.targets.library_version import base_module
from scaffold.targets.rust_crates import parse_cargo_toml

LINES = "library_lines"
_PACKAGE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def project_file(lang: str) -> str:
    return "go.mod" if lang == "go" else "Cargo.toml"


def _replace_target(ref: LibraryRef) -> str:
    return ref.path if ref.path.startswith(("../", "./")) else f"./{ref.path}"


def _rust_line(ref: LibraryRef) -> str:
    path = f', path = "{ref.path}"' if ref.path else ""
    return f'{ref.name} = {{ version = "{ref.version}"{path} }}'


def _go_require(text: str, ref: LibraryRef) -> str:
    wanted = [ref.name, f"v{ref.version}"]
    for raw in text.splitlines():
        words = raw.split("//", 1)[0].split()
        if words[-2:] == wanted and words[:-2] in ([], ["require"]):
            return raw
    raise UsageError(f"go.mod: no require line for {ref.name} v{ref.version} after the edit")


def _cargo_names(words: list[str]) -> list[str]:
    """The crate names a Cargo.toml line (split in words, '=' a space) may name: its key,
    the last part of a dotted key or of a table header (`[dependencies.NAME]`,
    `[target.'cfg(unix)'.dependencies."NAME"]`), and a renamed dependency's `package`."""
    if not words:
        return []
    first = words[0]
    if first.startswith("["):
        first = " ".join(words).strip("[] ")
    names = [first.rsplit(".", 1)[-1].strip()]
    names += [
        after.strip(",{}") for word, after in pairwise(words) if word.strip("{,") == "package"
    ]
    return names


def _refuse_present(lang: str, text: str, name: str, file: str) -> None:
    """`add --lib` on a project that names the library already: the team did it by hand."""

    def key(word: str) -> str:
        word = word.strip("\"`'")
        return base_module(word) if lang == "go" else word.replace("_", "-").lower()

    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("//", 1)[0].split("#", 1)[0].replace("=", " ").split()
        named = words if lang == "go" else _cargo_names(words)
        if any(key(w) == key(name) for w in named):
            raise UsageError(
                f"{file}:{number}: already names the library {name}; remove that line (and "
                "any replace or path for it) and run `scaffold add --lib` again, or leave "
                "the project as it is"
            )


def go_edits(
    go_mod: str, go_sum: str, ref: LibraryRef, *, b3: bool, name: str
) -> tuple[dict[str, str], list[str], list[str]]:
    """go.mod and go.sum with the library required (and replaced with --lib-path), in
    `go mod tidy` form: the library direct, what it requires indirect; the lines that
    name the library; the notes for the team."""
    go_modules.parse_go_mod(go_mod, name)
    _refuse_present("go", go_mod, ref.name, name)
    requires = [go_modules.Require(ref.name, f"v{ref.version}")]
    requires += [replace(r, indirect=True) for r in go_modules.direct_requires(b3=b3)]
    text, notes = go_modules.merge_go_mod_notes(go_mod, requires, name)
    alone = f"require (\n\t{ref.name} v{ref.version}\n)\n"
    if alone in text:  # `go mod tidy` writes a block of one requirement as one line
        text = text.replace(alone, f"require {ref.name} v{ref.version}\n", 1)
    lines = [_go_require(text, ref)]
    if ref.path:
        lines.append(f"replace {ref.name} => {_replace_target(ref)}")
        text = text.rstrip("\n") + "\n\n" + lines[-1] + "\n"
    from scaffold.resources import runtime_root

    pinned = (runtime_root() / "go" / "go.sum").read_text(encoding="utf-8")
    return {"go.mod": text, "go.sum": go_modules.merge_go_sum(go_sum, pinned)}, lines, notes


def rust_edits(cargo: str, ref: LibraryRef, *, name: str) -> tuple[dict[str, str], list[str]]:
    """Cargo.toml with the library as a dependency (a caret requirement, `path` with
    --lib-path), and the line that names it."""
    parse_cargo_toml(cargo, name)
    _refuse_present("rust", cargo, ref.name, name)
    plain = Crate(ref.name, ref.version).toml(pin=False)
    merged = _merge_table(cargo, "dependencies", (Crate(ref.name, ref.version),))
    line = _rust_line(ref)
    if merged.splitlines().count(plain) != 1:
        raise UsageError(f"{name}: could not add the dependency line {line}")
    edited = merged.replace(plain, line, 1)
    parse_cargo_toml(edited, name)
    return {"Cargo.toml": edited}, [line]


def refuse_vendored(lang: str, dest: Path, opts: RenderOptions) -> None:
    """`add --lib` in a service that already vendors the package: refused, with the steps
    (docs/library.md, "A vendored service moves to the library")."""
    if library_ref(opts) is not None:
        raise UsageError(
            f"{dest} depends on the library already; `scaffold update` moves it to the "
            "library's current version"
        )
    folder = "internal/<package>" if lang == "go" else "src/telemetry"
    raise UsageError(
        f"{dest} vendors the instrumentation (a scaffold service); add --lib does not move it. "
        f"To move it to the library: delete {folder} and .scaffold/, undo the dependencies "
        "add put in "
        f"{project_file(lang)} if you like, run `scaffold add --lib ...` again, and change "
        "the imports of the package to the library (docs/library.md)"
    )


def recorded(opts: RenderOptions) -> list[str] | None:
    """The lines `add --lib` (or the last update) wrote, from the lock; None for a
    service whose project file is rendered (new --lib) or that has no library."""
    raw: Any = opts.extra.get(LINES)
    if raw is None:
        return None
    ref = library_ref(opts)
    if (
        ref is None
        or not isinstance(raw, list)
        or not all(isinstance(x, str) for x in raw)
        or raw != _expected(ref, raw)
    ):
        raise UsageError(
            f"the lock: options.extra.{LINES} must be the lines that name the library "
            "at the version the lock records; restore the lock from version control, "
            "never edit it"
        )
    return [str(x) for x in raw]


def _expected(ref: LibraryRef, raw: list[Any]) -> list[str]:
    """The lines a lock may record for `ref` (Go: the require line in either form, as
    `raw` has it; then the replace line exactly when there is a path)."""
    if ref.lang == "rust":
        return [_rust_line(ref)]
    require = f"{ref.name} v{ref.version}"
    first = raw[0] if raw and raw[0] in (f"\t{require}", f"require {require}") else ""
    return [first] + ([f"replace {ref.name} => {_replace_target(ref)}"] if ref.path else [])


def moved_lines(lang: str, old: list[str], was: LibraryRef, now: LibraryRef) -> list[str]:
    """The recorded lines for the library at `now` (the require's form is kept)."""
    if lang == "rust":
        return [_rust_line(now)]
    lines = [old[0].replace(f"{was.name} v{was.version}", f"{now.name} v{now.version}", 1)]
    if len(old) > 1:
        lines.append(f"replace {now.name} => {_replace_target(now)}")
    return lines


def move_project(
    root: Path, lang: str, old: list[str], new: list[str]
) -> tuple[bytes, bytes] | str:
    """The project file before and after its library lines move from `old` to `new`, or
    why not (naming the line) when the team changed one of them."""
    file = project_file(lang)
    raw = read_inside(root, file)
    if raw is None:
        return f"missing; the library dependency in it cannot be moved to {new[0].strip()!r}"
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    for before, after in zip(old, new, strict=True):
        found = [i for i, line in enumerate(lines) if line.rstrip("\r") == before]
        if len(found) == 1:
            ending = "\r" if lines[found[0]].endswith("\r") else ""
            lines[found[0]] = after + ending
            continue
        how = "is not there any more" if not found else f"is there {len(found)} times"
        return (
            f"the line scaffold wrote for the library, {before.strip()!r}, {how} (changed by "
            f"hand); put it back as it was, or make it {after.strip()!r} yourself, then run "
            "`scaffold update` again; kept"
        )
    return raw, "\n".join(lines).encode("utf-8")


def check_glue_room(dest: Path, paths: list[str]) -> None:
    """Rust: the glue `src/telemetry.rs` cannot sit beside a `src/telemetry/` folder (a
    module found at both is a build error); UsageError naming the folder."""
    for rel in paths:
        folder = dest / rel.removesuffix(".rs")
        if rel.endswith(".rs") and folder.exists():
            raise UsageError(
                f"{folder}: a module folder where add --lib puts its glue ({rel}); a vendored "
                "module is removed first (see docs/library.md), or rename yours"
            )


def check_main_package(dest: Path) -> None:
    """Go: the glue (an `init` that names the service) goes beside the module's root
    package, which must be `main`; UsageError otherwise."""
    names = set()
    for path in sorted(dest.glob("*.go")):
        if path.name.endswith("_test.go") or not path.is_file() or path.is_symlink():
            continue
        found = _PACKAGE.search(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            names.add(found.group(1))
    if names != {"main"}:
        what = ", ".join(sorted(names)) or "no Go files"
        raise UsageError(
            f"{dest}: add --lib puts its glue (scaffold_telemetry.go, which names the service) "
            f"in the module root's package, which must be main; found {what}. Run it in a "
            "module whose main package is at its root, or use `scaffold new --lib`"
        )


def library_edits(
    opts: RenderOptions, dest: Path, files: dict[str, str], b3: bool, notes: list[str]
) -> tuple[dict[str, str], RenderOptions]:
    """`add --lib`: the new text of the project files that changed, and `opts` recording
    the lines that name the library (for `update`)."""
    ref = library_ref(opts, "--lib")
    assert ref is not None
    if opts.target == "go":
        edits, lines, said = go_edits(
            files["go.mod"], files.get("go.sum", ""), ref, b3=b3, name=str(dest / "go.mod")
        )
        notes.extend(said)
    else:
        edits, lines = rust_edits(files["Cargo.toml"], ref, name=str(dest / "Cargo.toml"))
    changed = {name: text for name, text in edits.items() if files.get(name) != text}
    return changed, replace(opts, extra={**opts.extra, LINES: lines})


def follow_project(
    root: Path, old: RenderOptions, new: RenderOptions
) -> tuple[RenderOptions, dict[str, tuple[bytes, bytes]], tuple[Refusal, ...]]:
    """`update` of a service made by `add --lib`: `new` (moved by follow.current_version)
    recording the moved lines, and the project file before and after (nothing when the
    version did not move, or the service's project file is rendered: new --lib); or,
    when the team changed a line scaffold wrote, `old` kept and the refusal."""
    lines = recorded(old)
    was, now = library_ref(old), library_ref(new)
    if lines is None or was is None or now is None:
        return new, {}, ()
    if was == now:
        return replace(new, extra={**new.extra, LINES: lines}), {}, ()
    moved = moved_lines(new.target, lines, was, now)
    file = project_file(new.target)
    edit = move_project(root, new.target, lines, moved)
    if isinstance(edit, str):
        return old, {}, (Refusal(file, edit, ""),)
    return replace(new, extra={**new.extra, LINES: moved}), {file: edit}, ()
