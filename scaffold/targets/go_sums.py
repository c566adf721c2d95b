"""go.sum after `scaffold add` in a Go module (scaffold.targets.go_modules).

`go mod tidy` keeps the checksums of the module graph's go.mod files and of the modules
that provide the build's packages, at their selected versions. When every requirement of
go.mod after add is one the generated code pins, at the pinned version, and go.mod has no
exclude or replace directives, that graph is the pinned one, whatever the module
required before: go.sum is then exactly the pinned lines, and whatever an earlier
`go get` upgrade left behind (an older version's checksums, those of modules only its
graph named) is dropped, as `go mod tidy` drops it. Otherwise the graph holds modules
whose go.mod files are not known here: the pinned lines are added to the module's own,
and a note says when go.sum holds checksums of versions go.mod no longer requires.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SumInputs:
    """What go.sum is made from: the module's go.sum as read, the pinned lines for the
    generated code, its requirements (path -> version), go.mod's requirements after add,
    and whether go.mod has exclude or replace directives."""

    go_sum: str
    pinned: str
    ours: dict[str, str]
    final: dict[str, str]
    directives: bool


def union(go_sum: str, pinned: str) -> str:
    """The union of two go.sum files' lines, sorted as the go command writes them."""
    lines = {line for line in (go_sum + "\n" + pinned).splitlines() if line.strip()}
    return "\n".join(sorted(lines)) + "\n"


def _unrequired(go_sum: str, final: dict[str, str]) -> list[str]:
    """`path version` of each module checksum (not a go.mod one) in go.sum for a module
    go.mod requires at another version: what `go mod tidy` would drop."""
    stale = set()
    for line in go_sum.splitlines():
        words = line.split()
        if len(words) == 3 and not words[1].endswith("/go.mod"):
            path, version = words[0], words[1]
            if path in final and final[path] != version:
                stale.add(f"{path} {version}")
    return sorted(stale)


def go_sum_after_add(sums: SumInputs, name: str) -> tuple[str, list[str]]:
    """go.sum after add, and a note when it keeps lines `go mod tidy` would drop."""
    if sums.final == sums.ours and not sums.directives:
        return sums.pinned if sums.pinned.endswith("\n") else sums.pinned + "\n", []
    text = union(sums.go_sum, sums.pinned)
    stale = _unrequired(sums.go_sum, sums.final)
    if not stale:
        return text, []
    shown = ", ".join(stale[:3]) + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
    sum_name = name[: -len("go.mod")] + "go.sum" if name.endswith("go.mod") else "go.sum"
    return text, [
        f"{sum_name}: keeps checksums of versions go.mod no longer requires ({shown}) and "
        "perhaps of modules only their dependencies needed; `go mod tidy` drops what the "
        "module graph no longer needs"
    ]
