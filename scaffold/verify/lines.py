"""Which line of the conventions file each rule comes from.

The frozen model keeps no positions, so the file is read again with the project's YAML
reader (which records the line of every key and value). A rule whose section the file
leaves to its default points at the nearest enclosing section, else line 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scaffold.conventions.yamlsource import Located, read_located
from scaffold.errors import UsageError


@dataclass(frozen=True)
class RuleLines:
    file: str
    located: Located | None = None
    _attributes: dict[str, int] = field(default_factory=dict)
    _resource: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path, display: str | None = None) -> RuleLines:
        name = display or str(path)
        try:
            located = read_located(path, name)
        except UsageError:
            return cls(name)
        data = located.data if isinstance(located.data, dict) else {}
        attributes: dict[str, int] = {}
        for i, item in enumerate(data.get("attributes") or []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                attributes[item["id"]] = located.where(("attributes", i))[0]
        resource: dict[str, int] = {}
        for i, item in enumerate(data.get("resource") or []):
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                resource[item["key"]] = located.where(("resource", i))[0]
        return cls(name, located, attributes, resource)

    def at(self, *path: str) -> int:
        """Line of the value at `path` (or of its nearest parent present in the file)."""
        if self.located is None:
            return 1
        probe: tuple[str | int, ...] = tuple(path)
        while probe and probe not in self.located.values and probe not in self.located.keys:
            probe = probe[:-1]
        if not probe:
            return 1
        return self.located.where(probe, key=True)[0]

    def attribute(self, attribute_id: str) -> int:
        """The attribute's entry; OpenTelemetry's own attributes point at `attributes:`."""
        return self._attributes.get(attribute_id) or self.at("attributes")

    def resource(self, key: str) -> int:
        return self._resource.get(key) or self.at("resource")

    def naming(self, boundary: str) -> int:
        if boundary == "internal":
            return self.at("span_naming", "internal", "pattern")
        return self.at("span_naming", boundary, "template")

    def privacy(self, pii_class: str, stage: str) -> int:
        return self.at("privacy", "actions", pii_class, stage)
