"""Library versions: strict MAJOR.MINOR.PATCH, and Go's major-version module paths.

A library starts at 1.0.0 (docs/library.md says why); its steps are scaffold.diff's
next_version, the one semver rule of the project. Go wants a module whose major
version is 2 or more to end its path in `/vN` (and v0/v1 to have no suffix); a Rust
crate keeps its name.
"""

from __future__ import annotations

import re

from scaffold.errors import UsageError

FIRST_VERSION = "1.0.0"
_SEMVER = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})")
_MAJOR_SUFFIX = re.compile(r"/v([0-9]+)\Z")


def parse_version(text: str, where: str) -> tuple[int, int, int]:
    """(major, minor, patch) of `text` (an optional leading `v`), or UsageError."""
    match = _SEMVER.fullmatch(text.removeprefix("v"))
    if match is None:
        raise UsageError(
            f"{where}: version {text[:40]!r} is not MAJOR.MINOR.PATCH (e.g. 1.4.0 or v1.4.0; "
            "no pre-release or build suffix)"
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def plain_version(text: str, where: str) -> str:
    """`text` without a leading `v`, checked."""
    return "{}.{}.{}".format(*parse_version(text, where))


def base_module(module: str) -> str:
    """The module path without its `/vN` major-version suffix."""
    return _MAJOR_SUFFIX.sub("", module)


def module_for(module: str, version: str) -> str:
    """The Go module path of `module` at `version`: `/vN` for major N >= 2, none below."""
    major = parse_version(version, "version")[0]
    base = base_module(module)
    return f"{base}/v{major}" if major >= 2 else base


def check_module_major(module: str, version: str, where: str) -> None:
    """UsageError unless the module path's major suffix agrees with `version` (Go's rule)."""
    if module.startswith("gopkg.in/"):
        raise UsageError(
            f"{where}: gopkg.in module paths are not supported for the library; give a path "
            "such as example.com/acme/telemetry"
        )
    wanted = module_for(module, version)
    if module != wanted:
        raise UsageError(
            f"{where}: module {module!r} at version {version}: Go needs the path {wanted!r} "
            "(a /vN suffix exactly when the major version N is 2 or more)"
        )
