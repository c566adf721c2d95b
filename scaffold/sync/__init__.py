"""The sync engine: plan and apply renders it is handed, keep a lock, compare for CI.

It never loads conventions or renders (scaffold/update.py and scaffold/services.py do,
then hand it the files):

- `create_service` (used by `scaffold new` and `scaffold add`) writes a render, its lock
  (`.scaffold/lock.json`) and the merge bases of user-owned files, all or nothing.
- `update_service` brings one service to a fresh render: rewrites generated files,
  three-way merges user-owned ones (`git merge-file`), deletes stale generated files,
  atomically.
- `check_service` compares a service with a fresh render and names every file out of
  sync, and why.

The library never prints: results are data (scaffold.sync.results).
"""

from scaffold.sync.create import create_service
from scaffold.sync.find import find_services
from scaffold.sync.lock import LOCK_NAME, Lock, LockedFile, conventions_digest
from scaffold.sync.lockread import read_lock
from scaffold.sync.results import (
    Action,
    ApplyResult,
    CheckReport,
    CheckResult,
    Drift,
    FileChange,
    Refusal,
    Status,
    UpdateReport,
)
from scaffold.sync.service import Rerender, check_service, update_service

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
    "Rerender",
    "Status",
    "UpdateReport",
    "check_service",
    "conventions_digest",
    "create_service",
    "find_services",
    "read_lock",
    "update_service",
]
