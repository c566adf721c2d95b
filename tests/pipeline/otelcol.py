"""Build an OpenTelemetry Collector from a rendered builder manifest, once, and run it.

The Collector Builder is installed with `go install` at the pinned version and the built
collector is cached under ~/.cache/scaffold-ci/otelcol/ (or $SCAFFOLD_CI_CACHE), keyed
by a hash of the manifest, the replaces and the Go version: a second run, or a second test with the same manifest, reuses
the binary. Module downloads are allowed for this build only (GOFLAGS=-mod=mod). The
build is always native: the caller's GOOS, GOARCH, CGO_ENABLED, GOFLAGS and the like are
left out, so a cached binary always runs here. The build runs in a process group of its
own, stopped whole when the caller is interrupted.

$SCAFFOLD_OTELCOL_REPLACES adds `replaces` lines to the build (`;`-separated
`module => module version`). Its default pins one AWS SDK module of the load-balancing
exporter's Cloud Map resolver to a release the module proxy of this test machine serves;
set it to an empty string where the proxy serves every version.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.targets.collector import HMAC_KEY_ENV
from scaffold.targets.collector_components import COLLECTOR_VERSION
from tests.procs import run_group

GO = shutil.which("go")
needs_go = pytest.mark.skipif(GO is None, reason="the Go toolchain is not installed")
DEFAULT_REPLACES = (
    "github.com/aws/aws-sdk-go-v2/service/servicediscovery => "
    "github.com/aws/aws-sdk-go-v2/service/servicediscovery v1.40.2"
)


def cache_root() -> Path:
    base = os.environ.get("SCAFFOLD_CI_CACHE") or str(Path.home() / ".cache" / "scaffold-ci")
    return Path(base) / "otelcol"


def _replaces() -> list[str]:
    raw = os.environ.get("SCAFFOLD_OTELCOL_REPLACES", DEFAULT_REPLACES)
    return [r.strip() for r in raw.split(";") if r.strip()]


# What would make the build something other than a binary for this machine.
_NOT_NATIVE = (
    "GOOS",
    "GOARCH",
    "GOARM",
    "GOARM64",
    "GOAMD64",
    "GO386",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
    "CGO_ENABLED",
    "GOEXPERIMENT",
    "GOFLAGS",
)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_NATIVE}
    env.setdefault("GOTOOLCHAIN", "local")
    return env


@functools.cache
def go_host() -> tuple[str, str, str]:
    """(version, OS, architecture) of the Go toolchain on PATH, for this machine."""
    assert GO is not None, "go is not on PATH"
    proc = subprocess.run(
        [GO, "env", "GOVERSION", "GOHOSTOS", "GOHOSTARCH"],
        env=_base_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"go env failed:\n{proc.stderr}"
    version, goos, goarch = proc.stdout.split()
    return version, goos, goarch


def _go_env() -> dict[str, str]:
    """The environment of the collector's build: native (GOOS and GOARCH of this machine,
    even over a go env file), modules downloadable."""
    env = _base_env()
    _, env["GOOS"], env["GOARCH"] = go_host()
    env["GOFLAGS"] = "-mod=mod -buildvcs=false"
    env.setdefault("GOTOOLCHAIN", "local")
    env["GOWORK"] = "off"
    return env


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def builder_binary() -> Path:
    """The Collector Builder at the pinned version, installed once."""
    folder = cache_root() / f"builder-v{COLLECTOR_VERSION}"
    binary = folder / "builder"
    if not binary.is_file():
        assert GO is not None
        proc = run_group(
            [GO, "install", f"go.opentelemetry.io/collector/cmd/builder@v{COLLECTOR_VERSION}"],
            env={**_go_env(), "GOBIN": str(folder)},
            timeout=900,
        )
        assert proc.returncode == 0, f"installing the builder failed:\n{proc.stderr}"
    return binary


def manifest_key(manifest: str) -> str:
    """The cache key of a build: the manifest, the replaces and the Go version (the
    build is native, so the machine's platform is the rest of it)."""
    extra = "\n".join(_replaces())
    text = f"{manifest}\n{extra}\n{' '.join(go_host())}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def collector_binary(manifest: str) -> Path:
    """The collector the builder makes from `manifest` (the rendered text), built once."""
    root = cache_root()
    key = manifest_key(manifest)
    binary = root / f"otelcol-{key}" / "otelcol"
    with _locked(root):
        if binary.is_file():
            return binary
        work = root / f"build-{key}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        data: dict[str, Any] = yaml.safe_load(manifest)
        data["dist"]["name"] = "otelcol"
        data["dist"]["output_path"] = str(work / "dist")
        if _replaces():
            data["replaces"] = _replaces()
        (work / "builder-config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        started = time.monotonic()
        proc = run_group(
            [str(builder_binary()), "--config", str(work / "builder-config.yaml")],
            cwd=work,
            env=_go_env(),
            timeout=3600,
        )
        assert proc.returncode == 0, f"the collector build failed:\n{proc.stderr[-6000:]}"
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work / "dist" / "otelcol"), binary)
        (binary.parent / "build.json").write_text(
            json.dumps({"seconds": round(time.monotonic() - started, 1), "manifest": manifest})
        )
        shutil.rmtree(work, ignore_errors=True)
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _closed_endpoint(kind: str) -> str:
    """A loopback address nothing listens on, in the form an exporter type takes."""
    port = free_port()
    if kind == "prometheus_remote_write":
        return f"http://127.0.0.1:{port}/api/v1/write"
    return f"http://127.0.0.1:{port}" if kind in ("otlp_http", "zipkin") else f"127.0.0.1:{port}"


