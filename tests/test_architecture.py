"""The shape of the code: no import cycle between packages, no module or function too big,
no template without template syntax."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "scaffold"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def _package_of(module: str) -> str:
    """The package a module belongs to: `scaffold.sync.plan` -> `scaffold.sync`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _imports(path: Path, module: str, known: dict[str, Path]) -> set[str]:
    """The scaffold modules `path` imports, at any depth of the file (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        found.update(n for n in names if n in known)
    return found


def package_graph() -> dict[str, set[str]]:
    """Package -> the other scaffold packages its modules import."""
    known = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        own = _package_of(module)
        deps = {_package_of(m) for m in _imports(path, module, known)}
        graph.setdefault(own, set()).update(d for d in deps if d != own and d != "scaffold")
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_between_packages() -> None:
    graph = package_graph()
    assert "scaffold.sync" in graph and "scaffold.targets" in graph
    assert _cycle(graph) == [], " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_the_render_core_knows_no_target() -> None:
    graph = package_graph()
    assert "scaffold.targets" not in graph["scaffold.render"]
    assert "scaffold.docs" not in graph["scaffold.targets"]


def test_no_module_over_the_limit() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_over_the_limit() -> None:
    long: dict[str, int] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = size
    assert long == {}, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def test_every_template_has_template_syntax() -> None:
    """A file that renders to itself is static source: it belongs under runtime/."""
    plain = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "templates").rglob("*.j2"))
        if not any(mark in p.read_text(encoding="utf-8") for mark in TEMPLATE_SYNTAX)
    ]
    assert plain == [], f"templates without template syntax (move them to runtime/): {plain}"
