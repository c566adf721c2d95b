"""A lock is untrusted input: every hostile lock is exit 2 naming the lock file and the fix,
runs no template, reads and writes nothing outside the service, and changes nothing in it.

Each mutation below is tried with `check`, `check --json`, `update` and
`update --force --json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaffold.sync.lock import sha256_hex

from .conftest import SECRET, Cli, World, expect, snap

LOCK = ".scaffold/lock.json"
Edit = Callable[[dict[str, Any], World], Any]


def _set(*keys: str, value: Any) -> Edit:
    def edit(data: dict[str, Any], world: World) -> None:
        node = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def _drop(*keys: str) -> Edit:
    def edit(data: dict[str, Any], world: World) -> None:
        node = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return edit


def _entry(path: str, owner: str = "generated", sha: str | None = None) -> Edit:
    def edit(data: dict[str, Any], world: World) -> None:
        data["files"][path] = {"owner": owner, "sha256": sha or "0" * 64, "template": "x.j2"}

    return edit


def _secret_entry(path: str) -> Edit:
    """An entry with the very hash of the outside secret: a delete would succeed."""
    return _entry(path, sha=sha256_hex(SECRET))


def _evil_target(data: dict[str, Any], world: World) -> None:
    data["target"] = "../../outside/evil"


def _nested(depth: int) -> Edit:
    def edit(data: dict[str, Any], world: World) -> None:
        value: Any = "x"
        for _ in range(depth):
            value = {"a": value}
        data["options"]["extra"] = value

    return edit


def _raw(text: bytes) -> Edit:
    def edit(data: dict[str, Any], world: World) -> bytes:
        return text

    return edit


def _user_file_entry(data: dict[str, Any], world: World) -> None:
    notes = world.svc / "notes.txt"
    notes.write_bytes(b"the team's own notes\n")
    data["files"]["notes.txt"] = {
        "owner": "generated",
        "sha256": sha256_hex(notes.read_bytes()),
        "template": "x.j2",
    }


def _big_int(data: dict[str, Any], world: World) -> bytes:
    text = json.dumps(data)
    return text.replace('"lock_version": 1', '"lock_version": ' + "9" * 5000).encode()


def _duplicate_key(data: dict[str, Any], world: World) -> bytes:
    text = json.dumps(data)
    return text.replace('"target":', '"target": "go", "target":', 1).encode()


def _nan(data: dict[str, Any], world: World) -> bytes:
    return json.dumps(data).replace('"lock_version": 1', '"lock_version": NaN').encode()


def _deep_raw(data: dict[str, Any], world: World) -> bytes:
    text = json.dumps(data)
    return text.replace('"extra": {}', '"extra": ' + "[" * 100_000 + "]" * 100_000).encode()


MUTATIONS: dict[str, Edit] = {
    "target-evil-folder": _evil_target,
    "target-walks-up": _set("target", value="../../../.."),
    "target-absolute": _set("target", value="/tmp"),
    "target-unregistered": _set("target", value="collector"),
    "target-trailing-newline": _set("target", value="syncdemo\n"),
    "target-upper-case": _set("target", value="SYNCDEMO"),
    "target-empty": _set("target", value=""),
    "target-number": _set("target", value=5),
    "target-null": _set("target", value=None),
    "target-list": _set("target", value=["syncdemo"]),
    "target-dot-slash": _set("target", value="./syncdemo"),
    "entry-parent": _secret_entry("../../outside/secret.txt"),
    "entry-absolute": _secret_entry(str(Path("/etc/hostname"))),
    "entry-git-config": _entry(".git/config"),
    "entry-nested-git": _entry("internal/.git/config"),
    "entry-scaffold-lock": _entry(".scaffold/lock.json"),
    "entry-scaffold-base": _entry(".scaffold/base/cmd/payments/main.go", owner="user"),
    "entry-dotdot-inside": _entry("internal/../../x"),
    "entry-nul": _entry("a\0b"),
    "entry-newline": _entry("config/sampling.yaml\n"),
    "entry-empty": _entry(""),
    "entry-double-slash": _entry("config//sampling.yaml"),
    "entry-dot": _entry("./config/sampling.yaml"),
    "entry-backslash": _entry("..\\..\\outside\\secret.txt"),
    "entry-huge": _entry("a/" * 3000 + "x"),
    "entry-not-producible": _user_file_entry,
    "entry-not-an-object": _set("files", "config/sampling.yaml", value="generated"),
    "entry-number": _set("files", "config/sampling.yaml", value=5),
    "entry-owner-root": _entry("config/sampling.yaml", owner="root"),
    "entry-sha-short": _set("files", "config/sampling.yaml", "sha256", value="abc"),
    "entry-sha-number": _set("files", "config/sampling.yaml", "sha256", value=12),
    "entry-unknown-key": _set("files", "config/sampling.yaml", "mode", value="0777"),
    "files-list": _set("files", value=["config/sampling.yaml"]),
    "files-missing": _drop("files"),
    "version-string": _set("lock_version", value="1"),
    "version-bool": _set("lock_version", value=True),
    "version-two": _set("lock_version", value=2),
    "version-5000-digits": _big_int,
    "version-nan": _nan,
    "duplicate-key": _duplicate_key,
    "conventions-nul": _set("conventions", "path", value="../../platform/obs\0.yaml"),
    "conventions-secret": _set("conventions", "path", value="../../outside/secret.txt"),
    "conventions-absolute": _set("conventions", "path", value="/etc/passwd"),
    "conventions-digest-bad": _set("conventions", "digest", value="md5:00"),
    "conventions-not-object": _set("conventions", value="../../platform/observability.yaml"),
    "options-name-newline": _set("options", "service_name", value="payments\n"),
    "options-name-path": _set("options", "service_name", value="../../outside"),
    "options-target-other": _set("options", "target", value="go"),
    "options-mode-other": _set("options", "mode", value="delete"),
    "options-unknown-key": _set("options", "templates", value="../../outside/evil"),
    "tool-version-newline": _set("tool_version", value="0.1.0\n"),
    "templates-digest-bad": _set("templates_digest", value="sha256:zz"),
    "unknown-top-key": _set("templates_dir", value="../../outside/evil"),
    "nested-20": _nested(20),
    "nested-raw-100000": _deep_raw,
    "lock-a-list": _raw(b"[]"),
    "lock-a-string": _raw(b'"lock"'),
    "lock-empty": _raw(b""),
    "lock-not-utf8": _raw(b'{"target": "\xff\xfe"}'),
    "lock-truncated": _raw(b'{"lock_version": 1, "files": {'),
    "lock-over-16mb": _raw(b" " * (17 * 1024 * 1024) + b"{}"),
}
COMMANDS = {
    "check": ("check",),
    "check-json": ("check", "--json"),
    "update": ("update",),
    "update-force-json": ("update", "--force", "--json"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_hostile_lock_is_refused(world: World, cli: Cli, mutation: str, command: str) -> None:
    lock = world.svc / LOCK
    data = json.loads(lock.read_text())
    raw = MUTATIONS[mutation](data, world)
    lock.write_bytes(raw if isinstance(raw, bytes) else json.dumps(data).encode())
    world.watch(world.svc)
    run = cli(*COMMANDS[command], str(world.svc))
    expect(run, 2)
    assert str(lock) in run.text or "lock.json" in run.text, run.text
    assert "git checkout" in run.text  # the fix
    assert SECRET.decode().strip() not in run.text
    if command.endswith("json"):
        assert json.loads(run.out)["exit_code"] == 2  # one JSON object, the error included
    world.untouched()


def test_the_lock_snapshot_helper_sees_a_change(world: World) -> None:
    """The guard these cases rely on: a changed byte or symlink target is noticed."""
    before = snap(world.outside)
    (world.outside / "secret.txt").write_bytes(SECRET + b"!")
    assert snap(world.outside) != before


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_lock_that_is_no_regular_file(world: World, cli: Cli, kind: str, command: str) -> None:
    """A FIFO would hang a plain read, /dev/zero would fill memory: both refused at once."""
    import os

    lock = world.svc / LOCK
    lock.unlink()
    if kind == "fifo":
        os.mkfifo(lock)
    elif kind == "folder":
        lock.mkdir()
    else:
        lock.symlink_to("/dev/zero")
    world.watch(world.svc)
    run = cli(*COMMANDS[command], str(world.svc))
    expect(run, 2)
    assert "lock.json" in run.text
    world.untouched()
