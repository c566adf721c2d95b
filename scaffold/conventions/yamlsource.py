"""The only place scaffold parses YAML.

`read_located` turns a file into plain Python values plus the line and column of every
key and value, and reports duplicate keys (which plain YAML loaders silently merge).
Inputs are bounded: regular files only, at most `MAX_BYTES`, at most `MAX_VALUES` values
once aliases are expanded, at most `MAX_DEPTH` levels of nesting.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import (
    ConventionsError,
    Finding,
    TemplateError,
    UsageError,
    explain_os_error,
)

Path_ = tuple[str | int, ...]

MAX_BYTES = 4 * 1024 * 1024
MAX_VALUES = 100_000
# Characters no Go or Rust literal, file name or UTF-8 file can carry.
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")
MAX_DEPTH = 64


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass
class Located:
    """Plain values from a YAML file, and where each came from (1-based line and column).

    `broken` holds the paths whose value could not be read (too deep, a key that is not a
    scalar, a number too long): the value there is None and says nothing about the file.
    """

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    broken: list[Path_] = field(default_factory=list)

    def where(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at `path`, else of its nearest parent."""
        probe = path
        while True:
            table = self.keys if key else self.values
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def finding(self, path: Path_, message: str, hint: str = "", key: bool = False) -> Finding:
        line, column = self.where(path, key)
        return Finding(self.file, line, column, format_path(path), message, hint)

    def broke(self, path: Path_, message: str, hint: str = "") -> None:
        self.broken.append(path)
        self.findings.append(self.finding(path, message, hint))


class _TooManyValues(Exception):
    """The document expands (through aliases) to more than MAX_VALUES values."""

    def __init__(self, path: Path_) -> None:
        super().__init__(format_path(path))
        self.path = path


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, out: Located) -> None:
        self.loader = loader
        self.out = out
        self.count = 0

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        self.out.values[path] = self.pos(node)
        if self.count > MAX_VALUES:
            raise _TooManyValues(path)
        if len(path) > MAX_DEPTH:
            self.out.broke(path, f"nesting is too deep (more than {MAX_DEPTH} levels)")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError) as exc:
            self.out.broke(path, f"cannot read this value: {exc}", "Write a shorter value.")
            return None
        if isinstance(value, str) and _UNWRITABLE.search(value):
            self.out.broke(
                path,
                "the text holds a NUL or a lone surrogate (\\ud800-\\udfff), which no "
                "generated file can carry",
                "Remove the escape, or write the whole character.",
            )
            return None
        return value

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.out.values[(*path, "?")] = self.pos(key_node)
                self.out.broke((*path, "?"), "a key must be a plain word, not a list or mapping")
                continue
            key = str(self.scalar(key_node, (*path, "?")))
            child = (*path, key)
            if key in result:
                first = self.out.keys[child]
                self.out.keys[child] = self.pos(key_node)
                self.out.findings.append(
                    self.out.finding(
                        child,
                        f"duplicate key {key!r} (first at line {first[0]})",
                        "Remove one of them.",
                        key=True,
                    )
                )
            self.out.keys[child] = self.pos(key_node)
            result[key] = self.convert(value_node, child)
        return result


