"""The library's files, in memory: the go or rust target's generated package, rendered
as a library (scaffold/targets/go.py and rust.py read `extra["lib_package"]`), moved to
where a module or crate keeps it, plus the golib or rustlib target's own files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.errors import TemplateError, UsageError
from scaffold.render import RenderOptions
from scaffold.render.cache import prepared_target
from scaffold.render.engine import render_manifest
from scaffold.resources import templates_root
from scaffold.targets import go, rust
from scaffold.targets.registry import render_target

CHANGELOG = "CHANGELOG.md"
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
_GO_PACKAGE = "internal/{{ go_package }}/"


def library_options(lang: str, name: str) -> RenderOptions:
    """How the package is rendered for the library `name` (module path or crate name)."""
    if lang == "go":
        return RenderOptions(
            service_name="library",
            target="go",
            mode="add",
            module_path=name,
            extra={"lib_package": True},
        )
    return RenderOptions(
        service_name=name, target="rust", mode="add", crate_name=name, extra={"lib_package": True}
    )


def _own_files(target: str, view: dict[str, Any], opts: RenderOptions) -> dict[str, str]:
    manifest, env = prepared_target(templates_root(), target)
    rendered = render_manifest(manifest, env, view, opts)
    return {path: f.content for path, f in rendered.files.items()}


def render_library(
    lang: str, conv: Conventions, *, name: str, version: str, registry: str = ""
) -> dict[str, str]:
    """{path: text} of every file of the library at `version`, except CHANGELOG.md;
    `registry`: the one registry a Rust crate may be published to ('' for none)."""
    opts = library_options(lang, name)
    package = render_target(opts.target, conv, opts)
    files: dict[str, str] = {}
    if lang == "go":
        prefix = f"internal/{conv.go_package}/"
        for path, rendered in package.files.items():
            if not path.startswith(prefix):
                raise TemplateError(f"{rendered.template}: {path} is outside the package")
            files[path.removeprefix(prefix)] = rendered.content
        view = {**go.build_view(conv, opts), "version": version}
        own = _own_files("golib", view, opts)
    else:
        files = {path: rendered.content for path, rendered in package.files.items()}
        view = {**rust.build_view(conv, opts), "version": version, "registry": registry}
        own = _own_files("rustlib", view, opts)
    clash = sorted((set(files) & set(own)) | ({CHANGELOG} & (set(files) | set(own))))
    if clash:
        raise TemplateError(f"library files produced twice: {', '.join(clash)}")
    return {**files, **own}


def _library_paths(lang: str) -> list[re.Pattern[str]]:
    """Full-match patterns of every path a library of `lang` can hold (a placeholder in
    a manifest path stands for one path component or part of one)."""
    package, own = ("go", "golib") if lang == "go" else ("rust", "rustlib")
    paths = [entry.path for entry in prepared_target(templates_root(), own)[0].entries]
    for entry in prepared_target(templates_root(), package)[0].entries:
        if lang == "rust":
            paths.append(entry.path)
        elif entry.path.startswith(_GO_PACKAGE):
            paths.append(entry.path.removeprefix(_GO_PACKAGE))
    return [
        re.compile("[^/]+".join(re.escape(part) for part in _PLACEHOLDER.split(path)))
        for path in paths
    ]


def refuse_foreign_files(where: str, lang: str, files: Iterable[str]) -> None:
    """UsageError when a library lock lists a file no library of `lang` can produce (an
    edited lock: the next run would delete that file as a stale generated one)."""
    patterns = _library_paths(lang)
    for rel in sorted(files):
        if not any(pattern.fullmatch(rel) for pattern in patterns):
            raise UsageError(
                f"{where}: invalid library lock: file {rel[:120]!r} is nothing a {lang} "
                "library can produce; restore the lock from version control, it is "
                "generated, never edit it"
            )
