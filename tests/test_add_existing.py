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


def test_nested_modules_vendor_and_ignored_files_are_not_named(tmp_path: Path) -> None:
    """Only the module's own built files count: a nested module, vendor/ and a file that
    builds only with the ignore tag are not the module's instrumentation."""
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.22\n", encoding="utf-8")
    nested = tmp_path / "tools"
    nested.mkdir()
    (nested / "go.mod").write_text("module example.com/tools\n\ngo 1.22\n", encoding="utf-8")
    (nested / "main.go").write_text(MAIN, encoding="utf-8")
    vendored = tmp_path / "vendor" / "example.com" / "x"
    vendored.mkdir(parents=True)
    (vendored / "x.go").write_text(MAIN, encoding="utf-8")
    (tmp_path / "gen.go").write_text("//go:build ignore\n\n" + MAIN, encoding="utf-8")
    assert existing_instrumentation(tmp_path, "telemetry") == ()
    (tmp_path / "main.go").write_text(MAIN, encoding="utf-8")
    assert {s.file for s in existing_instrumentation(tmp_path, "telemetry")} == {"main.go"}
