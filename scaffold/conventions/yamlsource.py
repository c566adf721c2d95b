"""The only place scaffold parses YAML.

`read_located` turns a file into plain Python values plus the line and column of every
key and value, and reports duplicate keys (which plain YAML loaders silently merge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import Finding, TemplateError, UsageError

Path_ = tuple[str | int, ...]


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
    """Plain values from a YAML file, and where each came from (1-based line and column)."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

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


_MAX_DEPTH = 64


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, out: Located) -> None:
        self.loader = loader
        self.out = out

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.out.values[path] = self.pos(node)
        if len(path) > _MAX_DEPTH:
            self.out.findings.append(self.out.finding(path, "nesting is too deep"))
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.out.values[(*path, "?")] = self.pos(key_node)
                    self.out.findings.append(
                        self.out.finding(
                            (*path, "?"), "a key must be a plain word, not a list or mapping"
                        )
                    )
                    continue
                key = str(self.loader.construct_object(key_node))
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
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node)


def _yaml_finding(file: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    return Finding(file, line, column, "", text, "Fix the YAML syntax at this place.")


def read_located(path: Path, display: str | None = None) -> Located:
    """Parse `path` into a `Located`; YAML syntax errors become findings, not exceptions."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{name}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror}") from exc
    return read_located_text(text, name)


def read_located_text(text: str, name: str) -> Located:
    out = Located(file=name, data=None)
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        out.data = _Converter(loader, out).convert(node, ()) if node is not None else None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        out.findings.append(
            Finding(
                name,
                line,
                column,
                "",
                f"not valid YAML: character #x{exc.character:04x} " "is not allowed",
                "Remove it, or write it as an escape in a quoted string.",
            )
        )
    except yaml.YAMLError as exc:
        out.findings.append(_yaml_finding(name, exc))
        out.data = None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        out.findings.append(Finding(name, 1, 1, "", f"not valid YAML: {exc}"))
        out.data = None
    finally:
        if loader is not None:
            loader.dispose()
    return out


def read_plain_yaml(path: Path) -> Any:
    """Plain values of a YAML data file shipped with scaffold (manifests); errors are fatal."""
    located = read_located(path)
    if located.findings:
        raise TemplateError("\n".join(f.render() for f in located.findings))
    return located.data
