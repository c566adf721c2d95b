"""The `docs` sub-app through typer: build, update-markdown and its --check exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli.docs import docs_app
from scaffold.errors import CheckFailed
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

runner = CliRunner()


def test_build_writes_the_docs_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        docs_app, ["build", "--out", str(out), "--no-scan", "-c", str(DEFAULT_CONVENTIONS)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote 21 files under {out}" in result.output
    assert (out / "site" / "index.html").is_file()
    assert (out / "markdown" / "README.md").is_file()


def test_update_markdown_check_fails_then_passes(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "README.md": "# x\n\n<!-- scaffold-docs:begin sampling -->\n<!-- scaffold-docs:end sampling -->\n"
        },
    )
    conv = ["-c", str(DEFAULT_CONVENTIONS)]
    check = runner.invoke(docs_app, ["update-markdown", str(tmp_path), "--check", *conv])
    assert check.exit_code != 0
    assert isinstance(check.exception, CheckFailed)
    assert "README.md" in str(check.exception)
    assert CheckFailed.exit_code == 1
    update = runner.invoke(docs_app, ["update-markdown", str(tmp_path), *conv])
    assert update.exit_code == 0, update.output
    assert "updated" in update.output
    again = runner.invoke(docs_app, ["update-markdown", str(tmp_path), "--check", *conv])
    assert again.exit_code == 0, again.output
    assert "1 sections in 1 files are up to date" in again.output


def test_docs_through_the_scaffold_command(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    from scaffold.cli.main import app

    groups = {g.name for g in app.registered_groups}
    if "docs" not in groups:
        pytest.skip("the docs sub-app is not registered in scaffold/cli/main.py yet")
    out = tmp_path / "out"
    result = cli("docs", "build", "--out", str(out), "--no-scan", "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    assert (out / "site" / "index.html").is_file()
    build_file_tree(
        tmp_path,
        {"doc.md": "<!-- scaffold-docs:begin privacy -->\n<!-- scaffold-docs:end privacy -->\n"},
    )
    check = cli(
        "docs",
        "update-markdown",
        str(tmp_path / "doc.md"),
        "--check",
        "-c",
        str(DEFAULT_CONVENTIONS),
    )
    assert check.code == 1
    assert "out of date" in check.err


def test_update_markdown_help_names_every_section() -> None:
    from scaffold.docs.markers import SECTIONS

    result = runner.invoke(docs_app, ["update-markdown", "--help"])
    assert result.exit_code == 0
    assert "NAME is one of: " + ", ".join(SECTIONS) + "." in " ".join(result.output.split())
