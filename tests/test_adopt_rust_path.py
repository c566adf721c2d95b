"""`scaffold add --lang rust` where a crate the module needs comes from a `path` or from
`git` (review rev14c R5). A path crate's version is read from its own Cargo.toml and
judged as a registry requirement is: too old, none, or unreadable is exit 2 naming the
file and line, the version found and the one needed, with nothing written (the path
crate's manifest is only read). A git crate cannot be judged before Cargo fetches it:
add proceeds and a note names it with the version needed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.cargo_paths import unchecked_notes
from scaffold.targets.rust_crates import OTEL, merge_cargo_toml, workspace_dependencies
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
LEDGER = '[package]\nname = "ledger"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
PATH_DEP = 'opentelemetry = { path = "../otel", features = ["trace"] }\n'


def _otel(root: Path, version: str | None, name: str = "opentelemetry") -> None:
    line = f'version = "{version}"\n' if version is not None else ""
    manifest = f'[package]\nname = "{name}"\n{line}edition = "2021"\n\n'
    build_file_tree(
        root, {"Cargo.toml": manifest + "[features]\ntrace = []\nmetrics = []\n", "src/lib.rs": ""}
    )


def _ledger(root: Path, deps: str = PATH_DEP) -> Path:
    build_file_tree(root, {"Cargo.toml": LEDGER + deps, "src/main.rs": "fn main() {}\n"})
    return root


def _merge(crate: Path) -> str:
    manifest = crate / "Cargo.toml"
    text = manifest.read_text(encoding="utf-8")
    return merge_cargo_toml(text, "http/protobuf", str(manifest), workspace_dependencies(crate))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- path ---------------------------------------------------------------------------


def test_an_older_path_crate_is_refused_with_file_line_found_and_needed(tmp_path: Path) -> None:
    _otel(tmp_path / "otel", "0.27.1")
    crate = _ledger(tmp_path / "ledger")
    with pytest.raises(UsageError) as caught:
        _merge(crate)
    message = str(caught.value)
    assert f"{crate / 'Cargo.toml'}:7: opentelemetry 0.27.1 found" in message
    assert 'path = "../otel"' in message and str(tmp_path / "otel" / "Cargo.toml") in message
    assert f"{OTEL} needed (in [dependencies]" in message and "nothing was written" in message


def test_a_path_crate_at_a_compatible_version_is_kept_and_never_written(tmp_path: Path) -> None:
    _otel(tmp_path / "otel", "0.33.4")
    before = tree(tmp_path / "otel")
    crate = _ledger(tmp_path / "ledger")
    merged = _merge(crate)
    assert 'opentelemetry = { path = "../otel", features = ["trace", "metrics"' in merged
    assert tree(tmp_path / "otel") == before


@pytest.mark.parametrize("version", ["0.34.0", "1.0.0", "0.32.9"])
def test_a_path_crate_of_another_breaking_version_is_refused(tmp_path: Path, version: str) -> None:
    _otel(tmp_path / "otel", version)
    with pytest.raises(UsageError, match=rf"opentelemetry {version} found"):
        _merge(_ledger(tmp_path / "ledger"))


def test_a_path_crate_without_a_version_is_named(tmp_path: Path) -> None:
    _otel(tmp_path / "otel", None)
    with pytest.raises(UsageError, match=r"states no version \(Cargo takes it as 0\.0\.0\)"):
        _merge(_ledger(tmp_path / "ledger"))


def test_a_path_crate_with_a_version_that_is_not_one_is_named(tmp_path: Path) -> None:
    _otel(tmp_path / "otel", "latest")
    with pytest.raises(UsageError, match=r"whose version 'latest' is not one"):
        _merge(_ledger(tmp_path / "ledger"))


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda root: None, "there is no such file"),
        (lambda root: build_file_tree(root, {"Cargo.toml": "[package\n"}), "is not valid TOML"),
        (lambda root: build_file_tree(root, {"Cargo.toml/x": ""}), "there is no such file"),
        (
            lambda root: build_file_tree(root, {"Cargo.toml": "#" * (1024 * 1024 + 1)}),
            "over 1024 KiB",
        ),
    ],
)
def test_an_unreadable_path_crate_is_named(
    tmp_path: Path, make: Callable[[Path], None], why: str
) -> None:
    make(tmp_path / "otel")
    with pytest.raises(UsageError) as caught:
        _merge(_ledger(tmp_path / "ledger"))
    message = str(caught.value)
    assert 'opentelemetry is the crate at path = "../otel"' in message
    assert why in message and f"{OTEL} needed" in message


def test_a_path_crate_taking_its_version_from_its_workspace(tmp_path: Path) -> None:
    otel = tmp_path / "otel-ws"
    build_file_tree(
        otel,
        {
            "Cargo.toml": '[workspace]\nmembers = ["opentelemetry"]\n\n'
            '[workspace.package]\nversion = "0.27.0"\n',
            "opentelemetry/Cargo.toml": '[package]\nname = "opentelemetry"\n'
            'version.workspace = true\nedition = "2021"\n',
            "opentelemetry/src/lib.rs": "",
        },
    )
    deps = 'opentelemetry = { path = "../otel-ws/opentelemetry" }\n'
    crate = _ledger(tmp_path / "ledger", deps)
    with pytest.raises(UsageError, match=r"opentelemetry 0\.27\.0 found"):
        _merge(crate)
    root = otel / "Cargo.toml"
    root.write_text(root.read_text(encoding="utf-8").replace("0.27.0", "0.33.2"))
    assert "metrics" in _merge(crate)


def test_an_inherited_path_is_read_from_the_workspace_root(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["ledger"]\n\n[workspace.dependencies]\n'
            'opentelemetry = { path = "vendor/otel" }\n',
        },
    )
    _otel(tmp_path / "vendor" / "otel", "0.27.1")
    crate = _ledger(tmp_path / "ledger", "opentelemetry.workspace = true\n")
    with pytest.raises(UsageError) as caught:
        _merge(crate)
    message = str(caught.value)
    assert f"{tmp_path / 'Cargo.toml'}:5 (inherited by {crate / 'Cargo.toml'}:7" in message
    assert "opentelemetry 0.27.1 found" in message
    assert str(tmp_path / "vendor" / "otel" / "Cargo.toml") in message


def test_a_path_in_dev_dependencies_is_judged_too(tmp_path: Path) -> None:
    _otel(tmp_path / "sdk", "0.27.1", "opentelemetry_sdk")
    deps = '\n[dev-dependencies]\nopentelemetry_sdk = { path = "../sdk" }\n'
    with pytest.raises(UsageError, match=r":9: opentelemetry_sdk 0.27.1 found"):
        _merge(_ledger(tmp_path / "ledger", deps))


# --- git ----------------------------------------------------------------------------


def test_git_crates_the_module_needs_are_noted(tmp_path: Path) -> None:
    deps = (
        'opentelemetry = { git = "https://example.invalid/otel", features = ["trace"] }\n'
        'tokio = { git = "https://example.invalid/tokio" }\n'
        'serde = { git = "https://example.invalid/serde" }\n'
        'tracing = "0.1"\n'
    )
    notes = unchecked_notes(_ledger(tmp_path, deps))
    assert len(notes) == 2
    assert notes[0].startswith("opentelemetry comes from git (https://example.invalid/otel)")
    assert f"needs {OTEL} or a newer compatible one" in notes[0]
    assert notes[1].startswith("tokio comes from git")


def test_an_inherited_git_crate_is_noted(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["ledger"]\n\n[workspace.dependencies]\n'
            'opentelemetry_sdk = { git = "https://example.invalid/otel" }\n',
        },
    )
    crate = _ledger(tmp_path / "ledger", "opentelemetry_sdk.workspace = true\n")
    (note,) = unchecked_notes(crate)
    assert note.startswith("opentelemetry_sdk comes from git")


# --- the command --------------------------------------------------------------------


def test_add_refuses_an_older_path_crate_and_writes_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    _otel(tmp_path / "otel", "0.27.1")
    crate = _ledger(tmp_path / "ledger")
    before = tree(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2, result.err
    assert "Cargo.toml:7: opentelemetry 0.27.1 found" in result.err
    assert f"{OTEL} needed" in result.err and "Traceback" not in result.err
    assert tree(tmp_path) == before


def test_add_refuses_a_path_crate_without_a_manifest(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _ledger(tmp_path / "ledger")
    before = tree(tmp_path)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2
    assert 'opentelemetry is the crate at path = "../otel"' in result.err
    assert "there is no such file" in result.err
    assert tree(tmp_path) == before


def test_add_with_a_git_crate_proceeds_with_a_note(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    deps = 'opentelemetry = { git = "https://example.invalid/otel", features = ["trace"] }\n'
    crate = _ledger(tmp_path / "a", deps)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 0, result.err
    assert "note: opentelemetry comes from git (https://example.invalid/otel): its version " in (
        result.out
    )
    assert f"needs {OTEL}" in result.out
    other = _ledger(tmp_path / "b", deps)
    as_json = cli("add", "--lang", "rust", "--dir", str(other), *CONV, "--json")
    assert as_json.code == 0, as_json.err
    notes = json.loads(as_json.out)["wiring_notes"]
    printed = [n.removeprefix("note: ") for n in result.out.splitlines() if "from git" in n]
    assert len(printed) == 1 and [n for n in notes if "from git" in n] == printed


def test_a_path_crate_that_is_its_own_workspace_root(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "otel",
        {
            "Cargo.toml": '[package]\nname = "opentelemetry"\nversion.workspace = true\n\n'
            '[workspace]\n\n[workspace.package]\nversion = "0.26.0"\n',
            "src/lib.rs": "",
        },
    )
    with pytest.raises(UsageError, match=r"opentelemetry 0\.26\.0 found"):
        _merge(_ledger(tmp_path / "ledger"))
