"""Merge the generated code's requirements into a service's own go.mod, in `go mod tidy` form.

The rules, checked against the go command itself by tests/test_go_modules.py:
- a requirement the module already has at a newer version stays; a module the generated
  code imports is never raised behind the team's back: an older one is refused, naming
  the line, the version found, the version needed and the `go get` that upgrades it;
  an older requirement the module has only as `// indirect` is raised, as `go mod tidy`
  would;
- a module the generated code imports that was `// indirect` becomes direct;
- when the file's requirements are plain (no comments but `// indirect`), they are
  written as `go mod tidy` writes them: one sorted block of direct requirements, then
  one of indirect ones, where the first require statement was; otherwise the existing
  lines are edited in place and the new ones go in two new sorted blocks at the end;
- the go directive is raised to what the requirements need (a toolchain line naming the
  same version is removed, as the go command removes it; others are kept, as
  `go mod tidy` keeps them), and each such change
  is returned as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffold.errors import UsageError


@dataclass(frozen=True)
class Needed:
    """One requirement of the generated code (path, version, whether only indirect)."""

    path: str
    version: str
    indirect: bool


@dataclass
class _Line:
    index: int  # 0-based line of the file
    path: str
    version: str
    indirect: bool
    plain: bool  # no comment but `// indirect`
    in_block: bool


_SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.\-]+))?(?:\+[0-9A-Za-z.\-]+)?$")


def version_key(version: str, where: str = "") -> tuple[int, int, int, int, str]:
    """A sort key for a Go module version (a release after its pre-releases), or UsageError."""
    match = _SEMVER.match(version)
    if not match:
        prefix = f"{where}: " if where else ""
        raise UsageError(f"{prefix}{version!r} is not a Go module version (e.g. v1.2.3)")
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def go_key(version: str) -> tuple[int, ...]:
    """A sort key for a go or toolchain version (1.22, 1.26.0, go1.24.1, go1.26rc1), in
    the go command's order: 1.26 < 1.26beta1 < 1.26rc1 < 1.26.0 < 1.26.1."""
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+)|(beta|rc)(\d+))?", version)
    if found is None:
        return tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    major, minor = int(found[1]), int(found[2])
    if found[3] is not None:
        return (major, minor, 3, int(found[3]))
    if found[4] is not None:
        return (major, minor, 1 if found[4] == "beta" else 2, int(found[5]))
    return (major, minor, 0, 0)


def _comment(raw: str) -> str:
    return raw.split("//", 1)[1].strip() if "//" in raw else ""


def _scan(lines: list[str]) -> tuple[list[_Line], list[int], bool]:
    """Every require line, the indexes of every line that belongs to a require statement
    (block brackets included), and whether all of them are plain."""
    found: list[_Line] = []
    statement: list[int] = []
    plain = True
    in_block = False
    for index, raw in enumerate(lines):
        words = raw.split("//", 1)[0].split()
        if in_block:
            statement.append(index)
            if words == [")"]:
                in_block = False
            elif words:
                found.append(_line(index, words, raw, True))
            elif raw.strip():
                plain = False  # a comment line inside the block
            continue
        if not words or words[0] != "require":
            continue
        if index > 0 and lines[index - 1].lstrip().startswith("//"):
            plain = False  # a comment attached to the statement
        statement.append(index)
        if words[1:] == ["("]:
            in_block = True
            plain = plain and not _comment(raw)
        else:
            found.append(_line(index, words[1:], raw, False))
    return found, statement, plain and all(r.plain for r in found)


def _line(index: int, words: list[str], raw: str, in_block: bool) -> _Line:
    comment = _comment(raw)
    indirect = comment == "indirect" or comment.startswith("indirect;")
    path = words[0].strip('"`')
    return _Line(index, path, words[1], indirect, comment in ("", "indirect"), in_block)


def older(version: str, than: str) -> bool:
    """Whether module version `version` is older than `than` (an unreadable one is not)."""
    try:
        return version_key(version) < version_key(than)
    except UsageError:
        return False


def _too_old(have: dict[str, _Line], needed: list[Needed], name: str) -> None:
    old = [
        (have[n.path], n)
        for n in needed
        if not n.indirect
        and n.path in have
        and not have[n.path].indirect  # the team's code does not import it: raised, as tidy does
        and version_key(have[n.path].version, f"{name}:{have[n.path].index + 1}")
        < version_key(n.version)
    ]
    if not old:
        return
    found = "; ".join(
        f"{name}:{line.index + 1}: {n.path} {line.version} found, {n.version} needed"
        for line, n in old
    )
    upgrade = " ".join(f"{n.path}@{n.version}" for _, n in old)
    raise UsageError(
        f"{name}: the generated code needs newer versions of modules this module already "
        f"uses ({found}); nothing was written. Upgrade them and check your own code still "
        f"builds: `go get {upgrade}`, then run add again"
    )


def _req(path: str, version: str, indirect: bool) -> str:
    return f"\t{path} {version}" + (" // indirect" if indirect else "")


