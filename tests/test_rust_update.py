"""End to end on the real Rust target: create a service, hand-write a route, change the
conventions, update; the generated module follows, the hand-written code stays, and the
crate still passes cargo fmt, clippy and its tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.sync import Action, Status, create_service
from scaffold.targets.registry import render_target
from scaffold.update import check_services, update_services
from tests.rust.rusttools import CRATE, assert_ok, cargo, needs_cargo

ROOT = Path(__file__).resolve().parent.parent
ROUTE = '        .route("/orders/{id}", get(order))\n'
OUR_ROUTE = '        .route("/version", get(|| async { "v1" }))\n'

pytestmark = [needs_cargo, pytest.mark.toolchain, pytest.mark.slow]


def test_rust_service_follows_a_conventions_change_and_still_builds(tmp_path: Path) -> None:
    conventions = tmp_path / "observability.yaml"
    shutil.copy(ROOT / "conventions" / "observability.yaml", conventions)
    root = tmp_path / "services" / CRATE
    opts = RenderOptions(service_name=CRATE, target="rust", crate_name=CRATE)
    conv = load(conventions)
    create_service(
        dest=root,
        rendered=render_target("rust", conv, opts),
        conventions_path=conventions,
        conventions_digest=conv.digest,
        target="rust",
        options=opts,
    )
    routes = root / "src" / "routes.rs"
    text = routes.read_text(encoding="utf-8")
    assert ROUTE in text
    routes.write_text(text.replace(ROUTE, ROUTE + OUR_ROUTE), encoding="utf-8")

    data = yaml.safe_load(conventions.read_text(encoding="utf-8"))
    data["sampling"]["environments"]["production"] = 0.25
    data["logs"]["fields"]["trace_id"] = "trace.id"
    data["attributes"] = [a for a in data["attributes"] if a["id"] != "app.cart.items"]
    conventions.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    [result] = update_services([root]).services
    assert result.status is Status.UPDATED, result.error or result.refusals
    changed = {c.path: c.action for c in result.changes}
    assert "src/telemetry/conventions.rs" in changed, changed
    assert all(a is Action.OVERWRITE for a in changed.values()), changed
    assert "src/routes.rs" not in changed  # the conventions change never touches it
    generated = (root / "src" / "telemetry" / "conventions.rs").read_text(encoding="utf-8")
    assert 'pub const LOG_FIELD_TRACE_ID: &str = "trace.id";' in generated
    assert '("production", 0.25)' in generated
    attributes = (root / "src" / "telemetry" / "attributes.rs").read_text(encoding="utf-8")
    assert "APP_CART_ITEMS" not in attributes and "APP_TENANT_ID" in attributes
    assert OUR_ROUTE in routes.read_text(encoding="utf-8")
    assert check_services([root]).in_sync
    assert update_services([root]).services[0].status is Status.UNCHANGED

    assert_ok(cargo(["fmt", "--check"], root), "cargo fmt --check")
    assert_ok(cargo(["clippy", "--all-targets", "--", "-D", "warnings"], root), "cargo clippy")
    proc = cargo(["test"], root)
    assert_ok(proc, "cargo test")
    assert "log_lines_inside_a_span_carry_the_conventions_fields ... ok" in proc.stdout
