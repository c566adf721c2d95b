"""Generated Rust in the host crate's own style: the edition `cargo fmt` formats the crate
with (the crate's, or the workspace's it inherits) and the rustfmt.toml that applies to it.

`scaffold add` and `update` pass the module through the host's own rustfmt before it is
written, so `cargo fmt --check` in the host passes on the generated files whatever its
edition (2024 sorts imports differently from 2021) or settings. Without rustfmt, or when
it fails, the render is written as it is: `scaffold check` compares a formatter-insensitive
normal form (scaffold/sync/normal.py), so either way the files are in sync.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from scaffold.render.engine import Rendered
from scaffold.targets.rust_crates import MAX_BYTES, too_big

_EDITIONS = ("2015", "2018", "2021", "2024")
_TIMEOUT = 30


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_BYTES:  # a manifest or rustfmt.toml is far smaller
            raise too_big(str(path), path.stat().st_size)
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _workspace_edition(crate: Path) -> str | None:
    """The `[workspace.package] edition` of the workspace root above `crate`."""
    for parent in (crate.resolve(), *crate.resolve().parents):
        data = _toml(parent / "Cargo.toml") if (parent / "Cargo.toml").is_file() else None
        if data is None or "workspace" not in data:
            continue
        package = data["workspace"].get("package") if isinstance(data["workspace"], dict) else None
        edition = package.get("edition") if isinstance(package, dict) else None
        return edition if isinstance(edition, str) else None
    return None


def crate_edition(crate: Path) -> str:
    """The edition Cargo (and so `cargo fmt`) uses for the crate at `crate`: its own, the
    workspace's with `edition.workspace = true`, else Cargo's default (2015)."""
    data = _toml(crate / "Cargo.toml") or {}
    package = data.get("package")
    edition = package.get("edition") if isinstance(package, dict) else None
    if isinstance(edition, dict) and edition.get("workspace") is True:
        edition = _workspace_edition(crate)
    return edition if isinstance(edition, str) and edition in _EDITIONS else "2015"


def _format(text: str, edition: str, cwd: Path, rustfmt: str) -> str | None:
    """`text` formatted by rustfmt as `cargo fmt` would in `cwd`, or None when it fails.
    rustfmt reads the rustfmt.toml of `cwd` and its parents, as for the crate's files."""
    try:
        done = subprocess.run(
            [rustfmt, "--edition", edition, "--emit", "stdout", "--quiet"],
            input=text,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout.strip() else None


# rustfmt is not idempotent on every text: with a narrow max_width a second pass can
# still move a line the first one produced, and `cargo fmt --check` would then call the
# written file unformatted. Formatting stops when a pass changes nothing.
_MAX_PASSES = 4


def _settled(text: str, edition: str, cwd: Path, rustfmt: str) -> str | None:
    """`text` formatted until another rustfmt pass leaves it as it is (None on failure)."""
    current = text
    for _ in range(_MAX_PASSES):
        formatted = _format(current, edition, cwd, rustfmt)
        if formatted is None:
            return None
        if formatted == current:
            return current
        current = formatted
    return current


def for_host(rendered: Rendered, crate: Path) -> Rendered:
    """The generated .rs files of `rendered` formatted for the crate at `crate` (user-owned
    files are the team's and left alone); `rendered` itself when rustfmt is not there."""
    rustfmt = shutil.which("rustfmt")
    if rustfmt is None or not crate.is_dir():
        return rendered
    edition = crate_edition(crate)
    files = dict(rendered.files)
    for path, file in rendered.files.items():
        if file.owner != "generated" or not path.endswith(".rs"):
            continue
        formatted = _settled(file.content, edition, crate, rustfmt)
        if formatted is not None and formatted != file.content:
            files[path] = replace(file, content=formatted)
    return replace(rendered, files=files)


def format_source(text: str, crate: Path) -> str | None:
    """`text` as the crate's `cargo fmt` would format it, or None without rustfmt."""
    rustfmt = shutil.which("rustfmt")
    if rustfmt is None or not crate.is_dir():
        return None
    return _settled(text, crate_edition(crate), crate, rustfmt)


def format_edit(crate: Path, before: str, after: str) -> str:
    """A file the wiring edited (`before` -> `after`, LF line endings) through the crate's
    rustfmt, when the file was formatted by it before (then only the edit's layout changes)."""
    if format_source(before, crate) != before:
        return after
    return format_source(after, crate) or after
