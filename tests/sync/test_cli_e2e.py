"""Through the real `scaffold` command: new, a conventions change, check, update, check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

from .conftest import change_conventions, remove_attribute, set_prod_ratio


def test_new_then_conventions_change_then_check_and_update(
    tmp_path: Path, conventions: Path, cli: Callable[..., CliResult]
) -> None:
    svc = tmp_path / "services" / "payments"
    made = cli(
        "new", "payments", "--lang", "go", "--dir", str(svc), "--conventions", str(conventions)
    )
    assert made.code == 0, made.err
    assert (svc / ".scaffold" / "lock.json").is_file()
    clean = cli("check", str(tmp_path / "services"))
    assert clean.code == 0, clean.out + clean.err
    assert "1 service(s) in sync" in clean.out

    change_conventions(conventions, set_prod_ratio(0.25))
    change_conventions(conventions, remove_attribute("app.cart.items"))
    stale = cli("check", str(tmp_path / "services"), "--json")
    assert stale.code == 1
    [service] = json.loads(stale.out)["services"]
    reasons = {d["reason"] for d in service["drift"]}
    assert reasons == {"conventions changed"}, reasons

    dry = cli("update", str(tmp_path / "services"), "--dry-run")
    assert dry.code == 0
    assert "+++ b/internal/telemetry/" in dry.out
    assert cli("check", str(tmp_path / "services")).code == 1  # the dry run wrote nothing

    done = cli("update", str(tmp_path / "services"))
    assert done.code == 0, done.out + done.err
    assert "updated" in done.out
    assert cli("check", str(tmp_path / "services")).code == 0
    again = cli("update", str(tmp_path / "services"))
    assert again.code == 0
    assert "nothing to do: every service is up to date" in again.out


def test_conflict_and_refusal_exit_codes(
    tmp_path: Path, conventions: Path, cli: Callable[..., CliResult]
) -> None:
    svc = tmp_path / "payments"
    assert (
        cli("new", "payments", "--lang", "go", "--dir", str(svc), "-c", str(conventions)).code == 0
    )
    generated = svc / "internal" / "telemetry" / "doc.go"
    generated.write_text(generated.read_text() + "// ours\n")
    change_conventions(conventions, set_prod_ratio(0.25))
    refused = cli("update", str(svc))
    assert refused.code == 1
    assert "internal/telemetry/doc.go: edited by hand" in refused.out
    assert "+// ours" not in refused.out and "-// ours" in refused.out
    assert "refused (hand edits in generated files)" in refused.err
    forced = cli("update", str(svc), "--force")
    assert forced.code == 0, forced.out + forced.err
    assert "// ours" not in generated.read_text()
    assert cli("update", str(tmp_path / "nowhere")).code == 2