def _blocks(direct: list[str], indirect: list[str]) -> list[str]:
    out: list[str] = []
    for group in (sorted(direct), sorted(indirect)):
        if group:
            out += ([""] if out else []) + ["require (", *group, ")"]
    return out


def _tidy(lines: list[str], statement: list[int], wanted: dict[str, tuple[str, bool]]) -> str:
    """The file with its require statements replaced by the two tidy blocks."""
    direct = [_req(p, v, False) for p, (v, ind) in wanted.items() if not ind]
    indirect = [_req(p, v, True) for p, (v, ind) in wanted.items() if ind]
    gone = set(statement)
    at = min(statement) if statement else len(lines)
    kept = [line for i, line in enumerate(lines[:at]) if i not in gone]
    rest = [line for i, line in enumerate(lines[at:], at) if i not in gone]
    out = [*kept, "", *_blocks(direct, indirect), "", *rest]
    return _squeeze(out)


def _squeeze(lines: list[str]) -> str:
    """One blank line at most between statements, none at the ends."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def _in_place(lines: list[str], have: dict[str, _Line], wanted: dict[str, tuple[str, bool]]) -> str:
    """Existing lines raised and re-marked where they are; new ones in two blocks at the end."""
    new_direct: list[str] = []
    new_indirect: list[str] = []
    for path, (version, indirect) in wanted.items():
        line = have.get(path)
        if line is None:
            (new_indirect if indirect else new_direct).append(_req(path, version, indirect))
            continue
        raw = lines[line.index].replace(line.version, version, 1)
        if line.indirect and not indirect:
            raw = re.sub(r"\s*//\s*indirect\s*$", "", raw)
        lines[line.index] = raw
    return _squeeze([*lines, "", *_blocks(new_direct, new_indirect)])


def _wanted(have: dict[str, _Line], needed: list[Needed]) -> dict[str, tuple[str, bool]]:
    wanted = {p: (line.version, line.indirect) for p, line in have.items()}
    for n in needed:
        if n.path not in wanted:
            wanted[n.path] = (n.version, n.indirect)
            continue
        version, indirect = wanted[n.path]
        if version_key(version) < version_key(n.version):
            version = n.version
        wanted[n.path] = (version, indirect and n.indirect)
    return wanted


def _go_line(lines: list[str], go_version: str, notes: list[str], name: str) -> None:
    """Raise (or add) the go directive; say so, and of a toolchain line it passes, in `notes`."""
    go_at = next((i for i, r in enumerate(lines) if r.split()[:1] == ["go"]), -1)
    have = lines[go_at].split()[1] if go_at >= 0 else ""
    if go_at < 0:
        module_at = next(i for i, r in enumerate(lines) if r.split()[:1] == ["module"])
        lines[module_at + 1 : module_at + 1] = ["", f"go {go_version}"]
        notes.append(f"{name}: go directive added: go {go_version} (the requirements need it)")
    elif go_key(have) < go_key(go_version):
        lines[go_at] = lines[go_at].replace(have, go_version, 1)
        notes.append(
            f"{name}:{go_at + 1}: go directive raised from {have} to {go_version} (the "
            f"generated code's requirements need it; Go older than {go_version} cannot build "
            "the module any more)"
        )
    if go_at >= 0 and go_key(have) >= go_key(go_version):
        return
    for index, raw in reversed(list(enumerate(lines))):
        words = raw.split("//", 1)[0].split()
        if words[:1] != ["toolchain"] or len(words) != 2:
            continue
        if words[1] == f"go{go_version}" or go_key(words[1]) < go_key(go_version):
            del lines[index]  # the go command drops it too: go mod tidy would
            notes.append(
                f"{name}:{index + 1}: toolchain {words[1]} removed: the go line now names "
                f"{go_version}, so the line says nothing more, and `go mod tidy` drops it"
            )


def merge_requirements(
    go_mod: str, needed: list[Needed], go_version: str, name: str = "go.mod"
) -> tuple[str, list[str]]:
    """`go_mod` (already parsed and valid) with `needed` merged (see the module doc), and
    the notes to announce. UsageError when a module the code imports is too old."""
    lines = go_mod.splitlines()
    found, statement, plain = _scan(lines)
    have: dict[str, _Line] = {}
    for line in found:
        version_key(line.version, f"{name}:{line.index + 1}")
        if line.path not in have or version_key(line.version) > version_key(
            have[line.path].version
        ):
            have[line.path] = line
    _too_old(have, needed, name)
    wanted = _wanted(have, needed)
    if plain and len(found) == len(have):
        text = _tidy(lines, statement, wanted)
    else:
        text = _in_place(lines, have, wanted)
    notes = [
        f"{name}:{line.index + 1}: {path} upgraded {line.version} => {wanted[path][0]} "
        "(the generated code needs it)"
        for path, line in have.items()
        if wanted[path][0] != line.version
    ]
    edited = text.splitlines()
    _go_line(edited, go_version, notes, name)
    return _squeeze(edited), notes
