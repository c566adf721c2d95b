"""The conventions-derived Go files committed in runtime/go, and how to refresh them.

runtime/go is a Go module of its own so that the static runtime sources compile and are
tested where they live. The package needs its conventions-derived half too (constants,
rule tables, typed attributes and their tests), and the service skeleton in
runtime/go/service needs its main.go; those are the go target's templates rendered for
the bundled default conventions, committed beside the static sources. They never ship from
there: a service gets them from the templates, rendered for its own conventions.

tests/test_go_runtime.py fails when a committed file differs from the render. Refresh
them from the repository root with

    .venv/bin/python -m tests.go.runtime_derived
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.render.cache import prepared_target
from scaffold.render.engine import render_manifest
from scaffold.resources import templates_root
from scaffold.targets import go

ROOT = Path(__file__).resolve().parent.parent.parent
RUNTIME_GO = ROOT / "runtime" / "go"
DEFAULT_CONVENTIONS = ROOT / "conventions" / "observability.yaml"
# The runtime module: never published, so a reserved domain. Its path sorts before
# go.opentelemetry.io, as example_test.go's import block needs to stay gofmt-clean.
MODULE = "example.invalid/runtime"
SERVICE = "runtime"
REFRESH = ".venv/bin/python -m tests.go.runtime_derived"
# Rendered files that have no place in the runtime module: prose, and go.sum, which a
# service gets pruned to its parts from runtime/go/go.sum (the sums of every part, B3
# included: scaffold.targets.go_modules.pinned_sum).
_NOT_COMMITTED = {"README.md", "go.sum"}


def _runtime_path(rendered: str, package: str) -> str:
    """Where a rendered service file lives in runtime/go."""
    pure = PurePosixPath(rendered)
    if pure.parent == PurePosixPath("internal", package):
        return f"telemetry/{pure.name}"
    if rendered == "main.go":
        return "service/main.go"
    if rendered == "go.mod":
        return "go.mod"
    raise AssertionError(
        f"the go target renders {rendered!r} from a template; say in {__file__} where it "
        "lives in runtime/go (or that it is not committed there)"
    )


def derived_files() -> dict[str, str]:
    """{path under runtime/go: content} of every template-rendered file, rendered now."""
    conv = load(DEFAULT_CONVENTIONS)
    opts = RenderOptions(service_name=SERVICE, target="go", mode="new", module_path=MODULE)
    manifest, env = prepared_target(templates_root(), "go")
    view = dict(go.build_view(conv, opts))
    # The package sits at runtime/go/telemetry, not under internal/: import it from there.
    view["import_path"] = f"{MODULE}/telemetry"
    rendered = render_manifest(manifest, env, view, opts)
    return {
        _runtime_path(path, conv.go_package): file.content
        for path, file in rendered.files.items()
        if file.template.startswith("templates/") and path not in _NOT_COMMITTED
    }


def stale_files() -> list[str]:
    """Paths under runtime/go whose committed content differs from the render."""
    out = []
    for rel, content in sorted(derived_files().items()):
        path = RUNTIME_GO / rel
        if not path.is_file() or path.read_bytes() != content.encode("utf-8"):
            out.append(rel)
    return out


def refresh() -> list[str]:
    """Rewrite every stale derived file; returns the paths rewritten."""
    files = derived_files()
    changed = stale_files()
    for rel in changed:
        path = RUNTIME_GO / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel].encode("utf-8"))
    return changed


if __name__ == "__main__":
    rewritten = refresh()
    for rel in rewritten:
        sys.stdout.write(f"rewrote runtime/go/{rel}\n")
    sys.stdout.write(f"{len(rewritten)} derived file(s) refreshed\n")
