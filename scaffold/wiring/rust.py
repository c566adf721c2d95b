"""Next steps for a Rust crate, and the edits `--wire` makes for the common shape: the file
of the binary the crate builds (src/main.rs, a `[[bin]]` path or src/bin/*.rs, chosen by
scaffold.targets.cargo_bins; from a folder other than src/, with a `#[path]` module) with one
`fn main` returning `Result<_, Box<dyn Error>>` (or anyhow's, eyre's); in it one
`axum::serve(listener, app)` statement (the router bound by `let` or inline) and at most one
`tracing_subscriber::registry()` or `::fmt()` statement ending in `.init()`. `layers()`'s
telemetry part joins it (its fmt layer and filter stay, no JSON lines; else `init()`), the
server layer and connect info go on the router, the guard shuts telemetry down after
`serve`. Anything else is refused, with the steps to make by hand. Existing instrumentation
(tower-http's TraceLayer, a second tracer provider) is named with its fix, never edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffold.targets.cargo_bins import binaries, module_declaration, pick
from scaffold.targets.cargo_paths import unchecked_notes
from scaffold.targets.rust_format import format_edit
from scaffold.wiring import Step, Wiring
from scaffold.wiring.source import (
    code_only,
    line_end,
    line_endings,
    line_of,
    matching,
    mixed_problem,
    read_text,
    restore,
    rust_existing,
    rust_name_taken,
    split_args,
)

_MAIN = re.compile(r"^(?:pub\s+)?(?:async\s+)?fn main\s*\(\s*\)\s*(->\s*([^{]+?))?\s*\{", re.M)
_RESULT = re.compile(r"Result<\s*\(\)\s*,\s*Box<\s*dyn\b|\b(anyhow|eyre|color_eyre)::Result\b")
_SUBSCRIBER = re.compile(r"\btracing_subscriber::(registry|fmt)\(\)")
_SERVE = re.compile(r"\baxum::serve\(")


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

    def insert(self, at: int, text: str) -> None:
        self.edits.append(_Edit(at, at, text))

    def apply(self) -> str:
        text = self.text
        ordered = sorted(enumerate(self.edits), key=lambda p: (p[1].start, p[0]), reverse=True)
        for _, edit in ordered:
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text

    def line(self, index: int) -> int:
        return line_of(self.text, index)

    def indent(self, index: int) -> str:
        start = self.text.rfind("\n", 0, index) + 1
        return self.text[start : start + len(self.text[start:]) - len(self.text[start:].lstrip())]


def _statement_end(code: str, start: int, stop: int) -> int:
    """Where the `;` ending the statement at `start` is (-1 if not before `stop`)."""
    index = start
    while index < stop:
        char = code[index]
        if char in "([{":
            index = matching(code, index)
            if index < 0:
                return -1
        elif char == ";":
            return index
        index += 1
    return -1


def _statement_start(code: str, at: int) -> int:
    """The index of the first character of the line holding `at`, past its indentation."""
    start = code.rfind("\n", 0, at) + 1
    while code[start] in " \t":
        start += 1
    return start


@dataclass
class _Main:
    body: tuple[int, int]
    returns: str


def _main(src: _Source) -> tuple[_Main | None, str]:
    found = list(_MAIN.finditer(src.code))
    if len(found) != 1:
        return None, f"{src.rel}: {len(found) or 'no'} fn main found"
    match = found[0]
    close = matching(src.code, match.end() - 1)
    if close < 0:
        return None, f"{src.rel}: fn main's body could not be read"
    returns = (match.group(2) or "").strip()
    if not _RESULT.search(returns):
        return None, (
            f"{src.rel}:{src.line(match.start())}: fn main returns {returns or '()'}; "
            "the steps use `?`: make it return Result<(), Box<dyn std::error::Error>>"
        )
    return _Main((match.end() - 1, close), returns), ""


def _depth(code: str, start: int, at: int) -> int:
    """How deep in brackets `at` is, counted from `start`."""
    depth = 0
    for char in code[start:at]:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth


def _in_main(src: _Source, main: _Main, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """The matches of `pattern` at the top level of main's body."""
    found = pattern.finditer(src.code, main.body[0] + 1, main.body[1])
    return [m for m in found if _depth(src.code, main.body[0] + 1, m.start()) == 0]


