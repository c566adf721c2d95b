"""The golden cases: which conventions file, rendered for which target and options.

Each case renders one conventions file into memory; the result is compared, as a
directory, with `tests/golden/<case>/expected/<render>/`. Refresh after a deliberate change with
`.venv/bin/python -m pytest tests/test_golden.py --update-golden` and review the diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.targets.registry import render_target

GOLDEN = Path(__file__).resolve().parent
_ROOT = GOLDEN.parent.parent
# Each case's conventions file: the bundled default, the large example, the hostile file.
SOURCES = {
    "default": _ROOT / "conventions" / "observability.yaml",
    "large-org": _ROOT / "conventions" / "examples" / "large-org.yaml",
    "hostile": _ROOT / "tests" / "fixtures" / "hostile.yaml",
}
CASES = tuple(SOURCES)


@dataclass(frozen=True)
class GoldenRender:
    name: str
    options: RenderOptions


def renders(organisation: str) -> tuple[GoldenRender, ...]:
    return (
        GoldenRender(
            "go-new",
            RenderOptions(
                service_name="payments",
                target="go",
                mode="new",
                module_path="example.com/acme/payments",
            ),
        ),
        GoldenRender(
            "go-add",
            RenderOptions(
                service_name="ledger",
                target="go",
                mode="add",
                module_path="example.com/acme/ledger/v2",
            ),
        ),
        GoldenRender(
            "rust-new",
            RenderOptions(
                service_name="checkout", target="rust", mode="new", crate_name="checkout"
            ),
        ),
        GoldenRender(
            "rust-add",
            RenderOptions(
                service_name="stock-api", target="rust", mode="add", crate_name="stock_api"
            ),
        ),
        GoldenRender(
            "docs",
            RenderOptions(service_name=organisation, target="docs", extra={"services": []}),
        ),
        GoldenRender(
            "collector",
            RenderOptions(
                service_name=organisation,
                target="collector",
                extra={"topologies": ["single", "agent", "gateway"]},
            ),
        ),
        GoldenRender("alerts", RenderOptions(service_name=organisation, target="alerts")),
        GoldenRender("dashboards", RenderOptions(service_name=organisation, target="dashboards")),
    )


def render_case(case: str) -> dict[str, dict[str, str]]:
    """{render name: {path: content}} for one case. The docs name the conventions file by
    its path; the checkout's own location is cut from it there (and only there: a path
    leaking into code would show), so any clone compares equal."""
    conv = load(SOURCES[case])
    checkout = str(_ROOT) + "/"
    out: dict[str, dict[str, str]] = {}
    for r in renders(conv.organisation):
        rendered = render_target(r.options.target, conv, r.options)
        cut = checkout if r.options.target == "docs" else "\0"
        out[r.name] = {p: f.content.replace(cut, "") for p, f in rendered.files.items()}
    return out
