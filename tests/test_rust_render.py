"""The rendered Rust service passes cargo fmt, clippy (warnings denied) and its own
tests, for the default conventions, every bundled example and the hostile fixture; the
project's span-name check (runtime/rust/tests/span_names.rs) runs in each too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.render.headers import GENERATED_LINE
from tests.rust.runtime_crate import add_name_checks
from tests.rust.rusttools import CRATE, assert_ok, cargo, needs_cargo, render_crate

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "default": ROOT / "conventions" / "observability.yaml",
    **{f"example-{p.stem}": p for p in sorted((ROOT / "conventions" / "examples").glob("*.yaml"))},
    "hostile": ROOT / "tests" / "fixtures" / "hostile.yaml",
}
HOSTILE_SERVICE = 'pay"ments */ \\ ü\nline'

pytestmark = [needs_cargo, pytest.mark.toolchain, pytest.mark.slow]


@pytest.fixture(scope="module", params=sorted(CASES))
def crate(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = str(request.param)
    dest = tmp_path_factory.mktemp(f"rust-{name}")
    service = HOSTILE_SERVICE if name == "hostile" else "svc"
    render_crate(CASES[name], dest, service=service)
    add_name_checks(CASES[name], dest, CRATE)
    return dest


def test_cargo_fmt_reports_nothing(crate: Path) -> None:
    assert_ok(cargo(["fmt", "--check"], crate), "cargo fmt --check")


def test_cargo_clippy_denies_warnings(crate: Path) -> None:
    assert_ok(cargo(["clippy", "--all-targets", "--", "-D", "warnings"], crate), "cargo clippy")


def test_generated_tests_pass(crate: Path) -> None:
    proc = cargo(["test"], crate)
    assert_ok(proc, "cargo test")
    summary = re.findall(r"test result: ok\. (\d+) passed; 0 failed", proc.stdout)
    assert summary and int(summary[0]) >= 20, proc.stdout
    # The module's own tests ran, the project's name check against the conventions
    # too, and the docs compiled.
    assert "test name_rules_give_the_names_the_conventions_expect ... ok" in proc.stdout
    assert "::tests::server_span_continues_the_incoming_trace" in proc.stdout
    assert re.search(
        r"^test src/\S+/mod\.rs - .* - compile \.\.\. ok$", proc.stdout, re.M
    ), proc.stdout


def test_generated_files_carry_the_header(crate: Path) -> None:
    generated = sorted(p for p in (crate / "src").glob("*/*.rs"))
    assert len(generated) >= 20
    for path in generated:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "// " + GENERATED_LINE, path
        assert lines[1].startswith(("// Source: templates/rust/", "// Source: runtime/rust/")), path
    for user_file in ("Cargo.toml", "src/main.rs", "src/routes.rs", "src/lib.rs"):
        assert "Code generated" not in (crate / user_file).read_text(encoding="utf-8")


def test_cargo_toml_pins_exact_versions(crate: Path) -> None:
    text = (crate / "Cargo.toml").read_text(encoding="utf-8")
    versions = re.findall(r'version = "([^"]+)"', text)
    assert len(versions) >= 15
    assert all(v.startswith("=") for v in versions[1:]), versions  # [0] is the package's
