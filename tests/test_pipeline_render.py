"""The pipeline targets (collector, alerts, dashboards) read as their consumers read them.

These tests need no toolchain: the rendered YAML and JSON are parsed and checked against
the conventions. tests/test_pipeline_collector.py and tests/test_pipeline_promtool.py run
the real collector and promtool.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.conventions import load
from scaffold.errors import ConventionsError
from scaffold.pipeline import render_pipeline
from scaffold.render import filters
from scaffold.targets.collector_components import COLLECTOR_VERSION, COMPONENTS
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE, CliResult, examples

SOURCES = [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE]
ALL = {"topologies": ["single", "agent", "gateway"]}
DEPRECATED = {"otlp", "otlphttp", "loadbalancing", "prometheusremotewrite"}


def unescape(value: Any) -> Any:
    """What the collector reads from a scalar: `$$` is a literal `$`."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    return value


def configs(conventions: Path, **extra: Any) -> dict[str, dict[str, Any]]:
    rendered = render_pipeline("collector", conventions, {**ALL, **extra})
    return {p: unescape(yaml.safe_load(f.content)) for p, f in rendered.files.items()}


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_every_pipeline_starts_with_the_memory_limiter_and_uses_defined_components(
    conventions: Path,
) -> None:
    for name, cfg in configs(conventions, debug=True, zpages=True).items():
        if name == "builder-config.yaml":
            continue
        pipelines = cfg["service"]["pipelines"]
        assert pipelines, name
        for signal, p in pipelines.items():
            assert p["processors"][0] == "memory_limiter", (name, signal)
            assert set(p["processors"]) <= set(cfg["processors"]), (name, signal)
            assert set(p["exporters"]) <= set(cfg["exporters"]), (name, signal)
            assert p["receivers"] == ["otlp"]
        assert set(cfg["service"]["extensions"]) == set(cfg["extensions"])
        types = {i.split("/")[0] for i in cfg["exporters"]}
        assert not types & DEPRECATED, f"{name} uses a deprecated exporter name: {types}"
        metrics = cfg["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]
        assert metrics["prometheus"]["port"] == 8888


def test_gateway_tail_samples_and_the_agent_routes_by_trace_id() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    cfgs = configs(DEFAULT_CONVENTIONS)
    gateway, agent = cfgs["otelcol-gateway.yaml"], cfgs["otelcol-agent.yaml"]
    assert "tail_sampling" in gateway["service"]["pipelines"]["traces"]["processors"]
    policies = {p["name"]: p for p in gateway["processors"]["tail_sampling"]["policies"]}
    assert policies["keep-errors"]["status_code"]["status_codes"] == ["ERROR"]
    assert policies["keep-slow"]["latency"]["threshold_ms"] == 500
    assert policies["baseline"]["probabilistic"]["sampling_percentage"] == 5.0
    latency_slo = next(s for s in conv.slos if s.latency_threshold)
    assert policies[f"slo-{latency_slo.name}"]["latency"]["threshold_ms"] == 250
    balancer = agent["exporters"]["load_balancing/gateways"]
    assert balancer["routing_key"] == "traceID"
    assert balancer["resolver"]["dns"] == {"hostname": "otel-gateway", "port": "4317"}
    assert agent["service"]["pipelines"]["traces"]["exporters"] == ["load_balancing/gateways"]
    # Redaction happens once, on the tier the services talk to.
    assert "redaction/hash" in agent["processors"]
    assert "redaction/hash" not in gateway["processors"]


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_backend_exporters_have_timeout_capped_retry_and_queue(conventions: Path) -> None:
    conv = load(conventions)
    single = configs(conventions)["otelcol-single.yaml"]
    for backend in conv.collector.backends:
        exporter = next(v for k, v in single["exporters"].items() if k.endswith(f"/{backend.name}"))
        endpoint = exporter.get("http", exporter)["endpoint"]
        assert endpoint == backend.endpoint
        assert exporter["timeout"] == f"{conv.export.timeout.ms}ms"
        retry = exporter["retry_on_failure"]
        assert retry["max_elapsed_time"] not in ("0", "0s", "0ms")
        if backend.type == "prometheus_remote_write":
            assert exporter["remote_write_queue"]["queue_size"] == conv.collector.queue_size
            continue
        queue = exporter["sending_queue"]
        assert queue["queue_size"] == conv.collector.queue_size
        assert (queue.get("storage") == "file_storage/queue") is conv.collector.queue_durable
        if conv.collector.queue_durable:
            storage = single["extensions"]["file_storage/queue"]
            assert storage["create_directory"] is True
            assert storage["directory"] == conv.collector.queue_directory


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_pii_classes_become_drop_hash_and_mask(conventions: Path) -> None:
    conv = load(conventions)
    single = configs(conventions)["otelcol-single.yaml"]["processors"]
    for attr in conv.sensitive_attributes:
        action = conv.privacy.actions[attr.pii].collector
        if action == "drop":
            for group in single["transform/drop"]["trace_statements"]:
                assert f'delete_key(attributes, "{attr.id}")' in group["statements"]
        elif action in ("hash", "redact"):
            name = "redaction/hash" if action == "hash" else "redaction/mask"
            patterns = single[name]["blocked_key_patterns"]
            assert any(re.fullmatch(p, attr.id) for p in patterns), (attr.id, patterns)
            assert not any(re.fullmatch(p, attr.id + "x") for p in patterns)
    if single.get("redaction/hash"):
        assert single["redaction/hash"]["hash_function"] == "hmac-sha256"
        assert single["redaction/hash"]["hmac_key"] == "${env:OTELCOL_REDACTION_HMAC_KEY}"


def test_hostile_values_read_back_exactly() -> None:
    conv = load(HOSTILE)
    single = configs(HOSTILE)["otelcol-single.yaml"]
    static = [r for r in conv.resource if r.source == "static"]
    attrs = single["processors"]["resource/conventions"]["attributes"]
    assert [(a["key"], a["value"]) for a in attrs] == [(r.key, r.value) for r in static]
    policy = next(
        p
        for p in single["processors"]["tail_sampling"]["policies"]
        if p["type"] == "string_attribute"
    )
    expected = next(p for p in conv.sampling.tail_policies if p.type == "string_attribute")
    assert policy["string_attribute"]["values"] == list(expected.values)


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_builder_manifest_lists_exactly_the_components_used(conventions: Path) -> None:
    for extra in ({}, {"debug": True, "zpages": True, "file_export": "/tmp/out.json"}):
        cfgs = configs(conventions, **extra)
        manifest = cfgs.pop("builder-config.yaml")
        used: set[str] = set()
        for cfg in cfgs.values():
            for kind in ("receivers", "processors", "exporters", "extensions"):
                used |= {i.split("/")[0] for i in cfg.get(kind, {})}
        listed = {
            entry["gomod"]
            for kind in ("receivers", "processors", "exporters", "extensions")
            for entry in manifest.get(kind, [])
        }
        assert listed == {f"{COMPONENTS[t].gomod} v{COLLECTOR_VERSION}" for t in used}


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_dashboards_take_the_datasource_as_a_variable(conventions: Path) -> None:
    """Grafana's own types judge the dashboards in tests/test_pipeline_grafana.py."""
    rendered = render_pipeline("dashboards", conventions)
    assert sorted(rendered.files) == ["dashboards/pipeline.json", "dashboards/red.json"]
    for path, f in rendered.files.items():
        dashboard = json.loads(f.content)
        names = [v["name"] for v in dashboard["templating"]["list"]]
        assert names[0] == "datasource", path
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == "${datasource}"
            assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])


