"""Where the templates and the bundled conventions live, installed or from a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _pick(installed: str, checkout: str) -> Path:
    inside = _PACKAGE / installed
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


def templates_root() -> Path:
    """The folder holding one sub-folder of templates per target."""
    return _pick("_templates", "templates")


def runtime_root() -> Path:
    """The folder holding the static runtime sources: one real Go or Rust tree per target."""
    return _pick("_runtime", "runtime")


def runtime_beside(templates: Path) -> Path:
    """The runtime folder that goes with a templates folder: its sibling `runtime/`
    (`_runtime/` beside an installed `_templates/`)."""
    return templates.parent / ("_runtime" if templates.name == "_templates" else "runtime")


def conventions_root() -> Path:
    """The folder holding the bundled default conventions and the examples."""
    return _pick("_conventions", "conventions")


def bundled_conventions() -> Path:
    """The bundled default conventions file."""
    return conventions_root() / "observability.yaml"
