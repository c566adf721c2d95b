"""Building blocks of the classification table (rules.py): what one difference means."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.diff.model import Kind
from scaffold.diff.walk import MISSING, RawChange


@dataclass(frozen=True)
class Ctx:
    """One difference, with both conventions (defaults filled in) to judge it by."""

    change: RawChange
    old_conv: Conventions
    new_conv: Conventions
    # Shared by every change of one comparison: what rules derive once from both sides.
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def old(self) -> Any:
        return self.change.old

    @property
    def new(self) -> Any:
        return self.change.new

    @property
    def path(self) -> tuple[str, ...]:
        return self.change.path

    @property
    def added(self) -> bool:
        return self.old is MISSING

    @property
    def removed(self) -> bool:
        return self.new is MISSING


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    what: str
    detail: str


Classify = Callable[[Ctx], Verdict]
Getter = Callable[[Conventions, tuple[str, ...]], Any]


def show(value: Any) -> str:
    """A value for a one-line detail: JSON-like, at most 80 characters."""
    if value is MISSING:
        return "(not set)"
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def moved(ctx: Ctx) -> str:
    """'from A to B' for a changed value, 'set to B' / 'unset (was A)' at the edges."""
    if ctx.added:
        return f"set to {show(ctx.new)}"
    if ctx.removed:
        return f"removed (was {show(ctx.old)})"
    return f"changed from {show(ctx.old)} to {show(ctx.new)}"


def fixed(kind: Kind, what: str, why: str = "") -> Classify:
    """Always this kind; the detail says what moved and why it is that kind."""

    def classify(ctx: Ctx) -> Verdict:
        text = f"{ctx.change.key} {moved(ctx)}"
        return Verdict(kind, what, f"{text}: {why}" if why else text)

    return classify


def effective(getter: Getter, then: Classify) -> Classify:
    """When the value in force is the same on both sides (a default written out, 10s as
    10000ms), the change is cosmetic; otherwise `then` judges it."""

    def classify(ctx: Ctx) -> Verdict:
        try:
            same = getter(ctx.old_conv, ctx.path) == getter(ctx.new_conv, ctx.path)
        except (KeyError, IndexError, AttributeError):
            same = False
        if same:
            text = f"{ctx.change.key} {moved(ctx)}; the value in force is the same"
            return Verdict("cosmetic", "same value written differently", text)
        return then(ctx)

    return classify


def ranked(
    order: Sequence[Any], what: str, up: Kind, down: Kind, why_up: str, why_down: str
) -> Classify:
    """A value on a scale (weakest first): `up` when it moves up the scale, else `down`."""

    def classify(ctx: Ctx) -> Verdict:
        old, new = ctx.old, ctx.new
        if old in order and new in order:
            higher = order.index(new) > order.index(old)
            kind, why = (up, why_up) if higher else (down, why_down)
            return Verdict(kind, what, f"{ctx.change.key} {moved(ctx)}: {why}")
        return unclassified(ctx)

    return classify


def number(what: str, up: Kind, down: Kind, why_up: str, why_down: str) -> Classify:
    def classify(ctx: Ctx) -> Verdict:
        old, new = ctx.old, ctx.new
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (old, new))
        if not numbers:
            return unclassified(ctx)
        kind, why = (up, why_up) if new > old else (down, why_down)
        return Verdict(kind, what, f"{ctx.change.key} {moved(ctx)}: {why}")

    return classify


def members(what: str, removed: Kind, added: Kind, why_removed: str, why_added: str) -> Classify:
    """A list read as a set: any member gone is `removed`, else members added are `added`;
    the same members in another order are cosmetic."""

    def classify(ctx: Ctx) -> Verdict:
        old = ctx.old if isinstance(ctx.old, list) else []
        new = ctx.new if isinstance(ctx.new, list) else []
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        key = ctx.change.key
        if gone:
            extra = f" and {show(came)} added" if came else ""
            text = f"{key}: {show(gone)} removed{extra}: {why_removed}"
            return Verdict(removed, what, text)
        if came:
            return Verdict(added, what, f"{key}: {show(came)} added: {why_added}")
        return Verdict("cosmetic", "reordered", f"{key}: the same entries in another order")

    return classify


def item(noun: str, added: Kind, removed: Kind, why_added: str, why_removed: str) -> Classify:
    """A whole entry of a section (an attribute, an SLO) added or removed."""

    def classify(ctx: Ctx) -> Verdict:
        key = ctx.change.key
        if ctx.added:
            return Verdict(added, f"{noun} added", f"{key} added: {why_added}")
        if ctx.removed:
            return Verdict(removed, f"{noun} removed", f"{key} removed: {why_removed}")
        return unclassified(ctx)

    return classify


def unclassified(ctx: Ctx) -> Verdict:
    """Anything the table does not judge precisely: reported, and as breaking."""
    return Verdict(
        "breaking",
        "change not classified",
        f"{ctx.change.key} {moved(ctx)}; scaffold diff cannot tell whether this breaks "
        "anything, so it reports it as breaking",
    )
