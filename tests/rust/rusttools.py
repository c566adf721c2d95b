"""Render the Rust target into a folder and run the real cargo toolchain on it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from scaffold.render import RenderOptions
from tests.conftest import cargo_target_dir, write_render
from tests.procs import run_group

CARGO = shutil.which("cargo")

needs_cargo = pytest.mark.skipif(CARGO is None, reason="the Rust toolchain is not installed")

# The package name of the rendered crates. The shared target directory reuses the
# dependency builds between them; `claim_packages` keeps one crate of this name from
# being handed another's outputs.
CRATE = "svc"


def render_crate(
    conventions: Path,
    dest: Path,
    *,
    service: str = CRATE,
    crate: str = CRATE,
    mode: str = "new",
) -> dict[str, str]:
    """Render the Rust target for `conventions` into dest; returns {path: content}."""
    opts = RenderOptions(service_name=service, target="rust", crate_name=crate, mode=mode)  # type: ignore[arg-type]
    return write_render(conventions, dest, opts)


def cargo_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir())
    env.setdefault("CARGO_BUILD_JOBS", "2")
    env["CARGO_TERM_COLOR"] = "never"
    return env


_HELD: dict[Path, int] = {}


@contextlib.contextmanager
def target_lock(root: Path | None = None) -> Iterator[None]:
    """Hold a target directory (default: the shared one) for this process (re-entrant).
    Every crate here is called `svc` (the demo's is `back`), so its binary lands at the
    same path: a build and the copy of its binary must not interleave with another
    process's build of a different crate of that name."""
    root = cargo_target_dir() if root is None else root
    if _HELD.get(root):
        _HELD[root] += 1
        try:
            yield
        finally:
            _HELD[root] -= 1
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".scaffold-tests.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _HELD[root] = 1
        try:
            yield
        finally:
            _HELD[root] = 0


def cargo(
    args: list[str], cwd: Path, timeout: float = 1800, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `cargo args` in cwd, holding `target_lock`; the result carries its output for
    assertion messages."""
    assert CARGO is not None
    env = cargo_env()
    env.update(env_extra or {})
    target = Path(env["CARGO_TARGET_DIR"])
    with target_lock(target):
        claim_packages(cwd, target)
        return run_group([CARGO, *args], cwd=cwd, env=env, timeout=timeout)


def local_packages(cwd: Path) -> list[tuple[str, Path]]:
    """(name, folder) of the package whose manifest is in cwd and of the workspace
    members it lists (globs expanded), as cargo would build them from there."""
    manifest = cwd / "Cargo.toml"
    if not manifest.is_file():
        return []
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    out: list[tuple[str, Path]] = []
    name = data.get("package", {}).get("name")
    if isinstance(name, str):
        out.append((name, cwd.resolve()))
    for pattern in data.get("workspace", {}).get("members", []):
        for member in sorted(cwd.glob(pattern)):
            if member.resolve() != cwd.resolve():
                out.extend(local_packages(member))
    return out


def claim_packages(cwd: Path, target: Path) -> None:
    """Call under `target_lock(target)` before running cargo in cwd.

    cargo names a path package's outputs and fingerprints by its name, version,
    dependencies and its path relative to the workspace root, not by its folder: two
    crates named `svc` in two folders, with the same dependencies, share every output in
    one target directory, and cargo judges them fresh by mtime alone. A crate whose files
    are older than the last build of its namesake gets the namesake's library and test
    binaries, or a mix (its own integration test linked to the other's library). So the
    target keeps, per package name, the folder cargo last ran on; when it is another
    folder, this crate's sources are touched first and cargo rebuilds them."""
    owners = target / ".scaffold-owners"
    for name, root in local_packages(cwd):
        record = owners / name
        if record.is_file() and record.read_text(encoding="utf-8") == str(root):
            continue
        _touch_sources(root)
        owners.mkdir(parents=True, exist_ok=True)
        record.write_text(str(root), encoding="utf-8")


class WrongBinary(RuntimeError):
    """cargo's output for a crate name was not built from the crate asked for."""


def dep_info_sources(dep_info: Path) -> set[Path]:
    """The files a top-level dep-info file (`<target>/debug/<name>.d`, absolute paths,
    spaces escaped with a backslash) names as the binary's sources."""
    if not dep_info.is_file():
        return set()
    text = dep_info.read_text(errors="replace").replace("\\\n", " ")
    out: set[Path] = set()
    for line in text.splitlines():
        _, sep, rest = line.partition(": ")
        if not sep:
            continue
        token, tokens = "", []
        for part in rest.split(" "):
            if token.endswith("\\"):
                token = token[:-1] + " " + part
            else:
                if token:
                    tokens.append(token)
                token = part
        if token:
            tokens.append(token)
        out.update(Path(t) for t in tokens if t)
    return out


SOURCE_DIRS = ("src", "tests", "benches", "examples")


def _touch_sources(crate: Path) -> None:
    """Make the crate's own sources newer than any build of a crate of the same name,
    so cargo rebuilds this crate (its dependencies stay cached)."""
    now = time.time()
    paths = [crate / "build.rs"]
    for folder in SOURCE_DIRS:
        paths.extend((crate / folder).rglob("*"))
    for path in paths:
        if path.is_file() and not path.is_symlink():
            os.utime(path, (now, now))


def build_fresh(
    crate: Path,
    kept: Path,
    name: str = CRATE,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
) -> subprocess.CompletedProcess[str]:
    """`cargo build` of the crate in `crate` (package name `name`) into the shared target
    directory, and a copy of its binary at `kept`, all in one hold of the target lock.

    Every crate of one name shares one output path and one fingerprint there, and cargo's
    fingerprint records source paths relative to the package root: a crate in another
    folder whose files are older than the last build of its namesake is judged fresh and
    gets the namesake's binary. So: when `claim_packages` finds another folder built
    last, or the top-level dep-info does not name this crate's sources, they are
    touched first; after the build the dep-info must name
    this crate's src/main.rs, else WrongBinary. The copy is atomic (a running copy of an
    older binary keeps its file)."""
    assert CARGO is not None, "cargo is not on PATH"
    root = crate.resolve()
    main = root / "src" / "main.rs"
    build_env = dict(cargo_env() if env is None else env)
    target = Path(build_env.get("CARGO_TARGET_DIR", str(cargo_target_dir())))
    dep_info = target / "debug" / f"{name}.d"
    with target_lock(target):
        claim_packages(root, target)
        if main not in dep_info_sources(dep_info):
            _touch_sources(root)
        proc = run_group([CARGO, "build"], cwd=root, env=build_env, timeout=timeout)
        if proc.returncode != 0:
            return proc
        if main not in dep_info_sources(dep_info):
            raise WrongBinary(
                f"cargo build in {root} succeeded but {dep_info} does not name {main}: "
                f"{target / 'debug' / name} is not this crate's binary"
            )
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.{os.getpid()}.partial")
        shutil.copy2(target / "debug" / name, partial)
        os.replace(partial, kept)
    return proc


def build_kept(dest: Path, kept: Path, name: str = CRATE) -> subprocess.CompletedProcess[str]:
    """`cargo build` in dest and, in the same hold of the target directory, copy the
    binary to `kept` (when the build succeeded); see `build_fresh`."""
    return build_fresh(dest, kept, name)


def assert_ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


def binary(name: str = CRATE) -> Path:
    """The debug binary `cargo build` wrote for the crate."""
    return cargo_target_dir() / "debug" / name
