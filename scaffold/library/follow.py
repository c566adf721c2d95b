"""A service in library mode: what `new --lib` records, and how `update` and `check`
find the library's current version (its folder's lock, or a version given)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.library.lock import LIBRARY_LOCK, LibraryLock, library_at, read_library_lock
from scaffold.render.options import RenderOptions
from scaffold.sync.lock import LOCK_NAME
from scaffold.targets.library_ref import (
    LibraryRef,
    library_ref,
    make_ref,
    parse_lib_arg,
    relative_lib_path,
)
from scaffold.targets.library_version import module_for, parse_version, plain_version


def service_library(lang: str, dest: Path, lib: str, lib_path: Path | None) -> dict[str, str]:
    """What `new --lib NAME@VERSION [--lib-path DIR]` records in the service's options.

    With --lib-path the version may be left out (`--lib NAME`): the library's lock says
    it; a version that disagrees with the folder's is refused."""
    if lib_path is None or "@" in lib:
        name, version = parse_lib_arg(lang, lib)
    else:
        name, version = lib, ""
    path = ""
    if lib_path is not None:
        lock = library_at(lib_path, lang, name)
        if version and version != lock.version:
            raise UsageError(
                f"--lib {lib!r}: the library at {lib_path} is version {lock.version}; give "
                f"that version, or leave it out (--lib {name})"
            )
        name, version = lock.name, lock.version
        path = relative_lib_path(dest, lib_path)
    return make_ref(lang, name, version, path, "--lib").to_dict()


def current_version(root: Path, opts: RenderOptions, given: str = "") -> RenderOptions:
    """`opts` moved to the library's current version: `given` (update --lib-version), else
    the version in the library folder's lock (--lib-path), else unchanged. A Go module
    takes the /vN path of its new major version."""
    ref = library_ref(opts)
    if ref is None:
        return opts
    if given:
        version = plain_version(given, "--lib-version")
    elif ref.path:
        folder = ref.folder(root)
        assert folder is not None
        version = recorded_library(root, ref, folder).version
        _refuse_older(folder, ref, version)
    else:
        return opts
    name = module_for(ref.name, version) if ref.lang == "go" else ref.name
    moved = make_ref(ref.lang, name, version, ref.path, "the library")
    return replace(opts, extra={**opts.extra, "library": moved.to_dict()})


def recorded_library(root: Path, ref: LibraryRef, folder: Path) -> LibraryLock:
    """The lock of the library folder the service at `root` records (update, check);
    UsageError with the fixes `update` can take when the folder holds no library."""
    if read_library_lock(folder) is None:
        raise UsageError(
            f"{root / LOCK_NAME}: the service depends on the library folder {ref.path!r} "
            f"({folder}), which holds no library now (moved or deleted); put the library "
            f"back there, or a symlink to where it is now (ln -s NEW_PLACE {folder}), or "
            "create the service anew with `scaffold new --lib ... --lib-path NEW_PLACE`"
        )
    return library_at(folder, ref.lang, ref.name)


def _refuse_older(folder: Path, ref: LibraryRef, version: str) -> None:
    """UsageError when the library folder is at an older version than the service requires:
    a folder checked out at an older commit, or rendered anew, never moves a service back."""
    if parse_version(version, "version") >= parse_version(ref.version, "version"):
        return
    raise UsageError(
        f"{folder / LIBRARY_LOCK}: the library is at {version}, older than the "
        f"{ref.version} the service requires ({ref.path}); bring the library folder to "
        f"{ref.version} or later (check out its newer commit, or run `scaffold lib --dir "
        f"{ref.path}`), or move the service back on purpose with `scaffold update "
        f"--lib-version {version}`"
    )


def behind(old: RenderOptions, new: RenderOptions, given: bool = False) -> str:
    """Why a service is behind its library ('' when it is not): for `check`; `given`: the
    version came from --lib-version, not from the library's folder."""
    was, now = library_ref(old), library_ref(new)
    if was is None or now is None or was.version == now.version:
        return ""
    where = f"the library at {now.path} is" if now.path and not given else "--lib-version is"
    late = parse_version(was.version, "version") < parse_version(now.version, "version")
    return (
        f"{'behind' if late else 'ahead of'} the library: requires {was.name} {was.version}, "
        f"{where} {now.version} ({now.name}); run `scaffold update`"
    )


def other_conventions(root: Path, opts: RenderOptions, digest: str) -> str:
    """Why the service at `root` and its library folder follow different conventions ('' when
    they agree, or the service names no library folder): for `check`. `digest` is that of
    the conventions file the service renders from now; the library's lock records its own."""
    ref = library_ref(opts)
    folder = ref.folder(root) if ref is not None else None
    if ref is None or folder is None:
        return ""
    lock = recorded_library(root, ref, folder)
    if lock.conventions_digest == digest:
        return ""
    return (
        f"other conventions than its library: the service renders from conventions "
        f"{digest[:19]}..., the library at {ref.path} was rendered from "
        f"{lock.conventions_path!r} ({lock.conventions_digest[:19]}...); render both from "
        f"the same file (`scaffold lib --dir {ref.path} -c FILE` and `scaffold update -c FILE`)"
    )
