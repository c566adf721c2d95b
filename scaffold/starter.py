"""`scaffold init`: the starter conventions file and its JSON Schema beside it.

The answers are checked against the pieces of the schema that will hold them, so the
starter knows no rule of its own, and the file it renders is loaded before it is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.conventions import FILE_NAME, SCHEMA, load_text
from scaffold.conventions.build import incident_variables
from scaffold.conventions.schema import (
    ENDPOINT,
    ENVIRONMENT_VARIABLE,
    ENVIRONMENTS,
    PROTOCOL,
    RATIO,
)
from scaffold.conventions.validate import value_problem
from scaffold.errors import UsageError
from scaffold.render.engine import make_environment
from scaffold.resources import templates_root

SCHEMA_FILE = "observability.schema.json"
# The semantic conventions' deployment.environment.name values, and the short names
# that mean the same, with the ratio each starts from.
DEFAULT_RATIOS = {
    "development": 1.0,
    "staging": 0.5,
    "production": 0.1,
    "dev": 1.0,
    "prod": 0.1,
}


@dataclass(frozen=True)
class StarterAnswers:
    organisation: str = "Example"
    environments: tuple[str, ...] = ("development", "staging", "production")
    protocol: str = "grpc"
    endpoint: str = "http://localhost:4317"
    ratios: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        if not self.organisation.strip():
            raise UsageError("--org: the organisation name is empty; give it with --org NAME")
        answers = (
            ("--environments", list(self.environments), ENVIRONMENTS),
            ("--protocol", self.protocol, PROTOCOL),
            ("--endpoint", self.endpoint, ENDPOINT),
            *((f"the sampling ratio of {env}", r, RATIO) for env, r in self.ratios.items()),
            *(("the incident variable", v, ENVIRONMENT_VARIABLE) for v in self.variables()),
        )
        for what, value, schema in answers:
            problem = value_problem(value, schema)
            if problem:
                raise UsageError(f"{what}: {problem}")

    def variables(self) -> tuple[str, str]:
        return incident_variables(self.organisation)


def schema_text() -> str:
    return json.dumps(SCHEMA, indent=2, sort_keys=False) + "\n"


def starter_text(answers: StarterAnswers) -> str:
    answers.check()
    ratios = {
        env: answers.ratios.get(env, DEFAULT_RATIOS.get(env, 1.0)) for env in answers.environments
    }
    kill_switch_env, ratio_env = answers.variables()
    env = make_environment(templates_root() / "_init")
    text = env.get_template("observability.yaml.j2").render(
        organisation=answers.organisation,
        environments=list(answers.environments),
        ratios=ratios,
        protocol=answers.protocol,
        endpoint=answers.endpoint,
        kill_switch_env=kill_switch_env,
        ratio_env=ratio_env,
    )
    load_text(text, FILE_NAME)  # the starter must always be valid
    return text


def write_starter(directory: Path, answers: StarterAnswers, *, force: bool = False) -> list[Path]:
    """Write observability.yaml and its schema into `directory`; refuse to overwrite."""
    text = starter_text(answers)
    target, schema = directory / FILE_NAME, directory / SCHEMA_FILE
    if target.exists() and not force:
        raise UsageError(f"{target} exists already; use --force to replace it")
    directory.mkdir(parents=True, exist_ok=True)
    for path, content in ((target, text), (schema, schema_text())):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
    return [target, schema]
