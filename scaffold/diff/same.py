"""Where a missing value has a default, the value in force on each side: a difference whose
value in force is the same (a default written out, 10s written as 10000ms) is cosmetic.

Keys are paths of observability.yaml; values read the same setting from the built model
(scaffold/conventions/build.py fills the defaults, so nothing here repeats them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaffold.conventions.model import Conventions

Read = Callable[[Conventions], Any]


def _ms(read: Callable[[Conventions], Any]) -> Read:
    return lambda c: read(c).ms


IN_FORCE: dict[tuple[str, ...], Read] = {
    ("organisation", "environment_variable"): lambda c: c.environment_variable,
    ("codegen", "go_package"): lambda c: c.go_package,
    ("codegen", "rust_module"): lambda c: c.rust_module,
    ("span_naming", "internal", "pattern"): lambda c: c.internal_span_pattern,
    ("sampling", "tail", "decision_wait"): _ms(lambda c: c.sampling.decision_wait),
    ("sampling", "tail", "num_traces"): lambda c: c.sampling.num_traces,
    ("propagation", "propagators"): lambda c: c.propagation.propagators,
    ("propagation", "baggage", "allow"): lambda c: c.propagation.baggage_allow,
    ("propagation", "baggage", "max_entries"): lambda c: c.propagation.baggage_max_entries,
    ("export", "timeout"): _ms(lambda c: c.export.timeout),
    ("export", "compression"): lambda c: c.export.compression,
    ("export", "batch", "max_export_batch_size"): lambda c: c.export.max_export_batch_size,
    ("export", "batch", "max_queue_size"): lambda c: c.export.max_queue_size,
    ("export", "batch", "schedule_delay"): _ms(lambda c: c.export.schedule_delay),
    ("export", "retry", "enabled"): lambda c: c.export.retry_enabled,
    ("export", "retry", "initial_interval"): _ms(lambda c: c.export.retry_initial_interval),
    ("export", "retry", "max_interval"): _ms(lambda c: c.export.retry_max_interval),
    ("export", "retry", "max_elapsed_time"): _ms(lambda c: c.export.retry_max_elapsed_time),
    ("export", "shutdown_timeout"): _ms(lambda c: c.export.shutdown_timeout),
    ("export", "limits", "span_attribute_value_length"): (
        lambda c: c.export.span_attribute_value_length
    ),
    ("logs", "format"): lambda c: c.logs.format,
    ("logs", "level"): lambda c: c.logs.level,
    ("logs", "fields", "trace_id"): lambda c: c.logs.trace_id_field,
    ("logs", "fields", "span_id"): lambda c: c.logs.span_id_field,
    ("logs", "fields", "trace_flags"): lambda c: c.logs.trace_flags_field,
    ("metrics", "instruments", "http_server_duration"): lambda c: c.metrics.http_server_duration,
    ("metrics", "instruments", "http_client_duration"): lambda c: c.metrics.http_client_duration,
    ("metrics", "instruments", "rpc_server_duration"): lambda c: c.metrics.rpc_server_duration,
    ("metrics", "instruments", "db_duration"): lambda c: c.metrics.db_duration,
    ("metrics", "duration_buckets"): lambda c: c.metrics.duration_buckets,
    ("metrics", "cardinality_limit"): lambda c: c.metrics.cardinality_limit,
    ("metrics", "export_interval"): _ms(lambda c: c.metrics.export_interval),
    ("privacy", "db_query_text"): lambda c: c.privacy.db_query_text,
    ("privacy", "retention", "traces"): _ms(lambda c: c.privacy.retention["traces"]),
    ("privacy", "retention", "logs"): _ms(lambda c: c.privacy.retention["logs"]),
    ("privacy", "retention", "metrics"): _ms(lambda c: c.privacy.retention["metrics"]),
    ("privacy", "hash_key_env"): lambda c: c.privacy.hash_key_env,
    ("privacy", "sensitive_query_parameters"): lambda c: c.privacy.sensitive_query_parameters,
    ("startup", "strict"): lambda c: c.startup.strict,
    ("trust", "http_server"): lambda c: c.trust.http_server,
    ("trust", "grpc_server"): lambda c: c.trust.grpc_server,
    ("trust", "trusted_proxies"): lambda c: c.trust.trusted_proxies,
    ("http", "known_methods"): lambda c: c.http.known_methods,
    ("http", "server_name"): lambda c: c.http.server_name,
    ("collector", "topology"): lambda c: c.collector.topology,
    ("collector", "gateway_endpoint"): lambda c: c.collector.gateway_endpoint,
    ("collector", "memory_limit_mib"): lambda c: c.collector.memory_limit_mib,
    ("collector", "queue", "durable"): lambda c: c.collector.queue_durable,
    ("collector", "queue", "directory"): lambda c: c.collector.queue_directory,
    ("collector", "queue", "size"): lambda c: c.collector.queue_size,
    ("incident", "kill_switch_env"): lambda c: c.incident.kill_switch_env,
    ("incident", "ratio_env"): lambda c: c.incident.ratio_env,
    ("incident", "control"): lambda c: c.incident.control,
    ("incident", "admin_path"): lambda c: c.incident.admin_path,
    ("incident", "control_file"): lambda c: c.incident.control_file,
    ("incident", "admin_address"): lambda c: c.incident.admin_address,
    ("incident", "admin_token_env"): lambda c: c.incident.admin_token_env,
}


def in_force_same(path: tuple[str, ...], old: Conventions, new: Conventions) -> bool:
    read = IN_FORCE.get(path)
    if read is None:
        return False
    try:
        return bool(read(old) == read(new))
    except (KeyError, AttributeError):
        return False
