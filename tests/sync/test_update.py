"""scaffold update on real files: generated rewrites, merges, conflicts, refusals, deletes."""

from __future__ import annotations

import shutil
from pathlib import Path

from scaffold.cli.main import exit_code
from scaffold.sync import LOCK_NAME, Action, Status, read_lock
from scaffold.sync.lock import sha256_hex
from scaffold.update import update_services

from .conftest import (
    TEMPLATES,
    change_conventions,
    fresh_render_files,
    new_service,
    own_templates,
    remove_attribute,
    set_prod_ratio,
    snapshot,
)

MAIN = "cmd/payments/main.go"
SAMPLING = "config/sampling.yaml"


def update(*paths: Path, **kw: object) -> object:
    return update_services(list(paths), templates_dir=TEMPLATES, **kw)  # type: ignore[arg-type]


def set_staging_ratio(ratio: float):  # type: ignore[no-untyped-def]
    def mutate(data: dict) -> None:  # type: ignore[type-arg]
        data["sampling"]["environments"]["staging"] = ratio

    return mutate


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def assert_generated_fresh(root: Path, conventions: Path) -> None:
    expected = fresh_render_files(conventions, "payments")
    lock = read_lock(root)
    for rel, entry in lock.files.items():
        if entry.owner == "generated":
            assert (root / rel).read_bytes() == expected[rel], rel
    assert {r for r, e in lock.files.items() if e.owner == "generated"} == {
        r for r in expected if r not in (MAIN, "README.md")
    }


def test_change_touching_only_generated_files(service: Path, conventions: Path) -> None:
    before = snapshot(service)
    change_conventions(conventions, set_staging_ratio(0.25))
    report = update(service)
    assert exit_code(report) == 0
    [result] = report.services
    assert result.status is Status.UPDATED
    assert [(c.path, c.action) for c in result.changes] == [(SAMPLING, Action.OVERWRITE)]
    assert result.changes[0].reason == "conventions changed"
    assert "0.25" in (service / SAMPLING).read_text()
    after = snapshot(service)
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed == {SAMPLING, LOCK_NAME}
    assert_generated_fresh(service, conventions)


def test_user_owned_file_edited_elsewhere_is_merged_cleanly(
    service: Path, conventions: Path
) -> None:
    main = service / MAIN
    edit(main, "\t// Wire handlers here.\n", '\thttp.HandleFunc("/pay", pay)\n')
    change_conventions(conventions, set_prod_ratio(0.2))
    report = update(service)
    [result] = report.services
    assert exit_code(report) == 0
    assert result.status is Status.UPDATED
    actions = {c.path: c.action for c in result.changes}
    assert actions[MAIN] is Action.MERGE
    assert actions[SAMPLING] is Action.OVERWRITE
    text = main.read_text()
    assert 'http.HandleFunc("/pay", pay)' in text
    assert "// Wire handlers here." not in text
    assert "const defaultRatio = 0.2\n" in text
    assert "<<<<<<<" not in text
    assert (service / ".scaffold/base" / MAIN).read_bytes() == fresh_render_files(
        conventions, "payments"
    )[MAIN]
    assert read_lock(service).files[MAIN].sha256 == sha256_hex(main.read_bytes())
    assert_generated_fresh(service, conventions)


def test_overlapping_edit_leaves_markers_and_exits_1(service: Path, conventions: Path) -> None:
    main = service / MAIN
    edit(main, "const defaultRatio = 0.1\n", "const defaultRatio = 0.05 // tuned\n")
    change_conventions(conventions, set_prod_ratio(0.3))
    report = update(service)
    [result] = report.services
    assert exit_code(report) == 1
    assert result.status is Status.CONFLICTS
    assert [c.path for c in result.conflicts] == [MAIN]
    assert result.conflicts[0].conflicts == 1
    text = main.read_text()
    assert (
        f"<<<<<<< {MAIN} (yours)\n"
        "// Default sampling ratio in production: 0.1.\n"
        "const defaultRatio = 0.05 // tuned\n"
        "=======\n"
        "// Default sampling ratio in production: 0.3.\n"
        "const defaultRatio = 0.3\n"
        f">>>>>>> {MAIN} (new render)\n"
    ) in text
    # The other files are still brought up to date.
    assert '"production": 0.3' in (service / SAMPLING).read_text()
    assert_generated_fresh(service, conventions)


