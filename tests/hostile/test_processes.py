"""Real processes: SIGKILL at random moments of `update`, and two updates at once.

The kill loop runs `update` (tests/hostile/runner.py: the real CLI, each apply step slowed
by HOSTILE_STEP_DELAY so that kills land inside the apply as often as before or after it),
kills it at a seeded random moment (anywhere in its run, or anywhere inside its apply once
its journal is there), then runs the next scaffold command (alternately
`recover`, `update`, and `check` followed by `recover`) and checks: the tree is wholly the
old render or wholly the new one, nothing is left over (journal, lock file, temporary or
backup files), and nothing is stuck.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import change_conventions, set_prod_ratio

from .conftest import Cli, Snapshot, World, expect, run_sub, snap, spawn
from .test_recovery import leftovers

KILLS = 50
SEED = 20261201
STEP_DELAY = 0.03
APPLY_STEPS = 12  # about how many slowed steps one apply of this change takes


def _reset(world: World, pristine: Path) -> None:
    shutil.rmtree(world.svc)
    shutil.copytree(pristine, world.svc, symlinks=True)


def _update_b(world: World) -> list[str]:
    return ["update", "--conventions", str(world.conv_b), str(world.svc)]


def _follow(world: World, cli: Cli, index: int, old: Snapshot, new: Snapshot) -> str:
    """The next scaffold command after a kill (in-process: the same code, quicker)."""
    kind = ("recover", "update", "check")[index % 3]
    if kind == "check":
        checked = cli("check", "--conventions", str(world.conv_b), str(world.svc))
        expect(checked, 1 if snap(world.svc) != new else 0)
        kind = "recover"
    if kind == "recover":
        expect(cli("recover", str(world.svc)), 0)
        assert snap(world.svc) in (old, new), "neither wholly old nor wholly new"
    else:
        expect(cli(*_update_b(world)), 0)
        assert snap(world.svc) == new
    assert leftovers(world.svc) == []
    return kind


def _random_moment(world: World, proc: Any, rng: random.Random, full: float) -> None:
    """Sleep until a seeded random moment of the update: anywhere in its run, or (more
    often, as that window is short) anywhere inside its apply, once the journal is there."""
    if rng.random() < 0.4:
        time.sleep(rng.uniform(0, 1.05 * full))
        return
    journal = world.svc / ".scaffold" / "journal.json"
    deadline = time.monotonic() + 60
    while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(rng.uniform(0, APPLY_STEPS * STEP_DELAY))


@pytest.mark.slow
def test_fifty_sigkills_never_leave_a_service_half_updated(world: World, cli: Cli) -> None:
    pristine = world.tmp / "pristine-svc"
    shutil.copytree(world.svc, pristine, symlinks=True)
    old = snap(world.svc)
    env = {"HOSTILE_STEP_DELAY": str(STEP_DELAY)}
    started = time.monotonic()
    expect(run_sub(*_update_b(world), env=env), 0)
    full = time.monotonic() - started
    new = snap(world.svc)
    assert new != old
    rng = random.Random(SEED)
    kills, tries, mid, outcomes = 0, 0, 0, {"old": 0, "new": 0}
    loop_started = time.monotonic()
    while kills < KILLS and tries < 3 * KILLS:
        tries += 1
        _reset(world, pristine)
        proc = spawn(*_update_b(world), env=env)
        _random_moment(world, proc, rng, full)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            mid += (world.svc / ".scaffold" / "journal.json").exists()
        _follow(world, cli, tries, old, new)
        outcomes["new" if snap(world.svc) == new else "old"] += 1
    elapsed = time.monotonic() - loop_started
    print(
        f"\nkill loop: {kills} SIGKILLs in {tries} runs ({mid} inside an apply), "
        f"{elapsed:.1f} s; then wholly {outcomes}"
    )
    assert kills >= KILLS
    assert mid >= KILLS // 5  # the kills did land inside applies, not only around them
    world.untouched()


@pytest.mark.slow
def test_a_journal_from_another_host_is_recovered(world: World) -> None:
    """A kill mid-apply, then the journal and lock file rewritten as if another machine
    (a container since gone, a committed .scaffold/) had left them: exit 2 until a person
    says to trust it, then rolled back."""
    old = snap(world.svc)
    env = {"HOSTILE_STEP_DELAY": "0.2"}
    proc = spawn(*_update_b(world), env=env)
    journal = world.svc / ".scaffold" / "journal.json"
    deadline = time.monotonic() + 60
    while not journal.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    data = json.loads(journal.read_text())
    assert data["host"] == socket.gethostname()
    data["host"], data["pid"] = "build-agent-42.example", 1
    journal.write_text(json.dumps(data))
    (world.svc / ".scaffold" / "run.lock").write_text('{"pid": 1, "host": "elsewhere"}')
    assert snap(world.svc) != old
    run = run_sub("recover", str(world.svc))  # not provably a dead run's: left alone
    expect(run, 2)
    assert "written on host 'build-agent-42.example'" in run.text
    assert "--trust-journal" in run.text
    assert not (world.svc / ".scaffold" / "run.lock").exists()  # the stale lock: taken over
    assert (world.svc / ".scaffold" / "journal.json").read_text() == json.dumps(data)
    run = run_sub("recover", "--trust-journal", str(world.svc))  # a person looked at it
    expect(run, 0)
    assert "rolled back" in run.text
    assert snap(world.svc) == old
    assert leftovers(world.svc) == []


@pytest.mark.slow
@pytest.mark.parametrize("wait", [False, True])
def test_two_concurrent_updates_with_different_conventions(world: World, wait: bool) -> None:
    conv_c = world.tmp / "platform" / "observability-c.yaml"
    conv_c.write_bytes(world.conv.read_bytes())
    change_conventions(conv_c, set_prod_ratio(0.5))
    env = {"HOSTILE_STEP_DELAY": "0.1"}
    extra = ["--wait", "60"] if wait else []
    first = spawn("update", *extra, "--conventions", str(world.conv_b), str(world.svc), env=env)
    second = spawn("update", *extra, "--conventions", str(conv_c), str(world.svc), env=env)
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    codes = sorted([first.returncode, second.returncode])
    text = (out1 + err1 + out2 + err2).decode(errors="replace")
    assert "Traceback" not in text
    if wait:
        assert codes == [0, 0], text
        assert text.count(" updated ") == 2, text  # the second waited, then applied its own
    else:
        assert codes == [0, 2], text
        assert "another scaffold (pid" in text
    # One consistent render: the lock names one conventions file, and check agrees with it.
    lock = json.loads((world.svc / ".scaffold" / "lock.json").read_text())
    used = world.svc / lock["conventions"]["path"]
    checked = run_sub("check", "--conventions", str(used.resolve()), str(world.svc))
    expect(checked, 0)
    expect(run_sub("check", str(world.svc)), 0)
    assert leftovers(world.svc) == []
    world.untouched()
