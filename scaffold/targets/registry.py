"""The target registry: one row per target, naming its view builder.

A target is a folder under `templates/` (its manifest and templates, plus static sources
under `runtime/` where the manifest names them) and one row here. The render engine is
handed the manifest, the environment and the view; it never looks a target up itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.errors import UsageError
from scaffold.render.cache import prepared_target
from scaffold.render.engine import Rendered, render_manifest, render_one_template
from scaffold.render.options import RenderOptions
from scaffold.resources import templates_root
from scaffold.targets import alerts, collector, dashboards, docs, go, rust

ViewBuilder = Callable[[Conventions, RenderOptions], Mapping[str, Any]]


@dataclass(frozen=True)
class Target:
    """A renderable target: its name (also its folder under templates/) and view builder."""

    name: str
    build_view: ViewBuilder
    summary: str


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("go", go.build_view, "Go instrumentation package and net/http service"),
        Target("rust", rust.build_view, "Rust telemetry module and axum service"),
        Target("docs", docs.build_view, "Markdown docs and the offline HTML site"),
        Target(
            "collector",
            collector.build_view,
            "OpenTelemetry Collector configs and builder manifest",
        ),
        Target(
            "alerts",
            alerts.build_view,
            "Prometheus recording and alerting rules with promtool tests",
        ),
        Target(
            "dashboards", dashboards.build_view, "Grafana dashboards for RED and pipeline health"
        ),
    )
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(
            f"unknown target {name!r}; known targets: {', '.join(sorted(TARGETS))}"
        ) from None


def render_templates(
    target: str,
    names: Sequence[str],
    conv: Conventions,
    opts: RenderOptions,
    *,
    templates_dir: Path | None = None,
) -> dict[str, str]:
    """Single templates of `target` (by path under its folder) rendered with its view."""
    spec = get_target(target)
    _manifest, env = prepared_target(templates_dir or templates_root(), spec.name)
    view = spec.build_view(conv, opts)
    return {name: render_one_template(env, name, view) for name in names}


def render_target(
    target: str,
    conv: Conventions,
    opts: RenderOptions,
    *,
    templates_dir: Path | None = None,
) -> Rendered:
    """Render every manifest entry of `target` for `opts.mode`, in memory."""
    spec = get_target(target)
    manifest, env = prepared_target(templates_dir or templates_root(), spec.name)
    view = spec.build_view(conv, opts)
    return render_manifest(manifest, env, view, opts)
