"""The CLI: help with examples, exit codes, --json, colour, prompts only on a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.broken.cases import CASES
from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult

COMMANDS = ["init", "validate", "schema", "new", "add", "update", "check", "docs"]


def test_help_lists_every_command_with_an_example(cli: Callable[..., CliResult]) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in COMMANDS:
        lines = [ln for ln in result.out.splitlines() if ln.strip().startswith(command + " ")]
        assert lines and f"scaffold {command}" in lines[0], f"{command} has no example in --help"
        sub = cli(command, "--help")
        assert sub.code == 0 and "Examples:" in sub.out and f"scaffold {command}" in sub.out


def test_version(cli: Callable[..., CliResult]) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("scaffold ")


def test_validate_json_and_which_file(cli: Callable[..., CliResult]) -> None:
    result = cli("validate", "--conventions", str(DEFAULT_CONVENTIONS), "--json")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["ok"] is True and data["organisation"] == "Acme"
    assert str(DEFAULT_CONVENTIONS) in result.err


def test_validate_json_lists_problems(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    broken = tmp_path / "observability.yaml"
    broken.write_text(CASES[0].text(), encoding="utf-8")
    result = cli("validate", str(broken), "--json")
    assert result.code == 2
    data = json.loads(result.out)
    assert data["ok"] is False and data["problems"][0]["line"] > 1


def test_missing_file_is_exit_2(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "no such file" in result.err and "Traceback" not in result.err


def test_unknown_option_is_exit_2(cli: Callable[..., CliResult]) -> None:
    assert cli("validate", "--no-such-flag").code == 2


def test_without_terminal_missing_choices_name_the_flag(cli: Callable[..., CliResult]) -> None:
    result = cli("new")
    assert result.code == 2 and "NAME" in result.err
    result = cli("new", "payments")
    assert result.code == 2 and "--lang" in result.err


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["new", "../escape", "--lang", "go"], "not valid"),
        (["new", "Payments", "--lang", "go"], "not valid"),
        (["new", "type", "--lang", "go"], "reserved word"),
        (["new", "pay", "--lang", "cobol"], "choose one of go, rust"),
        (["new", "pay", "--lang", "go", "--module", "/abs/path"], "not a valid Go module path"),
        (["new", "pay", "--lang", "go", "--module", "a/../b"], "not a valid Go module path"),
    ],
)
def test_bad_names_and_paths(
    cli: Callable[..., CliResult], tmp_path: Path, args: list[str], text: str
) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = cli(*args, "--conventions", str(DEFAULT_CONVENTIONS))
    finally:
        os.chdir(cwd)
    assert result.code == 2 and text in result.err, result.err
    assert list(tmp_path.iterdir()) == []


def test_init_defaults_then_validate(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = cli("init", "--defaults", "--dir", str(tmp_path), "--org", "Initech")
    assert result.code == 0, result.err
    assert (tmp_path / "observability.yaml").is_file()
    assert json.loads((tmp_path / "observability.schema.json").read_text())["title"]
    assert cli("validate", str(tmp_path / "observability.yaml")).code == 0
    again = cli("init", "--defaults", "--dir", str(tmp_path))
    assert again.code == 2 and "--force" in again.err


def test_init_rejects_bad_answers(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = cli("init", "--defaults", "--dir", str(tmp_path), "--environments", "Prod EU")
    assert result.code == 2 and "environment" in result.err
    assert not (tmp_path / "observability.yaml").exists()


def test_schema_prints_json(cli: Callable[..., CliResult]) -> None:
    result = cli("schema")
    assert result.code == 0 and json.loads(result.out)["type"] == "object"


def test_no_colour_without_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "scaffold", "validate", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 2
    assert "\x1b[" not in out.stderr
    assert any(line.startswith("error: ") for line in out.stderr.splitlines())


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_then_init_validate_new(tmp_path: Path) -> None:
    """A plain `pip install .` ships the templates: init, validate and new work anywhere."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    install = subprocess.run(
        [str(pip), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    scaffold = str(env_dir / "bin" / "scaffold")
    work = tmp_path / "empty"
    work.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["init", "--defaults"], ["validate"]):
        step = subprocess.run(
            [scaffold, *args], cwd=work, capture_output=True, text=True, env=clean_env
        )
        assert step.returncode == 0, step.stderr
    site = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "import scaffold.resources as r; print(r.templates_root())",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
    )
    assert "site-packages" in site.stdout and "_templates" in site.stdout
    if (ROOT / "templates" / "go" / "manifest.yaml").is_file():
        made = subprocess.run(
            [scaffold, "new", "payments", "--lang", "go"],
            cwd=work,
            capture_output=True,
            text=True,
            env=clean_env,
        )
        assert made.returncode == 0, made.stderr
        assert (work / "payments" / "go.mod").is_file()
    # From runtime/, the wheel ships exactly the static sources the manifests name.
    site_root = Path(site.stdout.strip()).parent
    shipped = {
        p.relative_to(site_root / "_runtime").as_posix()
        for p in (site_root / "_runtime").rglob("*")
        if p.is_file()
    }
    assert shipped == _named_runtime_sources()
    made = subprocess.run(
        [scaffold, "new", "checkout", "--lang", "rust"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
    )
    assert made.returncode == 0, made.stderr
    server = (work / "checkout" / "src" / "telemetry" / "server.rs").read_text(encoding="utf-8")
    assert "// Source: runtime/rust/src/telemetry/server.rs" in server


def _named_runtime_sources() -> set[str]:
    from scaffold.render.manifest import load_manifest
    from scaffold.resources import templates_root

    out = set()
    for manifest in sorted(templates_root().glob("*/manifest.yaml")):
        loaded = load_manifest(templates_root(), manifest.parent.name)
        if loaded.runtime is not None:
            name = loaded.runtime.name
            out |= {f"{name}/{e.template}" for e in loaded.entries if e.static}
            out |= {f"{name}/{d}" for d in loaded.data}
    assert any(s.startswith("rust/") for s in out)
    return out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["validate", "nope.yaml"], "no such file"),
        (["new", "pay", "--lang", "cobol"], "choose one of go, rust"),
        (["new", "pay", "--lang", "go", "--module", "a//b"], "not a valid Go module path"),
        (["check", "."], "no scaffold service under"),
        (["update", "--no-such-flag"], "No such option"),
    ],
)
def test_json_errors_are_json(
    cli: Callable[..., CliResult], tmp_path: Path, args: list[str], text: str
) -> None:
    """--json prints one JSON object on stdout whatever happens, errors included."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = cli(*args, "--json", "--conventions", str(DEFAULT_CONVENTIONS))
    finally:
        os.chdir(cwd)
    data = json.loads(result.out)
    assert result.code == 2 and data["exit_code"] == 2 and data["ok"] is False
    assert text in data["error"] and text in result.err and "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_json_result_carries_the_exit_code(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    made = cli(
        "new",
        "pay",
        "--lang",
        "go",
        "--dir",
        str(tmp_path / "pay"),
        "--json",
        "-c",
        str(DEFAULT_CONVENTIONS),
    )
    data = json.loads(made.out)
    assert made.code == 0 and data["exit_code"] == 0 and data["service"] == "pay"
    assert data["result"]["status"] == "updated"


@pytest.mark.parametrize(
    "args",
    [
        ["docs", "build", "--out", "{file}/site"],
        ["new", "x", "--lang", "go", "--dir", "{file}/x"],
        ["new", "x", "--lang", "rust", "--dir", "{file}/x", "--json"],
    ],
)
def test_an_output_under_a_regular_file_is_exit_2_without_traceback(
    cli: Callable[..., CliResult], tmp_path: Path, args: list[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("mine\n", encoding="utf-8")
    result = cli(*(a.replace("{file}", str(blocker)) for a in args))
    assert result.code == 2, result
    assert "Not a directory" in result.err and "Traceback" not in result.err
    assert blocker.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
