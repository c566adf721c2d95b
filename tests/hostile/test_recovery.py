"""Never stuck, never littered: whatever an interrupted update, another host or a careless
hand left in `.scaffold/` and beside the files, the next command (or `scaffold recover`)
leaves the service wholly old or wholly new, with no journal, lock or leftover file."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scaffold.sync import atomic
from scaffold.sync.lock import sha256_hex
from tests.sync.conftest import TEMPLATES

from .conftest import SECRET, Cli, Snapshot, World, expect, snap

JOURNAL = ".scaffold/journal.json"
RUN_LOCK = ".scaffold/run.lock"
_LEFTOVER = re.compile(r"scaffold-(tmp|bak)$")


class Killed(BaseException):
    """Stands for SIGKILL in-process: nothing of the apply's own clean-up runs."""


def leftovers(root: Path) -> list[str]:
    found = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if _LEFTOVER.search(p.name) or p.name in ("journal.json", "run.lock")
    ]
    return sorted(found)


def _twin_after_update(world: World, cli: Cli) -> Snapshot:
    twin = world.tmp / "services" / "twin"
    shutil.copytree(world.svc, twin, symlinks=True)
    expect(cli("update", "--conventions", str(world.conv_b), str(twin)), 0)
    return snap(twin)


def _interrupt(world: World, point: str, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    """Leave the service as a kill at `point` of an update to conv_b would."""
    stage, _, index = point.partition("-")
    seen: list[str] = []

    def hook(step: str, path: str) -> None:
        if step == stage:
            seen.append(path)
            if len(seen) == int(index or 0) + 1:
                raise Killed(path)

    def finish_killed(*args: Any) -> None:
        raise Killed("after the commit point")

    with monkeypatch.context() as patch:
        patch.setattr(atomic, "play_back", lambda *a: None)
        if stage == "committed":
            patch.setattr(atomic, "roll_forward", finish_killed)
        from scaffold.update import update_services

        with pytest.raises(Killed):
            update_services(
                [world.svc],
                conventions=world.conv_b,
                templates_dir=TEMPLATES,
                hook=None if stage == "committed" else hook,
            )
    assert (world.svc / JOURNAL).is_file()


def dead_pid() -> int:
    """The pid of a process that has just ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _own_journal(world: World, owner: str) -> None:
    path = world.svc / JOURNAL
    data = json.loads(path.read_text())
    assert data["host"] == socket.gethostname() and data["pid"] == os.getpid()
    if owner == "other-host":
        data["host"], data["pid"] = "ci-runner-7f3a.example", 4242
    elif owner == "other-boot":
        data["boot_id"], data["pid"] = "0" * 8 + "-dead-beef-0000-" + "0" * 12, dead_pid()
    elif owner == "live-pid":  # this host, and a pid that is alive (this very test process)
        data["host"], data["pid"] = socket.gethostname(), os.getpid()
    else:  # this host, this boot, a process that is gone: what a real kill leaves
        data["pid"] = dead_pid()
    path.write_text(json.dumps(data))
    (world.svc / RUN_LOCK).write_text(json.dumps({"pid": data["pid"], "host": data["host"]}))


POINTS = ["stage-0", "stage-1", "commit-0", "commit-2", "commit-3", "committed"]
REFUSED = {
    "other-host": "written on host 'ci-runner-7f3a.example'",
    "other-boot": "before this machine last started",
    "live-pid": "is still running",
}


@pytest.mark.parametrize("follow", ["recover", "update", "check"])
@pytest.mark.parametrize("point", POINTS)
def test_an_interrupted_update_is_rolled_back_or_forward(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch, point: str, follow: str
) -> None:
    """A journal of this machine whose process is gone: the next command acts on it."""
    old = snap(world.svc)
    new = _twin_after_update(world, cli)
    _interrupt(world, point, monkeypatch, cli)
    _own_journal(world, "dead-pid")
    if follow == "check":
        run = cli("check", "--conventions", str(world.conv_b), str(world.svc))
        expect(run, 1)
        assert "scaffold recover" in run.text  # the way out is named
        follow = "recover"
    if follow == "recover":
        run = cli("recover", str(world.svc))
        expect(run, 0)
        assert "rolled forward" in run.text if point == "committed" else "rolled back" in run.text
        assert snap(world.svc) == (new if point == "committed" else old)
    else:
        expect(cli("update", "--conventions", str(world.conv_b), str(world.svc)), 0)
        assert snap(world.svc) == new
    assert leftovers(world.svc) == []
    expect(
        cli("check", "--conventions", str(world.conv_b), str(world.svc)),
        1 if snap(world.svc) == old else 0,
    )
    world.untouched()


@pytest.mark.parametrize("follow", ["recover", "update", "check"])
@pytest.mark.parametrize("owner", sorted(REFUSED))
@pytest.mark.parametrize("point", ["stage-1", "commit-2", "committed"])
def test_a_journal_not_provably_ours_is_left_alone_until_trusted(
    world: World,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
    owner: str,
    follow: str,
) -> None:
    """Another host, another boot, a live pid: exit 2 naming the journal and both ways
    out, nothing touched; `recover --trust-journal` then rolls it back or forward."""
    old = snap(world.svc)
    new = _twin_after_update(world, cli)
    _interrupt(world, point, monkeypatch, cli)
    _own_journal(world, owner)
    (world.svc / RUN_LOCK).unlink()
    halfway = snap(world.svc)
    args = ["--conventions", str(world.conv_b)] if follow != "recover" else []
    run = cli(follow, *args, str(world.svc))
    expect(run, 2)
    assert str(world.svc / JOURNAL) in run.text and REFUSED[owner] in run.text
    assert f"scaffold recover --trust-journal {world.svc}" in run.text
    assert f"scaffold recover --discard {world.svc}" in run.text
    assert snap(world.svc) == halfway
    run = cli("recover", "--trust-journal", str(world.svc))
    expect(run, 0)
    assert snap(world.svc) == (new if point == "committed" else old)
    assert leftovers(world.svc) == []
    world.untouched()


def _write(rel: str, data: bytes) -> Any:
    def make(world: World) -> None:
        path = world.svc / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return make


def _journal(ops: list[dict[str, Any]], dirs: list[str] | None = None) -> Any:
    data = {
        "token": "0badc0de",
        "pid": 1,
        "host": "elsewhere",
        "started": "2026-01-01T00:00:00+00:00",
        "state": "applying",
        "ops": ops,
        "created_dirs": dirs or [],
    }
    return _write(JOURNAL, json.dumps(data).encode())


def _fifo(world: World) -> None:
    os.mkfifo(world.svc / JOURNAL)


def _folder(world: World) -> None:
    (world.svc / JOURNAL / "x").mkdir(parents=True)


MAIN = "cmd/payments/main.go"
SAMPLING = "config/sampling.yaml"
JUNK = {
    "journal-empty": _write(JOURNAL, b""),
    "journal-torn": _write(JOURNAL, b'{"token": "0badc0de", "ops": ['),
    "journal-null": _write(JOURNAL, b"null"),
    "journal-list": _write(JOURNAL, b"[]"),
    "journal-not-utf8": _write(JOURNAL, b"\xff\xfe\x00"),
    "journal-fifo": _fifo,
    "journal-folder": _folder,
    "journal-outside-path": _journal(
        [{"path": "../../outside/secret.txt", "existed": False, "sha256": sha256_hex(SECRET)}]
    ),
    "journal-outside-dirs": _journal([], ["../../outside"]),
    "journal-user-file-wrong-hash": _journal(
        [{"path": MAIN, "existed": False, "sha256": "0" * 64}]
    ),
    "stray-backup-of-existing": _write("config/.sampling.yaml.0badc0de.scaffold-bak", b"old"),
    "stray-temp": _write("internal/telemetry/.attributes.go.12345678.scaffold-tmp", b"half"),
    "stray-journal-temp": _write(".scaffold/.journal.json.0badc0de.scaffold-tmp", b"{"),
    "run-lock-garbage": _write(RUN_LOCK, b"\x00garbage"),
    "run-lock-other-host": _write(RUN_LOCK, b'{"pid": 1, "host": "elsewhere", "started": "x"}'),
}


BAD_JOURNALS = sorted(k for k in JUNK if k.startswith("journal-"))
STRAYS = {
    "stray-backup-of-existing": "config/.sampling.yaml.0badc0de.scaffold-bak",
    "stray-temp": "internal/telemetry/.attributes.go.12345678.scaffold-tmp",
}


@pytest.mark.parametrize("follow", ["recover", "update", "check"])
@pytest.mark.parametrize("junk", BAD_JOURNALS)
def test_a_bad_journal_is_left_alone_and_named(
    world: World, cli: Cli, junk: str, follow: str
) -> None:
    """Never acted on, never silently removed: exit 2 naming it and `--discard`; then
    `recover --discard` removes it and keeps every file as it is."""
    before = snap(world.svc)
    JUNK[junk](world)
    planted = snap(world.svc)
    run = cli(follow, str(world.svc))
    expect(run, 2)
    assert str(world.svc / JOURNAL) in run.text
    assert f"scaffold recover --discard {world.svc}" in run.text
    assert snap(world.svc) == planted
    expect(cli("recover", "--trust-journal", str(world.svc)), 2)  # nothing to trust
    assert snap(world.svc) == planted
    run = cli("recover", "--discard", str(world.svc))
    expect(run, 0)
    assert "without acting on it" in run.text
    assert snap(world.svc) == before
    expect(cli("update", str(world.svc)), 0)
    world.untouched()


@pytest.mark.parametrize("follow", ["recover", "update"])
@pytest.mark.parametrize("junk", sorted(set(JUNK) - set(BAD_JOURNALS)))
def test_other_junk_never_blocks(world: World, cli: Cli, junk: str, follow: str) -> None:
    """A garbage run lock or a stray journal temp is cleaned; a stray temporary or backup
    file that no journal names is never acted on: kept byte for byte and listed."""
    before = snap(world.svc)
    JUNK[junk](world)
    run = cli(follow, str(world.svc))
    expect(run, 0)
    if junk in STRAYS:
        rel = STRAYS[junk]
        assert (world.svc / rel).read_bytes() in (b"old", b"half")
        assert {**before, rel: snap(world.svc)[rel]} == snap(world.svc)
        if follow == "recover":
            assert f"{rel}: left alone" in run.text
    else:
        assert leftovers(world.svc) == []
        assert snap(world.svc) == before
    world.untouched()


def test_a_stray_backup_of_a_missing_file_is_never_put_back(world: World, cli: Cli) -> None:
    """No journal names it, so it may be planted: it stays where it is, and is listed."""
    target = world.svc / SAMPLING
    stray = target.with_name(".sampling.yaml.0badc0de.scaffold-bak")
    target.rename(stray)
    before = snap(world.svc)
    run = cli("recover", str(world.svc))
    expect(run, 0)
    assert "config/.sampling.yaml.0badc0de.scaffold-bak: left alone" in run.text
    assert snap(world.svc) == before
    world.untouched()


def test_recover_leaves_another_service_inside_alone(world: World, cli: Cli) -> None:
    """A service nested in another is looked at only under its own lock, never by its
    parent; and a stray file is listed, never removed."""
    inner = world.svc / "nested"
    shutil.copytree(world.svc, world.tmp / "copy", symlinks=True)
    (world.tmp / "copy").rename(inner)
    stray = inner / "config" / ".sampling.yaml.0badc0de.scaffold-tmp"
    stray.write_bytes(b"in flight")
    from scaffold.sync.recovery import recover

    assert recover(world.svc, list_strays=True).left == ()
    assert recover(inner, list_strays=True).left == ("config/.sampling.yaml.0badc0de.scaffold-tmp",)
    assert stray.read_bytes() == b"in flight"
    world.untouched()


def test_the_interrupted_state_is_really_mid_way(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard of the cases above: a simulated kill leaves a journal and mixed files."""
    old = snap(world.svc)
    _interrupt(world, "commit-3", monkeypatch, cli)
    assert snap(world.svc) != old
    assert any(name.endswith("scaffold-bak") for name in leftovers(world.svc))
