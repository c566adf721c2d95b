"""`scaffold init`: the starter conventions file and its JSON Schema beside it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from scaffold import naming
from scaffold.conventions import FILE_NAME, SCHEMA, load_text
from scaffold.errors import UsageError
from scaffold.render.engine import make_environment
from scaffold.resources import templates_root

SCHEMA_FILE = "observability.schema.json"
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENDPOINT = re.compile(r"^https?://[^\s/:]+(:[0-9]{1,5})?(/\S*)?$")


@dataclass(frozen=True)
class StarterAnswers:
    organisation: str = "Example"
    environments: tuple[str, ...] = ("dev", "staging", "prod")
    protocol: str = "grpc"
    endpoint: str = "http://localhost:4317"
    ratios: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        if not self.organisation.strip():
            raise UsageError("the organisation name is empty (--org NAME)")
        if not self.environments:
            raise UsageError("give at least one environment (--environments dev,prod)")
        for env in self.environments:
            if not _ENV_NAME.match(env):
                raise UsageError(
                    f"environment {env!r} is not a valid name: lower case letters, digits, - and _"
                )
        if self.protocol not in ("grpc", "http/protobuf"):
            raise UsageError(f"protocol {self.protocol!r}: choose grpc or http/protobuf")
        if not _ENDPOINT.match(self.endpoint):
            raise UsageError(
                f"endpoint {self.endpoint!r} is not a URL such as http://localhost:4317"
            )


def schema_text() -> str:
    return json.dumps(SCHEMA, indent=2, sort_keys=False) + "\n"


def starter_text(answers: StarterAnswers) -> str:
    answers.check()
    default_ratios = {"dev": 1.0, "staging": 0.5, "prod": 0.1}
    ratios = {
        env: answers.ratios.get(env, default_ratios.get(env, 1.0)) for env in answers.environments
    }
    env = make_environment(templates_root() / "_init")
    prefix = naming.rust_const(answers.organisation)
    text = env.get_template("observability.yaml.j2").render(
        organisation=answers.organisation,
        environments=list(answers.environments),
        ratios=ratios,
        protocol=answers.protocol,
        endpoint=answers.endpoint,
        env_prefix=prefix if prefix[0].isalpha() else "APP_" + prefix,
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
