"""Next steps for a Go module: find `func main`, the server and the slog logger, and say
(or, for `--wire`, make) the edits that connect the generated package to them.

The shape `--wire` edits: one non-test file in the module root or cmd/*/ with
`package main` and `func main`; in it exactly one `http.ListenAndServe(addr, handler)`
or `http.Server{... Handler: h ...}`; optionally one `slog.New(handler)` (then wrapped,
so records carry trace ids); the handler inside each `http.StripPrefix` is wrapped with
`Route`, so the outer span keeps the route. Anything else is named, and left to the team.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.paths import read_inside
from scaffold.wiring import Step, Wiring
from scaffold.wiring.source import (
    code_only,
    line_end,
    line_endings,
    line_of,
    matching,
    mixed_problem,
    restore,
    split_args,
)

_MAIN = re.compile(r"^func main\(\)\s*\{", re.MULTILINE)
_PACKAGE_MAIN = re.compile(r"^package main\b", re.MULTILINE)


@dataclass
class _Edit:
    start: int
    end: int
    text: str


@dataclass
class _Source:
    rel: str
    text: str
    code: str
    edits: list[_Edit] = field(default_factory=list)
    eol: str = "\n"

    def apply(self) -> str:
        text = self.text
        # From the end; of two insertions at one place, the one made first ends up first.
        ordered = sorted(enumerate(self.edits), key=lambda p: (p[1].start, p[0]), reverse=True)
        for _, edit in ordered:
            text = text[: edit.start] + edit.text + text[edit.end :]
        return restore(text, self.eol)


def _main_files(dest: Path) -> list[_Source]:
    candidates = sorted(dest.glob("*.go")) + sorted(dest.glob("cmd/*/*.go"))
    found: list[_Source] = []
    for path in candidates:
        rel = path.relative_to(dest).as_posix()
        if rel.endswith("_test.go"):
            continue
        try:
            raw = read_inside(dest, rel)
        except (UsageError, OSError):
            continue  # a symlink, FIFO or unreadable file is not the team's main
        text, eol = line_endings(raw.decode("utf-8", "replace") if raw is not None else "")
        code = code_only(text)
        if _PACKAGE_MAIN.search(code) and _MAIN.search(code):
            found.append(_Source(rel, text, code, eol=eol))
    return found


def _server(src: _Source, package: str) -> tuple[Step | None, str]:
    """The step wrapping the one server's handler (an edit of `src`), or why not."""
    shapes: list[tuple[str, int, int]] = []  # kind, where the handler expression is
    for match in re.finditer(r"\bhttp\.ListenAndServe\(", src.code):
        close = matching(src.code, match.end() - 1)
        args = split_args(src.code, match.end(), close)
        if close > 0 and len(args) == 2:
            shapes.append(("ListenAndServe", *args[1]))
    for match in re.finditer(r"\bhttp\.Server\s*\{", src.code):
        before = src.code[: match.start()].rstrip()
        if before.endswith(("*", ")")):
            continue  # a result type (func f() *http.Server {), not a composite literal
        close = matching(src.code, match.end() - 1)
        fields = split_args(src.code, match.end(), close) if close > 0 else []
        handler = [f for f in fields if re.match(r"Handler\s*:", src.code[f[0] : f[1]])]
        if not handler:
            return None, f"{src.rel}:{line_of(src.text, match.start())}: http.Server has no Handler"
        value = src.code.index(":", handler[0][0]) + 1
        while src.code[value].isspace():
            value += 1
        shapes.append(("Server", value, handler[0][1]))
    if len(shapes) != 1:
        what = "no" if not shapes else f"{len(shapes)}"
        return None, (
            f"{src.rel}: {what} http.ListenAndServe(addr, handler) or http.Server{{Handler: ...}} "
            "found; wrap the handler each server is given with "
            f"{package}.NewHandler(handler) by hand"
        )
    kind, start, end = shapes[0]
    old = src.text[start:end]
    inner = "http.DefaultServeMux" if old == "nil" else old
    if old.startswith(f"{package}.NewHandler("):
        return None, f"{src.rel}:{line_of(src.text, start)}: the handler is wrapped already"
    new = f"{package}.NewHandler({inner})"
    src.edits.append(_Edit(start, end, new))
    where = (
        "the handler given to http.ListenAndServe"
        if kind == "ListenAndServe"
        else ("the http.Server's Handler")
    )
    return Step(src.rel, line_of(src.text, start), where, f"{old} -> {new}", wired=True), ""


