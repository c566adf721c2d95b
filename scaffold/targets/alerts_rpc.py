"""RED recording rules for RPC servers, and their promtool expression tests.

The RPC server duration histogram (`rpc.server.call.duration`, seconds) as the
Prometheus exporter names it: `rpc_server_call_duration_seconds_bucket|_count|_sum`, with
the attributes of semantic conventions 1.45.0 that the Go and Rust renders both record:
`rpc_system_name`, `rpc_method` holding `package.Service/Method` (or `_OTHER` for a
method the service does not know), `rpc_status_code` as a name such as `INTERNAL`, and
`error_type` on failed calls. The rules group by service (`job`) and `rpc_method`, and
count a call as failed when it has an `error_type`, or (from an instrumentation that
records the status only) a gRPC status a server counts as its own failure: UNKNOWN,
DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.targets import pipeline_metrics as pm

RPC_BY = f"{pm.SERVICE}, rpc_method"
SERVER_ERROR_CODES = (
    "UNKNOWN",
    "DEADLINE_EXCEEDED",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
)


def _errors(count: str) -> str:
    names = "|".join(SERVER_ERROR_CODES)
    return (
        f'sum by ({RPC_BY}) (rate({count}{{error_type!=""}}[5m])'
        f' or rate({count}{{error_type="", rpc_status_code=~"{names}"}}[5m]))'
    )


def rpc_rules(metric: str) -> tuple[tuple[str, str], ...]:
    """(record name, expression) of the RPC server RED rules, in evaluation order."""
    count, bucket = f"{metric}_count", f"{metric}_bucket"
    prefix = f"job_rpc:{metric}"
    rules = [
        (f"{prefix}:requests_rate5m", f"sum by ({RPC_BY}) (rate({count}[5m]))"),
        (f"{prefix}:errors_rate5m", _errors(count)),
        (
            f"{prefix}:error_ratio_rate5m",
            f"({prefix}:errors_rate5m or {prefix}:requests_rate5m * 0)"
            f" / {prefix}:requests_rate5m",
        ),
    ]
    for q in ("0.5", "0.95", "0.99"):
        rules.append(
            (
                f"{prefix}:p{q[2:].ljust(2, '0')}_5m",
                f"histogram_quantile({q}, sum by ({RPC_BY}, le) (rate({bucket}[5m])))",
            )
        )
    return tuple(rules)


@dataclass(frozen=True)
class ExprCase:
    expr: str
    # (labels of the result as a selector, value)
    samples: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RpcServer:
    """One test server: its job, method labels, and calls per minute by status labels."""

    job: str
    labels: tuple[tuple[str, str], ...]
    calls: tuple[tuple[tuple[str, str], ...], ...]
    per_minute: tuple[float, ...]
    result: str  # the result's labels besides job


GO = RpcServer(
    "go-orders",
    (("rpc_system_name", "grpc"), ("rpc_method", "shop.Orders/Place")),
    (
        (("rpc_status_code", "OK"),),
        (("rpc_status_code", "INTERNAL"), ("error_type", "INTERNAL")),
        (("rpc_status_code", "NOT_FOUND"),),
    ),
    (45, 7.5, 7.5),
    'rpc_method="shop.Orders/Place"',
)
# A server whose instrumentation records the status but not error_type.
STATUS_ONLY = RpcServer(
    "rust-stock",
    (("rpc_system_name", "grpc"), ("rpc_method", "shop.Stock/Reserve")),
    (
        (("rpc_status_code", "OK"),),
        (("rpc_status_code", "UNAVAILABLE"),),
        (("rpc_status_code", "NOT_FOUND"),),
    ),
    (30, 15, 15),
    'rpc_method="shop.Stock/Reserve"',
)
HEALTHY = RpcServer(
    "go-healthy",
    (("rpc_system_name", "grpc"), ("rpc_method", "shop.Health/Check")),
    ((("rpc_status_code", "OK"),),),
    (60,),
    'rpc_method="shop.Health/Check"',
)
SERVERS = (GO, STATUS_ONLY, HEALTHY)
RPC_MINUTES = 20
RPC_EVAL = "10m"
# Bucket bounds around every call's duration. Rates, bounds and quantiles are all
# binary fractions: promtool compares samples exactly, so each must come out the same
# whatever order its sums run in.
FAST, SLOW = 0.125, 0.25


def _selector(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels))
    return f"{name}{{{inner}}}"


def rpc_series(metric: str) -> tuple[tuple[str, str], ...]:
    """Input series: every call between FAST and SLOW seconds, so the quantiles are known."""
    out = []
    for server in SERVERS:
        for status, rate in zip(server.calls, server.per_minute, strict=True):
            labels = (("job", server.job), *server.labels, *status)
            grow = f"0+{rate!r}x{RPC_MINUTES}"
            out.append((_selector(f"{metric}_count", labels), grow))
            buckets = ((repr(FAST), f"0+0x{RPC_MINUTES}"), (repr(SLOW), grow), ("+Inf", grow))
            for le, values in buckets:
                out.append((_selector(f"{metric}_bucket", (*labels, ("le", le))), values))
    return tuple(out)


def rpc_expr_cases(metric: str) -> tuple[ExprCase, ...]:
    """What each rule gives for the input: the expectations are computed here from the
    calls per minute, not read from the rules."""
    prefix = f"job_rpc:{metric}"

    def labels(server: RpcServer) -> str:
        return f'{{job="{server.job}", {server.result}}}'

    def per_second(n: float) -> str:
        return repr(n / 60)

    errors = {
        GO.job: GO.per_minute[1],
        STATUS_ONLY.job: STATUS_ONLY.per_minute[1],
        HEALTHY.job: 0.0,
    }
    cases = [
        ExprCase(
            f"{prefix}:requests_rate5m",
            tuple((labels(s), per_second(sum(s.per_minute))) for s in SERVERS),
        ),
        ExprCase(
            f"{prefix}:errors_rate5m",
            tuple((labels(s), per_second(errors[s.job])) for s in (GO, STATUS_ONLY)),
        ),
        ExprCase(
            f"{prefix}:error_ratio_rate5m",
            tuple((labels(s), repr(errors[s.job] / sum(s.per_minute))) for s in SERVERS),
        ),
    ]
    # Every call is in the (FAST, SLOW] bucket: quantile q is FAST + (SLOW - FAST) q,
    # computed as Prometheus interpolates it.
    for q, name in (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")):
        value = repr(FAST + (SLOW - FAST) * (float(q) / 1.0))
        cases.append(ExprCase(f"{prefix}:{name}_5m", tuple((labels(s), value) for s in SERVERS)))
    return tuple(cases)
