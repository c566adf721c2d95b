"""Shared helpers for the test suite."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffold.cli import run
from scaffold.conventions import load
from scaffold.conventions.model import Conventions
from scaffold.render import RenderOptions
from scaffold.targets.registry import TARGETS, Target, render_target

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONVENTIONS = ROOT / "conventions" / "observability.yaml"
EXAMPLES = sorted((ROOT / "conventions" / "examples").glob("*.yaml"))
HOSTILE = ROOT / "tests" / "fixtures" / "hostile.yaml"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the scaffold CLI in-process and capture what it prints."""

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def build_file_tree(root: Path, spec: dict[str, str]) -> None:
    """Write {relative path: text} under root."""
    for rel, text in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_render(conventions: Path, dest: Path, opts: RenderOptions) -> dict[str, str]:
    """Render `opts.target` for `conventions` into `dest`; returns {path: content}."""
    rendered = render_target(opts.target, load(conventions), opts)
    out: dict[str, str] = {}
    for rel, rendered_file in rendered.files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered_file.content, encoding="utf-8")
        out[rel] = rendered_file.content
    return out


def cargo_target_dir() -> Path:
    default = Path.home() / ".cache" / "scaffold-ci" / "cargo-target"
    return Path(os.environ.get("SCAFFOLD_CARGO_TARGET_DIR", str(default)))


# The quick tier: no Go, Rust or browser, fewer property examples; under a minute.
QUICK_SKIPS = ("toolchain", "browser", "slow")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        default=False,
        help="the quick tier: skip tests that need go, cargo or a browser, fewer examples",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*/expected from the current render (review the diff)",
    )


def basic_view(conv: Conventions, opts: RenderOptions) -> dict[str, object]:
    """The plainest view, for fixture targets: the conventions, the options, the attributes."""
    return {
        "conventions": conv,
        "options": opts,
        "service_name": opts.service_name,
        "attributes": list(conv.attributes),
    }


def register_target(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    build_view: Callable[[Conventions, RenderOptions], Mapping[str, object]] = basic_view,
) -> None:
    """A fixture target: its folder of templates plus this one registry line."""
    monkeypatch.setitem(TARGETS, name, Target(name, build_view, f"test target {name}"))


def pytest_configure(config: pytest.Config) -> None:
    # An environment variable, so that every copy of this module (and subprocesses) sees it.
    if config.getoption("--quick"):
        os.environ["SCAFFOLD_QUICK_TIER"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _quick():
        return
    kept = [i for i in items if not any(i.get_closest_marker(m) for m in QUICK_SKIPS)]
    deselected = [i for i in items if i not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def examples(full: int) -> int:
    """How many examples a property test runs: all of them, or a tenth in the quick tier."""
    return max(10, full // 10) if _quick() else full


def _quick() -> bool:
    return os.environ.get("SCAFFOLD_QUICK_TIER") == "1"
