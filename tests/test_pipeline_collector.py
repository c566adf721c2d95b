"""The rendered collector configs, checked by a real OpenTelemetry Collector built from the
rendered builder manifest (tests/pipeline/otelcol.py builds it once per manifest).

- `validate` accepts every topology rendered from the default, the large and the hostile
  conventions (and refuses a broken config, so the check has teeth);
- the single topology runs on loopback: spans sent as OTLP/HTTP JSON come out of the file
  exporter with PII dropped, hashed or kept as the conventions say;
- one agent and two gateways on loopback: spans of many traces, sent interleaved, each
  trace lands whole on one gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.pipeline import collector_options, render_pipeline
from scaffold.targets.collector import HMAC_KEY_ENV
from scaffold.targets.collector_network import LISTEN_ENV
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE
from tests.pipeline.otelcol import (
    TEST_HMAC_KEY,
    collector_binary,
    collector_env,
    loopback_override,
    needs_go,
    start,
    stop,
    wait_healthy,
)

pytestmark = [pytest.mark.toolchain, needs_go]
SOURCES = [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE]
TOPOLOGIES = ["single", "agent", "gateway"]


def _render(conventions: Path, out: Path, **options: Any) -> dict[str, Path]:
    extra = collector_options(
        options.pop("topologies", TOPOLOGIES),
        zpages=True,
        debug=True,
        file_export=str(options.pop("file_export", out / "export.json")),
        **options,
    )
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for rel, f in render_pipeline("collector", conventions, extra).files.items():
        (out / rel).write_text(f.content)
        paths[rel] = out / rel
    return paths


def _binary(rendered: dict[str, Path]) -> Path:
    return collector_binary(rendered["builder-config.yaml"].read_text())


def _gomods(manifest: str) -> set[str]:
    data = yaml.safe_load(manifest)
    kinds = ("receivers", "processors", "exporters", "extensions")
    return {m["gomod"] for kind in kinds for m in data.get(kind, [])}


def _validate(
    binary: Path, config: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), "validate", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=collector_env() if env is None else env,
    )


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_collector_validates_every_topology(conventions: Path, tmp_path: Path) -> None:
    rendered = _render(conventions, tmp_path / "full")
    started = time.monotonic()
    binary = _binary(rendered)
    print(f"collector for {conventions.name}: ready in {time.monotonic() - started:.1f}s")
    plain_extra = collector_options(TOPOLOGIES)
    plain = render_pipeline("collector", conventions, plain_extra).files
    # The plain render (no debug, zpages or file exporter) needs a subset of the components.
    full_mods = _gomods(rendered["builder-config.yaml"].read_text())
    assert _gomods(plain["builder-config.yaml"].content) <= full_mods
    (tmp_path / "plain").mkdir()
    configs = [p for name, p in rendered.items() if name.startswith("otelcol-")]
    for name, f in plain.items():
        if name.startswith("otelcol-"):
            configs.append(tmp_path / "plain" / name)
            configs[-1].write_text(f.content)
    assert len(configs) == 6
    for config in configs:
        checked = _validate(binary, config)
        assert checked.returncode == 0, f"{config}:\n{checked.stdout}\n{checked.stderr}"


OTHER_BACKENDS = """  backends:
    - name: zipkin
      type: zipkin
      endpoint: http://zipkin:9411/api/v2/spans
      signals: [traces]
    - name: jaeger
      type: jaeger
      endpoint: https://jaeger-collector:4317
      signals: [traces]
    - name: loki
      type: otlphttp
      endpoint: http://loki:3100/otlp
      signals: [logs]
