"""scaffold: one conventions file, instrumentation for every Go and Rust service."""

__version__ = "0.1.0"
