"""Grafana's own published dashboard types as a checker: tests/pipeline/dashcheck is a
small Go program that strictly decodes dashboard JSON with grafana-foundation-sdk (the
version its go.mod pins) and validates it.

It is built once per source hash into the CI cache (~/.cache/scaffold-ci/, or
$SCAFFOLD_CI_CACHE); its module download goes to a module cache there too, so a second
run needs no network.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.pipeline.otelcol import GO, _locked, cache_root

SOURCE = Path(__file__).parent / "dashcheck"
FILES = ("go.mod", "go.sum", "main.go")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOMODCACHE"] = str(cache_root().parent / "gomod")
    # go.sum is committed: nothing outside it is downloaded or trusted.
    env["GOFLAGS"] = "-mod=readonly -buildvcs=false"
    env["GOWORK"] = "off"
    env.setdefault("GOTOOLCHAIN", "local")
    return env


def dashcheck_binary() -> Path:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((SOURCE / name).read_bytes())
    root = cache_root().parent / "dashcheck"
    binary = root / digest.hexdigest()[:16] / "dashcheck"
    with _locked(root):
        if not binary.is_file():
            assert GO is not None
            binary.parent.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                [GO, "build", "-o", str(binary), "."],
                cwd=SOURCE,
                env=_env(),
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert proc.returncode == 0, f"building dashcheck failed:\n{proc.stderr[-4000:]}"
    return binary


def dashcheck(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run the checker on dashboard files: exit 0 when every one decodes and validates."""
    return subprocess.run(
        [str(dashcheck_binary()), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
