"""Every broken conventions file gives exit 2 and names the right line, key and mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult

CORPUS = sorted((ROOT / "tests" / "broken").glob("*.yaml"))


def expectations(path: Path) -> tuple[str, str, int]:
    head = path.read_text(encoding="utf-8").splitlines()[:3]
    fields = dict(
        line[2:].split(": ", 1) if ": " in line else (line[2:].rstrip(":"), "") for line in head
    )
    return fields["expect-key"], fields["expect-text"], int(fields["expect-line"])


def test_corpus_is_large_and_distinct() -> None:
    assert len(CORPUS) >= 40
    texts = {p.read_text(encoding="utf-8") for p in CORPUS}
    assert len(texts) == len(CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_file_is_reported_precisely(path: Path, cli: Callable[..., CliResult]) -> None:
    key, text, line = expectations(path)
    result = cli("validate", str(path))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err + result.out
    problems = [ln.strip() for ln in result.err.splitlines() if ln.strip().startswith(str(path))]
    assert problems, result.err
    location = f"{path}:{line}:"
    matching = [
        p
        for p in problems
        if p.startswith(location) and (not key or f" {key}:" in p) and text.lower() in p.lower()
    ]
    assert matching, f"expected {location} {key}: ...{text}... in:\n" + "\n".join(problems)


def test_every_problem_in_one_run(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    text = (ROOT / "conventions" / "observability.yaml").read_text(encoding="utf-8")
    for old, new in [
        ("  timeout: 10s", "  timeout: ten"),
        ("    prod: 0.1", "    prod: 2"),
        ("    pii: secret\n", "    pii: secrte\n"),
        ('"{http.request.method} {http.route}"', '"{http.request.method} {url.path}"'),
        ("  kill_switch_env: ACME_TRACING_DISABLED", "  kill_switch_env: off"),
    ]:
        text = text.replace(old, new, 1)
    path = tmp_path / "observability.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("validate", str(path), "--json")
    assert result.code == 2
    assert "5 problems" in result.err or result.err.count(str(path)) >= 4


def test_nothing_written_on_bad_conventions(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    broken = CORPUS[0]
    dest = tmp_path / "svc"
    result = cli("new", "svc", "--lang", "go", "--dir", str(dest), "--conventions", str(broken))
    assert result.code == 2
    assert not dest.exists()
