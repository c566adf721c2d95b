"""The rendering core: manifests, strictness, headers, paths, fan-out and modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.errors import TemplateError, UsageError
from scaffold.render import RenderOptions
from scaffold.render.headers import GENERATED_LINE, add_header, is_generated
from scaffold.targets.registry import render_target
from tests.conftest import DEFAULT_CONVENTIONS, HOSTILE, build_file_tree, register_target

GO_GENERATED = re.compile(r"^// Code generated .* DO NOT EDIT\.$")
OPTS = RenderOptions(service_name="svc", target="demo")


@pytest.fixture(autouse=True)
def demo_target(monkeypatch: pytest.MonkeyPatch) -> None:
    register_target(monkeypatch, "demo")


def demo_tree(root: Path, manifest: str, templates: dict[str, str]) -> Path:
    build_file_tree(
        root, {"demo/manifest.yaml": manifest, **{f"demo/{k}": v for k, v in templates.items()}}
    )
    return root


def test_renders_with_fan_out_modes_and_owners(tmp_path: Path) -> None:
    root = demo_tree(
        tmp_path,
        """target: demo
files:
  - {template: attr.go.j2, path: "attrs/{{ item.id | go_private_ident }}.go", each: attributes}
  - {template: main.go.j2, path: main.go, owner: user, modes: [new]}