def test_hand_edited_generated_file_is_refused_then_forced(
    service: Path, conventions: Path
) -> None:
    target = service / "internal/telemetry/attributes.go"
    edit(target, "package telemetry\n", "package telemetry\n\n// mine\n")
    change_conventions(conventions, set_staging_ratio(0.75))
    before = snapshot(service)
    report = update(service)
    [result] = report.services
    assert exit_code(report) == 1
    assert result.status is Status.REFUSED
    assert [(r.path, r.reason) for r in result.refusals] == [
        ("internal/telemetry/attributes.go", "edited by hand")
    ]
    assert "-// mine\n" in result.diff
    assert snapshot(service) == before  # the whole service stopped, nothing written

    forced = update(service, force=True)
    assert exit_code(forced) == 0
    assert "// mine" not in target.read_text()
    assert "0.75" in (service / SAMPLING).read_text()
    assert_generated_fresh(service, conventions)


def test_removed_attribute_deletes_its_stale_file(service: Path, conventions: Path) -> None:
    stale = service / "internal/telemetry/attr_app_cart_items.go"
    assert stale.is_file()
    change_conventions(conventions, remove_attribute("app.cart.items"))
    [result] = update(service).services
    assert result.status is Status.UPDATED
    actions = {c.path: c.action for c in result.changes}
    assert actions["internal/telemetry/attr_app_cart_items.go"] is Action.DELETE
    assert actions["internal/telemetry/attributes.go"] is Action.OVERWRITE
    assert not stale.exists()
    assert "internal/telemetry/attr_app_cart_items.go" not in read_lock(service).files
    assert_generated_fresh(service, conventions)


def test_second_update_changes_nothing(service: Path, conventions: Path) -> None:
    edit(service / MAIN, "\t// Start the server here.\n", "\treturn listen()\n")
    change_conventions(conventions, set_prod_ratio(0.4))
    first = update(service)
    assert first.services[0].status is Status.UPDATED
    after_first = snapshot(service)
    second = update(service)
    assert second.services[0].status is Status.UNCHANGED
    assert not second.changed
    assert exit_code(second) == 0
    assert snapshot(service) == after_first


def test_unchanged_conventions_update_is_a_no_op(service: Path) -> None:
    before = snapshot(service)
    report = update(service)
    assert report.services[0].status is Status.UNCHANGED
    assert snapshot(service) == before


def test_dry_run_prints_the_diff_and_changes_nothing(service: Path, conventions: Path) -> None:
    change_conventions(conventions, set_prod_ratio(0.6))
    before = snapshot(service)
    [result] = update(service, dry_run=True).services
    assert result.status is Status.WOULD_UPDATE
    assert f"--- a/{SAMPLING}\n+++ b/{SAMPLING}\n" in result.diff
    assert '-  "production": 0.1\n+  "production": 0.6\n' in result.diff
    assert "-const defaultRatio = 0.1\n" in result.diff
    assert "+const defaultRatio = 0.6\n" in result.diff
    assert snapshot(service) == before


def test_generated_file_deleted_by_hand_is_written_again(service: Path, conventions: Path) -> None:
    (service / SAMPLING).unlink()
    [result] = update(service).services
    assert [(c.path, c.action, c.reason) for c in result.changes] == [
        (SAMPLING, Action.CREATE, "deleted by hand")
    ]
    assert_generated_fresh(service, conventions)


def test_user_owned_file_deleted_by_its_team_stays_deleted(
    service: Path, conventions: Path
) -> None:
    (service / "README.md").unlink()
    change_conventions(conventions, set_prod_ratio(0.7))
    update(service)
    assert not (service / "README.md").exists()
    assert "README.md" in read_lock(service).files
    assert update(service).services[0].status is Status.UNCHANGED


def test_monorepo_updates_every_service_each_on_its_own(tmp_path: Path, conventions: Path) -> None:
    repo = tmp_path / "services"
    roots = [repo / name for name in ("a", "b", "nested/c")]
    for root in roots:
        new_service(root, conventions)
    edit(roots[1] / SAMPLING, '  "development"', '  # mine\n  "development"')
    change_conventions(conventions, set_prod_ratio(0.9))
    report = update(repo)
    statuses = {r.root: r.status for r in report.services}
    assert statuses == {
        roots[0].resolve(): Status.UPDATED,
        roots[1].resolve(): Status.REFUSED,
        roots[2].resolve(): Status.UPDATED,
    }
    assert exit_code(report) == 1
    assert '"production": 0.9' in (roots[2] / SAMPLING).read_text()
    assert '"production": 0.9' not in (roots[1] / SAMPLING).read_text()


def test_broken_conventions_fail_the_service_and_touch_nothing(
    service: Path, conventions: Path
) -> None:
    before = snapshot(service)
    conventions.write_text("schema_version: 1\nattributes: 3\n")
    report = update(service)
    [result] = report.services
    assert result.status is Status.FAILED
    assert "observability.yaml" in result.error
    assert exit_code(report) == 2
    assert snapshot(service) == before


