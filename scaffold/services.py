"""`scaffold new` and `scaffold add`: check the names and paths, render, write with a lock."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from scaffold.conventions import Located, load
from scaffold.conventions.model import Conventions
from scaffold.errors import UsageError, not_utf8
from scaffold.grpc_steps import grpc_steps
from scaffold.library import adopt
from scaffold.module_room import check_module_room
from scaffold.parts import add_parts
from scaffold.render import RenderOptions
from scaffold.service_result import ServiceResult, check_service_name
from scaffold.services_locked import rename_service, wire_service
from scaffold.sync import LOCK_NAME, create_service, read_lock
from scaffold.sync.atomic import FaultHook
from scaffold.sync.owner import service_lock
from scaffold.sync.paths import lexists, read_inside
from scaffold.sync.recovery import recover
from scaffold.targets import go_modules, go_parts, rust_crates, rust_format, rust_parts
from scaffold.targets import service_parts as parts_model
from scaffold.targets.go import module_needs, service_parts
from scaffold.targets.go_vendor import vendor_notes
from scaffold.targets.go_work import check_go_work
from scaffold.targets.registry import TARGETS, render_target
from scaffold.wiring import Wiring, next_steps

LANGUAGES = ("go", "rust")
__all__ = [
    "LANGUAGES",
    "ServiceResult",
    "add_service",
    "check_language",
    "check_service_name",
    "new_service",
    "rename_service",
    "wire_service",
]


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
            f"{not_utf8(str(path), raw, exc)}; save it as UTF-8 and run add again"
        ) from exc


# Last elements of a module path that name a language or a folder's role, not the
# service: `github.com/acme/orders/server` is the service `orders`.
_GENERIC_ELEMENTS = frozenset(
    {"go", "golang", "server", "service", "svc", "backend", "app", "src", "cmd", "main"}
)


_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})


def _first_name(elements: list[str]) -> int:
    """The index of the first element of a module path that can name the service: not a
    host, and not the owner on a code host (`github.com/OWNER/REPO`)."""
    if "." not in elements[0]:
        return 0
    return 2 if elements[0].lower() in _CODE_HOSTS else 1


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _from_folder(dest: Path, fallback: str) -> str:
    """The service folder's name, when it names more than a role (`orders`, not `server`)."""
    folder = _slug(dest.resolve().name)
    return folder if folder and folder not in _GENERIC_ELEMENTS else fallback


def _service_from_module(module: str, dest: Path) -> str:
    """A service name from a module path: its last element (before a /vN suffix), or the
    element before it (the repository's name) when the last one is a generic folder name;
    the module's folder when all that is left is a host (`example.com/v2`)."""
    elements = module.split("/")
    if len(elements) > 1 and re.fullmatch(r"v[0-9]+", elements[-1]):
        elements = elements[:-1]
    while elements[-1].lower() in _GENERIC_ELEMENTS and len(elements) - 2 >= _first_name(elements):
        elements = elements[:-1]
    last = elements[-1].removesuffix(".git")
    last = re.sub(r"\.v[0-9]+\Z", "", last) if module.startswith("gopkg.in/") else last
    if len(elements) == 1 and "." in last:
        return _from_folder(dest, _slug(last))
    return _slug(last)


def _go_project(
    dest: Path, name: str, parts: tuple[str, ...] = ()
) -> tuple[RenderOptions, dict[str, str]]:
    """The render options for `add` in a Go module (the parts named and those its code
    uses), and its go.mod (and go.sum) as read."""
    gomod = dest / "go.mod"
    if not lexists(gomod):
        raise UsageError(f"{dest} has no go.mod; run `go mod init` first or use `scaffold new`")
    files = {"go.mod": _read_project_file(gomod)}
    module = go_modules.read_module_path(files["go.mod"], str(gomod))
    if lexists(dest / "go.sum"):
        files["go.sum"] = _read_project_file(dest / "go.sum")
    service = name or _service_from_module(module, dest)
    opts = RenderOptions(service_name=service, target="go", mode="add", module_path=module)
    return parts_model.with_parts(opts, (*parts, *go_parts.detected_parts(dest))), files


def _rust_project(
    dest: Path, name: str, parts: tuple[str, ...] = ()
) -> tuple[RenderOptions, dict[str, str]]:
    """The render options for `add` in a Rust crate (the parts named and those its
    dependencies show it uses), and its Cargo.toml as read."""
    cargo = dest / "Cargo.toml"
    if not lexists(cargo):
        raise UsageError(f"{dest} has no Cargo.toml; run `cargo init` first or use `scaffold new`")
    rust_crates.check_size(cargo)
    files = {"Cargo.toml": _read_project_file(cargo)}
    crate = rust_crates.crate_name(files["Cargo.toml"], str(cargo), dest)
    service = name or crate.replace("_", "-").lower()
    if not name and service in _GENERIC_ELEMENTS:  # `server` in crates/orders-api
        service = _from_folder(dest, service)
    opts = RenderOptions(service_name=service, target="rust", mode="add", crate_name=crate)
    data = rust_crates.parse_cargo_toml(files["Cargo.toml"], str(cargo))
    used = rust_parts.detected_parts(data, rust_crates.workspace_dependencies(dest))
    return parts_model.with_parts(opts, (*parts, *used)), files


