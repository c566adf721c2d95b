"""The crate under runtime/rust: the module's static sources, checked in place.

The static sources (named by `static:` entries of templates/rust/manifest.yaml) only
compile beside the conventions-derived files, so those are committed too, rendered from
the bundled default conventions, together with the crate's Cargo.toml (the dependencies
`scaffold new` pins) and the span names tests/rust/expect.py computes for them.
tests/test_rust_runtime.py fails when any of these is stale; refresh them with

    .venv/bin/python -m tests.rust.runtime_crate

None of them ships: only files a manifest entry names reach a service or the wheel.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.resources import bundled_conventions
from scaffold.targets.registry import render_target
from tests.rust.expect import expected_names_json

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime" / "rust"
# The package name of the runtime crate; its library is `scaffold_runtime`.
CRATE = "scaffold-runtime"
REFRESH = ".venv/bin/python -m tests.rust.runtime_crate"
# Project-only files of the crate, written by hand.
HAND_WRITTEN = ("src/lib.rs", ".cargo/config.toml")

_CARGO_PREFIX = (
    "# The crate that checks runtime/rust/src in place (cargo fmt, clippy, test).\n"
    "# Written by `" + REFRESH + "` from the Cargo.toml\n"
    "# `scaffold new --lang rust` renders for the bundled conventions; never ships.\n\n"
)


def committed_renders() -> dict[str, str]:
    """{path under runtime/rust: text} of every file rendered from the default conventions."""
    conv = load(bundled_conventions())
    opts = RenderOptions(service_name=CRATE, target="rust", mode="new", crate_name=CRATE)  # type: ignore[arg-type]
    rendered = render_target("rust", conv, opts)
    module = f"src/{conv.rust_module}/"
    out = {
        "src/telemetry/" + path.removeprefix(module): f.content
        for path, f in rendered.files.items()
        if path.startswith(module) and f.template.startswith("templates/")
    }
    out["Cargo.toml"] = _CARGO_PREFIX + rendered.files["Cargo.toml"].content
    out["tests/expected_names.json"] = expected_names_json(conv)
    return out


def add_name_checks(conventions: Path, crate: Path, crate_ident: str) -> None:
    """Give a rendered crate the project's span-name check for its own conventions:
    runtime/rust/tests/span_names.rs, pointed at the crate, and its expectations."""
    conv = load(conventions)
    source = (RUNTIME / "tests" / "span_names.rs").read_text(encoding="utf-8")
    used = f"{crate_ident}::{conv.rust_module}::"
    assert source.count("scaffold_runtime::telemetry::") == 2
    (crate / "tests").mkdir(exist_ok=True)
    (crate / "tests" / "span_names.rs").write_text(
        source.replace("scaffold_runtime::telemetry::", used), encoding="utf-8"
    )
    (crate / "tests" / "expected_names.json").write_text(
        expected_names_json(conv), encoding="utf-8"
    )


def refresh() -> list[str]:
    """Write the committed renders; returns the paths that changed."""
    changed = []
    for rel, text in sorted(committed_renders().items()):
        path = RUNTIME / rel
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            changed.append(rel)
    return changed


if __name__ == "__main__":
    written = refresh()
    sys.stdout.write("".join(f"wrote runtime/rust/{rel}\n" for rel in written) or "up to date\n")
