"""End to end on the real Go target: create, hand-write code, change conventions, update,
and the merged service still passes gofmt, go vet and its generated tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.sync import Action, Status, create_service
from scaffold.targets.registry import render_target
from scaffold.update import check_services, update_services
from tests.go.gotools import GOFMT, assert_ok, needs_go, run

from .conftest import change_conventions, remove_attribute, set_prod_ratio

pytestmark = [needs_go, pytest.mark.toolchain]

ROUTE = '\tmux.HandleFunc("GET /orders/{id}", a.order)\n'
OUR_ROUTE = '\tmux.HandleFunc("GET /version", a.version)\n'
OUR_HANDLER = """
// version answers the build's version (written by the service team).
func (a *app) version(w http.ResponseWriter, _ *http.Request) {
\t_, _ = io.WriteString(w, "v1\\n")
}
"""


def test_go_service_follows_a_conventions_change_and_still_builds(
    tmp_path: Path, conventions: Path
) -> None:
    root = tmp_path / "services" / "payments"
    opts = RenderOptions(service_name="payments", target="go", module_path="example.com/payments")
    conv = load(conventions)
    create_service(
        dest=root,
        rendered=render_target("go", conv, opts),
        conventions_path=conventions,
        conventions_digest=conv.digest,
        target="go",
        options=opts,
    )
    handlers = root / "handlers.go"
    text = handlers.read_text()
    assert ROUTE in text
    handlers.write_text(text.replace(ROUTE, ROUTE + OUR_ROUTE) + OUR_HANDLER)

    change_conventions(conventions, set_prod_ratio(0.25))
    change_conventions(conventions, remove_attribute("app.cart.items"))
    report = update_services([root])
    [result] = report.services
    assert result.status is Status.UPDATED, result.error or result.refusals
    changed = {c.path: c.action for c in result.changes}
    assert changed and all(a is Action.OVERWRITE for a in changed.values()), changed
    assert "handlers.go" not in changed  # the conventions change never touches it

    fresh = render_target("go", load(conventions), opts)
    for rel, file in fresh.files.items():
        if file.owner == "generated":
            assert (root / rel).read_text() == file.content, rel
    assert OUR_ROUTE in handlers.read_text()
    assert check_services([root]).in_sync
    assert update_services([root]).services[0].status is Status.UNCHANGED

    assert GOFMT is not None
    fmt = run([GOFMT, "-l", "."], cwd=root)
    assert_ok(fmt, "gofmt -l")
    assert fmt.stdout == ""
    assert_ok(run(["go", "vet", "./..."], cwd=root), "go vet")
    assert_ok(run(["go", "test", "./..."], cwd=root), "go test")


def test_tool_upgrade_merges_into_a_hand_edited_go_file(tmp_path: Path, conventions: Path) -> None:
    import shutil

    from scaffold.resources import runtime_root, templates_root

    templates = tmp_path / "templates"
    shutil.copytree(templates_root(), templates)
    shutil.copytree(runtime_root(), tmp_path / "runtime")
    root = tmp_path / "payments"
    opts = RenderOptions(service_name="payments", target="go", module_path="example.com/payments")
    conv = load(conventions)
    create_service(
        dest=root,
        rendered=render_target("go", conv, opts, templates_dir=templates),
        conventions_path=conventions,
        conventions_digest=conv.digest,
        target="go",
        options=opts,
        templates_dir=templates,
    )
    main = root / "main.go"
    ours = ('envOr("LISTEN_ADDR", "127.0.0.1:8080")', 'envOr("LISTEN_ADDR", "127.0.0.1:9090")')
    main.write_text(main.read_text().replace(*ours))

    # The next version of the tool: a longer header timeout on the service's server.
    template = templates / "go" / "main.go.j2"
    old = "\t\tReadHeaderTimeout: 5 * time.Second,\n\t\tIdleTimeout:       60 * time.Second,\n\t}\n\tservers :="
    assert old in template.read_text()
    template.write_text(template.read_text().replace(old, old.replace("5 *", "10 *")))

    report = update_services([root], templates_dir=templates)
    [result] = report.services
    assert result.status is Status.UPDATED, result.error or result.refusals
    assert [(c.path, c.action, c.reason) for c in result.changes] == [
        ("main.go", Action.MERGE, "tool upgraded")
    ]
    text = main.read_text()
    assert ours[1] in text and ours[0] not in text
    assert "ReadHeaderTimeout: 10 * time.Second," in text
    assert check_services([root], templates_dir=templates).in_sync

    assert GOFMT is not None
    fmt = run([GOFMT, "-l", "."], cwd=root)
    assert_ok(fmt, "gofmt -l")
    assert fmt.stdout == ""
    assert_ok(run(["go", "vet", "./..."], cwd=root), "go vet")
    assert_ok(run(["go", "build", "./..."], cwd=root), "go build")