""",
        {
            "attr.go.j2": "package attrs\n\n{{ item.brief | go_comment }}\nconst {{ item.id | go_ident }} = {{ item.id | go_string }}\n",
            "main.go.j2": "package main\n\nfunc main() {}\n",
        },
    )
    conv = load(DEFAULT_CONVENTIONS)
    rendered = render_target("demo", conv, OPTS, templates_dir=root)
    assert "main.go" in rendered.files and rendered.files["main.go"].owner == "user"
    assert not is_generated(rendered.files["main.go"].content)
    tenant = rendered.files["attrs/appTenantID.go"]
    first, second = tenant.content.splitlines()[:2]
    assert GO_GENERATED.match(first)
    assert second == "// Source: templates/demo/attr.go.j2"
    assert 'const AppTenantID = "app.tenant.id"' in tenant.content
    added = render_target(
        "demo", conv, RenderOptions("svc", "demo", mode="add"), templates_dir=root
    )
    assert "main.go" not in added.files and len(added.files) == len(conv.attributes)


def test_missing_value_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    root = demo_tree(
        tmp_path,
        "target: demo\nfiles:\n  - {template: a.go.j2, path: a.go}\n",
        {"a.go.j2": "package a\n// {{ conventions.no_such_field }}\n"},
    )
    with pytest.raises(TemplateError, match="no_such_field"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = demo_tree(
        tmp_path,
        "target: demo\nfiles:\n  - {template: a.go.j2, path: a.go}\n",
        {"a.go.j2": "package a\n\n{% if %}\n"},
    )
    with pytest.raises(TemplateError, match=r"templates/demo/a.go.j2:3"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)


@pytest.mark.parametrize("path", ["../escape.go", "/etc/passwd", "a/../../b.go", "a\\b.go", "  "])
def test_output_paths_stay_inside_the_service(tmp_path: Path, path: str) -> None:
    root = demo_tree(
        tmp_path,
        f"target: demo\nfiles:\n  - {{template: a.go.j2, path: {path!r}}}\n",
        {"a.go.j2": "package a\n"},
    )
    with pytest.raises(TemplateError, match="must be relative"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)


def test_hostile_text_cannot_steer_paths(tmp_path: Path) -> None:
    root = demo_tree(
        tmp_path,
        'target: demo\nfiles:\n  - {template: a.md.j2, path: "{{ item.id | slug }}.md", each: attributes}\n',
        {"a.md.j2": "{{ item.brief | md_escape }}\n"},
    )
    rendered = render_target("demo", load(HOSTILE), OPTS, templates_dir=root)
    assert all("/" not in p and ".." not in p for p in rendered.files)
    assert "&lt;script&gt;" in rendered.files["func.md"].content


def test_manifest_problems_are_reported(tmp_path: Path) -> None:
    demo_tree(tmp_path, "target: demo\nfiles:\n  - {template: gone.j2, path: x}\n", {})
    with pytest.raises(TemplateError, match=r"gone\.j2"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=tmp_path)
    with pytest.raises(UsageError, match="unknown target"):
        render_target("nope", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=tmp_path)


def test_html_is_escaped_and_code_is_not(tmp_path: Path) -> None:
    root = demo_tree(
        tmp_path,
        "target: demo\nfiles:\n  - {template: p.html.j2, path: p.html}\n  - {template: c.go.j2, path: c.go}\n",
        {
            "p.html.j2": "<!doctype html>\n<p>{{ conventions.organisation }}</p>\n",
            "c.go.j2": "package c\n\n// {{ '<b>' }}\n",
        },
    )
    rendered = render_target("demo", load(HOSTILE), OPTS, templates_dir=root)
    html = rendered.files["p.html"].content
    assert html.startswith("<!doctype html>\n<!-- " + GENERATED_LINE)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert "// <b>" in rendered.files["c.go"].content


@pytest.mark.parametrize(
    ("path", "first"),
    [
        ("a.go", "// " + GENERATED_LINE),
        ("a.rs", "// " + GENERATED_LINE),
        ("a.yaml", "# " + GENERATED_LINE),
        ("a.toml", "# " + GENERATED_LINE),
        ("a.md", "<!-- " + GENERATED_LINE + " -->"),
        ("a.css", "/* " + GENERATED_LINE + " */"),
    ],
)
def test_headers_per_language(path: str, first: str) -> None:
    text = add_header(path, "templates/x/y.j2", "body\n")
    assert text.splitlines()[0] == first
    assert is_generated(text)
    assert add_header("a.json", "t", "{}\n") == "{}\n"


@pytest.mark.parametrize(
    "entry",
    [
        "{static: /etc/passwd, path: leaked.txt}",
        "{static: ../../../../etc/passwd, path: leaked.txt}",
        "{static: link.txt, path: leaked.txt}",
        "{template: /etc/passwd, path: leaked.txt}",
        "{template: ../outside.j2, path: leaked.txt}",
    ],
)
def test_a_manifest_cannot_read_outside_its_folders(tmp_path: Path, entry: str) -> None:
    root = tmp_path / "templates"
    build_file_tree(tmp_path, {"outside.j2": "secret\n", "runtime/demo/ok.txt": "ok\n"})
    (tmp_path / "runtime" / "demo" / "link.txt").symlink_to(tmp_path / "outside.j2")
    demo_tree(root, f"target: demo\nruntime: demo\nfiles:\n  - {entry}\n", {})
    with pytest.raises(TemplateError, match=r"inside|not a file"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)


@pytest.mark.parametrize("name", ["../../etc", "/etc", "a/b", ""])
def test_a_runtime_folder_is_a_plain_name(tmp_path: Path, name: str) -> None:
    root = demo_tree(tmp_path / "templates", f"target: demo\nruntime: '{name}'\nfiles: []\n", {})
    with pytest.raises(TemplateError, match="plain folder name"):
        render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)


def test_a_fixture_target_brings_its_own_static_sources(tmp_path: Path) -> None:
    """A folder of templates, a runtime folder beside it, one registry line."""
    build_file_tree(tmp_path, {"runtime/demo/lib/util.go": "package lib\n\nfunc Util() {}\n"})
    root = demo_tree(
        tmp_path / "templates",
        "target: demo\nruntime: demo\nrewrite:\n  - {match: '^package lib$', "
        "replace: 'package {{ service_name }}'}\nfiles:\n"
        "  - {static: lib/util.go, path: 'x/util.go'}\n",
        {},
    )
    rendered = render_target("demo", load(DEFAULT_CONVENTIONS), OPTS, templates_dir=root)
    content = rendered.files["x/util.go"].content
    assert content.splitlines()[1] == "// Source: runtime/demo/lib/util.go"
    assert "package svc\n" in content


def test_the_template_version_ignores_what_does_not_ship(tmp_path: Path) -> None:
    """Build output or a Cargo.lock beside the runtime sources is not a new version."""
    import shutil

    from scaffold.resources import runtime_root, templates_root
    from scaffold.sync.lock import templates_digest

    shutil.copytree(templates_root(), tmp_path / "templates")
    shutil.copytree(runtime_root(), tmp_path / "runtime")
    before = templates_digest("rust", tmp_path / "templates")
    (tmp_path / "runtime" / "rust" / "Cargo.lock").write_text("# built\n", encoding="utf-8")
    (tmp_path / "runtime" / "go" / "telemetry" / "scratch_test.go").write_text("x", "utf-8")
    assert templates_digest("rust", tmp_path / "templates") == before
    server = tmp_path / "runtime" / "rust" / "src" / "telemetry" / "server.rs"
    server.write_text(server.read_text(encoding="utf-8") + "// changed\n", encoding="utf-8")
    assert templates_digest("rust", tmp_path / "templates") != before
