"""runtime/rust: the Rust module's static sources as a real crate, checked where they live.

Quick checks (no cargo): the committed renders are current, every file of the crate is
either a static source a manifest entry names or a project-only file, and only the named
sources reach a service. The toolchain check runs cargo fmt, clippy and test in place.
"""

from __future__ import annotations

import re

import pytest

from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.render.manifest import load_manifest
from scaffold.resources import bundled_conventions, templates_root
from scaffold.targets.registry import render_target
from tests.rust.runtime_crate import HAND_WRITTEN, REFRESH, RUNTIME, committed_renders
from tests.rust.rusttools import assert_ok, cargo, needs_cargo


def _static_sources() -> set[str]:
    manifest = load_manifest(templates_root(), "rust")
    assert manifest.runtime is not None and manifest.runtime.resolve() == RUNTIME.resolve()
    return {e.template for e in manifest.entries if e.static}


def _crate_files() -> set[str]:
    """Files of the crate as the repository holds them (build output left out)."""
    return {
        p.relative_to(RUNTIME).as_posix()
        for p in RUNTIME.rglob("*")
        if p.is_file() and "target" not in p.relative_to(RUNTIME).parts and p.name != "Cargo.lock"
    }


def test_committed_renders_match_the_bundled_conventions() -> None:
    renders = committed_renders()
    assert {"Cargo.toml", "src/telemetry/conventions.rs", "src/telemetry/mod.rs"} <= set(renders)
    stale = [
        rel
        for rel, text in sorted(renders.items())
        if not (RUNTIME / rel).is_file() or (RUNTIME / rel).read_bytes() != text.encode("utf-8")
    ]
    assert not stale, (
        f"runtime/rust: {stale} differ from what scaffold renders for the bundled conventions; "
        f"refresh them with `{REFRESH}` and commit the result"
    )


def test_every_crate_file_is_a_named_source_a_render_or_project_only() -> None:
    named, renders = _static_sources(), set(committed_renders())
    assert len(named) >= 17 and "src/telemetry/tests.rs" in named
    assert not named & renders, "a static source is also overwritten by a render"
    unknown = sorted(
        rel
        for rel in _crate_files() - named - renders - set(HAND_WRITTEN)
        if not rel.startswith("tests/")
    )
    assert not unknown, f"runtime/rust holds {unknown}: name them in the manifest or remove them"


@pytest.mark.parametrize("mode", ["new", "add"])
def test_only_named_sources_reach_a_service(mode: str) -> None:
    opts = RenderOptions(service_name="svc", target="rust", mode=mode, crate_name="svc")  # type: ignore[arg-type]
    rendered = render_target("rust", load(bundled_conventions()), opts)
    prefix = "runtime/rust/"
    copied = {f.template.removeprefix(prefix) for f in rendered.files.values()}
    copied = {s for s in copied if not s.startswith("templates/")}
    expected = {e.template for e in load_manifest(templates_root(), "rust").entries if e.static}
    if mode == "add":
        expected.discard(".gitignore")
    assert copied == expected
    for f in rendered.files.values():
        if f.template.startswith(prefix):
            source = (RUNTIME / f.template.removeprefix(prefix)).read_text(encoding="utf-8")
            assert f.content.endswith(source), f.path  # copied as is, after the header


def test_remaining_templates_all_depend_on_the_conventions() -> None:
    plain = [
        p.relative_to(templates_root()).as_posix()
        for p in sorted((templates_root() / "rust").rglob("*.j2"))
        if not re.search(r"\{\{|\{%", p.read_text(encoding="utf-8"))
    ]
    assert (
        not plain
    ), f"{plain} hold no template syntax: move them to runtime/rust as static sources"


def test_the_shipped_tests_have_no_project_hooks() -> None:
    text = (RUNTIME / "src" / "telemetry" / "tests.rs").read_text(encoding="utf-8")
    for hook in ("SCAFFOLD_", "tests/vectors", "EXPECTED_"):
        assert hook not in text


@needs_cargo
@pytest.mark.toolchain
@pytest.mark.slow
def test_runtime_crate_passes_fmt_clippy_and_its_tests() -> None:
    lock = RUNTIME / "Cargo.lock"
    had_lock = lock.exists()
    try:
        assert_ok(cargo(["fmt", "--check"], RUNTIME), "cargo fmt --check")
        clippy = cargo(["clippy", "--all-targets", "--", "-D", "warnings"], RUNTIME)
        assert_ok(clippy, "cargo clippy")
        # The module's documentation, as a library's reader sees it: every link resolves.
        docs = cargo(["doc", "--no-deps"], RUNTIME, env_extra={"RUSTDOCFLAGS": "-D warnings"})
        assert_ok(docs, "cargo doc")
        proc = cargo(["test"], RUNTIME)
        assert_ok(proc, "cargo test")
    finally:
        if not had_lock:  # the lock file is build output here, kept out of the templates
            lock.unlink(missing_ok=True)
    out = proc.stdout
    assert re.search(r"test telemetry::tests::server_span_continues\S* \.\.\. ok", out), out
    assert "test the_sampler_agrees_with_the_shared_vectors ... ok" in out, out
    assert "test name_rules_give_the_names_the_conventions_expect ... ok" in out, out
    assert re.search(r"^test src/telemetry/mod\.rs - .* - compile \.\.\. ok$", out, re.M), out
    unit = re.findall(r"test result: ok\. (\d+) passed; 0 failed", out)
    assert unit and int(unit[0]) >= 20, out
