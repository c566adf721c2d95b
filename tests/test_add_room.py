"""`add` never writes into the project's own `internal/telemetry` package or next to its own
`src/telemetry.rs` module (rev14 F7); a folder scaffold made is still adopted and updated."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

GO_MOD = "module example.com/acme/orders\n\ngo 1.22\n"
MAIN_GO = "package main\n\nfunc main() {}\n"
CARGO = '[package]\nname = "orders"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
MAIN_RS = "mod telemetry;\n\nfn main() {\n    telemetry::setup();\n}\n"
OURS_RS = "pub fn setup() {}\n"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _add(cli: Callable[..., CliResult], root: Path, lang: str, *more: str) -> CliResult:
    return cli("add", "--lang", lang, "--dir", str(root), "-c", str(DEFAULT_CONVENTIONS), *more)


def test_go_own_telemetry_package_is_refused_before_anything_is_written(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    ours = "package telemetry\n\n// Setup is ours.\nfunc Setup() {}\n"
    build_file_tree(
        tmp_path,
        {"go.mod": GO_MOD, "main.go": MAIN_GO, "internal/telemetry/ours.go": ours},
    )
    before = _tree(tmp_path)
    for more in ((), ("--force",), ("--wire",)):
        result = _add(cli, tmp_path, "go", *more)
        assert result.code == 2, result.out
        assert str(tmp_path / "internal" / "telemetry" / "ours.go") in result.err
        assert "package 'telemetry'" in result.err and "codegen.go_package" in result.err
        assert "Traceback" not in result.err
        assert _tree(tmp_path) == before


def test_go_other_files_in_the_folder_are_not_in_the_way(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """Only Go source decides: a README or a sub-package of the folder stays, add works."""
    build_file_tree(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "main.go": MAIN_GO,
            "internal/telemetry/README.md": "notes\n",
            "internal/telemetry/sub/sub.go": "package sub\n",
        },
    )
    result = _add(cli, tmp_path, "go")
    assert result.code == 0, result.err
    assert (tmp_path / "internal" / "telemetry" / "setup.go").is_file()


def test_go_a_folder_scaffold_made_is_adopted_again_when_the_lock_is_lost(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, tmp_path, "go").code == 0
    shutil.rmtree(tmp_path / ".scaffold")
    again = _add(cli, tmp_path, "go")
    assert again.code == 0, again.err
    assert cli("check", str(tmp_path)).code == 0


def test_go_update_keeps_a_file_the_team_added_to_the_generated_package(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, tmp_path, "go").code == 0
    extra = tmp_path / "internal" / "telemetry" / "extra.go"
    extra.write_text("package telemetry\n\nfunc Extra() {}\n", encoding="utf-8")
    result = cli("update", str(tmp_path))
    assert result.code == 0, result.err
    assert extra.is_file()


def test_rust_own_telemetry_module_file_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(
        tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN_RS, "src/telemetry.rs": OURS_RS}
    )
    before = _tree(tmp_path)
    for more in ((), ("--force",)):
        result = _add(cli, tmp_path, "rust", *more)
        assert result.code == 2, result.out
        assert str(tmp_path / "src" / "telemetry.rs") in result.err
        assert "module 'telemetry'" in result.err and "codegen.rust_module" in result.err
        assert _tree(tmp_path) == before


def test_rust_own_telemetry_module_folder_is_refused_even_with_force(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """--force overwrites generated files: a hand-written src/telemetry/mod.rs is not one."""
    build_file_tree(
        tmp_path,
        {"Cargo.toml": CARGO, "src/main.rs": MAIN_RS, "src/telemetry/mod.rs": OURS_RS},
    )
    before = _tree(tmp_path)
    result = _add(cli, tmp_path, "rust", "--force")
    assert result.code == 2, result.out
    assert str(tmp_path / "src" / "telemetry" / "mod.rs") in result.err
    assert _tree(tmp_path) == before


def test_rust_update_refuses_a_module_file_beside_the_generated_folder(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN_RS})
    assert _add(cli, tmp_path, "rust").code == 0, "add"
    (tmp_path / "src" / "telemetry.rs").write_text(OURS_RS, encoding="utf-8")
    before = _tree(tmp_path)
    for verb in ("update", "check"):
        result = cli(verb, str(tmp_path))
        assert result.code == 2, (verb, result.out, result.err)
        assert str(tmp_path / "src" / "telemetry.rs") in result.err
        assert f"run {verb} again" in result.err or "run update (or check) again" in result.err
    assert _tree(tmp_path) == before


def test_go_update_refuses_a_file_of_another_package_in_the_generated_folder(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, tmp_path, "go").code == 0
    ours = tmp_path / "internal" / "telemetry" / "ours.go"
    ours.write_text("package ours\n\nfunc Ours() {}\n", encoding="utf-8")
    before = _tree(tmp_path)
    result = cli("update", str(tmp_path))
    assert result.code == 2, result.out
    assert str(ours) in result.err and "run update (or check) again" in result.err
    assert _tree(tmp_path) == before


def test_go_update_into_a_renamed_package_refuses_the_projects_own_package_there(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """rev14b N1: the conventions rename the package to one the project already has."""
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, tmp_path, "go").code == 0
    conventions = tmp_path / "observability.yaml"
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    assert "  go_package: telemetry\n" in text
    conventions.write_text(text.replace("  go_package: telemetry\n", "  go_package: otelx\n"))
    ours = tmp_path / "internal" / "otelx" / "ours.go"
    ours.parent.mkdir(parents=True)
    ours.write_text("package otelx\n\nfunc Setup() {}\n", encoding="utf-8")
    before = _tree(tmp_path)
    result = cli("update", str(tmp_path), "-c", str(conventions))
    assert result.code == 2, result.out
    assert str(ours) in result.err and "run update (or check) again" in result.err
    assert _tree(tmp_path) == before


def _renamed(tmp_path: Path, key: str, old: str, new: str) -> Path:
    conventions = tmp_path / "observability.yaml"
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    line = f"  {key}: {old}\n"
    if line not in text:
        text = text.replace("codegen:\n", f"codegen:\n  {key}: {old}\n", 1)
    conventions.write_text(text.replace(line, f"  {key}: {new}\n"), encoding="utf-8")
    return conventions


def test_go_update_that_renames_the_package_names_the_imports_of_the_old_one(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """rev14b N2: the old folder would go while main.go still imports it."""
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, tmp_path, "go").code == 0
    main = tmp_path / "main.go"
    old_import = '"example.com/acme/orders/internal/telemetry"'
    main.write_text(f"package main\n\nimport {old_import}\n\nfunc main() {{ telemetry.Setup }}\n")
    conventions = _renamed(tmp_path, "go_package", "telemetry", "otelx")
    before = _tree(tmp_path)
    result = cli("update", str(tmp_path), "-c", str(conventions))
    assert result.code == 2, result.out
    assert f"{main}:3" in result.err and "internal/otelx" in result.err
    assert _tree(tmp_path) == before
    main.write_text(main.read_text().replace("internal/telemetry", "internal/otelx"))
    done = cli("update", str(tmp_path), "-c", str(conventions))
    assert done.code == 0, done.err
    assert not (tmp_path / "internal" / "telemetry").exists()
    assert (tmp_path / "internal" / "otelx").is_dir()


def test_rust_update_that_renames_the_module_names_the_old_mod_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n"})
    assert _add(cli, tmp_path, "rust").code == 0
    main = tmp_path / "src" / "main.rs"
    main.write_text("mod telemetry;\n\nfn main() {}\n", encoding="utf-8")
    conventions = _renamed(tmp_path, "rust_module", "telemetry", "otelx")
    before = _tree(tmp_path)
    result = cli("update", str(tmp_path), "-c", str(conventions))
    assert result.code == 2, result.out
    assert f"{main}:1" in result.err and "mod otelx;" in result.err
    assert _tree(tmp_path) == before


def test_go_add_refuses_a_generated_file_the_render_does_not_write(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """rev14b N9: a generated file copied from another service under another name is
    not scaffold's own here: it would be built beside the render's setup.go."""
    other = tmp_path / "other"
    build_file_tree(other, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    assert _add(cli, other, "go").code == 0
    service = tmp_path / "service"
    build_file_tree(service, {"go.mod": GO_MOD, "main.go": MAIN_GO})
    copied = service / "internal" / "telemetry" / "setup_v1.go"
    copied.parent.mkdir(parents=True)
    copied.write_bytes((other / "internal" / "telemetry" / "setup.go").read_bytes())
    before = _tree(service)
    result = _add(cli, service, "go")
    assert result.code == 2, result.out
    assert str(copied) in result.err and "copied from elsewhere" in result.err
    assert "Traceback" not in result.err
    assert _tree(service) == before
    # The same file at the path the render writes is scaffold's own: add --force takes it.
    copied.rename(copied.with_name("setup.go"))
    assert _add(cli, service, "go", "--force").code == 0


def test_a_regular_file_where_a_folder_goes_is_not_called_a_symlink(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    build_file_tree(tmp_path, {"go.mod": GO_MOD, "main.go": MAIN_GO, "internal/telemetry": "x\n"})
    before = _tree(tmp_path)
    result = _add(cli, tmp_path, "go")
    assert result.code == 2, result.out
    assert "is not a folder" in result.err and "symlink" not in result.err
    assert _tree(tmp_path) == before
