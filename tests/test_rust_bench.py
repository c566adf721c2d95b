"""The Rust benchmark crate pins the same versions the Rust target generates, so it
measures the module services get."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scaffold.targets import rust_crates

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "rust"


def test_bench_pins_the_generated_dependency_set() -> None:
    data = tomllib.loads((BENCH / "Cargo.toml").read_text(encoding="utf-8"))
    deps = data["dependencies"]
    for crate in rust_crates.dependencies("grpc"):
        spec = deps[crate.name]
        assert spec["version"] == "=" + crate.version, crate.name
        assert set(crate.features) <= set(spec.get("features", [])), crate.name
    assert deps["tower-http"]["version"].startswith("=")
    assert data["dev-dependencies"]["criterion"]["version"].startswith("=")
    ignored = (BENCH / ".gitignore").read_text(encoding="utf-8").split()
    assert {"Cargo.lock", "target/", "generated/"} <= set(ignored)
