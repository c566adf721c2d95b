"""The end-to-end tests' shared build: the three services and the collector are rendered
and built once per test session (the toolchains' caches make a second build cheap)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.stack import Built, build, mirror, render
from tests.pipeline.otelcol import cache_root

needs_toolchains = pytest.mark.skipif(
    shutil.which("go") is None or shutil.which("cargo") is None,
    reason="the end-to-end tests need Go and Rust",
)


@pytest.fixture(scope="session")
def e2e_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh render, mirrored into a fixed folder of the CI cache: a file that did not
    change keeps its timestamp there, so cargo and go find their earlier builds fresh."""
    fresh = tmp_path_factory.mktemp("e2e-render")
    render(fresh)
    work = cache_root().parent / "e2e-build"
    for name in ("front", "back", "hop", "collector"):
        mirror(fresh / name, work / name)
    return work


@pytest.fixture(scope="session")
def built(e2e_work: Path) -> Built:
    return build(e2e_work)
