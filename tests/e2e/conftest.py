"""The end-to-end tests' shared build: the three services and the collector are rendered
and built once per test session (the toolchains' caches make a second build cheap)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.stack import Built, build, render
from tests.pipeline.otelcol import cache_root

needs_toolchains = pytest.mark.skipif(
    shutil.which("go") is None or shutil.which("cargo") is None,
    reason="the end-to-end tests need Go and Rust",
)


@pytest.fixture(scope="session")
def e2e_work() -> Path:
    """A fresh render, mirrored into a fixed folder of the CI cache (see `render`)."""
    work = cache_root().parent / "e2e-build"
    render(work)
    return work


@pytest.fixture(scope="session")
def built(e2e_work: Path) -> Built:
    return build(e2e_work)