"""


def test_collector_validates_the_other_backend_types_and_a_first_tier_gateway(
    tmp_path: Path,
) -> None:
    """Zipkin, Jaeger (through OTLP) and OTLP/HTTP backends, gateways without agents."""
    text = DEFAULT_CONVENTIONS.read_text()
    start = text.index("  backends:\n")
    end = text.index("  queue:\n", start)
    text = text[:start] + OTHER_BACKENDS + text[end:]
    text = text.replace("topology: agent_gateway", "topology: gateway")
    conventions = tmp_path / "observability.yaml"
    conventions.write_text(text)
    rendered = _render(conventions, tmp_path / "out", topologies=["gateway"])
    gateway = yaml.safe_load(rendered["otelcol-gateway.yaml"].read_text())
    assert {"zipkin/zipkin", "otlp_grpc/jaeger", "otlp_http/loki"} <= set(gateway["exporters"])
    assert gateway["exporters"]["otlp_grpc/jaeger"]["tls"]["insecure"] is False
    # No agent tier: the gateway is where the services' data arrives, so it redacts.
    assert "redaction/hash" in gateway["service"]["pipelines"]["traces"]["processors"]
    checked = _validate(_binary(rendered), rendered["otelcol-gateway.yaml"])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_validate_refuses_a_broken_config(tmp_path: Path) -> None:
    rendered = _render(DEFAULT_CONVENTIONS, tmp_path)
    binary = _binary(rendered)
    config = rendered["otelcol-single.yaml"]
    # Without the keyed hash's key in the environment the collector refuses to start.
    without_key = {k: v for k, v in collector_env().items() if k != HMAC_KEY_ENV}
    refused = _validate(binary, config, without_key)
    assert refused.returncode != 0 and "hmac_key" in refused.stdout + refused.stderr
    config.write_text(config.read_text().replace("limit_mib:", "limit_mb:"))
    assert _validate(binary, config).returncode != 0


def _post(port: int, body: dict[str, Any], signal: str = "traces") -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/{signal}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200


def _attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _span(trace_id: str, name: str, attrs: list[dict[str, Any]]) -> dict[str, Any]:
    now = time.time_ns()
    return {
        "traceId": trace_id,
        "spanId": secrets.token_hex(8),
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(now - 5_000_000),
        "endTimeUnixNano": str(now),
        "attributes": attrs,
        # Errors: every tail-sampling policy set keeps them.
        "status": {"code": 2},
    }


def _traces(spans: list[dict[str, Any]], service: str = "payments") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", service)]},
                "scopeSpans": [{"scope": {"name": "scaffold-test"}, "spans": spans}],
            }
        ]
    }


def _exported_spans(path: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(resource attributes, span) for every span in a file exporter's JSON lines."""
    if not path.exists():
        return
    # The exporter may be writing while we read: a last line without its newline is
    # not complete yet.
    lines = path.read_text().split("\n")[:-1]
    for line in lines:
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            resource = {a["key"]: a["value"] for a in rs["resource"].get("attributes", [])}
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    yield resource, span


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


PII_ATTRIBUTES = [
    _attr("app.user.email", "jane@example.com"),
    _attr("app.session.token", "eyJhbGciOi-secret"),
    _attr("app.tenant.id", "tenant-42"),
    _attr("url.path", "/orders/123e4567-e89b-12d3-a456-426614174000/items/42"),
]


def _run_single(conventions: Path, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Start the single topology on loopback, send one span with PII, and return the
    exported resource attributes, span attributes and the collector's own metrics text."""
    export = tmp_path / "export.json"
    rendered = _render(conventions, tmp_path, file_export=export)
    config = rendered["otelcol-single.yaml"]
    override, ports = loopback_override(yaml.safe_load(config.read_text()), tmp_path, "single")
    proc = start(_binary(rendered), [config, override], tmp_path / "single.log")
    try:
        wait_healthy(ports["health"], proc)
        trace_id = secrets.token_hex(16)
        started = time.monotonic()
        _post(ports["http"], _traces([_span(trace_id, "GET /orders/42", PII_ATTRIBUTES)]))

        def found() -> bool:
            return any(s["traceId"] == trace_id for _, s in _exported_spans(export))

        _wait_for(found, 90, "the span in the file exporter's output")
        print(f"single: span exported after {time.monotonic() - started:.1f}s")
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['metrics']}/metrics") as resp:
            metrics = resp.read().decode()
    finally:
        stop(proc)
    resource, span = next((r, s) for r, s in _exported_spans(export) if s["traceId"] == trace_id)
    values = {a["key"]: a["value"].get("stringValue") for a in span["attributes"]}
    assert "deprecated" not in (tmp_path / "single.log").read_text()  # current names only
    text = export.read_text()
    assert "eyJhbGciOi-secret" not in text and "jane@example.com" not in text
    assert "123e4567-e89b-12d3-a456-426614174000" not in text  # URL sanitised
    return resource, {**values, "span.name": span["name"]}, metrics


