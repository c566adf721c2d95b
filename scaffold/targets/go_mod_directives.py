"""The `exclude` and `replace` directives of a go.mod, checked against the modules the
generated code needs (scaffold.targets.go_modules reads them, `add` checks them).

The semantics follow the go.mod reference (go.dev/ref/mod, `exclude` and `replace`):
- `exclude M V` drops every requirement on M at V (Go 1.16 and later), so a go.mod that
  requires a module the generated code needs at an excluded version does not build as
  written: refused, naming the line;
- `replace M [V] => R [V2]` swaps the content of M (every version, or only V) for the
  module R at V2 or, when R is a path starting with ./ ../ or /, for that folder. Only a
  replacement that applies to the version go.mod ends up requiring counts. A replacement
  with the same module at the version needed or a newer one is respected (a note names
  it when go.sum lacks its checksums); one with an older version, another module or a
  local folder is refused: the generated code is built and tested against the version
  it pins, and a folder or a fork cannot be checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.errors import UsageError
from scaffold.targets.go_mod_edit import version_key


@dataclass(frozen=True)
class Exclude:
    path: str
    version: str
    line: int  # 0-based


@dataclass(frozen=True)
class Replace:
    path: str
    version: str  # '' when every version is replaced
    new_path: str
    new_version: str  # '' for a local folder
    line: int  # 0-based

    @property
    def local(self) -> bool:
        return self.new_version == ""


def _is_local(path: str) -> bool:
    return path.startswith(("./", "../", "/", ".\\", "..\\")) or path in (".", "..")


def parse_exclude(args: list[str], index: int, where: str) -> Exclude:
    if len(args) != 2:
        raise UsageError(f"{where}: an exclusion is `exclude <module path> <version>`")
    version_key(args[1], where)
    return Exclude(args[0], args[1], index)


def parse_replace(args: list[str], index: int, where: str) -> Replace:
    """One `replace` entry: `M [V] => R [V2]`, or UsageError naming the line."""
    usage = (
        f"{where}: a replacement is `<module path> [<version>] => <module path> <version>` "
        "or `<module path> [<version>] => <local folder>`"
    )
    if "=>" not in args:
        raise UsageError(usage)
    arrow = args.index("=>")
    left, right = args[:arrow], args[arrow + 1 :]
    if len(left) not in (1, 2) or len(right) not in (1, 2):
        raise UsageError(usage)
    if len(right) == 1 and not _is_local(right[0]):
        raise UsageError(f"{usage}; {right[0]!r} needs a version, or ./ for a folder")
    if len(right) == 2 and _is_local(right[0]):
        raise UsageError(f"{usage}; a local folder takes no version")
    version = left[1] if len(left) == 2 else ""
    new_version = right[1] if len(right) == 2 else ""
    for text in (version, new_version):
        if text:
            version_key(text, where)
    return Replace(left[0], version, right[0], new_version, index)


def _exclude_problems(
    excludes: tuple[Exclude, ...], needed: dict[str, str], final: dict[str, str], name: str
) -> list[tuple[Exclude, str]]:
    return [
        (
            e,
            f"{name}:{e.line + 1}: `exclude {e.path} {e.version}` drops the version of "
            f"{e.path} go.mod requires for the generated code; delete that line and run add "
            "again",
        )
        for e in excludes
        if e.path in needed and final.get(e.path) == e.version
    ]


def applying(
    replaces: tuple[Replace, ...], needed: dict[str, str], final: dict[str, str]
) -> list[Replace]:
    """The replacements that apply to a needed module at the version go.mod requires."""
    return [
        r
        for r in replaces
        if r.path in needed and (not r.version or r.version == final.get(r.path))
    ]


def _replace_problem(r: Replace, want: str, name: str) -> str:
    where = f"{name}:{r.line + 1}: `replace {r.path}"
    where += f" {r.version}" if r.version else ""
    fix = (
        f"delete that line, or replace it with {r.path} {want} or newer "
        f"(`go mod edit -replace={r.path}={r.path}@{want}`), and run add again"
    )
    if r.local:
        return f"{where} => {r.new_path}`: the generated code needs {r.path} {want}, not a local folder; {fix}"
    if r.new_path != r.path:
        return f"{where} => {r.new_path} {r.new_version}`: the generated code needs {r.path} {want}, not another module; {fix}"
    if version_key(r.new_version) < version_key(want):
        return f"{where} => {r.new_path} {r.new_version}`: older than the {want} the generated code needs; {fix}"
    return ""


def check_directives(
    excludes: tuple[Exclude, ...],
    replaces: tuple[Replace, ...],
    needed: dict[str, str],
    final: dict[str, str],
    name: str,
) -> None:
    """UsageError naming every exclude or replace line that takes away a module version
    the generated code needs (`needed`: path -> version; `final`: what go.mod requires
    after add)."""
    problems = [(e.line, text) for e, text in _exclude_problems(excludes, needed, final, name)]
    for r in applying(replaces, needed, final):
        problem = _replace_problem(r, needed[r.path], name)
        if problem:
            problems.append((r.line, problem))
    if problems:
        raise UsageError(
            f"{name}: takes away module versions the generated code needs; nothing was "
            "written:\n  " + "\n  ".join(text for _, text in sorted(problems))
        )


def replace_notes(
    replaces: tuple[Replace, ...],
    needed: dict[str, str],
    final: dict[str, str],
    go_sum: str,
    name: str,
) -> list[str]:
    """A note for each respected replacement whose checksums go.sum lacks."""
    notes = []
    for r in applying(replaces, needed, final):
        lines = (f"{r.new_path} {r.new_version} h1:", f"{r.new_path} {r.new_version}/go.mod h1:")
        if not all(any(s.startswith(line) for s in go_sum.splitlines()) for line in lines):
            notes.append(
                f"{name}:{r.line + 1}: {r.path} is replaced with {r.new_path} {r.new_version}, "
                "whose checksums go.sum lacks; run `go mod tidy` before the next build"
            )
    return notes
