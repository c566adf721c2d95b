"""What `update` and `check` do about the project file of a service `add` adopted when the
render needs dependencies it does not declare (the conventions switched export to gRPC,
say, and the exporter's gRPC transport is now compiled in).

`update` adds them, as `add` would: Cargo.toml through rust_crates.merge_cargo_toml
(caret requirements, features added, never a downgrade, refused with exit 2 when a
declared version is too old), go.mod and go.sum through go_modules.add_requirements (only
when a module the package imports is missing, so a go.mod is never reformatted for
nothing; a module that vendors its dependencies is told to run `go mod vendor`). The
edit is written in the update's own transaction and named in a note;
`check` reports the file as out of sync, with what is missing. A service `new` made
renders its own go.mod or Cargo.toml, and one made with `--lib` gets its dependencies
from the organisation's library: neither is touched here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.errors import UsageError, not_utf8
from scaffold.render import RenderOptions
from scaffold.sync.paths import read_inside
from scaffold.targets import go_modules, rust_crates
from scaffold.targets import service_parts as parts_model
from scaffold.targets.cargo_edit import normal
from scaffold.targets.go import module_needs
from scaffold.targets.go_mod_edit import older
from scaffold.targets.go_vendor import vendor_notes
from scaffold.targets.go_work import check_go_work

# Between why a file changes and the step it needs after (`go mod vendor`).
_THEN = "; then "


@dataclass(frozen=True)
class DependencyEdit:
    """Project files to change (path -> before, after), and why each changes."""

    files: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _text(root: Path, rel: str) -> str | None:
    raw = read_inside(root, rel)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{not_utf8(str(root / rel), raw, exc)}; save it as UTF-8 and run "
            "update (or check) again"
        ) from exc


def _why(protocol: str, lacks: list[str]) -> str:
    """Why the render needs `lacks`: gRPC export only when every one is gRPC's own."""
    grpc = all(any(w in item for w in ("grpc", "tonic", "prost")) for item in lacks)
    if protocol == "grpc" and grpc:
        return "the conventions export over gRPC (export.protocol), so the render needs them"
    return "the render needs them"


def _features(spec: object) -> list[str]:
    found = spec.get("features", []) if isinstance(spec, dict) else []
    return [f for f in found if isinstance(f, str)] if isinstance(found, list) else []


def _added(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What the edit adds, crate by crate: new crates, and features of declared ones."""
    out: list[str] = []
    for table in ("dependencies", "dev-dependencies"):
        old = {normal(k): v for k, v in (before.get(table) or {}).items()}
        for key, spec in (after.get(table) or {}).items():
            if normal(key) not in old:
                out.append(f"{key} (in [{table}])")
                continue
            new = [f for f in _features(spec) if f not in _features(old[normal(key)])]
            if new:
                out.append(f"{key} features {', '.join(new)} (in [{table}])")
    return out


def _rust(root: Path, conv: Conventions, opts: RenderOptions) -> DependencyEdit:
    rust_crates.check_size(root / "Cargo.toml")
    text = _text(root, "Cargo.toml")
    if text is None:
        return DependencyEdit()
    protocol = conv.export.protocol
    merged = rust_crates.merge_cargo_toml(
        text,
        protocol,
        str(root / "Cargo.toml"),
        rust_crates.workspace_dependencies(root),
        parts_model.service_parts(protocol, opts),
    )
    before = rust_crates.parse_cargo_toml(text, str(root / "Cargo.toml"))
    after = rust_crates.parse_cargo_toml(merged, str(root / "Cargo.toml"))
    if before == after:
        return DependencyEdit()
    added = _added(before, after)
    reason = f"lacks {'; '.join(added)}: {_why(protocol, added)}"
    return DependencyEdit(
        {"Cargo.toml": (text.encode("utf-8"), merged.encode("utf-8"))}, {"Cargo.toml": reason}
    )


def _go(root: Path, conv: Conventions, opts: RenderOptions) -> DependencyEdit:
    go_mod = _text(root, "go.mod")
    if go_mod is None:
        return DependencyEdit()
    name = str(root / "go.mod")
    needs = module_needs(conv, opts)
    mod = go_modules.parse_go_mod(go_mod, name)
    have, pinned = mod.requires, go_modules.direct_requires(**needs)
    missing = [r.path for r in pinned if not r.indirect and r.path not in have]
    # An older version go.mod requires: the merge refuses a direct one (exit 2, found and
    # needed, as add does) and raises an indirect one, as the go command would.
    behind = [r.path for r in pinned if r.path in have and older(have[r.path][0], r.version)]
    go_sum = _text(root, "go.sum") or ""
    if not missing and not behind:
        if mod.replaces or mod.excludes:  # refused (exit 2) when one takes a needed version
            go_modules.add_requirements(go_mod, go_sum, **needs, name=name)
        return DependencyEdit()
    edit = go_modules.add_requirements(go_mod, go_sum, **needs, name=name)
    check_go_work(root, edit.go_mod, name)
    files = {"go.mod": (go_mod, edit.go_mod), "go.sum": (go_sum, edit.go_sum)}
    lacks = [*missing, *(f"{p} at the version the render needs" for p in behind)]
    reason = f"lacks {', '.join(lacks)}: {_why(conv.export.protocol, lacks)}"
    reason += "".join(_THEN + step for step in vendor_notes(root))
    return DependencyEdit(
        {k: (a.encode("utf-8"), b.encode("utf-8")) for k, (a, b) in files.items() if a != b},
        {"go.mod": reason, "go.sum": "checksums of the modules added to go.mod"},
    )


def dependency_edit(root: Path, conv: Conventions, opts: RenderOptions) -> DependencyEdit:
    """The edit of the project file of the service at `root` that the render needs (none
    for a service `new` made or one on the organisation's library); UsageError when a
    declared version is too old, naming the file, line, found and needed."""
    if opts.mode != "add" or opts.library or opts.target not in ("go", "rust"):
        return DependencyEdit()
    try:
        return (_rust if opts.target == "rust" else _go)(root, conv, opts)
    except UsageError as exc:  # the checks add makes, said for the verb that runs them
        raise UsageError(str(exc).replace("run add again", "run update (or check) again")) from exc


def note(rel: str, reason: str, *, dry_run: bool) -> str:
    """What `update` says about one project file it changed (or would change)."""
    done = "would add them (run `scaffold update`)" if dry_run else "added them"
    why, then, step = reason.partition(_THEN)
    return f"{rel}: {why}; update {done}, with the rest of the update{then}{step}"
