"""The journal of one apply (`.scaffold/journal.json`): what it records, and when to trust it.

A journal names the run that wrote it: a random run id (also part of the name of every
temporary and backup file the run makes, `.NAME.<run id>.scaffold-tmp|bak`), the host, the
kernel's boot id, the pid and that process's start time. Per file it records whether the
file existed, the SHA-256 of what the run writes (none for a delete) and of what was there
before (the backup must hold exactly that to be put back).

The file is untrusted input: it may be planted (committed to a repository, copied in from
another machine) to make recovery delete a hand-written file or restore an injected one.
`inspect_journal` reads it without acting and says whether it is:

- well formed: the exact keys and types this version writes, bounded in size and count,
  every path inside the service without a symlink on the way, and never `.git`, the run
  lock or the journal itself (only the lock and merge bases under `.scaffold/`);
- ours to act on without being asked: written on this host, in this boot, by a process
  that is gone (a pid that is alive with the same start time is a run still going).

A journal that is not well formed is never acted on (only `scaffold recover --discard`
removes it); one that is well formed but not provably ours is acted on only with
`scaffold recover --trust-journal`, after a person has looked at it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.sync.lock import BASE_DIR, LOCK_NAME, STATE_DIR
from scaffold.sync.paths import inside, read_inside, rel_problem

JOURNAL = f"{STATE_DIR}/journal.json"
RUN_ID = re.compile(r"[0-9a-f]{16}")
MAX_JOURNAL = 16 * 1024 * 1024
MAX_OPS = 50_000
MAX_PID = 4_194_304  # the largest pid_max Linux allows
_SHA = re.compile(r"[0-9a-f]{64}")
_TEXT = re.compile(r"[\x21-\x7e]{0,255}")
_KEYS = frozenset(
    {"run_id", "host", "boot_id", "pid", "pid_start", "started", "state", "ops", "created_dirs"}
)
_OP_KEYS = frozenset({"path", "existed", "sha256", "old_sha256"})


def boot_id() -> str:
    """This kernel's boot id ('' where the system does not tell)."""
    with contextlib.suppress(OSError, UnicodeError):
        return Path("/proc/sys/kernel/random/boot_id").read_text("ascii").strip()[:64]
    return ""


def process_start(pid: int) -> int | None:
    """When process `pid` started (clock ticks after boot), or None if unknown or gone."""
    with contextlib.suppress(OSError, UnicodeError, ValueError, IndexError):
        text = Path(f"/proc/{pid}/stat").read_text("ascii", errors="replace")
        return int(text[text.rindex(")") + 2 :].split()[19])
    return None


def sha_of(root: Path, rel: str) -> str | None:
    """The SHA-256 of the regular file `root/rel`, None if it is missing or not a file."""
    try:
        data = read_inside(root, rel)
    except UsageError:
        return None
    return None if data is None else hashlib.sha256(data).hexdigest()


def new_journal(
    root: Path, ops: Sequence[tuple[str, bytes | None]], created_dirs: Sequence[str]
) -> dict[str, Any]:
    """The journal of a run writing (bytes) or deleting (None) each path of `ops`."""
    if len(ops) > MAX_OPS:
        raise UsageError(
            f"{root}: {len(ops)} files in one update; scaffold writes at most {MAX_OPS} per "
            "service: split the service into several"
        )
    pid = os.getpid()
    entries = []
    for rel, content in ops:
        old = sha_of(root, rel)
        entries.append(
            {
                "path": rel,
                "existed": os.path.lexists(root / rel),
                "sha256": None if content is None else hashlib.sha256(content).hexdigest(),
                "old_sha256": old,
            }
        )
    return {
        "run_id": secrets.token_hex(8),
        "host": socket.gethostname()[:255],
        "boot_id": boot_id(),
        "pid": pid,
        "pid_start": process_start(pid),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "state": "applying",
        "ops": entries,
        "created_dirs": list(created_dirs),
    }


def _path_problem(rel: object, *, folder: bool) -> str:
    problem = rel_problem(rel)
    if problem:
        return problem
    assert isinstance(rel, str)
    parts = rel.split("/")
    if {".git", ".hg", ".svn"} & set(parts):
        return "names version-control data"
    if parts[0] != STATE_DIR or rel == LOCK_NAME or rel.startswith(f"{BASE_DIR}/"):
        return ""
    if folder and rel in (STATE_DIR, BASE_DIR):
        return ""
    return "names scaffold's own state (only the lock and merge bases are written there)"


