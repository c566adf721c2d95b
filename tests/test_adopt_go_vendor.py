"""`add` in a Go module that vendors its dependencies (tests/fixtures/adopt/go-vendored,
vendored here with the go command): add names the one command the build needs next,
`go mod vendor`, and after it the module's own build, vet and tests pass in vendor mode
with go.mod and go.sum in `go mod tidy` form (scaffold.targets.go_vendor)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets.go_vendor import vendor_notes
from tests.conftest import ROOT, CliResult, build_file_tree

FIXTURE = ROOT / "tests" / "fixtures" / "adopt" / "go-vendored"
HTTP_CONV = ["-c", str(ROOT / "tests" / "behaviour" / "observability.yaml")]
# No -mod flag: the go command picks vendor mode itself, as in the team's own build.
GO_ENV = {"GOTOOLCHAIN": "local", "GOFLAGS": ""}


def _go(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **GO_ENV},
    )


def _ok(cwd: Path, *args: str) -> str:
    result = _go(cwd, *args)
    assert result.returncode == 0, f"go {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_no_note_without_a_vendor_folder(tmp_path: Path) -> None:
    assert vendor_notes(tmp_path) == []
    build_file_tree(tmp_path, {"vendor/modules.txt": ""})
    (note,) = vendor_notes(tmp_path)
    assert str(tmp_path / "vendor" / "modules.txt") in note and "`go mod vendor`" in note


def test_a_note_names_the_step_for_add_with_a_part_later_too(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path,
        {
            "go.mod": "module example.com/svc\n\ngo 1.26.0\n",
            "main.go": "package main\n\nfunc main() {}\n",
            "vendor/modules.txt": "",
        },
    )
    first = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--json")
    assert first.code == 0, first.err
    assert any("run `go mod vendor`" in n for n in json.loads(first.out)["notes"])
    later = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--with", "sql")
    assert later.code == 0, later.err
    assert "run `go mod vendor`" in later.out


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_a_vendored_module_builds_after_the_named_step(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "go-vendored"
    shutil.copytree(FIXTURE, dest)
    _ok(dest, "mod", "vendor")
    _ok(dest, "build", "./...")  # the module as the team has it, built from vendor/
    added = cli("add", "--lang", "go", "--dir", str(dest), *HTTP_CONV, "--wire", "--json")
    assert added.code == 0, added.err
    notes = json.loads(added.out)["notes"]
    step = [n for n in notes if "vendors its dependencies" in n]
    assert len(step) == 1 and "run `go mod vendor` in" in step[0], notes
    stale = _go(dest, "build", "./...")  # what the note is for
    assert stale.returncode != 0 and "inconsistent vendoring" in stale.stderr
    _ok(dest, "mod", "vendor")  # the step the note names, and nothing else
    _ok(dest, "build", "./...")
    _ok(dest, "vet", "./...")
    _ok(dest, "test", "-count=1", "./...")
    assert "go.opentelemetry.io/otel v1.47.0" in (dest / "vendor" / "modules.txt").read_text()
    before = {n: (dest / n).read_text(encoding="utf-8") for n in ("go.mod", "go.sum")}
    _ok(dest, "mod", "tidy")
    assert {n: (dest / n).read_text(encoding="utf-8") for n in before} == before
    assert cli("check", str(dest)).code == 0
