"""An update interrupted at any step leaves the service's tree and lock byte for byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.sync import Status
from scaffold.sync.atomic import Delete, Write, apply_ops
from scaffold.update import update_services
from tests.conftest import examples

from .conftest import TEMPLATES, change_conventions, remove_attribute, set_prod_ratio, snapshot


class Fault(Exception):
    pass


def add_attribute(data: dict[str, Any]) -> None:
    data["attributes"].append(
        {
            "id": "app.order.id",
            "type": "string",
            "brief": "The order a request works on.",
            "examples": ["o-1"],
            "requirement_level": "recommended",
            "stability": "stable",
            "pii": "none",
            "cardinality": "high",
        }
    )


def prepare(service: Path, conventions: Path) -> dict[str, bytes]:
    """A change that creates, overwrites, merges and deletes files; returns the tree."""
    main = service / "cmd/payments/main.go"
    main.write_text(main.read_text().replace("// Wire handlers here.", "// wired by us"))
    change_conventions(conventions, set_prod_ratio(0.33))
    change_conventions(conventions, remove_attribute("app.cart.items"))
    change_conventions(conventions, add_attribute)
    return snapshot(service)


def count_steps(service: Path, conventions: Path, stage: str) -> int:
    steps: list[str] = []
    update_services(
        [service],
        templates_dir=TEMPLATES,
        dry_run=False,
        hook=lambda s, p: steps.append(p) if s == stage else None,
    )
    return len(steps)


@pytest.mark.parametrize("stage", ["stage", "commit"])
def test_fault_at_every_step_leaves_tree_and_lock_unchanged(
    tmp_path: Path, conventions: Path, stage: str
) -> None:
    from .conftest import new_service

    # Count the steps on a twin service, so the one under test is never updated.
    twin = tmp_path / "twin"
    new_service(twin, conventions)
    service = tmp_path / "svc"
    new_service(service, conventions)
    before = prepare(service, conventions)
    (twin / "cmd/payments/main.go").write_bytes(before["cmd/payments/main.go"])
    total = count_steps(twin, conventions, stage)
    # a create, overwrites, a merge, a base, the lock (and a delete when committing)
    assert total == (6 if stage == "stage" else 7)

    for fail_at in range(total):
        seen: list[str] = []

        def hook(s: str, path: str, fail_at: int = fail_at, seen: list[str] = seen) -> None:
            if s == stage:
                seen.append(path)
                if len(seen) == fail_at + 1:
                    raise Fault(f"injected at {s} {path}")

        with pytest.raises(Fault):
            update_services([service], templates_dir=TEMPLATES, hook=hook)
        assert snapshot(service) == before, f"fault at {stage} step {fail_at}"

    [result] = update_services([service], templates_dir=TEMPLATES).services
    assert result.status is Status.UPDATED
    assert snapshot(service) == snapshot(twin)


def test_os_replace_failing_mid_commit_rolls_back(
    service: Path, conventions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = prepare(service, conventions)
    real_replace = os.replace
    calls = 0

    def flaky_replace(src: Any, dst: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 6:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    [result] = update_services([service], templates_dir=TEMPLATES).services
    monkeypatch.undo()
    assert calls > 6  # the rollback itself went on after the fault
    assert result.status is Status.FAILED
    assert "Input/output error" in result.error
    assert snapshot(service) == before


def test_apply_ops_restores_modes_and_removes_created_folders(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "run.sh"
    script.write_text("echo old\n")
    script.chmod(0o755)
    doomed = tmp_path / "old.txt"
    doomed.write_text("old\n")
    ops = [
        Write("bin/run.sh", b"echo new\n"),
        Delete("old.txt"),
        Write("new/deep/file.txt", b"new\n"),
        Write("last.txt", b"x"),
    ]

    def hook(stage: str, path: str) -> None:
        if stage == "commit" and path == "last.txt":
            raise Fault(path)

    with pytest.raises(Fault):
        apply_ops(tmp_path, ops, hook=hook)
    assert script.read_text() == "echo old\n"
    assert doomed.read_text() == "old\n"
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "old.txt"]

    apply_ops(tmp_path, ops)
    assert script.read_text() == "echo new\n"
    assert os.stat(script).st_mode & 0o777 == 0o755
    assert not doomed.exists()
    assert (tmp_path / "new/deep/file.txt").read_bytes() == b"new\n"
    assert sorted(p.name for p in (tmp_path / "bin").iterdir()) == ["run.sh"]


CRASHING_UPDATE = """
import importlib.util, os, signal, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("syncdemo_target", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from scaffold.targets.registry import TARGETS, Target
TARGETS["syncdemo"] = Target("syncdemo", module.build_view, "test target")
from scaffold.update import update_services
stage, fail_at, seen = sys.argv[4], int(sys.argv[5]), []
def hook(s, path):
    if s == stage:
        seen.append(path)
        if len(seen) == fail_at + 1:
            os.kill(os.getpid(), signal.SIGKILL)
update_services([Path(sys.argv[2])], templates_dir=Path(sys.argv[3]), hook=hook)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stage", "fail_at"), [("stage", 2), ("commit", 0), ("commit", 3), ("commit", 6)]
)
def test_a_killed_update_is_rolled_back_by_the_next_one(
    tmp_path: Path, conventions: Path, stage: str, fail_at: int
) -> None:
    import signal
    import subprocess
    import sys

    from scaffold.sync.atomic import JOURNAL
    from scaffold.update import check_services, recover_services

    from .conftest import FIXTURES, new_service

    twin = tmp_path / "twin"
    new_service(twin, conventions)
    service = tmp_path / "svc"
    new_service(service, conventions)
    before = prepare(service, conventions)
    (twin / "cmd/payments/main.go").write_bytes(before["cmd/payments/main.go"])
    update_services([twin], templates_dir=TEMPLATES)

    args = [str(FIXTURES / "syncdemo_target.py"), str(service), str(TEMPLATES), stage, str(fail_at)]
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_UPDATE, *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (service / JOURNAL).is_file()
    assert snapshot(service) != before  # the crash left the service mid-way...
    [checked] = check_services([service], templates_dir=TEMPLATES).services
    assert [d.path for d in checked.drift] == [JOURNAL]

    # ...and the journal puts it back byte for byte (the dead process's lock file goes too)
    [recovered] = recover_services([service])
    assert "rolled back" in recovered.done
    assert snapshot(service) == before
    [again] = recover_services([service])
    assert (again.done, again.left, again.error) == ("", (), "")

    [result] = update_services([service], templates_dir=TEMPLATES).services
    assert result.status is Status.UPDATED
    assert snapshot(service) == snapshot(twin)