def _before_call(src: _Source, dot: int, calls: list[str]) -> None:
    """Inserts method `calls` (`.a()`) before the call at `dot`, in the chain's layout."""
    back = dot
    while back > 0 and src.text[back - 1] in " \t\n":
        back -= 1
    gap = src.text[back:dot]
    src.insert(dot, "".join(call + gap for call in calls))


def _module(src: _Source, module: str) -> Step:
    """Declares the module in the crate root, among its other `mod x;` items if any (before
    the attributes of the one it goes before); from a binary outside src/ with `#[path]`."""
    mods = list(re.finditer(r"^(?:pub(?:\([^)]*\))?\s+)?mod (\w+);\n", src.code, re.M))
    first = re.search(
        r"^(use |mod |pub |#\[|(async\s+)?fn |struct |enum |const |static )", src.code, re.M
    )
    item = module_declaration(src.rel, module)
    if mods and (first is None or mods[0].start() <= first.start()):
        at = next((m.start() for m in mods if m.group(1) > module), mods[-1].end())
        while at > 0 and (prev := src.code.rfind("\n", 0, at - 1) + 1) >= 0:
            if not src.code[prev:at].lstrip().startswith("#["):
                break
            at = prev
        src.insert(at, f"{item}\n")
    else:
        at = first.start() if first else len(src.text)
        src.insert(at, f"{item}\n\n")
    return Step(src.rel, src.line(at), "the crate root", item.replace("\n", " "), wired=True)


def _subscriber(src: _Source, main: _Main, module: str) -> tuple[list[Step], str]:
    """The edits joining the module's layers to the subscriber (or init); or why not."""
    found = _in_main(src, main, _SUBSCRIBER)
    body_open = main.body[0]
    if not found:
        if _SUBSCRIBER.search(src.code) or re.search(r"\bset_global_default\(", src.code):
            return [], f"{src.rel}: the tracing subscriber is not set up at the top of fn main"
        at = line_end(src.text, body_open)
        indent = src.indent(at) or "    "
        code = f"{indent}let telemetry_guard = {module}::init()?;\n"
        src.insert(at, code)
        where = "first thing in fn main"
        return [Step(src.rel, src.line(at), where, code.strip(), wired=True)], ""
    if len(found) > 1:
        return [], f"{src.rel}: {len(found)} tracing subscribers are set up in fn main"
    match = found[0]
    start = _statement_start(src.code, match.start())
    end = _statement_end(src.code, match.start(), main.body[1])
    init = list(re.finditer(r"\.\s*(try_)?init\(\)", src.code[match.end() : max(end, 0)]))
    if start != match.start() or end < 0 or not init:
        return [], (
            f"{src.rel}:{src.line(match.start())}: the subscriber is not one statement "
            "ending in .init() or .try_init()"
        )
    dot = match.end() + init[-1].start()
    chain = ".finish()" if match.group(1) == "fmt" else ""
    _before_call(src, dot, [c for c in (chain, ".with(telemetry_layers.telemetry)") if c])
    indent = src.indent(start)
    src.insert(start, f"let telemetry_layers = {module}::layers()?;\n{indent}")
    after = line_end(src.text, end)
    src.insert(
        after,
        f"{indent}for warning in &telemetry_layers.warnings {{\n"
        f'{indent}    tracing::warn!(%warning, "telemetry configuration");\n'
        f"{indent}}}\n{indent}let telemetry_guard = telemetry_layers.guard;\n",
    )
    line = src.line(match.start())
    steps = [
        Step(
            src.rel,
            line,
            "before the subscriber",
            f"let telemetry_layers = {module}::layers()?;",
            wired=True,
        ),
        Step(
            src.rel,
            line,
            "the app's subscriber (its fmt layer and filter stay)",
            f"{chain}.with(telemetry_layers.telemetry) before .init() (your log lines stay "
            "yours); log telemetry_layers.warnings; let telemetry_guard = telemetry_layers.guard;",
            wired=True,
        ),
    ]
    return steps + _traits(src, match.group(1) == "fmt"), ""


