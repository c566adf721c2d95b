"""The collector components the collector target may render, with their Go modules.

One pinned collector release: every module below exists at this version (checked with
`go list -m -versions`; see docs/pipeline.md). Component names are the current ones: the
2026 renames (`otlp` -> `otlp_grpc`, `otlphttp` -> `otlp_http`, `loadbalancing` ->
`load_balancing`, `prometheusremotewrite` -> `prometheus_remote_write`) kept the old names
only as deprecated aliases, so only the new names are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

COLLECTOR_VERSION = "0.161.0"
_CORE = "go.opentelemetry.io/collector"
_CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib"


@dataclass(frozen=True)
class Component:
    """One component type: its kind (the builder manifest's section) and Go module."""

    type: str
    kind: str  # receivers, processors, exporters, extensions
    gomod: str

    @property
    def gomod_line(self) -> str:
        return f"{self.gomod} v{COLLECTOR_VERSION}"


COMPONENTS: dict[str, Component] = {
    c.type: c
    for c in (
        Component("otlp", "receivers", f"{_CORE}/receiver/otlpreceiver"),
        Component("memory_limiter", "processors", f"{_CORE}/processor/memorylimiterprocessor"),
        Component("resource", "processors", f"{_CONTRIB}/processor/resourceprocessor"),
        Component("transform", "processors", f"{_CONTRIB}/processor/transformprocessor"),
        Component("redaction", "processors", f"{_CONTRIB}/processor/redactionprocessor"),
        Component("tail_sampling", "processors", f"{_CONTRIB}/processor/tailsamplingprocessor"),
        Component("otlp_grpc", "exporters", f"{_CORE}/exporter/otlpexporter"),
        Component("otlp_http", "exporters", f"{_CORE}/exporter/otlphttpexporter"),
        Component("debug", "exporters", f"{_CORE}/exporter/debugexporter"),
        Component("file", "exporters", f"{_CONTRIB}/exporter/fileexporter"),
        Component("zipkin", "exporters", f"{_CONTRIB}/exporter/zipkinexporter"),
        Component("load_balancing", "exporters", f"{_CONTRIB}/exporter/loadbalancingexporter"),
        Component(
            "prometheus_remote_write",
            "exporters",
            f"{_CONTRIB}/exporter/prometheusremotewriteexporter",
        ),
        Component("health_check", "extensions", f"{_CONTRIB}/extension/healthcheckextension"),
        Component("file_storage", "extensions", f"{_CONTRIB}/extension/storage/filestorage"),
        Component("zpages", "extensions", f"{_CORE}/extension/zpagesextension"),
    )
}
KINDS = ("extensions", "receivers", "processors", "exporters")


def builder_sections(types: Iterable[str]) -> tuple[tuple[str, tuple[Component, ...]], ...]:
    """The builder manifest's sections: each kind with its components, sorted by module."""
    used = {COMPONENTS[t] for t in types}
    return tuple(
        (kind, tuple(sorted((c for c in used if c.kind == kind), key=lambda c: c.gomod)))
        for kind in KINDS
        if any(c.kind == kind for c in used)
    )
