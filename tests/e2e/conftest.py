"""The end-to-end tests' shared build: the three services and the collector are rendered
and built once per test session (the toolchains' caches make a second build cheap).

The build folder is this checkout's own (keyed by the hash of its path) and is held
under a lock from the render to the end of the build: test workers of one run, and runs
of other checkouts on the same machine, never render over each other's build. A second
worker waits, then finds nothing changed and nothing to rebuild."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT, Built, build, render
from tests.pipeline.otelcol import cache_root

needs_toolchains = pytest.mark.skipif(
    shutil.which("go") is None or shutil.which("cargo") is None,
    reason="the end-to-end tests need Go and Rust",
)


def build_folder(root: Path = ROOT) -> Path:
    """The e2e build folder of the checkout at `root`, in the CI cache."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return cache_root().parent / "e2e-build" / key


@contextlib.contextmanager
def held(folder: Path) -> Iterator[None]:
    """Hold `folder`'s lock (a file beside it), waiting for another holder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def render_and_build(work: Path) -> Built:
    with held(work):
        render(work)
        return build(work)


@pytest.fixture(scope="session")
def e2e_work() -> Path:
    """This checkout's build folder in the CI cache (see `render`)."""
    return build_folder()


@pytest.fixture(scope="session")
def built(e2e_work: Path) -> Built:
    return render_and_build(e2e_work)
