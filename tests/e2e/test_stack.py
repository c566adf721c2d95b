"""The harness of ./demo and the end-to-end tests under attack: each test stands for one
finding of the review (issue 16) and fails without its fix. Most use stand-in processes
and small files instead of the real stack; the ones that run cargo or go are marked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import conftest as e2e_conftest
from tests.e2e import demo, scenario, stack
from tests.e2e.scenario import EMAIL, REQUESTS, SESSION_TOKEN, Outcome
from tests.e2e.stack import Answer, Service, Span
from tests.procs import run_group
from tests.rust import rusttools

ROOT = stack.ROOT
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _gone(pid: int, timeout: float = 10) -> bool:
    """True once `pid` no longer runs (gone, or a zombie nobody reaped yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def signals() -> Iterator[None]:
    """Put back the signal handlers demo.main installs."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


# --- 1. the wrong binary from the shared target directory ---------------------------


def _fake_cargo(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-cargo"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def _crate(folder: Path, name: str, says: str, mtime: float | None = None) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n'
    )
    main = folder / "src" / "main.rs"
    main.write_text(f'fn main() {{\n    println!("{says}");\n}}\n')
    if mtime is not None:
        for path in (main, folder / "Cargo.toml"):
            os.utime(path, (mtime, mtime))
    return folder


def test_a_cargo_that_builds_nothing_is_not_taken_for_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target's dep-info names another crate's sources and cargo does nothing: the
    namesake's binary must not be copied as this crate's."""
    target = tmp_path / "target"
    (target / "debug").mkdir(parents=True)
    other = _crate(tmp_path / "a", "svc", "A")
    (target / "debug" / "svc").write_text("A's binary")
    (target / "debug" / "svc.d").write_text(f"{target}/debug/svc: {other}/src/main.rs\n")
    ours = _crate(tmp_path / "b", "svc", "B", mtime=time.time() - 86400)
    monkeypatch.setattr(rusttools, "CARGO", str(_fake_cargo(tmp_path, "exit 0")))
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    kept = tmp_path / "kept" / "svc"
    with pytest.raises(rusttools.WrongBinary, match=r"does not name .*b/src/main\.rs"):
        rusttools.build_fresh(ours, kept, "svc", env)
    assert not kept.exists()
    # Before building, the sources of a crate the dep-info does not name were touched.
    assert (ours / "src" / "main.rs").stat().st_mtime > time.time() - 600


def test_the_copy_is_made_while_the_target_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that writes this crate's dep-info is copied, all under the target lock
    (another process's flock of it fails meanwhile)."""
    import fcntl

    target = tmp_path / "target with space"
    ours = _crate(tmp_path / "my crate", "svc", "B")
    escaped = str(ours / "src" / "main.rs").replace(" ", "\\ ")
    debug = str(target / "debug").replace(" ", "\\ ")
    body = (
        f'mkdir -p "{target}/debug" && printf "ours" > "{target}/debug/svc" && '
        f"printf '%s\\n' '{debug}/svc: {escaped}' > \"{target}/debug/svc.d\""
    )
    monkeypatch.setattr(rusttools, "CARGO", str(_fake_cargo(tmp_path, body)))
    seen: list[bool] = []
    real_run = run_group

    def spying(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        with open(target / ".scaffold-tests.lock", "w") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append(False)
            except BlockingIOError:
                seen.append(True)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(rusttools, "run_group", spying)
    kept = tmp_path / "kept"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    proc = rusttools.build_fresh(ours, kept, "svc", env)
    assert proc.returncode == 0, proc.stderr
    assert seen == [True]
    assert kept.read_text() == "ours"


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_two_crates_of_one_name_each_get_their_own_binary(tmp_path: Path) -> None:
    """Crate b's files are older than the last build of crate a (same name, same target
    directory): cargo alone would call b fresh and hand over a's binary."""
    target = tmp_path / "target"
    env = {**rusttools.cargo_env(), "CARGO_TARGET_DIR": str(target), "CARGO_BUILD_JOBS": "1"}
    a = _crate(tmp_path / "a", "svc", "I am A", mtime=time.time() - 86400)
    b = _crate(tmp_path / "b", "svc", "I am B", mtime=time.time() - 86400)
    for crate, says in ((a, "I am A"), (b, "I am B"), (a, "I am A")):
        kept = crate / "kept"
        proc = rusttools.build_fresh(crate, kept, "svc", env)
        assert proc.returncode == 0, proc.stderr
        ran = subprocess.run([str(kept)], capture_output=True, text=True, check=True)
        assert ran.stdout.strip() == says


# --- 2. one build folder per checkout, held while rendering and building -------------


def test_the_build_folder_is_the_checkouts_own() -> None:
    here = e2e_conftest.build_folder(ROOT)
    assert here == e2e_conftest.build_folder(ROOT)
    assert here != e2e_conftest.build_folder(ROOT.parent / "another-checkout")
    assert here.parent.name == "e2e-build"


def test_render_and_build_hold_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one worker renders and builds, another's attempt to hold the folder waits."""
    work = tmp_path / "build"
    probe = textwrap.dedent(f"""
        import fcntl, sys
        with open({str(tmp_path / 'build.lock')!r}, "a") as h:
            try:
                fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                sys.exit(3)
        """)
    held: list[int] = []

    def probing(step: str) -> Any:
        def fake(folder: Path, *_: Any) -> Any:
            held.append(subprocess.run([sys.executable, "-c", probe], check=False).returncode)
            return step

        return fake

    monkeypatch.setattr(e2e_conftest, "render", probing("render"))
    monkeypatch.setattr(e2e_conftest, "build", probing("build"))
    assert e2e_conftest.render_and_build(work) == "build"  # type: ignore[comparison-overlap]
    assert held == [3, 3]  # both steps ran while the lock was held
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def test_a_second_demo_in_the_same_folder_stops_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signals: None
) -> None:
    work = tmp_path / "work"
    first = demo.claim(work, default=False)
    try:
        started = time.monotonic()
        code = demo.main(["--work", str(work)])
        assert time.monotonic() - started < 5
    finally:
        first.close()
    assert code == 2
    err = capsys.readouterr().err
    assert f"another ./demo is running in {work} (pid {os.getpid()})" in err
    assert "wait for it or pass --work" in err


# --- 3. the careless --work ------------------------------------------------------------


def test_a_folder_the_demo_did_not_make_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signals: None
) -> None:
    work = tmp_path / "precious"
    work.mkdir()
    (work / "thesis.tex").write_text("years of work")
    assert demo.main(["--work", str(work)]) == 2
    err = capsys.readouterr().err
    assert str(work) in err and "pass a new or empty folder to --work" in err
    assert sorted(p.name for p in work.iterdir()) == ["thesis.tex"]


def test_an_unusable_work_folder_is_exit_2_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signals: None
) -> None:
    (tmp_path / "file").write_text("x")
    assert demo.main(["--work", str(tmp_path / "file" / "work")]) == 2
    err = capsys.readouterr().err
    assert f"cannot use {tmp_path / 'file' / 'work'}" in err and "Traceback" not in err


