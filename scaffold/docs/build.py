"""`scaffold docs build`: render the docs target and write it, all at once.

The output folder gets `markdown/` (pages readable on any code host) and `site/` (a
self-contained HTML site: open `site/index.html` from disk or serve it). Files a previous
build wrote that this build no longer produces (the service catalogue, say) are removed;
nothing else in the folder is touched.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class DocsBuild:
    out: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]
    services: tuple[ServiceEntry, ...]

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


def _stale(out: Path, keep: set[str]) -> list[str]:
    """Generated files under the output folders that this build does not produce."""
    stale: list[str] = []
    for name in OUTPUT_DIRS:
        folder = out / name
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(out).as_posix()
            if rel in keep:
                continue
            try:
                head = path.read_text(encoding="utf-8", errors="replace")[:400]
            except OSError:
                continue
            if is_generated(head):
                stale.append(rel)
    return stale


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
    services = scan_services(scan, templates_dir=services_templates_dir) if scan else []
    rendered = render_docs(conventions, services=services, templates_dir=templates_dir)
    ops: list[Op] = [Write(p, f.content.encode("utf-8")) for p, f in sorted(rendered.files.items())]
    removed = _stale(out, set(rendered.files)) if out.is_dir() else []
    ops.extend(Delete(p) for p in removed)
    out.mkdir(parents=True, exist_ok=True)
    apply_ops(out, ops)
    return DocsBuild(
        out=out,
        written=tuple(sorted(rendered.files)),
        removed=tuple(removed),
        services=tuple(services),
    )