PATHS = [f"{d}{n}" for d in ("", "d1/", "d1/d2/", "d3/") for n in ("f1", "f2.go", "f3 x")]


@st.composite
def transactions(draw: st.DrawFn) -> tuple[dict[str, bytes], list[Write | Delete], int | None]:
    existing = draw(st.dictionaries(st.sampled_from(PATHS), st.binary(max_size=20), max_size=6))
    targets = draw(st.lists(st.sampled_from(PATHS), unique=True, min_size=1, max_size=8))
    ops: list[Write | Delete] = []
    for path in targets:
        if draw(st.booleans()):
            ops.append(Write(path, draw(st.binary(max_size=20))))
        else:
            ops.append(Delete(path))
    steps = sum(isinstance(op, Write) for op in ops) + len(ops)
    fail_at = draw(st.one_of(st.none(), st.integers(0, steps - 1)))
    return existing, ops, fail_at


@settings(max_examples=examples(150), deadline=None)
@given(transactions())
def test_apply_ops_is_all_or_nothing(case: tuple[dict[str, bytes], list[Any], int | None]) -> None:
    import tempfile

    existing, ops, fail_at = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "svc"
        root.mkdir()
        for rel, data in existing.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        before = snapshot(root)
        dirs_before = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_dir())
        steps: list[str] = []

        def hook(stage: str, path: str) -> None:
            steps.append(path)
            if fail_at is not None and len(steps) == fail_at + 1:
                raise Fault(path)

        if fail_at is not None:
            with pytest.raises(Fault):
                apply_ops(root, ops, hook=hook)
            assert snapshot(root) == before
            assert sorted(p.relative_to(root) for p in root.rglob("*") if p.is_dir()) == dirs_before
            return
        apply_ops(root, ops, hook=hook)
        expected = dict(before)
        for op in ops:
            if isinstance(op, Write):
                expected[op.path] = op.content
            else:
                expected.pop(op.path, None)
        assert snapshot(root) == expected


HOLD_LOCK = """
import sys, time
from pathlib import Path
from scaffold.sync.owner import service_lock
with service_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_running_update_is_never_rolled_back_by_another(service: Path, conventions: Path) -> None:
    import json
    import socket
    import subprocess
    import sys

    from scaffold.sync.atomic import JOURNAL
    from scaffold.sync.journal import new_journal, process_start

    before = prepare(service, conventions)
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(service)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == b"held\n"
        journal = new_journal(service, [("config/sampling.yaml", None)], [])
        journal["pid"], journal["pid_start"] = other.pid, process_start(other.pid)
        (service / JOURNAL).write_text(json.dumps(journal))
        held = snapshot(service)
        [result] = update_services([service], templates_dir=TEMPLATES).services
        assert result.status is Status.FAILED
        assert f"another scaffold (pid {other.pid} on {socket.gethostname()}" in result.error
        assert snapshot(service) == held
    finally:
        other.kill()
        other.wait(timeout=30)
    # Its owner is gone: the next update rolls the journal back, then updates.
    [result] = update_services([service], templates_dir=TEMPLATES).services
    assert result.status is Status.UPDATED
    assert not (service / JOURNAL).exists()
    assert not (service / ".scaffold" / "run.lock").exists()
    assert snapshot(service) != before
