"""View builders, one module per target: `build_view(conv, opts) -> dict`."""
