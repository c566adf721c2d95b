"""The edits that attach the `grpc` part to a service's own gRPC servers and clients:
what `add` prints when the part is rendered (found in the project's dependencies or
named with `--with grpc`). The generated code holds the server and client
instrumentation; nothing records a call until the service's server and channels go
through it. Names follow the generated code (Go: grpc.go; Rust: rpc.rs)."""

from __future__ import annotations

from scaffold.render import RenderOptions
from scaffold.targets.service_parts import parts_of


def _rust(module: str) -> list[str]:
    rpc = f"crate::{module}::rpc"
    return [
        "gRPC server (where the tonic server is built, e.g. src/main.rs): add the layer "
        "before the services:\n"
        f"  tonic::transport::Server::builder()\n"
        f"      .layer({rpc}::GrpcServerLayer::new()\n"
        '          .with_methods(["acme.orders.v1.Orders/Get", ...]))\n'
        "      .add_service(...)\n"
        "  (list every method the server serves: without the list each call is recorded "
        "as rpc.method _OTHER)",
        "gRPC client (where a tonic Channel is made): wrap the channel, then make the "
        "client from the wrapped one:\n"
        "  let channel = tower::ServiceBuilder::new()\n"
        f'      .layer({rpc}::GrpcClientLayer::new().with_target("http://orders:50051"))\n'
        "      .service(channel);\n"
        "  let client = OrdersClient::new(channel);",
    ]


def _go(import_path: str, package: str) -> list[str]:
    return [
        f'gRPC server (where grpc.NewServer is called): import "{import_path}", then\n'
        f"  srv := {package}.NewGRPCServer(nil, ...)\n"
        "  (it learns the methods registered on it and records unknown ones too; or\n"
        f"  srv := grpc.NewServer({package}.GRPCServerOption({package}.WithGRPCMethods("
        f'"acme.orders.v1.Orders/Get", ...)), {package}.GRPCUnknownServiceHandler(), ...)\n'
        "  where, without the list, each call is recorded as rpc.method _OTHER)",
        "gRPC client (where grpc.NewClient is called):\n"
        f"  conn, err := grpc.NewClient(target, {package}.GRPCDialOption("
        f"{package}.WithGRPCTarget(target)), ...)\n"
        f"  (or conn, err := {package}.NewGRPCClient(target, nil, ...))",
    ]


def grpc_steps(opts: RenderOptions, *, package: str, module: str) -> tuple[str, ...]:
    """The edits left to attach the gRPC part, one note each, in the form `add` prints
    them ('gRPC ...: ' then the code); none without the part. `package` is the Go
    package name, `module` the Rust module name (the conventions')."""
    if "grpc" not in parts_of(opts) or opts.mode != "add" or opts.library:
        return ()
    if opts.target == "rust":
        steps = _rust(module)
    else:
        steps = _go(f"{opts.module_path}/internal/{package}", package)
    return tuple(f"next: {step}" for step in steps)
