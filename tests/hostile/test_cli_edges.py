"""Anchors, error paths and a held lock through the real command: every one is an exit code
with a message, never a traceback, never exit 1 for a crash, and `--json` always prints
one JSON object."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

from scaffold.sync.owner import service_lock

from .conftest import Cli, World, expect, run_sub

NEW = ("new", "--lang", "go")
# Names, paths and ids that a `$` anchor would let through (a trailing newline), and kin.
ANCHORS = {
    "name-trailing-newline": (*NEW[:1], "pay\n", *NEW[1:]),
    "name-leading-newline": (*NEW[:1], "\npay", *NEW[1:]),
    "name-trailing-space": (*NEW[:1], "pay ", *NEW[1:]),
    "name-carriage-return": (*NEW[:1], "pay\r", *NEW[1:]),
    "name-upper-case": (*NEW[:1], "Pay", *NEW[1:]),
    "name-slash": (*NEW[:1], "../pay", *NEW[1:]),
    "name-nul-free-unicode": (*NEW[:1], "pаy", *NEW[1:]),  # a Cyrillic a
    "lang-trailing-newline": ("new", "pay", "--lang", "go\n"),
    "module-trailing-newline": (*NEW, "--module", "example.com/acme/pay\n"),
    "module-space": (*NEW, "--module", "example.com/acme pay"),
    "dir-empty": (*NEW[:1], "pay", *NEW[1:], "--dir", ""),
    "dir-newline": (*NEW[:1], "pay", *NEW[1:], "--dir", "svc\n"),
    "add-dir-empty": ("add", "--lang", "go", "--dir", ""),
    "add-name-newline": ("add", "--lang", "go", "--name", "orders\n"),
    "update-path-empty": ("update", ""),
    "check-path-empty": ("check", ""),
    "recover-path-empty": ("recover", ""),
    "check-json-path-empty": ("check", "--json", ""),
    "update-wait-negative": ("update", "--wait", "-1"),
    "update-wait-huge": ("update", "--wait", "1e9"),
}


@pytest.mark.parametrize("case", sorted(ANCHORS))
def test_full_string_matching(
    world: World, cli: Cli, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(world.tmp)
    before = sorted(p.name for p in world.tmp.iterdir())
    args = list(ANCHORS[case])
    if case.startswith("add-name"):
        module = world.tmp / "orders"
        module.mkdir()
        (module / "go.mod").write_text("module example.com/acme/orders\n\ngo 1.22\n")
        args += ["--dir", str(module)]
        before = sorted(p.name for p in world.tmp.iterdir())
    run = cli(*args, "--conventions", str(world.conv)) if args[0] in ("new", "add") else cli(*args)
    expect(run, 2)
    if "--json" in args:
        assert json.loads(run.out)["exit_code"] == 2
    assert sorted(p.name for p in world.tmp.iterdir()) == before  # nothing created
    assert "nothing written: nothing written" not in run.text
    world.untouched()


def _new(world: World, cli: Cli, dest: Path) -> object:
    return cli("new", "pay", "--lang", "go", "--dir", str(dest), "--conventions", str(world.conv))


def test_dir_under_a_regular_file(world: World, cli: Cli) -> None:
    (world.tmp / "plain").write_text("x")
    run = _new(world, cli, world.tmp / "plain" / "svc")
    expect(run, 2)  # type: ignore[arg-type]
    assert "plain" in run.text  # type: ignore[attr-defined]
    world.untouched()


def test_new_into_a_read_only_folder(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES on the first folder scaffold creates (simulated: tests may run as root)."""

    def refuse(self: Path, *a: object, **k: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    run = _new(world, cli, world.tmp / "ro" / "svc")
    expect(run, 2)  # type: ignore[arg-type]
    assert "Permission denied" in run.text  # type: ignore[attr-defined]
    assert not (world.tmp / "ro").exists()
    world.untouched()


@pytest.mark.parametrize("command", ["update", "update-json"])
def test_update_of_a_read_only_service(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """EACCES when renaming into place: rolled back, exit 2, the service as it was."""
    from scaffold.sync import atomic

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    before = {p: p.read_bytes() for p in world.svc.rglob("*") if p.is_file()}
    monkeypatch.setattr(atomic.os, "replace", refuse)
    args = ["update", "--conventions", str(world.conv_b), str(world.svc)]
    run = cli(*args, *(["--json"] if command.endswith("json") else []))
    monkeypatch.undo()
    expect(run, 2)
    if command.endswith("json"):
        assert json.loads(run.out)["exit_code"] == 2
    assert {p: p.read_bytes() for p in world.svc.rglob("*") if p.is_file()} == before
    assert "nothing written: nothing written" not in run.text
    world.untouched()


def test_add_with_a_go_mod_that_is_not_utf8(world: World, cli: Cli) -> None:
    module = world.tmp / "orders"
    module.mkdir()
    (module / "go.mod").write_bytes(b"module example.com/\xff\xfe\n\ngo 1.22\n")
    run = cli("add", "--lang", "go", "--dir", str(module), "--conventions", str(world.conv))
    expect(run, 2)
    assert "UTF-8" in run.text
    assert sorted(p.name for p in module.iterdir()) == ["go.mod"]
    world.untouched()


@pytest.mark.parametrize(
    "command",
    [("check",), ("check", "--json"), ("update",), ("update", "--json"), ("recover",)],
)
def test_a_held_lock_stops_the_second_run(world: World, cli: Cli, command: tuple[str, ...]) -> None:
    with service_lock(world.svc):
        run = cli(*command, str(world.svc))
    expect(run, 2)
    assert f"pid {os.getpid()}" in run.text  # the holder is named
    if "--json" in command:
        assert json.loads(run.out)["exit_code"] == 2
    assert not (world.svc / ".scaffold" / "run.lock").exists()
    world.untouched()


def test_add_rename_while_locked(world: World, cli: Cli) -> None:
    with service_lock(world.svc):
        run = cli("add", "--lang", "go", "--dir", str(world.svc), "--name", "orders")
    expect(run, 2)
    assert f"pid {os.getpid()}" in run.text
    world.untouched()


def test_wait_takes_the_lock_once_it_is_free(world: World, cli: Cli) -> None:
    released = threading.Event()

    def hold() -> None:
        with service_lock(world.svc):
            released.wait(5)
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    released.set()
    run = cli("update", "--wait", "10", "--conventions", str(world.conv_b), str(world.svc))
    holder.join()
    expect(run, 0)
    assert "updated" in run.out
    world.untouched()


def _sh(world: World, script: str) -> object:
    runner = Path(__file__).parent / "runner.py"
    import subprocess
    import sys

    proc = subprocess.run(
        ["sh", "-c", script.replace("SCAFFOLD", f"{sys.executable} {runner}")],
        capture_output=True,
        timeout=120,
        cwd=world.tmp,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    return proc


SHELL = {
    # Done, but the report is lost: exit 3 (scaffold/cli/output.py); closed: nothing done, 2.
    "new-to-dev-full": ("SCAFFOLD new pay --lang go --dir d1 -c CONV >/dev/full", 3),
    "check-json-to-dev-full": ("SCAFFOLD check --json SVC >/dev/full", 3),
    "update-to-dev-full": ("SCAFFOLD update SVC -c CONV_B >/dev/full", 3),
    "check-closed-stdout": ("SCAFFOLD check SVC >&-", 2),
    "new-closed-stdin": ("SCAFFOLD new pay <&-", 2),
    "init-closed-stdin": ("SCAFFOLD init --dir d2 <&-", 0),
    "deleted-cwd-check": ("mkdir gone && cd gone && rmdir ../gone && SCAFFOLD check", 2),
    "deleted-cwd-new": (
        "mkdir gone && cd gone && rmdir ../gone && SCAFFOLD new pay --lang go -c CONV",
        2,
    ),
    "deleted-cwd-json": ("mkdir gone && cd gone && rmdir ../gone && SCAFFOLD check --json", 2),
}


GO_RENDERS = {"new-to-dev-full", "deleted-cwd-new"}  # a whole Go render: over 2 s


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.slow) if c in GO_RENDERS else c for c in sorted(SHELL)],
)
def test_process_level_error_paths(world: World, case: str) -> None:
    script, code = SHELL[case]
    script = (
        script.replace("CONV_B", str(world.conv_b))
        .replace("CONV", str(world.conv))
        .replace("SVC", str(world.svc))
    )
    proc = _sh(world, script)
    err = proc.stderr.decode(errors="replace")  # type: ignore[attr-defined]
    out = proc.stdout.decode(errors="replace")  # type: ignore[attr-defined]
    assert "Traceback" not in err + out, err
    assert proc.returncode == code, err  # type: ignore[attr-defined]
    if code:
        assert "error:" in err
    if case.endswith("json"):
        assert json.loads(out)["exit_code"] == 2
    world.untouched()


def test_the_subprocess_runner_knows_the_fixture_target(world: World) -> None:
    run = run_sub("check", str(world.svc))
    expect(run, 0)
    world.untouched()
