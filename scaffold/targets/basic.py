"""The plainest view: the conventions and the options, for simple targets and fixtures."""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.render.options import RenderOptions


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    return {
        "conventions": conv,
        "options": opts,
        "service_name": opts.service_name,
        "attributes": list(conv.attributes),
    }
