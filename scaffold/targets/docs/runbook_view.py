"""The incident runbook's view: the real variables, requests and commands for Go and Rust
services and the collector, for the conventions' kill switch, ratio and control.

Shell words from the conventions are quoted with `shlex.quote`, and every code block gets
a Markdown fence longer than any run of backticks in it.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from scaffold.conventions.model import Conventions, Incident
from scaffold.targets.docs.sections_view import ratio_text
from scaffold.targets.shared import ADMIN_ENV

# Where the generated services (Go and Rust alike) listen for the admin endpoint: the
# variable their main.go and main.rs read, whose default is incident.admin_address.
ADMIN = "ADMIN_ADDRESS"


def code(text: str, lang: str = "sh") -> dict[str, str]:
    """A command for a code block, with a Markdown fence longer than any backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return {"code": text, "fence": "`" * max(3, longest + 1), "lang": lang}


def _lever_commands(conv: Conventions, body: str) -> list[dict[str, str]]:
    """How to pull a lever in a running service, for the conventions' control."""
    i = conv.incident
    if i.control == "admin_handler":
        url = shlex.quote(f"http://{ADMIN}{i.admin_path}")
        cmd = (
            f"curl -sS -X POST -H 'Content-Type: application/json' \\\n"
            f'  -H "Authorization: Bearer ${i.admin_token_env}" \\\n'
            f"  --data {shlex.quote(body)} {url}"
        )
        return [{"label": "Running service, no restart (admin endpoint)", **code(cmd)}]
    cmd = f"printf '%s\\n' {shlex.quote(body)} > {shlex.quote(i.control_file)}"
    return [{"label": "Running service, no restart (watched control file)", **code(cmd)}]


def _port(address: str) -> str:
    port = address.rsplit(":", 1)[1]
    return f"{port}:{port}"


def _set_env(name: str, value: str) -> str:
    return f"kubectl set env deployment/SERVICE {shlex.quote(f'{name}={value}')}"


def _steps(conv: Conventions) -> list[dict[str, Any]]:
    kill, ratio_env = conv.incident.kill_switch_env, conv.incident.ratio_env
    unset = f"kubectl set env deployment/SERVICE {shlex.quote(kill + '-')} {shlex.quote(ratio_env + '-')}"
    return [
        {
            "id": "disable-tracing",
            "title": "Disable tracing",
            "text": "Stops recording and exporting spans; requests are served as before.",
            "commands": [
                *_lever_commands(conv, '{"enabled": false}'),
                {"label": "With a restart", **code(_set_env(kill, "true"))},
            ],
        },
        {
            "id": "change-ratio",
            "title": "Change the sampling ratio",
            "text": "Sets the share of root spans kept (0 to 1); sampled parents are still followed.",
            "commands": [
                *_lever_commands(conv, '{"ratio": 0.01}'),
                {"label": "With a restart", **code(_set_env(ratio_env, "0.01"))},
            ],
        },
        {
            "id": "raise-detail",
            "title": "Raise detail",
            "text": "Keeps every root span of the service while you investigate.",
            "commands": [
                *_lever_commands(conv, '{"enabled": true, "ratio": 1}'),
                {"label": "With a restart", **code(_set_env(ratio_env, "1"))},
            ],
        },
        {
            "id": "roll-back",
            "title": "Roll back",
            "text": "Returns to the conventions' ratios and switches tracing back on.",
            "commands": [
                *_lever_commands(conv, '{"enabled": true, "reset_ratio": true}'),
                {"label": "With a restart (removes both variables)", **code(unset)},
            ],
        },
    ]


def _reach(i: Incident) -> list[dict[str, str]]:
    """How to reach the lever of a running service, for the conventions' control."""
    if i.control != "admin_handler":
        return [
            {
                "label": "Read the current control file",
                **code(f"cat {shlex.quote(i.control_file)}"),
            }
        ]
    return [
        {
            "label": "Reach the admin listener from your machine",
            **code(f"kubectl port-forward deployment/SERVICE {_port(i.admin_address)}"),
        },
        {
            "label": "Read the current state",
            **code(
                f'curl -sS -H "Authorization: Bearer ${i.admin_token_env}" '
                f"{shlex.quote(f'http://{ADMIN}{i.admin_path}')}"
            ),
        },
    ]


_COLLECTOR_COMMANDS = [
    {
        "label": "Roll out a changed collector configuration",
        **code(
            "kubectl rollout restart deployment/otel-gateway\n"
            "kubectl rollout status deployment/otel-gateway --timeout=120s"
        ),
    },
    {
        "label": "Roll back the collector",
        **code("kubectl rollout undo deployment/otel-gateway"),
    },
]


def runbook_view(conv: Conventions) -> dict[str, Any]:
    i = conv.incident
    ratio = conv.sampling.environments
    return {
        "kill_switch_env": i.kill_switch_env,
        "ratio_env": i.ratio_env,
        "control": i.control,
        "admin_path": i.admin_path,
        "control_file": i.control_file,
        "environment_variable": conv.environment_variable,
        "ratios": [
            {"env": e, "percent": ratio_text(ratio[e])} for e in conv.environments if e in ratio
        ],
        "go_package": conv.go_package,
        "rust_module": conv.rust_module,
        "admin": {"env": ADMIN_ENV, "default": i.admin_address, "token": i.admin_token_env},
        "go_mount": code(
            f"adminMux.Handle({conv.go_package}.AdminPath, {conv.go_package}.AdminHandler())\n"
            f"admin := {conv.go_package}.NewAdminServer(adminMux)",
            "go",
        ),
        "rust_mount": code(
            f"let levers = {conv.rust_module}::levers().clone();\n"
            f"let serve = {conv.rust_module}::control::serve_admin(levers, &admin_address);",
            "rust",
        ),
        "reach": _reach(i),
        "steps": _steps(conv),
        "gateway_endpoint": conv.collector.gateway_endpoint,
        "topology": conv.collector.topology,
        "collector_commands": _COLLECTOR_COMMANDS,
        "baseline": [
            {"name": p.name, "percent": ratio_text(p.ratio)}
            for p in conv.sampling.tail_policies
            if p.type == "probabilistic" and p.ratio is not None
        ],
    }
