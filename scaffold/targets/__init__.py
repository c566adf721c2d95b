"""Targets: one view builder per target, and the registry (scaffold.targets.registry)."""
