"""The end-to-end stack: a Go front, a Rust back and a Go hop rendered by `scaffold new`
from the bundled conventions, a collector built from the rendered builder manifest, all
started on loopback. Used by ./demo (tests/e2e/demo.py) and by the tests in this folder.

Nothing here prints: progress goes to the `progress` callable a caller passes.
Every process started is recorded in the Stack and stopped by its pid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.pipeline.otelcol import collector_binary, loopback_override
from tests.procs import dies_with_parent, held_signals, no_proxy_env, run_group
from tests.rust.rusttools import build_fresh

ROOT = Path(__file__).resolve().parents[2]
CONVENTIONS = ROOT / "conventions" / "observability.yaml"
SERVICES = Path(__file__).resolve().parent / "services"
Progress = Callable[[str], None]

# The keys the services and the collector hash with (demo values, not secrets).
HASH_KEY = "demo-service-hash-key"
COLLECTOR_HMAC_KEY = "demo-collector-hmac-key-0123456789abcdef"
ADMIN_TOKEN = "demo-admin-token"


def quiet(_: str) -> None:
    pass


def cargo_target_dir() -> Path:
    default = Path.home() / ".cache" / "scaffold-ci" / "cargo-target"
    return Path(os.environ.get("SCAFFOLD_CARGO_TARGET_DIR", str(default)))


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    """Run a build step in its own process group (stopped whole if this is interrupted)."""
    proc = run_group(args, cwd=cwd, env=env, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} (in {cwd}) failed with {proc.returncode}:\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
        )


def scaffold(*args: str, cwd: Path = ROOT) -> None:
    """Run the scaffold CLI of this checkout."""
    _run([sys.executable, "-m", "scaffold", *args], cwd)


@dataclass(frozen=True)
class Built:
    """The binaries of the three services and the collector, and its config files."""

    front: Path
    back: Path
    hop: Path
    collector: Path
    collector_config: Path


def render(work: Path, progress: Progress = quiet) -> None:
    """Render the services (with the demo's handlers) and the single-topology collector,
    then mirror them into `work`: files whose bytes did not change keep their timestamps,
    so a second run's builds find nothing to do."""
    refuse_symlinks(work)
    fresh = work / ".render"
    shutil.rmtree(fresh, ignore_errors=True)
    for name, lang in (("front", "go"), ("back", "rust"), ("hop", "go")):
        progress(f"rendering {name} ({lang}) with scaffold new")
        scaffold("new", name, "--lang", lang, "--dir", str(fresh / name))
        # The demo's handlers, written over the user-owned handler files.
        if lang == "go":
            shutil.copyfile(SERVICES / "handlers.go", fresh / name / "handlers.go")
        else:
            shutil.copyfile(SERVICES / "routes.rs", fresh / name / "src" / "routes.rs")
    progress("rendering the collector (single topology) with scaffold collector")
    scaffold(
        "collector",
        "--topology",
        "single",
        "--out",
        str(fresh / "collector"),
        "--file-export",
        str(work / "run" / "collector" / "export.json"),
    )
    for name in ("front", "back", "hop", "collector"):
        mirror(fresh / name, work / name)
    shutil.rmtree(fresh)


_BUILT = ("bin", "target", "Cargo.lock")


def refuse_symlinks(folder: Path) -> None:
    """Raise when `folder` is a symbolic link or holds one anywhere (links are never
    followed, so a write can never land outside the work folder)."""
    if folder.is_symlink():
        raise RuntimeError(f"{folder} is a symbolic link; the demo does not write through links")
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(top) / name
            if path.is_symlink():
                raise RuntimeError(
                    f"{path} is a symbolic link inside the work folder; the demo never "
                    "writes through links: remove it (or pick another --work folder)"
                )


def _mkdirs(root: Path, rel: Path) -> None:
    """Create root/rel's folders one by one, refusing a symbolic link on the way."""
    path = root
    for part in rel.parts:
        path = path / part
        if path.is_symlink():
            raise RuntimeError(f"{path} is a symbolic link; the demo does not write through links")
        if not path.is_dir():
            path.mkdir()


def write_new(path: Path, data: bytes) -> None:
    """Replace the file at `path` with `data` without following a link at `path`: the
    bytes go to a fresh file (O_EXCL, O_NOFOLLOW) renamed over it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(partial, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def mirror(source: Path, dest: Path) -> None:
    """Make `dest` a copy of `source`, writing only files whose bytes differ (so the
    toolchains see unchanged sources as unchanged) and removing files `source` lacks.
    What the builds made (bin/, target/, the Cargo.lock cargo wrote) is kept. A symbolic
    link in `dest` is an error, never followed."""
    refuse_symlinks(dest.parent)
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        src, dst = source / rel, dest / rel
        _mkdirs(dest.parent, Path(dest.name) / rel.parent)
        if dst.is_symlink():
            raise RuntimeError(f"{dst} is a symbolic link; the demo does not write through links")
        data = src.read_bytes()
        if not dst.is_file() or dst.read_bytes() != data:
            write_new(dst, data)
            os.chmod(dst, stat.S_IMODE(src.stat().st_mode))
    if dest.exists():
        for path in dest.rglob("*"):
            rel = path.relative_to(dest)
            if path.is_file() and rel not in wanted and rel.parts[0] not in _BUILT:
                path.unlink()


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOFLAGS"] = "-mod=readonly -buildvcs=false"
    env.setdefault("GOTOOLCHAIN", "local")
    env["GOWORK"] = "off"
    return env


def build(work: Path, progress: Progress = quiet) -> Built:
    """Build the three services and the collector (each toolchain reuses its caches)."""
    go = shutil.which("go")
    cargo = shutil.which("cargo")
    if go is None or cargo is None:
        raise RuntimeError("the demo needs Go and Rust (cargo) on PATH")
    for name in ("front", "hop"):
        progress(f"building {name} with go build")
        _run([go, "build", "-o", "bin/service", "."], work / name, _go_env())
    progress(f"building back with cargo build (dependencies cached in {cargo_target_dir()})")
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir()), "CARGO_TERM_COLOR": "never"}
    # A copy of its own, made while the shared target directory is held: its debug/back
    # is whichever "back" crate was built last (the demo's, a test's).
    back = work / "back" / "bin" / "back"
    proc = build_fresh(work / "back", back, "back", env)
    if proc.returncode != 0:
        raise RuntimeError(
            f"cargo build (in {work / 'back'}) failed with {proc.returncode}:\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
        )
    manifest = (work / "collector" / "builder-config.yaml").read_text()
    progress("building the collector from builder-config.yaml (cached by its hash)")
    try:
        collector = collector_binary(manifest)
    except AssertionError as exc:
        raise RuntimeError(str(exc)) from exc
    return Built(
        front=work / "front" / "bin" / "service",
        back=back,
        hop=work / "hop" / "bin" / "service",
        collector=collector,
        collector_config=work / "collector" / "otelcol-single.yaml",
    )


@dataclass
class Collector:
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]
    export: Path
    log: Path

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}"


@dataclass
class Service:
    name: str
    proc: subprocess.Popen[bytes]
    address: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON lines the service wrote (stdout and stderr)."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out


def demo_overrides(folder: Path, export: Path, decision_wait: str = "1s") -> Path:
    """The demo's own settings over the rendered config: the file exporter's path, and a
    tail sampler that keeps every trace after a short wait (the conventions keep errors,
    slow traces and 5 % of the rest: too few to show three requests)."""
    data = {
        "exporters": {"file/test": {"path": str(export)}},
        "processors": {
            "tail_sampling": {
                "decision_wait": decision_wait,
                "policies": [{"name": "demo-keep-all", "type": "always_sample"}],
            }
        },
    }
    path = folder / "demo-overrides.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def service_env(otlp_endpoint: str, **extra: str) -> dict[str, str]:
    """A clean environment: the base variables of tests/behaviour/README.md, development
    (sampling ratio 1.0), OTLP/HTTP to `otlp_endpoint` and a short batch delay."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LISTEN_ADDR": "127.0.0.1:0",
        "ADMIN_ADDR": "127.0.0.1:0",
        "DEPLOYMENT_ENVIRONMENT": "development",
        "ACME_TEAM": "demo",
        "SERVICE_VERSION": "0.1.0",
        "ACME_TELEMETRY_HASH_KEY": HASH_KEY,
        "ACME_TELEMETRY_ADMIN_TOKEN": ADMIN_TOKEN,
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "RUST_LOG": "info",
    }
    env.update(extra)
    return env


