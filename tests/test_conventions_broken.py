"""Every broken conventions file gives exit 2 and exactly its findings: line, key and text.

The corpus is a table of mutations of the bundled default (tests/broken/cases.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.broken.cases import CASES, DEFAULT, Case, Edit, Found
from tests.conftest import CliResult


def problems_of(result: CliResult) -> list[dict[str, object]]:
    report = json.loads(result.out)
    assert report["ok"] is False
    problems: list[dict[str, object]] = report["problems"]
    return problems


def rendered(problem: dict[str, object]) -> str:
    return f"{problem['message']}. {problem['hint']}".lower()


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 70
    assert len({case.name for case in CASES}) == len(CASES)
    texts = {case.text() for case in CASES}
    assert len(texts) == len(CASES) and DEFAULT not in texts


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_file_is_reported_exactly(
    case: Case, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    path = tmp_path / "observability.yaml"
    path.write_text(case.text(), encoding="utf-8")
    result = cli("validate", str(path), "--json")
    assert result.code == 2, result.err
    assert "Traceback" not in result.err + result.out
    problems = problems_of(result)
    shown = "\n".join(
        f"  {p['line']}:{p['column']} {p['path']}: {p['message']}. {p['hint']}" for p in problems
    )
    expected = case.expected()
    assert len(problems) == len(expected), f"expected {len(expected)} findings, got:\n{shown}"
    unmatched = list(problems)
    for line, key, text in expected:
        match = next(
            (
                p
                for p in unmatched
                if p["line"] == line and p["path"] == key and text.lower() in rendered(p)
            ),
            None,
        )
        assert match is not None, f"no finding {line} {key}: ...{text}... in:\n{shown}"
        assert match["file"] == str(path) and int(str(match["column"])) >= 1
        unmatched.remove(match)
    assert f"{len(expected)} problem" in result.err


def test_the_table_checks_itself() -> None:
    """An edit that does not apply, or an anchor that is not unique, fails the case."""
    with pytest.raises(AssertionError, match="must occur once"):
        Case("no-such-text", Edit("no such text", "x"), Found("", "")).text()
    with pytest.raises(AssertionError, match="not unique"):
        Case(
            "ambiguous", Edit("schema_version: 1", "schema_version: 2"), Found("", "", at="  - ")
        ).expected()


def test_nothing_written_on_bad_conventions(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    broken = tmp_path / "observability.yaml"
    broken.write_text(CASES[0].text(), encoding="utf-8")
    dest = tmp_path / "svc"
    result = cli("new", "svc", "--lang", "go", "--dir", str(dest), "--conventions", str(broken))
    assert result.code == 2
    assert not dest.exists()
