"""What a render needs besides the conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["new", "add"]


@dataclass(frozen=True)
class RenderOptions:
    """The choices a user made for one service: its name, language and mode."""

    service_name: str
    target: str
    mode: Mode = "new"
    module_path: str = ""
    crate_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def library(self) -> bool:
        """True for a service that depends on the organisation's library (`--lib`) instead
        of receiving the generated package; `extra["library"]` says which and where."""
        return isinstance(self.extra.get("library"), dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_name": self.service_name,
            "target": self.target,
            "mode": self.mode,
            "module_path": self.module_path,
            "crate_name": self.crate_name,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderOptions:
        return cls(
            service_name=str(data["service_name"]),
            target=str(data["target"]),
            mode="add" if data.get("mode") == "add" else "new",
            module_path=str(data.get("module_path", "")),
            crate_name=str(data.get("crate_name", "")),
            extra=dict(data.get("extra", {})),
        )
