"""`scaffold add` says what is left to do, read from the project; `add --wire` does it for
the common Go shape, in the same journaled write, or refuses and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.sync import read_lock
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
GO_MOD = "module example.com/shop\n\ngo 1.26.0\n"

SERVER_MAIN = """package main

import (
	"log/slog"
	"net/http"
	"os"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	mux := http.NewServeMux()
	srv := &http.Server{Addr: ":8080", Handler: mux}
	if err := srv.ListenAndServe(); err != nil {
		logger.Error("stopped", "error", err)
	}
}
"""


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_next_steps_name_file_line_and_edit(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": SERVER_MAIN})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV)
    assert result.code == 0, result.err
    assert "next steps (4 edit(s) in your code):" in result.out
    assert "main.go:3 (the import block) [--wire]" in result.out
    assert 'add "context", "example.com/shop/internal/telemetry"' in result.out
    assert "main.go:11 (func main, after the logger) [--wire]" in result.out
    assert (
        "main.go:12 (the http.Server's Handler) [--wire]:\n       mux -> telemetry.NewHandler(mux)"
        in (result.out)
    )
    assert "slog.NewJSONHandler(os.Stdout, nil) -> telemetry.NewLogHandler(" in result.out
    assert (tmp_path / "main.go").read_text(encoding="utf-8") == SERVER_MAIN  # add only says


def test_wire_dry_run_shows_the_diff_and_writes_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": SERVER_MAIN})
    before = tree(tmp_path)
    dry = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire", "--dry-run")
    assert dry.code == 0, dry.err
    setup = "telemetry.Setup(context.Background(), telemetry.WithSetupLogger(logger))"
    assert "+\tshutdownTelemetry, errTelemetry := " + setup in dry.out
    assert "main.go: would wire the instrumentation" in dry.out
    assert tree(tmp_path) == before
    as_json = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire", "--json")
    data = json.loads(as_json.out)
    assert as_json.code == 0 and data["wired"] == ["main.go"] and data["manual_edits_left"] == 0
    assert data["next_steps"] == []
    main = (tmp_path / "main.go").read_text(encoding="utf-8")
    assert 'logger.Warn("telemetry setup failed; the service runs without it"' in main
    assert 'srv := &http.Server{Addr: ":8080", Handler: telemetry.NewHandler(mux)}' in main
    assert "main.go" not in read_lock(tmp_path).files  # the team's file, not in the lock


def test_wire_later_in_a_service_added_before(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": SERVER_MAIN})
    assert cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV).code == 0
    lock = (tmp_path / ".scaffold" / "lock.json").read_bytes()
    wired = cli("add", "--lang", "go", "--dir", str(tmp_path), "--wire")
    assert wired.code == 0, wired.err
    assert "main.go: wired the instrumentation" in wired.out
    assert "telemetry.NewHandler(mux)" in (tmp_path / "main.go").read_text(encoding="utf-8")
    assert (tmp_path / ".scaffold" / "lock.json").read_bytes() == lock
    assert cli("check", str(tmp_path)).code == 0


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"lib.go": "package shop\n"}, "no file with package main and func main"),
        (
            {
                "main.go": SERVER_MAIN.replace(
                    "srv := ", 'go http.ListenAndServe(":9", nil)\n\tsrv := '
                )
            },
            "2 http.ListenAndServe(addr, handler) or http.Server{Handler: ...} found",
        ),
        (
            {"main.go": SERVER_MAIN.replace(", Handler: mux}", "}")},
            "main.go:12: http.Server has no Handler",
        ),
        (
            {
                "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8", nil) }\n'
            },
            "main.go: func main is not a block of its own lines",
        ),
        (
            {
                "main.go": SERVER_MAIN.replace(
                    '\t"os"\n', '\t"os"\n\n\t"example.com/lib/telemetry"\n'
                )
            },
            "main.go:7: the name telemetry is taken here",
        ),
        (
            {"main.go": SERVER_MAIN, "api.go": "package main\n\nvar telemetry = 1\n"},
            "api.go:3: the name telemetry is taken here",
        ),
        (
            {"main.go": SERVER_MAIN, "api.go": "package main\n\nfunc context() {}\n"},
            "api.go:3: the name context is taken here",
        ),
        (
            {
                "main.go": SERVER_MAIN.replace(
                    "\tmux := ", "\tcontext := 1\n\t_ = context\n\tmux := "
                )
            },
            "main.go:11: the name context is taken here",
        ),
        (
            {"cmd/a/main.go": SERVER_MAIN, "cmd/b/main.go": SERVER_MAIN},
            "several main packages (cmd/a/main.go, cmd/b/main.go)",
        ),
    ],
)
def test_wire_refuses_a_shape_it_does_not_know_and_writes_nothing(
    tmp_path: Path, cli: Callable[..., CliResult], files: dict[str, str], why: str
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, **files})
    before = tree(tmp_path)
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire")
    assert result.code == 2 and why in result.err and "nothing was written" in result.err
    assert "Traceback" not in result.err
    assert tree(tmp_path) == before
    told = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--json")
    assert told.code == 0 and why in json.loads(told.out)["wire_problem"]


def test_rust_wire_refuses_a_main_without_a_result_and_names_the_trace_layer(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    main = (
        "use tower_http::trace::TraceLayer;\n\n#[tokio::main]\nasync fn main() {\n"
        "    tracing_subscriber::fmt().init();\n"
        "    let app = axum::Router::new().layer(TraceLayer::new_for_http());\n"
        '    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();\n'
        "    axum::serve(listener, app).await.unwrap();\n}\n"
    )
    build_file_tree(
        tmp_path,
        {"Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\n', "src/main.rs": main},
    )
    before = tree(tmp_path)
    refused = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV, "--wire")
    assert refused.code == 2 and "src/main.rs:4: fn main returns ()" in refused.err
    assert "Result<(), Box<dyn std::error::Error>>" in refused.err
    assert tree(tmp_path) == before
    result = cli("add", "--lang", "rust", "--dir", str(tmp_path), *CONV, "--json")
    data = json.loads(result.out)
    assert "fn main returns ()" in data["wire_problem"]
    where = [(s["file"], s["line"], s["where"]) for s in data["next_steps"]]
    assert where[-1] == ("src/main.rs", 6, "tower-http's TraceLayer")
    assert (
        data["manual_edits_left"] == 8
    )  # the generic steps, the guard kept among them, and the TraceLayer


def test_a_go_rename_is_consistent_and_check_says_in_sync(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": "module example.com/acme/orders/v2\n\ngo 1.26.0\n"})
    assert cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV).code == 0
    assert read_lock(tmp_path).options.service_name == "orders"
    renamed = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--name", "orders-api")
    assert renamed.code == 0 and "renamed orders to orders-api" in renamed.out
    conventions_go = tmp_path / "internal" / "telemetry" / "conventions.go"
    assert 'const ServiceName = "orders-api"' in conventions_go.read_text(encoding="utf-8")
    assert read_lock(tmp_path).options.service_name == "orders-api"
    assert cli("check", str(tmp_path)).code == 0


def test_wire_adds_the_imports_setup_needs(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    main = (
        'package main\n\nimport "net/http"\n\nfunc main() {\n\thttp.ListenAndServe(":8", nil)\n}\n'
    )
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": main})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["manual_edits_left"] == 1  # the logger: a choice of format
    wired = (tmp_path / "main.go").read_text(encoding="utf-8")
    assert wired.startswith(
        'package main\n\nimport (\n\t"context"\n\t"log/slog"\n\t"net/http"\n\n'
        '\t"example.com/shop/internal/telemetry"\n)\n\nfunc main() {\n'
        "\tshutdownTelemetry, errTelemetry := telemetry.Setup(context.Background())\n"
    )
    assert 'http.ListenAndServe(":8", telemetry.NewHandler(http.DefaultServeMux))' in wired


def test_setup_goes_first_in_main_when_the_logger_is_made_elsewhere(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    main = SERVER_MAIN.replace(
        "\tlogger := slog.New(slog.NewJSONHandler(os.Stdout, nil))\n",
        "\tif len(os.Args) > 1 {\n\t\tlogger := slog.New(slog.NewJSONHandler(os.Stdout, nil))\n"
        '\t\tlogger.Info("args")\n\t}\n\tlogger := slog.Default()\n',
    )
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": main})
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), *CONV, "--wire")
    assert result.code == 0, result.err
    wired = (tmp_path / "main.go").read_text(encoding="utf-8")
    assert "func main() {\n\tshutdownTelemetry, errTelemetry := telemetry.Setup(" in wired
    assert '\t\tslog.Warn("telemetry setup failed' in wired  # the package logger: in scope
