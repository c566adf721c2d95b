"""`scaffold add --lang rust` into a crate whose binary is not src/main.rs (review rev14c
R3): a `[[bin]]` with its own `path`, or src/bin/*.rs. The next steps name the file the
crate really builds, with its lines, and a module declaration that compiles there
(`#[path = "../telemetry/mod.rs"] mod telemetry;` from src/bin/); `--wire` edits that
file. Where Cargo can say it, Cargo checks the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.targets.cargo_bins import Binary, binaries, module_declaration
from scaffold.wiring.rust import rust_steps
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
FIXTURE = ROOT / "tests" / "fixtures" / "adopt" / "rust-workspace"
PACKAGE = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n'
# The fixture's own target folder (its lock resolves other versions than the generated
# crates' cache), unless the run names one.
TARGET = Path(
    os.environ.get(
        "SCAFFOLD_CARGO_TARGET_DIR",
        str(Path.home() / ".cache" / "scaffold-ci" / "adopt-rust-workspace"),
    )
)
SERVER = """\
use std::net::SocketAddr;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .init();
    let app = axum::Router::new();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
"""


def _crate(root: Path, manifest: str, **files: str) -> Path:
    build_file_tree(root, {"Cargo.toml": manifest, **files})
    return root


# --- which binary -------------------------------------------------------------------


def test_binaries_are_found_as_cargo_finds_them(tmp_path: Path) -> None:
    manifest = (
        PACKAGE + '\n[[bin]]\nname = "server"\npath = "app/serve.rs"\n\n[[bin]]\nname = "tool"\n'
    )
    crate = _crate(
        tmp_path,
        manifest,
        **{
            "app/serve.rs": "fn main() {}\n",
            "src/bin/tool.rs": "fn main() {}\n",
            "src/bin/other.rs": "fn main() {}\n",
            "src/bin/multi/main.rs": "fn main() {}\n",
            "src/main.rs": "fn main() {}\n",
        },
    )
    assert binaries(crate) == [
        Binary("server", "app/serve.rs"),
        Binary("tool", "src/bin/tool.rs"),
        Binary("api", "src/main.rs"),
        Binary("multi", "src/bin/multi/main.rs"),
        Binary("other", "src/bin/other.rs"),
    ]
    text = (crate / "Cargo.toml").read_text(encoding="utf-8")
    (crate / "Cargo.toml").write_text(
        text.replace('edition = "2021"\n', 'edition = "2021"\nautobins = false\n')
    )
    assert binaries(crate) == [Binary("server", "app/serve.rs"), Binary("tool", "src/bin/tool.rs")]


@pytest.mark.parametrize(
    ("binary", "module", "declaration"),
    [
        ("src/main.rs", "telemetry", "mod telemetry;"),
        ("src/server.rs", "telemetry", "mod telemetry;"),
        ("src/bin/server.rs", "telemetry", '#[path = "../telemetry/mod.rs"]\nmod telemetry;'),
        ("src/bin/multi/main.rs", "otelconv", '#[path = "../../otelconv/mod.rs"]\nmod otelconv;'),
        ("app/serve.rs", "telemetry", '#[path = "../src/telemetry/mod.rs"]\nmod telemetry;'),
        ("serve.rs", "telemetry", '#[path = "src/telemetry/mod.rs"]\nmod telemetry;'),
    ],
)
def test_the_declaration_is_relative_to_the_binarys_folder(
    binary: str, module: str, declaration: str
) -> None:
    assert module_declaration(binary, module) == declaration


def test_steps_name_the_binary_in_src_bin_with_its_lines(tmp_path: Path) -> None:
    crate = _crate(tmp_path, PACKAGE, **{"src/bin/server.rs": SERVER})
    wiring = rust_steps(crate)
    assert wiring.problem == "" and wiring.notes == ()
    assert {s.file for s in wiring.steps} == {"src/bin/server.rs"}
    assert all(s.line > 0 for s in wiring.steps), wiring.steps
    first = wiring.steps[0]
    assert (first.line, first.what) == (1, '#[path = "../telemetry/mod.rs"] mod telemetry;')
    shutdown = [s for s in wiring.steps if "shutdown" in s.what]
    assert [s.line for s in shutdown] == [14]  # the line after axum::serve(...)
    edited = wiring.edits["src/bin/server.rs"]
    assert edited.startswith('#[path = "../telemetry/mod.rs"]\nmod telemetry;\n\nuse std::net')
    assert "telemetry::layers()?" in edited and list(wiring.edits) == ["src/bin/server.rs"]


def test_a_declaration_goes_before_the_attributes_of_the_next_module(tmp_path: Path) -> None:
    text = "mod routes;\n#[cfg(test)]\nmod tests;\n\n" + SERVER
    crate = _crate(tmp_path, PACKAGE, **{"src/main.rs": text, "src/routes.rs": ""})
    edited = rust_steps(crate).edits["src/main.rs"]
    assert edited.startswith("mod routes;\nmod telemetry;\n#[cfg(test)]\nmod tests;\n"), edited


def test_a_binary_declaring_the_module_on_one_line_is_wired_already(tmp_path: Path) -> None:
    text = '#[path = "../telemetry/mod.rs"] mod telemetry;\n' + SERVER.replace(
        "    Ok(())", "    telemetry::f();\n    Ok(())"
    )
    crate = _crate(tmp_path, PACKAGE, **{"src/bin/server.rs": text})
    wiring = rust_steps(crate)
    assert "uses the telemetry module already" in wiring.problem and not wiring.edits


def test_several_binaries_the_packages_own_is_chosen_and_said(tmp_path: Path) -> None:
    crate = _crate(
        tmp_path,
        PACKAGE,
        **{"src/bin/api.rs": SERVER, "src/bin/migrate.rs": "fn main() {}\n"},
    )
    wiring = rust_steps(crate)
    assert {s.file for s in wiring.steps} == {"src/bin/api.rs"}
    assert list(wiring.edits) == ["src/bin/api.rs"]
    (note,) = wiring.notes
    assert "2 binaries: api (src/bin/api.rs), migrate (src/bin/migrate.rs)" in note
    assert "the one named as the package" in note


def test_several_binaries_the_one_serving_is_chosen(tmp_path: Path) -> None:
    files = {"src/bin/web.rs": SERVER, "src/bin/migrate.rs": "fn main() {}\n"}
    wiring = rust_steps(_crate(tmp_path, PACKAGE, **files))
    assert list(wiring.edits) == ["src/bin/web.rs"]
    assert "the one that calls axum::serve" in wiring.notes[0]


def test_several_serving_binaries_none_named_as_the_package_are_refused(tmp_path: Path) -> None:
    files = {"src/bin/web.rs": SERVER, "src/bin/admin.rs": SERVER}
    wiring = rust_steps(_crate(tmp_path, PACKAGE, **files))
    assert "2 binaries: admin (src/bin/admin.rs), web (src/bin/web.rs)" in wiring.problem
    assert not wiring.edits and all(s.line == 0 for s in wiring.steps)


def test_a_crate_without_a_binary_is_named(tmp_path: Path) -> None:
    wiring = rust_steps(_crate(tmp_path, PACKAGE, **{"src/lib.rs": "pub fn f() {}\n"}))
    assert "builds no binary" in wiring.problem and not wiring.edits


def test_a_binary_outside_the_crate_is_not_read_or_wired(tmp_path: Path) -> None:
    manifest = PACKAGE + '\n[[bin]]\nname = "api"\npath = "../elsewhere/main.rs"\n'
    crate = _crate(tmp_path / "api", manifest)
    build_file_tree(tmp_path, {"elsewhere/main.rs": SERVER})
    wiring = rust_steps(crate)
    assert "outside the crate's folder" in wiring.problem and not wiring.edits


# --- the command --------------------------------------------------------------------


def test_add_prints_the_real_binary_and_wire_edits_it(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    manifest = PACKAGE + '\n[[bin]]\nname = "api-server"\npath = "src/bin/server.rs"\n'
    crate = _crate(tmp_path, manifest, **{"src/bin/server.rs": SERVER})
    added = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert added.code == 0, added.err
    assert "src/main.rs" not in added.out
    assert "1. src/bin/server.rs:1 (the crate root) [--wire]:" in added.out
    assert '#[path = "../telemetry/mod.rs"] mod telemetry;' in added.out
    assert not (crate / "src" / "main.rs").exists()
    wired = cli("add", "--lang", "rust", "--dir", str(crate), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    assert json.loads(wired.out)["wired"] == ["src/bin/server.rs"]
    text = (crate / "src" / "bin" / "server.rs").read_text(encoding="utf-8")
    assert text.startswith('#[path = "../telemetry/mod.rs"]\nmod telemetry;\n')


def test_wire_refuses_two_serving_binaries_and_writes_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _crate(tmp_path, PACKAGE, **{"src/bin/web.rs": SERVER, "src/bin/admin.rs": SERVER})
    before = {p: p.read_bytes() for p in crate.rglob("*") if p.is_file()}
    refused = cli("add", "--lang", "rust", "--dir", str(crate), *CONV, "--wire")
    assert refused.code == 2
    assert "admin (src/bin/admin.rs), web (src/bin/web.rs)" in refused.err
    assert "nothing was written" in refused.err
    assert {p: p.read_bytes() for p in crate.rglob("*") if p.is_file()} == before


# --- Cargo's word ---------------------------------------------------------------------


def _cargo_check(workspace: Path, binary: str) -> None:
    env = {
        **os.environ,
        "CARGO_TARGET_DIR": str(TARGET),
        "CARGO_BUILD_JOBS": "1",
        "CARGO_INCREMENTAL": "0",
    }
    result = subprocess.run(
        ["cargo", "check", "--offline", "--bin", binary],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=3600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]


def _moved_fixture(tmp_path: Path, to: str, name: str) -> tuple[Path, Path]:
    """The adoption fixture with the member's main moved to `to` as the binary `name`."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURE, workspace)
    member = workspace / "crates" / "orders-api"
    (member / to).parent.mkdir(parents=True, exist_ok=True)
    (member / "src" / "main.rs").rename(member / to)
    with (member / "Cargo.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(f'\n[[bin]]\nname = "{name}"\npath = "{to}"\n')
    return workspace, member


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_the_printed_declaration_builds_in_src_bin(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    workspace, member = _moved_fixture(tmp_path, "src/bin/server.rs", "orders-server")
    added = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--json")
    assert added.code == 0, added.err
    steps = json.loads(added.out)["next_steps"]
    assert {s["file"] for s in steps} == {"src/bin/server.rs"}
    declaration = steps[0]["what"]
    assert declaration == '#[path = "../telemetry/mod.rs"] mod telemetry;'
    server = member / "src" / "bin" / "server.rs"
    lines = server.read_text(encoding="utf-8").splitlines(keepends=True)
    at = steps[0]["line"] - 1  # made by hand, as printed, at the line printed
    server.write_text("".join([*lines[:at], declaration + "\n", *lines[at:]]))
    _cargo_check(workspace, "orders-server")


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_wire_into_a_bin_path_outside_src_builds(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    workspace, member = _moved_fixture(tmp_path, "app/serve.rs", "orders-serve")
    wired = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire", "--json")
    assert wired.code == 0, wired.err
    assert json.loads(wired.out)["wired"] == ["app/serve.rs"]
    left = json.loads(wired.out)["next_steps"]
    assert [(s["file"], s["where"]) for s in left] == [("app/serve.rs", "tower-http's TraceLayer")]
    text = (member / "app" / "serve.rs").read_text(encoding="utf-8")
    assert '#[path = "../src/telemetry/mod.rs"]\nmod telemetry;\n' in text
    _cargo_check(workspace, "orders-serve")
