"""Wheel build hook: ship only the static runtime sources a manifest entry names.

runtime/<name>/ is a real Go or Rust tree checked in place, so it also holds files that
must never ship: its build files, its project-only tests and the conventions-derived
files committed to make it compile. Each entry `static: <path>` of a manifest whose
`runtime:` is <name> puts runtime/<name>/<path> into the wheel as
scaffold/_runtime/<name>/<path>, and so does each path of its `data:` list (files the tool
reads itself); nothing else under runtime/ is included.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def named_runtime_sources(root: Path) -> list[str]:
    """`<runtime>/<path>` of every static source the manifests under templates/ name."""
    out: set[str] = set()
    for manifest in sorted((root / "templates").glob("*/manifest.yaml")):
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        runtime = data.get("runtime") if isinstance(data, dict) else None
        if not runtime:
            continue
        for entry in data.get("files") or []:
            if isinstance(entry, dict) and "static" in entry:
                out.add(_checked(root, f"{runtime}/{entry['static']}"))
        for item in data.get("data") or []:  # files the tool reads itself
            out.add(_checked(root, f"{runtime}/{item}"))
    return sorted(out)


def _checked(root: Path, rel: str) -> str:
    """`rel` when it names a regular file inside runtime/, through no symlink and no `..`."""
    pure = PurePosixPath(rel)
    base = (root / "runtime").resolve()
    path = root / "runtime" / pure
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel:
        raise ValueError(f"a manifest names runtime/{rel}, which is not inside runtime/")
    if path.is_symlink() or not path.is_file() or path.resolve() != base / pure:
        raise ValueError(f"a manifest names runtime/{rel}, which is not a file inside runtime/")
    return rel


class RuntimeSourcesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads runtime/ from the checkout
        root = Path(self.root)
        for rel in named_runtime_sources(root):
            source = root / "runtime" / rel
            build_data["force_include"][str(source)] = f"scaffold/_runtime/{rel}"
