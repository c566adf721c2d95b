"""The adoption fixtures (tests/fixtures/adopt/): real Go modules as teams have them.
After `scaffold add` (and `add --wire`) each still passes its own go build, gofmt -l,
go vet and go test, go.mod is what `go mod tidy` makes of it, and `check` is in sync;
or add ends with exit 2 naming what to change, and nothing is written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult

pytestmark = [
    pytest.mark.toolchain,
    pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed"),
]

FIXTURES = ROOT / "tests" / "fixtures" / "adopt"
CONV = ["-c", str(DEFAULT_CONVENTIONS)]
# The module proxy fills the cache once; GOTOOLCHAIN=local never fetches another go.
GO_ENV = {"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}


def go(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["go", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **GO_ENV},
    )
    assert result.returncode == 0, f"go {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def requires(go_mod: str) -> int:
    """The number of requirements a go.mod lists."""
    count, block = 0, False
    for line in go_mod.splitlines():
        words = line.split("//")[0].split()
        if words[:2] == ["require", "("]:
            block = True
        elif block and words == [")"]:
            block = False
        elif (block and words) or words[:1] == ["require"]:
            count += 1
    return count


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_project_passes(dest: Path) -> None:
    """The project's own gates: go build, gofmt -l, go vet, go test."""
    go(dest, "build", "./...")
    unformatted = subprocess.run(["gofmt", "-l", "."], cwd=dest, capture_output=True, text=True)
    assert unformatted.stdout == "" and unformatted.returncode == 0, unformatted.stdout
    go(dest, "vet", "./...")
    go(dest, "test", "-count=1", "./...")


def assert_tidy(dest: Path, *, go_sum: bool = True) -> None:
    """go.mod (and, with `go_sum`, go.sum) are what `go mod tidy` leaves."""
    before = {n: (dest / n).read_text(encoding="utf-8") for n in ("go.mod", "go.sum")}
    go(dest, "mod", "tidy")
    assert (dest / "go.mod").read_text(encoding="utf-8") == before["go.mod"]
    if go_sum:
        assert (dest / "go.sum").read_text(encoding="utf-8") == before["go.sum"]


@pytest.mark.parametrize(
    ("fixture", "left_after_add", "left_after_wire"),
    [("go-v2", 5, 0), ("go-foo-bar", 4, 1)],
)
def test_add_then_wire_keeps_the_project_passing(
    tmp_path: Path,
    cli: Callable[..., CliResult],
    fixture: str,
    left_after_add: int,
    left_after_wire: int,
) -> None:
    dest = copy_fixture(fixture, tmp_path)
    before = requires((dest / "go.mod").read_text(encoding="utf-8"))
    added = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    assert data["manual_edits_left"] == left_after_add and data["wire_problem"] == ""
    assert any("go directive raised" in note for note in data["notes"])
    after = requires((dest / "go.mod").read_text(encoding="utf-8"))
    print(
        f"{fixture}: go.mod requirements {before} -> {after}; edits left after add: "
        f"{data['manual_edits_left']}"
    )
    assert_tidy(dest)
    assert_project_passes(dest)
    assert cli("check", str(dest)).code == 0

    wired = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    data = json.loads(wired.out)
    assert data["wired"] == ["main.go"] and data["manual_edits_left"] == left_after_wire
    main = (dest / "main.go").read_text(encoding="utf-8")
    assert "telemetry.Setup(context.Background()" in main
    assert "telemetry.NewHandler(" in main
    print(f"{fixture}: edits left after add --wire: {data['manual_edits_left']}")
    assert_project_passes(dest)
    assert_tidy(dest)
    assert cli("check", str(dest)).code == 0
    again = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire")
    assert again.code == 2 and "it is wired" in again.err


