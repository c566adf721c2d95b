"""Property: user edits away from what a conventions change touches always survive an update.

Each example takes a fresh service, applies a random edit script (insert, delete and
replace lines) to its user-owned files in regions the conventions change leaves alone,
changes the conventions, runs `update`, and requires: no conflict, the user-owned files
equal to the same edit script applied to the new render (so every user line is still
there, in place), and the generated files equal to a fresh render.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.sync import Status, read_lock
from scaffold.update import update_services
from tests.conftest import examples

from .conftest import (
    TEMPLATES,
    change_conventions,
    conventions_data,
    fresh_render_files,
    new_service,
    remove_attribute,
    set_prod_ratio,
    write_conventions,
)

EXAMPLES = examples(300)
USER_FILES = ("cmd/payments/main.go", "README.md")
MARGIN = 2  # lines kept clear around each changed region of the render


@dataclass(frozen=True)
class Edit:
    op: str  # "insert" (after the line), "delete" or "replace"
    line: int  # index in the previous render
    text: str


def lines(data: bytes) -> list[str]:
    return data.decode().split("\n")


def forbidden(base: list[str], new: list[str]) -> set[int]:
    """Base line indices the conventions change touches, widened by MARGIN."""
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(
        None, base, new, autojunk=False
    ).get_opcodes():
        if tag != "equal":
            out.update(range(i1 - MARGIN, i2 + MARGIN))
    return out


def index_map(base: list[str], new: list[str]) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(
        None, base, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            mapping.update({i1 + k: j1 + k for k in range(i2 - i1)})
    return mapping


def apply(text: list[str], edits: list[Edit], where: dict[int, int] | None = None) -> list[str]:
    out = list(text)
    for edit in sorted(edits, key=lambda e: e.line, reverse=True):
        at = edit.line if where is None else where[edit.line]
        if edit.op == "insert":
            out.insert(at + 1, edit.text)
        elif edit.op == "delete":
            del out[at]
        else:
            out[at] = edit.text
    return out


line_text = st.text(
    # Any text a source line can hold (NUL makes git treat a file as binary: not merged).
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=30,
)


@st.composite
def edit_scripts(draw: st.DrawFn, size: int, allowed: list[int], tag: str) -> list[Edit]:
    picks = draw(st.lists(st.sampled_from(allowed), unique=True, max_size=6)) if allowed else []
    edits = []
    for n, line in enumerate(picks):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        edits.append(Edit(op, line, f"// {tag} edit {n}: {draw(line_text)}"))
    return edits


def test_user_edits_away_from_the_change_always_survive() -> None:
    with tempfile.TemporaryDirectory(prefix="scaffold-prop-") as tmp:
        master = Path(tmp) / "master"
        new_service(
            master / "svc",
            write_conventions(master / "platform/observability.yaml", conventions_data()),
        )
        runs = _run_examples(master, Path(tmp))
    assert runs >= EXAMPLES


def _run_examples(master: Path, tmp: Path) -> int:
    runs = 0
    before = {rel: (master / "svc" / rel).read_bytes() for rel in USER_FILES}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        ratio=st.sampled_from([0.0, 0.05, 0.25, 0.5, 0.75, 1.0]),
        drop=st.booleans(),
        data=st.data(),
    )
    def example(ratio: float, drop: bool, data: st.DataObject) -> None:
        nonlocal runs
        work = Path(tempfile.mkdtemp(dir=tmp))
        shutil.copytree(master, work, dirs_exist_ok=True)
        conventions = work / "platform/observability.yaml"
        change_conventions(conventions, set_prod_ratio(ratio))
        if drop:
            change_conventions(conventions, remove_attribute("app.cart.items"))
        fresh = fresh_render_files(conventions, "payments")
        expected: dict[str, list[str]] = {}
        for rel in USER_FILES:
            base, new = lines(before[rel]), lines(fresh[rel])
            blocked = forbidden(base, new)
            allowed = [i for i in range(len(base) - 1) if i not in blocked]
            edits = data.draw(edit_scripts(len(base), allowed, rel), label=rel)
            (work / "svc" / rel).write_text("\n".join(apply(base, edits)))
            expected[rel] = apply(new, edits, index_map(base, new))

        [result] = update_services([work / "svc"], templates_dir=TEMPLATES).services
        assert result.status in (Status.UPDATED, Status.UNCHANGED), result
        assert not result.conflicts
        for rel in USER_FILES:
            assert lines((work / "svc" / rel).read_bytes()) == expected[rel], rel
        lock = read_lock(work / "svc")
        for rel, entry in lock.files.items():
            if entry.owner == "generated":
                assert (work / "svc" / rel).read_bytes() == fresh[rel], rel
        assert {r for r, e in lock.files.items() if e.owner == "generated"} == set(fresh) - set(
            USER_FILES
        )
        shutil.rmtree(work)
        runs += 1

    example()
    return runs
