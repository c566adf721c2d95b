"""`scaffold add --with PART` in a service added before: a part of the generated code
added later (the parts model is scaffold.targets.service_parts).

The service is rendered again with the parts its lock names plus the new ones, through the
update path (generated files written, the lock recording the parts), so `update` and
`check` keep rendering the same files. In a project `add` adopted, the project files then
get the part's dependencies: go.mod and go.sum in `go mod tidy` form, or Cargo.toml with
caret requirements (never a downgrade, scaffold.targets.rust_crates). A service `new`
made owns its go.mod or Cargo.toml as a rendered file, which the update merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions import Conventions, Located, load
from scaffold.errors import UsageError
from scaffold.grpc_steps import grpc_steps
from scaffold.render import RenderOptions
from scaffold.sync import read_lock
from scaffold.sync.atomic import Write, apply_ops
from scaffold.sync.paths import lexists, read_inside
from scaffold.sync.results import ApplyResult, Status
from scaffold.targets import go_modules, rust_crates
from scaffold.targets import service_parts as parts_model
from scaffold.targets.go import module_needs
from scaffold.targets.go_vendor import vendor_notes
from scaffold.targets.registry import TARGETS
from scaffold.update import RenderContext, update_locked


@dataclass(frozen=True)
class PartsAdded:
    """What adding parts did: the conventions used, the options now locked, the update's
    result, the project files edited (go.mod and go.sum, or Cargo.toml) and what to tell
    the team."""

    conventions: Located
    options: RenderOptions
    result: ApplyResult
    edited: tuple[str, ...]
    notes: tuple[str, ...]

    def head(self, dest: Path) -> tuple[Located, Path, RenderOptions, ApplyResult, tuple[str, ...]]:
        """The leading fields of the ServiceResult `add` returns."""
        return self.conventions, dest, self.options, self.result, self.edited


def _text(dest: Path, rel: str) -> str:
    """The file's text, read strictly before anything is rendered or said: a byte that is
    not UTF-8 is exit 2 naming the file and line, so nothing claims an edit."""
    raw = read_inside(dest, rel) if lexists(dest / rel) else None
    try:
        return raw.decode("utf-8") if raw is not None else ""
    except UnicodeDecodeError as exc:
        assert raw is not None
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{dest / rel}:{line}: not UTF-8 text (byte {exc.start}); save it as UTF-8 "
            "and run add again; nothing was written"
        ) from exc


def _go_edits(
    dest: Path, conv: Conventions, opts: RenderOptions
) -> tuple[dict[str, str], tuple[str, ...]]:
    go_mod = _text(dest, "go.mod")
    if not go_mod:
        raise UsageError(f"{dest}: no go.mod; the module add adopted has lost it")
    edit = go_modules.add_requirements(
        go_mod, _text(dest, "go.sum"), **module_needs(conv, opts), name=str(dest / "go.mod")
    )
    found = {"go.mod": go_mod, "go.sum": _text(dest, "go.sum")}
    new = {"go.mod": edit.go_mod, "go.sum": edit.go_sum}
    return {k: v for k, v in new.items() if found[k] != v}, (*edit.notes, *vendor_notes(dest))


def _cargo_edits(dest: Path, conv: Conventions, opts: RenderOptions) -> dict[str, str]:
    rust_crates.check_size(dest / "Cargo.toml")
    cargo = _text(dest, "Cargo.toml")
    if not cargo:
        raise UsageError(f"{dest}: no Cargo.toml; the crate add adopted has lost it")
    protocol = conv.export.protocol
    merged = rust_crates.merge_cargo_toml(
        cargo,
        protocol,
        str(dest / "Cargo.toml"),
        rust_crates.workspace_dependencies(dest),
        parts_model.service_parts(protocol, opts),
    )
    return {"Cargo.toml": merged} if merged != cargo else {}


def _refuse(dest: Path, old: RenderOptions, target: str, lang: str) -> None:
    """--with in a service it cannot add parts to, or with another --lang: exit 2."""
    if target not in ("go", "rust"):
        raise UsageError(f"{dest} is a {target} project; --with names parts of a service")
    if lang and lang != target:
        raise UsageError(
            f"--lang {lang}: {dest} is a {target} service ({target} in its lock); "
            f"run `scaffold add --lang {target} --with ...` there; nothing was written"
        )
    library = old.extra.get("library")
    if isinstance(library, dict):
        raise UsageError(
            f"{dest} depends on the organisation's library {library.get('name', '')} "
            f"(--lib), which has every part ({', '.join(parts_model.PARTS)}) already; --with "
            "adds parts to instrumentation a service vendors. Use the part from the library "
            "(docs/library.md); nothing was written"
        )


def add_parts(
    *, dest: Path, parts: tuple[str, ...], conventions: Located, dry_run: bool, lang: str = ""
) -> PartsAdded:
    """Add `parts` to the Go or Rust service at `dest` (the caller holds the service lock);
    refused for another `lang` than the service's, and for a service on the library."""
    old = read_lock(dest, TARGETS)
    _refuse(dest, old.options, old.target, lang)
    given = conventions.path if conventions.reason == "given" else None
    conv_file = given or old.conventions_file(dest)
    conv = load(conv_file)
    opts = parts_model.with_parts(old.options, (*parts_model.parts_of(old.options), *parts))
    edits: dict[str, str] = {}
    notes: tuple[str, ...] = ()
    if old.options.mode == "add" and old.target == "go":
        edits, notes = _go_edits(dest, conv, opts)
    elif old.options.mode == "add":
        edits = _cargo_edits(dest, conv, opts)
    result = update_locked(dest, RenderContext(conventions=given), dry_run=dry_run, options=opts)
    if result.status in (Status.UPDATED, Status.UNCHANGED) and edits and not dry_run:
        apply_ops(dest, [Write(rel, text.encode("utf-8")) for rel, text in sorted(edits.items())])
    used = Located(conv_file, conventions.reason if given else "found")
    if "grpc" in parts:
        notes += grpc_steps(opts, package=conv.go_package, module=conv.rust_module)
    return PartsAdded(used, opts, result, tuple(sorted(edits)), notes)