def collector_env() -> dict[str, str]:
    """The collector's environment: this one without proxy variables (it sends only to
    loopback), and the redaction processor's key."""
    return {**no_proxy_env(), "OTELCOL_REDACTION_HMAC_KEY": COLLECTOR_HMAC_KEY}


@dataclass
class Stack:
    """Processes started for one run; `close` stops every one of them by its pid."""

    work: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every process, uninterruptibly: SIGINT, SIGTERM and SIGHUP that arrive
        meanwhile are held and delivered once all are stopped."""
        with held_signals():
            for proc in reversed(self.procs):
                stop(proc)

    def spawn(self, args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start a process in a session of its own (a Ctrl-C meant for the caller does not
        reach it first), recorded for `close`, and SIGTERMed by Linux if the caller dies
        without closing."""
        log.parent.mkdir(parents=True, exist_ok=True)
        if log.is_symlink():
            raise RuntimeError(f"{log} is a symbolic link; the demo does not write through links")
        with open(log, "ab") as handle:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=dies_with_parent(),
            )
        self.procs.append(proc)
        return proc

    def collector(
        self, built: Built, name: str = "collector", ports: dict[str, int] | None = None
    ) -> Collector:
        """Start the collector on loopback (on `ports` again when given: a restart)."""
        folder = self.work / "run" / name
        if ports is None:  # a fresh start: nothing left from an earlier run
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        export = folder / "export.json"
        config = built.collector_config
        cfg = yaml.safe_load(config.read_text())
        override = folder / f"{name}-loopback.yaml"
        if ports is None:
            override, ports = loopback_override(cfg, folder, name)
        demo = demo_overrides(folder, export)
        env = collector_env()
        args = [str(built.collector)]
        for path in (config, override, demo):
            args += ["--config", str(path)]
        log = folder / f"{name}.log"
        proc = self.spawn(args, log, env)
        _wait_healthy(ports, proc, log)
        return Collector(proc, ports, export, log)

    def service(self, name: str, binary: Path, env: dict[str, str]) -> Service:
        """Start a service; its address comes from its own "listening" log line."""
        log = self.work / "run" / "logs" / f"{name}.log"
        if log.exists():
            log.unlink()
        proc = self.spawn([str(binary)], log, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for record in Service(name, proc, "", log).log_records():
                if record.get("msg", record.get("message")) == "listening":
                    address = str(record.get("addr") or record.get("address"))
                    return Service(name, proc, address, log)
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start listening:\n{log.read_text()[-3000:]}")


# Loopback requests never go through a proxy, whatever http_proxy says.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))

COLLECTOR_PORTS = ("grpc", "http", "health")


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening on 127.0.0.1 (or any address) at `port`."""
    out: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                out.add(fields[9])
    return out


def _socket_inodes(pid: int) -> set[str]:
    out: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[len("socket:[") : -1])
    return out


def check_own_ports(proc: subprocess.Popen[bytes], ports: dict[str, int]) -> None:
    """Raise unless `proc` is alive and is what listens on each of `ports` (Linux: the
    listening socket's inode in /proc/net/tcp{,6} is among the process's descriptors):
    free_port() only found a port free a moment ago; another process may hold it now."""
    if proc.poll() is not None:
        raise RuntimeError(f"the collector exited with {proc.returncode}")
    if not Path("/proc/net/tcp").exists():
        return  # not Linux: the health check and the process being alive must do
    own = _socket_inodes(proc.pid)
    for name, port in ports.items():
        listeners = _listening_inodes(port)
        if not listeners & own:
            raise RuntimeError(
                f"the collector could not bind 127.0.0.1:{port} ({name}): another process "
                "holds it; run again"
            )
    if proc.poll() is not None:
        raise RuntimeError(f"the collector exited with {proc.returncode}")


def _wait_healthy(ports: dict[str, int], proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for the collector's health check to answer 200, then make sure the answer,
    and the OTLP ports, are the collector's own."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the collector exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with _LOOPBACK.open(f"http://127.0.0.1:{ports['health']}/", timeout=1) as resp:
                healthy = resp.status == 200
        except OSError:
            healthy = False
        if healthy:
            try:
                check_own_ports(proc, {k: ports[k] for k in COLLECTOR_PORTS if k in ports})
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}\n{log.read_text()[-3000:]}") from None
            return
        time.sleep(0.2)
    raise RuntimeError("the collector did not become healthy within 60 s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> float:
    """SIGTERM a process this run started (by pid), SIGKILL after `timeout`; the
    seconds it took to exit."""
    started = time.monotonic()
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return time.monotonic() - started


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    seconds: float
    sent_ns: int = 0  # wall clock, to find the request's server span
    done_ns: int = 0


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    """One GET; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, headers=headers or {})
    sent = time.time_ns()
    started = time.monotonic()
    try:
        with _LOOPBACK.open(request, timeout=timeout) as resp:
            status, body = resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode(errors="replace")
    return Answer(status, body, time.monotonic() - started, sent, time.time_ns())


