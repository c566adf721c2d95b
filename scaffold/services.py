"""`scaffold new` and `scaffold add`: check the names and paths, render, write with a lock."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from scaffold import naming
from scaffold.conventions import Located, load
from scaffold.conventions.model import Conventions
from scaffold.errors import UsageError
from scaffold.render import RenderOptions
from scaffold.sync.create import create_service
from scaffold.sync.results import ApplyResult
from scaffold.targets import go_modules, rust_crates
from scaffold.targets.registry import render_target

LANGUAGES = ("go", "rust")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_MODULE_ELEMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


@dataclass(frozen=True)
class ServiceResult:
    conventions: Located
    dest: Path
    options: RenderOptions
    result: ApplyResult
    # Project files `add` extended so the generated code builds (go.mod, Cargo.toml, ...).
    edited: tuple[str, ...] = ()


def check_service_name(name: str) -> str:
    if not _SERVICE_NAME.match(name):
        raise UsageError(
            f"service name {name!r} is not valid: start with a lower-case letter, then lower-case "
            "letters, digits and '-', at most 63 characters (e.g. payments-api)"
        )
    ident = name.replace("-", "_")
    if naming.go_reserved(ident) or naming.rust_reserved(ident):
        raise UsageError(
            f"service name {name!r} is a Go or Rust reserved word; choose another (e.g. {name}-svc)"
        )
    return name


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


def check_module_path(path: str) -> str:
    """A Go module path: slash-separated elements, no empty, '.' or '..' element."""
    elements = path.split("/")
    bad = (
        not path
        or path.startswith("/")
        or any(e in ("", ".", "..") or not _MODULE_ELEMENT.match(e) for e in elements)
        or elements[0].startswith("-")
        or not elements[0][:1].isalnum()
    )
    if bad:
        raise UsageError(
            f"--module {path!r} is not a valid Go module path (e.g. example.com/acme/payments)"
        )
    return path


def _go_module_of(dest: Path) -> str:
    gomod = dest / "go.mod"
    if not gomod.is_file():
        raise UsageError(f"{dest} has no go.mod; run `go mod init` first or use `scaffold new`")
    for line in gomod.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "module":
            return words[1].strip('"')
    raise UsageError(f"{gomod}: no module line")


def _crate_name_of(dest: Path) -> str:
    cargo = dest / "Cargo.toml"
    if not cargo.is_file():
        raise UsageError(f"{dest} has no Cargo.toml; run `cargo init` first or use `scaffold new`")
    in_package = False
    for line in cargo.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_package = stripped == "[package]"
        elif in_package and stripped.startswith("name") and "=" in stripped:
            return stripped.split("=", 1)[1].strip().strip("\"'")
    raise UsageError(f"{cargo}: no [package] name")


def _dependency_edits(opts: RenderOptions, dest: Path, conv: Conventions) -> dict[str, str]:
    """New text of the project files that must name the generated code's dependencies."""
    if opts.target == "go":
        go_mod = (dest / "go.mod").read_text(encoding="utf-8")
        go_sum_path = dest / "go.sum"
        go_sum = go_sum_path.read_text(encoding="utf-8") if go_sum_path.is_file() else ""
        new_mod, new_sum = go_modules.add_requirements(
            go_mod, go_sum, b3="b3" in conv.propagation.propagators
        )
        edits = {"go.mod": new_mod, "go.sum": new_sum}
    else:
        cargo = (dest / "Cargo.toml").read_text(encoding="utf-8")
        edits = {"Cargo.toml": rust_crates.merge_cargo_toml(cargo, conv.export.protocol)}
    return {
        name: text
        for name, text in edits.items()
        if not (dest / name).is_file() or (dest / name).read_text(encoding="utf-8") != text
    }


def _write_edits(dest: Path, edits: dict[str, str]) -> None:
    """Write each edit through a temporary file and a rename; all files are staged first."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, text in edits.items():
            target = dest / name
            tmp = target.with_name(f".{target.name}.scaffold-tmp")
            tmp.write_text(text, encoding="utf-8")
            staged.append((tmp, target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def _render_and_write(
    *, conventions: Located, dest: Path, opts: RenderOptions, force: bool, dry_run: bool
) -> ServiceResult:
    conv = load(conventions.path)
    rendered = render_target(opts.target, conv, opts)
    edits = _dependency_edits(opts, dest, conv) if opts.mode == "add" else {}
    result = create_service(
        dest=dest,
        rendered=rendered,
        conventions_path=conventions.path,
        conventions_digest=conv.digest,
        target=opts.target,
        options=opts,
        force=force,
        dry_run=dry_run,
    )
    if not dry_run:
        _write_edits(dest, edits)
    return ServiceResult(conventions, dest, opts, result, tuple(sorted(edits)))


def new_service(
    *,
    name: str,
    lang: str,
    dest: Path,
    conventions: Located,
    module_path: str = "",
    force: bool = False,
    dry_run: bool = False,
) -> ServiceResult:
    """Render a runnable service `name` in `lang` into `dest` (created if missing)."""
    check_service_name(name)
    check_language(lang)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    module = check_module_path(module_path) if module_path else name
    opts = RenderOptions(
        service_name=name,
        target=lang,
        mode="new",
        module_path=module if lang == "go" else "",
        crate_name=name if lang == "rust" else "",
    )
    return _render_and_write(
        conventions=conventions, dest=dest, opts=opts, force=force, dry_run=dry_run
    )


def add_service(
    *,
    lang: str,
    dest: Path,
    conventions: Located,
    name: str = "",
    force: bool = False,
    dry_run: bool = False,
) -> ServiceResult:
    """Add only the generated instrumentation to an existing Go module or Rust crate."""
    check_language(lang)
    if not dest.is_dir():
        raise UsageError(f"{dest} is not a folder")
    if lang == "go":
        module = check_module_path(_go_module_of(dest))
        service = name or module.rsplit("/", 1)[-1].lower()
        opts = RenderOptions(service_name=service, target="go", mode="add", module_path=module)
    else:
        crate = _crate_name_of(dest)
        service = name or crate.replace("_", "-").lower()
        opts = RenderOptions(service_name=service, target="rust", mode="add", crate_name=crate)
    check_service_name(service)
    return _render_and_write(
        conventions=conventions, dest=dest, opts=opts, force=force, dry_run=dry_run
    )