def _logger(src: _Source, package: str, body: tuple[int, int]) -> tuple[Step, int, str]:
    """The step wrapping the slog handler, where Setup goes, and the logger's name."""
    calls = list(re.finditer(r"\bslog\.New\(", src.code))
    if len(calls) != 1:
        setup_at = line_end(src.text, body[0])
        what = (
            f"log through a handler wrapped by {package}.NewLogHandler so records carry trace "
            f"ids, e.g. slog.SetDefault(slog.New({package}.NewLogHandler("
            "slog.NewTextHandler(os.Stderr, nil)))) (this sets the log format)"
        )
        where = "func main" if not calls else f"{len(calls)} slog.New calls: the one you log with"
        return Step(src.rel, line_of(src.text, body[0]), where, what), setup_at, "slog"
    call = calls[0]
    close = matching(src.code, call.end() - 1)
    args = split_args(src.code, call.end(), close)
    start, end = args[0] if len(args) == 1 else (call.end(), close)
    old = src.text[start:end]
    new = f"{package}.NewLogHandler({old})"
    line = line_of(src.text, call.start())
    statement = src.text[src.text.rfind("\n", 0, call.start()) + 1 : call.start()]
    name = re.match(r"\s*(\w+)\s*:?=\s*$", statement)
    setup_at = line_end(src.text, body[0])
    logger = "slog"
    top_level = re.match(r"\t\S", statement) is not None  # in main itself, not a nested block
    if body[0] < call.start() < body[1] and top_level:
        setup_at = line_end(src.text, close)
        follow = src.text[setup_at : line_end(src.text, setup_at)]
        if re.match(r"\s*slog\.SetDefault\(", follow):
            setup_at = line_end(src.text, setup_at)
        logger = name.group(1) if name else "slog"
    src.edits.append(_Edit(start, end, new))
    step = Step(src.rel, line, "the slog handler", f"{old} -> {new}", wired=True)
    return step, setup_at, logger


def _import_path(line: str) -> str:
    quoted = re.search(r'"([^"]*)"', line)
    return quoted.group(1) if quoted else ""


def _imports(src: _Source, paths: list[str], own: str) -> Step:
    """The step adding `paths` to the import declaration (an edit of `src`): standard
    library paths into the first group in gofmt's order, the module's own in a new group."""
    block = re.search(r"^import \(\n", src.code, re.MULTILINE)
    listed = ", ".join(f'"{p}"' for p in [*paths, own])
    if block is None:
        clause = _PACKAGE_MAIN.search(src.code)
        assert clause is not None
        single = re.search(r"^import (\w+ )?\"[^\"]*\"\n", src.code, re.MULTILINE)
        at = single.start() if single else line_end(src.text, clause.start())
        end = single.end() if single else at
        kept = [src.text[at:end].removeprefix("import ").rstrip("\n")] if single else []
        std = sorted([*(f'"{p}"' for p in paths), *kept])
        ours = [f'"{own}"']
        groups = "".join(f"\t{p}\n" for p in std) + "".join(
            ("\n" if std else "") + f"\t{p}\n" for p in ours
        )
        text = ("" if single else "\n") + "import (\n" + groups + ")\n"
        src.edits.append(_Edit(at, end, text))
        where = "the import declaration" if single else "after the package clause"
        return Step(src.rel, line_of(src.text, at), where, f"import {listed}", wired=True)
    close = matching(src.code, block.end() - 2)
    first: list[tuple[int, str]] = []  # (offset after the line, its path) of the first group
    offset = block.end()
    for line in src.text[block.end() : close].splitlines(keepends=True):
        if not line.strip():
            break
        offset += len(line)
        first.append((offset, _import_path(line)))
    for path in paths:  # into the first group, in gofmt's order
        at = block.end()
        for after, have in first:
            if have and have > path:
                break
            at = after
        src.edits.append(_Edit(at, at, f'\t"{path}"\n'))
    src.edits.append(_Edit(close, close, f'\n\t"{own}"\n'))
    where = "the import block"
    return Step(src.rel, line_of(src.text, block.start()), where, f"add {listed}", wired=True)