def test_conventions_option_switches_the_file_and_the_lock_follows(
    service: Path, conventions: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "observability.yaml"
    other.parent.mkdir()
    shutil.copy(conventions, other)
    change_conventions(other, set_prod_ratio(0.15))
    update(service, conventions=other)
    assert read_lock(service).conventions_path == "../../elsewhere/observability.yaml"
    assert '"production": 0.15' in (service / SAMPLING).read_text()
    assert update(service).services[0].status is Status.UNCHANGED


def test_tool_upgrade_flows_through_update(tmp_path: Path, conventions: Path) -> None:
    templates = own_templates(tmp_path)
    root = tmp_path / "svc"
    new_service(root, conventions, templates=templates)
    (templates / "syncdemo/sampling.yaml.j2").write_text(
        "# ratios per environment\n" + (templates / "syncdemo/sampling.yaml.j2").read_text()
    )
    old_digest = read_lock(root).templates_digest
    report = update_services([root], templates_dir=templates)
    [result] = report.services
    assert [(c.path, c.reason) for c in result.changes] == [(SAMPLING, "tool upgraded")]
    assert (root / SAMPLING).read_text().splitlines()[2] == "# ratios per environment"
    assert read_lock(root).templates_digest != old_digest


def test_discovery_skips_caches_but_not_services_named_like_them(
    tmp_path: Path, conventions: Path
) -> None:
    from scaffold.sync import find_services

    repo = tmp_path / "repo"
    wanted = [repo / "target", repo / "vendor", repo / "go" / "api"]
    for root in wanted:
        new_service(root, conventions)
    hidden = [repo / "rust" / "target" / "copy", repo / "go" / "vendor" / "x", repo / ".git" / "y"]
    for root in hidden:
        new_service(root, conventions)
    (repo / "rust" / "target" / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
    )
    (repo / "go" / "vendor" / "modules.txt").write_text("# vendored\n")
    assert find_services([repo]) == sorted(p.resolve() for p in wanted)


def test_a_file_changing_owner_is_handled(tmp_path: Path, conventions: Path) -> None:
    templates = own_templates(tmp_path)

    root = tmp_path / "svc"
    new_service(root, conventions, templates=templates)
    (root / "README.md").write_text("# payments, by us\n")
    manifest = templates / "syncdemo" / "manifest.yaml"
    text = manifest.read_text()
    # README.md becomes generated; the sampling file becomes user-owned.
    text = text.replace(
        '    path: "README.md"\n    owner: user', '    path: "README.md"\n    owner: generated'
    )
    text = text.replace(
        '    path: "config/sampling.yaml"\n    owner: generated',
        '    path: "config/sampling.yaml"\n    owner: user',
    )
    manifest.write_text(text)
    [result] = update_services([root], templates_dir=templates).services
    # The team edited README.md: it is not taken over without --force.
    assert result.status is Status.REFUSED
    assert [(r.path, r.reason) for r in result.refusals] == [
        ("README.md", "was user-owned and edited, is generated now")
    ]
    [forced] = update_services([root], templates_dir=templates, force=True).services
    assert forced.status is Status.UPDATED
    lock = read_lock(root)
    assert lock.files["README.md"].owner == "generated"
    assert lock.files[SAMPLING].owner == "user"
    assert not (root / ".scaffold/base/README.md").exists()
    assert (root / ".scaffold/base" / SAMPLING).read_bytes() == (root / SAMPLING).read_bytes()
    assert not (root / SAMPLING).read_text().startswith("# Code generated")
    assert (root / "README.md").read_text().startswith("<!-- Code generated")
    assert update_services([root], templates_dir=templates).services[0].status is Status.UNCHANGED


def test_a_lock_entry_for_a_file_without_the_header_never_deletes_it(tmp_path: Path) -> None:
    """An edited lock names a hand-written file, with its hash, as generated: the file
    has no generated header, so it is kept, even with --force."""
    import json

    from .conftest import conventions_data, write_conventions

    root = tmp_path / "svc"
    new_service(root, write_conventions(tmp_path / "o.yaml", conventions_data()))
    mine = root / "internal" / "billing" / "attributes.go"
    mine.parent.mkdir(parents=True)
    mine.write_text("package billing // written by hand\n", encoding="utf-8")
    lock = json.loads((root / LOCK_NAME).read_text(encoding="utf-8"))
    lock["files"]["internal/billing/attributes.go"] = {
        "owner": "generated",
        "sha256": sha256_hex(mine.read_bytes()),
        "template": "templates/syncdemo/internal/attributes.go.j2",
    }
    (root / LOCK_NAME).write_text(json.dumps(lock), encoding="utf-8")
    for force in (False, True):
        report = update_services([root], templates_dir=TEMPLATES, force=force)
        assert report.services[0].status is Status.REFUSED, report.services[0]
        assert mine.read_text(encoding="utf-8") == "package billing // written by hand\n"