def loopback_override(
    cfg: dict[str, Any], folder: Path, name: str, keep: tuple[str, ...] = ()
) -> tuple[Path, dict[str, int]]:
    """A second config file for a rendered config `cfg`: every listener on a free loopback
    port, every backend exporter (except those in `keep`) pointed at a closed loopback
    port, and the queue in `folder`. The collector merges it over the rendered one."""
    ports = {k: free_port() for k in ("grpc", "http", "health", "metrics", "zpages")}
    extensions: dict[str, Any] = {"health_check": {"endpoint": f"127.0.0.1:{ports['health']}"}}
    if "zpages" in cfg["extensions"]:
        extensions["zpages"] = {"endpoint": f"127.0.0.1:{ports['zpages']}"}
    if "file_storage/queue" in cfg["extensions"]:
        extensions["file_storage/queue"] = {"directory": str(folder / f"{name}-queue")}
    exporters: dict[str, Any] = {}
    for key, value in cfg["exporters"].items():
        if not isinstance(value, dict) or key in keep:
            continue
        closed = _closed_endpoint(key.split("/")[0])
        if "endpoint" in value:
            exporters[key] = {"endpoint": closed}
        elif "endpoint" in (value.get("http") or {}):
            exporters[key] = {"http": {"endpoint": closed}}
        if "wal" in value:
            wal = {"directory": str(folder / f"{name}-wal-{len(exporters)}")}
            exporters.setdefault(key, {})["wal"] = wal
    data: dict[str, Any] = {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"127.0.0.1:{ports['grpc']}"},
                    "http": {"endpoint": f"127.0.0.1:{ports['http']}"},
                }
            }
        },
        "extensions": extensions,
        "exporters": exporters,
        "service": {
            "telemetry": {
                "metrics": {
                    "readers": [
                        {
                            "pull": {
                                "exporter": {
                                    "prometheus": {"host": "127.0.0.1", "port": ports["metrics"]}
                                }
                            }
                        }
                    ]
                }
            }
        },
    }
    path = folder / f"{name}-loopback.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, ports


# The key of the collector's keyed hash in the tests (the configs read it from the
# environment; the collector refuses a key under 32 bytes).
TEST_HMAC_KEY = "scaffold-test-hmac-key-0123456789abcdef"


def collector_env() -> dict[str, str]:
    return {**os.environ, HMAC_KEY_ENV: TEST_HMAC_KEY}


def start(binary: Path, configs: list[Path], log: Path) -> subprocess.Popen[bytes]:
    args = [str(binary)]
    for config in configs:
        args += ["--config", str(config)]
    with open(log, "wb") as handle:
        return subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=collector_env())


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the collector exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the collector did not become healthy in time")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a collector this test started, by its pid."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