def _dependency_edits(
    opts: RenderOptions, dest: Path, files: dict[str, str], conv: Conventions, notes: list[str]
) -> dict[str, str]:
    """New text of the project files that must name the generated code's dependencies;
    what the team should hear about them is appended to `notes`."""
    if opts.target == "go":
        edit = go_modules.add_requirements(
            files["go.mod"],
            files.get("go.sum", ""),
            **module_needs(conv, opts),
            name=str(dest / "go.mod"),
        )
        check_go_work(dest, edit.go_mod, str(dest / "go.mod"))
        edits = {"go.mod": edit.go_mod, "go.sum": edit.go_sum}
        notes.extend(edit.notes)
        notes.append(parts_model.parts_note(service_parts(conv, opts), "package"))
    else:
        parts = parts_model.service_parts(conv.export.protocol, opts)
        cargo = rust_crates.merge_cargo_toml(
            files["Cargo.toml"],
            conv.export.protocol,
            str(dest / "Cargo.toml"),
            rust_crates.workspace_dependencies(dest),
            parts,
        )
        edits = {"Cargo.toml": cargo}
        lock = rust_crates.lock_note(dest) if cargo != files["Cargo.toml"] else None
        notes.extend([lock] if lock else [])
        notes.append(parts_model.parts_note(parts, "module"))
    notes.extend(grpc_steps(opts, package=conv.go_package, module=conv.rust_module))
    return {name: text for name, text in edits.items() if files.get(name) != text}


def _wiring(conv: Conventions, opts: RenderOptions, dest: Path, wire: bool) -> Wiring:
    """The next steps of `add` (the library's import path in library mode); with `wire`,
    a shape the wiring does not know is refused before anything is written."""
    package = conv.go_package
    own = f"{opts.module_path}/internal/{package}"
    import_path = opts.extra["library"]["name"] if opts.library else own
    wiring = next_steps(
        opts.target, dest, import_path=import_path, package=package, module=conv.rust_module
    )
    if wire and wiring.problem:
        raise UsageError(f"{dest}: --wire: {wiring.problem}; nothing was written{wiring.by_hand()}")
    return wiring


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
    if project is not None and opts.target == "go":
        notes.extend(vendor_notes(dest))
    rendered = render_target(opts.target, conv, opts)
    if opts.target == "rust" and opts.mode == "add":
        rendered = rust_format.for_host(rendered, dest)
    if project is not None and opts.library:
        adopt.check_glue_room(dest, list(rendered.files))
    elif project is not None:
        check_module_room(dest, opts.target, rendered.files)
    wiring = _wiring(conv, opts, dest, wire) if project is not None else None
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
    parts: tuple[str, ...] = (),
    library: dict[str, str] | None = None,
) -> ServiceResult:
    """Add only the generated instrumentation to an existing Go module or Rust crate
    (with `library`, see scaffold.library.follow.service_library: only the glue, and the
    dependency on the organisation's library; scaffold.library.adopt).

    The project file the generated code needs extended (go.mod and go.sum, or Cargo.toml)
    is read and parsed before anything is written, and written in the same transaction as
    the generated files and the lock: all or nothing. In a folder that already is a
    scaffold service, `name` renames it (see `rename_service`) and `parts` adds parts of
    the generated code (see `scaffold.parts.add_parts`).
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
            parts=parts,
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
    parts: tuple[str, ...] = (),
    library: dict[str, str] | None = None,
) -> ServiceResult:
    """`add_service` holding the service lock."""
    recover(dest)  # an add or update a crash interrupted is rolled back first
    if lexists(dest / LOCK_NAME) and library:
        adopt.refuse_vendored(lang, dest, read_lock(dest, TARGETS).options)
    if lexists(dest / LOCK_NAME):
        if sum(map(bool, (wire, name, parts))) > 1:
            raise UsageError(f"{dest}: give --wire, --name and --with in separate runs of add")
        if parts:
            done = add_parts(
                dest=dest, parts=parts, conventions=conventions, dry_run=dry_run, lang=lang
            )
            return ServiceResult(*done.head(dest), notes=done.notes)
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
    project_of = _go_project if lang == "go" else _rust_project
    opts, project = project_of(dest, name, parts)
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
