"""Only the parts a Rust crate uses: gRPC (rpc.rs, tonic in the tests, OTLP over gRPC),
SQL (db.rs) and messaging (messaging.rs) come with `--with` or the crate's own
dependencies, the lock records them, a part added later edits Cargo.toml and keeps update
and check in sync, and the crate builds, lints and tests with any of them
(scaffold.targets.service_parts, scaffold.targets.rust_parts)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets import rust_crates
from scaffold.targets.rust_parts import detected_parts
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult, build_file_tree
from tests.rust.rusttools import CRATE, assert_ok, cargo, needs_cargo

HTTP_CONV = ["-c", str(ROOT / "tests" / "behaviour" / "observability.yaml")]
GRPC_CONV = ["-c", str(DEFAULT_CONVENTIONS)]  # exports over gRPC
PLAIN = (
    "[package]\n"
    f'name = "{CRATE}"\n'
    'version = "0.1.0"\n'
    'edition = "2021"\n'
    "\n"
    "[dependencies]\n"
    'axum = "0.8"\n'
    'tokio = { version = "1", features = ["rt-multi-thread", "macros"] }\n'
)
MAIN = "mod telemetry;\n\nfn main() {}\n"
PART_FILES = {"grpc": "rpc.rs", "sql": "db.rs", "messaging": "messaging.rs"}


def _lock_parts(dest: Path) -> list[str]:
    lock = json.loads((dest / ".scaffold" / "lock.json").read_text(encoding="utf-8"))
    return list(lock["options"]["extra"]["parts"])


def _deps(dest: Path) -> dict[str, dict[str, object]]:
    data = tomllib.loads((dest / "Cargo.toml").read_text(encoding="utf-8"))
    return {t: data.get(t, {}) for t in ("dependencies", "dev-dependencies")}


def _otlp_features(dest: Path) -> list[str]:
    otlp = _deps(dest)["dependencies"]["opentelemetry-otlp"]
    assert isinstance(otlp, dict)
    return list(otlp["features"])


def test_parts_follow_the_crates_dependencies(tmp_path: Path) -> None:
    data = tomllib.loads(
        PLAIN
        + 'grpc = { package = "tonic", version = "0.14" }\n'
        + '[dev-dependencies]\nrusqlite = "0.37"\n'
        + "[target.'cfg(unix)'.dependencies]\nqueue.workspace = true\n"
    )
    inherited = {"queue": {"package": "async-nats", "version": "0.42"}}
    assert detected_parts(data, inherited) == ("grpc", "messaging", "sql")
    assert detected_parts(data, {}) == ("grpc", "sql")
    assert detected_parts(tomllib.loads(PLAIN), {}) == ()
    # A crate that merely mentions a part's crate in its name is not using it.
    assert detected_parts(tomllib.loads(PLAIN + 'tonic-types = "0.14"\n'), {}) == ()


def test_a_plain_axum_crate_gets_no_part_and_no_tonic(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": PLAIN, "src/main.rs": MAIN})
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV, "--json")
    assert result.code == 0, result.err
    notes = json.loads(result.out)["notes"]
    assert any("optional parts of the module: none" in n and "without" in n for n in notes)
    module = tmp_path / "src" / "telemetry"
    for name in PART_FILES.values():
        assert not (module / name).exists(), name
        assert not (module / name.replace(".rs", "_tests.rs")).exists(), name
    mod_rs = (module / "mod.rs").read_text(encoding="utf-8")
    assert "pub mod rpc;" not in mod_rs and "GrpcServerLayer" not in mod_rs
    assert "pub mod db;" not in mod_rs and "pub mod messaging;" not in mod_rs
    otlp = (module / "otlp.rs").read_text(encoding="utf-8")
    assert "GRPC_BUILT_IN: bool = false" in otlp and "with_tonic" not in otlp
    assert "tonic" not in _deps(tmp_path)["dev-dependencies"]
    assert not any("tonic" in f or f.startswith("tls-") for f in _otlp_features(tmp_path))
    assert _lock_parts(tmp_path) == []
    assert cli("check", str(tmp_path)).code == 0


def test_conventions_exporting_over_grpc_bring_only_the_exporter(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": PLAIN, "src/main.rs": MAIN})
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *GRPC_CONV)
    assert result.code == 0, result.err
    assert "grpc-tonic" in _otlp_features(tmp_path)
    assert "tonic" not in _deps(tmp_path)["dev-dependencies"]
    assert not (tmp_path / "src" / "telemetry" / "rpc.rs").exists()
    otlp = (tmp_path / "src" / "telemetry" / "otlp.rs").read_text(encoding="utf-8")
    assert "GRPC_BUILT_IN: bool = true" in otlp and "with_tonic" in otlp


def test_a_crate_using_tonic_gets_the_grpc_part(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    cargo_toml = PLAIN + 'tonic = "0.14"\n'
    build_file_tree(tmp_path, {"Cargo.toml": cargo_toml, "src/main.rs": MAIN})
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV)
    assert result.code == 0, result.err
    assert (tmp_path / "src" / "telemetry" / "rpc.rs").exists()
    assert _lock_parts(tmp_path) == ["grpc"]
    deps = _deps(tmp_path)
    assert deps["dependencies"]["tonic"] == "0.14"  # the crate's own, untouched
    assert deps["dev-dependencies"]["tonic"]["version"] == "0.14.9"  # type: ignore[index]
    assert "grpc-tonic" in _otlp_features(tmp_path)


def test_a_part_added_later_edits_cargo_toml_and_stays_in_sync(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": PLAIN, "src/main.rs": MAIN})
    assert cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV).code == 0
    before = (tmp_path / "Cargo.toml").read_text(encoding="utf-8")
    later = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV, "--with", "grpc,sql")
    assert later.code == 0, later.err
    module = tmp_path / "src" / "telemetry"
    assert (module / "rpc.rs").exists() and (module / "db.rs").exists()
    assert not (module / "messaging.rs").exists()
    assert _lock_parts(tmp_path) == ["grpc", "sql"]
    after = (tmp_path / "Cargo.toml").read_text(encoding="utf-8")
    # Only added to: every line before stays (the otlp line gains features in place).
    kept = [line for line in before.splitlines() if "opentelemetry-otlp" not in line]
    assert all(line in after.splitlines() for line in kept)
    dev = _deps(tmp_path)["dev-dependencies"]
    assert dev["tonic"]["version"] == "0.14.9"  # type: ignore[index]  # caret, not "="
    assert dev["tonic-health"]["version"] == "0.14.9"  # type: ignore[index]
    assert "grpc-tonic" in _otlp_features(tmp_path)
    assert "pub mod rpc;" in (module / "mod.rs").read_text(encoding="utf-8")
    assert cli("check", str(tmp_path)).code == 0
    assert cli("update", str(tmp_path)).code == 0
    assert (module / "rpc.rs").exists() and cli("check", str(tmp_path)).code == 0
    again = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV, "--with", "grpc")
    assert again.code == 0, again.err
    assert (tmp_path / "Cargo.toml").read_text(encoding="utf-8") == after


def test_a_newer_requirement_the_crate_has_is_kept(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """`--with grpc` keeps the requirement the crate already has (and adds the rest)."""
    cargo_toml = PLAIN + '\n[dev-dependencies]\ntonic-health = { version = "0.14.10" }\n'
    build_file_tree(tmp_path, {"Cargo.toml": cargo_toml, "src/main.rs": MAIN})
    assert cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV).code == 0
    later = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV, "--with", "grpc")
    assert later.code == 0, later.err
    dev = _deps(tmp_path)["dev-dependencies"]
    assert dev["tonic-health"] == {"version": "0.14.10"}
    assert dev["tonic"]["version"] == "0.14.9"  # type: ignore[index]


def test_new_renders_every_part(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    dest = tmp_path / "svc"
    assert cli("new", "svc", "--lang", "rust", "--dir", str(dest), *HTTP_CONV).code == 0
    module = dest / "src" / "telemetry"
    assert all((module / name).exists() for name in PART_FILES.values())
    assert "grpc-tonic" in _otlp_features(dest)
    assert "tonic" in _deps(dest)["dev-dependencies"]


def test_the_merge_adds_only_the_parts_dependencies() -> None:
    merged = rust_crates.merge_cargo_toml(PLAIN, "http/protobuf", parts=())
    data = tomllib.loads(merged)
    assert "tonic" not in data["dev-dependencies"]
    assert "grpc-tonic" not in data["dependencies"]["opentelemetry-otlp"]["features"]
    with_grpc = tomllib.loads(rust_crates.merge_cargo_toml(merged, "http/protobuf"))
    assert "grpc-tonic" in with_grpc["dependencies"]["opentelemetry-otlp"]["features"]
    assert "tonic" in with_grpc["dev-dependencies"]


@needs_cargo
@pytest.mark.toolchain
@pytest.mark.slow
@pytest.mark.parametrize("parts", ["", "grpc", "grpc,messaging,sql"], ids=["none", "grpc", "all"])
def test_the_crate_builds_lints_and_tests_with_any_parts(
    parts: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": PLAIN, "src/main.rs": MAIN})
    with_parts = ["--with", parts] if parts else []
    added = cli("add", "--lang", "rust", "--dir", str(tmp_path), *HTTP_CONV, *with_parts)
    assert added.code == 0, added.err
    assert_ok(cargo(["fmt", "--check"], tmp_path), "cargo fmt --check")
    lint = ["clippy", "--all-targets", "--", "-W", "clippy::pedantic", "-D", "warnings"]
    assert_ok(cargo(lint, tmp_path), "cargo clippy")
    proc = cargo(["test"], tmp_path)
    assert_ok(proc, "cargo test")
    ran = proc.stdout
    assert "grpc_without_the_grpc_exporter_is_reported_and_http_is_used ... ok" in ran
    for part, name in PART_FILES.items():
        tests = f"telemetry::{name.removesuffix('.rs')}_tests::"
        assert (tests in ran) == (part in parts), (part, ran)
    lock = tomllib.loads((tmp_path / "Cargo.lock").read_text(encoding="utf-8"))
    packages = {p["name"] for p in lock["package"]}
    assert ("tonic" in packages) == ("grpc" in parts)
    print(f"rust parts {parts or 'none'}: Cargo.lock packages {len(lock['package'])}")


@pytest.mark.parametrize(
    "declared",
    [
        'grpc = { package = "tonic", version = "0.14" }\n',
        'otel = { package = "opentelemetry", version = "0.33" }\n',
        "[target.'cfg(unix)'.dependencies]\n" 'rpc = { package = "tonic", version = "0.14" }\n',
    ],
)
def test_a_needed_crate_under_another_name_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult], declared: str
) -> None:
    """Cargo refuses one crate under two names; add names the line instead of writing a
    Cargo.toml that no longer builds."""
    text = PLAIN + declared
    build_file_tree(tmp_path, {"Cargo.toml": text, "src/main.rs": MAIN})
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *GRPC_CONV)
    assert result.code == 2, result.out + result.err
    key = declared.splitlines()[-1].split(" ", 1)[0]
    line = text.splitlines().index(declared.splitlines()[-1]) + 1
    assert f"Cargo.toml:{line}" in result.err and f"`{key}`" in result.err, result.err
    assert "Traceback" not in result.err
    assert (tmp_path / "Cargo.toml").read_text(encoding="utf-8") == text
    assert not (tmp_path / "src" / "telemetry").exists()
    assert not (tmp_path / ".scaffold").exists()
