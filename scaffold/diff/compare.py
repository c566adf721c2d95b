"""Compare two conventions: load both (every problem of both reported at once), walk
their data, and judge each difference with the classification table."""

from __future__ import annotations

from pathlib import Path

from scaffold.conventions import load_text
from scaffold.conventions.model import Conventions
from scaffold.conventions.yamlsource import Located, read_located_text
from scaffold.diff.model import KINDS, Change, ConventionsDiff
from scaffold.diff.rules import RULES
from scaffold.diff.rules_runtime import RUNTIME_RULES
from scaffold.diff.same import in_force_same
from scaffold.diff.source import Side, read_side
from scaffold.diff.verdicts import Ctx, Verdict, moved, unclassified
from scaffold.diff.walk import RawChange, matches, raw_changes
from scaffold.errors import ConventionsError, Finding

TABLE = RULES + RUNTIME_RULES


def judge(ctx: Ctx) -> Verdict:
    """The first matching row's verdict; no row, or a row that cannot read the values:
    reported as breaking, saying so."""
    if in_force_same(ctx.path, ctx.old_conv, ctx.new_conv):
        return Verdict(
            "cosmetic",
            "same value written differently",
            f"{ctx.change.key} {moved(ctx)}; the value in force is the same",
        )
    for pattern, classify in TABLE:
        if matches(pattern, ctx.path):
            try:
                return classify(ctx)
            except (KeyError, IndexError, AttributeError, TypeError, ValueError, StopIteration):
                return unclassified(ctx)
    return unclassified(ctx)


def _order(change: Change) -> tuple[int, int, int, str]:
    """Kind, then the new file's order; entries gone from the new file share their
    parent's line there, so the old file's order breaks the tie."""
    line = change.new_line if change.new_line is not None else change.old_line
    return (KINDS.index(change.kind), line or 0, change.old_line or 0, change.key)


def compare(
    old: Conventions, new: Conventions, old_src: Located, new_src: Located
) -> ConventionsDiff:
    """Every difference between two loaded conventions, classified; `old_src`/`new_src`
    are the same files read with their positions (yamlsource.read_located_text)."""
    changes = []
    memo: dict[str, object] = {}
    for raw in raw_changes(old_src, new_src):
        verdict = judge(Ctx(raw, old, new, memo))
        changes.append(_change(raw, verdict))
    return ConventionsDiff(tuple(sorted(changes, key=_order)), old.source, new.source)


def _change(raw: RawChange, verdict: Verdict) -> Change:
    return Change(verdict.kind, verdict.what, raw.key, verdict.detail, raw.old_line, raw.new_line)


def _load(side: Side) -> tuple[Conventions | None, Located, list[Finding]]:
    located = read_located_text(side.text, side.name)
    try:
        return load_text(side.text, side.name), located, []
    except ConventionsError as exc:
        return None, located, exc.findings


def compare_texts(old: Side, new: Side) -> ConventionsDiff:
    old_conv, old_loc, old_problems = _load(old)
    new_conv, new_loc, new_problems = _load(new)
    if old_conv is None or new_conv is None:
        raise ConventionsError(old_problems + new_problems)
    return compare(old_conv, new_conv, old_loc, new_loc)


def compare_files(old: str, new: str, *, cwd: Path | None = None) -> ConventionsDiff:
    """Compare two conventions files; each is a path (relative to `cwd`) or
    "git:REV:path" read with `git cat-file blob REV:path` in the repository of `cwd`. Bad input
    raises UsageError or ConventionsError (exit 2), naming the file and line."""
    return compare_texts(read_side(old, cwd), read_side(new, cwd))
