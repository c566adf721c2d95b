"""A service's reference to the organisation's library: what `--lib NAME@VERSION` and
`--lib-path DIR` said, kept in the service's lock (options.extra["library"]).

The lock is untrusted input, so the reference is checked whenever it is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold import naming
from scaffold.errors import UsageError
from scaffold.render.options import RenderOptions
from scaffold.targets.go_modules import module_path_problem
from scaffold.targets.library_version import check_module_major, plain_version

_CRATE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_PATH = re.compile(r"[A-Za-z0-9._/-]{1,512}")
_KEYS = {"name", "version", "path"}
_MAX_MODULE = 512  # the library's module path: a line of go.mod and of every import


@dataclass(frozen=True)
class LibraryRef:
    """The library a service depends on: its module path or crate name, the version the
    service requires, and (for local builds) the library's folder relative to the service,
    POSIX slashes, or ''."""

    lang: str
    name: str
    version: str
    path: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "path": self.path}

    def folder(self, root: Path) -> Path | None:
        """The library's folder, resolved against the service root, or None."""
        return Path(os.path.normpath(root / self.path)) if self.path else None


def _check_name(lang: str, name: str, where: str) -> str:
    if lang == "go":
        too_long = f"at most {_MAX_MODULE} characters, not {len(name)}"
        problem = module_path_problem(name) if len(name) <= _MAX_MODULE else too_long
        if problem:
            raise UsageError(f"{where}: {name[:80]!r} is not a Go module path: {problem}")
    elif not _CRATE.fullmatch(name) or naming.rust_reserved(name.replace("-", "_")):
        raise UsageError(
            f"{where}: {name[:80]!r} is not a crate name (a letter, then letters, digits, "
            "'-' or '_', at most 64 characters, not a Rust keyword)"
        )
    return name


def _check_path(path: str, where: str) -> str:
    parts = path.split("/")
    if not _PATH.fullmatch(path) or path.startswith("/") or "" in parts:
        raise UsageError(
            f"{where}: library path {path[:80]!r} must be relative to the service, in letters, "
            "digits, '.', '_', '-' and '/' (e.g. ../telemetry-go)"
        )
    return path


def make_ref(lang: str, name: str, version: str, path: str, where: str) -> LibraryRef:
    """A checked reference; UsageError naming `where` when any part is wrong."""
    plain = plain_version(version, where)
    _check_name(lang, name, where)
    if lang == "go":
        check_module_major(name, plain, where)
    return LibraryRef(lang, name, plain, _check_path(path, where) if path else "")


def parse_lib_arg(lang: str, text: str) -> tuple[str, str]:
    """`--lib NAME@VERSION` split and checked: (name, version without `v`)."""
    name, at, version = text.rpartition("@")
    if not at or not name or not version:
        example = "example.com/acme/telemetry@v1.0.0" if lang == "go" else "acme-telemetry@1.0.0"
        raise UsageError(f"--lib {text[:80]!r}: give NAME@VERSION, e.g. --lib {example}")
    ref = make_ref(lang, name, version, "", "--lib")
    return ref.name, ref.version


def relative_lib_path(service: Path, library: Path) -> str:
    """`--lib-path DIR` as the service records it: relative to the service, POSIX."""
    rel = os.path.relpath(library.resolve(), service.resolve())
    return Path(rel).as_posix()


def library_ref(opts: RenderOptions, where: str = "the lock") -> LibraryRef | None:
    """The reference a service's options hold, checked; None for a vendored service."""
    raw: Any = opts.extra.get("library")
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or set(raw) != _KEYS
        or not all(isinstance(v, str) for v in raw.values())
    ):
        raise UsageError(
            f"{where}: options.extra.library must hold exactly the strings name, version "
            "and path; restore the lock from version control, never edit it"
        )
    return make_ref(opts.target, raw["name"], raw["version"], raw["path"], where)


def view_of(opts: RenderOptions) -> dict[str, str] | None:
    """What the service templates see of the library: name, version, path, and `replace`
    (the path as a go.mod replacement: ./ or ../ in front)."""
    ref = library_ref(opts)
    if ref is None:
        return None
    replace = ref.path if ref.path.startswith(("../", "./")) else f"./{ref.path}"
    return {**ref.to_dict(), "replace": replace if ref.path else ""}
