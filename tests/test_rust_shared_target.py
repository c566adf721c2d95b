"""Crates of one package name in different folders share the test target directory:
each cargo call through tests.rust.rusttools builds and tests the crate it runs in,
whatever the mtimes of its files, never its namesake's outputs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.rust import rusttools
from tests.rust.rusttools import assert_ok, cargo, needs_cargo

pytestmark = [needs_cargo, pytest.mark.toolchain]


def _crate(folder: Path, says: str) -> Path:
    """A crate named `svc` whose library says `says`; its unit test is named after it and
    its integration test reads what it expects from a file beside it at run time (as
    the rendered crates' span-name check does)."""
    (folder / "src").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "Cargo.toml").write_text(
        '[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n'
    )
    (folder / "src" / "lib.rs").write_text(
        f'pub fn says() -> &\'static str {{\n    "{says}"\n}}\n\n'
        f'#[test]\nfn library_of_{says}() {{\n    assert_eq!(says(), "{says}");\n}}\n'
    )
    (folder / "tests" / "expected.txt").write_text(says)
    (folder / "tests" / "says.rs").write_text(
        'const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected.txt");\n\n'
        "#[test]\nfn says_what_its_folder_expects() {\n"
        "    let expected = std::fs::read_to_string(EXPECTED).unwrap();\n"
        "    assert_eq!(svc::says(), expected);\n}\n"
    )
    return folder


def _age(crate: Path, folder: str, seconds: float) -> None:
    when = time.time() - seconds
    for path in (crate / folder).rglob("*"):
        os.utime(path, (when, when))


def test_a_namesake_built_later_does_not_lend_its_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b's sources are older than c's build and its tests newer than a's: cargo alone
    reuses c's library for b and rebuilds only b's integration test against it (the
    mix a full parallel run once met), or reuses a's test binaries whole."""
    target = tmp_path / "target"
    monkeypatch.setenv("SCAFFOLD_CARGO_TARGET_DIR", str(target))
    a, b, c = (_crate(tmp_path / n, n) for n in ("a", "b", "c"))
    _age(b, "src", 3600)
    _age(b, "tests", 3600)
    assert_ok(cargo(["test"], a), "cargo test in a")
    whole = cargo(["test"], b)
    assert_ok(whole, "cargo test in b, older than a's build")
    assert "test library_of_b ... ok" in whole.stdout, whole.stdout
    assert_ok(cargo(["test"], a), "cargo test in a again")
    _age(b, "tests", -1)  # edited after a's build, its library still old
    assert_ok(cargo(["build"], c), "cargo build in c")
    proc = cargo(["test"], b)
    assert_ok(proc, "cargo test in b after c's build")
    assert "test library_of_b ... ok" in proc.stdout, proc.stdout
    assert "test says_what_its_folder_expects ... ok" in proc.stdout, proc.stdout


def test_every_package_of_a_workspace_is_claimed(tmp_path: Path) -> None:
    """A workspace's members (globs too) are claimed with the root package."""
    root = _crate(tmp_path / "ws", "root")
    manifest = root / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace("[workspace]\n", '[workspace]\nmembers = ["crates/*"]\n')
    )
    one = _crate(root / "crates" / "one", "one")
    (one / "Cargo.toml").write_text(
        (one / "Cargo.toml").read_text().replace('"svc"', '"one"').replace("[workspace]\n", "")
    )
    assert rusttools.local_packages(root) == [("svc", root.resolve()), ("one", one.resolve())]
