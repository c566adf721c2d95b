"""Planted journals and backups: automatic recovery acts only on a well-formed journal of
this machine whose process is gone, puts a backup back only when it holds what the journal
recorded, and deletes a file only when it holds what the run wrote. Anything else is left
alone with exit 2, the journal named, and the way out (`recover --discard`)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from scaffold.sync.journal import MAX_JOURNAL, new_journal

from .conftest import SECRET, Cli, World, expect, snap
from .test_recovery import JOURNAL, dead_pid

MAIN = "cmd/payments/main.go"
SAMPLING = "config/sampling.yaml"
Mutate = Callable[[dict[str, Any]], Any]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plant(world: World, mutate: Mutate | None = None, **fields: Any) -> dict[str, Any]:
    """A journal as a dead process of this machine would leave it, then `mutate`d."""
    data = new_journal(world.svc, [(SAMPLING, b"injected: true\n")], [])
    data.update(pid=dead_pid(), pid_start=None, **fields)
    if mutate is not None:
        mutate(data)
    (world.svc / JOURNAL).write_text(json.dumps(data))
    return data


def _op(**fields: Any) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        data["ops"][0].update(fields)

    return mutate


def _key(key: str, value: Any) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        data[key] = value

    return mutate


def _drop(key: str) -> Mutate:
    return lambda data: data.pop(key)


def _twice(data: dict[str, Any]) -> None:
    data["ops"].append(dict(data["ops"][0]))


def _symlinked_folder(world: World) -> Mutate:
    (world.svc / "link").symlink_to(world.outside)
    return _op(path="link/secret.txt", existed=False, sha256=_sha(SECRET))


MALFORMED: dict[str, Callable[[World], Mutate]] = {
    "path-up": lambda w: _op(path="../../outside/secret.txt", existed=False, sha256=_sha(SECRET)),
    "path-absolute": lambda w: _op(path=str(w.outside / "secret.txt")),
    "path-up-inside": lambda w: _op(path="internal/../../../outside/secret.txt"),
    "path-git": lambda w: _op(path=".git/config"),
    "path-run-lock": lambda w: _op(path=".scaffold/run.lock"),
    "path-journal": lambda w: _op(path=".scaffold/journal.json"),
    "path-state": lambda w: _op(path=".scaffold/other"),
    "path-nul": lambda w: _op(path="a\0b"),
    "path-through-symlink": _symlinked_folder,
    "dirs-up": lambda w: _key("created_dirs", ["../../outside"]),
    "dirs-git": lambda w: _key("created_dirs", [".git"]),
    "dirs-not-list": lambda w: _key("created_dirs", "internal"),
    "pid-string": lambda w: _key("pid", "1"),
    "pid-bool": lambda w: _key("pid", True),
    "pid-zero": lambda w: _key("pid", 0),
    "pid-huge": lambda w: _key("pid", 2**70),
    "pid-float": lambda w: _key("pid", 12.0),
    "pid-start-string": lambda w: _key("pid_start", "7"),
    "run-id-short": lambda w: _key("run_id", "0badc0de"),
    "run-id-upper": lambda w: _key("run_id", "0BADC0DE0BADC0DE"),
    "host-newline": lambda w: _key("host", "box\n"),
    "host-long": lambda w: _key("host", "h" * 300),
    "state-unknown": lambda w: _key("state", "done"),
    "extra-key": lambda w: _key("note", "hi"),
    "missing-key": lambda w: _drop("boot_id"),
    "ops-object": lambda w: _key("ops", {}),
    "op-existed-text": lambda w: _op(existed="yes"),
    "op-sha-upper": lambda w: _op(sha256="A" * 64),
    "op-old-sha-of-nothing": lambda w: _op(existed=False, old_sha256="0" * 64),
    "op-extra-key": lambda w: _op(mode=420),
    "ops-twice": lambda w: _twice,
}
RAW: dict[str, bytes] = {
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge-integer": b'{"pid": ' + b"9" * 5000 + b"}",
    "nan": b'{"pid": NaN}',
    "whitespace": b"  \n\t ",
    "old-format": json.dumps(
        {"token": "0badc0de", "pid": 1, "host": "h", "started": "", "state": "applying"}
    ).encode(),
}


def _refused(world: World, cli: Cli, verb: str) -> None:
    """`verb` stops with exit 2 naming the journal and the fix, and changes nothing."""
    before = snap(world.svc)
    args = [verb, str(world.svc)]
    run = cli(*args)
    expect(run, 2)
    assert str(world.svc / JOURNAL) in run.text
    assert f"scaffold recover --discard {world.svc}" in run.text
    assert "TOP SECRET" not in run.text
    assert snap(world.svc) == before
    world.untouched()


@pytest.mark.parametrize("verb", ["update", "recover", "check"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_journal_is_never_acted_on(
    world: World, cli: Cli, case: str, verb: str
) -> None:
    plant(world, MALFORMED[case](world))
    _refused(world, cli, verb)
    expect(cli("recover", "--trust-journal", str(world.svc)), 2)  # not even when trusted
    world.untouched()


@pytest.mark.parametrize("case", sorted(RAW))
def test_a_journal_that_is_not_one_is_never_acted_on(world: World, cli: Cli, case: str) -> None:
    (world.svc / JOURNAL).write_bytes(RAW[case])
    _refused(world, cli, "update")
    expect(cli("recover", "--discard", str(world.svc)), 0)
    assert not os.path.lexists(world.svc / JOURNAL)


def test_a_huge_journal_is_not_read(world: World, cli: Cli) -> None:
    with open(world.svc / JOURNAL, "wb") as handle:
        handle.truncate(MAX_JOURNAL + 1)  # sparse: no disk, but over the limit
    _refused(world, cli, "recover")
    run = cli("update", str(world.svc))
    assert f"over {MAX_JOURNAL} bytes" in run.text


def test_a_symlinked_journal_is_never_followed(world: World, cli: Cli) -> None:
    (world.svc / JOURNAL).symlink_to(world.outside / "secret.txt")
    _refused(world, cli, "update")
    expect(cli("recover", "--discard", str(world.svc)), 0)
    assert not os.path.lexists(world.svc / JOURNAL)
    assert (world.outside / "secret.txt").read_bytes() == SECRET
    world.untouched()


def test_a_journal_of_a_live_process_is_left_alone(world: World, cli: Cli) -> None:
    plant(world, _key("pid", os.getpid()))
    _refused(world, cli, "update")


def test_a_journal_from_elsewhere_cannot_delete_a_hand_written_file(world: World, cli: Cli) -> None:
    """It says the run created main.go, with main.go's exact hash: from another host it is
    refused; `--discard` removes it and main.go stays."""
    main = (world.svc / MAIN).read_bytes()
    plant(world, _op(path=MAIN, existed=False, sha256=_sha(main), old_sha256=None), host="x.y")
    _refused(world, cli, "update")
    expect(cli("recover", "--discard", str(world.svc)), 0)
    assert (world.svc / MAIN).read_bytes() == main


def test_a_file_is_deleted_only_if_it_holds_what_the_run_wrote(world: World, cli: Cli) -> None:
    """Even a journal of this machine's dead process removes a created file only if it
    holds the bytes the journal says the run wrote."""
    main = (world.svc / MAIN).read_bytes()
    plant(world, _op(path=MAIN, existed=False, sha256=_sha(b"other"), old_sha256=None))
    expect(cli("recover", str(world.svc)), 0)
    assert (world.svc / MAIN).read_bytes() == main
    world.untouched()


@pytest.mark.parametrize("how", ["ours", "trusted"])
def test_an_injected_backup_is_never_put_back(world: World, cli: Cli, how: str) -> None:
    """A backup named with the journal's run id but not holding what the journal recorded
    as the previous file: kept aside and listed, never restored."""
    original = (world.svc / SAMPLING).read_bytes()
    data = plant(world, **({"host": "x.y"} if how == "trusted" else {}))
    backup = world.svc / "config" / f".sampling.yaml.{data['run_id']}.scaffold-bak"
    backup.write_bytes(b"injected: true\n")
    (world.svc / SAMPLING).unlink()
    args = ["--trust-journal"] if how == "trusted" else []
    run = cli("recover", *args, str(world.svc))
    expect(run, 0)
    assert not (world.svc / SAMPLING).exists()
    assert backup.read_bytes() == b"injected: true\n"
    assert f"config/{backup.name}: left alone" in run.text
    assert original != b"injected: true\n"
    world.untouched()


def test_a_genuine_backup_is_put_back(world: World, cli: Cli) -> None:
    """The guard of the case above: the same journal with the true backup restores it."""
    original = (world.svc / SAMPLING).read_bytes()
    data = plant(world)
    backup = world.svc / "config" / f".sampling.yaml.{data['run_id']}.scaffold-bak"
    (world.svc / SAMPLING).rename(backup)
    expect(cli("recover", str(world.svc)), 0)
    assert (world.svc / SAMPLING).read_bytes() == original
    assert not backup.exists()


def test_trust_and_discard_together_are_refused(world: World, cli: Cli) -> None:
    plant(world, host="x.y")
    run = cli("recover", "--trust-journal", "--discard", str(world.svc))
    expect(run, 2)
    assert "--trust-journal" in run.text and "--discard" in run.text
    assert (world.svc / JOURNAL).exists()


def test_an_interrupted_first_render_from_elsewhere_has_a_way_out(world: World, cli: Cli) -> None:
    """No lock yet, only a journal from another host: `new` stops naming it, and the
    command it names works on that folder (which is no service yet)."""
    dest = world.tmp / "fresh"
    (dest / ".scaffold").mkdir(parents=True)
    data = new_journal(dest, [("main.go", b"package main\n")], [])
    data.update(host="x.y")
    (dest / JOURNAL).write_text(json.dumps(data))
    args = ["new", "pay", "--lang", "go", "--dir", str(dest), "--conventions", str(world.conv)]
    run = cli(*args)
    expect(run, 2)
    assert f"scaffold recover --discard {dest}" in run.text
    assert sorted(p.name for p in dest.iterdir()) == [".scaffold"]
    expect(cli("recover", "--discard", str(dest)), 0)
    expect(cli(*args), 0)
    assert (dest / ".scaffold" / "lock.json").is_file()
    world.untouched()


def test_a_journal_value_is_shown_short(world: World, cli: Cli) -> None:
    """A 100,000-character path in a planted journal: refused, and shown cut short."""
    plant(world, _op(path="a/" * 50_000))
    run = cli("update", str(world.svc))
    expect(run, 2)
    assert "..." in run.err and len(run.err) < 2000
    world.untouched()


def test_a_symlink_that_appears_after_the_journal_was_read(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each path is checked again right before it is acted on: a folder swapped for a
    symlink to the outside in between is never written or deleted through."""
    from scaffold.sync import recovery

    data = plant(world)
    backup = world.svc / "config" / f".sampling.yaml.{data['run_id']}.scaffold-bak"
    (world.svc / SAMPLING).rename(backup)
    # A file outside named as the run's temporary file would be, were it in config/.
    (world.outside / f".sampling.yaml.{data['run_id']}.scaffold-tmp").write_bytes(SECRET)
    world.watch(world.outside)
    real = recovery.inspect_journal

    def swap(root: Any) -> Any:
        found = real(root)
        (world.svc / "config").rename(world.svc / "config-moved")
        (world.svc / "config").symlink_to(world.outside)
        return found

    monkeypatch.setattr(recovery, "inspect_journal", swap)
    expect(cli("recover", str(world.svc)), 0)
    assert not (world.outside / "sampling.yaml").exists()
    assert (world.svc / "config-moved" / backup.name).is_file()
    world.untouched()