def test_single_collector_exports_with_pii_handled(tmp_path: Path) -> None:
    resource, values, metrics = _run_single(DEFAULT_CONVENTIONS, tmp_path)
    assert "app.session.token" not in values  # secret: drop
    assert values["app.tenant.id"] == "tenant-42"  # not personal: kept
    # pii: hashed with the collector's HMAC-SHA256, keyed from the environment.
    key = TEST_HMAC_KEY.encode()
    expected = hmac.new(key, b"jane@example.com", hashlib.sha256).hexdigest()
    assert values["app.user.email"] == expected
    assert values["url.path"] == "/orders/*/items/*"
    assert resource["service.namespace"] == {"stringValue": "acme"}  # from the conventions
    # The names the pipeline alerts and dashboards select are the ones the collector exposes.
    exposed = set(re.findall(r"^([a-z_]+)(?:\{| )", metrics, re.MULTILINE))
    selected = _alert_and_dashboard_names()
    for family in (
        "otelcol_receiver_accepted_",
        "otelcol_receiver_refused_",
        "otelcol_exporter_sent_",
    ):
        names = {n for n in selected if n.startswith(family)}
        assert names & exposed, (family, sorted(exposed))
    assert {"otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity"} <= exposed


def _alert_and_dashboard_names() -> set[str]:
    """The collector counter names the rendered rules and dashboards take rates of."""
    texts = [f.content for f in render_pipeline("alerts", DEFAULT_CONVENTIONS).files.values()]
    texts += [f.content for f in render_pipeline("dashboards", DEFAULT_CONVENTIONS).files.values()]
    return {n for text in texts for n in re.findall(r"rate\((otelcol_[a-z_]+)", text)}


def test_single_collector_masks_when_the_conventions_say_redact(tmp_path: Path) -> None:
    text = DEFAULT_CONVENTIONS.read_text()
    old = "    pii:\n      sdk: hash\n      collector: hash\n"
    assert old in text
    conventions = tmp_path / "observability.yaml"
    conventions.write_text(
        text.replace(old, "    pii:\n      sdk: hash\n      collector: redact\n")
    )
    _, values, _ = _run_single(conventions, tmp_path)
    assert set(values["app.user.email"]) == {"*"}
    assert "app.session.token" not in values


def _start_gateways(
    tmp_path: Path, count: int
) -> tuple[list[subprocess.Popen[bytes]], list[Path], list[int]]:
    procs, exports, grpc_ports = [], [], []
    for i in range(count):
        folder = tmp_path / f"gateway-{i}"
        export = folder / "export.json"
        rendered = _render(DEFAULT_CONVENTIONS, folder, topologies=TOPOLOGIES, file_export=export)
        config = rendered["otelcol-gateway.yaml"]
        override, ports = loopback_override(yaml.safe_load(config.read_text()), folder, "gw")
        procs.append(start(_binary(rendered), [config, override], folder / "gateway.log"))
        wait_healthy(ports["health"], procs[-1])
        exports.append(export)
        grpc_ports.append(ports["grpc"])
    return procs, exports, grpc_ports


