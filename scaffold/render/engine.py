"""Render one target's templates from the conventions into files in memory.

The engine knows no language: it reads the target's manifest, asks the target's view
builder (scaffold/targets/<target>.py: `build_view`) for a resolved view, renders each
entry with StrictUndefined and returns the files. Nothing is written here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from scaffold import __version__
from scaffold.conventions.model import Conventions
from scaffold.errors import TemplateError, UsageError
from scaffold.render.cache import path_template, prepared_target
from scaffold.render.filters import FILTERS
from scaffold.render.headers import add_header
from scaffold.render.manifest import Manifest, ManifestEntry, Owner
from scaffold.render.options import RenderOptions
from scaffold.resources import templates_root


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
    """The one jinja2 environment: strict, no autoescape for code, HTML escaped."""
    shared = folder.parent / "_shared"
    env = jinja2.Environment(
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


def build_view(target: str, conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    """The target's view: what its templates see, plus what every template may use."""
    try:
        module = importlib.import_module(f"scaffold.targets.{target}")
    except ModuleNotFoundError as exc:
        raise TemplateError(f"target {target!r} has no view builder (scaffold/targets/)") from exc
    view = dict(module.build_view(conv, opts))
    view.setdefault("conventions", conv)
    view.setdefault("options", opts)
    view.setdefault("tool_version", __version__)
    return view


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


def _render_one(
    env: jinja2.Environment, manifest: Manifest, entry: ManifestEntry, view: dict[str, Any]
) -> list[RenderedFile]:
    source = f"templates/{manifest.target}/{entry.template}"
    out: list[RenderedFile] = []
    try:
        template = env.get_template(entry.template)
        path_expr = path_template(env, entry.path)
        for item in _items(entry, view):
            scope = {**view, "item": item} if entry.each else view
            path = _safe_path(path_expr.render(scope), source)
            content = template.render(scope)
            if entry.owner == "generated":
                content = add_header(path, source, content)
            out.append(RenderedFile(path, content, entry.owner, source))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{source}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{source}: {exc.message} (a value the template needs)") from exc
    return out


def render_target(
    target: str,
    conv: Conventions,
    opts: RenderOptions,
    *,
    templates_dir: Path | None = None,
) -> Rendered:
    """Render every manifest entry of `target` for `opts.mode`, in memory."""
    root = templates_dir or templates_root()
    if not (root / target).is_dir():
        known = sorted(p.name for p in root.iterdir() if (p / "manifest.yaml").is_file())
        raise UsageError(f"unknown target {target!r}; known targets: {', '.join(known)}")
    manifest, env = prepared_target(root, target)
    view = build_view(manifest.view, conv, opts)
    files: dict[str, RenderedFile] = {}
    for entry in manifest.entries:
        if opts.mode not in entry.modes:
            continue
        for rendered in _render_one(env, manifest, entry, view):
            if rendered.path in files:
                raise TemplateError(
                    f"{rendered.template}: path {rendered.path} is also produced by "
                    f"{files[rendered.path].template}"
                )
            files[rendered.path] = rendered
    return Rendered(target=target, options=opts, files=files)
