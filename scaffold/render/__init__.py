"""The rendering core: filters, manifests, the sandboxed jinja2 environment, the engine."""

from scaffold.render.engine import Rendered, RenderedFile, make_environment, render_manifest
from scaffold.render.options import RenderOptions

__all__ = ["RenderOptions", "Rendered", "RenderedFile", "make_environment", "render_manifest"]
