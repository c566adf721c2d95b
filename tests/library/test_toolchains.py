"""The libraries `scaffold lib` renders from the default conventions, judged by their own
toolchains: gofmt, go vet and go test; cargo fmt, clippy, test and package. And services
in library mode build against them through a replace directive or a path dependency."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.conventions import Located
from scaffold.library.build import build_library
from scaffold.library.follow import service_library
from scaffold.services import add_service, new_service
from tests.conftest import DEFAULT_CONVENTIONS
from tests.go.gotools import GO, GOFMT, needs_go, run
from tests.go.gotools import assert_ok as go_ok
from tests.rust.rusttools import assert_ok as cargo_ok
from tests.rust.rusttools import cargo, needs_cargo

MODULE = "example.com/acme/telemetry"
CRATE = "acme-telemetry"


def _service(lang: str, root: Path, lib: Path, name: str) -> Path:
    dest = root / "orders"
    new_service(
        name="orders",
        lang=lang,
        dest=dest,
        conventions=Located(DEFAULT_CONVENTIONS, "given"),
        library=service_library(lang, dest, name, lib),
    )
    return dest


@needs_go
@pytest.mark.toolchain
def test_go_library_passes_gofmt_vet_and_test_and_a_service_builds_on_it(
    tmp_path: Path,
) -> None:
    lib = tmp_path / "telemetry-go"
    build_library(lang="go", dest=lib, conventions=DEFAULT_CONVENTIONS, name=MODULE)
    assert GO is not None and GOFMT is not None
    fmt = run([GOFMT, "-l", "."], lib)
    assert fmt.returncode == 0 and fmt.stdout == "", f"gofmt -l: {fmt.stdout}{fmt.stderr}"
    go_ok(run([GO, "vet", "./..."], lib), "go vet")
    tested = run([GO, "test", "-count=1", "./..."], lib)
    go_ok(tested, "go test")
    assert f"ok  \t{MODULE}\t" in tested.stdout
    service = _service("go", tmp_path, lib, MODULE)
    go_ok(run([GO, "vet", "./..."], service), "go vet of the library-mode service")
    go_ok(run([GO, "build", "-o", "bin/orders", "."], service), "go build of the service")


@needs_cargo
@pytest.mark.toolchain
def test_rust_library_passes_fmt_clippy_test_and_package_and_a_service_builds_on_it(
    tmp_path: Path,
) -> None:
    lib = tmp_path / "telemetry-rust"
    build_library(lang="rust", dest=lib, conventions=DEFAULT_CONVENTIONS, name=CRATE)
    cargo_ok(cargo(["fmt", "--check"], lib), "cargo fmt --check")
    cargo_ok(cargo(["clippy", "--all-targets", "--", "-D", "warnings"], lib), "cargo clippy")
    tested = cargo(["test"], lib)
    cargo_ok(tested, "cargo test")
    assert "test result: ok." in tested.stdout and " 0 passed" not in tested.stdout
    cargo_ok(cargo(["package", "--allow-dirty"], lib), "cargo package")
    service = _service("rust", tmp_path, lib, CRATE)
    cargo_ok(cargo(["fmt", "--check"], service), "cargo fmt --check of the service")
    cargo_ok(cargo(["clippy", "--", "-D", "warnings"], service), "cargo clippy of the service")


ADOPT = Path(__file__).resolve().parents[1] / "fixtures" / "adopt"


def _added(lang: str, root: Path, fixture: str, lib: Path, name: str, wire: bool) -> Path:
    """A copy of an adoption fixture after `scaffold add --lib NAME --lib-path LIB`."""
    dest = root / "svc"
    shutil.copytree(ADOPT / fixture, dest)
    add_service(
        lang=lang,
        dest=dest,
        conventions=Located(DEFAULT_CONVENTIONS, "given"),
        wire=wire,
        library=service_library(lang, dest, name, lib),
    )
    return dest


@needs_go
@pytest.mark.toolchain
def test_go_module_added_with_lib_builds_vets_tests_and_stays_tidy(tmp_path: Path) -> None:
    lib = tmp_path / "telemetry-go"
    build_library(lang="go", dest=lib, conventions=DEFAULT_CONVENTIONS, name=MODULE)
    service = _added("go", tmp_path, "go-v2", lib, MODULE, wire=True)
    assert GO is not None and GOFMT is not None
    fmt = run([GOFMT, "-l", "."], service)
    assert fmt.returncode == 0 and fmt.stdout == "", f"gofmt -l: {fmt.stdout}{fmt.stderr}"
    go_ok(run([GO, "vet", "./..."], service), "go vet of the added module")
    go_ok(run([GO, "test", "-count=1", "./..."], service), "go test of the added module")
    go_ok(run([GO, "build", "-o", "bin/orders", "."], service), "go build of the added module")
    before = (service / "go.mod").read_text()
    go_ok(run([GO, "mod", "tidy"], service, env_extra={"GOFLAGS": "-mod=mod"}), "go mod tidy")
    assert (service / "go.mod").read_text() == before  # add --lib wrote it in tidy form


@needs_cargo
@pytest.mark.toolchain
def test_rust_crate_added_with_lib_builds_and_passes_clippy(tmp_path: Path) -> None:
    lib = tmp_path / "telemetry-rust"
    build_library(lang="rust", dest=lib, conventions=DEFAULT_CONVENTIONS, name=CRATE)
    service = _added("rust", tmp_path, "rust-old-otel", lib, CRATE, wire=False)
    main = service / "src" / "main.rs"
    text = main.read_text()
    # The crate's own code is the team's: connect the glue as the next steps say.
    main.write_text(
        "mod telemetry;\n\n"
        + text.replace("fn main() {\n", "fn main() {\n    let _guard = telemetry::init();\n", 1)
    )
    cargo_ok(cargo(["fmt", "--check"], service), "cargo fmt --check of the added crate")
    cargo_ok(cargo(["clippy", "--", "-D", "warnings"], service), "cargo clippy of the added crate")
    cargo_ok(cargo(["build"], service), "cargo build of the added crate")
