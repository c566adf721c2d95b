"""The rendering core: filters, manifests, the jinja2 environment and `render_target`."""

from scaffold.render.engine import Rendered, RenderedFile, make_environment, render_target
from scaffold.render.options import RenderOptions

__all__ = ["RenderOptions", "Rendered", "RenderedFile", "make_environment", "render_target"]
