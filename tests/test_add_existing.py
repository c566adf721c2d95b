"""Existing instrumentation in a Go module is named, by file and line, whatever the import
alias; commented-out code, test files and the generated package are not read."""

from __future__ import annotations

from pathlib import Path

from scaffold.wiring.go_existing import existing_instrumentation

MAIN = """package main

import (
\t"net/http"

\twrap "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
\tgotel "go.opentelemetry.io/otel"
\tst "go.opentelemetry.io/otel/sdk/trace"
)

// otelhttp.NewHandler(x) in a comment is not a use.
func main() {
\ttp := st.NewTracerProvider()
\tgotel.SetTracerProvider(tp)
\tc := &http.Client{Transport: wrap.NewTransport(nil)}
\t_ = c
\t_ = http.ListenAndServe(":1", wrap.NewHandler(http.NotFoundHandler(), "x"))
}
"""


def test_uses_are_named_by_alias_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text(MAIN, encoding="utf-8")
    (tmp_path / "main_test.go").write_text(MAIN, encoding="utf-8")
    gen = tmp_path / "internal" / "telemetry"
    gen.mkdir(parents=True)
    (gen / "setup.go").write_text(MAIN, encoding="utf-8")
    steps = existing_instrumentation(tmp_path, "telemetry")
    got = [(s.file, s.line, s.where) for s in steps]
    assert got == [
        ("main.go", 13, "a second tracer provider"),
        ("main.go", 14, "a second global tracer provider"),
        ("main.go", 15, "existing otelhttp client instrumentation"),
        ("main.go", 17, "existing otelhttp server instrumentation"),
    ]
    assert all(not s.wired and "telemetry." in s.what for s in steps)


def test_a_commented_import_is_no_use(tmp_path: Path) -> None:
    text = MAIN.replace(
        '\tst "go.opentelemetry.io/otel/sdk/trace"', '\t// st "go.opentelemetry.io/otel/sdk/trace"'
    )
    (tmp_path / "main.go").write_text(text, encoding="utf-8")
    wheres = [s.where for s in existing_instrumentation(tmp_path, "telemetry")]
    assert "a second tracer provider" not in wheres and len(wheres) == 3
