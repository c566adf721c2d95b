"""The Rust adoption fixture (tests/fixtures/adopt/rust-workspace): a Cargo workspace on
edition 2024 with pedantic workspace clippy lints, and a member axum 0.8 service with its
own `tracing_subscriber` fmt subscriber and tower-http's TraceLayer.

`add` at the workspace root ends with exit 2 naming the member; `add --dir member` and
`add --wire` leave a workspace whose own `cargo fmt --check`, `cargo clippy --workspace
-- -D warnings` and `cargo test` pass, whose Cargo.lock downgrades nothing, and whose
service exports correctly named spans to a receiver while its log lines stay its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.behaviour.harness import free_port, servers
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult

FIXTURE = ROOT / "tests" / "fixtures" / "adopt" / "rust-workspace"
CONV = ["-c", str(DEFAULT_CONVENTIONS)]
# A target folder of the fixture's own: its lock resolves other versions and features
# than the shared generated-crate cache, and two builds never wait on one lock.
TARGET = Path.home() / ".cache" / "scaffold-ci" / "adopt-rust-workspace"
CARGO_ENV = {"CARGO_TARGET_DIR": str(TARGET), "CARGO_BUILD_JOBS": "1"}


def cargo(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["cargo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, **CARGO_ENV},
    )
    assert result.returncode == 0, f"cargo {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def locked(root: Path) -> dict[str, set[tuple[int, ...]]]:
    """The versions of each package Cargo.lock holds."""
    data = tomllib.loads((root / "Cargo.lock").read_text(encoding="utf-8"))
    out: dict[str, set[tuple[int, ...]]] = {}
    for package in data["package"]:
        version = tuple(int(p) for p in re.split(r"[-+]", package["version"])[0].split("."))
        out.setdefault(package["name"], set()).add(version)
    return out


def downgraded(
    before: dict[str, set[tuple[int, ...]]], after: dict[str, set[tuple[int, ...]]]
) -> list[str]:
    """Packages whose locked version went down (or went away) between two locks."""
    return [
        f"{name} {'.'.join(map(str, v))}"
        for name, versions in before.items()
        for v in versions
        if not any(
            w >= v and w[: 1 if w[0] else 2] == v[: 1 if v[0] else 2] for w in after.get(name, ())
        )
    ]


def test_add_at_the_workspace_root_names_the_members(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    before = tree(dest)
    result = cli("add", "--lang", "rust", "--dir", str(dest), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert "Cargo workspace root" in result.err and "--dir" in result.err
    assert "crates/orders-api" in result.err and "crates/orders-core" in result.err
    # The one member that is a service (a binary on axum) is singled out, with its --dir.
    service = f"crates/orders-api: a binary that depends on axum: scaffold add --lang rust --dir {dest / 'crates' / 'orders-api'}"
    assert f"the service:\n  {service}" in result.err
    assert "crates/orders-core:" not in result.err
    assert tree(dest) == before


def test_wire_makes_the_steps_in_the_fixtures_main(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """What --wire writes into the member's main.rs, without building anything."""
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    member = dest / "crates" / "orders-api"
    added = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    assert data["wire_problem"] == "" and data["manual_edits_left"] == 7
    trace_layer = [s for s in data["next_steps"] if s["where"] == "tower-http's TraceLayer"]
    assert [(s["file"], s["line"]) for s in trace_layer] == [("src/main.rs", 20)]
    assert "remove it" in trace_layer[0]["what"] and "tower_http" in trace_layer[0]["what"]
    wired = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    data = json.loads(wired.out)
    assert data["wired"] == ["src/main.rs"] and data["manual_edits_left"] == 1
    main = (member / "src" / "main.rs").read_text(encoding="utf-8")
    assert "mod telemetry;\n" in main
    assert "let telemetry_layers = telemetry::layers()?;" in main
    assert (
        ".with(tracing_subscriber::fmt::layer())\n        .with(telemetry_layers.telemetry)\n"
        in (main)
    )
    assert "json_logs" not in main  # the app's fmt layer writes its lines, once
    assert main.count("tracing_subscriber::registry()") == 1  # never a second subscriber
    assert ".layer(telemetry::HttpServerLayer::new())" in main
    assert "app.into_make_service_with_connect_info::<std::net::SocketAddr>()" in main
    assert "telemetry_guard.shutdown().await" in main
    assert main.index("telemetry_guard.shutdown()") > main.index("axum::serve(")
    again = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire")
    assert again.code == 2 and "it is wired" in again.err
    # The module was written in the workspace's rustfmt style (edition 2024): check and
    # update agree it is in sync, and update rewrites nothing.
    generated = (member / "src" / "telemetry" / "export.rs").read_text(encoding="utf-8")
    assert "use opentelemetry::Value;\nuse opentelemetry::trace::{SpanKind, Status};" in generated
    assert cli("check", str(member)).code == 0
    assert "nothing to do" in cli("update", str(member), "-c", str(DEFAULT_CONVENTIONS)).out


