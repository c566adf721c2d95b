"""Golden tests: the whole rendered output of each case, compared as directories.

A template or view change shows up here as a diff of generated files. After a deliberate
change, refresh with `--update-golden` and review `git diff tests/golden/`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.golden.cases import CASES, GOLDEN, render_case


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, request: pytest.FixtureRequest) -> None:
    actual = render_case(case)
    expected_root = GOLDEN / case / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_root, ignore_errors=True)
        for name, files in actual.items():
            for rel, text in files.items():
                path = expected_root / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text.encode("utf-8"))
        return
    folders = sorted(p.name for p in expected_root.iterdir() if p.is_dir())
    assert folders == sorted(
        actual
    ), f"{case}: expected renders {folders}, rendered {sorted(actual)}"
    for name, files in actual.items():
        expected = _tree(expected_root / name)
        missing = sorted(set(expected) - set(files))
        extra = sorted(set(files) - set(expected))
        assert not missing, f"{case}/{name}: no longer rendered: {missing}"
        assert not extra, f"{case}/{name}: newly rendered: {extra}"
        changed = [rel for rel in sorted(files) if files[rel] != expected[rel]]
        assert not changed, (
            f"{case}/{name}: rendered output differs from tests/golden/{case}/expected/{name} "
            f"in {changed}; if deliberate, refresh with --update-golden and review the diff"
        )
