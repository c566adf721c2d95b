"""The render cache: one environment per target while its templates stay put."""

from __future__ import annotations

from pathlib import Path

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.render.cache import _prepare, prepared_target
from scaffold.targets.registry import render_target
from tests.conftest import DEFAULT_CONVENTIONS


def test_environment_is_reused_and_an_edited_template_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    (root / "t").mkdir(parents=True)
    (root / "t" / "manifest.yaml").write_text(
        'target: t\nfiles:\n  - template: a.txt.j2\n    path: "{{ name }}.txt"\n    owner: user\n'
    )
    (root / "t" / "a.txt.j2").write_text("one\n")
    first = prepared_target(root, "t")
    assert prepared_target(root, "t") is first
    (root / "t" / "a.txt.j2").write_text("two, longer\n")
    second = prepared_target(root, "t")
    assert second is not first
    assert second[1].get_template("a.txt.j2").render() == "two, longer\n"


def test_cached_renders_of_many_services_match_fresh_ones() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    for name in ("alpha", "beta"):
        opts = RenderOptions(service_name=name, target="go", module_path=f"example.com/{name}")
        cached = render_target("go", conv, opts)
        _prepare.cache_clear()
        fresh = render_target("go", conv, opts)
        assert {p: f.content for p, f in cached.files.items()} == {
            p: f.content for p, f in fresh.files.items()
        }
        assert "example.com/" + name in cached.files["go.mod"].content
