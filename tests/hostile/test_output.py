"""Standard output that fails, for every command with `--json`, as real processes.

The rule (scaffold/cli/output.py): a result that cannot be written never ends in exit 0.
Standard output closed (`>&-`): exit 2 and nothing done. Writing fails (`>/dev/full`): the
work is done and kept, exit 3 (or the command's own 1 or 2), stderr saying what was done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from scaffold.cli.main import app
from tests.conftest import DEFAULT_CONVENTIONS

from .conftest import ROOT, RUNNER, World, expect, run_sub, snap, spawn

LOST = "could not be written to standard output"
CLOSED = "standard output is closed"
TRACES = '{"resourceSpans": []}\n'


def _sh(world: World, args: list[str], redirect: str) -> subprocess.CompletedProcess[bytes]:
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
    script = f"{sys.executable} {RUNNER} {quoted} {redirect}"
    return subprocess.run(
        ["sh", "-c", script],
        capture_output=True,
        timeout=180,
        cwd=world.tmp,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _go_module(world: World) -> Path:
    module = world.tmp / "orders"
    module.mkdir(exist_ok=True)
    (module / "go.mod").write_text("module example.com/acme/orders\n\ngo 1.22\n")
    return module


def _args(world: World, verb: str) -> list[str]:
    conv = ["--conventions", str(DEFAULT_CONVENTIONS)]
    return {
        "validate": ["validate", str(DEFAULT_CONVENTIONS)],
        "new": ["new", "pay", "--lang", "go", "--dir", str(world.tmp / "pay"), *conv],
        "add": ["add", "--lang", "go", "--dir", str(_go_module(world)), *conv],
        "update": ["update", "--conventions", str(world.conv_b), str(world.svc)],
        "check": ["check", str(world.svc)],
        "recover": ["recover", str(world.svc)],
        "verify": ["verify", str(world.tmp / "traces.json"), *conv],
        "collector": ["collector", "--out", str(world.tmp / "out"), *conv],
        "alerts": ["alerts", "--out", str(world.tmp / "out"), *conv],
        "dashboards": ["dashboards", "--out", str(world.tmp / "out"), *conv],
        "diff": ["diff", str(DEFAULT_CONVENTIONS), str(DEFAULT_CONVENTIONS)],
        "lib": [
            "lib",
            "--lang",
            "go",
            "--module",
            "example.com/acme/telemetry",
            "--dir",
            str(world.tmp / "lib"),
            *conv,
        ],
    }[verb]


# The verbs with --json (test_every_verb_with_json_is_covered: all of them).
VERBS = [
    "update",
    "add",
    "alerts",
    "check",
    "collector",
    "dashboards",
    "diff",
    "lib",
    "new",
    "recover",
    "validate",
    "verify",
]
WRITES = {
    "new": "pay",
    "add": "orders/.scaffold",
    "collector": "out",
    "alerts": "out",
    "dashboards": "out",
    "lib": "lib",
}


def _prepare(world: World) -> dict[str, object]:
    (world.tmp / "traces.json").write_text(TRACES)
    _go_module(world)
    return {"svc": snap(world.svc), "tmp": sorted(p.name for p in world.tmp.iterdir())}


@pytest.mark.parametrize("verb", VERBS)
def test_a_full_standard_output(world: World, verb: str) -> None:
    """The work is done and kept; exit 3, and stderr says so."""
    before = _prepare(world)
    proc = _sh(world, [*_args(world, verb), "--json"], ">/dev/full")
    err = proc.stderr.decode(errors="replace")
    assert "Traceback" not in err, err
    assert proc.returncode == 3, err
    assert f"error: the result {LOST} (No space left on device)" in err
    assert "Exit 3: done, report lost" in err
    if verb == "update":  # applied, whole: the next check is in sync
        assert "the update itself ran to the end and is kept" in err
        assert snap(world.svc) != before["svc"]
        expect(run_sub("check", "--conventions", str(world.conv_b), str(world.svc)), 0)
    elif verb == "check":
        assert "does not pass" in err
    elif verb in WRITES:
        assert (world.tmp / WRITES[verb]).exists()
    world.untouched()


@pytest.mark.parametrize("verb", VERBS)
def test_a_closed_standard_output(world: World, verb: str) -> None:
    """Nothing done at all; exit 2, saying why and what to do."""
    before = _prepare(world)
    proc = _sh(world, [*_args(world, verb), "--json"], ">&-")
    err = proc.stderr.decode(errors="replace")
    assert "Traceback" not in err, err
    assert proc.returncode == 2, err
    assert CLOSED in err and "nothing was done" in err and ">/dev/null" in err
    assert snap(world.svc) == before["svc"]
    assert sorted(p.name for p in world.tmp.iterdir()) == before["tmp"]
    assert not (world.tmp / "orders" / ".scaffold").exists()
    world.untouched()


def test_a_failed_check_keeps_its_own_code(world: World) -> None:
    """Drift is exit 1 whether or not its report could be written."""
    (world.svc / "config" / "sampling.yaml").write_text("edited: true\n")
    proc = _sh(world, ["check", "--json", str(world.svc)], ">/dev/full")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 1, err
    assert LOST in err and "out of sync" in err
    world.untouched()


def test_a_reader_that_goes_away(world: World) -> None:
    """A pipe whose reader has gone is a failed write like a full disk: exit 3."""
    proc = spawn("check", "--json", str(world.svc))
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the child writes anything: it writes only at the end
    err = proc.stderr.read().decode(errors="replace")
    assert proc.wait(timeout=120) == 3, err
    assert f"{LOST} (Broken pipe)" in err and "Traceback" not in err
    world.untouched()


def _json_verbs() -> list[str]:
    group: Any = typer.main.get_command(app)
    found = []
    for name, command in group.commands.items():
        subs = command.commands.values() if hasattr(command, "commands") else [command]
        for sub in subs:
            if any("--json" in getattr(p, "opts", []) for p in sub.params):
                found.append(name if sub is command else f"{name} {sub.name}")
    return sorted(found)


def test_every_verb_with_json_is_covered() -> None:
    assert _json_verbs() == sorted(VERBS)


def test_json_still_goes_out_when_it_can(world: World) -> None:
    """The guard of the cases above: the same commands print their JSON to a pipe."""
    proc = _sh(world, ["check", "--json", str(world.svc)], "")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["exit_code"] == 0
    world.untouched()


def test_a_closed_stream_object_in_process(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same rule when scaffold runs as a library call (`run`) and its sys.stdout is a
    stream object already closed: exit 2, nothing done, never a traceback."""
    import io

    from scaffold.cli.main import run

    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)
    before = snap(world.svc)
    code = run(["update", "--conventions", str(world.conv_b), str(world.svc)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2, err
    assert CLOSED in err and "nothing was done" in err
    assert snap(world.svc) == before
    world.untouched()


def test_the_rule_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    from scaffold.cli.main import run

    assert run(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "3 done, but the result could not be written to standard output" in text
    assert "Standard output closed (>&-): exit 2, nothing done" in text