def test_add_with_wire_in_one_step_on_the_v2_module(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = copy_fixture("go-v2", tmp_path)
    result = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire")
    assert result.code == 0, result.err
    assert "main.go: wired the instrumentation" in result.out
    assert "http.StripPrefix" in result.out  # where the wrap goes is named
    assert 'http.StripPrefix("/api", telemetry.Route(api.routes()))' in (
        dest / "main.go"
    ).read_text(encoding="utf-8")
    main = (dest / "main.go").read_text(encoding="utf-8")
    assert "logger := slog.New(telemetry.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))" in (
        main
    )
    assert "Handler:           telemetry.NewHandler(mux)," in main
    assert '"github.com/acme/orders/v2/internal/telemetry"' in main
    assert (
        json.loads((dest / ".scaffold" / "lock.json").read_text())["options"]["service_name"]
        == "orders"
    )
    assert_project_passes(dest)
    assert_tidy(dest)


def test_an_older_otel_is_refused_then_added_after_the_upgrade(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = copy_fixture("go-old-otel", tmp_path)
    assert_project_passes(dest)  # the fixture as the team has it
    before = tree(dest)
    result = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire")
    assert result.code == 2 and "Traceback" not in result.err
    assert "go.opentelemetry.io/otel v1.24.0 found, v1.47.0 needed" in result.err
    assert tree(dest) == before
    upgrade = result.err.split("`go get ")[1].split("`")[0].split()
    go(dest, "get", *upgrade)
    count = requires((dest / "go.mod").read_text(encoding="utf-8"))
    after_get = (dest / "go.sum").read_text(encoding="utf-8")
    added = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire", "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    after = requires((dest / "go.mod").read_text(encoding="utf-8"))
    print(
        f"go-old-otel: go.mod requirements {count} -> {after} (after go get); edits left "
        f"after add --wire: {data['manual_edits_left']}"
    )
    assert data["manual_edits_left"] == 0
    # Its logger is a local, not slog's default: the telemetry's own lines go to it.
    main = (dest / "main.go").read_text(encoding="utf-8")
    assert "telemetry.Setup(context.Background(), telemetry.WithSetupLogger(logger))" in main
    assert_project_passes(dest)
    # go.sum loses the lines of otel v1.24.0's module graph that `go get` left, as
    # `go mod tidy` drops them (scaffold.targets.go_sums).
    assert "go.opentelemetry.io/otel v1.24.0 h1:" in after_get
    assert "go.opentelemetry.io/otel v1.24.0" not in (dest / "go.sum").read_text(encoding="utf-8")
    assert_tidy(dest)
    assert cli("check", str(dest)).code == 0


@pytest.mark.parametrize(
    "path",
    [
        "foo_bar",
        "Example.com/x",
        "exa_mple.com/x",
        ".x",
        "a..b",
        "c++",
        "example.com/x/v2",
        "gopkg.in/yaml.v3",
        "example.com/../x",
        "example.com/x.",
        "example.com/x/v1",
        "example.com/x/v2.1",
        "gopkg.in/yaml",
        "example.com/con/x",
        "example.com/progra~1",
        "caf\u00e9",
        'a"b',
    ],
)
def test_module_paths_are_judged_as_go_mod_init_judges_them(tmp_path: Path, path: str) -> None:
    from scaffold.targets.go_modules import module_path_problem

    made = subprocess.run(
        ["go", "mod", "init", path], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert (made.returncode == 0) == (module_path_problem(path) == ""), made.stderr


# What a team adds to see its tests' spans: Setup around the test run.
_TEST_MAIN = """package main

import (
	"context"
	"os"
	"testing"

	"github.com/acme/orders/v2/internal/telemetry"
)

func TestMain(m *testing.M) {
	shutdown, err := telemetry.Setup(context.Background())
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = shutdown(context.Background())
	os.Exit(code)
}
"""


def test_the_v2_test_run_exports_spans_with_the_route_behind_strip_prefix(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    from tests.behaviour.harness import servers

    dest = copy_fixture("go-v2", tmp_path)
    assert cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire").code == 0
    (dest / "telemetry_main_test.go").write_text(_TEST_MAIN, encoding="utf-8")
    with servers() as (seen, receiver, _):
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_SAMPLER": "always_on",
            "OTEL_METRICS_EXPORTER": "none",
        }
        result = subprocess.run(
            ["go", "test", "-count=1", "-v", "./..."],
            cwd=dest,
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, **GO_ENV, **env},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        names = sorted(s.name for b in seen.batches() for s in b.spans)
    assert "telemetry export configured" in result.stderr + result.stdout
    # Three tests serve through the wired server (parallel); one serves the API without it.
    assert names == ["GET /api/orders/{id}", "GET /api/orders/{id}", "POST /api/orders/{id}"]


def test_existing_instrumentation_is_named_with_what_to_do(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = copy_fixture("go-otelhttp", tmp_path)
    before = requires((dest / "go.mod").read_text(encoding="utf-8"))
    added = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    found = {
        (s["file"], s["line"], s["where"])
        for s in data["next_steps"]
        if "otel" in s["where"] or "provider" in s["where"]
    }
    assert found == {  # the fixture's own tests set up nothing, so they are not named
        ("main.go", 18, "a second tracer provider"),
        ("main.go", 19, "a second global tracer provider"),
        ("main.go", 25, "existing otelhttp server instrumentation"),
    }
    assert data["manual_edits_left"] == 7
    wired = cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    data = json.loads(wired.out)
    assert data["manual_edits_left"] == 3
    assert all(s["file"] == "main.go" and not s["wired"] for s in data["next_steps"])
    assert any("remove this otelhttp wrap" in s["what"] for s in data["next_steps"])
    after = requires((dest / "go.mod").read_text(encoding="utf-8"))
    print(f"go-otelhttp: go.mod requirements {before} -> {after}; edits left: 7, after --wire: 3")
    assert_project_passes(dest)
    assert_tidy(dest)
    assert cli("check", str(dest)).code == 0


def test_the_foo_bar_service_exports_its_spans_after_add_wire(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """go-foo-bar (a module `go mod init foo_bar` made): after add --wire its server
    sends named spans to a receiver. Its main ends in log.Fatal, which skips deferred
    calls, so the spans leave on the batch processor's schedule, not at shutdown."""
    from tests.behaviour.harness import free_port, servers

    dest = copy_fixture("go-foo-bar", tmp_path)
    port = free_port()
    main = dest / "main.go"
    main.write_text(main.read_text().replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
    assert cli("add", "--lang", "go", "--dir", str(dest), *CONV, "--wire").code == 0
    go(dest, "build", "-o", str(tmp_path / "foo_bar"), ".")
    with servers() as (seen, receiver, _):
        env = {
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_SAMPLER": "always_on",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        proc = subprocess.Popen(
            [str(tmp_path / "foo_bar")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            names: list[str] = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not names:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=2):
                        pass
                except OSError:
                    time.sleep(0.2)
                    continue
                time.sleep(0.5)
                names = [s.name for b in seen.batches() for s in b.spans]
        finally:
            proc.kill()
            out = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert names and set(names) == {"GET /hello"}, (names, out)
