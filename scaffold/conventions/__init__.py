"""Load observability.yaml into typed, frozen `Conventions`, or say everything wrong with it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from scaffold.conventions.build import build
from scaffold.conventions.checks import check_document
from scaffold.conventions.model import Conventions
from scaffold.conventions.schema import SCHEMA
from scaffold.conventions.yamlsource import read_bounded_text, read_located_text
from scaffold.errors import ConventionsError, Finding
from scaffold.resources import bundled_conventions

FILE_NAME = "observability.yaml"

__all__ = ["FILE_NAME", "SCHEMA", "Conventions", "Located", "load", "load_text", "locate"]


def load_text(text: str, name: str) -> Conventions:
    """Check and build conventions from YAML text; raises ConventionsError with every problem."""
    located = read_located_text(text, name)
    findings: list[Finding] = list(located.findings)
    if located.data is None:
        if not findings:
            findings.append(
                Finding(name, 1, 1, "", "the file is empty", "Start from `scaffold init`.")
            )
    elif not isinstance(located.data, dict):
        findings.append(located.finding((), "expected a mapping of sections at the top level"))
    else:
        findings = check_document(located)
    if findings:
        raise ConventionsError(findings)
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return build(located.data, name, digest)


def load(path: Path, display: str | None = None) -> Conventions:
    """Load and check the conventions file at `path`."""
    name = display or str(path)
    text = read_bounded_text(path, name)
    return load_text(text, name)


@dataclass(frozen=True)
class Located:
    """Which conventions file a command uses, and why."""

    path: Path
    reason: str  # "given", "found", "bundled"

    def describe(self) -> str:
        why = {
            "given": "given",
            "found": "found in this directory or a parent",
            "bundled": "the bundled default",
        }[self.reason]
        return f"{self.path} ({why})"


def locate(given: Path | None = None, start: Path | None = None) -> Located:
    """--conventions FILE if given; else observability.yaml here or in the nearest parent;
    else the bundled default."""
    if given is not None:
        return Located(given, "given")
    here = (start or Path(os.getcwd())).resolve()
    for folder in (here, *here.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return Located(candidate, "found")
    return Located(bundled_conventions(), "bundled")
