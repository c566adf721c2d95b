"""Features of crates the generated code needs when the crate declares them as dotted
keys (`tokio.features = [...]`) or as a `[dependencies.tokio]` table: `add` and `update`
add them (Cargo itself reads the result), a needed crate declared optional is refused,
and `check` never calls a service in sync while features are missing."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.rust_crates import dependencies, merge_cargo_toml
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

PACKAGE = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n'
TOKIO = next(c for c in dependencies("grpc") if c.name == "tokio").features
GRPC = ("grpc-tonic", "gzip-tonic", "tls-ring", "tls-roots")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def cargo_features(crate: Path, name: str) -> set[str]:
    """The features Cargo itself reads for dependency `name` of the crate."""
    result = subprocess.run(
        ["cargo", "metadata", "--offline", "--no-deps", "--format-version", "1"],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CARGO_TARGET_DIR": "/tmp/r14b-target", "CARGO_BUILD_JOBS": "1"},
    )
    assert result.returncode == 0, result.stderr
    (package,) = json.loads(result.stdout)["packages"]
    found = [d for d in package["dependencies"] if d["name"] == name and d["kind"] is None]
    assert len(found) == 1
    return set(found[0]["features"])


@pytest.mark.parametrize(
    "declared",
    [
        '[dependencies]\ntokio.version = "1"\ntokio.features = ["rt"]\n',
        '[dependencies]\ntokio.version = "1"\n',
        '[dependencies]\nserde = "1"\n\n[dependencies.tokio]\nversion = "1"\nfeatures = ["rt"]\n',
        '[dependencies]\nserde = "1"\n\n[dependencies.tokio]\nversion = "1"\n\n[features]\n',
    ],
    ids=["dotted", "dotted-no-features", "subtable", "subtable-no-features"],
)
def test_add_adds_features_to_dotted_and_table_declarations(
    tmp_path: Path, cli: Callable[..., CliResult], declared: str
) -> None:
    crate = tmp_path / "api"
    build_file_tree(crate, {"Cargo.toml": PACKAGE + declared, "src/main.rs": "fn main() {}\n"})
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    assert set(TOKIO) <= cargo_features(crate, "tokio")
    assert set(GRPC) <= cargo_features(crate, "opentelemetry-otlp")


def test_a_features_array_over_several_lines_is_refused_with_the_line() -> None:
    text = PACKAGE + '[dependencies]\ntokio.version = "1"\ntokio.features = [\n  "rt",\n]\n'
    with pytest.raises(UsageError) as caught:
        merge_cargo_toml(text, "grpc", "Cargo.toml")
    message = str(caught.value)
    assert "Cargo.toml:7:" in message and '"fs"' in message and "nothing was written" in message


def test_a_needed_crate_declared_optional_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "api"
    text = PACKAGE + '[dependencies]\ntokio = { version = "1", optional = true }\n'
    build_file_tree(crate, {"Cargo.toml": text, "src/main.rs": "fn main() {}\n"})
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert "Cargo.toml:7:" in result.err and "make it non-optional" in result.err
    assert tree(crate) == before


def _http_conventions(tmp_path: Path) -> Path:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    path = tmp_path / "http.yaml"
    path.write_text(text.replace("  protocol: grpc ", "  protocol: http/protobuf "), "utf-8")
    return path


def test_update_adds_grpc_features_to_a_dotted_otlp_declaration(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "api"
    build_file_tree(crate, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    http = _http_conventions(tmp_path)
    assert cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(http)).code == 0
    cargo = crate / "Cargo.toml"
    data = tomllib.loads(cargo.read_text(encoding="utf-8"))
    otlp = data["dependencies"]["opentelemetry-otlp"]
    lines = [
        ln
        for ln in cargo.read_text(encoding="utf-8").splitlines()
        if not ln.startswith("opentelemetry-otlp ")
    ]
    features = ", ".join(f'"{f}"' for f in otlp["features"])
    at = lines.index("[dependencies]") + 1
    lines[at:at] = [
        'opentelemetry-otlp.version = "0.33.1"',
        "opentelemetry-otlp.default-features = false",
        f"opentelemetry-otlp.features = [{features}]",
    ]
    cargo.write_text("\n".join(lines) + "\n", "utf-8")
    grpc = ["-c", str(DEFAULT_CONVENTIONS)]
    checked = cli("check", str(crate), *grpc)
    assert checked.code == 1 and "grpc-tonic" in checked.out
    assert cli("update", str(crate), *grpc).code == 0
    assert set(GRPC) <= cargo_features(crate, "opentelemetry-otlp")
    assert cli("check", str(crate), *grpc).code == 0


def test_a_renamed_crate_at_another_major_version_is_kept() -> None:
    text = PACKAGE + '[dependencies]\notel027 = { package = "opentelemetry", version = "0.27" }\n'
    merged = merge_cargo_toml(text, "grpc", "Cargo.toml")
    data = tomllib.loads(merged)["dependencies"]
    assert data["otel027"] == {"package": "opentelemetry", "version": "0.27"}
    assert data["opentelemetry"]["version"] == "0.33.1"


def test_a_renamed_crate_at_a_compatible_version_is_refused() -> None:
    text = PACKAGE + '[dependencies]\notel = { package = "opentelemetry", version = "0.33" }\n'
    with pytest.raises(UsageError, match=r"Cargo\.toml:7: .*rename the key"):
        merge_cargo_toml(text, "grpc", "Cargo.toml")


@pytest.mark.parametrize("requirement", ["*", ">=0.27", ">=0.33, <0.40"])
def test_a_requirement_that_allows_a_newer_breaking_version_is_refused(requirement: str) -> None:
    text = PACKAGE + f'[dependencies]\nopentelemetry = "{requirement}"\n'
    with pytest.raises(UsageError) as caught:
        merge_cargo_toml(text, "grpc", "Cargo.toml")
    assert "Cargo.toml:7:" in str(caught.value) and "caret requirement" in str(caught.value)


def test_the_generic_rust_steps_define_the_guard_they_shut_down(tmp_path: Path) -> None:
    from scaffold.wiring.rust import rust_steps

    build_file_tree(tmp_path, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    steps = [s.what for s in rust_steps(tmp_path).steps]
    defined = next(i for i, s in enumerate(steps) if "let telemetry_guard =" in s)
    used = next(i for i, s in enumerate(steps) if "telemetry_guard.shutdown()" in s)
    assert defined < used


def test_a_byte_order_mark_and_crlf_line_endings_are_kept(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "api"
    text = "\ufeff" + (PACKAGE + '[dependencies]\nserde = "1"\n').replace("\n", "\r\n")
    build_file_tree(crate, {"src/main.rs": "fn main() {}\n"})
    (crate / "Cargo.toml").write_bytes(text.encode("utf-8"))
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    raw = (crate / "Cargo.toml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf[package]\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert set(TOKIO) <= cargo_features(crate, "tokio")


def test_a_multi_line_inline_table_is_refused_without_claiming_cargo_agrees() -> None:
    text = PACKAGE + '[dependencies]\nserde = {\n  version = "1",\n}\n'
    with pytest.raises(UsageError) as caught:
        merge_cargo_toml(text, "grpc", "Cargo.toml")
    assert "TOML 1.0" in str(caught.value) and "cargo metadata" not in str(caught.value)


def test_an_inherited_requirement_too_old_names_the_workspace_roots_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    root = '[workspace]\nmembers = ["api"]\n\n[workspace.dependencies]\nopentelemetry = "0.27"\n'
    member = PACKAGE + "[dependencies]\nopentelemetry = { workspace = true }\n"
    build_file_tree(
        tmp_path,
        {"Cargo.toml": root, "api/Cargo.toml": member, "api/src/main.rs": "fn main() {}\n"},
    )
    before = tree(tmp_path)
    crate = tmp_path / "api"
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{(tmp_path / 'Cargo.toml').resolve()}:5 (inherited by" in result.err, result.err
    assert tree(tmp_path) == before
