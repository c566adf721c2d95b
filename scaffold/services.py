"""`scaffold new` and `scaffold add`: check the names and paths, render, write with a lock."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold import naming
from scaffold.conventions import Located, load
from scaffold.conventions.model import Conventions
from scaffold.errors import UsageError
from scaffold.library import adopt
from scaffold.render import RenderOptions
from scaffold.sync import LOCK_NAME, ApplyResult, create_service, read_lock
from scaffold.sync.atomic import FaultHook, Write, apply_ops
from scaffold.sync.owner import service_lock
from scaffold.sync.paths import lexists, read_inside
from scaffold.sync.recovery import recover
from scaffold.sync.results import Action, FileChange, Status, unified_diff
from scaffold.targets import go_modules, rust_crates
from scaffold.targets.registry import TARGETS, render_target
from scaffold.update import RenderContext, update_locked
from scaffold.wiring import Wiring, next_steps

LANGUAGES = ("go", "rust")
_SERVICE_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class ServiceResult:
    conventions: Located
    dest: Path
    options: RenderOptions
    result: ApplyResult
    # Project files `add` extended so the generated code builds (go.mod, Cargo.toml, ...).
    edited: tuple[str, ...] = ()
    renamed_from: str = ""  # `add --name` on a service: its previous name
    notes: tuple[str, ...] = ()  # what changed in the project files that the team should know
    wiring: Wiring | None = None  # add: the edits left to connect the code (or made, --wire)
    wired: tuple[str, ...] = ()  # add --wire: the service's own files it edited
    wire_only: bool = False  # add --wire in a service added before: only the wiring


def check_service_name(name: str) -> str:
    if not isinstance(name, str) or not _SERVICE_NAME.fullmatch(name):
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


def _read_project_file(path: Path) -> str:
    """A project file `add` reads (go.mod, go.sum, Cargo.toml) as text, or UsageError: a
    regular file of the project itself, never through a symlink, never a FIFO or device."""
    raw = read_inside(path.parent, path.name)
    if raw is None:
        raise UsageError(
            f"{path}: no such file; run add in the folder of the module or crate (--dir DIR)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and run add again"
        ) from exc


def _service_from_module(module: str) -> str:
    """A service name from a module path: its last element (before a /vN suffix)."""
    elements = module.split("/")
    last = elements[-1]
    if len(elements) > 1 and re.fullmatch(r"v[0-9]+", last):
        last = elements[-2]
    last = re.sub(r"\.v[0-9]+\Z", "", last) if module.startswith("gopkg.in/") else last
    return re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")


def _go_project(dest: Path, name: str) -> tuple[RenderOptions, dict[str, str]]:
    """The render options for `add` in a Go module, and its go.mod (and go.sum) as read."""
    gomod = dest / "go.mod"
    if not lexists(gomod):
        raise UsageError(f"{dest} has no go.mod; run `go mod init` first or use `scaffold new`")
    files = {"go.mod": _read_project_file(gomod)}
    module = go_modules.read_module_path(files["go.mod"], str(gomod))
    if lexists(dest / "go.sum"):
        files["go.sum"] = _read_project_file(dest / "go.sum")
    service = name or _service_from_module(module)
    opts = RenderOptions(service_name=service, target="go", mode="add", module_path=module)
    return opts, files


def _rust_project(dest: Path, name: str) -> tuple[RenderOptions, dict[str, str]]:
    """The render options for `add` in a Rust crate, and its Cargo.toml as read."""
    cargo = dest / "Cargo.toml"
    if not lexists(cargo):
        raise UsageError(f"{dest} has no Cargo.toml; run `cargo init` first or use `scaffold new`")
    files = {"Cargo.toml": _read_project_file(cargo)}
    crate = rust_crates.crate_name(files["Cargo.toml"], str(cargo), dest)
    service = name or crate.replace("_", "-").lower()
    opts = RenderOptions(service_name=service, target="rust", mode="add", crate_name=crate)
    return opts, files


def _dependency_edits(
    opts: RenderOptions, dest: Path, files: dict[str, str], conv: Conventions, notes: list[str]
) -> dict[str, str]:
    """New text of the project files that must name the generated code's dependencies;
    what the team should hear about them is appended to `notes`."""
    if opts.target == "go":
        edit = go_modules.add_requirements(
            files["go.mod"],
            files.get("go.sum", ""),
            b3="b3" in conv.propagation.propagators,
            name=str(dest / "go.mod"),
        )
        edits = {"go.mod": edit.go_mod, "go.sum": edit.go_sum}
        notes.extend(edit.notes)
    else:
        cargo = rust_crates.merge_cargo_toml(
            files["Cargo.toml"], conv.export.protocol, str(dest / "Cargo.toml")
        )
        edits = {"Cargo.toml": cargo}
    return {name: text for name, text in edits.items() if files.get(name) != text}


def _render_and_write(
    *,
    conventions: Located,
    dest: Path,
    opts: RenderOptions,
    force: bool,
    dry_run: bool,
    project: dict[str, str] | None = None,
    wire: bool = False,
    hook: FaultHook | None = None,
) -> ServiceResult:
    """Render and write a first render; `project` (add) holds the files to extend, and
    with `wire` the edits that connect the code to the service are made too."""
    conv = load(conventions.path)
    notes: list[str] = []
    b3 = "b3" in conv.propagation.propagators
    if project is not None and opts.library:
        edits, opts = adopt.library_edits(opts, dest, project, b3, notes)
    elif project is not None:
        edits = _dependency_edits(opts, dest, project, conv, notes)
    else:
        edits = {}
    rendered = render_target(opts.target, conv, opts)
    if project is not None and opts.library:
        adopt.check_glue_room(dest, list(rendered.files))
    wiring = None
    if project is not None:
        package = conv.go_package
        own = f"{opts.module_path}/internal/{package}"
        import_path = opts.extra["library"]["name"] if opts.library else own
        wiring = next_steps(opts.target, dest, import_path=import_path, package=package)
        if wire and wiring.problem:
            raise UsageError(f"{dest}: --wire: {wiring.problem}; nothing was written")
    wired = wiring.edits if wire and wiring is not None else {}
    result = create_service(
        dest=dest,
        rendered=rendered,
        conventions_path=conventions.path,
        conventions_digest=conv.digest,
        target=opts.target,
        options=opts,
        force=force,
        dry_run=dry_run,
        hook=hook,
        project_files={name: text.encode("utf-8") for name, text in {**edits, **wired}.items()},
    )
    return ServiceResult(
        conventions,
        dest,
        opts,
        result,
        tuple(sorted(edits)),
        notes=tuple(notes),
        wiring=wiring,
        wired=tuple(sorted(wired)),
    )


def new_service(
    *,
    name: str,
    lang: str,
    dest: Path,
    conventions: Located,
    module_path: str = "",
    force: bool = False,
    dry_run: bool = False,
    library: dict[str, str] | None = None,
) -> ServiceResult:
    """Render a runnable service `name` in `lang` into `dest` (created if missing); with
    `library` (scaffold.library.follow.service_library), one that depends on the
    organisation's library and gets only its own files."""
    check_service_name(name)
    check_language(lang)
    if lexists(dest) and not dest.is_dir():
        raise UsageError(
            f"{dest} exists and is not a folder; give --dir a new or empty folder, or move "
            "the file away"
        )
    module = go_modules.check_module_path(module_path) if module_path else name
    opts = RenderOptions(
        service_name=name,
        target=lang,
        mode="new",
        module_path=module if lang == "go" else "",
        crate_name=name if lang == "rust" else "",
        extra={"library": library} if library else {},
    )
    if dry_run and not lexists(dest):  # nothing to lock, nothing to create
        return _render_and_write(
            conventions=conventions, dest=dest, opts=opts, force=force, dry_run=True
        )
    with service_lock(dest):
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
    wire: bool = False,
    hook: FaultHook | None = None,
    library: dict[str, str] | None = None,
) -> ServiceResult:
    """Add only the generated instrumentation to an existing Go module or Rust crate
    (with `library`, see scaffold.library.follow.service_library: only the glue, and the
    dependency on the organisation's library; scaffold.library.adopt).

    The project file the generated code needs extended (go.mod and go.sum, or Cargo.toml)
    is read and parsed before anything is written, and written in the same transaction as
    the generated files and the lock: all or nothing. In a folder that already is a
    scaffold service, `name` renames it (see `rename_service`).
    """
    check_language(lang)
    if not dest.is_dir():
        what = "does not exist" if not lexists(dest) else "is not a folder"
        raise UsageError(
            f"{dest} {what}; give --dir the folder of an existing Go module or Rust crate "
            "(or create a service with `scaffold new`)"
        )
    with service_lock(dest):
        return _add_locked(
            lang=lang,
            dest=dest,
            conventions=conventions,
            name=name,
            force=force,
            dry_run=dry_run,
            wire=wire,
            hook=hook,
            library=library,
        )