@pytest.mark.parametrize("shape", ["fmt-builder", "no-subscriber"])
def test_wire_knows_the_other_common_shapes(
    tmp_path: Path, cli: Callable[..., CliResult], shape: str
) -> None:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    member = dest / "crates" / "orders-api"
    main = member / "src" / "main.rs"
    text = main.read_text(encoding="utf-8")
    start = text.index("    tracing_subscriber::registry()")
    end = text.index(".init();\n", start) + len(".init();\n")
    subscriber = "    tracing_subscriber::fmt().with_target(false).init();\n"
    main.write_text(text[:start] + (subscriber if shape == "fmt-builder" else "") + text[end:])
    wired = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire")
    assert wired.code == 0, wired.err
    out = main.read_text(encoding="utf-8")
    if shape == "fmt-builder":
        assert ".finish()" in out and ".with(telemetry_layers.telemetry)" in out
    else:
        assert "let telemetry_guard = telemetry::init()?;" in out


def test_wire_refuses_a_main_without_a_result(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    member = dest / "crates" / "orders-api"
    main = member / "src" / "main.rs"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace(" -> Result<(), Box<dyn std::error::Error>>", ""))
    before = tree(dest)
    refused = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire")
    assert refused.code == 2 and "nothing was written" in refused.err
    assert "src/main.rs:11: fn main returns ()" in refused.err
    assert "make these edits by hand:" in refused.err and "mod telemetry;" in refused.err
    assert "src/main.rs:20 (tower-http's TraceLayer)" in refused.err
    assert tree(dest) == before


