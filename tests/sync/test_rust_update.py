"""End to end on the real Rust target: create, hand-write a route, change conventions,
update, and the merged crate still passes cargo fmt, clippy and its generated tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.render import RenderOptions, render_target
from scaffold.sync import Action, Status, check_services, create_service, update_services
from tests.rust.rusttools import CRATE, assert_ok, cargo, needs_cargo

from .conftest import change_conventions, remove_attribute, set_prod_ratio

pytestmark = [needs_cargo, pytest.mark.toolchain]

ROUTE = '        .route("/healthz", get(|| async { "ok" }))\n'
OUR_ROUTE = '        .route("/version", get(|| async { "v1" }))\n'


def test_rust_service_follows_a_conventions_change_and_still_builds(
    tmp_path: Path, conventions: Path
) -> None:
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
    text = routes.read_text()
    assert ROUTE in text
    routes.write_text(text.replace(ROUTE, ROUTE + OUR_ROUTE))

    change_conventions(conventions, set_prod_ratio(0.25))
    change_conventions(conventions, remove_attribute("app.cart.items"))
    [result] = update_services([root]).services
    assert result.status is Status.UPDATED, result.error or result.refusals
    changed = {c.path: c.action for c in result.changes}
    assert changed and all(a is Action.OVERWRITE for a in changed.values()), changed

    fresh = render_target("rust", load(conventions), opts)
    for rel, file in fresh.files.items():
        if file.owner == "generated":
            assert (root / rel).read_text() == file.content, rel
    assert OUR_ROUTE in routes.read_text()
    assert check_services([root]).exit_code == 0

    assert_ok(cargo(["fmt", "--check"], root), "cargo fmt --check")
    assert_ok(cargo(["clippy", "--all-targets", "--", "-D", "warnings"], root), "cargo clippy")
    assert_ok(cargo(["test"], root), "cargo test")
