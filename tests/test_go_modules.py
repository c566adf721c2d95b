"""Module paths, the pinned requirements, and `scaffold add` into an existing Go module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.targets import go as go_target
from scaffold.targets.go_modules import (
    GO_DIRECTIVE,
    add_requirements,
    check_module_path,
    direct_requires,
    merge_go_mod,
    merge_go_mod_notes,
    merge_go_sum,
    parse_go_mod,
    pinned_sum,
    read_module_path,
)
from tests.go.gotools import GO, assert_ok, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "path",
    [
        "example.com/payments",
        "github.com/acme/svc-1",
        "acme.io/a/b_c/v2",
        "payments",
        "foo_bar",  # go mod init foo_bar: a local module, no dot in the first element
        "Acme_Tools/Orders",  # local: letters of either case
        "example.com/a~b/c.d_e-f",
        "example.com/x/v10",
        "gopkg.in/yaml.v3",
        # What go mod init (Go 1.26) accepts although no proxy could serve it:
        "Example.com/x",
        "exa_mple.com/x",
        "example.com/.hidden",
        ".x",
        "a..b",
        "c++",
        "foo+bar/x",
    ],
)
def test_module_path_accepted(path: str) -> None:
    assert check_module_path(path) == path


def test_the_go_target_uses_the_one_validator() -> None:
    assert go_target.check_module_path is check_module_path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "../escape",
        "example.com/../x",
        "/abs/path",
        "https://example.com/x",
        "a//b",
        "example.com/x/",
        'a"b',
        "a b",
        "a\\b",
        "-x/y",
        "example.com/x.",
        "example.com/...",
        "example.com/x/v1",
        "example.com/x/v02",
        "example.com/x/v2.1",
        "gopkg.in/yaml",
        "example.com/con/x",
        "example.com/LPT1.txt",
        "example.com/progra~1",
        "caf\u00e9",
    ],
)
def test_module_path_refused(path: str) -> None:
    """Each of these is refused by `go mod init` too (tests/test_adopt_fixtures.py asks it)."""
    with pytest.raises(UsageError, match="is not a valid Go module path: "):
        check_module_path(path)


def test_read_module_path() -> None:
    assert read_module_path("// c\nmodule example.com/x\n\ngo 1.22\n") == "example.com/x"
    assert read_module_path('module "example.com/x" // the service\n') == "example.com/x"
    assert read_module_path("module `example.com/x`\n") == "example.com/x"
    assert read_module_path("module example.com/x// no space\n") == "example.com/x"
    assert read_module_path("module (\n\texample.com/x\n)\n") == "example.com/x"
    with pytest.raises(UsageError):
        read_module_path("go 1.22\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("module a\nmodule b\n", "go.mod:2: a second module line"),
        ("module a b\n", "go.mod:1: write the module line as `module <path>`"),
        ('module "a\n', "go.mod:1: unterminated quoted string"),
        ("module a\n\nrequire (\n\tb v1.0.0\n", "go.mod:3: the `require (` block is never closed"),
        ("module a\nrequire b\n", "go.mod:2: a requirement is `<module path> <version>`"),
        ("module a\nmodul b\n", "go.mod:2: unknown directive 'modul'"),
        ("module ../a\n", "go.mod:1: '../a' is not a valid Go module path"),
    ],
)
def test_parse_go_mod_names_the_line(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_go_mod(text)
    assert message in str(caught.value)


def test_parse_go_mod_reads_requires_and_the_go_line() -> None:
    parsed = parse_go_mod(
        'module "x"\n\ngo 1.22 // old\nrequire (\n\ta v1.0.0 // indirect\n)\nrequire b v2.0.0\n'
    )
    assert (parsed.module, parsed.module_line, parsed.go_version, parsed.go_line) == (
        "x",
        0,
        "1.22",
        2,
    )
    assert parsed.requires == {"a": ("v1.0.0", 4), "b": ("v2.0.0", 6)}
    merged = merge_go_mod(
        'module "x" // c\n\ngo 1.22 // old\n', direct_requires(b3=False), name="svc/go.mod"
    )
    assert merged.startswith(f'module "x" // c\n\ngo {GO_DIRECTIVE} // old\n')


def test_a_bad_version_names_file_and_line() -> None:
    with pytest.raises(
        UsageError, match=re.escape("svc/go.mod:2: 'latest' is not a Go module version")
    ):
        merge_go_mod(
            "module x\nrequire go.opentelemetry.io/otel latest\n",
            direct_requires(b3=False),
            "svc/go.mod",
        )


def test_merge_go_mod_refuses_an_older_module_the_code_imports() -> None:
    before = (
        "module example.com/existing\n\ngo 1.22\n\n"
        "require (\n"
        "\tgo.opentelemetry.io/otel v1.20.0\n"
        "\tgithub.com/other/lib v1.0.0\n"
        ")\n"
        "require google.golang.org/grpc v1.50.0\n"
    )
    with pytest.raises(UsageError) as caught:
        merge_go_mod(before, direct_requires(b3=False), "svc/go.mod")
    message = str(caught.value)
    assert "svc/go.mod:6: go.opentelemetry.io/otel v1.20.0 found, v1.47.0 needed" in message
    assert "svc/go.mod:9: google.golang.org/grpc v1.50.0 found, v1.83.2 needed" in message
    assert "go get go.opentelemetry.io/otel@v1.47.0 google.golang.org/grpc@v1.83.2" in message


def test_merge_go_mod_adds_raises_indirect_and_keeps_newer() -> None:
    before = (
        "module example.com/existing\n\ngo 1.22\n\n"
        "require (\n"
        "\tgo.opentelemetry.io/otel/trace v9.0.0\n"
        "\tgithub.com/other/lib v1.0.0\n"
        ")\n\n"
        "require (\n"
        "\tgolang.org/x/net v0.1.0 // indirect\n"
        "\tgo.opentelemetry.io/otel/metric v1.47.0 // indirect\n"
        ")\n"
    )
    after, notes = merge_go_mod_notes(before, direct_requires(b3=False), "svc/go.mod")
    assert f"go {GO_DIRECTIVE}\n" in after
    assert notes == [
        "svc/go.mod:11: golang.org/x/net upgraded v0.1.0 => v0.59.0 (the generated code "
        "needs it)",
        f"svc/go.mod:3: go directive raised from 1.22 to {GO_DIRECTIVE} (the generated code's "
        f"requirements need it; Go older than {GO_DIRECTIVE} cannot build the module any more)",
    ]
    assert "\tgo.opentelemetry.io/otel/trace v9.0.0\n" in after  # a newer one stays
    assert "\tgithub.com/other/lib v1.0.0\n" in after
    assert "\tgolang.org/x/net v0.59.0 // indirect\n" in after  # raised, as tidy would
    assert "\tgo.opentelemetry.io/otel/metric v1.47.0\n" in after  # imported now: direct
    assert after.count("require (") == 2 and after.count("go.opentelemetry.io/otel v") == 1
    direct = after.split("require (\n")[1].split(")")[0].splitlines()
    assert direct == sorted(direct) and not any("indirect" in line for line in direct)
    # Merging twice changes nothing more, and says nothing.
    assert merge_go_mod_notes(after, direct_requires(b3=False)) == (after, [])


def test_a_commented_go_mod_is_edited_in_place() -> None:
    before = (
        "module example.com/existing\n\ngo 1.25\ntoolchain go1.25.1\n\n"
        "// pinned for the billing API\n"
        "require github.com/other/lib v1.0.0\n"
        "require golang.org/x/net v0.1.0 // indirect; keep\n"
    )
    after, notes = merge_go_mod_notes(before, direct_requires(b3=False), "go.mod")
    assert after.startswith(
        "module example.com/existing\n\ngo 1.26.0\n\n"
        "// pinned for the billing API\n"
        "require github.com/other/lib v1.0.0\n"
        "require golang.org/x/net v0.59.0 // indirect; keep\n\nrequire (\n"
    )
    assert len(notes) == 3 and notes[0].startswith("go.mod:8: golang.org/x/net upgraded v0.1.0")
    assert notes[1].startswith("go.mod:3: go directive raised from 1.25 to")
    assert notes[2:] == [
        "go.mod:4: toolchain go1.25.1 removed: the go line now names 1.26.0, so the line "
        "says nothing more, and `go mod tidy` drops it"
    ]


def test_merge_go_mod_keeps_a_newer_go_directive() -> None:
    text = "module example.com/x\n\ngo 1.99.0\n"
    assert "go 1.99.0\n" in merge_go_mod(text, [])


def test_merge_go_sum_is_a_sorted_union() -> None:
    merged = merge_go_sum("b h1:x=\na h1:y=\n", "a h1:y=\nc h1:z=\n")
    assert merged == "a h1:y=\nb h1:x=\nc h1:z=\n"


def test_rendered_requirements_match_the_pins(tmp_path: Path) -> None:
    files = render_service(ROOT / "conventions" / "observability.yaml", tmp_path)
    for req in direct_requires(b3=False):
        assert f"\t{req.path} {req.version}" in files["go.mod"]
    assert "propagators/b3" not in files["go.mod"]


def test_add_mode_renders_only_the_package(tmp_path: Path) -> None:
    files = render_service(ROOT / "conventions" / "observability.yaml", tmp_path, mode="add")
    assert files
    assert all(p.startswith("internal/telemetry/") for p in files), sorted(files)


@needs_go
@pytest.mark.toolchain
def test_add_into_an_existing_module_builds(tmp_path: Path) -> None:
    """An existing module with its own code and an older go directive gets the package;
    after merging go.mod and go.sum it builds, vets and passes the package's tests."""
    (tmp_path / "go.mod").write_text("module example.com/legacy/orders\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport (\n\t"net/http"\n\n'
        '\t"example.com/legacy/orders/internal/telemetry"\n)\n\n'
        'func main() {\n\t_ = http.ListenAndServe("127.0.0.1:0", '
        "telemetry.NewHandler(http.NewServeMux()))\n}\n"
    )
    module = read_module_path((tmp_path / "go.mod").read_text())
    render_service(ROOT / "conventions" / "observability.yaml", tmp_path, module=module, mode="add")
    edit = add_requirements((tmp_path / "go.mod").read_text(), "", b3=False)
    go_mod, go_sum = edit.go_mod, edit.go_sum
    (tmp_path / "go.mod").write_text(go_mod)
    (tmp_path / "go.sum").write_text(go_sum)
    assert go_sum == merge_go_sum("", pinned_sum(b3=False))
    assert "propagators/b3" not in go_sum  # the conventions do not use B3
    assert_ok(run([str(GO), "build", "./..."], tmp_path), "go build after add")
    assert_ok(run([str(GO), "vet", "./..."], tmp_path), "go vet after add")
    assert_ok(run([str(GO), "test", "-count=1", "./..."], tmp_path), "go test after add")


