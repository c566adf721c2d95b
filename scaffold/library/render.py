"""The library's files, in memory: the go or rust target's generated package, rendered
as a library (scaffold/targets/go.py and rust.py read `extra["lib_package"]`), moved to
where a module or crate keeps it, plus the golib or rustlib target's own files."""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.errors import TemplateError
from scaffold.render import RenderOptions
from scaffold.render.cache import prepared_target
from scaffold.render.engine import render_manifest
from scaffold.resources import templates_root
from scaffold.targets import go, rust
from scaffold.targets.registry import render_target

CHANGELOG = "CHANGELOG.md"


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
