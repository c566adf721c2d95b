"""scaffold diff on the command line: exit codes, --json, git:REV:path and hostile input."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.conventions.yamlsource import MAX_BYTES
from tests.conftest import DEFAULT_CONVENTIONS, CliResult

BASE = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
REMOVED = BASE.replace("  - term: tenant\n", "  - term: tenants\n").replace(
    "    type: int\n    brief: Number of items", "    type: double\n    brief: Number of items"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose HEAD~1 holds the default conventions and HEAD a breaking edit."""
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@localhost",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@localhost",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "observability.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "observability.yaml").write_text(BASE, encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "one")
    (tmp_path / "observability.yaml").write_text(REMOVED, encoding="utf-8")
    git("commit", "-qam", "two")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_schema_and_exit_1_on_breaking(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(REMOVED, encoding="utf-8")
    result = cli("diff", str(DEFAULT_CONVENTIONS), str(new), "--json", "--current-version", "1.4.2")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert set(data) == {
        "schema_version",
        "old",
        "new",
        "bump",
        "breaking",
        "counts",
        "changes",
        "exit_code",
        "next_version",
    }
    assert data["schema_version"] == 1 and data["bump"] == "major" and data["breaking"] is True
    assert data["next_version"] == "2.0.0" and data["exit_code"] == 1
    assert data["counts"] == {"breaking": 1, "additive": 0, "cosmetic": 2}
    for change in data["changes"]:
        assert set(change) == {"kind", "what", "key", "detail", "old_line", "new_line"}
        assert isinstance(change["old_line"], int) and isinstance(change["new_line"], int)
    first = data["changes"][0]
    assert first["key"] == "attributes.app.cart.items.type"
    line = BASE.splitlines().index("    type: int") + 1
    assert first["old_line"] == first["new_line"] == line


def test_table_and_exit_0_without_breaking(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(BASE.replace("  - term: tenant\n", "  - term: tenants\n"), encoding="utf-8")
    result = cli("diff", str(DEFAULT_CONVENTIONS), str(new))
    assert result.code == 0, result.err
    assert "glossary.tenants: glossary changed" in result.out
    assert "0 breaking, 0 additive, 2 cosmetic: semver step patch" in result.out


def test_git_form(cli: Callable[..., CliResult], repo: Path) -> None:
    result = cli("diff", "git:HEAD~1:observability.yaml", "git:HEAD:observability.yaml", "--json")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert data["old"] == "git:HEAD~1:observability.yaml" and data["counts"]["breaking"] == 1
    same = cli("diff", "git:HEAD:observability.yaml", "observability.yaml")
    assert same.code == 0 and "no change" in same.out


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("git:--output=x:observability.yaml", "cannot start with '-'"),
        ("git:-p:observability.yaml", "cannot start with '-'"),
        ("git:nope:observability.yaml", "check the revision"),
        ("git:HEAD:missing.yaml", "check the revision"),
        ("git:HEAD:sub", "is a folder"),
        ("git:HEAD", "expected git:REV:path"),
        ("git::observability.yaml", "expected git:REV:path"),
    ],
)
def test_bad_git_specs_are_exit_2(
    cli: Callable[..., CliResult], repo: Path, spec: str, says: str
) -> None:
    result = cli("diff", spec, "observability.yaml")
    assert result.code == 2 and says in result.err, result.err
    assert "Traceback" not in result.err
    assert not (repo / "x").exists() and not (repo / "=x").exists()


