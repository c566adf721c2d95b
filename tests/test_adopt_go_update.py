"""`check` and `update` of a Go service `add` adopted whose go.mod now requires an older
otel than the generated code needs (rev14 F10): exit 2 naming go.mod, the line, found and
needed, as for Rust; an older `// indirect` line is raised by update. What update and
check say names their own verb and the real reason (rev14 F5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scaffold.targets.go_modules import direct_requires
from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
OTEL = "go.opentelemetry.io/otel"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _service(tmp_path: Path, cli: Callable[..., CliResult]) -> Path:
    module = tmp_path / "svc"
    build_file_tree(
        module, {"go.mod": "module example.com/svc\n\ngo 1.24\n", "main.go": "package main\n"}
    )
    assert cli("add", "--lang", "go", "--dir", str(module), *CONV).code == 0
    return module


def _set_otel(module: Path, new: str) -> tuple[int, str]:
    """Replace the otel requirement line's version part; (its line number, old version)."""
    path = module / "go.mod"
    lines = path.read_text(encoding="utf-8").split("\n")
    (index,) = [i for i, x in enumerate(lines) if x.split()[:1] == [OTEL]]
    old = lines[index].split()[1]
    lines[index] = f"\t{OTEL} {new}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1, old


def test_check_and_update_name_an_older_otel_go_mod_requires(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = _service(tmp_path, cli)
    line, needed = _set_otel(module, "v1.42.0")
    before = tree(module)
    for verb in ("check", "update"):
        result = cli(verb, str(module), *CONV)
        assert result.code == 2, (verb, result.out)
        assert f"{module / 'go.mod'}:{line}: {OTEL} v1.42.0 found, {needed} needed" in result.err
        assert f"go get {OTEL}@{needed}" in result.err
        assert "run update (or check) again" in result.err and "add again" not in result.err
        assert "Traceback" not in result.err
    assert tree(module) == before


def test_update_raises_an_older_indirect_otel_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = _service(tmp_path, cli)
    _line, needed = _set_otel(module, "v1.42.0 // indirect")
    checked = cli("check", str(module), *CONV)
    assert checked.code == 1, checked.err
    (said,) = [x for x in checked.out.splitlines() if "/go.mod:" in x]
    assert f"{OTEL} at the version the render needs" in said
    assert cli("update", str(module), *CONV).code == 0
    assert f"\t{OTEL} {needed}\n" in (module / "go.mod").read_text(encoding="utf-8")
    assert cli("check", str(module), *CONV).code == 0


def test_a_missing_sdk_is_not_blamed_on_grpc_export(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = _service(tmp_path, cli)
    path = module / "go.mod"
    text = path.read_text(encoding="utf-8")
    lines = [x for x in text.split("\n") if x.split()[:1] != [f"{OTEL}/sdk"]]
    path.write_text("\n".join(lines), encoding="utf-8")
    checked = cli("check", str(module), *CONV)
    assert checked.code == 1
    (said,) = [x for x in checked.out.splitlines() if "/go.mod:" in x]
    assert f"lacks {OTEL}/sdk" in said and "the render needs them" in said
    assert "gRPC" not in said


def test_rust_update_refusal_says_run_update_again(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "api"
    package = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
    build_file_tree(crate, {"Cargo.toml": package, "src/main.rs": "fn main() {}\n"})
    assert cli("add", "--lang", "rust", "--dir", str(crate), *CONV).code == 0
    cargo = crate / "Cargo.toml"
    text = cargo.read_text(encoding="utf-8")
    old = 'opentelemetry_sdk = { version = "0.33'
    assert old in text
    cargo.write_text(text.replace(old, 'opentelemetry_sdk = { version = "0.27'), "utf-8")
    result = cli("update", str(crate), *CONV)
    assert result.code == 2 and "found" in result.err
    assert "run update (or check) again" in result.err and "add again" not in result.err


def test_check_and_update_refuse_a_replace_that_takes_a_needed_version_away(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """rev14b N6: add refuses such a replace; check and update refuse it too."""
    module = _service(tmp_path, cli)
    path = module / "go.mod"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\nreplace {OTEL} => {OTEL} v1.42.0\n",
        encoding="utf-8",
    )
    before = tree(module)
    for verb in ("check", "update"):
        result = cli(verb, str(module), *CONV)
        assert result.code == 2, (verb, result.out)
        assert "replace" in result.err and "Traceback" not in result.err
    assert tree(module) == before


def test_a_lowered_indirect_requirement_of_the_render_is_drift_update_raises(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = _service(tmp_path, cli)
    path = module / "go.mod"
    text = path.read_text(encoding="utf-8")
    indirect = [r for r in direct_requires(b3=False) if r.indirect and f"\t{r.path} " in text]
    assert indirect, "the render pins indirect requirements"
    req = indirect[0]
    lowered = text.replace(f"\t{req.path} {req.version}", f"\t{req.path} v0.0.1", 1)
    assert lowered != text
    path.write_text(lowered, encoding="utf-8")
    checked = cli("check", str(module), *CONV)
    assert checked.code == 1, checked.err
    assert cli("update", str(module), *CONV).code == 0
    assert f"\t{req.path} {req.version}" in path.read_text(encoding="utf-8")
