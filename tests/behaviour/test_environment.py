"""The docs' table of environment variables and the behaviour table prove each other: a
variable the docs say a language reads is set by a behaviour row (which both languages
pass with real processes), and every OTEL_* variable a row sets is in the docs' table."""

from __future__ import annotations

from scaffold.targets.docs.environment import READ, STANDARD
from tests.behaviour.table import load


def test_every_read_variable_is_proven_by_a_row() -> None:
    rows = {row.id: row for row in load()}
    for var in STANDARD:
        if READ in (var.go, var.rust):
            assert var.rows, f"{var.name} is marked read but names no behaviour row"
        for rid in var.rows:
            assert rid in rows, f"{var.name}: no behaviour row {rid}"
            assert var.name in rows[rid].env, f"{var.name}: row {rid} does not set it"


def test_every_otel_variable_a_row_sets_is_documented() -> None:
    documented = {var.name for var in STANDARD}
    for row in load():
        for name in row.env:
            if name.startswith("OTEL_"):
                assert name in documented, f"row {row.id} sets {name}, not in the docs' table"
