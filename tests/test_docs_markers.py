"""`scaffold docs update-markdown`: sections between marker comments, --check for CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.docs.markers import SECTIONS, render_sections, replace_sections, update_markdown
from scaffold.errors import UsageError
from tests.conftest import DEFAULT_CONVENTIONS, HOSTILE, build_file_tree

TEAM_DOC = """# Payments service

Our own introduction, kept as it is.

<!-- scaffold-docs:begin attributes -->
stale text that will be replaced
<!-- scaffold-docs:end attributes -->

More of our own words.

<!-- scaffold-docs:begin runbook -->
<!-- scaffold-docs:end runbook -->
"""


def test_sections_are_filled_and_the_rest_is_kept(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"docs/README.md": TEAM_DOC, "docs/plain.md": "# no markers\n"})
    result = update_markdown([tmp_path], conventions=DEFAULT_CONVENTIONS)
    doc = tmp_path / "docs" / "README.md"
    assert result.files == (doc,)
    assert result.changed == (doc,)
    assert result.sections == 2
    text = doc.read_text(encoding="utf-8")
    assert "stale text" not in text
    assert text.startswith("# Payments service\n\nOur own introduction, kept as it is.\n")
    assert "More of our own words." in text
    assert "| `app.user.email` | `string` | opt in | **PII** |" in text
    assert "`ACME_TRACING_DISABLED=true`" in text
    assert text.count("<!-- scaffold-docs:begin") == 2 and text.count("<!-- scaffold-docs:end") == 2
    assert (tmp_path / "docs" / "plain.md").read_text(encoding="utf-8") == "# no markers\n"


def test_a_second_run_changes_nothing_and_check_passes(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"README.md": TEAM_DOC})
    update_markdown([tmp_path / "README.md"], conventions=DEFAULT_CONVENTIONS)
    before = (tmp_path / "README.md").read_bytes()
    again = update_markdown([tmp_path], conventions=DEFAULT_CONVENTIONS)
    assert again.changed == ()
    assert update_markdown([tmp_path], conventions=DEFAULT_CONVENTIONS, check=True).changed == ()
    assert (tmp_path / "README.md").read_bytes() == before


def test_check_reports_out_of_date_files_and_writes_nothing(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"README.md": TEAM_DOC})
    result = update_markdown([tmp_path], conventions=DEFAULT_CONVENTIONS, check=True)
    assert result.changed == (tmp_path / "README.md",)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == TEAM_DOC


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_bytes(TEAM_DOC.replace("\n", "\r\n").encode("utf-8"))
    update_markdown([path], conventions=DEFAULT_CONVENTIONS)
    data = path.read_bytes()
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<!-- scaffold-docs:begin nope -->\n<!-- scaffold-docs:end nope -->\n",
            r"doc.md:1: unknown section 'nope'",
        ),
        (
            "a\n<!-- scaffold-docs:begin sampling -->\n",
            r"doc.md:2: section 'sampling' is never closed",
        ),
        ("<!-- scaffold-docs:end sampling -->\n", r"doc.md:1: end of section 'sampling' without"),
        (
            "<!-- scaffold-docs:begin sampling -->\n<!-- scaffold-docs:begin privacy -->\n",
            r"doc.md:2: section 'privacy' begins inside section 'sampling'",
        ),
    ],
)
def test_broken_markers_are_errors_with_file_and_line(text: str, message: str) -> None:
    sections = {name: "x" for name in SECTIONS}
    with pytest.raises(UsageError, match=message):
        replace_sections(text, sections, "doc.md")


def test_every_section_renders_for_hostile_conventions_as_inert_markdown() -> None:
    sections = render_sections(HOSTILE)
    assert set(sections) == set(SECTIONS)
    for name, body in sections.items():
        assert body.strip(), name
        assert "<script>" not in body, name
        assert "scaffold-docs:" not in body, name


def test_markers_inside_fenced_code_are_examples_not_sections() -> None:
    text = (
        "How to use it:\n\n```markdown\n<!-- scaffold-docs:begin nope -->\n"
        "<!-- scaffold-docs:end nope -->\n```\n\n"
        "<!-- scaffold-docs:begin sampling -->\nold\n<!-- scaffold-docs:end sampling -->\n"
    )
    new, count = replace_sections(text, {name: "fresh" for name in SECTIONS}, "doc.md")
    assert count == 1
    assert new.startswith(text.split("<!-- scaffold-docs:begin sampling -->")[0])
    assert new.endswith(
        "<!-- scaffold-docs:begin sampling -->\n\nfresh\n\n<!-- scaffold-docs:end sampling -->\n"
    )


def test_fifos_devices_and_symlinks_are_never_read(tmp_path: Path) -> None:
    """A FIFO named *.md would block a reader forever; a symlink may lead outside."""
    import os

    docs = tmp_path / "docs"
    docs.mkdir()
    os.mkfifo(docs / "pipe.md")
    outside = tmp_path / "outside.md"
    outside.write_text(
        "<!-- scaffold-docs:begin attributes -->\nold\n<!-- scaffold-docs:end attributes -->\n",
        encoding="utf-8",
    )
    (docs / "link.md").symlink_to(outside)
    before = outside.read_bytes()
    result = update_markdown([docs], conventions=HOSTILE)
    assert result.files == () and result.changed == ()
    assert outside.read_bytes() == before
    for bad in (docs / "pipe.md", docs / "link.md", Path("/dev/zero")):
        with pytest.raises(UsageError, match="not a regular Markdown file"):
            update_markdown([bad], conventions=HOSTILE)
