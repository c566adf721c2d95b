"""A go.work that builds the module must name a go version at least as new as the
module's go line: the go command refuses otherwise ("module . listed in go.work file
requires go >= X, but go.work lists go Y"). `add` and `update` may raise the module's go
line (the generated code's requirements need it); go.work lies outside the module, so
they never edit it, and stop before writing with the step that raises it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.targets.go_mod_edit import go_key

_MAX_BYTES = 1024 * 1024
_GO = re.compile(r"^go\s+(\S+)", re.MULTILINE)
_USE_ONE = re.compile(r"^use\s+([^(\s]\S*)", re.MULTILINE)
_USE_BLOCK = re.compile(r"^use\s*\(([^)]*)\)", re.MULTILINE)


def _find(module: Path) -> Path | None:
    """The go.work the go command uses in `module`: GOWORK, else the nearest one above."""
    chosen = os.environ.get("GOWORK", "")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    for folder in (module, *module.parents):
        candidate = folder / "go.work"
        if candidate.is_file():
            return candidate
    return None


def _strip(text: str) -> str:
    return "\n".join(line.split("//", 1)[0].rstrip() for line in text.splitlines())


def _uses(work: Path, text: str) -> list[Path]:
    found = [m.group(1) for m in _USE_ONE.finditer(text)]
    for block in _USE_BLOCK.finditer(text):
        found.extend(word for word in block.group(1).split())
    return [(work.parent / entry.strip('"`')).resolve() for entry in found]


def check_go_work(module: Path, go_mod: str, name: str) -> None:
    """UsageError when the go.work that builds `module` names an older go version than
    `go_mod` (the module's go.mod as it will be written) does."""
    module = module.resolve()  # `.` or a relative --dir: the walk up needs real parents
    want = _GO.search(_strip(go_mod))
    work = _find(module)
    if want is None or work is None:
        return
    try:
        if work.stat().st_size > _MAX_BYTES:
            return
        raw = work.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError):
        return  # the go command reports a go.work it cannot read itself
    text = _strip(raw)
    have = _GO.search(text)
    if have is None or module not in _uses(work, text):
        return
    if go_key(have.group(1)) >= go_key(want.group(1)):
        return
    line = text.count("\n", 0, have.start()) + 1
    raise UsageError(
        f"{work}:{line}: go {have.group(1)} is below the go {want.group(1)} that {name} "
        f"needs after add (the generated code's requirements), so the go command would "
        f"refuse to build the module from this workspace; nothing was written. Run "
        f"`go work edit -go={want.group(1)}` in {work.parent} (scaffold does not edit files "
        f"outside the module), then run add again"
    )
