"""`add` in a Go module whose go.mod has exclude or replace directives for modules the
generated code needs: what takes away a needed version is exit 2 naming the line and
the fix, with nothing written; a replacement with a newer version of the same module is
respected (scaffold.targets.go_mod_directives)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.go_modules import add_requirements, parse_go_mod
from tests.conftest import ROOT, CliResult, build_file_tree

HTTP_CONV = ["-c", str(ROOT / "tests" / "behaviour" / "observability.yaml")]
MAIN = "package main\n\nfunc main() {}\n"
HEAD = "module example.com/svc\n\ngo 1.26.0\n\n"
GO_ENV = {"GOTOOLCHAIN": "local", "GOFLAGS": ""}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


REFUSED = {
    "exclude go.opentelemetry.io/otel v1.47.0": (
        "go.mod:5: `exclude go.opentelemetry.io/otel v1.47.0` drops",
        "delete that line",
    ),
    "exclude (\n\tgolang.org/x/sys v0.48.0\n)": (
        "go.mod:6: `exclude golang.org/x/sys v0.48.0` drops",
        "delete that line",
    ),
    "replace go.opentelemetry.io/otel => go.opentelemetry.io/otel v1.24.0": (
        "go.mod:5: `replace go.opentelemetry.io/otel => go.opentelemetry.io/otel v1.24.0`: "
        "older than the v1.47.0 the generated code needs",
        "go mod edit -replace=go.opentelemetry.io/otel=go.opentelemetry.io/otel@v1.47.0",
    ),
    "replace go.opentelemetry.io/otel/sdk => ../otel-fork/sdk": (
        "go.mod:5: `replace go.opentelemetry.io/otel/sdk => ../otel-fork/sdk`: the generated "
        "code needs go.opentelemetry.io/otel/sdk v1.47.0, not a local folder",
        "delete that line",
    ),
    "replace github.com/go-logr/logr v1.4.4 => github.com/acme/logr v1.9.0": (
        "go.mod:5: `replace github.com/go-logr/logr v1.4.4 => github.com/acme/logr v1.9.0`: "
        "the generated code needs github.com/go-logr/logr v1.4.4, not another module",
        "or newer",
    ),
}


@pytest.mark.parametrize("directive", list(REFUSED))
def test_a_directive_that_takes_away_a_needed_version_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult], directive: str
) -> None:
    build_file_tree(tmp_path, {"go.mod": HEAD + directive + "\n", "main.go": MAIN})
    before = tree(tmp_path)
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV)
    assert result.code == 2, result.out
    assert "Traceback" not in result.err and "nothing was written" in result.err
    where, fix = REFUSED[directive]
    assert where in result.err and fix in result.err
    assert tree(tmp_path) == before


ALLOWED = [
    "exclude go.opentelemetry.io/otel v1.46.0",  # not the version go.mod will require
    "replace go.opentelemetry.io/otel v1.24.0 => ../old",  # another version only
    "replace golang.org/x/text => golang.org/x/text v0.43.0",  # newer, same module
    "replace golang.org/x/text v0.42.0 => golang.org/x/text v0.42.0",
    "replace example.com/unrelated => ../unrelated",
]


@pytest.mark.parametrize("directive", ALLOWED)
def test_a_directive_that_leaves_the_needed_versions_is_kept(directive: str) -> None:
    go_mod = HEAD + directive + "\n"
    edit = add_requirements(go_mod, "", b3=False, grpc=False, otlp_grpc=False)
    assert directive in edit.go_mod
    newer = "golang.org/x/text v0.43.0" in directive
    assert any("v0.43.0, whose checksums go.sum lacks" in n for n in edit.notes) is newer
    assert ("golang.org/x/text v0.43.0 h1:" in edit.go_sum) is False


BAD = {
    "replace example.com/a": "go.mod:5: a replacement is",
    "replace example.com/a => example.com/b": "needs a version, or ./ for a folder",
    "replace example.com/a => ./b v1.0.0": "a local folder takes no version",
    "replace example.com/a v1 => ./b": "'v1' is not a Go module version",
    "replace example.com/a => example.com/b master": "go.mod:5: 'master' is not a Go module",
    "exclude example.com/a": "go.mod:5: an exclusion is",
    "replace (\n\texample.com/a => \n)": "go.mod:6: a replacement is",
}


@pytest.mark.parametrize("directive", list(BAD))
def test_a_malformed_directive_is_named_with_its_line(directive: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_go_mod(HEAD + directive + "\n")
    assert BAD[directive] in str(caught.value)


def test_the_parser_records_exclude_and_replace_lines() -> None:
    text = HEAD + "exclude (\n\ta.example/x v1.0.0\n)\n\nreplace b.example/y v1.2.3 => ../y\n"
    mod = parse_go_mod(text)
    assert [(e.path, e.version, e.line) for e in mod.excludes] == [("a.example/x", "v1.0.0", 5)]
    (rep,) = mod.replaces
    assert (rep.path, rep.version, rep.new_path, rep.local, rep.line) == (
        "b.example/y",
        "v1.2.3",
        "../y",
        True,
        8,
    )


def _go(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **GO_ENV},
    )


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_a_newer_replacement_builds_after_the_named_step_and_a_refusal_after_its_fix(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    newer = tmp_path / "newer"
    build_file_tree(
        newer,
        {
            "go.mod": HEAD + "replace golang.org/x/text => golang.org/x/text v0.43.0\n",
            "main.go": MAIN,
        },
    )
    result = cli("add", "--lang", "go", "--dir", str(newer), *HTTP_CONV)
    assert result.code == 0, result.err
    assert "run `go mod tidy` before the next build" in result.out + result.err
    assert _go(newer, "mod", "tidy").returncode == 0
    assert "replace golang.org/x/text => golang.org/x/text v0.43.0" in (newer / "go.mod").read_text(
        encoding="utf-8"
    )
    built = _go(newer, "vet", "./...")
    assert built.returncode == 0, built.stderr

    excluded = tmp_path / "excluded"
    line = "exclude go.opentelemetry.io/otel v1.47.0\n"
    build_file_tree(excluded, {"go.mod": HEAD + line, "main.go": MAIN})
    refused = cli("add", "--lang", "go", "--dir", str(excluded), *HTTP_CONV)
    assert refused.code == 2 and "go.mod:5:" in refused.err
    go_mod = excluded / "go.mod"
    go_mod.write_text(go_mod.read_text(encoding="utf-8").replace(line, ""), encoding="utf-8")
    assert cli("add", "--lang", "go", "--dir", str(excluded), *HTTP_CONV).code == 0
    built = _go(excluded, "vet", "./...")
    assert built.returncode == 0, built.stderr


OLD_SUM = (
    "github.com/stretchr/testify v1.8.4/go.mod h1:sz/lmYIOXD/1dqDmKjjqLyZ2RngseejIcXlSw2iwfAo=\n"
    "go.opentelemetry.io/otel v1.24.0 h1:0LAOdjNmQeSTzGBzduGe/rU4tZhMwL5rWgtp9Ku5Jfo=\n"
    "go.opentelemetry.io/otel v1.24.0/go.mod h1:W7b9Ozg4nkF5tWI5zsXkaKKDjdVjpD4oAt9Qi/MArHo=\n"
)


def test_go_sum_is_the_pinned_lines_when_go_mod_requires_only_pinned_modules() -> None:
    from scaffold.targets.go_modules import pinned_sum

    go_mod = HEAD + "require go.opentelemetry.io/otel v1.47.0\n"
    edit = add_requirements(go_mod, OLD_SUM, b3=False, grpc=False, otlp_grpc=False)
    assert edit.go_sum == pinned_sum(b3=False, grpc=False, otlp_grpc=False)
    assert "v1.24.0" not in edit.go_sum and "testify v1.8.4" not in edit.go_sum
    assert not any("go.sum" in n for n in edit.notes)


def test_go_sum_keeps_the_modules_lines_and_names_stale_ones_when_the_graph_is_open() -> None:
    go_mod = HEAD + "require (\n\texample.com/other v1.0.0\n\tgo.opentelemetry.io/otel v1.47.0\n)\n"
    edit = add_requirements(go_mod, OLD_SUM, b3=False, grpc=False, otlp_grpc=False, name="m/go.mod")
    assert all(line in edit.go_sum for line in OLD_SUM.splitlines())
    (note,) = [n for n in edit.notes if "go.sum" in n]
    assert note.startswith("m/go.sum: keeps checksums of versions go.mod no longer requires")
    assert "(go.opentelemetry.io/otel v1.24.0)" in note and "`go mod tidy`" in note
