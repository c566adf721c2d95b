"""create_service: the first render of a service, written atomically with its lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.sync import LOCK_NAME, Action, read_lock
from scaffold.sync.lock import sha256_hex

from .conftest import TARGET, fresh_render_files, new_service, render, snapshot


def test_writes_every_file_the_lock_and_the_bases(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "svc"
    result = new_service(root, conventions)
    expected = fresh_render_files(conventions, "payments")
    files = snapshot(root)
    for rel, content in expected.items():
        assert files[rel] == content
    assert {c.action for c in result.changes} == {Action.CREATE}
    assert sorted(c.path for c in result.changes) == sorted(expected)
    lock = read_lock(root)
    assert lock.target == TARGET
    assert lock.options.service_name == "payments"
    assert lock.conventions_path == "../platform/observability.yaml"
    assert (root / lock.conventions_path).resolve() == conventions.resolve()
    assert set(lock.files) == set(expected)
    for rel, entry in lock.files.items():
        assert entry.sha256 == sha256_hex(expected[rel])
    user = {rel for rel, e in lock.files.items() if e.owner == "user"}
    assert user == {"cmd/payments/main.go", "README.md"}
    for rel in user:
        assert files[f".scaffold/base/{rel}"] == expected[rel]
    generated = set(expected) - user
    assert not any(f".scaffold/base/{rel}" in files for rel in generated)
    raw = json.loads(files[LOCK_NAME])
    assert "never edit" in raw["comment"]


def test_lock_bytes_are_deterministic(tmp_path: Path, conventions: Path) -> None:
    new_service(tmp_path / "a", conventions)
    new_service(tmp_path / "b", conventions)
    assert (tmp_path / "a" / LOCK_NAME).read_bytes() == (tmp_path / "b" / LOCK_NAME).read_bytes()


def test_refuses_files_in_the_way_and_names_them(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "svc"
    (root / "config").mkdir(parents=True)
    (root / "config" / "sampling.yaml").write_text("mine\n")
    (root / "README.md").write_text("# my readme\n")
    before = snapshot(root)
    with pytest.raises(UsageError) as err:
        new_service(root, conventions)
    assert "config/sampling.yaml" in str(err.value)
    assert "README.md" in str(err.value)
    assert snapshot(root) == before


def test_identical_files_are_adopted(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "svc"
    expected = fresh_render_files(conventions, "payments")
    (root / "config").mkdir(parents=True)
    (root / "config" / "sampling.yaml").write_bytes(expected["config/sampling.yaml"])
    result = new_service(root, conventions)
    assert "config/sampling.yaml" not in {c.path for c in result.changes}
    assert "config/sampling.yaml" in read_lock(root).files


def test_force_overwrites_generated_and_keeps_user_owned(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "svc"
    (root / "config").mkdir(parents=True)
    (root / "config" / "sampling.yaml").write_text("mine\n")
    (root / "README.md").write_text("# my readme\n")
    new_service(root, conventions, force=True)
    expected = fresh_render_files(conventions, "payments")
    assert (root / "config" / "sampling.yaml").read_bytes() == expected["config/sampling.yaml"]
    assert (root / "README.md").read_text() == "# my readme\n"
    assert (root / ".scaffold/base/README.md").read_bytes() == expected["README.md"]
    assert read_lock(root).files["README.md"].sha256 == sha256_hex(b"# my readme\n")


def test_refuses_a_service_that_already_has_a_lock(service: Path, conventions: Path) -> None:
    with pytest.raises(UsageError, match="scaffold update"):
        new_service(service, conventions)


def test_dry_run_writes_nothing(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "svc"
    result = new_service(root, conventions, dry_run=True)
    assert not root.exists()
    assert "+++ b/config/sampling.yaml" in result.diff


def test_failure_mid_write_leaves_nothing(tmp_path: Path, conventions: Path) -> None:
    root = tmp_path / "deep" / "svc"
    commits: list[str] = []

    def hook(stage: str, path: str) -> None:
        if stage == "commit":
            commits.append(path)
            if len(commits) == 5:
                raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        new_service(root, conventions, hook=hook)
    assert len(commits) == 5
    assert not (tmp_path / "deep").exists()


def test_add_mode_renders_fewer_files(tmp_path: Path, conventions: Path) -> None:
    assert "README.md" in render(conventions, "x").files
    assert "README.md" not in render(conventions, "x", mode="add").files