def _traits(src: _Source, needed: bool) -> list[Step]:
    """`use` items for SubscriberExt and SubscriberInitExt, when the shape needs them and
    the file does not bring them in."""
    wanted = [
        f"use tracing_subscriber::{path} as _;"
        for path, name in (
            ("layer::SubscriberExt", "SubscriberExt"),
            ("util::SubscriberInitExt", "SubscriberInitExt"),
        )
        if needed and not re.search(rf"\b{name}\b|tracing_subscriber::prelude::\*", src.code)
    ]
    if not wanted:
        return []
    uses = list(re.finditer(r"^use [^;]*;", src.code, re.M))
    at = line_end(src.text, uses[-1].end()) if uses else 0
    src.insert(at, "".join(f"{w}\n" for w in wanted) + ("" if uses else "\n"))
    return [Step(src.rel, src.line(at), "the use items", " ".join(wanted), wired=True)]


_CONNECT = ".into_make_service_with_connect_info::<std::net::SocketAddr>()"


def _router(src: _Source, main: _Main, serve: re.Match[str], module: str) -> tuple[list[Step], str]:
    """The steps putting the server layer on the router `axum::serve` is given, and the
    peer's address on each request (client.address, the trusted-proxy rule)."""
    close = matching(src.code, serve.end() - 1)
    args = split_args(src.code, serve.end(), close) if close > 0 else []
    where = f"{src.rel}:{src.line(serve.start())}"
    if len(args) != 2:
        return [], f"{where}: axum::serve(listener, app) not found"
    start, end = arg = args[1]
    name = src.code[start:end]
    if re.fullmatch(r"[a-z_]\w*", name):
        let = re.compile(rf"\blet\s+(mut\s+)?{name}\s*(:[^=;]+)?=")
        binding = [None, *let.finditer(src.code, main.body[0], start)][-1]
        stop = _statement_end(src.code, binding.end(), start) if binding else -1
        if binding is None or stop < 0:
            return [], f"{where}: the router {name} is not bound by let in fn main"
        start, end = binding.end(), stop
    into = re.search(r"\.\s*into_make_service\w*", src.code[start:end])
    layer = f".layer({module}::HttpServerLayer::new())"
    if into:
        _before_call(src, start + into.start(), [layer])
    else:
        src.insert(end, layer)
    steps = [Step(src.rel, src.line(start), "the router axum::serve is given", layer, wired=True)]
    if into is None:
        src.insert(arg[1], _CONNECT)
        what = f"{_CONNECT} (the peer's address: client.address, trusted proxies)"
        steps.append(Step(src.rel, src.line(arg[0]), "the app axum::serve is given", what, True))
    return steps, ""


def _shutdown(src: _Source, main: _Main, serve: re.Match[str]) -> tuple[Step | None, str]:
    """The step shutting telemetry down once `axum::serve(...)` returns."""
    start = _statement_start(src.code, serve.start())
    end = _statement_end(src.code, serve.start(), main.body[1])
    if start != serve.start():
        return (
            None,
            f"{src.rel}:{src.line(serve.start())}: axum::serve(...) is not a statement of its own",
        )
    indent = src.indent(start)
    code = (
        f"{indent}if let Err(error) = telemetry_guard.shutdown().await {{\n"
        f'{indent}    tracing::warn!(%error, "telemetry shutdown");\n{indent}}}\n'
    )
    if end >= 0:
        at = line_end(src.text, end)
        src.insert(at, code)
    else:  # the tail expression of main: keep its value, shut down, return it
        tail = len(src.text[: main.body[1]].rstrip())
        src.insert(start, "let served = ")
        src.insert(tail, f";\n{code}{indent}served")
        at = start
    what = "telemetry_guard.shutdown().await (flushes the last spans, bounded; log an error)"
    return Step(src.rel, src.line(at), "after axum::serve(...).await returns", what, wired=True), ""