# --- what the collector exported -----------------------------------------------------


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    start: int
    end: int
    status: int
    attributes: dict[str, Any]

    @property
    def millis(self) -> float:
        return (self.end - self.start) / 1e6


def _value(v: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])
    return v


def export_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of a file exporter's output (a last line without its newline
    is still being written)."""
    if not path.exists():
        return
    for line in path.read_text().split("\n")[:-1]:
        if line.strip():
            yield json.loads(line)


def exported_spans(path: Path) -> list[Span]:
    out = []
    for line in export_lines(path):
        for rs in line.get("resourceSpans", []):
            resource = {a["key"]: _value(a["value"]) for a in rs["resource"].get("attributes", [])}
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    out.append(
                        Span(
                            service=str(resource.get("service.name", "")),
                            trace_id=s["traceId"],
                            span_id=s["spanId"],
                            parent_id=s.get("parentSpanId", ""),
                            name=s["name"],
                            kind=int(s.get("kind", 0)),
                            start=int(s["startTimeUnixNano"]),
                            end=int(s["endTimeUnixNano"]),
                            status=int(s.get("status", {}).get("code", 0)),
                            attributes={
                                a["key"]: _value(a["value"]) for a in s.get("attributes", [])
                            },
                        )
                    )
    return out


def traces(spans: list[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for span in spans:
        out.setdefault(span.trace_id, []).append(span)
    return out


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
