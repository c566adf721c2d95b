"""`scaffold diff`: classify every change between two conventions files (breaking,
additive, cosmetic), and derive the semver step and changelog entry from it."""

from __future__ import annotations

from scaffold.diff.compare import compare, compare_files, compare_texts
from scaffold.diff.model import JSON_SCHEMA_VERSION, Change, ConventionsDiff
from scaffold.diff.semver import changelog_entry, next_version

__all__ = [
    "JSON_SCHEMA_VERSION",
    "Change",
    "ConventionsDiff",
    "changelog_entry",
    "compare",
    "compare_files",
    "compare_texts",
    "next_version",
]
