"""Render the generated instrumentation package into bench/go/internal/ (mode add)."""

from __future__ import annotations

import sys
from pathlib import Path

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.resources import bundled_conventions
from scaffold.targets.registry import render_target

HERE = Path(__file__).resolve().parent


def main() -> int:
    conventions = Path(sys.argv[1]) if len(sys.argv) > 1 else bundled_conventions()
    opts = RenderOptions(
        service_name="bench", target="go", module_path="example.com/bench", mode="add"
    )
    rendered = render_target("go", load(conventions), opts)
    for rel, f in rendered.files.items():
        if rel.endswith("_test.go"):
            continue
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f.content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