def _add_locked(
    *,
    lang: str,
    dest: Path,
    conventions: Located,
    name: str,
    force: bool,
    dry_run: bool,
    wire: bool,
    hook: FaultHook | None,
    library: dict[str, str] | None = None,
) -> ServiceResult:
    """`add_service` holding the service lock."""
    recover(dest)  # an add or update a crash interrupted is rolled back first
    if lexists(dest / LOCK_NAME) and library:
        adopt.refuse_vendored(lang, dest, read_lock(dest, TARGETS).options)
    if lexists(dest / LOCK_NAME):
        if wire and name:
            raise UsageError(f"{dest}: give --wire and --name in separate runs of add")
        if wire:
            return wire_service(lang=lang, dest=dest, conventions=conventions, dry_run=dry_run)
        if not name:
            raise UsageError(
                f"{dest} is already a scaffold service ({LOCK_NAME} exists); run "
                "`scaffold update` to follow the conventions, or give --name NEW to rename it"
            )
        return rename_service(
            lang=lang, dest=dest, name=name, conventions=conventions, force=force, dry_run=dry_run
        )
    opts, project = _go_project(dest, name) if lang == "go" else _rust_project(dest, name)
    if library:
        opts = replace(opts, extra={"library": library})
        if lang == "go":
            adopt.check_main_package(dest)
    try:
        check_service_name(opts.service_name)
    except UsageError as exc:
        if name:
            raise
        source = opts.module_path or opts.crate_name
        raise UsageError(
            f"{exc}; it was made from {source!r}: give the service a name with --name NAME"
        ) from exc
    return _render_and_write(
        conventions=conventions,
        dest=dest,
        opts=opts,
        force=force,
        dry_run=dry_run,
        project=project,
        wire=wire,
        hook=hook,
    )


