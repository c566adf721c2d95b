"""`scaffold add --with PART` on a service added before (review of issue 14): another
`--lang` than the service's is refused, a service on the organisation's library (--lib)
is refused (the library has every part), and the gRPC part comes with the exact edits that
attach it to the service's own servers and clients, in names the generated code has."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, build_file_tree
from tests.library.conventions import base_text, write

CONV = ["-c", str(DEFAULT_CONVENTIONS)]
PACKAGE = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n'


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _crate(tmp_path: Path, cli: Callable[..., CliResult]) -> Path:
    crate = tmp_path / "api"
    build_file_tree(crate, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    assert cli("add", "--lang", "rust", "--dir", str(crate), *CONV).code == 0
    assert not (crate / "src" / "telemetry" / "rpc.rs").exists()
    return crate


def test_with_and_another_lang_is_refused_naming_the_services_language(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _crate(tmp_path, cli)
    before = tree(crate)
    result = cli("add", "--lang", "go", "--with", "grpc", "--dir", str(crate), *CONV)
    assert result.code == 2 and "Traceback" not in result.err
    assert "--lang go:" in result.err and "is a rust service" in result.err
    assert "scaffold add --lang rust --with" in result.err
    assert tree(crate) == before


def test_with_grpc_prints_the_edits_that_attach_the_layers(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = _crate(tmp_path, cli)
    result = cli("add", "--lang", "rust", "--with", "grpc", "--dir", str(crate), *CONV, "--json")
    assert result.code == 0, result.err
    notes = "\n".join(json.loads(result.out)["notes"])
    assert ".layer(crate::telemetry::rpc::GrpcServerLayer::new()\n" in notes
    assert '.with_methods(["acme.orders.v1.Orders/Get", ...]))' in notes
    assert "crate::telemetry::rpc::GrpcClientLayer::new().with_target(" in notes
    rpc = (crate / "src" / "telemetry" / "rpc.rs").read_text(encoding="utf-8")
    assert "pub struct GrpcServerLayer" in rpc and "pub struct GrpcClientLayer" in rpc
    assert re.search(r"pub fn new\(\) -> Self", rpc) and "pub fn with_target(" in rpc
    mod = (crate / "src" / "telemetry" / "mod.rs").read_text(encoding="utf-8")
    assert "pub mod rpc;" in mod


def test_with_grpc_in_a_go_module_prints_the_server_and_client_options(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    module = tmp_path / "svc"
    build_file_tree(module, {"go.mod": "module example.com/svc\n\ngo 1.24\n"})
    assert cli("add", "--lang", "go", "--dir", str(module), *CONV).code == 0
    result = cli("add", "--lang", "go", "--with", "grpc", "--dir", str(module), *CONV)
    assert result.code == 0, result.err
    assert 'import "example.com/svc/internal/telemetry"' in result.out
    assert "srv := telemetry.NewGRPCServer(nil, ...)" in result.out
    assert "grpc.NewServer(telemetry.GRPCServerOption(telemetry.WithGRPCMethods(" in result.out
    assert "telemetry.GRPCDialOption(telemetry.WithGRPCTarget(target))" in result.out
    code = (module / "internal" / "telemetry" / "grpc.go").read_text(encoding="utf-8")
    for name in ("GRPCServerOption(", "GRPCUnknownServiceHandler(", "GRPCDialOption(",
                 "WithGRPCTarget(", "NewGRPCServer(", "NewGRPCClient("):  # fmt: skip
        assert f"func {name}" in code


def test_with_on_a_service_on_the_library_is_refused(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    conv = write(tmp_path / "observability.yaml", base_text())
    lib = tmp_path / "lib"
    made = cli("lib", "--lang", "rust", "--name", "acme-telemetry", "--dir", str(lib), "-c", str(conv))  # fmt: skip
    assert made.code == 0, made.err
    crate = tmp_path / "api"
    build_file_tree(crate, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    added = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(conv),
                "--lib", "acme-telemetry", "--lib-path", str(lib))  # fmt: skip
    assert added.code == 0, added.err
    before = tree(crate)
    result = cli("add", "--lang", "rust", "--with", "grpc", "--dir", str(crate), "-c", str(conv))
    assert result.code == 2 and "Traceback" not in result.err
    assert "depends on the organisation's library acme-telemetry" in result.err
    assert "nothing was written" in result.err
    assert tree(crate) == before


def test_add_of_a_crate_on_tonic_prints_the_grpc_edits_too(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    crate = tmp_path / "api"
    cargo = PACKAGE + '\n[dependencies]\ntonic = "0.14"\n'
    build_file_tree(crate, {"Cargo.toml": cargo, "src/main.rs": "fn main() {}\n"})
    result = cli("add", "--lang", "rust", "--dir", str(crate), *CONV)
    assert result.code == 0, result.err
    assert ".layer(crate::telemetry::rpc::GrpcServerLayer::new()\n" in result.out
    assert (crate / "src" / "telemetry" / "rpc.rs").is_file()
    plain = tmp_path / "plain"
    build_file_tree(plain, {"Cargo.toml": PACKAGE, "src/main.rs": "fn main() {}\n"})
    quiet = cli("add", "--lang", "rust", "--dir", str(plain), *CONV)
    assert quiet.code == 0 and "GrpcServerLayer" not in quiet.out
