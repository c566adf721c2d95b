"""Whatever valid service name and module path a team picks, the Go render is gofmt-clean
and the Rust render rustfmt-clean: import order and line breaks depend on those names, so
a property test over them finds what a few hand-picked examples miss."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.errors import ScaffoldError
from scaffold.services import check_service_name
from scaffold.targets.go_modules import check_module_path
from tests.conftest import DEFAULT_CONVENTIONS, examples
from tests.go.gotools import GOFMT, needs_go, render_service
from tests.rust.rusttools import render_crate

RUSTFMT = shutil.which("rustfmt")
needs_rustfmt = pytest.mark.skipif(RUSTFMT is None, reason="rustfmt is not installed")

pytestmark = pytest.mark.toolchain


def _valid(check: object, value: str) -> bool:
    try:
        check(value)  # type: ignore[operator]
    except ScaffoldError:
        return False
    return True


SERVICE_NAMES = st.from_regex(r"\A[a-z][a-z0-9-]{0,30}\Z").filter(
    lambda name: _valid(check_service_name, name)
)
_ELEMENT = st.from_regex(r"\A[a-z0-9][a-z0-9._~-]{0,12}\Z")
MODULE_PATHS = st.builds(
    lambda host, rest, major: "/".join([host, *rest]) + major,
    st.one_of(_ELEMENT, st.from_regex(r"\A[a-z][a-z0-9-]{0,8}\.[a-z]{2,5}\Z")),
    st.lists(_ELEMENT, max_size=3),
    st.sampled_from(["", "/v2", "/v10"]),
).filter(lambda path: _valid(check_module_path, path))


@needs_go
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=SERVICE_NAMES, module=MODULE_PATHS)
def test_go_render_is_gofmt_clean_for_any_name(service: str, module: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp)
        render_service(DEFAULT_CONVENTIONS, dest, service=service, module=module)
        assert GOFMT is not None
        proc = subprocess.run(
            [GOFMT, "-l", "."], cwd=dest, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "", f"gofmt would change, for {service} / {module}:\n{proc.stdout}"


@needs_rustfmt
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=SERVICE_NAMES)
def test_rust_render_is_rustfmt_clean_for_any_name(service: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp)
        render_crate(DEFAULT_CONVENTIONS, dest, service=service, crate=service)
        files = sorted(str(p) for p in dest.rglob("*.rs"))
        assert files
        assert RUSTFMT is not None
        proc = subprocess.run(
            [RUSTFMT, "--check", "--edition", "2021", *files],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"rustfmt would change, for {service}:\n{proc.stdout}"
