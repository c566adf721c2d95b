"""`scaffold add --with PART` in a Go service added before: a part of the package added
later (see scaffold.targets.go_parts).

The service is rendered again with the parts its lock names plus the new ones, through the
update path (generated files written, the lock recording the parts), so `update` and
`check` keep rendering the same files. In a module `add` adopted, go.mod and go.sum then
get the part's requirements, in `go mod tidy` form; a service `new` made owns its go.mod
as a rendered file, which the update merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions import Located, load
from scaffold.errors import UsageError
from scaffold.render import RenderOptions
from scaffold.sync import read_lock
from scaffold.sync.atomic import Write, apply_ops
from scaffold.sync.paths import lexists, read_inside
from scaffold.sync.results import ApplyResult, Status
from scaffold.targets import go_modules, go_parts
from scaffold.targets.go import module_needs
from scaffold.targets.registry import TARGETS
from scaffold.update import RenderContext, update_locked


@dataclass(frozen=True)
class PartsAdded:
    """What adding parts did: the conventions used, the options now locked, the update's
    result, the project files edited (go.mod, go.sum) and what to tell the team."""

    conventions: Located
    options: RenderOptions
    result: ApplyResult
    edited: tuple[str, ...]
    notes: tuple[str, ...]


def _text(dest: Path, rel: str) -> str:
    raw = read_inside(dest, rel) if lexists(dest / rel) else None
    return raw.decode("utf-8", "replace") if raw is not None else ""


def add_parts(
    *, dest: Path, parts: tuple[str, ...], conventions: Located, dry_run: bool
) -> PartsAdded:
    """Add `parts` to the Go service at `dest` (the caller holds the service lock)."""
    old = read_lock(dest, TARGETS)
    if old.target != "go":
        raise UsageError(f"{dest} is a {old.target} service; --with names parts of Go's package")
    given = conventions.path if conventions.reason == "given" else None
    conv_file = given or old.conventions_file(dest)
    conv = load(conv_file)
    opts = go_parts.with_parts(old.options, (*go_parts.parts_of(old.options), *parts))
    edits: dict[str, str] = {}
    notes: tuple[str, ...] = ()
    if old.options.mode == "add":
        go_mod = _text(dest, "go.mod")
        if not go_mod:
            raise UsageError(f"{dest}: no go.mod; the module add adopted has lost it")
        edit = go_modules.add_requirements(
            go_mod,
            _text(dest, "go.sum"),
            **module_needs(conv, opts),
            name=str(dest / "go.mod"),
        )
        found = {"go.mod": go_mod, "go.sum": _text(dest, "go.sum")}
        new = {"go.mod": edit.go_mod, "go.sum": edit.go_sum}
        edits = {k: v for k, v in new.items() if found[k] != v}
        notes = edit.notes
    result = update_locked(dest, RenderContext(conventions=given), dry_run=dry_run, options=opts)
    if result.status in (Status.UPDATED, Status.UNCHANGED) and edits and not dry_run:
        apply_ops(dest, [Write(rel, text.encode("utf-8")) for rel, text in sorted(edits.items())])
    used = Located(conv_file, conventions.reason if given else "found")
    return PartsAdded(used, opts, result, tuple(sorted(edits)), notes)
