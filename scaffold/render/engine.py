"""Render one target's manifest against its view into files in memory.

The engine knows no language and no target: it is handed the manifest, the jinja2
environment and the view the target's view builder made (scaffold/targets/ holds the
registry), renders each entry with StrictUndefined in jinja2's sandbox, copies static
sources with the manifest's rewrites, and returns the files. Nothing is written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.sandbox

from scaffold.errors import TemplateError
from scaffold.render.cache import path_template, static_source
from scaffold.render.filters import FILTERS
from scaffold.render.headers import add_header
from scaffold.render.manifest import Manifest, ManifestEntry, Owner
from scaffold.render.options import RenderOptions


@dataclass(frozen=True)
class RenderedFile:
    path: str
    content: str
    owner: Owner
    template: str


@dataclass(frozen=True)
class Rendered:
    target: str
    options: RenderOptions
    files: dict[str, RenderedFile] = field(default_factory=dict)

    def paths(self, owner: Owner | None = None) -> list[str]:
        return sorted(p for p, f in self.files.items() if owner is None or f.owner == owner)


def make_environment(folder: Path) -> jinja2.Environment:
    """The one jinja2 environment: sandboxed, strict, no autoescape for code, HTML escaped."""
    shared = folder.parent / "_shared"
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(folder)), jinja2.FileSystemLoader(str(shared))]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "htm.j2"), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def _safe_path(raw: str, where: str) -> str:
    text = raw.strip()
    pure = PurePosixPath(text)
    if not text or pure.is_absolute() or ".." in pure.parts or "\\" in text:
        raise TemplateError(f"{where}: output path {raw!r} must be relative, inside the service")
    return str(pure)


def _items(entry: ManifestEntry, view: Mapping[str, Any]) -> Iterable[Any]:
    if not entry.each:
        return [None]
    value: Any = view
    for part in entry.each.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise TemplateError(f"{entry.template}: 'each: {entry.each}' is not in the view")
        value = value[part]
    if not isinstance(value, list | tuple):
        raise TemplateError(f"{entry.template}: 'each: {entry.each}' is not a list")
    return value


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def _static(
    env: jinja2.Environment, manifest: Manifest, entry: ManifestEntry, scope: Mapping[str, Any]
) -> str:
    assert manifest.runtime is not None  # load_manifest refuses static entries without one
    content = static_source(manifest.runtime / entry.template)
    for rewrite in manifest.rewrites:
        replacement = path_template(env, rewrite.replace).render(scope)
        # A function, so that backslashes in the replacement are taken literally.
        content = rewrite.pattern.sub(_literal(replacement), content)
    return content


def _source_name(manifest: Manifest, entry: ManifestEntry) -> str:
    if entry.static:
        assert manifest.runtime is not None
        return f"runtime/{manifest.runtime.name}/{entry.template}"
    return f"templates/{manifest.target}/{entry.template}"


def _render_one(
    env: jinja2.Environment, manifest: Manifest, entry: ManifestEntry, view: Mapping[str, Any]
) -> list[RenderedFile]:
    source = _source_name(manifest, entry)
    out: list[RenderedFile] = []
    try:
        template = None if entry.static else env.get_template(entry.template)
        path_expr = path_template(env, entry.path)
        for item in _items(entry, view):
            scope = {**view, "item": item} if entry.each else view
            path = _safe_path(path_expr.render(scope), source)
            if template is None:
                content = _static(env, manifest, entry, scope)
            else:
                content = template.render(scope)
            if entry.owner == "generated":
                content = add_header(path, source, content)
            out.append(RenderedFile(path, content, entry.owner, source))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{source}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{source}: {exc.message} (a value the template needs)") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{source}: refused by the template sandbox: {exc}") from exc
    return out


def render_one_template(env: jinja2.Environment, name: str, view: Mapping[str, Any]) -> str:
    """One template of the environment's folder, rendered with `view` (no header)."""
    try:
        return env.get_template(name).render(view)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name}: {exc}") from exc


def _parts(view: Mapping[str, Any], entry: ManifestEntry) -> list[str]:
    parts = view.get("parts")
    if not isinstance(parts, list):
        raise TemplateError(f"{entry.template}: 'part: {entry.part}' needs `parts` in the view")
    return parts


def render_manifest(
    manifest: Manifest,
    env: jinja2.Environment,
    view: Mapping[str, Any],
    opts: RenderOptions,
) -> Rendered:
    """Render every manifest entry for `opts.mode` against `view`, in memory. A service in
    library mode (`opts.library`) gets only the entries marked `library: true` (or
    `only`: those are left out of every other render); an entry with a `part` only when
    the view's `parts` names it."""
    files: dict[str, RenderedFile] = {}
    for entry in manifest.entries:
        if opts.mode not in entry.modes or (opts.library and not entry.library):
            continue
        if entry.library_only and not opts.library:
            continue
        if entry.part and entry.part not in _parts(view, entry):
            continue
        for rendered in _render_one(env, manifest, entry, view):
            if rendered.path in files:
                raise TemplateError(
                    f"{rendered.template}: path {rendered.path} is also produced by "
                    f"{files[rendered.path].template}"
                )
            files[rendered.path] = rendered
    return Rendered(target=manifest.target, options=opts, files=files)
