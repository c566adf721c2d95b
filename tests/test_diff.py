"""scaffold diff, the library: one test per class of change, lines on both sides, semver
steps and the changelog entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.diff import (
    Change,
    ConventionsDiff,
    changelog_entry,
    compare_files,
    compare_texts,
    next_version,
)
from scaffold.diff.source import Side
from scaffold.errors import ConventionsError, UsageError
from tests.conftest import DEFAULT_CONVENTIONS

BASE = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} is not once in the default conventions"
        text = text.replace(old, new)
    return text


def diff_of(*pairs: tuple[str, str]) -> ConventionsDiff:
    return compare_texts(Side("old.yaml", BASE), Side("new.yaml", edited(*pairs)))


def only(diff: ConventionsDiff) -> Change:
    assert len(diff.changes) == 1, [c.to_json() for c in diff.changes]
    return diff.changes[0]


def line_of(text: str, needle: str) -> int:
    lines = text.splitlines()
    return next(i + 1 for i, ln in enumerate(lines) if needle in ln)


USER_ID = """  - id: app.user.id
    type: string
    brief: The end user's account id.
    examples: ["u-1234"]
    requirement_level: opt_in
    stability: stable
    pii: pii
    cardinality: high
"""


def test_identical_files_have_no_change() -> None:
    diff = compare_texts(Side("a", BASE), Side("b", BASE))
    assert diff.changes == () and diff.bump == "none"


def test_comments_and_layout_are_no_change() -> None:
    diff = diff_of(
        ("# The organisation's own attributes.", "# Ours."),
        (
            "environments: [development, staging, production]",
            "environments: [ development,  staging, production ]",
        ),
    )
    assert diff.changes == ()


def test_attribute_removed_is_breaking_with_lines_on_both_sides() -> None:
    diff = diff_of((USER_ID, ""))
    change = only(diff)
    assert (change.kind, change.what, change.key) == (
        "breaking",
        "attribute removed",
        "attributes.app.user.id",
    )
    assert change.old_line == line_of(BASE, "- id: app.user.id")
    assert change.new_line == line_of(BASE, "attributes:")
    assert diff.bump == "major"


def test_attribute_added_is_additive_and_points_at_the_new_line() -> None:
    extra = USER_ID.replace("app.user.id", "app.order.id").replace("pii: pii", "pii: none")
    new = edited(("  - id: app.user.email\n", extra + "  - id: app.user.email\n"))
    diff = compare_texts(Side("old", BASE), Side("new", new))
    change = only(diff)
    assert (change.kind, change.what) == ("additive", "attribute added")
    assert change.new_line == line_of(new, "- id: app.order.id")
    assert change.old_line == line_of(BASE, "attributes:")
    assert diff.bump == "minor"


def test_rename_is_removed_and_added_and_says_it_may_be_a_rename() -> None:
    diff = diff_of(("- id: app.user.id\n", "- id: app.account.id\n"))
    kinds = sorted((c.what, c.key) for c in diff.changes)
    assert kinds == [
        ("attribute added", "attributes.app.account.id"),
        ("attribute removed", "attributes.app.user.id"),
    ]
    removed = next(c for c in diff.changes if c.what == "attribute removed")
    assert "renamed to app.account.id" in removed.detail and removed.kind == "breaking"


def test_type_changed_is_breaking() -> None:
    change = only(
        diff_of(
            (
                "    type: int\n    brief: Number of items",
                "    type: double\n    brief: Number of items",
            )
        )
    )
    assert (change.kind, change.what, change.key) == (
        "breaking",
        "attribute type changed",
        "attributes.app.cart.items.type",
    )
    assert change.old_line == change.new_line == line_of(BASE, "type: int")


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [("recommended", "required", "breaking"), ("recommended", "opt_in", "breaking")],
)
def test_requirement_level(old: str, new: str, kind: str) -> None:
    block = "    requirement_level: recommended\n    stability: stable\n    pii: none\n    cardinality: high"
    change = only(diff_of((block, block.replace(old, new))))
    assert change.kind == kind and change.key == "attributes.app.tenant.id.requirement_level"


def test_requirement_level_lowered_from_required_is_breaking() -> None:
    # Dashboards, alerts and SLOs grouped by a required attribute rely on it being on
    # every span; once it is only recommended, services may stop sending it.
    text = "    requirement_level: required\n    stability: stable\n    pii: none\n    cardinality: low\n  - id: app.tenant.id"
    change = only(diff_of((text, text.replace("required\n", "recommended\n", 1))))
    assert change.kind == "breaking" and change.what == "requirement level lowered from required"


def test_requirement_level_lowered_not_from_required_nor_to_opt_in_is_additive() -> None:
    text = "    requirement_level: recommended\n    stability: stable\n    pii: none\n    cardinality: high\n  - id: app.user.id"
    old = edited((text, text.replace("recommended", "conditionally_required\n    condition: c", 1)))
    change = only(
        compare_texts(
            Side("old.yaml", old),
            Side(
                "new.yaml",
                edited((text, text.replace("recommended\n", "recommended\n    condition: c\n", 1))),
            ),
        )
    )
    assert change.kind == "additive" and change.what == "requirement level lowered"


def test_span_naming_rule_that_renames_spans_is_breaking() -> None:
    change = only(
        diff_of(
            (
                'messaging_producer:\n    template: "{messaging.operation.name} '
                '{messaging.destination.name}"',
                'messaging_producer:\n    template: "publish {messaging.destination.name}"',
            )
        )
    )
    assert change.kind == "breaking" and change.what == "span naming rule changed"
    assert change.key == "span_naming.messaging_producer.template"


def test_metric_renamed_is_breaking() -> None:
    change = only(
        diff_of(("db_duration: db.client.operation.duration", "db_duration: db.client.duration"))
    )
    assert (change.kind, change.what) == ("breaking", "metric renamed")


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (
            "      sdk: hash\n      collector: hash",
            "      sdk: keep\n      collector: hash",
            "breaking",
        ),
        (
            "      sdk: drop\n      collector: drop",
            "      sdk: hash\n      collector: drop",
            "breaking",
        ),
        (
            "      sdk: hash\n      collector: hash",
            "      sdk: drop\n      collector: hash",
            "breaking",
        ),
    ],
)
def test_pii_action_loosened_or_tightened(old: str, new: str, kind: str) -> None:
    change = only(diff_of((old, new)))
    assert change.kind == kind and change.key.startswith("privacy.actions.")


def test_pii_class_weaker_or_stronger_is_breaking() -> None:
    weaker = only(
        diff_of(("    stability: stable\n    pii: secret", "    stability: stable\n    pii: pii"))
    )
    assert weaker.kind == "breaking" and weaker.key == "attributes.app.session.token.pii"
    block = "    requirement_level: opt_in\n    stability: stable\n    pii: pii\n    cardinality: high\n  - id: app.user.email"
    stronger = only(diff_of((block, block.replace("pii: pii", "pii: secret"))))
    # hash becomes drop: consumers stop receiving the value, as if it were removed.
    assert stronger.kind == "breaking" and stronger.what == "PII class tightened"
    assert "hash" in stronger.detail and "drop" in stronger.detail


def test_pii_class_changed_with_the_same_actions_in_force_is_additive() -> None:
    actions = "    secret:\n      sdk: drop\n      collector: drop"
    same = "    secret:\n      sdk: hash\n      collector: hash"
    block = "    requirement_level: opt_in\n    stability: stable\n    pii: pii\n    cardinality: high\n  - id: app.user.email"
    old = edited((actions, same))
    new = edited((actions, same), (block, block.replace("pii: pii", "pii: secret")))
    change = only(compare_texts(Side("old.yaml", old), Side("new.yaml", new)))
    assert change.kind == "additive" and change.key == "attributes.app.user.id.pii"


def test_resource_attribute_removed_is_breaking_added_is_additive() -> None:
    block = "  - key: service.instance.id\n    requirement_level: recommended\n    source: env\n    env: HOSTNAME\n"
    removed = only(diff_of((block, "")))
    assert (removed.kind, removed.what) == ("breaking", "resource attribute removed")
    added = only(diff_of((block, block + block.replace("service.instance.id", "host.name"))))
    assert (added.kind, added.what) == ("additive", "resource attribute added")


def test_slo_removed_is_breaking() -> None:
    block = BASE[BASE.index("  - name: checkout-latency") : BASE.index("\ncollector:")]
    change = only(diff_of((block, "")))
    assert (change.kind, change.what) == ("breaking", "SLO removed")


def test_route_added_is_additive() -> None:
    change = only(
        diff_of(
            (
                '    - route: "POST /checkout"\n      ratio: 1.0',
                '    - route: "POST /checkout"\n      ratio: 1.0\n    - route: "GET /orders"\n      ratio: 0.5',
            )
        )
    )
    assert change.kind == "additive" and change.key == "sampling.routes.GET /orders"


def test_briefs_and_examples_are_cosmetic() -> None:
    diff = diff_of(
        ("brief: The tenant a request is served for.", "brief: The tenant served."),
        (
            "examples: [tenant-42]\n    requirement_level: recommended",
            "examples: [tenant-7]\n    requirement_level: recommended",
        ),
    )
    assert {c.kind for c in diff.changes} == {"cosmetic"} and len(diff.changes) == 2
    assert diff.bump == "patch"


def test_a_default_written_out_is_cosmetic() -> None:
    change = only(diff_of(("  compression: gzip         # gzip or none\n", "")))
    assert change.kind == "cosmetic" and change.what == "same value written differently"
    assert only(diff_of(("  timeout: 10s\n", "  timeout: 10000ms\n"))).kind == "cosmetic"


def test_trust_routes_reordered_is_reported() -> None:
    routes = '  routes:\n    - route: "/public/*"\n      trust: public\n'
    two = routes + '    - route: "/public/internal/*"\n      trust: internal\n'
    swapped = '  routes:\n    - route: "/public/internal/*"\n      trust: internal\n    - route: "/public/*"\n      trust: public\n'
    old = edited((routes, two))
    new = edited((routes, swapped))
    diff = compare_texts(Side("old", old), Side("new", new))
    change = only(diff)
    assert change.key == "trust.routes.(order)" and change.kind == "breaking"


def test_anything_unclassified_is_reported_as_breaking() -> None:
    from scaffold.conventions import load_text
    from scaffold.diff.compare import judge
    from scaffold.diff.verdicts import Ctx
    from scaffold.diff.walk import RawChange

    conv = load_text(BASE, "x")
    verdict = judge(Ctx(RawChange(("future", "field"), 1, 2, 3, 4), conv, conv))
    assert verdict.kind == "breaking" and "cannot tell" in verdict.detail


def test_invalid_conventions_name_file_and_line_for_both_sides() -> None:
    bad = BASE.replace(
        "pii: none\n    cardinality: low\n  - id: app.tenant.id",
        "pii: maybe\n    cardinality: low\n  - id: app.tenant.id",
    )
    with pytest.raises(ConventionsError) as err:
        compare_texts(Side("old.yaml", bad), Side("new.yaml", "schema_version: [\n"))
    files = {f.file for f in err.value.findings}
    assert files == {"old.yaml", "new.yaml"}
    assert any(f.line == line_of(bad, "pii: maybe") for f in err.value.findings)


@pytest.mark.parametrize(
    ("current", "bump", "expected"),
    [
        ("1.4.2", "major", "2.0.0"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "patch", "1.4.3"),
        ("1.4.2", "none", "1.4.2"),
        ("v1.4.2", "minor", "v1.5.0"),
        ("0.3.1", "major", "0.4.0"),
        ("0.3.1", "minor", "0.3.2"),
        ("0.3.1", "patch", "0.3.2"),
    ],
)
def test_next_version(current: str, bump: str, expected: str) -> None:
    assert next_version(current, bump) == expected


@pytest.mark.parametrize(
    ("current", "bump"),
    [("1.4", "minor"), ("1.4.2-rc.1", "minor"), ("01.2.3", "patch"), ("1.2.3", "huge")],
)
def test_next_version_refuses_bad_input(current: str, bump: str) -> None:
    with pytest.raises(UsageError):
        next_version(current, bump)


def test_changelog_entry() -> None:
    diff = diff_of(
        (USER_ID, ""), ("brief: The tenant a request is served for.", "brief: The tenant served.")
    )
    text = changelog_entry("2.0.0", diff, "2026-12-01")
    assert text.startswith("## [2.0.0] - 2026-12-01\n")
    assert text.index("### Breaking changes") < text.index("### Documentation")
    assert "`attributes.app.user.id`: attribute removed." in text
    assert f"old line {line_of(BASE, '- id: app.user.id')}" in text
    empty = changelog_entry("1.0.0", ConventionsDiff(()), "2026-12-01")
    assert "No change" in empty
    with pytest.raises(UsageError):
        changelog_entry("1.0.0", diff, "yesterday")


def test_enum_member_removed_is_breaking_added_is_additive() -> None:
    member = "      - id: free\n        value: free\n        brief: No paid features.\n"
    removed = only(diff_of((member, "")))
    assert (removed.kind, removed.what, removed.key) == (
        "breaking",
        "enum member removed",
        "attributes.app.plan.members.free",
    )
    extra = member.replace("free", "pro")
    added = only(diff_of((member, member + extra)))
    assert (added.kind, added.what) == ("additive", "enum member added")


def test_deprecation_announced_is_additive() -> None:
    old = "    stability: stable\n    pii: none\n    cardinality: high\n  - id: app.user.id"
    new = old.replace(
        "stability: stable\n", "stability: deprecated\n    deprecated: Use app.x.\n", 1
    )
    diff = diff_of((old, new))
    assert {(c.key, c.kind) for c in diff.changes} == {
        ("attributes.app.tenant.id.stability", "additive"),
        ("attributes.app.tenant.id.deprecated", "cosmetic"),
    }


def test_a_whole_section_removed_reports_each_entry() -> None:
    block = BASE[BASE.index("slos:\n") : BASE.index("\ncollector:")]
    diff = diff_of((block, ""))
    assert sorted(c.key for c in diff.changes) == [
        "slos.checkout-availability",
        "slos.checkout-latency",
    ]
    assert all(c.kind == "breaking" and c.new_line is not None for c in diff.changes)


def test_baggage_key_allowed_that_is_pii_is_breaking() -> None:
    change = only(
        diff_of(
            ("allow: [app.tenant.id, app.plan]", "allow: [app.tenant.id, app.plan, app.user.id]")
        )
    )
    assert change.kind == "breaking" and "app.user.id" in change.detail
    safe = only(diff_of(("allow: [app.tenant.id, app.plan]", "allow: [app.tenant.id]")))
    assert safe.kind == "breaking"


def test_compare_files_reads_paths_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        BASE.replace("brief: The tenant a request is served for.", "brief: Tenant."),
        encoding="utf-8",
    )
    diff = compare_files("a.yaml", "b.yaml", cwd=tmp_path)
    assert diff.bump == "patch" and diff.old_source == "a.yaml"


RESOURCE_NAMESPACE = """  - key: service.namespace
    requirement_level: recommended
    source: static
    value: acme
