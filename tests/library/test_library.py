"""`scaffold lib` and library-mode services, without toolchains: versions from the
conventions' diff, CHANGELOG entries, the lock, hand edits, and `new --lib`, `update`,
`check` on services that depend on the library."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.diff import next_version
from scaffold.errors import UsageError
from scaffold.library.build import build_library
from scaffold.library.lock import LIBRARY_LOCK, read_library_lock
from scaffold.targets.library_version import FIRST_VERSION, module_for
from tests.conftest import CliResult
from tests.library.conventions import base_text, reworded, with_attribute, write

MODULE = "example.com/acme/telemetry"
CRATE = "acme-telemetry"
DAY = "2026-01-02"


def _lib(lang: str, dest: Path, conv: Path, name: str = "", **kw: object) -> object:
    return build_library(lang=lang, dest=dest, conventions=conv, name=name, today=DAY, **kw)  # type: ignore[arg-type]


@pytest.fixture
def conv(tmp_path: Path) -> Path:
    return write(tmp_path / "observability.yaml", base_text())


def test_first_render_is_1_0_0_with_its_lock_and_changelog(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "telemetry-go"
    result = build_library(lang="go", dest=dest, conventions=conv, name=MODULE, today=DAY)
    assert (result.version, result.bump, result.tag) == ("1.0.0", "first", "v1.0.0")
    assert (dest / "go.mod").read_text().startswith(f"module {MODULE}\n")
    assert (dest / "setup.go").is_file() and (dest / "example_test.go").is_file()
    assert not (dest / "internal").exists()
    assert "var ServiceName = " in (dest / "conventions.go").read_text()
    changelog = (dest / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n\n## [1.0.0] - 2026-01-02\n")
    lock = read_library_lock(dest)
    assert lock is not None and lock.version == "1.0.0" and lock.name == MODULE
    assert lock.conventions_text == conv.read_text()
    assert "CHANGELOG.md" not in lock.files and "setup.go" in lock.files
    again = build_library(lang="go", dest=dest, conventions=conv, today=DAY)
    assert (again.bump, again.version, again.written) == ("none", "1.0.0", ())


def test_rust_crate_first_render(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "telemetry-rust"
    result = build_library(lang="rust", dest=dest, conventions=conv, today=DAY)
    assert (result.name, result.version, result.tag) == (CRATE, "1.0.0", "")
    cargo = (dest / "Cargo.toml").read_text()
    assert f'name = "{CRATE}"' in cargo and 'version = "1.0.0"' in cargo
    assert (dest / "src/lib.rs").read_text().rstrip().endswith("pub mod telemetry;")
    assert "pub fn set_service_name" in (dest / "src/telemetry/conventions.rs").read_text()
    assert (dest / "examples/service.rs").is_file()


@pytest.mark.parametrize(
    ("change", "bump", "version", "heading"),
    [
        (with_attribute, "minor", "1.1.0", "### Added"),
        (reworded, "patch", "1.0.1", "### Documentation and cosmetic changes"),
    ],
)
def test_a_conventions_change_gives_its_step_and_entry(
    tmp_path: Path,
    conv: Path,
    change: Callable[[str], str],
    bump: str,
    version: str,
    heading: str,
) -> None:
    dest = tmp_path / "lib"
    build_library(lang="rust", dest=dest, conventions=conv, name=CRATE, today=DAY)
    write(conv, change(conv.read_text()))
    result = build_library(lang="rust", dest=dest, conventions=conv, today="2026-02-03")
    assert (result.bump, result.previous, result.version) == (bump, "1.0.0", version)
    assert f'version = "{version}"' in (dest / "Cargo.toml").read_text()
    changelog = (dest / "CHANGELOG.md").read_text()
    assert changelog.index(f"## [{version}] - 2026-02-03") < changelog.index("## [1.0.0]")
    assert heading in changelog
    lock = read_library_lock(dest)
    assert lock is not None and lock.version == version


def test_a_breaking_change_is_a_major_step_and_a_v2_module(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "lib"
    write(conv, with_attribute(base_text()))
    build_library(lang="go", dest=dest, conventions=conv, name=MODULE, today=DAY)
    write(conv, base_text())  # the attribute removed
    result = build_library(lang="go", dest=dest, conventions=conv, today=DAY)
    assert (result.bump, result.version, result.name) == ("major", "2.0.0", f"{MODULE}/v2")
    assert any("attribute removed" in c and "app.order.channel" in c for c in result.changes)
    assert (dest / "go.mod").read_text().startswith(f"module {MODULE}/v2\n")
    assert f'"{MODULE}/v2"' in (dest / "example_test.go").read_text()
    changelog = (dest / "CHANGELOG.md").read_text()
    assert "## [2.0.0] - 2026-01-02\n\n### Breaking changes" in changelog
    assert "app.order.channel" in changelog


def test_hand_edits_are_refused_unless_forced(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "lib"
    build_library(lang="go", dest=dest, conventions=conv, name=MODULE, today=DAY)
    (dest / "setup.go").write_text("package telemetry\n")
    write(conv, with_attribute(conv.read_text()))
    with pytest.raises(UsageError, match=r"setup\.go"):
        build_library(lang="go", dest=dest, conventions=conv, today=DAY)
    assert read_library_lock(dest).version == "1.0.0"  # type: ignore[union-attr]
    forced = build_library(lang="go", dest=dest, conventions=conv, today=DAY, force=True)
    assert forced.version == "1.1.0" and "setup.go" in forced.written
    # CHANGELOG.md is the team's too: what they wrote there stays under the new entry.
    (dest / "CHANGELOG.md").write_text((dest / "CHANGELOG.md").read_text() + "\nOur note.\n")
    write(conv, reworded(conv.read_text()))
    build_library(lang="go", dest=dest, conventions=conv, today=DAY)
    text = (dest / "CHANGELOG.md").read_text()
    assert text.index("## [1.1.1]") < text.index("## [1.1.0]") and "Our note." in text


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (f"{MODULE}/v2", "Go needs the path"),
        ("gopkg.in/telemetry.v1", "gopkg.in"),
        ("", "--module"),
        ("Example.com/a b", "not a Go module path"),
    ],
)
def test_bad_go_module_paths_are_refused(
    tmp_path: Path, conv: Path, name: str, problem: str
) -> None:
    with pytest.raises(UsageError, match=problem):
        build_library(lang="go", dest=tmp_path / "lib", conventions=conv, name=name)
    assert not (tmp_path / "lib" / LIBRARY_LOCK).exists()


def test_a_library_keeps_its_name_and_language(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "lib"
    build_library(lang="go", dest=dest, conventions=conv, name=MODULE)
    with pytest.raises(UsageError, match="keeps its name"):
        build_library(lang="go", dest=dest, conventions=conv, name="example.com/other")
    with pytest.raises(UsageError, match="not rust"):
        build_library(lang="rust", dest=dest, conventions=conv)


def test_an_edited_library_lock_is_refused(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "lib"
    build_library(lang="rust", dest=dest, conventions=conv)
    data = json.loads((dest / LIBRARY_LOCK).read_text())
    for key, value in (("version", "1.x"), ("lang", "java"), ("files", {"../x": "0" * 64})):
        (dest / LIBRARY_LOCK).write_text(json.dumps({**data, key: value}))
        with pytest.raises(UsageError, match=r"invalid library lock|not MAJOR"):
            read_library_lock(dest)


def test_version_rules() -> None:
    # One semver rule: the library steps are scaffold.diff's next_version, from 1.0.0 on.
    assert FIRST_VERSION == "1.0.0"
    assert next_version("1.4.2", "major") == "2.0.0"
    assert next_version("1.4.2", "minor") == "1.5.0"
    assert next_version("1.4.2", "patch") == "1.4.3"
    assert next_version("1.4.2", "none") == "1.4.2"
    assert module_for(MODULE, "2.0.0") == f"{MODULE}/v2"
    assert module_for(f"{MODULE}/v2", "3.1.0") == f"{MODULE}/v3"
    assert module_for(f"{MODULE}/v3", "1.0.0") == MODULE


def test_cli_lib_json_and_dry_run(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    dest = tmp_path / "lib"
    dry = cli("lib", "--lang", "go", "--module", MODULE, "--dir", str(dest), "--dry-run")
    assert dry.code == 0 and not (dest / "go.mod").exists(), dry.err
    done = cli("lib", "--lang", "go", "--module", MODULE, "--dir", str(dest), "--json")
    data = json.loads(done.out)
    assert (done.code, data["version"], data["tag"], data["bump"]) == (
        0,
        "1.0.0",
        "v1.0.0",
        "first",
    )
    bad = cli("lib", "--lang", "go", "--module", f"{MODULE}/v2", "--dir", str(tmp_path / "x"))
    assert bad.code == 2 and "Go needs the path" in bad.err and "Traceback" not in bad.err


def test_registry_is_kept_until_changed(tmp_path: Path, conv: Path) -> None:
    dest = tmp_path / "lib"
    build_library(lang="rust", dest=dest, conventions=conv, today=DAY)
    assert "\npublish = false\n" in (dest / "Cargo.toml").read_text()
    moved = build_library(lang="rust", dest=dest, conventions=conv, today=DAY, registry="internal")
    assert (moved.bump, moved.version) == ("patch", "1.0.1")
    assert '\npublish = ["internal"]\n' in (dest / "Cargo.toml").read_text()
    write(conv, reworded(conv.read_text()))
    build_library(lang="rust", dest=dest, conventions=conv, today=DAY)
    assert '\npublish = ["internal"]\n' in (dest / "Cargo.toml").read_text()
    with pytest.raises(UsageError, match="registry name"):
        build_library(lang="rust", dest=dest, conventions=conv, registry="a b")
    with pytest.raises(UsageError, match="published by tag"):
        build_library(lang="go", dest=tmp_path / "go", conventions=conv, name=MODULE, registry="x")


def test_a_service_folder_is_no_library_folder(
    tmp_path: Path, conv: Path, cli: Callable[..., CliResult]
) -> None:
    service = tmp_path / "orders"
    assert cli("new", "orders", "--lang", "go", "--dir", str(service)).code == 0
    before = sorted(p.name for p in service.iterdir())
    done = cli("lib", "--lang", "go", "--module", MODULE, "--dir", str(service))
    assert done.code == 2 and "is a scaffold service" in done.err
    assert sorted(p.name for p in service.iterdir()) == before


def test_lib_check_fails_for_a_library_behind_its_conventions(
    tmp_path: Path, conv: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "lib"
    assert (
        cli("lib", "--lang", "go", "--module", MODULE, "--dir", str(dest), "-c", str(conv)).code
        == 0
    )
    assert cli("lib", "--lang", "go", "--dir", str(dest), "--check").code == 0
    write(conv, with_attribute(conv.read_text()))
    before = (dest / "attributes.go").read_text()
    stale = cli("lib", "--lang", "go", "--dir", str(dest), "--check")
    assert stale.code == 1 and "1.0.0 -> 1.1.0 (minor)" in stale.err
    assert (dest / "attributes.go").read_text() == before
    assert read_library_lock(dest).version == "1.0.0"  # type: ignore[union-attr]


def test_a_changelog_that_is_not_utf8_is_refused_not_rewritten(tmp_path: Path, conv: Path) -> None:
    """The CHANGELOG is the team's file: bytes that are not UTF-8 are not replaced by
    U+FFFD under the new entry; the run is refused, nothing written, the file named."""
    dest = tmp_path / "lib"
    build_library(lang="go", dest=dest, conventions=conv, name=MODULE, today=DAY)
    theirs = b"# Changelog\n\nLatin-1 note: caf\xe9\n"
    (dest / "CHANGELOG.md").write_bytes(theirs)
    lock_before = (dest / LIBRARY_LOCK).read_bytes()
    write(conv, reworded(conv.read_text()))
    with pytest.raises(UsageError, match=r"CHANGELOG\.md.*UTF-8"):
        build_library(lang="go", dest=dest, conventions=conv, today=DAY)
    assert (dest / "CHANGELOG.md").read_bytes() == theirs
    assert (dest / LIBRARY_LOCK).read_bytes() == lock_before


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_a_lock_naming_a_file_the_library_cannot_produce_deletes_nothing(
    tmp_path: Path, conv: Path, lang: str
) -> None:
    """A hand-edited lock lists the team's own file with its right SHA-256: the next run
    would take it for a stale generated file and delete it; it is refused instead."""
    import hashlib

    dest = tmp_path / "lib"
    _lib(lang, dest, conv, MODULE if lang == "go" else CRATE)
    mine = dest / "docs" / "notes.md"
    mine.parent.mkdir()
    mine.write_text("the team's notes\n")
    data = json.loads((dest / LIBRARY_LOCK).read_text())
    data["files"]["docs/notes.md"] = hashlib.sha256(mine.read_bytes()).hexdigest()
    (dest / LIBRARY_LOCK).write_text(json.dumps(data))
    write(conv, reworded(conv.read_text()))
    with pytest.raises(UsageError, match=r"library\.json.*docs/notes\.md"):
        _lib(lang, dest, conv)
    assert mine.read_text() == "the team's notes\n"


def test_a_lock_whose_version_went_back_below_the_changelog_is_refused(
    tmp_path: Path, conv: Path
) -> None:
    """The lock says 1.0.0 but CHANGELOG.md already has 1.1.0 (an old lock restored, or
    one edited): the next step would publish 1.0.1 after 1.1.0; refused, nothing written."""
    dest = tmp_path / "lib"
    _lib("rust", dest, conv, CRATE)
    write(conv, with_attribute(conv.read_text()))
    assert _lib("rust", dest, conv).version == "1.1.0"  # type: ignore[attr-defined]
    data = json.loads((dest / LIBRARY_LOCK).read_text())
    data["version"] = "1.0.0"
    (dest / LIBRARY_LOCK).write_text(json.dumps(data))
    old_lock = (dest / LIBRARY_LOCK).read_bytes()
    changelog = (dest / "CHANGELOG.md").read_bytes()
    write(conv, reworded(conv.read_text()))
    with pytest.raises(UsageError, match=r"CHANGELOG\.md:\d+: .*1\.1\.0"):
        _lib("rust", dest, conv)
    assert (dest / "CHANGELOG.md").read_bytes() == changelog
    assert (dest / LIBRARY_LOCK).read_bytes() == old_lock
