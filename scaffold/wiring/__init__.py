"""What is left to do after `scaffold add`, read from the project in front of it.

`next_steps` returns the exact edits (file, line, where, what) that connect the added
instrumentation to the service's own code; for the common Go shape (a `main` with an
`http.Server` or `http.ListenAndServe`, and slog; a Rust `main` with `axum::serve` and a
`tracing_subscriber` set-up) it also returns the edited sources,
which `scaffold add --wire` writes in the same transaction as everything else. The
service's files stay its own: nothing here is recorded in the lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Step:
    """One edit in the service's own code."""

    file: str  # relative to the service
    line: int  # 1-based line of the original file; 0 when not at one line
    where: str
    what: str
    wired: bool = False  # `--wire` makes this edit

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "where": self.where,
            "what": self.what,
            "wired": self.wired,
        }


@dataclass(frozen=True)
class Wiring:
    """The next steps, and what `--wire` would write (empty with `problem` when it cannot)."""

    steps: tuple[Step, ...] = ()
    edits: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    notes: tuple[str, ...] = ()

    def by_hand(self) -> str:
        """The steps as lines for a refusal message ('' when there are none)."""
        lines = [
            f"\n  {s.file}{f':{s.line}' if s.line else ''} ({s.where}): {s.what}"
            for s in self.steps
        ]
        return "; make these edits by hand:" + "".join(lines) if lines else ""

    def left(self, wired: bool) -> int:
        """How many edits are left to make by hand (after `add`, or after `add --wire`)."""
        return sum(1 for s in self.steps if not (wired and s.wired))


def next_steps(
    lang: str, dest: Path, *, import_path: str, package: str, module: str = "telemetry"
) -> Wiring:
    """The next steps for the Go module or Rust crate at `dest` (see the module doc);
    `package` is the Go package's name, `module` the Rust module's."""
    if lang == "go":
        from dataclasses import replace

        from scaffold.wiring.go import go_wiring
        from scaffold.wiring.go_existing import existing_instrumentation

        wiring = go_wiring(dest, import_path=import_path, package=package)
        return replace(wiring, steps=wiring.steps + existing_instrumentation(dest, package))
    from scaffold.wiring.rust import rust_steps

    return rust_steps(dest, module)
