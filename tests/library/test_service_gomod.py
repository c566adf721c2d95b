"""The go.mod `scaffold new --lib` writes is in `go mod tidy`'s form without a toolchain:
the library's requirements are one block sorted by module path, as tidy writes it (the
behaviour table's `source` row runs `go mod tidy -diff` on it for real)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult
from tests.library.test_services import _new, _setup


def test_library_requirements_are_one_sorted_block(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    _setup(tmp_path, cli, "go")
    text = (_new(cli, tmp_path, "go", "orders") / "go.mod").read_text(encoding="utf-8")
    block = text.split("require (\n", 1)[1].split("\n)\n", 1)[0].splitlines()
    paths = [line.split()[0] for line in block]
    assert len(paths) > 10, block
    assert all(line.endswith(" // indirect") for line in block), block
    assert paths == sorted(paths), paths
