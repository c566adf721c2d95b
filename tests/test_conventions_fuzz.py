"""Mutating the default conventions never crashes the loader: valid, or a ConventionsError."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.conventions import load_text
from scaffold.conventions.model import Conventions
from scaffold.errors import ConventionsError
from tests.conftest import DEFAULT_CONVENTIONS, examples

TEXT = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
DATA = yaml.safe_load(TEXT)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["grpc", "10s", "prod", "app.tenant.id", "{http.route}", "enum", "pii", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            out += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += paths(child, (*prefix, index))
    return out


ALL_PATHS = paths(DATA)[1:]


def mutate_data(path: tuple[Any, ...], action: str, value: Any, key: str) -> str:
    data = yaml.safe_load(TEXT)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    elif action == "add" and isinstance(parent[last], list):
        parent[last].append(value)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def mutate_text(line: int, action: str, junk: str) -> str:
    lines = TEXT.splitlines(keepends=True)
    index = line % len(lines)
    if action == "delete":
        del lines[index]
    elif action == "duplicate":
        lines.insert(index, lines[index])
    elif action == "insert":
        lines.insert(index, junk + "\n")
    elif action == "splice":
        cut = len(lines[index]) // 2
        lines[index] = lines[index][:cut] + junk + lines[index][cut:]
    return "".join(lines)


def outcome(text: str) -> str:
    try:
        result = load_text(text, "mutant.yaml")
    except ConventionsError as exc:
        assert exc.findings, "an error must list at least one problem"
        for finding in exc.findings:
            assert finding.line >= 1 and finding.column >= 1
            assert finding.file == "mutant.yaml"
        return "invalid"
    assert isinstance(result, Conventions)
    return "valid"


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(ALL_PATHS),
    action=st.sampled_from(["replace", "delete", "add"]),
    value=values,
    key=st.text(max_size=10),
)
def test_data_mutations_never_crash(
    path: tuple[Any, ...], action: str, value: Any, key: str
) -> None:
    outcome(mutate_data(path, action, value, key))


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=st.integers(min_value=0, max_value=10_000),
    action=st.sampled_from(["delete", "duplicate", "insert", "splice"]),
    junk=st.text(max_size=20),
)
def test_text_mutations_never_crash(line: int, action: str, junk: str) -> None:
    outcome(mutate_text(line, action, junk))
