"""The Go modules generated code needs, pinned, and edits of an existing go.mod.

`scaffold new` writes go.mod and go.sum from these; `scaffold add` merges the
requirements into the service's own go.mod with `merge_go_mod` (and go.sum lines with
`merge_go_sum`), never lowering a version the service already requires, and refusing
to raise one the service's own code imports (scaffold.targets.go_mod_edit).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from scaffold.errors import UsageError
from scaffold.targets import go_sums
from scaffold.targets.go_mod_directives import (
    Exclude,
    Replace,
    check_directives,
    parse_exclude,
    parse_replace,
    replace_notes,
)
from scaffold.targets.go_mod_edit import Needed, merge_requirements

GO_DIRECTIVE = "1.26.0"
# The semconv package of otel-go the generated keys come from (the newest it ships).
SEMCONV_VERSION = "1.43.0"
# The semantic conventions release the generated telemetry follows (its schema URL):
# 1.45.0, where RPC spans and call durations are stable; the keys taken from the
# 1.43.0 package are unchanged in it.
SCHEMA_VERSION = "1.45.0"
OTEL = "v1.47.0"
CONTRIB = "v0.72.0"


@dataclass(frozen=True)
class Require:
    path: str
    version: str
    indirect: bool = False


# Direct requirements of the generated package and service skeleton.
_DIRECT: tuple[Require, ...] = (
    Require("github.com/go-logr/logr", "v1.4.4"),
    Require("go.opentelemetry.io/otel", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp", OTEL),
    Require("go.opentelemetry.io/otel/exporters/stdout/stdoutmetric", OTEL),
    Require("go.opentelemetry.io/otel/exporters/stdout/stdouttrace", OTEL),
    Require("go.opentelemetry.io/otel/metric", OTEL),
    Require("go.opentelemetry.io/otel/sdk", OTEL),
    Require("go.opentelemetry.io/otel/sdk/metric", OTEL),
    Require("go.opentelemetry.io/otel/trace", OTEL),
)
GRPC_VERSION = "v1.83.2"
# The gRPC instrumentation (the `grpc` part, scaffold.targets.go_parts) is the package's
# own stats handler (grpc.go): it needs gRPC itself, no contrib module.
_DIRECT_OTELGRPC: tuple[Require, ...] = ()
# The OTLP/gRPC exporters (conventions that export over gRPC, or the `grpc` part); without
# them gRPC stays an indirect requirement (the OTLP protobuf packages import it).
_DIRECT_OTLP_GRPC: tuple[Require, ...] = (
    Require("go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc", OTEL),
    Require("google.golang.org/grpc", GRPC_VERSION),
)
_B3 = Require("go.opentelemetry.io/contrib/propagators/b3", OTEL)

# What `go mod tidy` adds for the set above (checked by tests/test_go_modules.py).
_INDIRECT: tuple[Require, ...] = (
    Require("github.com/cenkalti/backoff/v5", "v5.0.3", indirect=True),
    Require("github.com/cespare/xxhash/v2", "v2.3.0", indirect=True),
    Require("github.com/go-logr/stdr", "v1.2.2", indirect=True),
    Require("github.com/google/uuid", "v1.6.0", indirect=True),
    Require("github.com/grpc-ecosystem/grpc-gateway/v2", "v2.30.0", indirect=True),
    Require("go.opentelemetry.io/auto/sdk", "v1.2.1", indirect=True),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlptrace", "v1.47.0", indirect=True),
    Require("go.opentelemetry.io/otel/log", "v1.47.0", indirect=True),
    Require("go.opentelemetry.io/proto/otlp", "v1.11.0", indirect=True),
    Require("golang.org/x/net", "v0.59.0", indirect=True),
    Require("golang.org/x/sys", "v0.48.0", indirect=True),
    Require("golang.org/x/text", "v0.42.0", indirect=True),
    Require(
        "google.golang.org/genproto/googleapis/api",
        "v0.0.0-20260928230214-8a89bd6388cc",
        indirect=True,
    ),
    Require(
        "google.golang.org/genproto/googleapis/rpc",
        "v0.0.0-20260928230214-8a89bd6388cc",
        indirect=True,
    ),
    Require("google.golang.org/protobuf", "v1.36.12", indirect=True),
)


def direct_requires(*, b3: bool, grpc: bool = True, otlp_grpc: bool = True) -> list[Require]:
    """Every requirement for go.mod, direct ones first, sorted by path within each: what
    `go mod tidy` leaves for the package with or without the gRPC instrumentation (`grpc`),
    the OTLP/gRPC exporters (`otlp_grpc`, implied by `grpc`) and B3."""
    otlp_grpc = otlp_grpc or grpc
    optional = [
        *(_DIRECT_OTELGRPC if grpc else ()),
        *(_DIRECT_OTLP_GRPC if otlp_grpc else ()),
        *([_B3] if b3 else []),
    ]
    direct = sorted([*_DIRECT, *optional], key=lambda r: r.path)
    indirect = [*_INDIRECT]
    if not otlp_grpc:
        indirect.append(Require("google.golang.org/grpc", GRPC_VERSION, indirect=True))
    return [*direct, *sorted(indirect, key=lambda r: r.path)]


def pinned_sum(*, b3: bool, grpc: bool = True, otlp_grpc: bool = True) -> str:
    """The pinned go.sum lines `go mod tidy` keeps for these requirements: the runtime's
    go.sum (every part, B3 included) without the modules the service does not require."""
    from scaffold.resources import runtime_root

    full = (runtime_root() / "go" / "go.sum").read_text(encoding="utf-8")
    kept = {r.path for r in direct_requires(b3=b3, grpc=grpc, otlp_grpc=otlp_grpc)}
    optional = (*_DIRECT_OTELGRPC, *_DIRECT_OTLP_GRPC, _B3)
    dropped = {r.path for r in optional} - kept
    lines = [line for line in full.splitlines() if line.split(" ", 1)[0] not in dropped]
    return "\n".join(lines) + "\n"


# Module paths as `go mod init` (Go 1.26) accepts them: golang.org/x/mod/module's import
# path rules (elements of ASCII letters, digits and + - . _ ~; none only dots, none ending
# in a dot; no Windows reserved names or short names) and the major version suffix rules.
# A first element with a dot need not be a fetchable domain: `Example.com/x` and
# `exa_mple.com/x` are valid module paths, only not fetchable ones.
_ELEMENT_CHARS = frozenset(string.ascii_letters + string.digits + "+-._~")
_WINDOWS_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in range(1, 10)]
    + [f"LPT{n}" for n in range(1, 10)]
)
_SHORT_NAME = re.compile(r"~[0-9]+$")


def _element_problem(elem: str) -> str:
    """Why one slash-separated element is not allowed in a module path ('' when it is)."""
    if not elem:
        return "it has an empty element (a leading, trailing or double slash)"
    if set(elem) == {"."}:
        return f"element {elem!r} is only dots"
    if elem.endswith("."):
        return f"element {elem!r} ends with a dot"
    bad = sorted(set(elem) - _ELEMENT_CHARS)
    if bad:
        return f"element {elem!r} holds {bad[0]!r} (allowed: letters, digits and + - . _ ~)"
    short = elem.split(".", 1)[0]
    if short.upper() in _WINDOWS_NAMES:
        return f"element {elem!r} is a reserved file name on Windows"
    if _SHORT_NAME.search(short):
        return f"element {elem!r} ends like a Windows short name (~ and digits)"
    return ""


def _major_problem(path: str) -> str:
    """Why the major version suffix (/vN, or .vN for gopkg.in) is not allowed ('' if it is)."""
    if path.startswith("gopkg.in/"):
        if not re.search(r"\.v(0|[1-9][0-9]*)(-unstable)?$", path):
            return "a gopkg.in path ends in .vN (e.g. gopkg.in/yaml.v3)"
        return ""
    last = path.rsplit("/", 1)[-1]
    if (
        "/" in path
        and re.fullmatch(r"v[0-9.]+", last)
        and not re.fullmatch(r"v[2-9][0-9]*|v[1-9][0-9]+", last)
    ):
        return f"major version suffix /{last} must be /v2 or higher, without dots or a leading 0"
    return ""


def module_path_problem(path: str) -> str:
    """Why `path` is not a valid Go module path, or '' when it is."""
    if not path:
        return "it is empty"
    if path.startswith("-"):
        return "it starts with a dash"
    for elem in path.split("/"):
        problem = _element_problem(elem)
        if problem:
            return problem
    return _major_problem(path)


def check_module_path(path: str) -> str:
    """`path` if it is a valid Go module path, else UsageError saying why."""
    problem = module_path_problem(path)
    if problem:
        raise UsageError(
            f"{path!r} is not a valid Go module path: {problem} "
            "(e.g. example.com/acme/payments, or a local name such as payments)"
        )
    return path


_HEAD_VERBS = ("module", "go", "toolchain", "godebug", "require")
_VERBS = frozenset((*_HEAD_VERBS, "exclude", "replace", "retract", "tool", "ignore"))


@dataclass(frozen=True)
class GoMod:
    """What scaffold reads from a go.mod: the module path and where things are (0-based lines)."""

    module: str
    module_line: int
    go_version: str = ""
    go_line: int = -1
    requires: dict[str, tuple[str, int]] = field(default_factory=dict)
    excludes: tuple[Exclude, ...] = ()
    replaces: tuple[Replace, ...] = ()


def _quoted(line: str, start: int, where: str) -> tuple[str, int]:
    """The Go string literal at `start` ("..." or `...`) unquoted, and the index after it."""
    quote, index = line[start], start + 1
    while index < len(line) and line[index] != quote:
        index += 2 if quote == '"' and line[index] == "\\" else 1
    if index >= len(line):
        raise UsageError(f"{where}: unterminated quoted string; close the {quote}")
    text = line[start + 1 : index]
    if quote == '"':
        text = re.sub(r"\\(.)", r"\1", text)
    return text, index + 1


def _tokens(line: str, where: str) -> list[str]:
    """The words of one go.mod line: quoted strings unquoted, `//` comments dropped."""
    tokens: list[str] = []
    index = 0
    while index < len(line):
        if line[index].isspace():
            index += 1
        elif line.startswith("//", index):
            break
        elif line[index] in '"`':
            token, index = _quoted(line, index, where)
            tokens.append(token)
        else:
            end = index
            while end < len(line) and not line[end].isspace() and not line.startswith("//", end):
                end += 1
            tokens.append(line[index:end])
            index = end
    return tokens


@dataclass
class _GoModParser:
    name: str
    module: str | None = None
    module_line: int = -1
    go_version: str = ""
    go_line: int = -1
    requires: dict[str, tuple[str, int]] = field(default_factory=dict)
    excludes: list[Exclude] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)

    def entry(self, verb: str, args: list[str], index: int) -> None:
        where = f"{self.name}:{index + 1}"
        if verb == "module":
            if self.module is not None:
                raise UsageError(f"{where}: a second module line; a go.mod names one module")
            if len(args) != 1:
                raise UsageError(f"{where}: write the module line as `module <path>`")
            problem = module_path_problem(args[0])
            if problem:
                raise UsageError(f"{where}: {args[0]!r} is not a valid Go module path: {problem}")
            self.module, self.module_line = args[0], index
        elif verb == "go":
            if len(args) != 1:
                raise UsageError(f"{where}: write the go line as `go <version>`, e.g. go 1.22")
            self.go_version, self.go_line = args[0], index
        elif verb == "require":
            if len(args) != 2:
                raise UsageError(f"{where}: a requirement is `<module path> <version>`")
            self.requires[args[0]] = (args[1], index)
        elif verb == "exclude":
            self.excludes.append(parse_exclude(args, index, where))
        elif verb == "replace":
            self.replaces.append(parse_replace(args, index, where))

    def parse(self, text: str) -> GoMod:
        block, opened = "", 0
        for index, raw in enumerate(text.splitlines()):
            tokens = _tokens(raw, f"{self.name}:{index + 1}")
            if not tokens:
                continue
            if block:
                if tokens == [")"]:
                    block = ""
                else:
                    self.entry(block, tokens, index)
                continue
            verb, args = tokens[0], tokens[1:]
            if verb not in _VERBS:
                raise UsageError(
                    f"{self.name}:{index + 1}: unknown directive {verb!r}; "
                    "is this a go.mod? (`go mod edit -fmt` shows what go makes of it)"
                )
            if args == ["("]:
                block, opened = verb, index + 1
            else:
                self.entry(verb, args, index)
        if block:
            raise UsageError(f"{self.name}:{opened}: the `{block} (` block is never closed")
        if self.module is None:
            raise UsageError(f"{self.name}: no module line; run `go mod init <module path>`")
        return GoMod(
            self.module,
            self.module_line,
            self.go_version,
            self.go_line,
            self.requires,
            tuple(self.excludes),
            tuple(self.replaces),
        )


def parse_go_mod(text: str, name: str = "go.mod") -> GoMod:
    """Read a go.mod (the one parser of it here, refused over 1 MiB as a Cargo.toml is),
    or UsageError naming the file and line."""
    if len(text) > 1 << 20 and len(text.encode("utf-8", "replace")) > 1 << 20:
        raise UsageError(
            f"{name}: over the 1024 KiB scaffold reads in a go.mod; give --dir the module's "
            "own folder, or put back its go.mod from version control"
        )
    return _GoModParser(name).parse(text)


def read_module_path(go_mod: str, name: str = "go.mod") -> str:
    """The module path declared by a go.mod, or UsageError."""
    return parse_go_mod(go_mod, name).module


def merge_go_mod(go_mod: str, requires: list[Require], name: str = "go.mod") -> str:
    """`go_mod` with every requirement present at least at its pinned version, in
    `go mod tidy` form where the file allows (see scaffold.targets.go_mod_edit)."""
    return merge_go_mod_notes(go_mod, requires, name)[0]


def merge_go_mod_notes(
    go_mod: str, requires: list[Require], name: str = "go.mod"
) -> tuple[str, list[str]]:
    """`merge_go_mod`, and the changes to announce (go directive, toolchain line).
    UsageError when an exclude or replace directive takes away a version the generated
    code needs (scaffold.targets.go_mod_directives)."""
    mod = parse_go_mod(go_mod, name)  # refuses what the go command would not read
    needed = [Needed(r.path, r.version, r.indirect) for r in requires]
    text, notes = merge_requirements(go_mod, needed, GO_DIRECTIVE, name)
    final = _versions(parse_go_mod(text, name))
    ours = {r.path: r.version for r in requires}
    check_directives(mod.excludes, mod.replaces, ours, final, name)
    return text, notes


def _versions(mod: GoMod) -> dict[str, str]:
    return {path: version for path, (version, _) in mod.requires.items()}


@dataclass(frozen=True)
class GoModEdit:
    """go.mod and go.sum after `add`, and what to tell the team about the change."""

    go_mod: str
    go_sum: str
    notes: tuple[str, ...] = ()


def merge_go_sum(go_sum: str, pinned: str) -> str:
    """The union of two go.sum files' lines, sorted as the go command writes them."""
    return go_sums.union(go_sum, pinned)


def add_requirements(
    go_mod: str,
    go_sum: str,
    *,
    b3: bool,
    grpc: bool = True,
    otlp_grpc: bool = True,
    name: str = "go.mod",
) -> GoModEdit:
    """go.mod and go.sum of an existing module after `scaffold add --lang go`: the pinned
    requirements merged into go.mod, go.sum as scaffold.targets.go_sums makes it."""
    needs = {"b3": b3, "grpc": grpc, "otlp_grpc": otlp_grpc}
    requires = direct_requires(**needs)
    text, notes = merge_go_mod_notes(go_mod, requires, name)
    mod, final = parse_go_mod(go_mod, name), _versions(parse_go_mod(text, name))
    ours = {r.path: r.version for r in requires}
    directives = bool(mod.excludes or mod.replaces)
    sums = go_sums.SumInputs(go_sum, pinned_sum(**needs), ours, final, directives)
    summed, sum_notes = go_sums.go_sum_after_add(sums, name)
    notes += replace_notes(mod.replaces, ours, final, summed, name) + sum_notes
    return GoModEdit(text, summed, tuple(notes))