def _setup(src: _Source, package: str, at: int, logger: str, body: tuple[int, int]) -> Step:
    """The step calling Setup at `at` (an edit of `src`), its shutdown deferred."""
    # The telemetry's own lines (where it exports, the first failure) go to the app's
    # logger; slog's default needs no option.
    option = f", {package}.WithSetupLogger({logger})" if logger != "slog" else ""
    code = (
        f"\tshutdownTelemetry, errTelemetry := {package}.Setup(context.Background(){option})\n"
        "\tif errTelemetry != nil {\n"
        f'\t\t{logger}.Warn("telemetry setup failed; the service runs without it", '
        '"error", errTelemetry)\n'
        "\t}\n"
        "\tdefer func() { _ = shutdownTelemetry(context.Background()) }()\n"
    )
    following = src.text[at : line_end(src.text, at)].strip()
    if following and following != "}":
        code += "\n"
    src.edits.append(_Edit(at, at, code))
    what = textwrap.dedent(code.replace("\t", "    ")).strip()
    main_code = src.code[body[0] : body[1]]
    if re.search(r"\b(log\.Fatal\w*|os\.Exit)\(", main_code):
        what += (
            "\n(log.Fatal and os.Exit skip deferred calls: call shutdownTelemetry before them "
            "to keep the last spans)"
        )
    after_logger = at != line_end(src.text, body[0])
    where = "func main, after the logger" if after_logger else "first thing in func main"
    return Step(src.rel, line_of(src.text, at), where, what, wired=True)


def _plain(steps: list[Step]) -> tuple[Step, ...]:
    return tuple(Step(s.file, s.line, s.where, s.what) for s in steps)


_SETUP_BY_HAND = (
    "call {p}.Setup(ctx, {p}.WithSetupLogger(logger)) first (its start-up line and export "
    "failures go to your logger) and defer its shutdown"
)


def go_wiring(dest: Path, *, import_path: str, package: str) -> Wiring:
    """The next steps for the Go module at `dest`, and the edited main file for --wire."""
    mains = _main_files(dest)
    generic = (
        Step("", 0, "your main package", f'import "{import_path}"'),
        Step("", 0, "func main", _SETUP_BY_HAND.format(p=package)),
        Step("", 0, "your server", f"wrap its handler: {package}.NewHandler(handler)"),
        Step("", 0, "your slog logger", f"wrap its handler: {package}.NewLogHandler(h)"),
    )
    if len(mains) != 1:
        listed = ", ".join(m.rel for m in mains)
        why = (
            "no file with package main and func main in the module root or cmd/*/"
            if not mains
            else f"several main packages ({listed}); wire the one that serves by hand"
        )
        return Wiring(steps=generic, problem=why)
    src = mains[0]
    if src.eol == "mixed":
        return Wiring(steps=generic, problem=mixed_problem(src.rel))
    if f'"{import_path}"' in src.text:
        why = f"{src.rel} imports {import_path} already: it is wired"
        return Wiring(problem=why)
    main = _MAIN.search(src.code)
    assert main is not None
    body = (main.end() - 1, matching(src.code, main.end() - 1))
    clash = _clash(src, package)
    if body[1] < 0 or line_of(src.text, body[0]) == line_of(src.text, body[1]) or clash:
        empty = body[1] >= 0 and not src.code[body[0] + 1 : body[1]].strip()
        why = clash or (
            f"{src.rel}: func main is empty on one line: nothing to wire into"
            if empty
            else (
                f"{src.rel}: func main is not a block of its own lines; put its statements on "
                "lines of their own between { and } (gofmt keeps a one-line body as it is)"
            )
        )
        return Wiring(steps=generic, problem=why)
    server, problem = _server(src, package)
    log_step, setup_at, logger = _logger(src, package, body)
    setup = _setup(src, package, setup_at, logger, body)
    paths = [p for p in ("context", "log/slog") if not _imported(src, p)]
    if logger != "slog" and "log/slog" in paths:
        paths.remove("log/slog")
    taken = _taken(dest, src, [package, *(p.rsplit("/", 1)[-1] for p in paths)])
    if taken:
        return Wiring(steps=generic, problem=taken)
    imports = _imports(src, paths, import_path)
    routes = _strip_prefix(src, package)
    others = _other_strip_prefix(dest, src.rel, package)
    steps = [imports, setup, *([server] if server else []), log_step, *routes, *others]
    if problem:
        handler = Step(src.rel, 0, "your server", problem)
        return Wiring(steps=_plain([*steps, handler]), problem=problem)
    return Wiring(steps=tuple(steps), edits={src.rel: src.apply()})


