"""ruff, black and mypy (strict) over the whole project, as part of the one test command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

TOOLS = {
    "ruff": [sys.executable, "-m", "ruff", "check", "."],
    "black": [sys.executable, "-m", "black", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy"],
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_lint(tool: str) -> None:
    result = subprocess.run(TOOLS[tool], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
