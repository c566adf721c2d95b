"""A required resource attribute that still carries its placeholder (the value a service
exports when the real one is missing) is a violation naming the variable to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.verify import Level, open_verifier, verify_files
from tests.conftest import DEFAULT_CONVENTIONS
from tests.verify.payloads import attrs, resource_attrs, span, traces, write

SERVER = attrs(http__request__method="GET", http__route="/users/{id}")


def _placeholders(conventions: Path, tmp: Path, fmt: str, **resource: object) -> list[str]:
    docs = [traces(span(attributes=SERVER), res=resource_attrs(**resource))]
    verifier = open_verifier(conventions)
    found = list(verify_files(verifier, write(tmp, docs, fmt)))
    assert all(f.level is Level.VIOLATION for f in found if f.rule == "resource.placeholder")
    return [f.message for f in found if f.rule == "resource.placeholder"]


def _line_of(text: str) -> int:
    lines = DEFAULT_CONVENTIONS.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip() == text)


@pytest.mark.parametrize("fmt", ["json", "proto"])
def test_the_finding_names_the_attribute_and_its_variable(tmp_path: Path, fmt: str) -> None:
    messages = _placeholders(
        DEFAULT_CONVENTIONS,
        tmp_path,
        fmt,
        **{"acme.team": "unknown", "deployment.environment.name": "unknown"},
    )
    assert sorted(messages) == [
        "required resource attribute acme.team has its placeholder value 'unknown': "
        "set ACME_TEAM where the service runs",
        "required resource attribute deployment.environment.name has its placeholder value "
        "'unknown': set DEPLOYMENT_ENVIRONMENT where the service runs",
    ]


def test_the_finding_points_at_the_resource_entry(tmp_path: Path) -> None:
    docs = [traces(span(attributes=SERVER), res=resource_attrs(**{"acme.team": "unknown"}))]
    found = list(verify_files(open_verifier(DEFAULT_CONVENTIONS), write(tmp_path, docs, "json")))
    (finding,) = [f for f in found if f.rule == "resource.placeholder"]
    assert finding.line == _line_of("- key: acme.team")
    assert finding.attribute == "acme.team" and finding.where.service == "payments"


def test_only_the_conventions_own_placeholder_counts(tmp_path: Path) -> None:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8").replace(
        "    env: ACME_TEAM\n    placeholder: unknown", "    env: ACME_TEAM\n    placeholder: n/a"
    )
    assert "placeholder: n/a" in text
    conventions = tmp_path / "observability.yaml"
    conventions.write_text(text, encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _placeholders(conventions, tmp_path / "a", "json", **{"acme.team": "unknown"}) == []
    (message,) = _placeholders(conventions, tmp_path / "b", "json", **{"acme.team": "n/a"})
    assert "'n/a': set ACME_TEAM" in message


def test_recommended_and_static_attributes_are_left_alone(tmp_path: Path) -> None:
    # service.instance.id is recommended; service.namespace is static (the conventions'
    # own value, whatever it says).
    resource = {"service.instance.id": "unknown", "service.namespace": "unknown"}
    assert _placeholders(DEFAULT_CONVENTIONS, tmp_path, "json", **resource) == []
