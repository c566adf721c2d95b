"""The generated Markdown: every internal link resolves, hostile text stays text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from pymarkdown.api import PyMarkdownApi

from scaffold.docs.build import build_docs
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE
from tests.docs.linkcheck import broken_links

CASES = [DEFAULT_CONVENTIONS, HOSTILE, *EXAMPLES]


@pytest.mark.parametrize("conventions", CASES, ids=lambda p: p.stem)
def test_every_internal_link_resolves(conventions: Path, tmp_path: Path) -> None:
    result = build_docs(conventions=conventions, out=tmp_path)
    broken, checked = broken_links(result.markdown_dir)
    assert broken == []
    # Navigation, registry cross-links and span-name links: well over a hundred.
    assert checked > 100


# Long lines (tables, one-line list items) and inline HTML (the explicit `<a id>` anchors
# deep links need) are deliberate; every other rule of the linter applies.
LINT_SKIPPED = ("md013", "md033")


def lint(folder: Path) -> list[str]:
    api = PyMarkdownApi()
    for rule in LINT_SKIPPED:
        api.disable_rule_by_identifier(rule)
    result = api.scan_path(str(folder))
    return [
        f"{Path(f.scan_file).name}:{f.line_number}:{f.column_number} {f.rule_id} "
        f"{f.rule_description}{f.extra_error_information}"
        for f in result.scan_failures
    ] + [str(e) for e in result.pragma_errors]


@pytest.mark.slow
@pytest.mark.parametrize("conventions", CASES, ids=lambda p: p.stem)
def test_markdown_passes_the_linter(conventions: Path, tmp_path: Path) -> None:
    result = build_docs(conventions=conventions, out=tmp_path)
    assert lint(result.markdown_dir) == []


def test_the_linter_would_catch_a_mistake(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("# A\n## B\ntext\n", encoding="utf-8")
    assert any("MD022" in f for f in lint(tmp_path))


def test_the_checker_finds_a_broken_link_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        '# A\n\n<a id="here"></a>\n\n[ok](#here) [ok2](b.md#b) [gone](c.md) [bad](b.md#nope)\n',
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text("# B\n\ntext\n", encoding="utf-8")
    broken, checked = broken_links(tmp_path)
    assert checked == 4
    assert broken == [
        "a.md: c.md (no file c.md)",
        "a.md: b.md#nope (no anchor #nope in b.md)",
    ]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_markdown_renders_markup_as_text(tmp_path: Path) -> None:
    result = build_docs(conventions=HOSTILE, out=tmp_path)
    for page in ("attributes.md", "glossary.md"):
        source = (result.markdown_dir / page).read_text(encoding="utf-8")
        html = MarkdownIt("commonmark", {"html": True}).enable("table").render(source)
        parsed = _Elements()
        parsed.feed(html)
        assert "script" not in parsed.tags
        assert "img" not in parsed.tags
        assert "<script>window.__pwned" in "".join(parsed.text), page


def test_markdown_names_each_attribute_with_pii_marked_and_identifiers(tmp_path: Path) -> None:
    result = build_docs(conventions=DEFAULT_CONVENTIONS, out=tmp_path)
    text = (result.markdown_dir / "attributes.md").read_text(encoding="utf-8")
    entry = text.split('<a id="attr-app-user-email"></a>', 1)[1].split("<a id=", 1)[0]
    assert "### `app.user.email` ⚠ PII" in entry
    assert "**PII: personal data**" in entry
    assert "- **Go:** `telemetry.AppUserEmail(v)`, key `telemetry.AppUserEmailKey`" in entry
    assert "- **Rust:** `telemetry::attributes::APP_USER_EMAIL`" in entry
    deprecated = text.split('<a id="attr-app-customer-id"></a>', 1)[1].split("<a id=", 1)[0]
    assert "Replaced by [`app.tenant.id`](#attr-app-tenant-id)" in deprecated


@pytest.mark.slow
def test_a_sparse_conventions_file_still_gives_linked_linted_docs(tmp_path: Path) -> None:
    """No own attributes, glossary, SLOs, routes, tail policies, baggage or retention."""
    data = yaml.safe_load(DEFAULT_CONVENTIONS.read_text(encoding="utf-8"))
    for key in ("attributes", "glossary", "slos", "logs", "metrics", "collector", "incident"):
        data.pop(key)
    for section, key in (
        ("sampling", "routes"),
        ("sampling", "tail"),
        ("propagation", "baggage"),
        ("privacy", "retention"),
    ):
        data[section].pop(key)
    data["resource"] = [r for r in data["resource"] if not r["key"].startswith("acme.")]
    sparse = tmp_path / "observability.yaml"
    sparse.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = build_docs(conventions=sparse, out=tmp_path / "docs")
    broken, _ = broken_links(result.markdown_dir)
    assert broken == []
    assert lint(result.markdown_dir) == []
    attributes = (result.markdown_dir / "attributes.md").read_text(encoding="utf-8")
    assert "`http.route`" in attributes
