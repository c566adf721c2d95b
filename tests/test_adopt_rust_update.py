"""`update` and `check` of a service `add` adopted after the conventions switch export
from http/protobuf to gRPC: the regenerated code needs the exporter's gRPC transport
(Rust: opentelemetry-otlp's tonic features; Go: the OTLP/gRPC exporter modules). `check`
names the project file and what it lacks; `update` adds it, as `add` would, in the same
transaction, and says so (also with --json); a declared version too old is exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

PACKAGE = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
GRPC = ("grpc-tonic", "gzip-tonic", "tls-ring", "tls-roots")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _http_conventions(tmp_path: Path) -> Path:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    assert "  protocol: grpc " in text
    path = tmp_path / "http.yaml"
    path.write_text(text.replace("  protocol: grpc ", "  protocol: http/protobuf "), "utf-8")
    return path


def _otlp_features(crate: Path) -> list[str]:
    data = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    features: list[str] = data["dependencies"]["opentelemetry-otlp"]["features"]
    return features


def _rust_service(tmp_path: Path, cli: Callable[..., CliResult]) -> Path:
    crate = tmp_path / "api"
    build_file_tree(crate, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    http = _http_conventions(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(http))
    assert result.code == 0, result.err
    assert not set(GRPC) & set(_otlp_features(crate))
    return crate


def test_check_names_the_missing_grpc_transport_and_update_adds_it(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _rust_service(tmp_path, cli)
    grpc = ["-c", str(DEFAULT_CONVENTIONS)]
    checked = cli("check", str(crate), *grpc)
    assert checked.code == 1
    (line,) = [x for x in checked.out.splitlines() if "Cargo.toml:" in x or "/Cargo.toml" in x]
    assert "lacks opentelemetry-otlp features grpc-tonic" in line
    assert "export over gRPC" in line and "`scaffold update` adds them" in line
    dry = cli("update", str(crate), *grpc, "--dry-run")
    assert dry.code == 0 and "+++ b/Cargo.toml" in dry.out
    assert "grpc-tonic" in dry.out and "would add them" in dry.out
    assert not set(GRPC) & set(_otlp_features(crate))
    done = cli("update", str(crate), *grpc, "--json")
    assert done.code == 0, done.err
    (service,) = json.loads(done.out)["services"]
    (note,) = service["notes"]
    assert note.startswith("Cargo.toml: lacks opentelemetry-otlp features grpc-tonic")
    assert "added them" in note
    assert set(GRPC) <= set(_otlp_features(crate))
    metadata = subprocess.run(
        ["cargo", "metadata", "--offline", "--no-deps", "--format-version", "1"],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CARGO_BUILD_JOBS": "1"},
    )
    assert metadata.returncode == 0, metadata.stderr
    assert cli("check", str(crate), *grpc).code == 0


def test_update_refuses_a_declared_version_too_old_for_the_grpc_transport(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _rust_service(tmp_path, cli)
    cargo = crate / "Cargo.toml"
    text = cargo.read_text(encoding="utf-8")
    old = 'opentelemetry-otlp = { version = "0.33.1"'
    assert old in text
    cargo.write_text(text.replace(old, 'opentelemetry-otlp = { version = "0.27"'), "utf-8")
    before = tree(crate)
    result = cli("update", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert "opentelemetry-otlp '0.27' found, 0.33.1 needed" in result.err
    assert f"{crate / 'Cargo.toml'}:" in result.err
    assert tree(crate) == before


def test_a_go_module_gets_the_otlp_grpc_exporters_on_update(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = tmp_path / "svc"
    build_file_tree(
        module,
        {"go.mod": "module example.com/svc\n\ngo 1.24\n", "main.go": "package main\n"},
    )
    http = _http_conventions(tmp_path)
    assert cli("add", "--lang", "go", "--dir", str(module), "-c", str(http)).code == 0
    exporter = "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
    assert exporter not in (module / "go.mod").read_text(encoding="utf-8")
    grpc = ["-c", str(DEFAULT_CONVENTIONS)]
    checked = cli("check", str(module), *grpc)
    assert checked.code == 1
    (line,) = [x for x in checked.out.splitlines() if "/go.mod:" in x]
    assert "lacks go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc" in line
    assert exporter in line and "export over gRPC" in line
    done = cli("update", str(module), *grpc)
    assert done.code == 0, done.err
    assert "go.mod: lacks go.opentelemetry.io" in done.out and "added them" in done.out
    assert exporter in (module / "go.mod").read_text(encoding="utf-8")
    assert "otlptracegrpc" in (module / "go.sum").read_text(encoding="utf-8")
    assert cli("check", str(module), *grpc).code == 0


def test_update_refuses_an_oversized_cargo_toml(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _rust_service(tmp_path, cli)
    cargo = crate / "Cargo.toml"
    cargo.write_text(cargo.read_text(encoding="utf-8") + "#" * (2 * 1024 * 1024) + "\n", "utf-8")
    before = tree(crate)
    result = cli("update", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{cargo}: " in result.err and "over the 1024 KiB" in result.err
    assert tree(crate) == before


def test_update_refuses_a_cargo_toml_that_is_not_utf8(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """The file is never decoded with replacement characters and written back."""
    crate = _rust_service(tmp_path, cli)
    cargo = crate / "Cargo.toml"
    cargo.write_bytes(cargo.read_bytes() + b"# caf\xe9\n")
    before = tree(crate)
    result = cli("update", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{cargo}:29: not UTF-8 text (byte 6 of the line)" in result.err
    assert tree(crate) == before
