"""Reuse a target's manifest and jinja2 environment across renders.

Rendering many services of one target (an `update` over a monorepo) would otherwise read
the manifest and compile every template again for each service; compiling is most of a
render's time. The cache is keyed by the templates' paths, mtimes and sizes, so an edited
template is picked up at once.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import Path

import jinja2

from scaffold.render.manifest import Manifest, load_manifest
from scaffold.resources import runtime_beside

Stamp = tuple[tuple[str, int, int], ...]

_PATH_TEMPLATES: weakref.WeakKeyDictionary[jinja2.Environment, dict[str, jinja2.Template]] = (
    weakref.WeakKeyDictionary()
)


def _stamp(folder: Path) -> Stamp:
    if not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            info = path.stat()
            out.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(out)


@lru_cache(maxsize=16)
def _prepare(root: Path, target: str, stamp: Stamp) -> tuple[Manifest, jinja2.Environment]:
    from scaffold.render.engine import make_environment

    manifest = load_manifest(root, target)
    return manifest, make_environment(manifest.root)


def prepared_target(root: Path, target: str) -> tuple[Manifest, jinja2.Environment]:
    """The manifest of `target` and its environment, built once while the files stay put."""
    root = root.resolve()
    stamp = _stamp(root / target) + _stamp(root / "_shared") + _stamp(runtime_beside(root) / target)
    return _prepare(root, target, stamp)


@lru_cache(maxsize=512)
def _read_static(path: Path, mtime_ns: int, size: int) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def static_source(path: Path) -> str:
    """The text of a static runtime source, read once while the file stays put."""
    info = path.stat()
    return _read_static(path, info.st_mtime_ns, info.st_size)


def path_template(env: jinja2.Environment, text: str) -> jinja2.Template:
    """The compiled output-path expression `text`, compiled once per environment."""
    cache = _PATH_TEMPLATES.setdefault(env, {})
    if text not in cache:
        cache[text] = env.from_string(text)
    return cache[text]
