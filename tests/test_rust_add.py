"""`scaffold add --lang rust` on an existing crate: only the module is rendered, the
crate's Cargo.toml gets the missing dependencies, and the crate then passes cargo fmt,
clippy (warnings denied) and the module's own tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold.targets.rust_crates import merge_cargo_toml
from tests.conftest import build_file_tree
from tests.rust.rusttools import assert_ok, cargo, needs_cargo, render_crate

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "conventions" / "observability.yaml"

EXISTING = {
    "Cargo.toml": (
        "[package]\n"
        'name = "shop"\n'
        'version = "0.3.0"\n'
        'edition = "2021"\n'
        "\n"
        "[dependencies]\n"
        'tokio = { version = "1", features = ["rt"] }\n'
        'serde_json = "1"\n'
    ),
    "src/main.rs": 'fn main() {\n    println!("shop");\n}\n',
}

pytestmark = [needs_cargo, pytest.mark.toolchain, pytest.mark.slow]


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("rust-add")
    build_file_tree(dest, EXISTING)
    files = render_crate(CONVENTIONS, dest, service="shop", crate="shop", mode="add")
    assert files and all(p.startswith("src/telemetry/") for p in files)
    cargo_toml = dest / "Cargo.toml"
    cargo_toml.write_text(merge_cargo_toml(cargo_toml.read_text(), "grpc"), encoding="utf-8")
    # What the service team does after `scaffold add`: declare the module.
    main = dest / "src" / "main.rs"
    main.write_text("mod telemetry;\n\n" + main.read_text(), encoding="utf-8")
    return dest


def test_existing_declarations_are_kept(crate: Path) -> None:
    data = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    assert data["package"]["version"] == "0.3.0"
    assert data["dependencies"]["serde_json"] == "1"
    assert data["dependencies"]["tokio"]["version"] == "1"
    assert "rt" in data["dependencies"]["tokio"]["features"]


def test_cargo_fmt_reports_nothing(crate: Path) -> None:
    assert_ok(cargo(["fmt", "--check"], crate), "cargo fmt --check")


def test_cargo_clippy_denies_warnings(crate: Path) -> None:
    assert_ok(cargo(["clippy", "--all-targets", "--", "-D", "warnings"], crate), "cargo clippy")


def test_module_tests_pass_in_the_existing_crate(crate: Path) -> None:
    proc = cargo(["test"], crate)
    assert_ok(proc, "cargo test")
    assert "telemetry::tests::redaction_applies_the_privacy_actions_before_export ... ok" in (
        proc.stdout
    )