def test_an_empty_or_demo_made_folder_is_accepted(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "work"
    demo.claim(fresh, default=False).close()
    assert (fresh / demo.MARKER).is_file()
    (fresh / "front").mkdir()  # what a run leaves
    demo.claim(fresh, default=False).close()  # the marker makes it the demo's


def test_relative_work_is_relative_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(demo.CALLER_CWD, str(tmp_path / "caller"))
    assert demo.work_folder("out") == tmp_path / "caller" / "out"
    assert demo.work_folder(str(tmp_path / "abs")) == tmp_path / "abs"
    assert demo.work_folder(None) == ROOT / ".demo"


@pytest.mark.skipif(
    shutil.which("go") is None or shutil.which("cargo") is None, reason="./demo needs Go, Rust"
)
def test_the_wrapper_resolves_work_where_it_was_called(tmp_path: Path) -> None:
    """./demo changes to the repository root; --work data must still mean the caller's
    data/ (here not empty and not the demo's, so refused before anything is written)."""
    caller = tmp_path / "caller"
    (caller / "data").mkdir(parents=True)
    (caller / "data" / "keep.txt").write_text("mine")
    proc = subprocess.run(
        [str(ROOT / "demo"), "--work", "data"],
        cwd=caller,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert str(caller / "data") in proc.stderr
    assert sorted(p.name for p in (caller / "data").iterdir()) == ["keep.txt"]
    assert not (ROOT / "data").exists()


# --- 4. signals ------------------------------------------------------------------------


def test_an_interrupted_build_leaves_no_process(tmp_path: Path) -> None:
    """A build whose compiler has children of its own: a timeout (as any interruption)
    stops the whole group."""
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open({str(pids)!r}, "w").write(f"{{child.pid}}\\n")
        time.sleep(120)
        """)
    with pytest.raises(subprocess.TimeoutExpired):
        run_group([sys.executable, "-c", script], timeout=3)
    grandchild = int(pids.read_text())
    assert _gone(grandchild), "the build's own child outlived the interruption"


def test_the_demos_build_step_is_one_group_stopped_on_a_signal(tmp_path: Path) -> None:
    """The same through stack._run and KeyboardInterrupt (what SIGTERM becomes in the demo)."""
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, signal, subprocess, sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from tests.e2e import stack
        def interrupt():
            while not os.path.exists({str(pids)!r}):
                time.sleep(0.05)
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=interrupt, daemon=True).start()
        inner = "import subprocess, sys, time; c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); open({str(pids)!r}, 'w').write(str(c.pid)); time.sleep(120)"
        try:
            stack._run([sys.executable, "-c", inner], Path({str(tmp_path)!r}))
        except KeyboardInterrupt:
            print("interrupted")
        """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert "interrupted" in proc.stdout, proc.stderr
    assert _gone(int(pids.read_text()))


def _slow_to_stop() -> list[str]:
    """A stand-in service that takes a second to exit on SIGTERM."""
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    return [sys.executable, "-c", code]


def _wait_ready(log: Path) -> None:
    deadline = time.monotonic() + 20
    while "ready" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the stand-in did not start"
        time.sleep(0.05)


def test_a_second_signal_does_not_abort_cleanup(tmp_path: Path) -> None:
    """Ctrl-C while Stack.close waits for the first process: every process is still
    stopped, then the interruption is delivered."""
    running = stack.Stack(tmp_path)
    procs = []
    for name in ("a", "b", "c"):
        log = tmp_path / f"{name}.log"
        procs.append(running.spawn(_slow_to_stop(), log, dict(os.environ)))
        _wait_ready(log)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            running.close()
        left = [p.pid for p in procs if p.poll() is None]
    finally:
        timer.cancel()
        for proc in procs:  # if the test fails: stop what it started
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert left == [], "Stack.close stopped short of these"


def test_services_die_with_the_process_that_started_them(tmp_path: Path) -> None:
    """The parent (a stand-in for pytest or the demo) is killed outright, with no chance
    to stop anything: its services go too."""
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from tests.e2e.stack import Stack
        running = Stack(Path({str(tmp_path)!r}))
        child = running.spawn({SLEEPER!r}, Path({str(tmp_path / 'child.log')!r}), dict(os.environ))
        print(child.pid, flush=True)
        time.sleep(120)
        """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert "sleep(120)" in Path(f"/proc/{child}/cmdline").read_text()
    finally:
        parent.kill()
        parent.wait()
    assert _gone(child), "the service outlived the process that started it"


# --- 5. no proxy for loopback ------------------------------------------------------------


class _Recorder:
    """A listener standing in for a proxy: records what arrives, answers 502."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.got: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.got.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.0 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Recorder]:
    recorder = _Recorder()
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{recorder.port}")
    yield recorder
    recorder.sock.close()


def test_loopback_requests_bypass_a_proxy(proxied: _Recorder) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = stack.get(
            f"http://127.0.0.1:{server.server_port}/orders/7",
            {"X-User-Email": EMAIL, "X-Session-Token": SESSION_TOKEN},
            timeout=5,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 200 and answer.body == "ok"
    assert proxied.got == []


def _standin_server(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A child process serving 200 on a loopback port it picks (printed to a file)."""
    port_file = tmp_path / "port"
    code = textwrap.dedent(f"""
        from http.server import BaseHTTPRequestHandler, HTTPServer
        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
            def log_message(self, *a): pass
        s = HTTPServer(("127.0.0.1", 0), H)
        open({str(port_file)!r} + ".tmp", "w").write(str(s.server_port))
        import os; os.replace({str(port_file)!r} + ".tmp", {str(port_file)!r})
        s.serve_forever()
        """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not port_file.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def test_the_health_check_bypasses_a_proxy(tmp_path: Path, proxied: _Recorder) -> None:
    proc, port = _standin_server(tmp_path)
    try:
        stack._wait_healthy({"health": port}, proc, tmp_path / "log")
    finally:
        proc.kill()
        proc.wait()
    assert proxied.got == []


def test_no_child_gets_a_proxy_variable(proxied: _Recorder) -> None:
    for env in (stack.collector_env(), stack.service_env("http://127.0.0.1:1")):
        assert not {k for k in env if k.lower().endswith("_proxy")}, env


# --- 6. a squatter on the collector's ports ---------------------------------------------


def test_a_squatter_on_the_health_port_is_not_the_collector(tmp_path: Path) -> None:
    """The collector (a stand-in that never listens) lost its ports to a local squatter
    that answers 200: the run stops with the port named."""
    squatter = HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    standin = subprocess.Popen(SLEEPER)
    log = tmp_path / "collector.log"
    log.write_text("listen tcp 127.0.0.1: bind: address already in use\n")
    port = squatter.server_port
    try:
        with pytest.raises(RuntimeError, match=rf"could not bind 127\.0\.0\.1:{port}.*run again"):
            stack._wait_healthy({"health": port}, standin, log)
    finally:
        squatter.shutdown()
        squatter.server_close()
        standin.kill()
        standin.wait()


def test_ports_the_process_holds_are_its_own(tmp_path: Path) -> None:
    proc, port = _standin_server(tmp_path)
    other = socket.create_server(("127.0.0.1", 0))
    try:
        stack.check_own_ports(proc, {"health": port})
        with pytest.raises(RuntimeError, match=f"127.0.0.1:{other.getsockname()[1]}"):
            stack.check_own_ports(proc, {"http": other.getsockname()[1]})
    finally:
        other.close()
        proc.kill()
        proc.wait()
    with pytest.raises(RuntimeError, match="exited"):
        stack.check_own_ports(proc, {"health": port})


# --- 7. failures are messages, not tracebacks ----------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),
        urllib.error.URLError("connection refused"),
        FileNotFoundError(2, "No such file or directory", "go"),
        OSError(28, "No space left on device"),
        json.JSONDecodeError("Expecting value", "{", 1),
        subprocess.TimeoutExpired(["cargo", "build"], 3600),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failure_is_one_line_and_exit_1(
    error: BaseException,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signals: None,
) -> None:
    def failing(*_: Any) -> None:
        raise error

    monkeypatch.setattr(demo, "render", failing)
    assert demo.main(["--work", str(tmp_path / "work")]) == 1
    out = capsys.readouterr()
    assert "the demo failed: " in out.out
    assert "Traceback" not in out.out + out.err


def test_a_request_without_an_answer_is_a_clear_error() -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/orders/42/call"
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=r"no answer within 1 s"):
            scenario.ask(url, {}, timeout=1)
        assert time.monotonic() - started < 10
    finally:
        silent.close()


# --- 8. the exit code tells a leak or a broken trace --------------------------------------


def _span(service: str, kind: int, span_id: str, parent: str, trace: str = "t1") -> Span:
    return Span(service, trace, span_id, parent, "GET", kind, 1, 2, 0, {})


def _whole(trace: str) -> list[Span]:
    return [
        _span("front", 2, f"{trace}-fs", "", trace),
        _span("front", 3, f"{trace}-fc", f"{trace}-fs", trace),
        _span("back", 2, f"{trace}-bs", f"{trace}-fc", trace),
        _span("back", 3, f"{trace}-bc", f"{trace}-bs", trace),
        _span("hop", 2, f"{trace}-hs", f"{trace}-bc", trace),
    ]


def _outcome(tmp_path: Path, by_request: dict[str, list[Span]], export: str = "{}\n") -> Outcome:
    (tmp_path / "export.json").write_text(export)
    services = {}
    for name in ("front", "back", "hop"):
        log = tmp_path / f"{name}.log"
        log.write_text('{"msg": "listening"}\n')
        services[name] = Service(name, None, "127.0.0.1:1", log)  # type: ignore[arg-type]
    (tmp_path / "collector.log").write_text("Everything is ready.\n")
    answers = [(r, Answer(r.expect, "", 0.01)) for r in REQUESTS]
    verify = subprocess.CompletedProcess(["verify"], 0, "verdict: ok\n", "")
    return Outcome(
        addresses={},
        answers=answers,
        export=tmp_path / "export.json",
        spans=[s for spans in by_request.values() for s in spans],
        by_request=by_request,
        services=services,
        shutdown_seconds={},
        verify=verify,
        collector_log=tmp_path / "collector.log",
    )


def _clean(tmp_path: Path) -> Outcome:
    return _outcome(tmp_path, {r.path: _whole(f"t{i}") for i, r in enumerate(REQUESTS)})


def test_a_clean_run_is_well(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scenario.problems(_clean(tmp_path)) == []
    assert demo.report(_clean(tmp_path)) is True


@pytest.mark.parametrize("where", ["export.json", "front.log", "hop.log", "collector.log"])
@pytest.mark.parametrize("value", [EMAIL, SESSION_TOKEN])
def test_a_plain_personal_value_anywhere_fails_the_run(
    where: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = _clean(tmp_path)
    with open(tmp_path / where, "a") as handle:
        handle.write(f'{{"user": "{value}"}}\n')
    assert demo.report(outcome) is False
    assert any(value in p and where in p for p in scenario.problems(outcome))


def test_a_sixth_span_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = _clean(tmp_path)
    path = REQUESTS[0].path
    outcome.by_request[path] = [*outcome.by_request[path], _span("hop", 3, "x", "t0-hs", "t0")]
    assert demo.report(outcome) is False


def test_a_server_span_under_the_wrong_parent_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = _clean(tmp_path)
    path = REQUESTS[1].path
    spans = outcome.by_request[path]
    # The hop's server span parented by the back's server span, not its client span.
    spans[4] = _span("hop", 2, "t1-hs", "t1-bs")
    assert demo.report(outcome) is False
    assert any("hop" in p for p in scenario.problems(outcome))


# --- 9. no write through a link ----------------------------------------------------------


def test_mirror_never_writes_through_a_link(tmp_path: Path) -> None:
    source = tmp_path / "render" / "front"
    (source / "internal").mkdir(parents=True)
    (source / "main.go").write_text("package main\n")
    (source / "internal" / "x.go").write_text("package internal\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the demo's")
    dest = tmp_path / "work" / "front"
    dest.mkdir(parents=True)
    (dest / "main.go").symlink_to(outside)
    with pytest.raises(RuntimeError, match=r"main\.go is a symbolic link"):
        stack.mirror(source, dest)
    assert outside.read_text() == "not the demo's"
    (dest / "main.go").unlink()
    (dest / "internal").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(RuntimeError, match=r"internal is a symbolic link"):
        stack.mirror(source, dest)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_mirror_writes_and_removes_as_before(tmp_path: Path) -> None:
    source = tmp_path / "render" / "back"
    (source / "src").mkdir(parents=True)
    (source / "src" / "main.rs").write_text("fn main() {}\n")
    dest = tmp_path / "work" / "back"
    (dest / "src").mkdir(parents=True)
    (dest / "src" / "stale.rs").write_text("old")
    (dest / "bin").mkdir()
    (dest / "bin" / "back").write_text("built")
    stack.mirror(source, dest)
    before = (dest / "src" / "main.rs").stat().st_mtime_ns
    assert (dest / "src" / "main.rs").read_text() == "fn main() {}\n"
    assert not (dest / "src" / "stale.rs").exists()
    assert (dest / "bin" / "back").read_text() == "built"
    stack.mirror(source, dest)  # unchanged bytes: untouched
    assert (dest / "src" / "main.rs").stat().st_mtime_ns == before


def test_a_link_as_the_work_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "work").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(demo.Refused, match="symbolic link"):
        demo.claim(tmp_path / "work", default=False)
    (tmp_path / "w2").mkdir()
    (tmp_path / "w2" / "run").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(RuntimeError, match=r"w2/run is a symbolic link"):
        stack.refuse_symlinks(tmp_path / "w2")


# --- 10. the collector is built for this machine ------------------------------------------


@pytest.mark.skipif(shutil.which("go") is None, reason="needs go")
def test_the_collector_build_is_native(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pipeline import otelcol

    _, goos, goarch = otelcol.go_host()
    for name, value in (
        ("GOOS", "windows"),
        ("GOARCH", "arm"),
        ("CGO_ENABLED", "0"),
        ("GOFLAGS", "-race"),
        ("GOAMD64", "v4"),
    ):
        monkeypatch.setenv(name, value)
    env = otelcol._go_env()
    assert (env["GOOS"], env["GOARCH"]) == (goos, goarch) != ("windows", "arm")
    assert "CGO_ENABLED" not in env and "GOAMD64" not in env
    assert env["GOFLAGS"] == "-mod=mod -buildvcs=false"
    key = otelcol.manifest_key("dist: {}\n")
    monkeypatch.setattr(otelcol, "go_host", lambda: ("go0.0.1", "linux", "amd64"))
    assert otelcol.manifest_key("dist: {}\n") != key  # the Go version is in the key
