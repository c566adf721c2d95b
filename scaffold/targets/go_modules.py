"""The Go modules generated code needs, pinned, and edits of an existing go.mod.

`scaffold new` writes go.mod and go.sum from these; `scaffold add` merges the
requirements into the service's own go.mod with `merge_go_mod` (and go.sum lines with
`merge_go_sum`), never lowering a version the service already requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffold.errors import UsageError

GO_DIRECTIVE = "1.26.0"
SEMCONV_VERSION = "1.43.0"
OTEL = "v1.47.0"
CONTRIB = "v0.72.0"


@dataclass(frozen=True)
class Require:
    path: str
    version: str
    indirect: bool = False


# Direct requirements of the generated package and service skeleton.
_DIRECT: tuple[Require, ...] = (
    Require("go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", CONTRIB),
    Require("go.opentelemetry.io/otel", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc", OTEL),
    Require("go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp", OTEL),
    Require("go.opentelemetry.io/otel/exporters/stdout/stdoutmetric", OTEL),
    Require("go.opentelemetry.io/otel/exporters/stdout/stdouttrace", OTEL),
    Require("go.opentelemetry.io/otel/metric", OTEL),
    Require("go.opentelemetry.io/otel/sdk", OTEL),
    Require("go.opentelemetry.io/otel/sdk/metric", OTEL),
    Require("go.opentelemetry.io/otel/trace", OTEL),
    Require("google.golang.org/grpc", "v1.83.2"),
)
_B3 = Require("go.opentelemetry.io/contrib/propagators/b3", OTEL)

# What `go mod tidy` adds for the set above (checked by tests/test_go_modules.py).
_INDIRECT: tuple[Require, ...] = (
    Require("github.com/cenkalti/backoff/v5", "v5.0.3", indirect=True),
    Require("github.com/cespare/xxhash/v2", "v2.3.0", indirect=True),
    Require("github.com/go-logr/logr", "v1.4.4", indirect=True),
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


def direct_requires(*, b3: bool) -> list[Require]:
    """Every requirement for go.mod, direct ones first, sorted by path within each."""
    direct = sorted([*_DIRECT, *([_B3] if b3 else [])], key=lambda r: r.path)
    return [*direct, *sorted(_INDIRECT, key=lambda r: r.path)]


_MODULE_LINE = re.compile(r"^module\s+(\S+)\s*$", re.M)
_GO_LINE = re.compile(r"^go\s+(\S+)\s*$", re.M)
_SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.\-]+))?(?:\+[0-9A-Za-z.\-]+)?$")


def read_module_path(go_mod: str) -> str:
    """The module path declared by a go.mod, or UsageError."""
    match = _MODULE_LINE.search(go_mod)
    if not match:
        raise UsageError("go.mod has no module line")
    return match.group(1).strip('"')


def _version_key(version: str) -> tuple[int, int, int, int, str]:
    match = _SEMVER.match(version)
    if not match:
        raise UsageError(f"{version!r} is not a Go module version")
    major, minor, patch, pre = match.groups()
    # A release sorts after every pre-release of the same version.
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def _go_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def _requirements(go_mod: str) -> dict[str, tuple[str, int]]:
    """Module path -> (version, line index) of every require in go.mod."""
    found: dict[str, tuple[str, int]] = {}
    in_block = False
    for index, raw in enumerate(go_mod.splitlines()):
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
            elif line:
                parts = line.split()
                if len(parts) >= 2:
                    found[parts[0]] = (parts[1], index)
        elif line.startswith("require"):
            rest = line[len("require") :].strip()
            if rest == "(":
                in_block = True
            elif rest:
                parts = rest.split()
                if len(parts) >= 2:
                    found[parts[0]] = (parts[1], index)
    return found


def merge_go_mod(go_mod: str, requires: list[Require]) -> str:
    """`go_mod` with every requirement present at least at its pinned version.

    Versions the service already requires that are newer stay; older ones are raised in
    place; missing ones are added in a new require block. The go directive is raised to
    GO_DIRECTIVE when lower. Everything else in the file is kept as written.
    """
    read_module_path(go_mod)
    lines = go_mod.splitlines()
    present = _requirements(go_mod)
    missing: list[Require] = []
    for req in requires:
        have = present.get(req.path)
        if have is None:
            missing.append(req)
        elif _version_key(have[0]) < _version_key(req.version):
            index = have[1]
            lines[index] = lines[index].replace(have[0], req.version, 1)
    text = "\n".join(lines) + "\n"
    go_line = _GO_LINE.search(text)
    if go_line is None:
        module_end = _MODULE_LINE.search(text)
        assert module_end is not None
        text = text[: module_end.end()] + f"\n\ngo {GO_DIRECTIVE}" + text[module_end.end() :]
    elif _go_key(go_line.group(1)) < _go_key(GO_DIRECTIVE):
        text = text[: go_line.start()] + f"go {GO_DIRECTIVE}" + text[go_line.end() :]
    if missing:
        block = ["", "require ("]
        for req in missing:
            block.append(f"\t{req.path} {req.version}" + (" // indirect" if req.indirect else ""))
        block.append(")")
        text = text.rstrip("\n") + "\n" + "\n".join(block) + "\n"
    return text


def merge_go_sum(go_sum: str, pinned: str) -> str:
    """The union of two go.sum files' lines, sorted as the go command writes them."""
    lines = {line for line in (go_sum + "\n" + pinned).splitlines() if line.strip()}
    return "\n".join(sorted(lines)) + "\n"


def add_requirements(go_mod: str, go_sum: str, *, b3: bool) -> tuple[str, str]:
    """go.mod and go.sum of an existing module after `scaffold add --lang go`: the pinned
    requirements merged into go.mod, the pinned checksums merged into go.sum."""
    from scaffold.resources import runtime_root

    pinned_sum = (runtime_root() / "go" / "go.sum").read_text(encoding="utf-8")
    return merge_go_mod(go_mod, direct_requires(b3=b3)), merge_go_sum(go_sum, pinned_sum)
