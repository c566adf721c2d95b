"""Just enough reading of Go and Rust source to find calls and their arguments: comments
and literals are blanked (same length, newlines kept) so that searches and bracket
matching never land inside them."""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.sync.paths import read_inside
from scaffold.wiring import Step

_CLOSE = {"(": ")", "[": "]", "{": "}"}


def _literal_end(text: str, start: int) -> int:
    """The index after the string, rune or raw literal starting at `start`."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if quote != "`" and char == "\\":
            index += 2
            continue
        if char == quote or (quote != "`" and char == "\n"):
            return index + 1
        index += 1
    return len(text)


def _blank(text: str) -> str:
    return "".join("\n" if c == "\n" else " " for c in text)


def code_only(text: str) -> str:
    """`text` with comments and the inside of string literals replaced by spaces."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("//", index):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            end = len(text) if end < 0 else end + 2
        elif text[index] in '"`':
            end = _literal_end(text, index)
            out.append(text[index] + _blank(text[index + 1 : end - 1]) + text[end - 1])
            index = end
            continue
        elif text[index] == "'" and _is_rune(text, index):
            end = _literal_end(text, index)
        else:
            out.append(text[index])
            index += 1
            continue
        out.append(_blank(text[index:end]))
        index = end
    return "".join(out)


def _is_rune(text: str, index: int) -> bool:
    """A Go rune literal ('x', '\\n'), not a Rust lifetime ('a)."""
    close = text.find("'", index + 1)
    return 0 < close - index <= 10 and "\n" not in text[index:close]


def matching(code: str, open_at: int) -> int:
    """The index of the bracket closing the one at `open_at` (in blanked code), or -1."""
    stack = [code[open_at]]
    for index in range(open_at + 1, len(code)):
        char = code[index]
        if char in _CLOSE:
            stack.append(char)
        elif char in ")]}":
            if _CLOSE[stack.pop()] != char:
                return -1
            if not stack:
                return index
    return -1


def split_args(code: str, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) spans of the comma-separated arguments in code[start:end], trimmed."""
    spans: list[tuple[int, int]] = []
    depth = 0
    begin = start
    for index in range(start, end + 1):
        char = code[index] if index < end else ","
        if char in _CLOSE:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            spans.append(_trimmed(code, begin, index))
            begin = index + 1
    return [s for s in spans if s[0] < s[1]]


def _trimmed(code: str, start: int, end: int) -> tuple[int, int]:
    while start < end and code[start].isspace():
        start += 1
    while end > start and code[end - 1].isspace():
        end -= 1
    return start, end


def line_of(text: str, index: int) -> int:
    """The 1-based line of `index`."""
    return text.count("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """The index just after the newline ending the line of `index`."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def line_endings(text: str) -> tuple[str, str]:
    """`text` with LF line endings, and what it had: "\\n", "\\r\\n", or "mixed" (then the
    text is returned as it is). A CRLF file is edited as LF and turned back with `restore`,
    so the wiring keeps the file's line endings.
    A leading byte order mark is taken off too (the searches anchor at line starts) and
    its U+FEFF put before the ending's name, for `restore` to put back."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text.removeprefix(bom)
    crlf = text.count("\r\n")
    if crlf and crlf != text.count("\n"):
        return bom + text, "mixed"
    return text.replace("\r\n", "\n"), bom + ("\r\n" if crlf else "\n")


def restore(text: str, eol: str) -> str:
    """`text` (LF) with the line endings (and byte order mark) `line_endings` found."""
    bom = "\ufeff" if eol.startswith("\ufeff") else ""
    return bom + (text.replace("\n", "\r\n") if eol.endswith("\r\n") else text)


def mixed_problem(rel: str) -> str:
    return (
        f"{rel} mixes CRLF and LF line endings, so the lines wiring adds could match "
        "neither; save it with one kind (git add --renormalize, or your editor) first"
    )


def rust_name_taken(rel: str, code: str, module: str) -> str:
    """Why `mod MODULE;` cannot be added to a Rust file whose code (`code_only`) already
    declares or imports that name (E0428, E0255), or "" when the name is free."""
    m = re.escape(module)
    taken = re.search(
        rf"^[ \t]*(pub(\([^)]*\))?\s+)?mod\s+{m}\b|\buse\s[^;]*(\bas\s+{m}|::{m})\s*[;,}}]"
        rf"|\b(fn|struct|enum|type|static|const|trait|crate\s+\w+\s+as)\s+{m}\b",
        code,
        re.MULTILINE,
    )
    if taken is None:
        return ""
    return (
        f"{rel}:{line_of(code, taken.start())}: the name {module} is taken here; declare the "
        "generated module by hand, or give it another name (codegen.rust_module)"
    )


def read_text(dest: Path, rel: str) -> str | None:
    try:
        raw = read_inside(dest, rel)
    except (UsageError, OSError):
        raw = None
    return raw.decode("utf-8", "replace") if raw is not None else None


_PROVIDER = re.compile(
    r"\b(set_tracer_provider|SdkTracerProvider::builder|TracerProvider::builder|"
    r"tracing_opentelemetry::(layer|OpenTelemetryLayer)|opentelemetry_otlp::)"
)


def _sources(dest: Path, module: str, binary: str) -> list[tuple[str, str]]:
    """The crate's own .rs files under src/ (the generated module left out), and the
    binary's file when it is elsewhere in the crate, read."""
    found: list[tuple[str, str]] = []
    rels = [p.relative_to(dest).as_posix() for p in sorted((dest / "src").rglob("*.rs"))[:500]]
    for rel in [*rels, *([binary] if binary and not binary.startswith("src/") else [])]:
        if rel.startswith(f"src/{module}/"):
            continue
        text = read_text(dest, rel)
        if text is not None:
            found.append((rel, text))
    return found


_TRACE_LAYER = (
    "it makes spans of its own next to HttpServerLayer's, and the telemetry layer exports "
    "them (as extra internal spans, at the levels your filter lets through, e.g. "
    "RUST_LOG=debug): remove it (HttpServerLayer records method, route, status and "
    "duration), or keep it for its log lines and keep its spans out of the export: "
    ".with(telemetry_layers.telemetry.with_filter(tracing_subscriber::filter::filter_fn(|m| "
    '!m.target().starts_with("tower_http")))) with tracing_subscriber::Layer in scope'
)


def rust_existing(dest: Path, module: str, binary: str = "") -> list[Step]:
    """The crate's own instrumentation, named with the way out (the team's decision)."""
    steps: list[Step] = []
    for rel, text in _sources(dest, module, binary):
        code = code_only(text)
        for match in re.finditer(r"\bTraceLayer::\w+", code):
            where = "tower-http's TraceLayer"
            steps.append(Step(rel, line_of(text, match.start()), where, _TRACE_LAYER))
        for match in _PROVIDER.finditer(code):
            steps.append(
                Step(
                    rel,
                    line_of(text, match.start()),
                    "a second tracer provider",
                    f"{match.group(0)}: the telemetry module installs the global tracer "
                    "provider and the tracing bridge itself; remove this one (and its "
                    "tracing_opentelemetry layer), or spans go out twice or to two places",
                )
            )
            break
    return steps
