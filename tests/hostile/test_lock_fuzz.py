"""A hypothesis test: mutated locks (values, types, paths, nesting) never cause a traceback
and never a write, delete or read outside the service, whatever `update --force` does."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.sync.lock import sha256_hex
from tests.conftest import examples

from .conftest import SECRET, Cli, expect, snap

PATHS = st.sampled_from(
    [
        "config/sampling.yaml",
        "internal/telemetry/attributes.go",
        "cmd/payments/main.go",
        "README.md",
        "../../outside/secret.txt",
        "../outside/secret.txt",
        "/etc/hostname",
        ".git/config",
        ".scaffold/lock.json",
        "internal/../../../outside/secret.txt",
        "link/secret.txt",
        "internal/telemetry/attr_zz.go",
        "a\0b",
        "x\n",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    PATHS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    [
        ("target",),
        ("lock_version",),
        ("tool_version",),
        ("templates_digest",),
        ("conventions", "path"),
        ("conventions", "digest"),
        ("options", "service_name"),
        ("options", "target"),
        ("options", "mode"),
        ("options", "extra"),
        ("files",),
        ("conventions",),
        ("options",),
    ]
)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "entry", "entry-field"]))
        if kind == "set":
            out.append((kind, draw(KEYS), draw(VALUES)))
        elif kind == "entry":
            owner = draw(st.sampled_from(["generated", "user", "x"]))
            out.append((kind, draw(PATHS), owner))
        else:
            field = draw(st.sampled_from(["owner", "sha256", "template", "other"]))
            out.append((kind, draw(PATHS), (field, draw(VALUES))))
    return out


def _apply(data: dict[str, Any], changes: list[tuple[str, Any, Any]]) -> None:
    for kind, where, value in changes:
        if kind == "set":
            node = data
            for key in where[:-1]:
                node = node[key] if isinstance(node.get(key), dict) else node.setdefault(key, {})
                if not isinstance(node, dict):
                    break
            else:
                node[where[-1]] = value
        elif kind == "entry" and isinstance(data.get("files"), dict):
            data["files"][where] = {"owner": value, "sha256": sha256_hex(SECRET), "template": ""}
        elif isinstance(data.get("files"), dict):
            entry = data["files"].setdefault(where, {"owner": "generated", "sha256": "0" * 64})
            if isinstance(entry, dict):
                entry[value[0]] = value[1]


@pytest.mark.slow
@settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=mutations(), force=st.booleans())
def test_mutated_locks_never_escape(
    pristine: Path, cli: Cli, changes: list[tuple[str, Any, Any]], force: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "w"
        shutil.copytree(pristine, world, symlinks=True)
        svc, outside = world / "services" / "payments", world / "outside"
        (svc / "link").symlink_to(outside)
        lock = svc / ".scaffold" / "lock.json"
        data = json.loads(lock.read_text())
        _apply(data, changes)
        lock.write_text(json.dumps(data))
        before = snap(outside)
        run = cli("update", *(["--force"] if force else []), "--json", str(svc))
        expect(run, run.code)  # no traceback, whatever the code
        assert run.code in (0, 1, 2)
        assert json.loads(run.out)["exit_code"] == run.code
        assert SECRET.decode().strip() not in run.text
        assert snap(outside) == before
        assert (svc / "link").is_symlink()
        check = cli("check", "--json", str(svc))
        expect(check, check.code)
        assert json.loads(check.out)["exit_code"] == check.code
        assert snap(outside) == before
