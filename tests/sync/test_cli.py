"""The update and check commands: output, --json, --dry-run, exit codes via the error types."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.cli import sync as sync_cli
from scaffold.cli.main import run as scaffold_run

from .conftest import TEMPLATES, change_conventions, set_prod_ratio, snapshot

App = Callable[..., tuple[int, str, str]]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> App:
    """`scaffold` itself (scaffold/cli/main.py maps results and errors to exit codes),
    its update and check rendering the fixture target from the test templates."""
    real_update, real_check = sync_cli.update_services, sync_cli.check_services
    monkeypatch.setattr(
        sync_cli, "update_services", lambda *a, **k: real_update(*a, templates_dir=TEMPLATES, **k)
    )
    monkeypatch.setattr(
        sync_cli, "check_services", lambda *a, **k: real_check(*a, templates_dir=TEMPLATES, **k)
    )

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = scaffold_run(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def run(app: App, *args: str) -> tuple[int, str]:
    """The exit code, and stdout followed by stderr."""
    code, out, err = app(*args)
    return code, out + err


def test_update_prints_summary_and_is_idempotent(
    app: App, service: Path, conventions: Path
) -> None:
    change_conventions(conventions, set_prod_ratio(0.2))
    code, out = run(app, "update", str(service))
    assert code == 0
    assert "SERVICE" in out and "CONFLICTS" in out
    assert "updated" in out
    code, out = run(app, "update", str(service))
    assert code == 0
    assert "nothing to do: every service is up to date" in out


def test_update_dry_run_prints_diff(app: App, service: Path, conventions: Path) -> None:
    change_conventions(conventions, set_prod_ratio(0.2))
    before = snapshot(service)
    code, out = run(app, "update", str(service), "--dry-run")
    assert code == 0
    assert '+  "production": 0.2' in out
    assert "would-update" in out
    assert snapshot(service) == before


def test_update_conflict_exits_1_and_lists_the_file(
    app: App, service: Path, conventions: Path
) -> None:
    main = service / "cmd/payments/main.go"
    main.write_text(main.read_text().replace("const defaultRatio = 0.1", "const defaultRatio = 1"))
    change_conventions(conventions, set_prod_ratio(0.2))
    code, out = run(app, "update", str(service))
    assert code == 1
    assert "cmd/payments/main.go: 1 conflict(s), resolve the markers" in out
    assert "1 file(s) with conflicts in 1 service(s)" in out


def test_update_json(app: App, service: Path, conventions: Path) -> None:
    gen = service / "config/sampling.yaml"
    gen.write_text(gen.read_text() + "# mine\n")
    change_conventions(conventions, set_prod_ratio(0.2))
    code, out, err = app("update", str(service), "--json")
    assert code == 1 and "refused (hand edits in generated files)" in err
    data = json.loads(out)
    [svc] = data["services"]
    assert data["exit_code"] == 1
    assert svc["status"] == "refused"
    assert svc["refusals"][0]["path"] == "config/sampling.yaml"
    assert "-# mine" in svc["refusals"][0]["diff"]


def test_check_names_each_file_and_why(app: App, service: Path, conventions: Path) -> None:
    assert run(app, "check", str(service)) == (0, "1 service(s) in sync\n")
    gen = service / "internal/telemetry/attributes.go"
    gen.write_text(gen.read_text() + "// mine\n")
    change_conventions(conventions, set_prod_ratio(0.2))
    before = snapshot(service)
    code, out = run(app, "check", str(service))
    assert code == 1
    assert "internal/telemetry/attributes.go: edited by hand" in out
    assert "config/sampling.yaml: conventions changed" in out
    assert "cmd/payments/main.go: conventions changed (user-owned, would merge)" in out
    assert snapshot(service) == before

    code, out, _err = app("check", str(service), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["exit_code"] == 1
    drift = {d["path"]: d["reason"] for d in data["services"][0]["drift"]}
    assert drift["internal/telemetry/attributes.go"] == "edited by hand"
    assert drift["config/sampling.yaml"] == "conventions changed"


def test_no_service_is_bad_input(app: App, tmp_path: Path) -> None:
    code, out, err = app("check", str(tmp_path))
    assert code == 2 and "no scaffold service under" in err and out == ""
    code, out, _err = app("check", str(tmp_path), "--json")
    data = json.loads(out)
    assert code == 2 and data["exit_code"] == 2
    assert "no scaffold service under" in data["error"]


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert sync_cli._progress(True) is None
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    assert sync_cli._progress(False) is None
    draw = sync_cli._progress(True)
    assert draw is not None
    draw(1, 4, Path("services/a"))
    draw(4, 4, Path("services/d"))
    text = screen.getvalue()
    assert "\r[######------------------] 1/4 services/a" in text
    assert "\r[########################] 4/4 services/d" in text
    assert text.endswith("\n") and text.count("\n") == 1
