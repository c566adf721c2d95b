"""The loader bounds its input: regular files of at most 4 MiB, a limited expansion of
aliases, numbers and nesting it can read, and patterns that match the whole value."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.conventions import load, load_text
from scaffold.conventions.yamlsource import MAX_BYTES, read_plain_yaml
from scaffold.errors import ConventionsError, UsageError
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult

ALIAS_BOMB = "\n".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]"
            for p, n in zip("abcdefghi", "bcdefghij", strict=True)
        ),
    ]
)


def validate_in_a_process(path: str) -> subprocess.CompletedProcess[str]:
    """`scaffold validate --conventions PATH` in its own process, so a hang fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "scaffold", "validate", "--conventions", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_alias_bomb_fails_fast_with_a_finding(tmp_path: Path) -> None:
    assert len(ALIAS_BOMB.splitlines()) == 10
    started = time.monotonic()
    with pytest.raises(ConventionsError) as info:
        load_text(ALIAS_BOMB, "bomb.yaml")
    assert time.monotonic() - started < 10
    (finding,) = info.value.findings
    assert "more than 100000 values" in finding.message and finding.line > 1


def test_alias_bomb_is_exit_2(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    path = tmp_path / "observability.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    result = cli("validate", str(path))
    assert result.code == 2 and "nested YAML aliases" in result.err
    assert "Traceback" not in result.err


def test_a_few_aliases_still_work() -> None:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8").replace(
        "  environments: [development, staging, production]",
        "  environments: &envs [development, staging, production]",
    )
    assert load_text(text, "x.yaml").environments == ("development", "staging", "production")


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "observability.yaml"
    os.mkfifo(fifo)
    result = validate_in_a_process(str(fifo))
    assert result.returncode == 2, result.stderr
    assert "is a FIFO (named pipe), not a regular file" in result.stderr
    assert "give the path of a regular YAML file" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(UsageError, match="not a regular file"):
        load(fifo)


def test_device_is_refused() -> None:
    result = validate_in_a_process("/dev/zero")
    assert result.returncode == 2, result.stderr
    assert "/dev/zero: is a character device, not a regular file" in result.stderr
    with pytest.raises(UsageError, match="not a regular file"):
        load(Path("/dev/zero"))


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder, not a conventions file"):
        load(tmp_path)
    with pytest.raises(UsageError, match="is a folder, not a conventions file"):
        read_plain_yaml(tmp_path)


def test_file_over_the_size_limit_is_refused(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    big = tmp_path / "observability.yaml"
    with big.open("w", encoding="utf-8") as out:
        out.write(DEFAULT_CONVENTIONS.read_text(encoding="utf-8"))
        out.write("#" * (MAX_BYTES - out.tell()) + "\n")
    assert big.stat().st_size == MAX_BYTES + 1
    result = cli("validate", str(big))
    assert result.code == 2 and "larger than 4 MiB" in result.err
    with pytest.raises(ConventionsError, match="larger than 4 MiB"):
        load_text("#" * (MAX_BYTES + 1), "big.yaml")


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "observability.yaml"
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_BYTES - len(text.encode("utf-8")) - 1) + "\n")
    assert path.stat().st_size == MAX_BYTES
    assert load(path).organisation == "Acme"


def test_huge_integer_at_the_top_is_a_finding() -> None:
    with pytest.raises(ConventionsError) as info:
        load_text("schema_version: " + "1" * 5000 + "\n", "x.yaml")
    messages = [f"{f.path}: {f.message}" for f in info.value.findings]
    assert any(m.startswith("schema_version: cannot read this value") for m in messages), messages
    assert not any(m.startswith("schema_version: found") for m in messages), messages


def test_deep_nesting_is_a_finding_not_a_traceback() -> None:
    for depth in (100, 100_000):
        with pytest.raises(ConventionsError) as info:
            load_text("glossary: " + "[" * depth + "]" * depth + "\n", "deep.yaml")
        assert [f.message for f in info.value.findings if "nesting" in f.message], depth


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("  go_package: telemetry", '  go_package: "telemetry\\n"', "codegen.go_package"),
        ("  admin_path: /-/telemetry", '  admin_path: "/-/telemetry\\n"', "incident.admin_path"),
        (
            "  endpoint: http://localhost:4317",
            '  endpoint: "http://localhost:4317\\n"',
            "export.endpoint",
        ),
        ("    trace_id: trace_id", '    trace_id: "trace_id\\n"', "logs.fields.trace_id"),
        ("    staging: 0.5", '    "staging\\n": 0.5', "sampling.environments.staging\n"),
    ],
)
def test_a_trailing_newline_does_not_pass_a_pattern(old: str, new: str, path: str) -> None:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    assert text.count(old) == 1
    with pytest.raises(ConventionsError) as info:
        load_text(text.replace(old, new), "x.yaml")
    assert path in [f.path for f in info.value.findings]