"""
RESOURCE_TEAM = """  - key: acme.team
    requirement_level: required
    source: env
    env: ACME_TEAM
    placeholder: unknown
"""


def test_resource_attributes_reordered_is_cosmetic() -> None:
    change = only(diff_of((RESOURCE_NAMESPACE + RESOURCE_TEAM, RESOURCE_TEAM + RESOURCE_NAMESPACE)))
    assert (change.kind, change.key) == ("cosmetic", "resource.(order)")
    assert change.what == "resource attributes reordered"


def test_changelog_code_span_survives_backtick_runs() -> None:
    key = "glossary.a``b`c"
    diff = ConventionsDiff((Change("cosmetic", "glossary changed", key, "d", 1, 2),))
    line = next(
        ln for ln in changelog_entry("1.0.1", diff, "2026-12-01").splitlines() if ln[:2] == "- "
    )
    # CommonMark: a code span opened by a run of N backticks closes at the next run of
    # exactly N, so the fence must be longer than every run inside.
    assert line.startswith("- ``` glossary.a``b`c ```: ")


def test_many_attributes_removed_and_added_are_judged_in_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Looking for a rename twin must not scan every attribute once per change: a file
    with thousands of attributes replaced would otherwise keep CI busy for many minutes."""
    from scaffold.conventions.model import Conventions

    def block(prefix: str, count: int) -> str:
        return "".join(
            f"  - id: {prefix}.a{i}\n    type: string\n    brief: b{i}\n"
            "    requirement_level: opt_in\n    stability: stable\n    pii: none\n"
            "    cardinality: high\n"
            for i in range(count)
        )

    count = 300
    old = BASE.replace("attributes:\n", "attributes:\n" + block("x", count), 1)
    new = BASE.replace("attributes:\n", "attributes:\n" + block("y", count), 1)
    reads = 0
    real = Conventions.__getattribute__

    def counting(self: Conventions, name: str) -> object:
        nonlocal reads
        if name == "attributes":
            reads += 1
        return real(self, name)

    monkeypatch.setattr(Conventions, "__getattribute__", counting)
    diff = compare_texts(Side("old.yaml", old), Side("new.yaml", new))
    assert diff.count("breaking") == count and diff.count("additive") == count
    assert reads < 20, reads


def test_entries_of_a_removed_section_keep_their_file_order() -> None:
    cut = BASE.index("# The organisation's own words")
    diff = compare_texts(Side("old.yaml", BASE), Side("new.yaml", BASE[:cut]))
    old_lines = [c.old_line or 0 for c in diff.changes]
    assert len(old_lines) == 2 and old_lines == sorted(old_lines), old_lines
