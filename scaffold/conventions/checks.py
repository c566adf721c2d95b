"""Every check of a conventions document, in one run: the schema, then the rules.

The schema check (validate.py) walks the whole document and notes each value it found
wrong. Rules a JSON Schema cannot say (references between sections, identifiers,
arithmetic; rules_attributes.py and rules_sections.py) then run on everything else: each
rule names the values it reads and is skipped only when one of those failed, so N
independent mistakes give N findings, and one mistake is not reported again by the rules
that depend on it.
"""

from __future__ import annotations

from scaffold.conventions import rules_attributes, rules_runtime, rules_sections
from scaffold.conventions.rulebase import Context, Rule, overlaps
from scaffold.conventions.schema import SCHEMA
from scaffold.conventions.validate import check_schema
from scaffold.conventions.yamlsource import Located, Path_
from scaffold.errors import Finding

RULES: tuple[Rule, ...] = (
    *rules_attributes.RULES,
    *rules_sections.RULES,
    *rules_runtime.RULES,
)


def runnable(rule: Rule, failed: list[Path_]) -> bool:
    return not any(overlaps(read, bad) for read in rule.reads for bad in failed)


def run_rules(located: Located, failed: list[Path_]) -> list[Finding]:
    """Findings of every rule none of whose inputs is in `failed`."""
    ctx = Context(located)
    for rule in RULES:
        if runnable(rule, failed):
            rule.check(ctx)
    return ctx.findings


def check_document(located: Located) -> list[Finding]:
    """Every problem of a document whose top level is a mapping: what reading the YAML
    found (duplicate keys, values too deep or too long), the schema, and the rules."""
    schema = check_schema(located, SCHEMA)
    # A value that could not be read is None: what the schema says of it, or of what
    # holds it, would only repeat that finding.
    schema_findings = [
        finding
        for finding, subject in zip(schema.findings, schema.subjects, strict=True)
        if not any(broken[: len(subject)] == subject for broken in located.broken)
    ]
    failed = [*located.broken, *schema.failed]
    return [*located.findings, *schema_findings, *run_rules(located, failed)]
