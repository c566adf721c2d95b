"""`scaffold collector`, `scaffold alerts`, `scaffold dashboards`: render a pipeline target
from the conventions and write it into one folder, all at once.

Every file of these targets is generated; a file whose content would not change is left
alone, and nothing is written outside the output folder (the render engine refuses any
path that leaves it, and the atomic writer applies the set all or nothing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.conventions import load
from scaffold.errors import UsageError
from scaffold.render import Rendered, RenderOptions
from scaffold.sync.atomic import Op, Write, apply_ops
from scaffold.targets.collector import TOPOLOGIES
from scaffold.targets.collector_network import check_listen_address
from scaffold.targets.registry import render_target

PIPELINE_TARGETS = ("collector", "alerts", "dashboards")
_HOST_PORT = re.compile(r"^[A-Za-z0-9._-]+:[0-9]{1,5}$")


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # create, update, unchanged


@dataclass(frozen=True)
class PipelineResult:
    target: str
    out: Path
    files: tuple[FileChange, ...]
    dry_run: bool

    @property
    def changed(self) -> tuple[FileChange, ...]:
        return tuple(f for f in self.files if f.status != "unchanged")

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "out": str(self.out),
            "dry_run": self.dry_run,
            "files": [{"path": f.path, "status": f.status} for f in self.files],
        }


def collector_options(
    topologies: Sequence[str] = (),
    *,
    zpages: bool = False,
    debug: bool = False,
    file_export: str = "",
    gateways: Sequence[str] = (),
    listen_address: str = "",
) -> dict[str, Any]:
    """The collector target's render options, checked (bad input names the flag)."""
    unknown = [t for t in topologies if t not in TOPOLOGIES]
    if unknown:
        raise UsageError(
            f"--topology {', '.join(unknown)}: choose from {', '.join(TOPOLOGIES)} "
            "(repeat the flag for several)"
        )
    bad = [g for g in gateways if not _HOST_PORT.match(g)]
    if bad:
        raise UsageError(f"--gateway {', '.join(bad)}: give host:port, e.g. 10.0.0.7:4317")
    if listen_address:
        check_listen_address(listen_address)
    return {
        "listen_address": listen_address,
        "topologies": list(topologies),
        "zpages": zpages,
        "debug": debug,
        "file_export": file_export,
        "gateways": list(gateways),
    }


def render_pipeline(
    target: str, conventions: Path, extra: dict[str, Any] | None = None
) -> Rendered:
    """One pipeline target for `conventions`, in memory."""
    if target not in PIPELINE_TARGETS:
        raise UsageError(f"{target!r} is not a pipeline target ({', '.join(PIPELINE_TARGETS)})")
    conv = load(conventions)
    opts = RenderOptions(service_name=conv.organisation, target=target, extra=dict(extra or {}))
    return render_target(target, conv, opts)


def _status(out: Path, rel: str, content: bytes) -> str:
    path = out / rel
    if not path.exists():
        return "create"
    if path.is_dir():
        raise UsageError(
            f"{path} is a folder where a file goes; move it away or pick another --out"
        )
    return "unchanged" if path.read_bytes() == content else "update"


def write_pipeline(
    target: str,
    conventions: Path,
    out: Path,
    *,
    extra: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> PipelineResult:
    """Render `target` and write what changed under `out` (unless `dry_run`)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    rendered = render_pipeline(target, conventions, extra)
    contents = {p: f.content.encode("utf-8") for p, f in sorted(rendered.files.items())}
    changes = tuple(FileChange(p, _status(out, p, c)) for p, c in contents.items())
    ops: list[Op] = [Write(c.path, contents[c.path]) for c in changes if c.status != "unchanged"]
    if ops and not dry_run:
        out.mkdir(parents=True, exist_ok=True)
        apply_ops(out, ops)
    return PipelineResult(target, out, changes, dry_run)
