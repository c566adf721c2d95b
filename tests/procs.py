"""Child processes of the tests and the demo that never outlive them.

- `dies_with_parent()`: a preexec_fn that asks Linux to SIGTERM the child when the
  process (strictly: the thread) that started it dies, whatever killed it.
- `held_signals`: a block that SIGINT, SIGTERM and SIGHUP cannot interrupt; they are
  delivered when it ends (for cleanup that must finish).
- `run_group`: a build command run in its own process group; on any interruption
  (Ctrl-C, a signal turned into an exception, a timeout) the whole group is stopped
  (SIGTERM, a grace period, SIGKILL): the group of a process this code started, never
  processes found by name.
- `no_proxy_env`: an environment without proxy variables, for anything that talks to
  loopback.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

PR_SET_PDEATHSIG = 1
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "ftp_proxy",
    "no_proxy",
    "grpc_proxy",
)


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def dies_with_parent() -> Callable[[], None]:
    """A preexec_fn: SIGTERM the child when this process dies (Linux; elsewhere nothing)."""
    parent = os.getpid()

    def preexec() -> None:
        if _LIBC is None:
            return
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would signal.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class held_signals:
    """A block during which SIGINT, SIGTERM and SIGHUP are recorded instead of acted on;
    on leaving, the previous handlers come back and each recorded signal is raised again.
    (Handlers belong to the main thread: elsewhere the block changes nothing.)"""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.saved: dict[int, Any] = {}

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self.pending.append(signum)

    def __enter__(self) -> held_signals:
        if threading.current_thread() is threading.main_thread():
            for signum in _HELD_SIGNALS:
                self.saved[signum] = signal.signal(signum, self._record)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(self.pending):
            signal.raise_signal(signum)


def no_proxy_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) without any proxy variable, in either case."""
    source = os.environ if env is None else env
    return {k: v for k, v in source.items() if k.lower() not in PROXY_VARIABLES}


def stop_group(proc: subprocess.Popen[str], grace: float = 10) -> None:
    """Stop the process group led by `proc` (started here with start_new_session=True):
    SIGTERM, wait up to `grace` seconds, then SIGKILL."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):  # the group is gone
            os.killpg(proc.pid, signum)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(proc.pid):
            return
        time.sleep(0.2)
        if not _group_alive(proc.pid):
            return


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_group(
    args: list[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
) -> subprocess.CompletedProcess[str]:
    """Run `args` in a process group of its own and capture its output (like
    subprocess.run(check=False, text=True)). On a timeout, KeyboardInterrupt or any
    other exception while it runs, the whole group (a compiler's own children too) is
    stopped before the exception goes on."""
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=dies_with_parent(),
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        with held_signals():
            stop_group(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)
