"""`scaffold verify`: check real telemetry (OTLP files, or OTLP/HTTP as it arrives) against
the conventions, and say what broke which rule, with the conventions line it comes from."""

from scaffold.verify.context import Options
from scaffold.verify.engine import Verifier, open_verifier, verify_files
from scaffold.verify.findings import Coverage, Finding, Level, Summary, Where

__all__ = [
    "Coverage",
    "Finding",
    "Level",
    "Options",
    "Summary",
    "Verifier",
    "Where",
    "open_verifier",
    "verify_files",
]
