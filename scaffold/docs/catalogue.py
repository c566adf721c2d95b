"""The service catalogue: every scaffold service under some folders, from its lock.

Each service's `.scaffold/lock.json` (written by scaffold/sync) gives its name, language
and conventions digest; `scaffold check`'s own comparison (render in memory, compare)
says whether it is in sync. The owner comes from the service's render options
(`extra.owner` or `extra.team`), else from the nearest CODEOWNERS file.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scaffold.errors import NoServices, ScaffoldError, UsageError
from scaffold.sync.find import find_services
from scaffold.sync.lockread import read_lock
from scaffold.targets.registry import TARGETS
from scaffold.update import RenderContext, check_one

_CODEOWNERS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    path: str  # relative to the scanned folder, POSIX
    lang: str
    owner: str
    digest: str
    in_sync: bool
    status: str

    def to_view(self) -> dict[str, Any]:
        hexpart = self.digest.split(":", 1)[-1]
        return {
            "name": self.name,
            "path": self.path,
            "lang": self.lang,
            "owner": self.owner,
            "digest": self.digest,
            "digest_short": hexpart[:12] if hexpart else "none",
            "in_sync": self.in_sync,
            "status": self.status,
        }


def _codeowners(scan_root: Path, rel: str) -> str:
    """The owners of `rel` by the last matching CODEOWNERS rule under `scan_root`."""
    for name in _CODEOWNERS:
        path = scan_root / name
        if not path.is_file():
            continue
        owners = ""
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or len(line.split()) < 2:
                continue
            pattern, *who = line.split()
            if _owns(pattern, rel):
                owners = " ".join(who)
        return owners
    return ""


def _owns(pattern: str, rel: str) -> bool:
    pat = pattern.strip("/")
    if pat in ("", "*", "**"):
        return True
    target = PurePosixPath(rel)
    candidates = [str(target), *(str(p) for p in target.parents if str(p) != ".")]
    if "/" not in pat:
        # A bare name matches a folder of that name at any depth.
        return any(fnmatch.fnmatchcase(part, pat) for part in target.parts)
    return any(fnmatch.fnmatchcase(c, pat) for c in candidates)


def _status(root: Path, conventions: Path | None, templates_dir: Path | None) -> tuple[bool, str]:
    result = check_one(root, RenderContext(conventions=conventions, templates_dir=templates_dir))
    if result.error:
        return False, f"cannot check: {result.error}"
    if result.ok:
        return True, "in sync"
    count = len(result.drift)
    first = result.drift[0]
    more = f" and {count - 1} more" if count > 1 else ""
    return False, f"out of sync: {first.path} ({first.reason}){more}"


def scan_services(
    folders: Sequence[Path],
    *,
    conventions: Path | None = None,
    templates_dir: Path | None = None,
    skipped: list[str] | None = None,
) -> list[ServiceEntry]:
    """Every service under `folders`; an empty list when there is none.

    `conventions` and `templates_dir` override what each service's lock names, as for
    `scaffold check`; by default each service is checked against its own conventions file.
    Folders that cannot be read, and kernel or device filesystems, are left out and listed
    in `skipped` (a list the caller gives); the root of the filesystem is refused.
    """
    entries: list[ServiceEntry] = []
    for folder in folders:
        try:
            roots = find_services([folder], skipped=[] if skipped is None else skipped)
        except NoServices:
            continue
        except UsageError as exc:
            raise UsageError(
                f"--scan: {exc} (or --no-scan to leave the service catalogue out)"
            ) from None
        base = folder.resolve()
        for root in roots:
            rel = root.relative_to(base).as_posix() if root != base else "."
            try:
                lock = read_lock(root, TARGETS)
            except ScaffoldError as exc:
                entries.append(ServiceEntry(root.name, rel, "?", "", "", False, str(exc)))
                continue
            extra = lock.options.extra
            owner = str(extra.get("owner") or extra.get("team") or "") or _codeowners(base, rel)
            in_sync, status = _status(root, conventions, templates_dir)
            entries.append(
                ServiceEntry(
                    name=lock.options.service_name or root.name,
                    path=rel,
                    lang=lock.target,
                    owner=owner or "unknown",
                    digest=lock.conventions_digest,
                    in_sync=in_sync,
                    status=status,
                )
            )
    return sorted(entries, key=lambda e: e.path)
