"""`scaffold docs update-markdown`: keep sections of a team's own Markdown up to date.

A section is everything between two marker comments, which stay in place (markers inside
fenced code blocks are left alone, so a page can show how to use them):

    <!-- scaffold-docs:begin attributes -->
    (replaced on every update)
    <!-- scaffold-docs:end attributes -->

Section names are the templates in templates/docs/md/parts/ (`SECTIONS`). With
`check=True` nothing is written; the result lists the files that would change.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions import load
from scaffold.errors import UsageError
from scaffold.render import RenderOptions
from scaffold.sync.atomic import Write, apply_ops
from scaffold.targets.registry import render_templates

MAX_MARKDOWN_BYTES = 8 * 1024 * 1024
SECTIONS = ("attributes", "span-naming", "sampling", "privacy", "runbook", "log-fields")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MARKER = re.compile(r"^[ \t]*<!--\s*scaffold-docs:(begin|end)\s+(\S+)\s*-->[ \t]*$")
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "target", "vendor", ".venv", "__pycache__", ".scaffold"}
)


@dataclass(frozen=True)
class MarkdownUpdate:
    files: tuple[Path, ...]  # every file holding at least one section
    changed: tuple[Path, ...]  # the files whose sections were (or would be) rewritten
    sections: int


def render_sections(conventions: Path, templates_dir: Path | None = None) -> dict[str, str]:
    """Each section's Markdown for `conventions`, without surrounding blank lines."""
    conv = load(conventions)
    opts = RenderOptions(service_name=conv.organisation, target="docs")
    names = {name: f"md/parts/{name}.md.j2" for name in SECTIONS}
    texts = render_templates("docs", list(names.values()), conv, opts, templates_dir=templates_dir)
    return {name: texts[template].strip("\n") for name, template in names.items()}


def _regular(path: Path) -> bool:
    """A regular file itself, not a symlink, FIFO or device (reading those can hang)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _markdown_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for start in paths:
        if start.is_dir() and not start.is_symlink():
            for folder, dirs, files in os.walk(start):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                found.extend(
                    Path(folder) / f
                    for f in sorted(files)
                    if f.endswith(".md") and _regular(Path(folder) / f)
                )
        elif _regular(start):
            found.append(start)
        elif start.exists() or start.is_symlink():
            raise UsageError(
                f"{start} is not a regular Markdown file or folder (a symlink, FIFO or "
                "device); give Markdown files or the folders that hold them"
            )
        else:
            raise UsageError(
                f"{start} does not exist; give Markdown files or the folders that hold them"
            )
    return sorted(set(found))


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None when it is too big to be a page."""
    with path.open("rb") as handle:
        data = handle.read(MAX_MARKDOWN_BYTES + 1)
    return data if len(data) <= MAX_MARKDOWN_BYTES else None


def replace_sections(text: str, sections: dict[str, str], where: str) -> tuple[str, int]:
    """`text` with every marked section replaced, and how many sections it holds."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    open_name = ""
    open_line = 0
    count = 0
    fence = ""
    for number, line in enumerate(lines, start=1):
        opened = _FENCE.match(line)
        if fence:
            # Inside a fenced code block markers are examples, not markers.
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            match = None
        elif opened and not open_name:
            fence = opened.group(1)
            match = None
        else:
            match = _MARKER.match(line.rstrip("\r\n"))
        if match is None:
            if not open_name:
                out.append(line)
            continue
        kind, name = match.groups()
        if kind == "begin":
            if open_name:
                raise UsageError(
                    f"{where}:{number}: section {name!r} begins inside section "
                    f"{open_name!r} (opened on line {open_line})"
                )
            if name not in sections:
                raise UsageError(
                    f"{where}:{number}: unknown section {name!r}; known: {', '.join(SECTIONS)}"
                )
            open_name, open_line = name, number
            out.append(line if line.endswith(("\n", "\r")) else line + newline)
            body = sections[name].replace("\n", newline)
            out.append(newline + body + newline + newline)
        else:
            if name != open_name:
                raise UsageError(
                    f"{where}:{number}: end of section {name!r} without its begin marker"
                    if not open_name
                    else f"{where}:{number}: end of {name!r} closes section {open_name!r}"
                )
            open_name = ""
            count += 1
            out.append(line)
    if open_name:
        raise UsageError(f"{where}:{open_line}: section {open_name!r} is never closed")
    return "".join(out), count


def update_markdown(
    paths: Sequence[Path],
    *,
    conventions: Path,
    check: bool = False,
    templates_dir: Path | None = None,
) -> MarkdownUpdate:
    """Rewrite the marked sections of the Markdown files at or under `paths`."""
    sections = render_sections(conventions, templates_dir)
    holding: list[Path] = []
    changed: list[tuple[Path, str]] = []
    total = 0
    for path in _markdown_files(paths):
        raw = _read(path)
        if raw is None:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        new, count = replace_sections(text, sections, str(path))
        if count == 0:
            continue
        holding.append(path)
        total += count
        if new != text:
            changed.append((path, new))
    if not check:
        for path, new in changed:
            apply_ops(path.parent, [Write(path.name, new.encode("utf-8"))])
    return MarkdownUpdate(tuple(holding), tuple(p for p, _ in changed), total)
