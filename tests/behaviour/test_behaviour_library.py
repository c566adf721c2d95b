"""The behaviour table again, against services in library mode: each service is made by
`scaffold new --lib NAME --lib-path DIR` against a library `scaffold lib` rendered from
the same conventions, built through a go.mod replace directive or a Cargo path
dependency, with the fixture handlers swapped in as for vendored services. Every row of
the table applies: the library holds the same code, and the glue names the service."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.conventions import Located
from scaffold.library.build import build_library
from scaffold.library.follow import service_library
from scaffold.services import add_service, new_service
from tests.behaviour import check, harness
from tests.behaviour.check_source import Sources
from tests.behaviour.table import Row
from tests.behaviour.test_behaviour import (
    ROWS,
    SERVICE,
    _conventions,
    install_go_fixture,
    install_rust_fixture,
    keep_rendered,
    rendered,
)
from tests.go.gotools import GO, needs_go, run
from tests.rust.rusttools import build_kept, needs_cargo

LIBRARIES = {"go": "example.com/acme/telemetry", "rust": "acme-telemetry"}
VENDORED_IMPORT = '"example.com/behaviour/internal/telemetry"'

_built: dict[tuple[str, str], Path] = {}


def _library_service(lang: str, root: Path, variant: str) -> Path:
    """The library and a service depending on it, rendered; the service's folder."""
    conv = _conventions(root, variant)
    lib = root / f"lib-{lang}-{variant or 'base'}"
    build_library(lang=lang, dest=lib, conventions=conv, name=LIBRARIES[lang])
    dest = root / f"{lang}-{variant or 'base'}"
    new_service(
        name=SERVICE,
        lang=lang,
        dest=dest,
        conventions=Located(conv, "given"),
        module_path="example.com/behaviour" if lang == "go" else "",
        library=service_library(lang, dest, LIBRARIES[lang], lib),
    )
    return dest


def _build_go(root: Path, variant: str) -> Path:
    dest = _library_service("go", root, variant)
    keep_rendered(dest)
    install_go_fixture(dest, (VENDORED_IMPORT, f'"{LIBRARIES["go"]}"'))
    assert not (dest / "internal").exists()
    proc = run([str(GO), "build", "-o", "bin/service", "."], dest)
    assert proc.returncode == 0, f"go build of the library-mode service failed:\n{proc.stderr}"
    return dest / "bin" / "service"


def _build_rust(root: Path, variant: str) -> Path:
    dest = _library_service("rust", root, variant)
    keep_rendered(dest)
    install_rust_fixture(dest)
    assert not (dest / "src" / "telemetry").exists()
    kept = dest / "service"
    proc = build_kept(dest, kept, SERVICE)
    assert (
        proc.returncode == 0
    ), f"cargo build of the library-mode service failed:\n{proc.stderr[-6000:]}"
    return kept


@pytest.fixture(scope="session")
def library_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("behaviour-library")


def _service(lang: str, variant: str, root: Path) -> Path:
    key = (lang, variant)
    if key not in _built:
        _built[key] = (_build_go if lang == "go" else _build_rust)(root, variant)
    return _built[key]


def _params() -> list[object]:
    out: list[object] = []
    for lang, mark in (("go", needs_go), ("rust", needs_cargo)):
        for row in ROWS:
            out.append(
                pytest.param(
                    lang, row, id=f"lib-{lang}-{row.id}", marks=[mark, pytest.mark.toolchain]
                )
            )
    return out


def _sources(lang: str, variant: str, service: Path, root: Path) -> Sources:
    """The render of the library-mode service built at `service`, as scaffold wrote it,
    and its library."""
    lib = root / f"lib-{lang}-{variant or 'base'}"
    if lang == "go":
        return Sources("go", rendered(service.parent.parent), lib)
    return Sources("rust", rendered(service.parent), lib / "src" / "telemetry")


@pytest.mark.parametrize(("lang", "row"), _params())
def test_library_row(lang: str, row: Row, library_root: Path, tmp_path: Path) -> None:
    service = _service(lang, row.variant, library_root)
    result = harness.run_row(service, row, tmp_path)
    found = check.problems(row, result, _sources(lang, row.variant, service, library_root))
    assert not found, (
        f"{lang} (library mode) fails row {row.id} ({row.source}, issue {row.issue}): "
        f"{row.what}\n  - "
        + "\n  - ".join(found)
        + f"\n--- service output (last 4000 characters) ---\n{result.output[-4000:]}"
    )


# Rows for a Go module moved onto the library with `scaffold add --lib` (its own go.mod,
# main and handlers; the glue file names the service): the server span and the resource.
ADDED_ROWS = ("http-server-span-attributes", "http-resource-sdk-attributes")
_NAMING = f'\ttelemetry.ServiceName = "{SERVICE}"\n'


def _build_go_added(root: Path) -> Path:
    """A module with the service's own main and the fixture handlers, no scaffold in it,
    then `add --lib` against the library, built. In a folder of its own: the new-mode
    rows may have made go-base in `root` already."""
    root = root / "added"
    root.mkdir(exist_ok=True)
    made = _library_service("go", root, "")
    dest = root / "go-added"
    shutil.copytree(made, dest, ignore=shutil.ignore_patterns(".scaffold", "go.sum", "bin"))
    (dest / "go.mod").write_text("module example.com/behaviour\n\ngo 1.24\n", encoding="utf-8")
    main = (dest / "main.go").read_text(encoding="utf-8")
    assert _NAMING in main, "main.go no longer names the service this way"
    (dest / "main.go").write_text(main.replace(_NAMING, ""), encoding="utf-8")
    install_go_fixture(dest, (VENDORED_IMPORT, f'"{LIBRARIES["go"]}"'))
    lib = root / "lib-go-base"
    add_service(
        lang="go",
        dest=dest,
        conventions=Located(_conventions(root, ""), "given"),
        library=service_library("go", dest, LIBRARIES["go"], lib),
    )
    assert (dest / "scaffold_telemetry.go").is_file()
    proc = run([str(GO), "build", "-o", "bin/service", "."], dest)
    assert proc.returncode == 0, f"go build of the added module failed:\n{proc.stderr}"
    return dest / "bin" / "service"


@needs_go
@pytest.mark.toolchain
@pytest.mark.parametrize("row", [r for r in ROWS if r.id in ADDED_ROWS], ids=lambda r: r.id)
def test_added_go_module_row(row: Row, library_root: Path, tmp_path: Path) -> None:
    key = ("go-added", "")
    if key not in _built:
        _built[key] = _build_go_added(library_root)
    result = harness.run_row(_built[key], row, tmp_path)
    found = check.problems(row, result)
    assert not found, (
        f"go (add --lib) fails row {row.id}: {row.what}\n  - "
        + "\n  - ".join(found)
        + f"\n--- service output (last 4000 characters) ---\n{result.output[-4000:]}"
    )
