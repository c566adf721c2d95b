"""Symlinks never lead scaffold out of the service: with a symlink anywhere on a path it
would write, delete, read into a diff or show, the service is refused (exit 2, naming the
path), and the symlink's target and the sibling folder stay byte for byte as they were."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import SECRET, Cli, World, expect

PKG = "internal/telemetry"
# (the path made a symlink, what it points to under outside/)
SCENARIOS = {
    "internal-folder": ("internal", "internal"),
    "package-folder": (PKG, "internal/telemetry"),
    "config-folder": ("config", "config"),
    "generated-file-to-secret": ("config/sampling.yaml", "secret.txt"),
    "generated-file-same-bytes": ("config/sampling.yaml", "config/sampling.yaml"),
    "stale-file-deleted-next": (f"{PKG}/attr_app_cart_items.go", f"{PKG}/attr_app_cart_items.go"),
    "user-folder": ("cmd", "cmd"),
    "user-file-to-secret": ("cmd/payments/main.go", "secret.txt"),
    "user-readme-to-secret": ("README.md", "secret.txt"),
    "base-folder": (".scaffold/base", "dot-scaffold/base"),
    "base-file-to-secret": (".scaffold/base/cmd/payments/main.go", "secret.txt"),
    "state-folder": (".scaffold", "dot-scaffold"),
    "lock-file": (".scaffold/lock.json", "dot-scaffold/lock.json"),
    "run-lock-file": (".scaffold/run.lock", "secret.txt"),
}
COMMANDS = {
    "update": ("update",),
    "update-force": ("update", "--force"),
    "update-dry-run": ("update", "--dry-run"),
    "check-json": ("check", "--json"),
}


def _expected(scenario: str, command: str) -> int:
    if scenario == "run-lock-file" and command.startswith("check"):
        return 1  # check takes no lock: it reports the drift and never opens the link
    return 2


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_symlink_is_never_followed(world: World, cli: Cli, scenario: str, command: str) -> None:
    rel, target = SCENARIOS[scenario]
    world.link(rel, world.outside / target)
    world.watch(world.svc)
    run = cli(*COMMANDS[command], "--conventions", str(world.conv_b), str(world.svc))
    expect(run, _expected(scenario, command))
    assert SECRET.decode().strip() not in run.text
    if run.code == 2:
        assert "symlink" in run.text, run.text
        assert rel.split("/")[0] in run.text  # the path is named
    world.untouched()


def test_a_journal_symlink_is_never_followed(world: World, cli: Cli) -> None:
    """Left alone with exit 2 (it is no journal scaffold wrote), its target never read;
    `recover --discard` removes the link, never its target."""
    world.link(".scaffold/journal.json", world.outside / "secret.txt")
    run = cli("update", str(world.svc))
    expect(run, 2)
    assert "is a symlink" in run.text and "--discard" in run.text
    assert "TOP SECRET" not in run.text
    expect(cli("recover", "--discard", str(world.svc)), 0)
    assert not os.path.lexists(world.svc / ".scaffold/journal.json")
    expect(cli("update", str(world.svc)), 0)
    world.untouched()


def _go_module(folder: Path, world: World) -> None:
    folder.mkdir(parents=True)
    (folder / "go.mod").write_text("module example.com/acme/orders\n\ngo 1.22\n")
    (world.outside / "go-internal").mkdir(exist_ok=True)
    (world.outside / "go-internal" / "keep.txt").write_text("outside\n")


@pytest.mark.parametrize("verb", ["new", "add", "update"])
def test_go_target_with_a_symlinked_internal_folder(
    world: World, cli: Cli, verb: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = world.tmp / "go-svc"
    conv = ("--conventions", str(world.conv))
    if verb == "update":
        assert cli("new", "orders", "--lang", "go", "--dir", str(svc), *conv).code == 0
        shutil.copytree(svc / "internal", world.outside / "go-internal")
        shutil.rmtree(svc / "internal")
    else:
        _go_module(svc, world)
    (svc / "internal").symlink_to(world.outside / "go-internal")
    world.watch(world.outside, svc)
    monkeypatch.chdir(world.tmp)
    if verb == "new":
        run = cli("new", "orders", "--lang", "go", "--dir", str(svc), "--force", *conv)
    elif verb == "add":
        run = cli("add", "--lang", "go", "--dir", str(svc), "--force", *conv)
    else:
        from scaffold.cli import sync as sync_cli
        from scaffold.update import update_services

        monkeypatch.setattr(sync_cli, "update_services", update_services)
        run = cli("update", "--force", "--conventions", str(world.conv_b), str(svc))
    expect(run, 2)
    assert "internal" in run.text and "symlink" in run.text
    world.untouched()


def test_a_symlinked_service_root_is_the_users_choice(world: World, cli: Cli) -> None:
    """The root the user names may be a symlink (only what is under it is checked)."""
    link = world.tmp / "link-to-payments"
    link.symlink_to(world.svc)
    expect(cli("check", str(link)), 0)
    world.untouched()