def test_agent_routes_whole_traces_to_one_of_two_gateways(tmp_path: Path) -> None:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs, exports, gw_ports = _start_gateways(tmp_path, 2)
        gateways = [f"127.0.0.1:{p}" for p in gw_ports]
        folder = tmp_path / "agent"
        rendered = _render(DEFAULT_CONVENTIONS, folder, topologies=TOPOLOGIES, gateways=gateways)
        config = rendered["otelcol-agent.yaml"]
        cfg = yaml.safe_load(config.read_text())
        override, ports = loopback_override(cfg, folder, "agent")
        procs.append(start(_binary(rendered), [config, override], folder / "agent.log"))
        wait_healthy(ports["health"], procs[-1])
        traces = [secrets.token_hex(16) for _ in range(40)]
        per_trace = 4
        # Interleaved: each request carries one span of every trace, in shuffled order.
        for round_ in range(per_trace):
            order = sorted(traces, key=lambda t: hashlib.sha256(f"{t}{round_}".encode()).digest())
            _post(ports["http"], _traces([_span(t, f"op {round_}", []) for t in order]))
        total = len(traces) * per_trace

        def landed() -> bool:
            return sum(1 for e in exports for _ in _exported_spans(e)) >= total

        started = time.monotonic()
        _wait_for(landed, 120, f"{total} spans at the gateways")
        print(f"scale-out: {total} spans at the gateways after {time.monotonic() - started:.1f}s")
    finally:
        for proc in reversed(procs):
            stop(proc)
    where: dict[str, dict[int, int]] = {}
    for index, export in enumerate(exports):
        for _, span in _exported_spans(export):
            counts = where.setdefault(span["traceId"], {})
            counts[index] = counts.get(index, 0) + 1
    assert set(where) == {bytes.fromhex(t).hex() for t in traces}
    split = {t: c for t, c in where.items() if len(c) > 1}
    assert not split, f"traces split across gateways: {split}"
    assert all(sum(c.values()) == per_trace for c in where.values())
    used = {next(iter(c)) for c in where.values()}
    assert used == {0, 1}, "every trace went to one gateway; the balancing was not exercised"
    assert os.path.getsize(exports[0]) > 0 and os.path.getsize(exports[1]) > 0
    for log in tmp_path.rglob("*.log"):
        assert "deprecated" not in log.read_text(), f"{log}: a deprecated component name"
        # The agent sends only signals the gateways build pipelines for.
        assert "Unimplemented" not in log.read_text(), f"{log}: a signal the gateway refused"


SECRET = "eyJhbGciOi-secret"  # app.session.token: class secret, collector action drop
EMAIL = "jane@example.com"  # app.user.email: class pii, collector action hash


def _leaky_payloads(trace_id: str) -> dict[str, dict[str, Any]]:
    """One span, one log record and one gauge point, with PII where the SDK rarely puts
    it: scope attributes, a map-valued log body and exemplars' filtered attributes."""
    scope = {"name": "scaffold-test", "attributes": [_attr("app.session.token", SECRET)]}
    resource = {"attributes": [_attr("service.name", "payments")]}
    span = _span(trace_id, "GET /orders/42", [])
    now = str(time.time_ns())
    body = {"kvlistValue": {"values": [_attr("app.session.token", SECRET), _attr("msg", "hi")]}}
    log = {"timeUnixNano": now, "body": body, "attributes": [], "traceId": trace_id}
    exemplar = {
        "timeUnixNano": now,
        "asDouble": 1.0,
        "filteredAttributes": [_attr("app.session.token", SECRET), _attr("app.user.email", EMAIL)],
    }
    point = {"timeUnixNano": now, "asDouble": 1.0, "exemplars": [exemplar]}
    metric = {"name": "scaffold.test.gauge", "gauge": {"dataPoints": [point]}}
    return {
        "traces": {
            "resourceSpans": [
                {"resource": resource, "scopeSpans": [{"scope": scope, "spans": [span]}]}
            ]
        },
        "logs": {
            "resourceLogs": [
                {"resource": resource, "scopeLogs": [{"scope": scope, "logRecords": [log]}]}
            ]
        },
        "metrics": {
            "resourceMetrics": [
                {"resource": resource, "scopeMetrics": [{"scope": scope, "metrics": [metric]}]}
            ]
        },
    }


def _exported_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().split("\n")[:-1] if line.strip()]


