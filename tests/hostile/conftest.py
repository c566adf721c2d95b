"""Shared ground of the hostile-input suite: a service, a sibling folder it must never
touch, the CLI run in-process (or as a subprocess), and byte-exact snapshots.

Every case builds the same small world under tmp_path:

    platform/observability.yaml      the conventions (and observability-b.yaml, changed)
    outside/                         the sibling folder: secrets, copies of service folders,
                                     a template folder with a code-execution payload
    services/payments/               a `syncdemo` service (tests/sync/fixtures)

and asserts afterwards that `outside/` (every file's bytes, every symlink's target) is
exactly as it was, and that no output holds a traceback.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from scaffold.cli import sync as sync_cli
from scaffold.cli.main import run as scaffold_run
from scaffold.targets.registry import TARGETS, Target
from tests.sync.conftest import (
    FIXTURES,
    TEMPLATES,
    conventions_data,
    new_service,
    remove_attribute,
    set_prod_ratio,
    syncdemo_target,
    write_conventions,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"TOP SECRET: outside the service\n"
PAYLOAD = "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}"
Snapshot = dict[str, tuple[str, bytes]]


def snap(folder: Path) -> Snapshot:
    """Every file (its bytes), folder and symlink (its target) under `folder`, by path;
    never follows a symlink."""
    out: Snapshot = {}
    if not os.path.lexists(folder):
        return out
    for here, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(here) / name
            rel = path.relative_to(folder).as_posix()
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path).encode())
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = ("dir", b"")
            elif stat.S_ISREG(info.st_mode):
                out[rel] = ("file", path.read_bytes())
            else:
                out[rel] = ("other", b"")
    return out


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class World:
    tmp: Path
    svc: Path
    outside: Path
    conv: Path
    conv_b: Path
    watched: list[Path] = field(default_factory=list)
    before: dict[str, Snapshot] = field(default_factory=dict)

    def watch(self, *paths: Path) -> None:
        """Snapshot these (symlink targets, the sibling folder) now, to compare later."""
        for path in paths:
            self.watched.append(path)
            self.before[str(path)] = snap(path) if path.is_dir() else _file_snap(path)

    def untouched(self) -> None:
        for path in self.watched:
            now = snap(path) if path.is_dir() and not path.is_symlink() else _file_snap(path)
            assert now == self.before[str(path)], f"{path} changed"
        assert not list(self.tmp.rglob("PWNED")), "a template payload ran"

    def link(self, rel: str, target: Path) -> Path:
        """Replace `svc/rel` with a symlink to `target` (watched from now on)."""
        path = self.svc / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        self.watch(target)
        return path


def _file_snap(path: Path) -> Snapshot:
    if not os.path.lexists(path):
        return {}
    if path.is_symlink():
        return {"": ("link", os.readlink(path).encode())}
    if path.is_dir():
        return snap(path)
    return {"": ("file", path.read_bytes())}


def make_world(tmp: Path) -> World:
    conv = write_conventions(tmp / "platform" / "observability.yaml", conventions_data())
    data = conventions_data()
    set_prod_ratio(0.125)(data)
    remove_attribute("app.cart.items")(data)
    conv_b = write_conventions(tmp / "platform" / "observability-b.yaml", data)
    svc = tmp / "services" / "payments"
    new_service(svc, conv)
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    for folder in ("internal", "config", "cmd"):
        shutil.copytree(svc / folder, outside / folder)
    shutil.copytree(svc / ".scaffold", outside / "dot-scaffold")
    evil = outside / "evil"
    evil.mkdir()
    (evil / "manifest.yaml").write_text("target: evil\nfiles:\n  - template: x.j2\n    path: x\n")
    (evil / "x.j2").write_text(PAYLOAD)
    world = World(tmp=tmp, svc=svc, outside=outside, conv=conv, conv_b=conv_b)
    world.watch(outside)
    return world


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One world made once; each case works on its own copy (quicker than rendering)."""
    spec = importlib.util.spec_from_file_location(
        "syncdemo_target_pristine", FIXTURES / "syncdemo_target.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved = dict(TARGETS)
    TARGETS["syncdemo"] = Target("syncdemo", module.build_view, "test target")
    try:
        return make_world(tmp_path_factory.mktemp("pristine")).tmp
    finally:
        TARGETS.clear()
        TARGETS.update(saved)


@pytest.fixture
def world(tmp_path: Path, pristine: Path) -> World:
    tmp = tmp_path / "w"
    shutil.copytree(pristine, tmp, symlinks=True)
    world = World(
        tmp=tmp,
        svc=tmp / "services" / "payments",
        outside=tmp / "outside",
        conv=tmp / "platform" / "observability.yaml",
        conv_b=tmp / "platform" / "observability-b.yaml",
    )
    world.watch(world.outside)
    return world


Cli = Callable[..., Run]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`scaffold` in-process; update and check render the syncdemo fixture templates."""
    real_update, real_check = sync_cli.update_services, sync_cli.check_services
    monkeypatch.setattr(
        sync_cli, "update_services", lambda *a, **k: real_update(*a, templates_dir=TEMPLATES, **k)
    )
    monkeypatch.setattr(
        sync_cli, "check_services", lambda *a, **k: real_check(*a, templates_dir=TEMPLATES, **k)
    )

    def invoke(*args: str) -> Run:
        capsys.readouterr()
        code = scaffold_run(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


def expect(run: Run, code: int) -> None:
    """The promised exit code, and never a traceback."""
    assert "Traceback" not in run.text, run.text
    assert run.code == code, f"exit {run.code}, expected {code}:\n{run.text}"
    for prefix in ("nothing written: ", "error: ", "failed, "):
        assert prefix * 2 not in run.text, run.text  # no message repeats its prefix


RUNNER = Path(__file__).parent / "runner.py"


def spawn(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    stdout: int | IO[bytes] = subprocess.PIPE,
    stdin: int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """`scaffold ARGS` as a subprocess through tests/hostile/runner.py (syncdemo known)."""
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=stdin,
    )


def run_sub(*args: str, timeout: float = 120, **kw: Any) -> Run:
    proc = spawn(*args, **kw)
    out, err = proc.communicate(timeout=timeout)
    return Run(proc.returncode, (out or b"").decode(errors="replace"), err.decode(errors="replace"))


__all__ = [
    "FIXTURES",
    "SECRET",
    "World",
    "expect",
    "make_world",
    "run_sub",
    "snap",
    "spawn",
    "syncdemo_target",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The hostile suite (hundreds of cases, many through subprocesses) is in the full
    tier only; `--quick` keeps one representative case of each module."""
    here = Path(__file__).parent
    seen: set[Path] = set()
    for item in items:
        path = Path(str(item.path))
        if path.parent != here:
            continue
        if path in seen:
            item.add_marker(pytest.mark.slow)
        seen.add(path)
