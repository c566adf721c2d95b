"""Crates a project declares under another name (`grpc = { package = "tonic" }`).

Cargo refuses one crate under two names in one package ("depends on crate tonic multiple
times with different names") when both resolve to one version, and the generated module
names each crate by its own name. So when a crate the module needs is declared renamed,
in any dependency table, at a requirement semver-compatible with the version needed
(`otel027 = { package = "opentelemetry", version = "0.27" }` is another crate to Cargo,
and is kept), `add` refuses (exit 2, nothing written) and names the line and the fix, instead of writing a
Cargo.toml that no longer builds.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold.errors import UsageError
from scaffold.targets.cargo_semver import overlaps
from scaffold.targets.rust_parts import dependency_tables
from scaffold.targets.rust_parts import normal_name as _normal

_KINDS = ("dependencies", "dev-dependencies", "build-dependencies")


def _line(text: str, key: str) -> int:
    pattern = re.compile(
        rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*[=.]"""
    )
    for index, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return index
    return 0


def check_renamed(data: dict[str, Any], text: str, needed: dict[str, str], name: str) -> None:
    """Refuse when a crate in `needed` (normalised name -> version) is declared under
    another key at a requirement compatible with that version."""
    problems = []
    for table, entries in dependency_tables(data, _KINDS):
        for key, spec in entries.items():
            package = spec.get("package") if isinstance(spec, dict) else None
            if not isinstance(package, str) or _normal(package) not in needed:
                continue
            if _normal(key) == _normal(package):
                continue
            requirement = spec.get("version")
            if isinstance(requirement, str) and not overlaps(requirement, needed[_normal(package)]):
                continue  # another semver-incompatible version: Cargo keeps both
            line = _line(text, key)
            where = f"{name}:{line}" if line else f"{name} [{table}]"
            problems.append(
                f"{where}: [{table}] declares {package} as `{key}`; the generated code names "
                f"it `{package}`: rename the key to `{package}` (and `{key}::` to "
                f"`{_normal(package).replace('-', '_')}::` in your code)"
            )
    if problems:
        raise UsageError(
            f"{name}: crates the generated code needs are declared under other names, and "
            "Cargo refuses one crate under two names; nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nthen run add again"
        )
