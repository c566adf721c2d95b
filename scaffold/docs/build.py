"""`scaffold docs build`: render the docs target and write it, all at once.

The output folder gets `markdown/` (pages readable on any code host) and `site/` (a
self-contained HTML site: open `site/index.html` from disk or serve it). Each build
records what it wrote in `.scaffold-docs.json` beside them; files the previous build
recorded that this build no longer produces (the service catalogue, say) are removed, if
they still hold what was written. Nothing else in the folder is ever deleted, whatever
header it carries, and nothing is followed through a symbolic link.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions import load
from scaffold.docs.catalogue import ServiceEntry, scan_services
from scaffold.errors import UsageError
from scaffold.render import Rendered, RenderOptions
from scaffold.render.headers import is_generated
from scaffold.sync.atomic import Delete, Op, Write, apply_ops
from scaffold.targets.registry import render_target

TARGET = "docs"
OUTPUT_DIRS = ("markdown", "site")
RECORD = ".scaffold-docs.json"
_RECORD_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class DocsBuild:
    out: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]
    services: tuple[ServiceEntry, ...]
    skipped: tuple[str, ...] = ()  # folders the catalogue scan could not read, or passed by

    @property
    def markdown_dir(self) -> Path:
        return self.out / "markdown"

    @property
    def site_dir(self) -> Path:
        return self.out / "site"

    @property
    def index(self) -> Path:
        return self.site_dir / "index.html"


def render_docs(
    conventions: Path,
    *,
    services: Sequence[ServiceEntry] = (),
    templates_dir: Path | None = None,
) -> Rendered:
    """The docs for `conventions`, in memory."""
    conv = load(conventions)
    opts = RenderOptions(
        service_name=conv.organisation,
        target=TARGET,
        extra={"services": [s.to_view() for s in services]},
    )
    return render_target(TARGET, conv, opts, templates_dir=templates_dir)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _regular_file(root: Path, rel: str) -> Path | None:
    """`root/rel` if every component is a real folder or file (no symlink), else None."""
    current = root
    for part in rel.split("/"):
        if part in ("", ".", ".."):
            return None
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
    return current if stat.S_ISREG(mode) else None


def _recorded(out: Path) -> dict[str, str]:
    """{path: sha256} the previous build wrote; empty when there is no usable record."""
    path = _regular_file(out, RECORD)
    if path is None or path.stat().st_size > _RECORD_LIMIT:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        str(k): str(v)
        for k, v in files.items()
        if isinstance(k, str) and isinstance(v, str) and k.split("/", 1)[0] in OUTPUT_DIRS
    }


def _stale(out: Path, keep: set[str]) -> list[str]:
    """Files the previous build recorded, not produced now, still holding what it wrote."""
    stale: list[str] = []
    for rel, digest in sorted(_recorded(out).items()):
        if rel in keep:
            continue
        path = _regular_file(out, rel)
        if path is not None and _digest(path.read_bytes()) == digest:
            stale.append(rel)
    return stale


def _refuse_foreign(out: Path, contents: dict[str, bytes]) -> None:
    """Refuse to overwrite a file this tool did not write: one the last build recorded
    (with the bytes it wrote), or one carrying scaffold's generated header."""
    recorded = _recorded(out)
    foreign = []
    for rel in contents:
        path = _regular_file(out, rel)
        if path is None:
            continue
        data = path.read_bytes()
        if recorded.get(rel) == _digest(data) or is_generated(
            data[:600].decode("utf-8", "replace")
        ):
            continue
        foreign.append(rel)
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise UsageError(
            f"{out}: would overwrite {shown}, which scaffold did not write; "
            "move them away or choose another --out"
        )


def _record(files: dict[str, bytes]) -> bytes:
    data = {
        "comment": "Written by scaffold docs build: the files it wrote, so the next build "
        "removes only those. Do not edit.",
        "files": {p: _digest(b) for p, b in sorted(files.items())},
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def build_docs(
    *,
    conventions: Path,
    out: Path,
    scan: Sequence[Path] = (),
    templates_dir: Path | None = None,
    services_templates_dir: Path | None = None,
) -> DocsBuild:
    """Render the docs and write them under `out` (created if needed)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder for the docs")
    skipped: list[str] = []
    services = (
        scan_services(scan, templates_dir=services_templates_dir, skipped=skipped) if scan else []
    )
    rendered = render_docs(conventions, services=services, templates_dir=templates_dir)
    contents = {p: f.content.encode("utf-8") for p, f in sorted(rendered.files.items())}
    _refuse_foreign(out, contents)
    ops: list[Op] = [Write(p, data) for p, data in contents.items()]
    ops.append(Write(RECORD, _record(contents)))
    removed = _stale(out, set(rendered.files)) if out.is_dir() else []
    ops.extend(Delete(p) for p in removed)
    out.mkdir(parents=True, exist_ok=True)
    apply_ops(out, ops)
    return DocsBuild(
        out=out,
        written=tuple(sorted(rendered.files)),
        removed=tuple(removed),
        services=tuple(services),
        skipped=tuple(skipped),
    )