def _shown(value: object) -> str:
    """A value of the journal as a message shows it: quoted, at most 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _op_problem(op: object) -> str:
    if not isinstance(op, dict) or set(op) != _OP_KEYS:
        return f"an entry is not an object with exactly the keys {sorted(_OP_KEYS)}"
    problem = _path_problem(op["path"], folder=False)
    if problem:
        return f"path {_shown(op['path'])} {problem}"
    if not isinstance(op["existed"], bool):
        return f"{_shown(op['path'])}: 'existed' is not true or false"
    for key in ("sha256", "old_sha256"):
        sha = op[key]
        if sha is not None and not (isinstance(sha, str) and _SHA.fullmatch(sha)):
            return f"{_shown(op['path'])}: {key!r} is not null or 64 lower-case hex digits"
    if op["old_sha256"] is not None and not op["existed"]:
        return f"{_shown(op['path'])}: a hash of the previous file, yet it did not exist"
    return ""


def _header_problem(data: dict[str, Any]) -> str:
    if not (isinstance(data["run_id"], str) and RUN_ID.fullmatch(data["run_id"])):
        return "'run_id' is not 16 lower-case hex digits"
    for key in ("host", "boot_id", "started"):
        if not (isinstance(data[key], str) and _TEXT.fullmatch(data[key])):
            return f"{key!r} is not printable text of at most 255 characters"
    pid, start = data["pid"], data["pid_start"]
    if type(pid) is not int or not 0 < pid <= MAX_PID:
        return f"'pid' is not a whole number from 1 to {MAX_PID}"
    if start is not None and (type(start) is not int or not 0 <= start < 2**63):
        return "'pid_start' is not null or a whole number"
    if data["state"] not in ("applying", "committed"):
        return "'state' is neither 'applying' nor 'committed'"
    return ""


def journal_problem(data: object) -> str:
    """Why `data` is not a journal this version writes ('' when it is one)."""
    if not isinstance(data, dict) or set(data) != _KEYS:
        return f"not an object with exactly the keys {sorted(_KEYS)}"
    problem = _header_problem(data)
    if problem:
        return problem
    ops, dirs = data["ops"], data["created_dirs"]
    if not isinstance(ops, list) or len(ops) > MAX_OPS:
        return f"'ops' is not a list of at most {MAX_OPS} entries"
    for op in ops:
        problem = _op_problem(op)
        if problem:
            return problem
    if len({op["path"] for op in ops}) != len(ops):
        return "'ops' names a path twice"
    if not isinstance(dirs, list) or len(dirs) > MAX_OPS:
        return f"'created_dirs' is not a list of at most {MAX_OPS} entries"
    for rel in dirs:
        problem = _path_problem(rel, folder=True)
        if problem:
            return f"folder {_shown(rel)} {problem}"
    return ""


def _pid_alive(pid: int, start: int | None) -> bool:
    """True when process `pid` runs and (where known) is the one that started at `start`."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # it exists, and belongs to someone else
    now = process_start(pid)
    return start is None or now is None or now == start


@dataclass(frozen=True)
class Inspection:
    """What a service's journal is: `data` when well formed; `problem` says why it is not
    (or why it is not provably ours), '' when recovery may act on it unasked."""

    path: Path
    exists: bool
    data: dict[str, Any] | None = None
    problem: str = ""
    running: bool = False  # written here by a process that still runs


def _read(root: Path) -> tuple[object, str]:
    """The parsed journal, or why it cannot be read ('' problem when it parsed)."""
    try:
        raw = read_inside(root, JOURNAL, limit=MAX_JOURNAL)
    except UsageError as exc:
        return None, str(exc).removeprefix(f"{root / JOURNAL}: ")
    if raw is None:
        return None, "missing"
    if not raw.strip():
        return None, "is empty"
    try:
        return json.loads(raw.decode("utf-8")), ""
    except (ValueError, RecursionError) as exc:
        return None, f"is not JSON ({type(exc).__name__}: {str(exc)[:200]})"


def _owner_problem(data: dict[str, Any]) -> tuple[str, bool]:
    """Why the journal is not provably from a dead process of this machine; is it running."""
    host = socket.gethostname()[:255]
    if data["host"] != host:
        return f"it was written on host {data['host']!r}, not on this one ({host!r})", False
    if data["boot_id"] != boot_id():
        return "it was written before this machine last started (another boot id)", False
    if _pid_alive(data["pid"], data["pid_start"]):
        return f"the process that wrote it (pid {data['pid']}) is still running", True
    return "", False


def inspect_journal(root: Path) -> Inspection:
    """Read the journal of `root` (see the module doc); acts on nothing."""
    path = root / JOURNAL
    if not os.path.lexists(path):
        return Inspection(path, exists=False)
    try:
        inside(root, STATE_DIR)
    except UsageError as exc:
        return Inspection(path, exists=True, problem=str(exc))
    data, problem = _read(root)
    if problem == "missing":
        return Inspection(path, exists=False)
    problem = problem or journal_problem(data)
    if problem:
        return Inspection(path, exists=True, problem=f"not a journal scaffold wrote: {problem}")
    assert isinstance(data, dict)
    for rel in [op["path"] for op in data["ops"]] + data["created_dirs"]:
        try:
            inside(root, rel)
        except UsageError as exc:
            return Inspection(path, True, problem=f"it names a path scaffold may not touch: {exc}")
    problem, running = _owner_problem(data)
    return Inspection(path, exists=True, data=data, problem=problem, running=running)


def refusal(root: Path, found: Inspection) -> UsageError:
    """The error of a journal recovery leaves alone: the file, why, and what to do."""
    discard = f"`scaffold recover --discard {root}` removes it and keeps every file as it is"
    if found.data is None:
        fix = f"inspect it; {discard}"
    elif found.running:
        fix = (
            "wait for that process to finish; if it is no scaffold (a reused pid), inspect the "
            f"journal, then `scaffold recover --trust-journal {root}` plays it back, or {discard}"
        )
    else:
        fix = (
            f"inspect it (and `git status`), then `scaffold recover --trust-journal {root}` "
            f"plays it back (or forward), or {discard}"
        )
    return UsageError(
        f"{found.path}: interrupted-update journal left alone: {found.problem}; {fix}"
    )
