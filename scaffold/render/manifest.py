"""Per-target manifests: which source produces which path, how often, owned by whom.

The manifest is data (templates/<target>/manifest.yaml); its YAML is read through the
conventions module's single YAML reader, and checked here. An entry names either a jinja2
`template` (under the manifest's folder) or a `static` source: real Go or Rust code under
`runtime/<runtime>/`, copied as it is except for the manifest's `rewrite` rules (for
example the package clause), whose replacements are rendered with the target's view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from scaffold.conventions.yamlsource import read_plain_yaml
from scaffold.errors import TemplateError
from scaffold.resources import runtime_beside

Owner = Literal["generated", "user"]
_RUNTIME_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_KEYS = {"template", "static", "path", "owner", "modes", "each", "library", "part"}
_TOP_KEYS = {"target", "lang", "runtime", "rewrite", "files", "data"}


@dataclass(frozen=True)
class ManifestEntry:
    template: str
    path: str
    owner: Owner
    modes: tuple[str, ...]
    each: str
    # True: `template` is a static source under the manifest's runtime folder.
    static: bool = False
    # True: also rendered for a service in library mode (which depends on the
    # organisation's library instead of receiving the generated package); see
    # docs/library.md. Entries without it are left out in that mode.
    library: bool = False
    # Rendered only when the view's `parts` names it ('' = always).
    part: str = ""
    # True (`library: only`): rendered only in library mode (the glue of `add --lib`).
    library_only: bool = False


@dataclass(frozen=True)
class Rewrite:
    """One line-anchored substitution applied to every static source."""

    pattern: re.Pattern[str]
    replace: str


@dataclass(frozen=True)
class Manifest:
    target: str
    root: Path
    entries: tuple[ManifestEntry, ...]
    # The folder of static sources, or None when the target has none.
    runtime: Path | None = None
    rewrites: tuple[Rewrite, ...] = ()
    # Runtime files the tool itself reads (shipped, never rendered), e.g. pinned go.sum lines.
    data: tuple[str, ...] = ()


def _rewrites(raw: object, where: Path) -> tuple[Rewrite, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TemplateError(f"{where}: 'rewrite' must be a list of {{match, replace}}")
    out: list[Rewrite] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"match", "replace"}:
            raise TemplateError(f"{where}: rewrite[{index}] needs exactly 'match' and 'replace'")
        try:
            pattern = re.compile(str(item["match"]), re.MULTILINE)
        except re.error as exc:
            raise TemplateError(f"{where}: rewrite[{index}]: {exc}") from exc
        out.append(Rewrite(pattern, str(item["replace"])))
    return tuple(out)


def _entry(item: object, where: str, folder: Path, runtime: Path | None) -> ManifestEntry:
    if not isinstance(item, dict) or "path" not in item:
        raise TemplateError(f"{where}: needs 'path' and one of 'template' or 'static'")
    unknown = set(item) - _KEYS
    if unknown:
        raise TemplateError(f"{where}: unknown keys {sorted(unknown)}")
    if ("template" in item) == ("static" in item):
        raise TemplateError(f"{where}: give exactly one of 'template' or 'static'")
    owner = item.get("owner", "generated")
    if owner not in ("generated", "user"):
        raise TemplateError(f"{where}: owner must be 'generated' or 'user', not {owner!r}")
    modes = tuple(item.get("modes", ["new", "add"]))
    if not set(modes) <= {"new", "add"}:
        raise TemplateError(f"{where}: modes may hold only 'new' and 'add'")
    static = "static" in item
    source = str(item["static"] if static else item["template"])
    base = runtime if static else folder
    if base is None:
        raise TemplateError(f"{where}: a 'static' entry needs the manifest's 'runtime' folder")
    inside_source(base, source, where)
    library = item.get("library", False)
    if not isinstance(library, bool) and library != "only":
        raise TemplateError(f"{where}: 'library' must be true, false or only, not {library!r}")
    part = item.get("part", "")
    if not isinstance(part, str):
        raise TemplateError(f"{where}: part must be a name, such as grpc")
    return ManifestEntry(
        source,
        str(item["path"]),
        owner,
        modes,
        str(item.get("each", "")),
        static,
        library is True or library == "only",
        part,
        library == "only",
    )


def inside_source(base: Path, source: str, where: str) -> Path:
    """`base/source` when it is a regular file inside `base`, reached through no symlink and
    no `..`; else TemplateError. Manifests are package data, but they must not be able to
    read (or ship) a file from anywhere else on the machine."""
    pure = PurePosixPath(source)
    if not source or pure.is_absolute() or ".." in pure.parts or "\\" in source:
        raise TemplateError(f"{where}: {source!r} must be a relative path inside {base}")
    path = base / pure
    real_base = base.resolve()
    if path.is_symlink() or not path.is_file() or path.resolve() != real_base / pure:
        raise TemplateError(f"{where}: {source!r} is not a file in {base} (nor a symlink)")
    return path


def _runtime(root: Path, name: object, where: Path) -> Path | None:
    """The manifest's folder of static sources, beside the templates root, or None."""
    if name is None:
        return None
    if not isinstance(name, str) or not _RUNTIME_NAME.fullmatch(name):
        raise TemplateError(f"{where}: 'runtime' must be a plain folder name, not {name!r}")
    folder = runtime_beside(root) / name
    if not folder.is_dir() or folder.is_symlink():
        raise TemplateError(f"{where}: runtime folder {folder} does not exist")
    return folder


def manifest_sources(manifest: Manifest) -> list[tuple[str, Path]]:
    """(name, path) of every source file the manifest renders or copies, sorted."""
    out = {
        (f"runtime/{e.template}" if e.static else e.template): (
            (manifest.runtime if e.static and manifest.runtime else manifest.root) / e.template
        )
        for e in manifest.entries
    }
    return sorted(out.items())


def load_manifest(root: Path, target: str) -> Manifest:
    """Read and check `root/target/manifest.yaml`."""
    folder = root / target
    path = folder / "manifest.yaml"
    if not path.is_file():
        known = sorted(p.name for p in root.iterdir() if (p / "manifest.yaml").is_file())
        raise TemplateError(
            f"no target {target!r}: {path} does not exist (targets: {', '.join(known) or 'none'})"
        )
    data = read_plain_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise TemplateError(f"{path}: expected a mapping with a 'files' list")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise TemplateError(f"{path}: unknown keys {sorted(unknown)}")
    runtime = _runtime(root, data.get("runtime"), path)
    entries = tuple(
        _entry(item, f"{path}: files[{index}]", folder, runtime)
        for index, item in enumerate(data["files"])
    )
    return Manifest(
        target=target,
        root=folder,
        entries=entries,
        runtime=runtime,
        rewrites=_rewrites(data.get("rewrite"), path),
        data=_data(data.get("data", []), path, runtime),
    )


def _data(raw: object, where: Path, runtime: Path | None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise TemplateError(f"{where}: 'data' must be a list of paths under the runtime folder")
    if raw and runtime is None:
        raise TemplateError(f"{where}: 'data' needs the manifest's 'runtime' folder")
    for item in raw:
        assert runtime is not None
        inside_source(runtime, item, f"{where}: data")
    return tuple(raw)
