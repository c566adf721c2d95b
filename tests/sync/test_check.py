"""scaffold check: exact, in memory, and it says why each file is out of sync."""

from __future__ import annotations

from pathlib import Path

from scaffold.cli.main import exit_code
from scaffold.sync import LOCK_NAME
from scaffold.update import check_services, update_services

from .conftest import (
    TEMPLATES,
    change_conventions,
    new_service,
    own_templates,
    remove_attribute,
    render,
    set_prod_ratio,
    snapshot,
)


def reasons(root: Path, templates: Path = TEMPLATES) -> dict[str, str]:
    report = check_services([root], templates_dir=templates)
    [result] = report.services
    assert exit_code(report) == (0 if result.ok else 1)
    return {d.path: d.reason for d in result.drift}


def test_fresh_service_is_in_sync(service: Path) -> None:
    assert reasons(service) == {}


def test_conventions_change_names_stale_and_missing_files(service: Path, conventions: Path) -> None:
    change_conventions(conventions, remove_attribute("app.cart.items"))
    before = snapshot(service)
    assert reasons(service) == {
        "internal/telemetry/attr_app_cart_items.go": "stale: no longer generated (conventions changed)",
        "internal/telemetry/attributes.go": "conventions changed",
    }
    assert snapshot(service) == before
    update_services([service], templates_dir=TEMPLATES)
    assert reasons(service) == {}


def test_hand_edit_and_deleted_file(service: Path) -> None:
    (service / "config/sampling.yaml").unlink()
    gen = service / "internal/telemetry/attributes.go"
    gen.write_bytes(gen.read_bytes().replace(b"const (", b"const ( // x"))
    assert reasons(service) == {
        "config/sampling.yaml": "missing: deleted by hand",
        "internal/telemetry/attributes.go": "edited by hand",
    }


def test_user_edits_alone_are_not_drift(service: Path) -> None:
    main = service / "cmd/payments/main.go"
    main.write_text(main.read_text() + "\n// ours\n")
    (service / "README.md").unlink()
    assert reasons(service) == {}


def test_comment_only_conventions_change_leaves_only_the_lock_stale(
    service: Path, conventions: Path
) -> None:
    conventions.write_text(conventions.read_text() + "# a comment\n")
    assert reasons(service) == {LOCK_NAME: "out of date (conventions changed)"}


def test_tool_upgrade_is_named(tmp_path: Path, conventions: Path) -> None:
    templates = own_templates(tmp_path)
    root = tmp_path / "svc"
    new_service(root, conventions, templates=templates)
    readme = templates / "syncdemo/README.md.j2"
    readme.write_text(readme.read_text() + "\nSee the runbook.\n")
    sampling = templates / "syncdemo/sampling.yaml.j2"
    sampling.write_text("# ratios\n" + sampling.read_text())
    change_conventions(conventions, set_prod_ratio(0.5))
    assert reasons(root, templates) == {
        # The cause is the service's: what changed since its last render.
        "README.md": "conventions changed, tool upgraded (user-owned, would merge)",
        "cmd/payments/main.go": "conventions changed, tool upgraded (user-owned, would merge)",
        "config/sampling.yaml": "conventions changed, tool upgraded",
    }


def test_bundled_conventions_are_recorded_portably(tmp_path: Path) -> None:
    from scaffold.sync.lock import BUNDLED_PREFIX, Lock, relative_conventions_path

    inside = bundled()
    rel = relative_conventions_path(tmp_path / "svc", inside)
    assert rel == BUNDLED_PREFIX + "observability.yaml"
    lock = Lock("0", "d", "go", rel, "x", render(bundled(), "p").options)
    assert lock.conventions_file(tmp_path / "anywhere") == inside
    outside = tmp_path / "platform" / "observability.yaml"
    assert relative_conventions_path(tmp_path / "svc", outside) == "../platform/observability.yaml"


def bundled() -> Path:
    from scaffold.resources import bundled_conventions

    return bundled_conventions()
