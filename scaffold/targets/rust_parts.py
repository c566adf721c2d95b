"""Which optional parts of the Rust module a crate uses: the crates its Cargo.toml
depends on (the parts model is scaffold.targets.service_parts).

A dependency counts in `[dependencies]`, `[dev-dependencies]` (the module's own tests
build with them) and target-specific tables, under its own name or renamed with
`package = "..."`, also when inherited from the workspace (`x.workspace = true`).
"""

from __future__ import annotations

from typing import Any

from scaffold.targets.service_parts import PARTS

# Crates whose use shows a part is used.
_SIGNS: dict[str, tuple[str, ...]] = {
    "grpc": ("tonic",),
    "sql": (
        "sqlx",
        "diesel",
        "diesel-async",
        "sea-orm",
        "tokio-postgres",
        "postgres",
        "deadpool-postgres",
        "bb8-postgres",
        "rusqlite",
        "mysql",
        "mysql-async",
        "tiberius",
        "libsql",
    ),
    "messaging": (
        "rdkafka",
        "rskafka",
        "kafka",
        "async-nats",
        "nats",
        "lapin",
        "amqprs",
        "aws-sdk-sqs",
        "aws-sdk-sns",
        "google-cloud-pubsub",
        "pulsar",
        "rumqttc",
        "fe2o3-amqp",
    ),
}
_TABLES = ("dependencies", "dev-dependencies")


def normal_name(name: str) -> str:
    """A crate name as Cargo compares it (`serde_json` is `serde-json`)."""
    return name.replace("_", "-").lower()


_normal = normal_name


def dependency_tables(
    data: dict[str, Any], kinds: tuple[str, ...] = _TABLES
) -> list[tuple[str, dict[str, Any]]]:
    """(name, table) of the crate's dependency tables of `kinds`, target-specific ones
    included (`target.'cfg(unix)'.dependencies`)."""
    found = [(t, data.get(t)) for t in kinds]
    targets = data.get("target")
    if isinstance(targets, dict):
        found += [
            (f"target.{name}.{t}", cfg.get(t))
            for name, cfg in targets.items()
            if isinstance(cfg, dict)
            for t in kinds
        ]
    return [(name, t) for name, t in found if isinstance(t, dict)]


def used_crates(data: dict[str, Any], inherited: dict[str, Any]) -> set[str]:
    """The (normalised) names of the crates a parsed Cargo.toml depends on: the key, or
    the `package` it renames, looked up in the workspace's dependencies when inherited."""
    names: set[str] = set()
    for _, table in dependency_tables(data):
        for key, spec in table.items():
            if isinstance(spec, dict) and spec.get("workspace") is True:
                spec = inherited.get(_normal(key), spec)
            package = spec.get("package") if isinstance(spec, dict) else None
            names.add(_normal(package if isinstance(package, str) else key))
    return names


def detected_parts(data: dict[str, Any], inherited: dict[str, Any]) -> tuple[str, ...]:
    """The parts the crate's dependencies show it uses (`data`: its parsed Cargo.toml;
    `inherited`: the workspace's [workspace.dependencies], normalised names)."""
    used = used_crates(data, inherited)
    return tuple(p for p in PARTS if any(c in used for c in _SIGNS[p]))
