"""Only the parts a Go service uses: gRPC, SQL and messaging helpers come with `--with` or
the module's own imports, the lock records them, and a part added later keeps update and
check in sync (scaffold.targets.go_parts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.go_parts import detected_parts
from scaffold.targets.service_parts import parse_with
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]  # exports over gRPC
HTTP_CONV = ["-c", str(ROOT / "tests" / "behaviour" / "observability.yaml")]
GO_MOD = "module example.com/svc\n\ngo 1.26.0\n"
USES_SQL_AND_GRPC = """package main

import (
\t"database/sql"

\tpb "google.golang.org/grpc/health/grpc_health_v1"
)

var _ *sql.DB
var _ pb.HealthClient

func main() {}
"""


def _lock_parts(dest: Path) -> list[str]:
    lock = json.loads((dest / ".scaffold" / "lock.json").read_text(encoding="utf-8"))
    return list(lock["options"]["extra"]["parts"])


def test_parts_follow_the_imports(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": USES_SQL_AND_GRPC})
    assert detected_parts(tmp_path) == ("grpc", "sql")
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--json")
    assert result.code == 0, result.err
    generated = tmp_path / "internal" / "telemetry"
    assert (generated / "grpc.go").exists() and (generated / "sql.go").exists()
    assert (generated / "exporter_grpc.go").exists()  # the gRPC part brings OTLP/gRPC
    assert not (generated / "messaging.go").exists()
    assert _lock_parts(tmp_path) == ["grpc", "sql"]
    go_mod = (tmp_path / "go.mod").read_text(encoding="utf-8")
    assert "\tgoogle.golang.org/grpc v1.83.2\n" in go_mod and "otelgrpc" not in go_mod


def test_a_plain_http_service_gets_no_grpc(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {}\n"})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--json")
    assert result.code == 0, result.err
    notes = json.loads(result.out)["notes"]
    assert any("optional parts of the package: none" in n and "without" in n for n in notes)
    generated = tmp_path / "internal" / "telemetry"
    for name in ("grpc.go", "exporter_grpc.go", "sql.go", "messaging.go"):
        assert not (generated / name).exists(), name
    go_mod = (tmp_path / "go.mod").read_text(encoding="utf-8")
    direct = go_mod.split("require (")[1].split(")")[0]
    assert "grpc" not in direct
    assert "google.golang.org/grpc v1.83.2 // indirect" in go_mod
    assert "otlptracegrpc" not in (tmp_path / "go.sum").read_text(encoding="utf-8")
    assert cli("check", str(tmp_path)).code == 0


def test_a_part_added_later_keeps_update_and_check_in_sync(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {}\n"})
    assert cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV).code == 0
    assert _lock_parts(tmp_path) == []
    later = cli("add", "--lang", "go", "--dir", str(tmp_path), *HTTP_CONV, "--with", "grpc,sql")
    assert later.code == 0, later.err
    generated = tmp_path / "internal" / "telemetry"
    assert (generated / "grpc.go").exists() and (generated / "sql.go").exists()
    assert _lock_parts(tmp_path) == ["grpc", "sql"]
    go_mod = (tmp_path / "go.mod").read_text(encoding="utf-8")
    assert "otelgrpc" not in go_mod and "google.golang.org/grpc v1.83.2\n" in go_mod
    assert "google.golang.org/grpc v1.83.2 // indirect" not in go_mod
    assert cli("check", str(tmp_path)).code == 0
    update = cli("update", str(tmp_path), "--json")
    assert update.code == 0, update.err
    assert (generated / "grpc.go").exists()
    assert cli("check", str(tmp_path)).code == 0


def test_with_names_known_parts_only(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    assert parse_with(" SQL, grpc ,") == ("grpc", "sql")
    with pytest.raises(UsageError, match="the parts are grpc, messaging, sql"):
        parse_with("grpc,kafka")
    build_file_tree(tmp_path, {"go.mod": GO_MOD})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--with", "kafka")
    assert result.code == 2 and "no part named kafka" in result.err
    assert not (tmp_path / "internal").exists()
