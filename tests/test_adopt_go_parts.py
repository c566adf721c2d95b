"""Go part detection reads the packages `go build ./...` sees: vendored code, nested
modules and files a `//go:build ignore` constraint leaves out do not count, and vendored
files do not use up the file limit (scaffold.targets.go_parts, go_constraints)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets import go_parts
from scaffold.targets.go_constraints import header_constraint, never_built
from tests.conftest import ROOT, CliResult, build_file_tree

GO_MOD = "module example.com/svc\n\ngo 1.26.0\n"
MAIN = "package main\n\nfunc main() {}\n"
HTTP_CONV = ["-c", str(ROOT / "tests" / "behaviour" / "observability.yaml")]


def _uses(package: str, header: str = "", name: str = "main") -> str:
    return f'{header}package {name}\n\nimport _ "{package}"\n'


def test_vendored_files_do_not_use_up_the_file_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(go_parts, "MAX_FILES", 5)
    files = {"go.mod": GO_MOD, "main.go": MAIN, "zz/db.go": _uses("database/sql", name="zz")}
    for n in range(10):  # sorted before zz/, and more than the limit
        files[f"vendor/example.com/dep/f{n}.go"] = _uses("google.golang.org/grpc", name="dep")
    files["vendor/modules.txt"] = "# example.com/dep v1.0.0\n"
    build_file_tree(tmp_path, files)
    assert go_parts.detected_parts(tmp_path) == ("sql",)
    assert all(not rel.startswith("vendor/") for rel in go_parts.module_sources(tmp_path))


def test_the_limit_still_holds_for_the_modules_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(go_parts, "MAX_FILES", 3)
    files = {"go.mod": GO_MOD, **{f"a{n}.go": MAIN for n in range(5)}}
    build_file_tree(tmp_path, {**files, "b.go": _uses("database/sql")})
    assert len(list(go_parts.module_sources(tmp_path))) == 3
    assert go_parts.detected_parts(tmp_path) == ()


def test_a_nested_module_is_not_walked(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "main.go": MAIN,
            "tools/go.mod": "module example.com/svc/tools\n\ngo 1.26.0\n",
            "tools/gen/gen.go": _uses("google.golang.org/grpc", name="gen"),
            "internal/store/store.go": _uses("github.com/jackc/pgx/v5", name="store"),
        },
    )
    assert go_parts.detected_parts(tmp_path) == ("sql",)
    assert "tools/gen/gen.go" not in list(go_parts.module_sources(tmp_path))


IGNORED = {
    "//go:build ignore\n\n": True,
    "// Copyright\n\n//go:build ignore && linux\n\n": True,
    "/* licence\n   text */\n//go:build linux && !linux\n\n": True,
    "// +build ignore\n\n": True,
    "// +build ignore,linux\n\n": True,
    "//go:build !ignore\n\n": False,
    "//go:build ignore || linux\n\n": False,
    "//go:build integration\n\n": False,
    "//go:build (ignore)\n// +build !ignore\n\n": True,  # //go:build wins
    "// +build linux ignore\n\n": False,
    "//go:build ignore &&\n\n": False,  # the go command rejects it: it counts
    "//go:buildignore\n\n": False,  # not a constraint line
    "": False,
}


@pytest.mark.parametrize(("header", "left_out"), list(IGNORED.items()))
def test_build_constraints(header: str, left_out: bool) -> None:
    assert never_built(_uses("database/sql", header)) is left_out


def test_a_constraint_after_the_package_clause_is_not_one() -> None:
    text = "package main\n\n//go:build ignore\n"
    assert header_constraint(text) == "" and not never_built(text)


def test_ignored_files_do_not_count(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "main.go": MAIN,
            "gen.go": _uses("github.com/segmentio/kafka-go", "//go:build ignore\n\n"),
            "db_integration_test.go": _uses("database/sql", "//go:build integration\n\n"),
        },
    )
    assert go_parts.detected_parts(tmp_path) == ("sql",)


def _go_list_imports(dest: Path) -> set[str]:
    """What the go command itself says the module's packages import (tests included)."""
    result = subprocess.run(
        [
            "go",
            "list",
            "-e",
            "-f",
            '{{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}',
            "./...",
        ],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off"},
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_detection_agrees_with_the_go_command_and_add_renders_no_extra_part(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "main.go": MAIN,
            "gen.go": _uses("google.golang.org/grpc", "//go:build ignore\n\n"),
            "nested/go.mod": "module example.com/nested\n\ngo 1.26.0\n",
            "nested/n.go": _uses("github.com/nats-io/nats.go", name="nested"),
            "vendor/modules.txt": "",
            "vendor/example.com/dep/dep.go": _uses("database/sql", name="dep"),
        },
    )
    (tmp_path / "vendor").rename(tmp_path / "vendor-later")  # go list: no vendor mode
    seen = _go_list_imports(tmp_path)
    (tmp_path / "vendor-later").rename(tmp_path / "vendor")
    assert not any(i.startswith(("google.golang.org/grpc", "github.com/nats-io")) for i in seen)
    assert go_parts.detected_parts(tmp_path) == ()
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--json")
    assert result.code == 0, result.err
    generated = tmp_path / "internal" / "telemetry"
    for name in ("grpc.go", "sql.go", "messaging.go"):
        assert not (generated / name).exists(), name