def test_pipeline_alerts_and_panels_select_each_counter_by_its_own_name() -> None:
    """One selector per metric name, with and without `_total`: a `__name__=~` regex over
    several signals leaves two series with one labelset after `rate()` and fails."""
    rules = yaml.safe_load(
        render_pipeline("alerts", DEFAULT_CONVENTIONS).files["rules/pipeline.rules.yaml"].content
    )
    exprs = {r["alert"]: r["expr"] for r in rules["groups"][0]["rules"]}
    dashboards = render_pipeline("dashboards", DEFAULT_CONVENTIONS).files.values()
    texts = [*exprs.values(), *(f.content for f in dashboards)]
    assert not any("__name__" in t for t in texts)
    names = set(re.findall(r"\brate\((otelcol_[a-z_]+)", exprs["OtelcolExporterSendFailed"]))
    assert names == {
        f"otelcol_exporter_send_failed_{unit}{suffix}"
        for unit in ("spans", "metric_points", "log_records")
        for suffix in ("", "_total")
    }


def test_cli_writes_only_under_out_and_reports(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    out = tmp_path / "deploy" / "collector"
    result = cli("collector", "--topology", "single", "--out", str(out), "--dry-run", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert {f["status"] for f in data["files"]} == {"create"}
    assert not out.exists()
    result = cli("collector", "-t", "single", "--out", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "builder-config.yaml",
        "otelcol-single.yaml",
    ]
    assert {p for p in tmp_path.rglob("*") if p.is_file()} <= set(out.rglob("*"))
    again = cli("collector", "-t", "single", "--out", str(out), "--json")
    assert {f["status"] for f in json.loads(again.out)["files"]} == {"unchanged"}
    for target in ("alerts", "dashboards"):
        assert cli(target, "--out", str(tmp_path / target)).code == 0


def test_cli_bad_input_is_exit_2_naming_the_fix(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    result = cli("collector", "--topology", "mesh", "--out", str(tmp_path / "c"))
    assert result.code == 2
    assert "single, agent, gateway" in result.err
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = cli("alerts", "--out", str(a_file))
    assert result.code == 2 and "give a folder" in result.err
    broken = Path(__file__).parent / "broken" / "14-ratio-nan.yaml"
    result = cli("dashboards", "--conventions", str(broken), "--out", str(tmp_path / "d"))
    assert result.code == 2 and "14-ratio-nan.yaml:" in result.err
    result = cli("collector", "--gateway", "not a host", "--out", str(tmp_path / "c"))
    assert result.code == 2 and "host:port" in result.err
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_builder_manifest_names_are_safe_for_generated_go_source() -> None:
    """The builder writes dist name and description into Go source without escaping."""
    manifest = yaml.safe_load(
        render_pipeline("collector", HOSTILE).files["builder-config.yaml"].content
    )
    for key in ("name", "description", "output_path"):
        assert re.fullmatch(r"[A-Za-z0-9 ./_-]+", manifest["dist"][key]), manifest["dist"][key]


@settings(max_examples=examples(200), deadline=None)
@given(st.text())
def test_collector_string_reads_back_exactly(text: str) -> None:
    loaded = yaml.safe_load(f"key: {filters.collector_string(text)}")["key"]
    assert unescape(loaded) == text
    assert "${" not in loaded.replace("$$", "")  # nothing left for the collector to expand


@settings(max_examples=examples(200), deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii")))
def test_regex_literal_matches_exactly_its_text(text: str) -> None:
    pattern = filters.regex_literal(text)
    assert re.fullmatch(pattern, text)
    assert not re.fullmatch(pattern, text + "x")


@settings(max_examples=examples(200), deadline=None)
@given(st.text())
def test_ottl_and_promql_strings_escape_quotes_and_backslashes(text: str) -> None:
    for literal in (filters.ottl_string(text), filters.promql_string(text)):
        body = literal[1:-1]
        assert literal[0] == literal[-1] == '"'
        # Every quote inside is escaped: strip escaped pairs and none is left.
        assert '"' not in re.sub(r"\\.", "", body, flags=re.DOTALL)


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_the_agent_sends_exactly_the_signals_the_gateways_take(conventions: Path) -> None:
    """Without a file exporter the gateways build pipelines only for the signals their
    backends take; a signal the agent sends beyond those is refused forever."""
    for extra in ({}, {"debug": True}):
        cfgs = configs(conventions, **extra)
        agent = cfgs["otelcol-agent.yaml"]["service"]["pipelines"]
        gateway = cfgs["otelcol-gateway.yaml"]["service"]["pipelines"]
        assert set(agent) == set(gateway), (extra, sorted(agent), sorted(gateway))
        used = {e for p in agent.values() for e in p["exporters"]}
        assert used == set(cfgs["otelcol-agent.yaml"]["exporters"])


def _thresholds(expr: str) -> list[tuple[str, float]]:
    return [(w, float(v)) for w, v in re.findall(r"ratio_rate(\w+)\{[^}]*\} > ([0-9.e-]+)", expr)]


def test_burn_factors_follow_the_slo_window(tmp_path: Path) -> None:
    """factor = share of the budget x SLO window / long window: 13.44, 5.6, 2.8 and 0.933
    for 28 days (the 30-day 14.4, 6, 3, 1 are only right for 30 days)."""
    rules = yaml.safe_load(
        render_pipeline("alerts", DEFAULT_CONVENTIONS).files["rules/slo.rules.yaml"].content
    )
    group = next(g for g in rules["groups"] if g["name"] == "slo-checkout-availability")
    alerts = {r["labels"]["severity"]: r["expr"] for r in group["rules"] if "alert" in r}
    budget = 0.001  # objective 0.999 over 28d
    expected = {
        "page": [(1, 13.44), (5, 13.44), (6, 5.6), (30, 5.6)],
        "ticket": [(1, 2.8), (2, 2.8), (3, 0.1 * 28 / 3), (6, 0.1 * 28 / 3)],
    }
    for severity, pairs in expected.items():
        found = _thresholds(alerts[severity])
        assert [int(w[:-1]) for w, _ in found] == [w for w, _ in pairs]
        for (_, value), (_, factor) in zip(found, pairs, strict=True):
            assert value == pytest.approx(factor * budget, rel=1e-5), (severity, found)


def test_pairs_that_cannot_fire_are_named_in_the_rule_file_header(tmp_path: Path) -> None:
    text = DEFAULT_CONVENTIONS.read_text()
    assert "    objective: 0.99\n" in text
    conventions = tmp_path / "observability.yaml"
    # A 90% objective over 28 days: the 1h page pair needs a bad ratio above 1.344.
    conventions.write_text(text.replace("    objective: 0.99\n", "    objective: 0.9\n"))
    content = render_pipeline("alerts", conventions).files["rules/slo.rules.yaml"].content
    header = content.split("groups:")[0]
    assert "SLO checkout-latency: these pairs can never fire" in header
    assert "1h/5m (page, threshold 1.344)" in header
    assert "6h/30m" not in header  # 0.56: can fire


def test_the_load_balancer_requeues_and_reroutes_on_its_own_level() -> None:
    """Top-level timeout, retry and (durable) queue: data a gateway could not take goes
    back to the balancer and is routed again over the gateways resolved by then."""
    agent = configs(DEFAULT_CONVENTIONS)["otelcol-agent.yaml"]
    balancer = agent["exporters"]["load_balancing/gateways"]
    assert balancer["timeout"] and balancer["retry_on_failure"]["enabled"] is True
    queue = balancer["sending_queue"]
    assert queue["enabled"] is True and queue["storage"] == "file_storage/queue"
    assert "file_storage/queue" in agent["service"]["extensions"]
    # The per-gateway queue cannot be persistent (one storage shared by every gateway).
    assert "storage" not in balancer["protocol"]["otlp"]["sending_queue"]


def test_prometheus_remote_write_uses_the_http_block_and_a_wal_when_durable(
    tmp_path: Path,
) -> None:
    gateway = configs(DEFAULT_CONVENTIONS)["otelcol-gateway.yaml"]
    prw = gateway["exporters"]["prometheus_remote_write/prometheus"]
    assert "endpoint" not in prw  # top-level endpoint: deprecated since v0.158.0
    assert prw["http"]["endpoint"] == "http://prometheus:9090/api/v1/write"
    assert prw["wal"]["directory"] == "/var/lib/otelcol/queue/wal-prometheus"
    text = DEFAULT_CONVENTIONS.read_text()
    assert "    durable: true\n" in text
    conventions = tmp_path / "observability.yaml"
    conventions.write_text(text.replace("    durable: true\n", "    durable: false\n"))
    gateway = configs(conventions)["otelcol-gateway.yaml"]
    assert "wal" not in gateway["exporters"]["prometheus_remote_write/prometheus"]


def test_tail_sampling_remembers_sampled_traces_beyond_num_traces() -> None:
    gateway = configs(DEFAULT_CONVENTIONS)["otelcol-gateway.yaml"]
    tail = gateway["processors"]["tail_sampling"]
    assert tail["decision_cache"]["sampled_cache_size"] > tail["num_traces"]


def _with_tail_policy(tmp_path: Path, key: str, actions: str = "") -> Path:
    text = DEFAULT_CONVENTIONS.read_text()
    anchor = "      - name: baseline\n"
    policy = f"      - name: by-key\n        type: string_attribute\n        key: {key}\n"
    text = text.replace(anchor, policy + "        values: [x]\n" + anchor, 1)
    if actions:
        old = "    pii:\n      sdk: hash\n      collector: hash\n"
        assert old in text
        text = text.replace(old, actions)
    path = tmp_path / f"{key}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("key", ["app.user.email", "app.session.token"])
def test_string_attribute_policies_on_pii_or_secret_keys_are_refused(
    key: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    path = _with_tail_policy(tmp_path, key)
    result = cli("collector", "--conventions", str(path), "--out", str(tmp_path / "out"))
    assert result.code == 2
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if f"key: {key}" in t)
    assert f"{path.name}:{line}:" in result.err
    assert "never matches" in result.err and "Sample on an attribute classed none" in result.err
    assert not (tmp_path / "out").exists()


def test_string_attribute_policies_on_kept_or_public_keys_are_allowed(tmp_path: Path) -> None:
    load(_with_tail_policy(tmp_path, "app.tenant.id"))
    keep = "    pii:\n      sdk: keep\n      collector: keep\n"
    conv = load(_with_tail_policy(tmp_path, "app.user.email", keep))
    assert any(p.key == "app.user.email" for p in conv.sampling.tail_policies)
    half = "    pii:\n      sdk: keep\n      collector: hash\n"
    with pytest.raises(ConventionsError, match="never matches"):
        load(_with_tail_policy(tmp_path, "app.user.email", half))


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_no_listener_binds_every_interface_by_default(conventions: Path) -> None:
    for path, f in render_pipeline("collector", conventions, ALL).files.items():
        if not path.startswith("otelcol-"):
            continue
        assert "0.0.0.0" not in f.content, path
        cfg = yaml.safe_load(f.content)
        listen = "${env:OTELCOL_LISTEN_ADDRESS:-localhost}"
        protocols = cfg["receivers"]["otlp"]["protocols"]
        assert protocols["grpc"]["endpoint"] == f"{listen}:4317"
        assert protocols["http"]["endpoint"] == f"{listen}:4318"
        assert cfg["extensions"]["health_check"]["endpoint"] == f"{listen}:13133"
        reader = cfg["service"]["telemetry"]["metrics"]["readers"][0]
        assert reader["pull"]["exporter"]["prometheus"]["host"] == listen


def test_listen_address_option(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    rendered = render_pipeline(
        "collector", DEFAULT_CONVENTIONS, {**ALL, "listen_address": "0.0.0.0"}
    )
    single = yaml.safe_load(rendered.files["otelcol-single.yaml"].content)
    grpc = single["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    assert grpc == "${env:OTELCOL_LISTEN_ADDRESS:-0.0.0.0}:4317"
    for bad in ("a b", "${env:X}", "host:1", "::1", "-x.example", "1.2.3"):
        result = cli("collector", "--listen-address", bad, "--out", str(tmp_path / "c"))
        assert result.code == 2 and "--listen-address" in result.err, bad
    assert not (tmp_path / "c").exists()
    result = cli("collector", "--listen-address", "otel-agent.local", "--out", str(tmp_path / "c"))
    assert result.code == 0, result.err


def _backends(tmp_path: Path, block: str) -> Path:
    text = DEFAULT_CONVENTIONS.read_text()
    start = text.index("  backends:\n")
    end = text.index("  queue:\n", start)
    path = tmp_path / "observability.yaml"
    path.write_text(text[:start] + block + text[end:])
    return path


def test_tls_settings_are_rendered_for_each_exporter_type(tmp_path: Path) -> None:
    path = _backends(
        tmp_path,
        "  gateway_tls: {ca_file: /etc/ca.pem, server_name_override: gw.internal}\n"
        "  backends:\n"
        "    - {name: t, type: otlp, endpoint: 't:4317', tls: {ca_file: /etc/t.pem}}\n"
        "    - {name: z, type: zipkin, endpoint: 'https://10.0.0.1/api/v2/spans',"
        " tls: {server_name_override: z.internal}}\n"
        "    - {name: p, type: prometheus_remote_write, endpoint: 'https://p/api/v1/write',"
        " signals: [metrics], tls: {ca_file: '/etc/p $x.pem'}}\n",
    )
    cfgs = configs(path)
    single, agent = cfgs["otelcol-single.yaml"], cfgs["otelcol-agent.yaml"]
    exporters = single["exporters"]
    # TLS settings turn TLS on for gRPC even without https://.
    assert exporters["otlp_grpc/t"]["tls"] == {"insecure": False, "ca_file": "/etc/t.pem"}
    assert exporters["zipkin/z"]["tls"] == {"server_name_override": "z.internal"}
    assert exporters["prometheus_remote_write/p"]["http"]["tls"] == {"ca_file": "/etc/p $x.pem"}
    gateway_tls = {
        "insecure": False,
        "ca_file": "/etc/ca.pem",
        "server_name_override": "gw.internal",
    }
    assert agent["exporters"]["load_balancing/gateways"]["protocol"]["otlp"]["tls"] == gateway_tls
    # Without TLS settings nothing changes: plaintext gRPC inside the cluster.
    plain = configs(DEFAULT_CONVENTIONS)["otelcol-single.yaml"]["exporters"]
    assert plain["otlp_grpc/tempo"]["tls"] == {"insecure": True}


@pytest.mark.parametrize(
    "block, where",
    [
        (
            "  backends:\n    - {name: p, type: otlphttp, endpoint: 'http://p:4318',"
            " tls: {ca_file: /etc/p.pem}}\n",
            "collector.backends[0].tls",
        ),
        (
            "  gateway_endpoint: 'http://gw:4317'\n  gateway_tls: {ca_file: /etc/gw.pem}\n",
            "collector.gateway_tls",
        ),
        (
            "  backends:\n    - {name: p, type: otlp, endpoint: 'p:4317', tls: {ca_file: etc/p.pem}}\n",
            "ca_file",
        ),
        (
            "  backends:\n    - {name: p, type: otlp, endpoint: 'p:4317',"
            " tls: {server_name_override: 'a b'}}\n",
            "server_name_override",
        ),
    ],
)
def test_contradictory_or_malformed_tls_settings_are_refused(
    block: str, where: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    path = _backends(tmp_path, block)
    if "gateway_tls" in block:  # the block names its own gateway endpoint
        text = path.read_text()
        path.write_text(text.replace("  gateway_endpoint: otel-gateway:4317\n", "", 1))
    result = cli("collector", "--conventions", str(path), "--out", str(tmp_path / "out"))
    assert result.code == 2 and where in result.err, result.err
    assert "observability.yaml:" in result.err and not (tmp_path / "out").exists()


def test_rpc_red_rules_use_the_prometheus_name_of_the_rpc_histogram() -> None:
    rendered = render_pipeline("alerts", DEFAULT_CONVENTIONS).files
    groups = yaml.safe_load(rendered["rules/red.rules.yaml"].content)["groups"]
    (rpc,) = [g for g in groups if g["name"] == "red-rpc-server"]
    records = {r["record"]: r["expr"] for r in rpc["rules"]}
    metric = "rpc_server_call_duration_seconds"
    assert set(records) == {
        f"job_rpc:{metric}:{n}"
        for n in (
            "requests_rate5m",
            "errors_rate5m",
            "error_ratio_rate5m",
            "p50_5m",
            "p95_5m",
            "p99_5m",
        )
    }
    assert f"rate({metric}_count[5m])" in records[f"job_rpc:{metric}:requests_rate5m"]
    assert f"rate({metric}_bucket[5m])" in records[f"job_rpc:{metric}:p99_5m"]
    assert "red.test.yaml" in " ".join(rendered)
