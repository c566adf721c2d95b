"""Go adoption edge cases: a go.mod that is not UTF-8 refused before anything is said,
the `go mod vendor` step named on update too, and the toolchain line dropped when the go
directive is raised past it (as `go mod tidy` does)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets.go_mod_edit import merge_requirements
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

GO_MOD = "module example.com/svc\n\ngo 1.24\n"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _http_conventions(tmp_path: Path) -> Path:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    path = tmp_path / "http.yaml"
    path.write_text(text.replace("  protocol: grpc ", "  protocol: http/protobuf "), "utf-8")
    return path


def test_add_with_on_a_go_mod_that_is_not_utf8_says_nothing_and_writes_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = tmp_path / "svc"
    build_file_tree(module, {"go.mod": GO_MOD, "main.go": "package main\n"})
    assert (
        cli("add", "--lang", "go", "--dir", str(module), "-c", str(DEFAULT_CONVENTIONS)).code == 0
    )
    go_mod = module / "go.mod"
    go_mod.write_bytes(go_mod.read_bytes() + b"// caf\xe9\n")
    before = tree(module)
    result = cli("add", "--lang", "go", "--with", "grpc", "--dir", str(module), "--json")
    assert result.code == 2 and "Traceback" not in result.err
    assert "edited" not in result.out and "added dependencies" not in result.out
    line = go_mod.read_bytes().count(b"\n")
    assert f"{go_mod}:{line}: not UTF-8" in result.out + result.err
    assert tree(module) == before


def test_update_of_a_vendored_module_names_go_mod_vendor(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = tmp_path / "svc"
    build_file_tree(module, {"go.mod": GO_MOD, "main.go": "package main\n"})
    http = _http_conventions(tmp_path)
    assert cli("add", "--lang", "go", "--dir", str(module), "-c", str(http)).code == 0
    build_file_tree(module, {"vendor/modules.txt": ""})
    done = cli("update", str(module), "-c", str(DEFAULT_CONVENTIONS), "--json")
    assert done.code == 0, done.err
    (service,) = json.loads(done.out)["services"]
    (note,) = [n for n in service["notes"] if n.startswith("go.mod:")]
    assert "added them" in note and "run `go mod vendor`" in note


def _go(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""},
    )


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
@pytest.mark.parametrize("toolchain", ["go1.26.0", "go1.24.3", "go1.26rc1"])
def test_a_toolchain_line_the_raised_go_line_reaches_is_dropped_as_tidy_does(
    tmp_path: Path, cli: Callable[..., CliResult], toolchain: str
) -> None:
    module = tmp_path / "svc"
    text = GO_MOD + f"\ntoolchain {toolchain}\n"
    build_file_tree(module, {"go.mod": text, "main.go": "package main\n\nfunc main() {}\n"})
    result = cli("add", "--lang", "go", "--dir", str(module), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    after = (module / "go.mod").read_text(encoding="utf-8")
    assert "toolchain" not in after and f"toolchain {toolchain} removed" in result.out + result.err
    tidy = _go(module, "mod", "tidy")
    assert tidy.returncode == 0, tidy.stderr
    assert (module / "go.mod").read_text(encoding="utf-8") == after


def test_a_newer_toolchain_line_is_kept() -> None:
    text = GO_MOD + "\ntoolchain go1.30.1\n"
    merged, _ = merge_requirements(text, [], "1.26.0", "go.mod")
    assert "toolchain go1.30.1" in merged and "go 1.26.0" in merged


def test_an_oversized_go_mod_is_refused(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    module = tmp_path / "svc"
    text = GO_MOD + "// padding\n" * 100_000
    build_file_tree(module, {"go.mod": text, "main.go": "package main\n"})
    before = tree(module)
    result = cli("add", "--lang", "go", "--dir", str(module), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{module / 'go.mod'}: over the 1024 KiB" in result.err
    assert tree(module) == before


def test_a_bom_before_go_build_ignore_and_one_line_imports(tmp_path: Path) -> None:
    from scaffold.targets.go_parts import detected_parts

    ignored = (
        '\ufeff//go:build ignore\n\npackage main\n\nimport _ "github.com/segmentio/kafka-go"\n'
    )
    one_line = (
        'package main\n\nimport ( "fmt"; _ "database/sql" )\n\nfunc main() { fmt.Println() }\n'
    )
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "gen.go": ignored, "main.go": one_line})
    assert detected_parts(tmp_path) == ("sql",)


def test_wire_on_an_empty_one_line_main_does_not_ask_for_gofmt(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = tmp_path / "svc"
    build_file_tree(module, {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {}\n"})
    conv = ["-c", str(DEFAULT_CONVENTIONS)]
    result = cli("add", "--lang", "go", "--dir", str(module), *conv, "--wire", "--json")
    assert result.code == 2 and "Traceback" not in result.err
    problem = json.loads(result.out)["error"]
    assert "func main is empty on one line" in problem and "gofmt" not in problem