def test_single_collector_cleans_scope_attributes_log_bodies_and_exemplars(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.json"
    rendered = _render(DEFAULT_CONVENTIONS, tmp_path, file_export=export)
    config = rendered["otelcol-single.yaml"]
    override, ports = loopback_override(yaml.safe_load(config.read_text()), tmp_path, "single")
    proc = start(_binary(rendered), [config, override], tmp_path / "single.log")
    try:
        wait_healthy(ports["health"], proc)
        trace_id = secrets.token_hex(16)
        for signal, body in _leaky_payloads(trace_id).items():
            _post(ports["http"], body, signal)
        kinds = ("resourceSpans", "resourceLogs", "resourceMetrics")

        def all_three() -> bool:
            lines = _exported_lines(export)
            return all(any(k in line for line in lines) for k in kinds)

        _wait_for(all_three, 90, "a span, a log record and a metric in the file export")
    finally:
        stop(proc)
    lines = _exported_lines(export)
    scopes = [
        ss["scope"]
        for line in lines
        for kind, inner in (
            ("resourceSpans", "scopeSpans"),
            ("resourceLogs", "scopeLogs"),
            ("resourceMetrics", "scopeMetrics"),
        )
        for r in line.get(kind, [])
        for ss in r.get(inner, [])
    ]
    assert len(scopes) >= 3
    for scope in scopes:  # scope attributes: the drop class is gone
        assert "app.session.token" not in {a["key"] for a in scope.get("attributes", [])}
    logs = [
        rec
        for line in lines
        for r in line.get("resourceLogs", [])
        for sl in r["scopeLogs"]
        for rec in sl["logRecords"]
    ]
    keys = {kv["key"] for rec in logs for kv in rec["body"]["kvlistValue"]["values"]}
    assert keys == {"msg"}  # the map-valued body keeps only the harmless key
    exemplars = [
        e
        for line in lines
        for r in line.get("resourceMetrics", [])
        for sm in r["scopeMetrics"]
        for m in sm["metrics"]
        for p in m["gauge"]["dataPoints"]
        for e in p.get("exemplars", [])
    ]
    assert exemplars, "the exemplar did not come through"
    for e in exemplars:  # exemplars: drop, hash and redact classes are all gone
        assert not e.get("filteredAttributes"), e
    text = export.read_text()
    assert SECRET not in text and EMAIL not in text
    assert hashlib.sha3_256(EMAIL.encode()).hexdigest() not in text


def _tail_conventions(tmp_path: Path) -> Path:
    """The default conventions with a string_attribute policy on an attribute classed
    none, no probabilistic rest and a short decision wait."""
    text = DEFAULT_CONVENTIONS.read_text()
    old = "      - name: baseline\n        type: probabilistic\n        ratio: 0.05\n"
    new = (
        "      - name: gold-tenants\n        type: string_attribute\n"
        "        key: app.tenant.id\n        values: [gold]\n"
    )
    assert old in text and "decision_wait: 10s" in text
    path = tmp_path / "observability.yaml"
    path.write_text(text.replace(old, new).replace("decision_wait: 10s", "decision_wait: 1s"))
    return path


def test_tail_sampling_string_policies_see_what_redaction_left(tmp_path: Path) -> None:
    """Tail sampling runs behind redaction: a string_attribute policy on an attribute
    classed none keeps its traces, while one on a pii attribute never matches its
    plain value, only the HMAC the redaction processor put there. That is why the
    conventions refuse string_attribute policies on pii and secret attributes; the pii
    policies are patched into the rendered config here."""
    export = tmp_path / "export.json"
    rendered = _render(_tail_conventions(tmp_path), tmp_path, file_export=export)
    config = rendered["otelcol-single.yaml"]
    cfg = yaml.safe_load(config.read_text())
    digest = hmac.new(TEST_HMAC_KEY.encode(), b"john@example.com", hashlib.sha256).hexdigest()
    cfg["processors"]["tail_sampling"]["policies"] += [
        {
            "name": "plain-email",
            "type": "string_attribute",
            "string_attribute": {"key": "app.user.email", "values": [EMAIL]},
        },
        {
            "name": "hashed-email",
            "type": "string_attribute",
            "string_attribute": {"key": "app.user.email", "values": [digest]},
        },
    ]
    processors = cfg["service"]["pipelines"]["traces"]["processors"]
    assert processors.index("redaction/hash") < processors.index("tail_sampling")
    config.write_text(yaml.safe_dump(cfg))
    override, ports = loopback_override(cfg, tmp_path, "single")
    proc = start(_binary(rendered), [config, override], tmp_path / "single.log")
    sent = {
        "gold": [_attr("app.tenant.id", "gold"), _attr("app.user.email", "ann@example.com")],
        "plain-email": [_attr("app.tenant.id", "silver"), _attr("app.user.email", EMAIL)],
        "hashed-email": [
            _attr("app.tenant.id", "silver"),
            _attr("app.user.email", "john@example.com"),
        ],
        "none": [_attr("app.tenant.id", "silver")],
    }
    ids = {name: secrets.token_hex(16) for name in sent}
    try:
        wait_healthy(ports["health"], proc)
        # Status unset and a few milliseconds long: only the string policies can keep them.
        spans = [{**_span(ids[n], f"op {n}", a), "status": {}} for n, a in sent.items()]
        _post(ports["http"], _traces(spans))

        def exported() -> set[str]:
            return {s["traceId"] for _, s in _exported_spans(export)}

        _wait_for(lambda: {ids["gold"], ids["hashed-email"]} <= exported(), 60, "kept traces")
        # Every trace of the request was decided in the same tick; give a late one time.
        time.sleep(3)
    finally:
        stop(proc)
    kept = {name for name, trace in ids.items() if trace in exported()}
    assert kept == {"gold", "hashed-email"}


def _reachable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


def _healthy(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _listening_collector(tmp_path: Path, env: dict[str, str]) -> dict[str, bool]:
    """Run the rendered single config with its listeners' host parts as rendered (only
    the ports moved to free ones) and report which loopback addresses answer."""
    rendered = _render(DEFAULT_CONVENTIONS, tmp_path)
    config = rendered["otelcol-single.yaml"]
    cfg = yaml.safe_load(config.read_text())
    override, ports = loopback_override(cfg, tmp_path, "single")
    data = yaml.safe_load(override.read_text())
    del data["receivers"], data["service"], data["extensions"]["health_check"]
    override.write_text(yaml.safe_dump(data))
    text = config.read_text()
    for rendered_port, name in ((":4317", "grpc"), (":4318", "http"), (":13133", "health")):
        text = text.replace(f"}}{rendered_port}\n", f"}}:{ports[name]}\n")
    config.write_text(text.replace("port: 8888\n", f"port: {ports['metrics']}\n"))
    base = {k: v for k, v in collector_env().items() if k != LISTEN_ENV}
    with open(tmp_path / "collector.log", "wb") as log:
        proc = subprocess.Popen(
            [str(_binary(rendered)), "--config", str(config), "--config", str(override)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**base, **env},
        )
    try:
        host = env.get(LISTEN_ENV, "127.0.0.1")
        # Healthy (200) once every pipeline has started, not when the port first opens.
        _wait_for(lambda: _healthy(host, ports["health"]) or proc.poll() is not None, 60, "up")
        assert proc.poll() is None, (tmp_path / "collector.log").read_text()[-3000:]
        answers = {
            f"{h}:{name}": _reachable(h, ports[name])
            for h in ("127.0.0.1", "127.0.0.2")
            for name in ("grpc", "http", "health", "metrics")
        }
    finally:
        stop(proc)
    return answers


def test_listeners_bind_localhost_unless_the_environment_names_an_address(
    tmp_path: Path,
) -> None:
    """As rendered, every listener answers on 127.0.0.1 and not on another loopback
    address (it would, bound to 0.0.0.0); with OTELCOL_LISTEN_ADDRESS=127.0.0.2 every
    listener moves there."""
    seen = _listening_collector(tmp_path / "default", {})
    assert all(v for k, v in seen.items() if k.startswith("127.0.0.1:")), seen
    assert not any(v for k, v in seen.items() if k.startswith("127.0.0.2:")), seen
    seen = _listening_collector(tmp_path / "moved", {LISTEN_ENV: "127.0.0.2"})
    assert all(v for k, v in seen.items() if k.startswith("127.0.0.2:")), seen
    assert not any(v for k, v in seen.items() if k.startswith("127.0.0.1:")), seen


TLS_BACKENDS = """  gateway_tls:
    ca_file: {ca}
    server_name_override: {name}
  backends:
    - name: tempo
      type: otlp
      endpoint: tempo.example.internal:4317
      signals: [traces]
      tls:
        ca_file: {ca}
        server_name_override: tempo.example.internal
    - name: zipkin
      type: zipkin
      endpoint: https://10.0.0.9:9411/api/v2/spans
      signals: [traces]
      tls:
        server_name_override: zipkin.example.internal
    - name: loki
      type: otlphttp
      endpoint: https://loki.example.internal/otlp
      signals: [logs]
      tls:
        ca_file: {ca}
    - name: prometheus
      type: prometheus_remote_write
      endpoint: https://10.0.0.8:9090/api/v1/write
      signals: [metrics]
      tls:
        ca_file: {ca}
        server_name_override: prometheus.example.internal
"""


def _tls_conventions(tmp_path: Path, ca: Path, name: str) -> Path:
    text = DEFAULT_CONVENTIONS.read_text()
    start = text.index("  backends:\n")
    end = text.index("  queue:\n", start)
    path = tmp_path / f"observability-{name}.yaml"
    path.write_text(text[:start] + TLS_BACKENDS.format(ca=ca, name=name) + text[end:])
    return path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _test_pki(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for `name` only (no IP address in it)."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=scaffold test CA",
        cwd=folder,
    )
    _openssl(
        "req",
        *ec,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        f"/CN={name}",
        cwd=folder,
    )
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{name}\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        cwd=folder,
    )
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_tls_settings_validate_and_let_an_agent_reach_a_gateway_by_its_name(
    tmp_path: Path,
) -> None:
    """CA files and server name overrides for every exporter type pass the collector's
    `validate`; on loopback, an agent whose conventions name the gateway's certificate
    (server_name_override) reaches a TLS gateway at 127.0.0.1, and one that names
    another host does not."""
    name = "otel-gateway.test"
    ca, cert, key = _test_pki(tmp_path / "pki", name)
    rendered = _render(_tls_conventions(tmp_path, ca, name), tmp_path / "render")
    binary = _binary(rendered)
    for config in (p for rel, p in rendered.items() if rel.startswith("otelcol-")):
        checked = _validate(binary, config)
        assert checked.returncode == 0, f"{config.name}:\n{checked.stdout}{checked.stderr}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        folder = tmp_path / "gateway"
        export = folder / "export.json"
        gw = _render(DEFAULT_CONVENTIONS, folder, topologies=TOPOLOGIES, file_export=export)
        config = gw["otelcol-gateway.yaml"]
        override, gw_ports = loopback_override(yaml.safe_load(config.read_text()), folder, "gw")
        data = yaml.safe_load(override.read_text())
        tls = {"cert_file": str(cert), "key_file": str(key)}
        data["receivers"]["otlp"]["protocols"]["grpc"]["tls"] = tls
        override.write_text(yaml.safe_dump(data))
        procs.append(start(_binary(gw), [config, override], folder / "gateway.log"))
        wait_healthy(gw_ports["health"], procs[-1])
        sent = {}
        for which in (name, "elsewhere.test"):
            agent_dir = tmp_path / which
            conventions = _tls_conventions(agent_dir.parent, ca, which)
            rendered = _render(conventions, agent_dir, gateways=[f"127.0.0.1:{gw_ports['grpc']}"])
            agent = rendered["otelcol-agent.yaml"]
            cfg = yaml.safe_load(agent.read_text())
            agent_override, ports = loopback_override(cfg, agent_dir, "agent")
            procs.append(start(_binary(rendered), [agent, agent_override], agent_dir / "a.log"))
            wait_healthy(ports["health"], procs[-1])
            sent[which] = secrets.token_hex(16)
            _post(ports["http"], _traces([_span(sent[which], "op", [])]))

        def landed() -> set[str]:
            return {s["traceId"] for _, s in _exported_spans(export)}

        _wait_for(lambda: sent[name] in landed(), 60, "the span sent over TLS")
        time.sleep(3)
    finally:
        for proc in reversed(procs):
            stop(proc)
    assert sent["elsewhere.test"] not in landed()
    refused = (tmp_path / "elsewhere.test" / "a.log").read_text()
    assert "certificate" in refused and name in refused, refused[-2000:]
