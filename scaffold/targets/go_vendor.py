"""A Go module that vendors its dependencies (a vendor/ folder) after `scaffold add`.

The go command builds such a module from vendor/ (go 1.14 and later, unless -mod=mod or
-mod=readonly is given), and stops with `inconsistent vendoring` while vendor/modules.txt
does not list what go.mod requires. Filling vendor/ needs the new modules' sources,
which only the go command fetches; scaffold runs no go command. So `add` writes go.mod
and go.sum as for any module and its result names the one command that brings vendor/
in line: `go mod vendor`.
"""

from __future__ import annotations

import os
from pathlib import Path


def vendor_notes(dest: Path) -> list[str]:
    """The step a vendoring module needs after its go.mod changed, or nothing."""
    vendor = dest / "vendor"
    if not os.path.isdir(vendor) or os.path.islink(vendor):
        return []
    listed = "vendor/modules.txt" if os.path.lexists(vendor / "modules.txt") else "vendor/"
    return [
        f"{dest / listed}: this module vendors its dependencies; run `go mod vendor` in "
        f"{dest} now: until then go build stops with `inconsistent vendoring` (vendor/ "
        "lacks the modules the generated code needs)"
    ]
