"""Shared fixtures of the sync tests: a small real target, conventions files, services."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.resources import bundled_conventions
from scaffold.sync import ApplyResult, create_service
from scaffold.targets.registry import render_target
from tests.conftest import register_target

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATES = FIXTURES / "templates"
TARGET = "syncdemo"


@pytest.fixture(autouse=True)
def syncdemo_target(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fixture target: its folder of templates and one registry line."""
    spec = importlib.util.spec_from_file_location(
        "syncdemo_target", FIXTURES / "syncdemo_target.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    register_target(monkeypatch, "syncdemo", module.build_view)
    yield


def conventions_data() -> dict[str, Any]:
    data = yaml.safe_load(bundled_conventions().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write_conventions(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


Mutator = Callable[[dict[str, Any]], None]


def change_conventions(path: Path, mutate: Mutator) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    write_conventions(path, data)


def set_prod_ratio(ratio: float) -> Mutator:
    def mutate(data: dict[str, Any]) -> None:
        data["sampling"]["environments"]["production"] = ratio

    return mutate


def remove_attribute(attribute_id: str) -> Mutator:
    def mutate(data: dict[str, Any]) -> None:
        data["attributes"] = [a for a in data["attributes"] if a["id"] != attribute_id]

    return mutate


def render(conventions: Path, name: str, mode: str = "new") -> Any:
    opts = RenderOptions(service_name=name, target=TARGET, mode=mode)  # type: ignore[arg-type]
    return render_target(TARGET, load(conventions), opts, templates_dir=TEMPLATES)


def own_templates(tmp_path: Path) -> Path:
    """A private copy of the fixture templates, for tests that upgrade the tool."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    return templates


def new_service(
    root: Path,
    conventions: Path,
    name: str = "payments",
    templates: Path = TEMPLATES,
    **kw: Any,
) -> ApplyResult:
    rendered = render(conventions, name)
    return create_service(
        dest=root,
        rendered=rendered,
        conventions_path=conventions,
        conventions_digest=load(conventions).digest,
        target=TARGET,
        options=rendered.options,
        templates_dir=templates,
        **kw,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the lock and bases included), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def fresh_render_files(conventions: Path, name: str) -> dict[str, bytes]:
    return {p: f.content.encode() for p, f in render(conventions, name).files.items()}


@pytest.fixture
def conventions(tmp_path: Path) -> Path:
    return write_conventions(tmp_path / "platform" / "observability.yaml", conventions_data())


@pytest.fixture
def service(tmp_path: Path, conventions: Path) -> Path:
    root = tmp_path / "services" / "payments"
    new_service(root, conventions)
    return root
