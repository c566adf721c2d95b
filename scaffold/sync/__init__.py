"""The sync engine: write a first render, keep services in sync, check them in CI.

- `create_service` (used by `scaffold new` and `scaffold add`) writes a render, its lock
  (`.scaffold/lock.json`) and the merge bases of user-owned files, all or nothing.
- `update_services` re-renders every service under some paths from the conventions each
  one records, rewrites generated files, three-way merges user-owned ones (`git
  merge-file`), deletes stale generated files, each service atomically.
- `check_services` renders in memory and names every file out of sync, and why.

The library never prints: results are data (scaffold.sync.results).
"""

from scaffold.sync.create import create_service
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, conventions_digest, read_lock
from scaffold.sync.results import (
    Action,
    ApplyResult,
    CheckResult,
    Drift,
    FileChange,
    Refusal,
    Status,
)
from scaffold.sync.run import (
    CheckReport,
    UpdateReport,
    check_services,
    find_services,
    update_services,
)

__all__ = [
    "LOCK_NAME",
    "Action",
    "ApplyResult",
    "CheckReport",
    "CheckResult",
    "Drift",
    "FileChange",
    "Lock",
    "LockedFile",
    "Refusal",
    "Status",
    "UpdateReport",
    "check_services",
    "conventions_digest",
    "create_service",
    "find_services",
    "read_lock",
    "update_services",
]