HTTP_CONVENTIONS = ROOT / "tests" / "behaviour" / "observability.yaml"  # http/protobuf


@needs_go
@pytest.mark.toolchain
@pytest.mark.parametrize(
    ("conventions", "parts", "otelgrpc", "otlp_grpc"),
    [
        (HTTP_CONVENTIONS, [], False, False),
        (ROOT / "conventions" / "observability.yaml", [], False, True),
        (ROOT / "conventions" / "observability.yaml", ["grpc", "messaging", "sql"], True, True),
    ],
)
def test_add_writes_a_go_mod_and_go_sum_that_tidy_leaves_alone(
    tmp_path: Path, conventions: Path, parts: list[str], otelgrpc: bool, otlp_grpc: bool
) -> None:
    """`go mod tidy` (offline, from the module cache) changes nothing in the go.mod and
    go.sum that `scaffold add` wrote, with the optional parts or without them: direct and
    indirect requirements sit in blocks of their own, go.sum holds exactly what is needed.
    gRPC is a direct requirement only with the gRPC part or OTLP/gRPC export."""
    (tmp_path / "go.mod").write_text("module example.com/legacy/orders\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport (\n\t"net/http"\n\n'
        '\t"example.com/legacy/orders/internal/telemetry"\n)\n\n'
        'func main() {\n\t_ = http.ListenAndServe("127.0.0.1:0", '
        "telemetry.NewHandler(http.NewServeMux()))\n}\n"
    )
    files = render_service(
        conventions,
        tmp_path,
        module="example.com/legacy/orders",
        mode="add",
        extra={"parts": parts},
    )
    package = next(p.split("/")[1] for p in files if p.endswith("/doc.go"))
    assert (f"internal/{package}/grpc.go" in files) == otelgrpc
    assert (f"internal/{package}/exporter_grpc.go" in files) == otlp_grpc
    assert (f"internal/{package}/sql.go" in files) == ("sql" in parts)
    main = (tmp_path / "main.go").read_text().replace("/telemetry", f"/{package}")
    (tmp_path / "main.go").write_text(main.replace("telemetry.", f"{package}."))
    needs = {"b3": False, "grpc": otelgrpc, "otlp_grpc": otlp_grpc}
    edit = add_requirements((tmp_path / "go.mod").read_text(), "", **needs)
    (tmp_path / "go.mod").write_text(edit.go_mod)
    (tmp_path / "go.sum").write_text(edit.go_sum)
    tidy = run(
        [str(GO), "mod", "tidy"], tmp_path, env_extra={"GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    )
    assert_ok(tidy, "go mod tidy")
    assert (tmp_path / "go.mod").read_text() == edit.go_mod
    assert (tmp_path / "go.sum").read_text() == edit.go_sum
    direct = edit.go_mod.split("require (")[1]
    assert ("google.golang.org/grpc v1.83.2\n" in direct) == otlp_grpc
    # The gRPC part is the package's own stats handler: no contrib module either way.
    assert "otelgrpc" not in edit.go_mod
    assert_ok(run([str(GO), "vet", "./..."], tmp_path), "go vet")


def test_an_older_indirect_line_of_a_module_the_code_imports_is_raised_not_refused() -> None:
    """The team's code does not import a module it lists as `// indirect`: raising it is
    what `go mod tidy` does once the generated code imports it (go-logr/logr)."""
    text = (
        "module example.com/x\n\ngo 1.26.0\n\n"
        "require github.com/go-logr/logr v1.4.1 // indirect\n"
    )
    merged = merge_go_mod(text, direct_requires(b3=False, grpc=False, otlp_grpc=False))
    direct = merged.split("require (")[1].split(")")[0]
    assert "\tgithub.com/go-logr/logr v1.4.4\n" in direct
    assert "v1.4.1" not in merged
