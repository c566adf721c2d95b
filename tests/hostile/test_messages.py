"""Every exit-2 message names the file or argument at fault and says what to do.

A table of bad invocations through the real command: each ends with exit 2, no traceback,
nothing created next to it, the sibling folder untouched, and a message holding both the
culprit (a path or a flag) and the fix (the row's own words, not a generic word).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import Cli, World, expect, snap

Setup = Callable[[World], None]


def _nothing(world: World) -> None:
    return None


def _plain_file(world: World) -> None:
    (world.tmp / "plain").write_text("x\n")


def _fifo(world: World) -> None:
    os.mkfifo(world.tmp / "pipe.yaml")


def _go_module(
    world: World, go_mod: bytes = b"module example.com/acme/orders\n\ngo 1.22\n"
) -> None:
    module = world.tmp / "orders"
    module.mkdir()
    (module / "go.mod").write_bytes(go_mod)


def _state_is_a_file(world: World) -> None:
    _go_module(world)
    (world.tmp / "orders" / ".scaffold").write_text("x\n")


def _go_mod_latin1(world: World) -> None:
    _go_module(world, b"module example.com/\xe9t\xe9\n\ngo 1.22\n")


def _journal(world: World) -> None:
    (world.svc / ".scaffold" / "journal.json").write_text("{}")


def _lock_torn(world: World) -> None:
    (world.svc / ".scaffold" / "lock.json").write_text('{"lock_version": ')


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    names: str  # the culprit: a path (TMP, SVC expanded) or a flag
    fix: str  # words of the fix
    setup: Setup = _nothing


NEW = ("new", "pay", "--lang", "go", "-c", "CONV")
CASES = {
    "new-dir-under-a-file": Case(
        (*NEW, "--dir", "TMP/plain/svc"), "TMP/plain is a file", "give a folder path", _plain_file
    ),
    "new-dir-is-a-file": Case(
        (*NEW, "--dir", "TMP/plain"), "TMP/plain", "move the file away", _plain_file
    ),
    "new-bad-name": Case(("new", "Pay", "--lang", "go"), "'Pay'", "e.g. payments-api"),
    "new-bad-lang": Case(("new", "pay", "--lang", "cobol"), "--lang", "choose one of"),
    "new-conventions-fifo": Case(
        ("new", "pay", "--lang", "go", "-c", "TMP/pipe.yaml"),
        "TMP/pipe.yaml: is a FIFO",
        "give the path of a regular YAML file",
        _fifo,
    ),
    "add-dir-is-a-file": Case(
        ("add", "--lang", "go", "--dir", "TMP/plain", "-c", "CONV"),
        "TMP/plain",
        "give --dir the folder of an existing Go module",
        _plain_file,
    ),
    "add-dir-missing": Case(
        ("add", "--lang", "go", "--dir", "TMP/nowhere", "-c", "CONV"),
        "TMP/nowhere does not exist",
        "give --dir the folder",
    ),
    "add-state-folder-is-a-file": Case(
        ("add", "--lang", "go", "--dir", "TMP/orders", "-c", "CONV"),
        "TMP/orders/.scaffold",
        "remove it",
        _state_is_a_file,
    ),
    "add-go-mod-not-utf8": Case(
        ("add", "--lang", "go", "--dir", "TMP/orders", "-c", "CONV"),
        "TMP/orders/go.mod",
        "save it as UTF-8",
        _go_mod_latin1,
    ),
    "validate-fifo": Case(
        ("validate", "TMP/pipe.yaml"), "TMP/pipe.yaml", "give the path of a regular", _fifo
    ),
    "update-conventions-fifo": Case(
        ("update", "-c", "TMP/pipe.yaml", "SVC"), "TMP/pipe.yaml: is a FIFO", "regular YAML", _fifo
    ),
    "check-conventions-fifo": Case(
        ("check", "-c", "TMP/pipe.yaml", "SVC"), "TMP/pipe.yaml", "regular YAML", _fifo
    ),
    "update-conventions-device": Case(
        ("update", "-c", "/dev/zero", "SVC"), "/dev/zero: is a character device", "regular YAML"
    ),
    "update-conventions-missing": Case(
        ("update", "-c", "TMP/none.yaml", "SVC"), "TMP/none.yaml: no such file", "scaffold init"
    ),
    "update-path-missing": Case(
        ("update", "TMP/nowhere"), "TMP/nowhere does not exist", "give the folder of a service"
    ),
    "update-path-is-a-file": Case(
        ("update", "TMP/plain"), "TMP/plain is a file", "give the folder", _plain_file
    ),
    "update-filesystem-root": Case(
        ("update", "/"), "/ is the root of the filesystem", "give the folder that holds"
    ),
    "check-proc": Case(("check", "/proc"), "/proc is on a proc filesystem", "give the folder"),
    "docs-scan-root": Case(
        ("docs", "build", "--out", "TMP/site", "--scan", "/"), "--scan: /", "--no-scan"
    ),
    "docs-scan-proc": Case(
        ("docs", "build", "--out", "TMP/site", "--scan", "/proc/self"), "/proc/self", "--no-scan"
    ),
    "docs-markdown-missing": Case(
        ("docs", "update-markdown", "TMP/none.md"), "TMP/none.md", "give Markdown files"
    ),
    "update-wait-negative": Case(("update", "--wait", "-1"), "--wait", "scaffold update -h"),
    "check-planted-journal": Case(
        ("check", "SVC"), "SVC/.scaffold/journal.json", "scaffold recover --discard", _journal
    ),
    "update-planted-journal": Case(
        ("update", "SVC"), "SVC/.scaffold/journal.json", "scaffold recover --discard", _journal
    ),
    "recover-trust-and-discard": Case(
        ("recover", "--trust-journal", "--discard", "SVC"), "--trust-journal", "give one of them"
    ),
    "update-torn-lock": Case(
        ("update", "SVC"), "SVC/.scaffold/lock.json", "git checkout", _lock_torn
    ),
    "verify-missing-file": Case(
        ("verify", "TMP/none.json"), "TMP/none.json: no such file", "give the OTLP files"
    ),
    "verify-bad-stage": Case(("verify", "x.json", "--stage", "late"), "--stage", "use sdk or"),
    "collector-bad-topology": Case(
        ("collector", "--topology", "mesh", "--out", "TMP/out"), "--topology", "choose from"
    ),
    "init-empty-org": Case(
        ("init", "--defaults", "--org", " ", "--dir", "TMP/init"), "--org", "give it with --org"
    ),
}


def _expand(text: str, world: World) -> str:
    return (
        text.replace("TMP", str(world.tmp))
        .replace("SVC", str(world.svc))
        .replace("CONV", str(world.conv))
    )


@pytest.mark.parametrize("json_out", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_message_names_the_culprit_and_the_fix(
    world: World, cli: Cli, case: str, json_out: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = CASES[case]
    row.setup(world)
    monkeypatch.chdir(world.tmp)
    before = sorted(p.name for p in world.tmp.iterdir())
    service = snap(world.svc)
    args = [_expand(a, world) for a in row.args]
    json_verb = args[0] not in ("docs", "init")
    run = cli(*args, *(["--json"] if json_out and json_verb else []))
    expect(run, 2)
    message = json.loads(run.out)["error"] if json_out and json_verb else run.err
    assert _expand(row.names, world) in message, message
    assert row.fix in message, message
    assert sorted(p.name for p in world.tmp.iterdir()) == before  # nothing created
    assert snap(world.svc) == service
    world.untouched()


def test_a_folder_that_cannot_be_read_is_named(
    world: World, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` must see every folder (root reads anything, so the refusal is simulated);
    the docs catalogue leaves it out and says so."""
    from scaffold.sync import find

    real = find._skipped
    hidden = world.tmp / "services" / "hidden"
    hidden.mkdir()

    def refuse(folder: Path, name: str) -> bool:
        if name == "hidden":
            raise PermissionError(13, "Permission denied", str(folder / name))
        return real(folder, name)

    monkeypatch.setattr(find, "_skipped", refuse)
    run = cli("check", str(world.tmp / "services"))
    expect(run, 2)
    assert f"{hidden}: cannot be read (Permission denied)" in run.err
    assert "make it readable, or give paths that leave it out" in run.err
    run = cli(
        "docs", "build", "--out", str(world.tmp / "site"), "--scan", str(world.tmp / "services")
    )
    expect(run, 0)
    assert "left out 1 folder(s)" in run.err and str(hidden) in run.err
    world.untouched()