_GENERIC = (
    ("fn main, before the subscriber", "let telemetry_layers = {m}::layers()?;"),
    ("your subscriber", ".with(telemetry_layers.telemetry)"),
    ("after the subscriber", "let telemetry_guard = telemetry_layers.guard;"),
    ("your router", ".layer({m}::HttpServerLayer::new())"),
    ("the app axum::serve is given", _CONNECT.strip(".")),
    ("after axum::serve(...).await", "telemetry_guard.shutdown().await"),
)


def _generic(rel: str, module: str) -> tuple[Step, ...]:
    item = module_declaration(rel or "src/main.rs", module).replace("\n", " ")
    if not rel:  # no binary chosen: the declaration differs in a src/bin file
        bin_item = module_declaration("src/bin/NAME.rs", module).replace("\n", " ")
        item = f"{item} in src/main.rs; in a src/bin/NAME.rs binary: {bin_item}"
    root = Step(rel, 0, "the crate root", item)
    return (root, *(Step(rel, 0, where, what.format(m=module)) for where, what in _GENERIC))


def _binary(dest: Path) -> tuple[str, str, str]:
    """The binary's file, what to note about it, and why it cannot be wired ("" if it can)."""
    found = binaries(dest)
    code = {b.rel: code_only(t) for b in found[:20] if (t := read_text(dest, b.rel)) is not None}
    binary, note = pick(dest, code)
    if binary is None:
        return "", "", note
    rel = binary.rel
    if rel.startswith(("/", "../")) or rel == ".." or ":" in rel:
        return rel, note, f"the binary {binary.name} ({rel}) is outside the crate's folder"
    return rel, note, ""


def rust_steps(dest: Path, module: str = "telemetry") -> Wiring:
    """The next steps for the crate at `dest`, and the edited binary's file for --wire."""
    rel, note, why = _binary(dest)
    existing = rust_existing(dest, module, "" if why else rel)
    notes = (*([note] if note else []), *unchecked_notes(dest))
    if why:
        return Wiring(steps=(*_generic(rel, module), *existing), problem=why, notes=notes)
    wiring = _wire(dest, rel, module)
    return replace(wiring, steps=(*wiring.steps, *existing), notes=notes)


def _wire(dest: Path, rel: str, module: str) -> Wiring:
    """The steps in the binary's file `rel`, and its edited text when --wire can make them."""
    text = read_text(dest, rel)
    text, eol = ("", "none") if text is None else line_endings(text)
    if eol in ("none", "mixed"):
        why = mixed_problem(rel) if eol == "mixed" else f"{rel} could not be read"
        return Wiring(steps=_generic(rel, module), problem=why)
    src = _Source(rel, text, code_only(text))
    if re.search(
        rf"^[ \t]*(#\[[^\]\n]*\]\s*)*(pub(\([^)]*\))?\s+)?mod {module}\s*;", src.code, re.M
    ) and re.search(rf"\b{module}::", src.code):
        return Wiring(problem=f"{rel} uses the {module} module already: it is wired")
    if taken := rust_name_taken(rel, src.code, module):
        return Wiring(steps=_generic(rel, module), problem=taken)
    main, why = _main(src)
    serves = _in_main(src, main, _SERVE) if main else []
    if main and len(serves) != 1:
        why = f"{rel}: {len(serves) or 'no'} axum::serve(...) statements at the top of fn main"
    if main is None or why:
        return Wiring(steps=_generic(rel, module), problem=why)
    steps = [_module(src, module)]
    subscriber, why = _subscriber(src, main, module)
    router, problem = _router(src, main, serves[0], module)
    shutdown, late = _shutdown(src, main, serves[0])
    why = why or problem or late
    if why or not router or shutdown is None:
        return Wiring(steps=_generic(rel, module), problem=why)
    steps += [*subscriber, *router, shutdown]
    edited = restore(format_edit(dest, text, src.apply()), eol)
    return Wiring(steps=tuple(steps), edits={rel: edited})
