"""`scaffold check` after the project's own formatter: gofmt or rustfmt (with the crate's
edition and rustfmt.toml) over the generated files is not drift, and `update` goes on
rewriting them; a real edit still is drift."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

pytestmark = pytest.mark.toolchain


def run(cwd: Path, *args: str) -> None:
    result = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"


def snapshot(root: Path, under: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / under).rglob("*")}


@pytest.mark.skipif(shutil.which("rustfmt") is None, reason="rustfmt is not installed")
def test_rustfmt_with_the_crates_settings_is_not_drift(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    conventions = tmp_path / "observability.yaml"
    shutil.copy(DEFAULT_CONVENTIONS, conventions)
    crate = tmp_path / "api"
    build_file_tree(
        crate,
        {
            "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2024"\n',
            "src/main.rs": "mod telemetry;\n\nfn main() {}\n",
        },
    )
    added = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(conventions))
    assert added.code == 0, added.err
    rendered = snapshot(crate, "src/telemetry")
    # add wrote the module in the edition's own style already (imports in 2024's order):
    # the crate's formatter has nothing to change.
    run(crate, "rustfmt", "--edition", "2024", "src/main.rs")
    assert snapshot(crate, "src/telemetry") == rendered
    export = (crate / "src" / "telemetry" / "export.rs").read_text(encoding="utf-8")
    assert "use opentelemetry::Value;\nuse opentelemetry::trace::{SpanKind, Status};" in export
    assert cli("check", str(crate)).code == 0
    # A crate's rustfmt.toml: narrower lines, tabs.
    (crate / "rustfmt.toml").write_text("max_width = 70\nhard_tabs = true\n", encoding="utf-8")
    run(crate, "rustfmt", "--edition", "2024", "src/main.rs")
    changed = [
        rel for rel, data in snapshot(crate, "src/telemetry").items() if data != rendered[rel]
    ]
    assert len(changed) > 10
    checked = cli("check", str(crate))
    assert checked.code == 0, checked.out + checked.err
    assert "nothing to do" in cli("update", str(crate)).out

    # A real edit in a formatted file is still drift, named.
    edited = crate / "src" / "telemetry" / "conventions.rs"
    kept = edited.read_bytes()
    edited.write_bytes(kept.replace(b'"api"', b'"api-x"', 1))
    drift = cli("check", str(crate))
    assert drift.code == 1 and "src/telemetry/conventions.rs: edited by hand" in drift.out
    edited.write_bytes(kept)

    # The conventions change: update rewrites the formatted files, refusing none.
    text = conventions.read_text(encoding="utf-8")
    conventions.write_text(text.replace("  name: Acme\n", "  name: Acme Two\n", 1), "utf-8")
    assert cli("check", str(crate)).code == 1
    updated = cli("update", str(crate))
    assert updated.code == 0, updated.out + updated.err
    assert cli("check", str(crate)).code == 0


@pytest.mark.skipif(shutil.which("rustfmt") is None, reason="rustfmt is not installed")
@pytest.mark.parametrize("width", [80, 90])
def test_add_under_a_narrow_rustfmt_toml_leaves_nothing_for_rustfmt_check(
    tmp_path: Path, cli: Callable[..., CliResult], width: int
) -> None:
    """rustfmt is not idempotent on every text at these widths: add formats until a pass
    changes nothing, so the project's `cargo fmt --check` passes right after add."""
    crate = tmp_path / "api"
    build_file_tree(
        crate,
        {
            "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2024"\n',
            "rustfmt.toml": f"max_width = {width}\n",
            "src/main.rs": "mod telemetry;\n\nfn main() {}\n",
        },
    )
    added = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert added.code == 0, added.err
    files = sorted(str(p) for p in (crate / "src" / "telemetry").rglob("*.rs"))
    run(crate, "rustfmt", "--edition", "2024", "--check", *files)


@pytest.mark.skipif(shutil.which("gofmt") is None, reason="gofmt is not installed")
def test_gofmt_over_the_generated_package_is_not_drift(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": "module example.com/acme/orders\n\ngo 1.26.0\n"})
    assert (
        cli("add", "--lang", "go", "--dir", str(tmp_path), "-c", str(DEFAULT_CONVENTIONS)).code == 0
    )
    package = tmp_path / "internal" / "telemetry"
    # A layout gofmt puts back differently from the render: imports in one reversed group,
    # indented with spaces; gofmt -s then writes its own layout of it.
    handler = package / "handler.go"
    text = handler.read_text(encoding="utf-8")
    head, rest = text.split("import (\n", 1)
    block, tail = rest.split("\n)\n", 1)
    specs = [line.strip() for line in block.splitlines() if line.strip()]
    handler.write_text(
        head + "import (\n" + "\n".join("  " + s for s in reversed(specs)) + "\n)\n" + tail,
        encoding="utf-8",
    )
    run(tmp_path, "gofmt", "-s", "-w", "internal")
    assert handler.read_text(encoding="utf-8") != text  # gofmt did not restore the render
    checked = cli("check", str(tmp_path))
    assert checked.code == 0, checked.out
    handler.write_text(handler.read_text(encoding="utf-8").replace('"net/http"', '"net/url"'))
    drift = cli("check", str(tmp_path))
    assert drift.code == 1 and "internal/telemetry/handler.go: edited by hand" in drift.out
