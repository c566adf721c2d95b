"""Per-target manifests: which template produces which path, how often, owned by whom.

The manifest is data (templates/<target>/manifest.yaml); its YAML is read through the
conventions module's single YAML reader, and checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffold.conventions.yamlsource import read_plain_yaml
from scaffold.errors import TemplateError

Owner = Literal["generated", "user"]
_KEYS = {"template", "path", "owner", "modes", "each"}


@dataclass(frozen=True)
class ManifestEntry:
    template: str
    path: str
    owner: Owner
    modes: tuple[str, ...]
    each: str


@dataclass(frozen=True)
class Manifest:
    target: str
    root: Path
    entries: tuple[ManifestEntry, ...]
    # The view builder module in scaffold.targets; the target's own name by default.
    view: str


def load_manifest(root: Path, target: str) -> Manifest:
    """Read and check `root/target/manifest.yaml`."""
    folder = root / target
    path = folder / "manifest.yaml"
    if not path.is_file():
        known = sorted(p.name for p in root.iterdir() if (p / "manifest.yaml").is_file())
        raise TemplateError(
            f"no target {target!r}: {path} does not exist (targets: {', '.join(known) or 'none'})"
        )
    data = read_plain_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise TemplateError(f"{path}: expected a mapping with a 'files' list")
    entries: list[ManifestEntry] = []
    for index, item in enumerate(data["files"]):
        where = f"{path}: files[{index}]"
        if not isinstance(item, dict) or not {"template", "path"} <= item.keys():
            raise TemplateError(f"{where}: needs 'template' and 'path'")
        unknown = set(item) - _KEYS
        if unknown:
            raise TemplateError(f"{where}: unknown keys {sorted(unknown)}")
        owner = item.get("owner", "generated")
        if owner not in ("generated", "user"):
            raise TemplateError(f"{where}: owner must be 'generated' or 'user', not {owner!r}")
        modes = tuple(item.get("modes", ["new", "add"]))
        if not set(modes) <= {"new", "add"}:
            raise TemplateError(f"{where}: modes may hold only 'new' and 'add'")
        template = str(item["template"])
        if not (folder / template).is_file():
            raise TemplateError(f"{where}: template {template!r} does not exist in {folder}")
        entries.append(
            ManifestEntry(template, str(item["path"]), owner, modes, str(item.get("each", "")))
        )
    view = str(data.get("view", target))
    return Manifest(target=target, root=folder, entries=tuple(entries), view=view)
