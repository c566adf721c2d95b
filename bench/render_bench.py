"""What jinja2's sandbox costs the render: every target of the default conventions,
rendered with the sandboxed environment scaffold uses and with a plain one, in one run.

    .venv/bin/python bench/render_bench.py [ROUNDS]

Prints the median time per full render of each target and the ratio sandboxed / plain.
Templates are compiled once per environment before timing, as the render cache does;
the two environments render in alternating rounds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scaffold.conventions import load  # noqa: E402
from scaffold.render import RenderOptions, render_manifest  # noqa: E402
from scaffold.render.engine import make_environment  # noqa: E402
from scaffold.render.filters import FILTERS  # noqa: E402
from scaffold.render.manifest import load_manifest  # noqa: E402
from scaffold.resources import bundled_conventions, templates_root  # noqa: E402
from scaffold.targets.registry import TARGETS  # noqa: E402

OPTIONS = {
    "go": RenderOptions("payments", "go", module_path="example.com/payments"),
    "rust": RenderOptions("checkout", "rust", crate_name="checkout"),
    "docs": RenderOptions("Acme", "docs", extra={"services": []}),
}


def plain_environment(folder: Path) -> jinja2.Environment:
    """The same settings as scaffold's environment, without the sandbox."""
    sandboxed = make_environment(folder)
    env = jinja2.Environment(
        loader=sandboxed.loader,
        undefined=jinja2.StrictUndefined,
        autoescape=sandboxed.autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def timed(target: str, rounds: int) -> tuple[float, float]:
    """Median seconds per render, plain and sandboxed, measured in alternating rounds so
    that load from elsewhere on the machine falls on both alike."""
    conv = load(bundled_conventions())
    manifest = load_manifest(templates_root(), target)
    view = TARGETS[target].build_view(conv, OPTIONS[target])
    folder = templates_root() / target
    envs = (plain_environment(folder), make_environment(folder))
    for env in envs:
        render_manifest(manifest, env, view, OPTIONS[target])  # compile every template once
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for env, out in zip(envs, samples, strict=True):
            start = time.perf_counter()
            render_manifest(manifest, env, view, OPTIONS[target])
            out.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(f"{'target':8} {'plain ms':>10} {'sandboxed ms':>13} {'ratio':>7}")
    for target in OPTIONS:
        plain, boxed = timed(target, rounds)
        print(f"{target:8} {plain * 1e3:10.2f} {boxed * 1e3:13.2f} {boxed / plain:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