def rename_service(
    *,
    lang: str,
    dest: Path,
    name: str,
    conventions: Located,
    force: bool = False,
    dry_run: bool = False,
) -> ServiceResult:
    """Give the service at `dest` a new service name: render it again with that name and
    apply it through the normal update path (generated files rewritten, user-owned files
    merged, the lock records the new name). The conventions stay those its lock names
    unless `conventions` was given explicitly. The caller holds the service lock."""
    check_service_name(name)
    old = read_lock(dest, TARGETS)
    if old.target != lang:
        raise UsageError(
            f"{dest} is a {old.target} service (its lock says so), not {lang}; "
            f"run `scaffold add --lang {old.target} --name {name}`"
        )
    given = conventions.path if conventions.reason == "given" else None
    ctx = RenderContext(conventions=given)
    opts = replace(old.options, service_name=name)
    result = update_locked(dest, ctx, force=force, dry_run=dry_run, options=opts)
    used = Located(given or old.conventions_file(dest), conventions.reason if given else "found")
    return ServiceResult(used, dest, opts, result, renamed_from=old.options.service_name)


def wire_service(*, lang: str, dest: Path, conventions: Located, dry_run: bool) -> ServiceResult:
    """`add --wire` in a service `add` made earlier: make the wiring edits only, in one
    journaled write; the lock is left as it is (the service's own files are not in it)."""
    lock = read_lock(dest, TARGETS)
    if lock.target != lang:
        raise UsageError(f"{dest} is a {lock.target} service (its lock says so), not {lang}")
    given = conventions.path if conventions.reason == "given" else lock.conventions_file(dest)
    package = load(given).go_package
    own = f"{lock.options.module_path}/internal/{package}"
    import_path = lock.options.extra["library"]["name"] if lock.options.library else own
    wiring = next_steps(lang, dest, import_path=import_path, package=package)
    if wiring.problem:
        raise UsageError(f"{dest}: --wire: {wiring.problem}; nothing was written")
    writes = [Write(rel, text.encode("utf-8")) for rel, text in sorted(wiring.edits.items())]
    changes = tuple(
        FileChange(w.path, "user", Action.MERGE, read_inside(dest, w.path), w.content, "wired")
        for w in writes
    )
    if not dry_run:
        apply_ops(dest, writes)
    result = ApplyResult(
        root=dest,
        status=Status.WOULD_UPDATE if dry_run else Status.UPDATED,
        changes=changes,
        diff="".join(unified_diff(c.path, c.before, c.after) for c in changes) if dry_run else "",
    )
    used = Located(given, conventions.reason if conventions.reason == "given" else "found")
    return ServiceResult(
        used,
        dest,
        lock.options,
        result,
        wiring=wiring,
        wired=tuple(w.path for w in writes),
        wire_only=True,
    )