def run_service(member_bin: Path, receiver: int) -> tuple[str, str]:
    """Starts the built service, sends one request, stops it with SIGTERM: its output."""
    port = free_port()
    env = {
        **os.environ,
        "LISTEN_ADDR": f"127.0.0.1:{port}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver}",
        "OTEL_METRICS_EXPORTER": "none",
        "DEPLOYMENT_ENVIRONMENT": "development",
        "ACME_TEAM": "orders",
        "RUST_LOG": "info",
    }
    proc = subprocess.Popen(
        [str(member_bin)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/orders/7", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    return out, err


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_add_and_wire_keep_the_workspace_passing_and_spans_arrive(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    member = dest / "crates" / "orders-api"
    if not (dest / "Cargo.lock").exists():  # not committed (ignored): the newest versions
        cargo(dest, "generate-lockfile")
    before = locked(dest)
    declared_before = declared(member / "Cargo.toml")
    added = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--json")
    assert added.code == 0, added.err
    assert json.loads(added.out)["manual_edits_left"] == 7
    # Figures for the closing note, printed at the end (the cli fixture captures output).
    figures = [
        f"rust-workspace: orders-api dependencies declared {declared_before} -> "
        f"{declared(member / 'Cargo.toml')}"
    ]
    cargo(dest, "fmt", "--check")  # the generated module in the workspace's own style
    wired = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    assert json.loads(wired.out)["manual_edits_left"] == 1  # TraceLayer: the team decides
    cargo(dest, "fmt", "--check")
    cargo(dest, "clippy", "--workspace", "--all-targets", "--", "-D", "warnings")
    cargo(dest, "test", "--workspace")
    after = locked(dest)
    assert downgraded(before, after) == []
    added_packages = sorted(set(after) - set(before))
    figures.append(
        f"rust-workspace: Cargo.lock packages {len(before)} -> {len(after)} (+{len(added_packages)})"
    )
    figures.append("rust-workspace: edits left after add: 7, after add --wire: 1")
    assert cli("check", str(member)).code == 0

    cargo(dest, "build", "--bin", "orders-api")
    with servers() as (seen, receiver, _downstream):
        out, err = run_service(TARGET / "debug" / "orders-api", receiver)
        deadline = time.monotonic() + 10
        while not any(b.spans for b in seen.batches()) and time.monotonic() < deadline:
            time.sleep(0.2)
        spans = [s for b in seen.batches() for s in b.spans]
    names = {(s.name, s.kind) for s in spans}
    assert ("GET /orders/{id}", 2) in names, (names, out, err)
    # The app's own fmt lines stay its own and are written once (the module's JSON log
    # layer is not added next to the fmt layer): the "listening" line and the handler's
    # line, human-readable, each with its fields; the handler's line inside the request.
    lines = (out + err).splitlines()
    listening = [line for line in lines if "listening" in line]
    assert len(listening) == 1, lines
    assert not listening[0].lstrip().startswith("{") and "addr=127.0.0.1:" in listening[0]
    looking = [line for line in lines if "looking up an order" in line]
    assert len(looking) == 1, lines
    assert not looking[0].lstrip().startswith("{") and "order.id=7" in looking[0], looking
    assert not any(line.lstrip().startswith("{") for line in lines), lines
    figures.append("rust-workspace: the service's 'listening' lines:")
    print("\n".join([*figures, *listening]))


def declared(cargo_toml: Path) -> int:
    """The dependencies and dev-dependencies a Cargo.toml declares."""
    data = tomllib.loads(cargo_toml.read_text(encoding="utf-8"))
    return len(data.get("dependencies", {})) + len(data.get("dev-dependencies", {}))


def test_the_older_otel_crate_after_its_upgrade_names_its_own_provider(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """tests/fixtures/adopt/rust-old-otel once its requirements name 0.33 (the refusal
    itself is tests/test_add_deps.py): add succeeds, names the crate's own tracer provider
    with its line, and --wire refuses a main that serves nothing, naming why."""
    crate = tmp_path / "ledger"
    shutil.copytree(ROOT / "tests" / "fixtures" / "adopt" / "rust-old-otel", crate)
    cargo_toml = crate / "Cargo.toml"
    before = declared(cargo_toml)
    text = cargo_toml.read_text(encoding="utf-8")
    cargo_toml.write_text(text.replace('"0.27"', '"0.33"').replace('"0.27.1"', '"0.33.1"'))
    refused = cli("add", "--lang", "rust", "--dir", str(crate), *CONV, "--wire")
    assert refused.code == 2 and "fn main returns ()" in refused.err
    added = cli("add", "--lang", "rust", "--dir", str(crate), *CONV, "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    provider = [s for s in data["next_steps"] if s["where"] == "a second tracer provider"]
    assert [(s["file"], s["line"]) for s in provider] == [("src/main.rs", 4)]
    assert "TracerProvider::builder" in provider[0]["what"]
    assert data["manual_edits_left"] == 8 and "fn main returns ()" in data["wire_problem"]
    after = declared(cargo_toml)
    print(f"rust-old-otel: dependencies declared {before} -> {after}; edits left after add: 7")
    assert after > before