def _yaml_finding(file: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    return Finding(file, line, column, "", text, "Fix the YAML syntax at this place.")


def _reader_finding(file: str, text: str, exc: yaml.reader.ReaderError) -> Finding:
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    return Finding(
        file,
        line,
        column,
        "",
        f"not valid YAML: character #x{exc.character:04x} is not allowed",
        "Remove it, or write it as an escape in a quoted string.",
    )


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
NOT_A_FILE_FIX = (
    "give the path of a regular YAML file (--conventions FILE, e.g. observability.yaml; "
    "`scaffold init` writes one)"
)


def not_a_file(name: str, mode: int, fix: str = NOT_A_FILE_FIX) -> str:
    """Why a path whose mode is not a regular file's cannot be a conventions file."""
    if stat.S_ISDIR(mode):
        return f"{name}: is a folder, not a conventions file; give the file in it, e.g. {name}/observability.yaml"
    what = next((text for test, text in _KINDS if test(mode)), "not a regular file")
    return (
        f"{name}: is {what}, not a regular file; scaffold reads conventions only from a file: {fix}"
    )


def conventions_file_problem(path: Path, name: str, fix: str = "") -> str:
    """Why `path` cannot be read as a conventions file ('' when it is a regular file); looks
    with stat only, so a FIFO is never opened (which would wait for a writer). `fix`
    replaces the advice (which names --conventions) for commands that take paths."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"{name}: no such file; " + (
            fix or "give the conventions file with --conventions FILE, or run `scaffold init`"
        )
    except OSError as exc:
        return f"{name}: cannot read: {explain_os_error(exc, path)}"
    return "" if stat.S_ISREG(mode) else not_a_file(name, mode, fix or NOT_A_FILE_FIX)


def read_bounded_text(path: Path, name: str, fix: str = "") -> str:
    """The UTF-8 text of a regular file of at most MAX_BYTES; anything else is refused
    without blocking (a FIFO, a device, a folder). `fix`: as for conventions_file_problem."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise UsageError(conventions_file_problem(path, name, fix) or str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {explain_os_error(exc, path)}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(not_a_file(name, info.st_mode, fix or NOT_A_FILE_FIX))
        if info.st_size > MAX_BYTES:
            raise UsageError(_too_big(name))
        raw = _read_at_most(fd, MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {explain_os_error(exc, path)}") from exc
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise UsageError(_too_big(name))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        finding = Finding(
            name, line, column, "", f"not UTF-8 text (byte {exc.start})", "Save it as UTF-8."
        )
        raise ConventionsError([finding]) from exc


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


_TOO_BIG = f"larger than {MAX_BYTES // (1024 * 1024)} MiB; a conventions file is far smaller"


def _too_big(name: str) -> str:
    return f"{name}: {_TOO_BIG}"


def read_located(path: Path, display: str | None = None) -> Located:
    """Parse `path` into a `Located`; YAML syntax errors become findings, not exceptions."""
    name = display or str(path)
    return read_located_text(read_bounded_text(path, name), name)


def read_located_text(text: str, name: str) -> Located:
    out = Located(file=name, data=None)
    if len(text) > MAX_BYTES:
        out.findings.append(Finding(name, 1, 1, "", _TOO_BIG))
        return out
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        out.data = _Converter(loader, out).convert(node, ()) if node is not None else None
    except yaml.reader.ReaderError as exc:
        out.findings.append(_reader_finding(name, text, exc))
    except yaml.YAMLError as exc:
        out.findings.append(_yaml_finding(name, exc))
        out.data = None
    except _TooManyValues as exc:
        out.findings.append(
            out.finding(
                exc.path[:1],
                f"the file expands to more than {MAX_VALUES} values (nested YAML aliases?)",
                "Write the values out instead of repeating anchors (&name) through aliases (*name).",
            )
        )
        out.data = None
    except (ValueError, TypeError, OverflowError) as exc:
        out.findings.append(Finding(name, 1, 1, "", f"not valid YAML: {exc}"))
        out.data = None
    except RecursionError:
        line, column = _mark(loader)
        out.findings.append(
            Finding(name, line, column, "", f"nesting is too deep (more than {MAX_DEPTH} levels)")
        )
        out.data = None
    finally:
        if loader is not None:
            loader.dispose()
    return out


def _mark(loader: yaml.SafeLoader | None) -> tuple[int, int]:
    if loader is None:
        return (1, 1)
    mark = loader.get_mark()
    return (mark.line + 1, mark.column + 1)


def read_plain_yaml(path: Path) -> Any:
    """Plain values of a YAML data file shipped with scaffold (manifests); errors are fatal."""
    located = read_located(path)
    if located.findings:
        raise TemplateError("\n".join(f.render() for f in located.findings))
    return located.data
