"""The docs' table of environment variables and the behaviour table prove each other: a
variable the docs say a language reads is set by a behaviour row (which both languages
pass with real processes), and every OTEL_* variable a row sets is in the docs' table.
The table is also held to the runtimes' sources: every OTEL_* name their own code reads
is in it, marked as read (or checked) for that language, and the other way round."""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.targets.docs.environment import CHECKED, READ, STANDARD
from tests.behaviour.table import load

ROOT = Path(__file__).resolve().parents[2]
GO_DIR = ROOT / "runtime" / "go" / "telemetry"
RUST_DIR = ROOT / "runtime" / "rust" / "src" / "telemetry"
SIGNALS = ("TRACES", "METRICS")
OWN = (READ, CHECKED)

_LITERAL = re.compile(r'"(OTEL_[A-Z0-9_]*[A-Z0-9])"')
# A signal's variable built from its parts: Go `"OTEL_EXPORTER_OTLP_" + signal + "_X"`,
# Rust `format!("OTEL_EXPORTER_OTLP_{signal}_X")`.
_GO_SIGNAL = re.compile(r'"OTEL_EXPORTER_OTLP_" \+ signal \+ "_([A-Z0-9_]*[A-Z0-9])"')
_RUST_SIGNAL = re.compile(r'"OTEL_EXPORTER_OTLP_\{signal\}_([A-Z0-9_]*[A-Z0-9])"')
# Go's certificate variables: pick("X") looks up OTEL_EXPORTER_OTLP_<signal>_X and
# OTEL_EXPORTER_OTLP_X.
_GO_SUFFIX = '"OTEL_EXPORTER_OTLP_" + suffix'
_GO_PICK = re.compile(r'pick\("([A-Z0-9_]+)"\)')


def _expand(suffixes: list[str]) -> set[str]:
    out = {f"OTEL_EXPORTER_OTLP_{s}" for s in suffixes}
    out |= {f"OTEL_EXPORTER_OTLP_{sig}_{s}" for s in suffixes for sig in SIGNALS}
    return out


def names_in_go(text: str) -> set[str]:
    names = set(_LITERAL.findall(text)) | _expand(_GO_SIGNAL.findall(text))
    if _GO_SUFFIX in text:
        names |= _expand(_GO_PICK.findall(text))
    return names


def names_in_rust(text: str) -> set[str]:
    text = text.split("#[cfg(test)]\nmod tests", 1)[0]
    return set(_LITERAL.findall(text)) | _expand(_RUST_SIGNAL.findall(text))


def go_names() -> set[str]:
    files = [p for p in GO_DIR.glob("*.go") if not p.name.endswith("_test.go")]
    return set().union(*(names_in_go(p.read_text()) for p in files))


def rust_names() -> set[str]:
    files = [p for p in RUST_DIR.glob("*.rs") if not re.search(r"(^|_)tests\.rs$", p.name)]
    return set().union(*(names_in_rust(p.read_text()) for p in files))


def test_every_read_variable_is_proven_by_a_row() -> None:
    rows = {row.id: row for row in load()}
    for var in STANDARD:
        if var.go in OWN or var.rust in OWN:
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


def test_table_names_each_variable_once() -> None:
    names = [var.name for var in STANDARD]
    assert len(names) == len(set(names))


def test_source_scan_finds_built_names() -> None:
    go = 'e.get("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT"); "OTEL_X_"'
    assert names_in_go(go) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    }
    rust = 'format!("OTEL_EXPORTER_OTLP_{signal}_INSECURE"), "OTEL_SDK_DISABLED"'
    rust += '\n#[cfg(test)]\nmod tests { "OTEL_ONLY_IN_TESTS" }'
    assert names_in_rust(rust) == {
        "OTEL_SDK_DISABLED",
        "OTEL_EXPORTER_OTLP_INSECURE",
        "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
        "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
    }


def _check_language(lang: str, read: set[str]) -> None:
    table = {var.name: getattr(var, lang) for var in STANDARD}
    missing = sorted(name for name in read if name not in table)
    assert not missing, f"{lang} reads {missing}, not in the docs' table"
    wrong = sorted(name for name in read if table[name] not in OWN)
    assert not wrong, f"{lang} reads {wrong}, the docs' table says otherwise"
    claimed = sorted(name for name, status in table.items() if status in OWN)
    unread = [name for name in claimed if name not in read]
    assert not unread, f"the docs' table says {lang} reads {unread}; its code does not"


def test_go_sources_match_the_table() -> None:
    _check_language("go", go_names())


def test_rust_sources_match_the_table() -> None:
    _check_language("rust", rust_names())