def test_git_outside_a_repository(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = cli("diff", "git:HEAD:observability.yaml", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "git:HEAD:observability.yaml" in result.err


def test_huge_git_blob_is_refused_before_reading(cli: Callable[..., CliResult], repo: Path) -> None:
    (repo / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 10))
    subprocess.run(["git", "add", "big.yaml"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "big"], cwd=repo, check=True, capture_output=True)
    result = cli("diff", "git:HEAD:big.yaml", "observability.yaml")
    assert result.code == 2 and "larger than" in result.err


def test_hostile_files(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (MAX_BYTES + 1))
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    cases = [
        (tmp_path / "missing.yaml", "no such file"),
        (tmp_path, "is a folder"),
        (binary, "not UTF-8"),
        (huge, "larger than"),
        (fifo, "FIFO"),
    ]
    for path, says in cases:
        result = cli("diff", str(path), str(DEFAULT_CONVENTIONS))
        assert result.code == 2 and says in result.err, (path, result.err)
        assert "Traceback" not in result.err


def test_invalid_conventions_are_exit_2_with_file_and_line(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("    pii: secret\n", "    pii: maybe\n"), encoding="utf-8")
    line = BASE.splitlines().index("    pii: secret") + 1
    result = cli("diff", str(DEFAULT_CONVENTIONS), str(bad), "--json")
    assert result.code == 2
    data = json.loads(result.out)
    assert data["ok"] is False and any(
        p["line"] == line and p["file"] == str(bad) for p in data["problems"]
    )
    human = cli("diff", str(DEFAULT_CONVENTIONS), str(bad))
    assert f"{bad}:{line}:" in human.err


def test_help_has_examples(cli: Callable[..., CliResult]) -> None:
    result = cli("diff", "--help")
    assert result.code == 0 and "Examples:" in result.out and "git:HEAD~1:" in result.out


def test_hostile_keys_do_not_reach_the_terminal_raw(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    new = tmp_path / "new.yaml"
    term = '  - term: "evil\\u009b31m\\u0007"\n    definition: x\n'
    new.write_text(BASE + term, encoding="utf-8")
    result = cli("diff", str(DEFAULT_CONVENTIONS), str(new))
    assert result.code == 0, result.err
    assert "\x9b" not in result.out and "\x07" not in result.out
    assert "evil\\u009b31m\\u0007" in result.out


def test_hostile_keys_in_errors_do_not_reach_the_terminal_raw(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BASE.replace("startup:\n", 'startup:\n  "\\e]0;owned\\a\\u009b2J": 1\n'), encoding="utf-8"
    )
    result = cli("diff", str(DEFAULT_CONVENTIONS), str(bad))
    assert result.code == 2 and "unknown key" in result.err, result.err
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in result.err
    assert "\\u001b]0;owned" in result.err


def test_missing_file_names_a_fix_that_diff_has(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    result = cli("diff", str(tmp_path / "missing.yaml"), str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "no such file" in result.err, result.err
    assert "--conventions" not in result.err and "git:REV:path" in result.err


def test_git_symlink_is_refused_not_read_as_its_target(
    cli: Callable[..., CliResult], repo: Path
) -> None:
    (repo / "link.yaml").symlink_to("observability.yaml")
    subprocess.run(["git", "add", "link.yaml"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "link"], cwd=repo, check=True, capture_output=True)
    result = cli("diff", "git:HEAD:link.yaml", "observability.yaml")
    assert result.code == 2 and "symbolic link" in result.err, result.err
    assert "observability.yaml" in result.err and "Traceback" not in result.err


def test_git_error_reads_as_one_sentence(cli: Callable[..., CliResult], repo: Path) -> None:
    result = cli("diff", "git:HEAD~9:observability.yaml", "observability.yaml")
    assert result.code == 2 and "HEAD~9" in result.err, result.err
    assert ".;" not in result.err


def test_empty_current_version_is_refused_not_ignored(cli: Callable[..., CliResult]) -> None:
    same = str(DEFAULT_CONVENTIONS)
    result = cli("diff", same, same, "--json", "--current-version", "")
    assert result.code == 2, result.out
    assert json.loads(result.out)["ok"] is False and "MAJOR.MINOR.PATCH" in result.err


def test_git_submodule_is_refused_with_what_to_do(
    cli: Callable[..., CliResult], repo: Path
) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(
        ["git", "update-index", "--add", "--cacheinfo", f"160000,{head},vendored"],
        cwd=repo,
        check=True,
    )
    subprocess.run(["git", "commit", "-qm", "gitlink"], cwd=repo, check=True, capture_output=True)
    result = cli("diff", "git:HEAD:vendored", "observability.yaml")
    assert result.code == 2 and "is a submodule" in result.err, result.err
