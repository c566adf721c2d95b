"""Every rendered dashboard decodes strictly with Grafana's own published dashboard types
(grafana-foundation-sdk, through tests/pipeline/dashcheck), and the checker refuses a
broken one. The PromQL in the dashboards is parsed by promtool in
tests/test_pipeline_promtool.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaffold.pipeline import write_pipeline
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE
from tests.pipeline.grafana import dashcheck
from tests.pipeline.otelcol import needs_go

pytestmark = [pytest.mark.toolchain, needs_go]
SOURCES = [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE]


def _rendered(conventions: Path, out: Path) -> list[Path]:
    write_pipeline("dashboards", conventions, out)
    return sorted((out / "dashboards").glob("*.json"))


def test_every_rendered_dashboard_decodes_strictly_with_grafanas_types(tmp_path: Path) -> None:
    boards = []
    for i, conventions in enumerate(SOURCES):
        boards += _rendered(conventions, tmp_path / str(i))
    assert len(boards) == 2 * len(SOURCES)
    checked = dashcheck(*boards)
    assert checked.returncode == 0, checked.stderr


Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def apply(board: dict[str, Any]) -> None:
        node = board
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


def _rename_expr(board: dict[str, Any]) -> None:
    target = board["panels"][0]["targets"][0]
    target["exp"] = target.pop("expr")


def _no_targets(board: dict[str, Any]) -> None:
    board["panels"][1]["targets"] = []


def _datasource_typo(board: dict[str, Any]) -> None:
    for target in board["panels"][0]["targets"]:
        target["datasource"] = {"type": "prometheu", "uid": "${datasource}"}
    board["panels"][0]["datasource"] = {"type": "prometheu", "uid": "${datasource}"}


# (what is broken, mutation, what the checker says)
MUTATIONS: list[tuple[str, Mutation, str]] = [
    ("unknown top-level key", _set(("panel",), []), "unexpected field 'panel'"),
    ("width as a string", _set(("panels", 0, "gridPos", "w"), "12"), "gridPos.w"),
    ("query without expr", _rename_expr, "expr: required field is missing"),
    (
        "unknown panel type",
        _set(("panels", 1, "type"), "timeserie"),
        'unknown panel type "timeserie"',
    ),
    (
        "legend without calcs",
        _set(("panels", 0, "options", "legend"), {"showLegend": True}),
        "calcs",
    ),
    (
        "variable with a typo",
        _set(("templating", "list", 0, "hidden"), 0),
        "unexpected field 'hidden'",
    ),
    ("datasource type typo", _datasource_typo, "query of an unknown datasource type"),
    ("panel without queries", _no_targets, "no queries"),
    (
        "tooltip mode not an enum value",
        _set(("panels", 0, "options", "tooltip", "mode"), 3),
        "tooltip",
    ),
]


def test_the_checker_refuses_each_broken_dashboard(tmp_path: Path) -> None:
    """Each mutation of a valid dashboard is refused, with its own finding; the valid
    original in the same run is not."""
    (original,) = [p for p in _rendered(DEFAULT_CONVENTIONS, tmp_path) if p.name == "red.json"]
    paths = [original]
    for i, (_, mutate, _) in enumerate(MUTATIONS):
        board = json.loads(original.read_text())
        mutate(board)
        path = tmp_path / f"broken-{i}.json"
        path.write_text(json.dumps(board))
        paths.append(path)
    checked = dashcheck(*paths)
    assert checked.returncode == 1
    findings: dict[str, str] = {}
    for line in checked.stderr.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and name.endswith(".json"):
            current = Path(name).name
            findings[current] = rest
        else:
            findings[current] += "\n" + line
    assert original.name not in findings, findings.get(original.name)
    for i, (what, _, said) in enumerate(MUTATIONS):
        assert said in findings.get(f"broken-{i}.json", ""), (what, findings)
