"""Three-way merge of one user-owned file with `git merge-file` (no repository needed).

base = the previous render (kept under `.scaffold/base/`), ours = the file as the service
team left it, theirs = the new render. The trivial cases are decided here without a
process; only a file changed on both sides reaches git.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import MergeError

_MERGE_TIMEOUT_S = 60

__all__ = ["MergeError", "MergeResult", "git_executable", "merge3"]


@dataclass(frozen=True)
class MergeResult:
    content: bytes
    conflicts: int


def git_executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise MergeError(
            "git is needed to merge user-owned files, and it is not on PATH; install git "
            "(scaffold runs `git merge-file`) or add its folder to PATH"
        )
    return found


def merge3(path: str, *, base: bytes, ours: bytes, theirs: bytes) -> MergeResult:
    """Merge the service team's `ours` and the new render `theirs` over `base`.

    Conflicts leave the standard `<<<<<<<`/`=======`/`>>>>>>>` markers, labelled with the
    path; `conflicts` counts the conflicting hunks (0 for a clean merge).
    """
    if ours == theirs or theirs == base:
        return MergeResult(ours, 0)
    if ours == base:
        return MergeResult(theirs, 0)
    if any(b"\0" in data[:8000] for data in (base, ours, theirs)):
        raise MergeError(f"{path}: binary content (a NUL byte) cannot be merged; merge it by hand")
    with tempfile.TemporaryDirectory(prefix="scaffold-merge-") as tmp:
        folder = Path(tmp)
        files = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = folder / name
            file.write_bytes(data)
            files.append(str(file))
        labels = [f"{path} (yours)", f"{path} (previous render)", f"{path} (new render)"]
        command = [git_executable(), "merge-file", "-p"]
        for label in labels:
            command += ["-L", label]
        try:
            done = subprocess.run(
                command + files, capture_output=True, timeout=_MERGE_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MergeError(
                f"{path}: git merge-file failed to run: {exc}; check that git works "
                "(`git --version`) and run again"
            ) from exc
    # git merge-file exits with the number of conflicts (at most 127), or 255 on error.
    if done.returncode < 0 or done.returncode > 127:
        detail = done.stderr.decode(errors="replace").strip()
        raise MergeError(
            f"{path}: git merge-file failed: {detail or done.returncode}; check that git "
            "works (`git --version`), or merge the file by hand"
        )
    return MergeResult(done.stdout, done.returncode)
