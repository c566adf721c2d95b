"""The sync engine is pure: it plans and applies renders it is handed, and never loads
conventions or renders a target itself (the library verbs in scaffold/update.py and
scaffold/services.py do that, then call it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import scaffold.sync

SYNC = Path(scaffold.sync.__file__).parent
# Loading conventions: the package itself (load, locate) and the modules behind `load`.
# The frozen model, and the YAML reader the render package uses for manifests, are not.
FORBIDDEN = (
    "scaffold.targets",
    "scaffold.conventions.build",
    "scaffold.conventions.checks",
    "scaffold.conventions.schema",
    "scaffold.conventions.validate",
    "scaffold.update",
    "scaffold.services",
)


def _imports(source: Path) -> set[str]:
    """Every module a file imports, anywhere in it (functions and TYPE_CHECKING included),
    with `from scaffold.conventions import load` counted as `scaffold.conventions.load`."""
    found: set[str] = set()
    package = "scaffold.sync"
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_walk_sees_imports_anywhere(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from scaffold.targets.registry import render_target\n"
        "def f():\n    from scaffold.conventions import load\n    import scaffold.update\n",
        encoding="utf-8",
    )
    found = _imports(sample)
    assert {"scaffold.targets.registry", "scaffold.conventions.load", "scaffold.update"} <= found


def test_no_module_of_the_sync_engine_loads_or_renders() -> None:
    offending: list[str] = []
    sources = sorted(SYNC.rglob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        for name in sorted(_imports(source)):
            if name == "scaffold.conventions.load" or name.startswith(
                ("scaffold.conventions.locate", *FORBIDDEN)
            ):
                offending.append(f"{source.relative_to(SYNC.parent.parent)}: {name}")
    assert offending == []


def test_importing_the_engine_imports_no_target() -> None:
    """Not even indirectly: a fresh interpreter that imports scaffold.sync has no target."""
    code = (
        "import sys, scaffold.sync\n"
        "print(sorted(m for m in sys.modules if m.startswith(('scaffold.targets', "
        "'scaffold.update', 'scaffold.services'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
