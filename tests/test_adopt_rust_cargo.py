"""`scaffold add` edits of a crate's Cargo.toml (review of issue 14): array tables after
the dependency tables, versions judged in every table that builds with the module, caret
requirements in what is to be added by hand, comments kept, and a bound on the file's
size. Where a claim is about Cargo accepting the result, Cargo itself reads it."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets.rust_crates import MAX_BYTES, OTEL, merge_cargo_toml
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
PACKAGE = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n'
CARGO_ENV = {
    "CARGO_TARGET_DIR": str(Path.home() / ".cache" / "scaffold-ci" / "cargo-target"),
    "CARGO_BUILD_JOBS": "1",
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def cargo_metadata(crate: Path) -> dict[str, object]:
    """What Cargo itself reads in the crate's manifest (no registry needed)."""
    result = subprocess.run(
        ["cargo", "metadata", "--offline", "--no-deps", "--format-version", "1"],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **CARGO_ENV},
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _crate(root: Path, cargo_toml: str, **files: str) -> Path:
    build_file_tree(root, {"Cargo.toml": cargo_toml, "src/main.rs": "fn main() {}\n", **files})
    return root


def test_a_bench_array_table_after_dev_dependencies_is_accepted_and_kept(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    text = (
        PACKAGE
        + '[dependencies]\nserde = "1"\n\n[dev-dependencies]\nbytes = "1"\n\n'
        + '[[bench]]\nname = "speed"\nharness = false\n'
    )
    crate = _crate(tmp_path, text, **{"benches/speed.rs": "fn main() {}\n"})
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 0, result.err
    data = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    assert data["bench"] == [{"name": "speed", "harness": False}]
    assert {"tower", "opentelemetry_sdk", "bytes"} <= set(data["dev-dependencies"])
    assert (
        (crate / "Cargo.toml")
        .read_text(encoding="utf-8")
        .endswith('[[bench]]\nname = "speed"\nharness = false\n')
    )
    packages = cargo_metadata(crate)["packages"]
    assert isinstance(packages, list)
    kinds = {t["name"]: t["kind"] for t in packages[0]["targets"]}
    assert kinds["speed"] == ["bench"]
    dev = {d["name"] for d in packages[0]["dependencies"] if d["kind"] == "dev"}
    assert {"tower", "opentelemetry_sdk", "bytes"} <= dev


def test_an_older_tonic_in_dependencies_is_refused_when_the_tests_need_it(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """tonic is added for the module's tests in [dev-dependencies]; Cargo resolves one
    tonic for both tables, so the crate's own 0.12 is judged too."""
    crate = _crate(tmp_path, PACKAGE + '[dependencies]\ntonic = "0.12"\n')
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert "Cargo.toml:7: tonic '0.12' found, 0.14.9 needed (in [dependencies]" in result.err
    assert tree(crate) == before


def test_an_older_crate_in_a_target_table_is_refused_with_its_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    text = PACKAGE + "[target.'cfg(unix)'.dependencies]\n# the exporter\nopentelemetry = \"0.27\"\n"
    crate = _crate(tmp_path, text)
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"Cargo.toml:8: opentelemetry '0.27' found, {OTEL} needed" in result.err
    assert "[target.'cfg(unix)'.dependencies]" in result.err
    assert tree(crate) == before


def test_a_new_enough_crate_in_a_target_table_is_accepted() -> None:
    text = PACKAGE + "[target.'cfg(unix)'.dependencies]\nopentelemetry = \"0.33\"\n"
    merged = merge_cargo_toml(text, "http/protobuf", parts=())
    assert tomllib.loads(merged)["target"]["cfg(unix)"]["dependencies"] == {"opentelemetry": "0.33"}


def test_what_is_left_to_add_by_hand_is_caret_requirements() -> None:
    """A manifest the text edit cannot extend safely (its dependencies an inline table)
    is refused with the lines to add by hand, with the caret requirements add writes."""
    text = 'dependencies = { serde = "1" }\n\n' + PACKAGE
    with pytest.raises(UsageError) as caught:
        merge_cargo_toml(text, "http/protobuf", parts=())
    message = str(caught.value)
    assert "nothing was written" in message
    assert 'under [dependencies]: axum = { version = "0.8.9", default-features = false' in message
    assert f'under [dev-dependencies]: opentelemetry_sdk = {{ version = "{OTEL}"' in message
    assert '"=' not in message


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ('tokio = "1.54" # the runtime', "# the runtime"),
        ('tokio = { version = "1.54", features = ["full"] }  # "#" kept', '# "#" kept'),
        ('"tokio" = { version = "1.54", package = "tokio" } # a # b', "# a # b"),
    ],
)
def test_a_dependency_lines_comment_is_kept_when_features_are_added(
    tmp_path: Path, line: str, comment: str
) -> None:
    text = PACKAGE + f"[dependencies]\n{line}\n"
    merged = merge_cargo_toml(text, "http/protobuf", parts=())
    (edited,) = [x for x in merged.splitlines() if x.lstrip('"').startswith("tokio")]
    assert edited.endswith(" " + comment)
    assert '"rt-multi-thread"' in edited
    _crate(tmp_path, merged)
    packages = cargo_metadata(tmp_path)["packages"]
    assert isinstance(packages, list)
    (tokio,) = [d for d in packages[0]["dependencies"] if d["name"] == "tokio"]
    assert "rt-multi-thread" in tokio["features"]


def test_an_oversized_cargo_toml_is_refused_before_it_is_read(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    padding = ("# " + "x" * 78 + "\n") * (MAX_BYTES // 80 + 10)
    crate = _crate(tmp_path, PACKAGE + padding)
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{crate / 'Cargo.toml'}: " in result.err
    assert f"over the {MAX_BYTES // 1024} KiB" in result.err
    assert "--dir" in result.err
    assert tree(crate) == before
