"""`expect.source`: what the real tools say about the service as `scaffold new` rendered
it (a copy kept before the fixture goes in; in library mode, and the library). Each check
names a `tool`:

- `doc`: the generated package's documentation as its reader sees it. Go: what `go doc`
  prints for the package. Rust: the summary rustdoc shows for the module, which is the
  first paragraph of the `//!` comment of its mod.rs (read from the file: rustdoc is not
  run for every row; a `//!` line before it, such as a generated header written as one,
  would be that summary).
- `format`: the formatter's check. Go: `gofmt -l` lists no file of the service (and, in
  library mode, of the library). Rust: `cargo fmt --check` passes for the service (and
  the library).
- `manifest`: the manifest is in its settled form. Go: `go mod tidy -diff` finds nothing
  to change in go.mod or go.sum. Rust has no tidy form: `cargo verify-project` accepts
  Cargo.toml and `cargo metadata` resolves it (fetching what a build for this platform
  did not need: the metadata covers every platform's dependencies).

`has` and `lacks` (regexes) apply to the text the tool printed (for `doc`, the
documentation)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.behaviour.table import Row


@dataclass(frozen=True)
class Sources:
    """Where a built service's source is: its own folder and the generated package's
    folder (inside it when vendored, the library's folder in library mode)."""

    lang: str
    service: Path
    package: Path


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if args[0] == "cargo":
        from tests.rust.rusttools import cargo

        return cargo(args[1:], cwd, timeout=600)
    from tests.go.gotools import GO, GOFMT, run

    tool = {"go": GO, "gofmt": GOFMT}[args[0]]
    assert tool is not None, f"{args[0]} is not on PATH"
    return run([tool, *args[1:]], cwd, timeout=600)


def rust_summary(mod_rs: Path) -> str:
    """The first paragraph of the module's `//!` comment, as rustdoc summarises it."""
    lines: list[str] = []
    for raw in mod_rs.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("//!"):
            text = line[3:].strip()
            if not text and lines:
                break
            if text:
                lines.append(text)
        elif lines or not (line == "" or line.startswith("//")):
            break
    return " ".join(lines)


def _doc(src: Sources) -> tuple[str, list[str]]:
    if src.lang == "go":
        proc = _run(["go", "doc", "."], src.package)
        if proc.returncode != 0:
            return "", [f"go doc failed: {proc.stderr[-2000:]}"]
        return proc.stdout, []
    return rust_summary(src.package / "mod.rs"), []


def _format(src: Sources) -> tuple[str, list[str]]:
    folders = [src.service]
    if not src.package.is_relative_to(src.service):
        folders.append(src.package if src.lang == "go" else src.package.parent.parent)
    out, bad = "", []
    for folder in folders:
        if src.lang == "go":
            proc = _run(["gofmt", "-l", "."], folder)
            listed = proc.stdout.strip()
            if proc.returncode != 0 or listed:
                bad.append(f"gofmt -l in {folder.name}: {listed or proc.stderr[-2000:]}")
        else:
            proc = _run(["cargo", "fmt", "--check"], folder)
            if proc.returncode != 0:
                bad.append(f"cargo fmt --check in {folder.name}: {proc.stdout[-3000:]}")
        out += proc.stdout
    return out, bad


def _manifest(src: Sources) -> tuple[str, list[str]]:
    if src.lang == "go":
        steps = [["go", "mod", "tidy", "-diff"]]
    else:
        steps = [
            ["cargo", "verify-project"],
            ["cargo", "metadata", "--format-version", "1"],
        ]
    out, bad = "", []
    for args in steps:
        proc = _run(args, src.service)
        if proc.returncode != 0:
            bad.append(f"{' '.join(args)}: {(proc.stdout + proc.stderr)[-3000:]}")
        out += proc.stdout if args[1] != "metadata" else ""
    return out, bad


def check_source(row: Row, src: Sources | None) -> list[str]:
    checks: list[dict[str, Any]] = row.expect.get("source", [])
    if not checks:
        return []
    if src is None:
        return ["source: this runner does not know where the service's source is"]
    problems: list[str] = []
    for check in checks:
        tool = check["tool"]
        text, bad = {"doc": _doc, "format": _format, "manifest": _manifest}[tool](src)
        problems += [f"source {tool}: {b}" for b in bad]
        for pattern in check.get("has", []):
            if not re.search(pattern, text):
                problems.append(f"source {tool}: output lacks /{pattern}/: {text[:600]!r}")
        for pattern in check.get("lacks", []):
            found = re.search(pattern, text)
            if found:
                problems.append(f"source {tool}: output has /{pattern}/: {found.group(0)!r}")
    return problems
