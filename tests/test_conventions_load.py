"""The bundled files load, the schema describes them, and the model is typed and frozen."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from scaffold.conventions import SCHEMA, load, load_text, locate
from scaffold.errors import ConventionsError, UsageError
from scaffold.starter import StarterAnswers, schema_text, starter_text
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE, ROOT

ALL_GOOD = [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE]


@pytest.mark.parametrize("path", ALL_GOOD, ids=[p.stem for p in ALL_GOOD])
def test_bundled_files_load(path: Path) -> None:
    conv = load(path)
    assert conv.digest.startswith("sha256:")
    assert "service.name" in {r.key for r in conv.resource}
    assert set(conv.sampling.environments) == set(conv.environments)


@pytest.mark.parametrize("path", ALL_GOOD, ids=[p.stem for p in ALL_GOOD])
def test_schema_validates_bundled_files(path: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(schema_text()))


def test_schema_rejects_what_the_loader_rejects() -> None:
    data = yaml.safe_load(DEFAULT_CONVENTIONS.read_text(encoding="utf-8"))
    data["export"]["protocol"] = "carrier-pigeon"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_schema_file_beside_the_default_is_current() -> None:
    on_disk = (ROOT / "conventions" / "observability.schema.json").read_text(encoding="utf-8")
    assert on_disk == schema_text(), "run: scaffold schema > conventions/observability.schema.json"


def test_model_is_frozen_and_resolved() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.organisation = "x"  # type: ignore[misc]
    assert conv.registry["http.route"].origin == "semconv"
    assert conv.registry["app.tenant.id"].origin == "conventions"
    assert conv.export.timeout.ms == 10_000
    assert conv.sampling.environments["production"] == pytest.approx(0.1)
    rule = conv.span_rules["http_server"]
    assert rule.attributes == ("http.request.method", "http.route")
    assert [a.id for a in conv.sensitive_attributes][:2] == ["app.session.token", "app.user.email"]


def test_defaults_fill_optional_sections() -> None:
    text = """
schema_version: 1
organisation: {name: Tiny, environments: [prod]}
resource: [{key: service.name, requirement_level: required, source: service}]
span_naming: {}
sampling: {environments: {prod: 0.5}}
export: {protocol: grpc, endpoint: "http://collector:4317"}
"""
    conv = load_text(text, "tiny.yaml")
    assert conv.span_rules["db"].template == "{db.query.summary}"
    assert conv.span_rules["db"].chain[0] == "{db.operation.name} {db.collection.name}"
    assert conv.span_rules["db"].fallback == "{db.system.name}"
    assert conv.incident.kill_switch_env == "TINY_TRACING_DISABLED"
    assert conv.privacy.actions["secret"].sdk == "drop"
    assert conv.metrics.http_server_duration == "http.server.request.duration"


def test_custom_template_fallback_keeps_literal_text() -> None:
    text = """
schema_version: 1
organisation: {name: Tiny, environments: [prod]}
resource: [{key: service.name, requirement_level: required, source: service}]
span_naming: {messaging_producer: {template: "send {messaging.destination.name}"}}
sampling: {environments: {prod: 0.5}}
export: {protocol: grpc, endpoint: "http://collector:4317"}
"""
    conv = load_text(text, "x.yaml")
    assert conv.span_rules["messaging_producer"].fallback == "send"
    assert conv.span_rules["messaging_producer"].chain == ()


def test_starter_is_valid_for_any_reasonable_answers() -> None:
    text = starter_text(
        StarterAnswers(organisation='Q"uote\\d */ Ünïcode\nCorp', environments=("dev", "prod-eu"))
    )
    conv = load_text(text, "starter.yaml")
    assert conv.organisation == 'Q"uote\\d */ Ünïcode\nCorp'
    assert conv.environments == ("dev", "prod-eu")
    assert text.startswith("# yaml-language-server: $schema=./observability.schema.json")


def test_empty_and_non_mapping_files() -> None:
    for text in ("", "# only a comment\n", "- a\n- b\n", "just a string"):
        with pytest.raises(ConventionsError) as info:
            load_text(text, "f.yaml")
        assert "f.yaml:1:1" in str(info.value)


def test_locate_prefers_given_then_nearest_parent_then_bundled(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert locate(start=nested).reason == "bundled"
    (tmp_path / "a" / "observability.yaml").write_text("x: 1\n", encoding="utf-8")
    found = locate(start=nested)
    assert found.reason == "found" and found.path == tmp_path / "a" / "observability.yaml"
    given = locate(tmp_path / "other.yaml", start=nested)
    assert given.reason == "given"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (StarterAnswers(environments=("dev", "Prod")), "--environments: found 'Prod'"),
        (StarterAnswers(environments=("dev", "prod\n")), "--environments: found 'prod\\n'"),
        (StarterAnswers(environments=("dev", "dev")), "'dev' is listed twice"),
        (StarterAnswers(environments=()), "--environments: found 0 item(s)"),
        (StarterAnswers(protocol="http"), "expected one of: grpc, http/protobuf"),
        (StarterAnswers(endpoint="localhost:4317"), "--endpoint: found 'localhost:4317'"),
        (StarterAnswers(endpoint="http://localhost:4317\n"), "expected collector endpoint URL"),
        (StarterAnswers(ratios={"prod": 1.5}), "ratio of prod: found 1.5, expected a number"),
        (StarterAnswers(organisation="  "), "the organisation name is empty"),
    ],
)
def test_starter_refuses_answers_the_schema_refuses(answers: StarterAnswers, message: str) -> None:
    with pytest.raises(UsageError) as info:
        starter_text(answers)
    assert message in str(info.value)
    assert not isinstance(info.value, ConventionsError), "the answer is named, not the file"


def test_starter_incident_variables_are_the_model_defaults() -> None:
    for organisation in ("Acme", "42 Corp", "!!!", "Zürich Öl"):
        starter = load_text(starter_text(StarterAnswers(organisation=organisation)), "s.yaml")
        bare = load_text(
            f"""
schema_version: 1
organisation: {{name: {json.dumps(organisation)}, environments: [prod]}}
resource: [{{key: service.name, requirement_level: required, source: service}}]
span_naming: {{}}
sampling: {{environments: {{prod: 0.5}}}}
export: {{protocol: grpc, endpoint: "http://collector:4317"}}
""",
            "bare.yaml",
        )
        assert starter.incident.kill_switch_env == bare.incident.kill_switch_env
        assert starter.incident.ratio_env == bare.incident.ratio_env