def _imported(src: _Source, path: str) -> bool:
    return bool(re.search(rf'^(import)?\s*"{re.escape(path)}"\s*$', src.text, re.MULTILINE))


def _clash(src: _Source, package: str) -> str:
    """Why the package's name cannot be imported into `src` as it is ('' when it can)."""
    imported = re.search(
        rf'^(import)?\s*({package}\s+"[^"]*"|"([^"]*/)?{package}")\s*$', src.text, re.MULTILINE
    )
    declared = re.search(rf"\b(var|const|func|type)\s+{package}\b|\b{package}\s*:=", src.code)
    found = imported or declared
    if not found:
        return ""
    line = line_of(src.text, found.start())
    return f"{src.rel}:{line}: the name {package} is taken here; import the package by hand"


def _taken(dest: Path, src: _Source, names: list[str]) -> str:
    """Why a name the wiring imports into `src` would clash: declared in `src` (also as a
    local), or at package level in another file of its package ('' when none does)."""
    for name in names:
        if clash := _clash(src, name):
            return clash
    folder = (dest / src.rel).parent
    for path in sorted(folder.glob("*.go")):
        rel = path.relative_to(dest).as_posix()
        if rel == src.rel or rel.endswith("_test.go"):
            continue
        try:
            raw = read_inside(dest, rel)
        except (UsageError, OSError):
            continue
        text = raw.decode("utf-8", "replace") if raw is not None else ""
        code = code_only(text)
        if not _PACKAGE_MAIN.search(code):
            continue
        for name in names:
            found = re.search(rf"^(var|const|func|type)\s+{re.escape(name)}\b", code, re.M)
            if found:
                line = line_of(text, found.start())
                return f"{rel}:{line}: the name {name} is taken here; wire main by hand"
    return ""


def _strip_prefix(src: _Source, package: str) -> list[Step]:
    """Steps wrapping the handler inside each http.StripPrefix of `src` with Route (edits of
    `src`), so the outer span learns the route the inner ServeMux matched."""
    steps = []
    for match in re.finditer(r"\bhttp\.StripPrefix\(", src.code):
        close = matching(src.code, match.end() - 1)
        args = split_args(src.code, match.end(), close) if close > 0 else []
        if len(args) != 2:
            continue
        old = src.text[args[1][0] : args[1][1]]
        if old.startswith(f"{package}.Route("):
            continue
        new = f"{package}.Route({old})"
        src.edits.append(_Edit(args[1][0], args[1][1], new))
        where = "the handler inside http.StripPrefix (so spans and logs keep the route)"
        steps.append(
            Step(src.rel, line_of(src.text, match.start()), where, f"{old} -> {new}", wired=True)
        )
    return steps


def _other_strip_prefix(dest: Path, main_rel: str, package: str) -> list[Step]:
    """Manual steps for http.StripPrefix in the module's other non-test Go files."""
    steps = []
    for path in sorted(dest.rglob("*.go")):
        rel = path.relative_to(dest).as_posix()
        skipped = rel == main_rel or rel.endswith("_test.go") or "/internal/" in f"/{rel}"
        if skipped or rel.startswith(("vendor/", ".")):
            continue
        try:
            raw = read_inside(dest, rel)
        except (UsageError, OSError):
            continue
        text = raw.decode("utf-8", "replace") if raw is not None else ""
        for match in re.finditer(r"\bhttp\.StripPrefix\(", code_only(text)):
            what = f"wrap the handler given to http.StripPrefix: {package}.Route(handler)"
            where = "the handler inside http.StripPrefix (so spans and logs keep the route)"
            steps.append(Step(rel, line_of(text, match.start()), where, what))
    return steps
