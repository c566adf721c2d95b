"""`scaffold add` never downgrades a dependency and refuses one too old for the generated
code, naming the file, the line, the version found and the version needed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets import cargo_semver
from scaffold.targets.rust_crates import OTEL, merge_cargo_toml
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("requirement", "needed", "ok"),
    [
        ("0.27", "0.33.1", False),
        ("0.33", "0.33.1", True),
        ("^0.33.2", "0.33.1", True),
        ("0.34", "0.33.1", False),
        ("=0.33.0", "0.33.1", False),
        ("=0.33.1", "0.33.1", True),
        ("1.0", "1.0.1", True),
        ("1.1.0", "1.0.1", True),  # a workspace on http-body 1.1 keeps it
        ("=1.0.0", "1.0.1", False),
        ("~1.0", "1.5.0", False),
        (">=1, <1.4", "1.5.0", False),
        (">=1.2", "1.5.0", False),  # Cargo would take 2.x once it is out
        (">=1.2, <2", "1.5.0", True),
        ("1.*", "1.5.0", True),
        ("*", "0.2.18", False),
        ("0.0.3", "0.0.4", False),
        ("2", "1.0.1", False),
        ("not a requirement", "1.0.0", True),  # cargo judges what this cannot read
    ],
)
def test_a_requirement_meets_the_needed_version(requirement: str, needed: str, ok: bool) -> None:
    assert cargo_semver.meets(requirement, needed) is ok


def test_added_crates_get_caret_requirements_and_existing_ones_stay() -> None:
    text = (
        '[package]\nname = "api"\nversion = "0.1.0"\n\n'
        '[dependencies]\nhttp-body = "1.1.0"\ntokio = { version = "1.60", features = ["full"] }\n'
    )
    merged = merge_cargo_toml(text, "grpc")
    assert 'http-body = "1.1.0"\n' in merged  # never lowered to the generated code's 1.0.1
    assert 'tokio = { version = "1.60", features = ["full", "rt-multi-thread"' in merged
    added = merged[len(text) :]
    assert f'opentelemetry_sdk = {{ version = "{OTEL}"' in added
    assert '"=' not in merged


def test_an_older_opentelemetry_is_refused_naming_line_found_and_needed(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path,
        {
            "Cargo.toml": '[package]\nname = "old"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[dependencies]\nserde = "1"\nopentelemetry = "0.27"\n\n'
            "[dependencies.tracing-subscriber]\nversion = '=0.3.1'\n",
            "src/main.rs": "fn main() {}\n",
        },
    )
    before = tree(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV)
    assert result.code == 2, result.out
    assert f"Cargo.toml:8: opentelemetry '0.27' found, {OTEL} needed" in result.err
    assert "Cargo.toml:10: tracing-subscriber '=0.3.1' found, 0.3.23 needed" in result.err
    assert "nothing was written" in result.err and "Traceback" not in result.err
    assert tree(tmp_path) == before
    as_json = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV, "--json")
    assert as_json.code == 2 and "opentelemetry '0.27' found" in json.loads(as_json.out)["error"]
    assert tree(tmp_path) == before


def test_an_older_otel_in_go_mod_is_refused_with_the_upgrade(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path,
        {
            "go.mod": "module example.com/legacy\n\ngo 1.22\n\n"
            "require go.opentelemetry.io/otel v1.24.0\n\n"
            "require go.opentelemetry.io/otel/trace v1.24.0 // indirect\n",
        },
    )
    before = tree(tmp_path)
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert "go.mod:5: go.opentelemetry.io/otel v1.24.0 found, v1.47.0 needed" in result.err
    # A requirement listed only as // indirect is raised, as `go mod tidy` would; only the
    # module's own requirement needs the team's upgrade (which brings trace along).
    assert "otel/trace v1.24.0 found" not in result.err
    assert "`go get go.opentelemetry.io/otel@v1.47.0`" in result.err
    assert tree(tmp_path) == before


def test_the_go_directive_change_is_announced(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": "module example.com/svc\n\ngo 1.24\n"})
    dry = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    notes = json.loads(dry.out)["notes"]
    assert len(notes) == 2 and "go directive raised from 1.24 to 1.26.0" in notes[0]
    assert notes[1].startswith("optional parts of the package: none")
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV)
    assert "go.mod:3: go directive raised from 1.24 to 1.26.0" in result.out


def test_the_crate_on_an_older_opentelemetry_fixture_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """tests/fixtures/adopt/rust-old-otel: a crate on opentelemetry 0.27 ends with exit 2
    naming each crate, the version found and the version needed; nothing is written."""
    import shutil

    from tests.conftest import ROOT

    crate = tmp_path / "ledger"
    shutil.copytree(ROOT / "tests" / "fixtures" / "adopt" / "rust-old-otel", crate)
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"Cargo.toml:7: opentelemetry '0.27' found, {OTEL} needed" in result.err
    assert f"Cargo.toml:8: opentelemetry_sdk '0.27.1' found, {OTEL} needed" in result.err
    assert tree(crate) == before


def test_workspace_inherited_crates_get_the_modules_features_added() -> None:
    """`tokio.workspace = true` keeps the workspace's version and features and gets the
    module's features added to them (Cargo adds a member's features to the workspace's)."""
    text = (
        '[package]\nname = "api"\nversion = "0.1.0"\nedition.workspace = true\n\n'
        "[dependencies]\ntokio.workspace = true  # the runtime\nserde.workspace = true\n"
    )
    merged = merge_cargo_toml(text, "grpc")
    assert (
        'tokio = { workspace = true, features = ["rt-multi-thread", "macros", "net", "signal", '
        '"time", "sync", "fs"] } # the runtime\n'
    ) in merged
    assert "serde.workspace = true\n" in merged  # not a crate the module needs features of
    assert sum(line.startswith("tokio") for line in merged.splitlines()) == 1


def test_an_older_opentelemetry_inherited_from_the_workspace_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """`opentelemetry.workspace = true` is judged by the version the workspace root gives."""
    build_file_tree(
        tmp_path,
        {
            "Cargo.toml": (
                '[workspace]\nmembers = ["api"]\n\n[workspace.package]\nedition = "2024"\n\n'
                '[workspace.dependencies]\nopentelemetry = { version = "0.27" }\n'
            ),
            "api/Cargo.toml": (
                '[package]\nname = "api"\nversion = "0.1.0"\nedition.workspace = true\n\n'
                "[dependencies]\nopentelemetry.workspace = true\n"
            ),
            "api/src/main.rs": "fn main() {}\n",
        },
    )
    before = tree(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path / "api"), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    root = (tmp_path / "Cargo.toml").resolve()
    assert f"{root}:8 (inherited by {tmp_path / 'api' / 'Cargo.toml'}:7" in result.err
    assert f"opentelemetry '0.27' found, {OTEL} needed" in result.err
    assert tree(tmp_path) == before
