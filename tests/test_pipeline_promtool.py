"""The rendered alert rules and dashboards, checked by promtool (Prometheus's own parser
and rule unit-test runner). Install it with `apt-get install -y prometheus` (Debian)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffold.conventions import load
from scaffold.pipeline import render_pipeline, write_pipeline
from scaffold.targets.alerts_tests import BURNING_JOB, HEALTHY_JOB
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE
from tests.pipeline.otelcol import cache_root

PROMTOOL = shutil.which("promtool")
pytestmark = [
    pytest.mark.toolchain,
    pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: prometheus)"),
]
SOURCES = [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE]
# What Grafana puts in place of the dashboard variables before a query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$job": ".*", "$route": ".*"}


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def write_alerts(conventions: Path, out: Path) -> None:
    write_pipeline("alerts", conventions, out)


def promtool_test_each(files: list[str], cwd: Path) -> dict[str, str]:
    """Run `promtool test rules` once over many test files; each file's verdict and
    findings (promtool writes them in order, under a `Unit Testing:` header per file)."""
    assert PROMTOOL is not None
    proc = subprocess.run(
        [PROMTOOL, "test", "rules", *files],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    out: dict[str, str] = {}
    current = ""
    for line in proc.stdout.splitlines():
        if line.startswith("Unit Testing:"):
            current = line.split(":", 1)[1].strip()
            out[current] = ""
        elif current:
            out[current] += line + "\n"
    assert sorted(out) == sorted(files), proc.stdout[-3000:]
    assert (proc.returncode == 0) == all("FAILED" not in v for v in out.values())
    return out


def test_rules_pass_promtool_check_and_unit_tests(tmp_path: Path) -> None:
    """Every rendered rule file passes `promtool check rules` and every test file
    `promtool test rules`: one promtool process for each, over all conventions files."""
    rules, tests = [], []
    for conventions in SOURCES:
        write_alerts(conventions, tmp_path / conventions.stem)
        found = sorted((tmp_path / conventions.stem / "rules").glob("*.yaml"))
        assert len(found) == 3
        rules += [str(p.relative_to(tmp_path)) for p in found]
        tests += [f"{conventions.stem}/tests/{n}.test.yaml" for n in ("slo", "pipeline", "red")]
    checked = promtool("check", "rules", *rules, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    verdicts = promtool_test_each(tests, tmp_path)
    assert all("FAILED" not in v for v in verdicts.values()), verdicts
    for conventions in SOURCES:
        _cases_cover_every_slo_and_alert(conventions, tmp_path / conventions.stem / "tests")


def _cases_cover_every_slo_and_alert(conventions: Path, tests: Path) -> None:
    # Every SLO has a burning and a healthy case. In the burning one, one service burns
    # and another serving the same operation is healthy: the alerts expected are the
    # burning service's, labelled with its job, and none of the healthy one's.
    slo_tests = yaml.safe_load((tests / "slo.test.yaml").read_text())["tests"] or []
    conv = load(conventions)
    for slo in conv.slos:
        name = f"SLO {slo.name} burning in one service: its alerts fire for that service only"
        burning = [t for t in slo_tests if t["name"] == name]
        healthy = [t for t in slo_tests if t["name"] == f"SLO {slo.name} healthy: no alert"]
        assert len(burning) == len(healthy) == 1, slo.name
        jobs = {s["series"].split('job="')[1].split('"')[0] for s in burning[0]["input_series"]}
        assert jobs == {BURNING_JOB, HEALTHY_JOB}, slo.name
        alerts = burning[0]["alert_rule_test"][0]["exp_alerts"]
        severities = {
            a["exp_labels"]["severity"] for a in alerts if a["exp_labels"]["slo"] == slo.name
        }
        assert severities == {"page", "ticket"}, slo.name
        assert {a["exp_labels"]["job"] for a in alerts} == {BURNING_JOB}, slo.name
        assert healthy[0]["alert_rule_test"][0]["exp_alerts"] == []
    pipeline = yaml.safe_load((tests / "pipeline.test.yaml").read_text())["tests"]
    names = {t["alert_rule_test"][0]["alertname"] for t in pipeline}
    assert len(names) == 5
    assert sum("without _total" in t["name"] for t in pipeline) == 4


def _never_fire(text: str) -> str:
    data = yaml.safe_load(text)
    for group in data["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                rule["expr"] = "vector(1) > 2"
    return str(yaml.safe_dump(data))


SEL = 'slo=\\"checkout-availability\\"'


def _thirty_day_factors(text: str) -> str:
    # 28d, objective 99.9%: 13.44, 5.6, 2.8 and 0.933 x 0.001 become 14.4, 6, 3 and 1.
    for old, new in (("0.01344", "0.0144"), ("0.0056", "0.006"), ("0.0028", "0.003")):
        text = text.replace(f"{SEL}}} > {old} ", f"{SEL}}} > {new} ")
    return text.replace(f"{SEL}}} > 0.000933333", f"{SEL}}} > 0.001")


# (what is wrong, rule file, mutation, a case name that must fail)
MUTATIONS = [
    ("SLO alerts never fire", "slo", _never_fire, "burning in one service"),
    ("pipeline alerts never fire", "pipeline", _never_fire, "OtelcolExporterSendFailed fires"),
    ("30-day factors on a 28-day SLO", "slo", _thirty_day_factors, "checkout-availability: 1."),
    (
        "long window 2h for 1h",
        "slo",
        lambda t: t.replace(f"ratio_rate1h{{{SEL}}} >", f"ratio_rate2h{{{SEL}}} >"),
        "checkout-availability: 1.",
    ),
    (
        "short window 1h for 5m",
        "slo",
        lambda t: t.replace(f"ratio_rate5m{{{SEL}}} >", f"ratio_rate1h{{{SEL}}} >"),
        "checkout-availability: 1.",
    ),
    (
        "services not told apart",
        "slo",
        lambda t: t.replace("sum by (job) (", "sum("),
        "burning in one service: its alerts fire for that service only",
    ),
    (
        "RPC status names not counted as failures",
        "red",
        lambda t: t.replace(
            'rpc_status_code=~\\"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|'
            'DATA_LOSS\\"',
            'rpc_status_code=\\"x\\"',
        ),
        "job_rpc:rpc_server_call_duration_seconds:errors_rate5m",
    ),
    (
        "NOT_FOUND counted as a server failure",
        "red",
        lambda t: t.replace("UNKNOWN|DEADLINE_EXCEEDED", "UNKNOWN|NOT_FOUND|DEADLINE_EXCEEDED"),
        "job_rpc:rpc_server_call_duration_seconds:error_ratio_rate5m",
    ),
    (
        "RPC methods of one service merged",
        "red",
        lambda t: t.replace("sum by (job, rpc_method)", "sum by (job)"),
        "job_rpc:rpc_server_call_duration_seconds:requests_rate5m",
    ),
]


def test_the_unit_tests_fail_on_each_broken_rule_file(tmp_path: Path) -> None:
    """promtool's tests have teeth: alerts that cannot fire, the 30-day factors on a 28-day
    SLO, a wrong window and SLO ratios summed over every service each fail them. One
    promtool process runs every mutant, each in its own folder."""
    write_alerts(DEFAULT_CONVENTIONS, tmp_path / "original")
    files = []
    for i, (what, name, mutate, _) in enumerate(MUTATIONS):
        folder = tmp_path / f"mutant-{i}"
        shutil.copytree(tmp_path / "original", folder)
        path = folder / "rules" / f"{name}.rules.yaml"
        text = path.read_text()
        assert mutate(text) != text, what
        path.write_text(mutate(text))
        files.append(f"mutant-{i}/tests/{name}.test.yaml")
        if name == "slo":  # every SLO mutant breaks checkout-availability: test only it
            tests = folder / files[-1].split("/", 1)[1]
            data = yaml.safe_load(tests.read_text())
            data["tests"] = [t for t in data["tests"] if "checkout-availability" in t["name"]]
            tests.write_text(yaml.safe_dump(data))
    verdicts = promtool_test_each(files, tmp_path)
    for i, (what, _, _, case) in enumerate(MUTATIONS):
        verdict = verdicts[files[i]]
        assert "FAILED" in verdict, f"{what}: the unit tests still pass"
        assert case in verdict, (what, verdict[-2000:])


def _dashboard_exprs(conventions: Path) -> list[str]:
    exprs = []
    for f in render_pipeline("dashboards", conventions).files.values():
        dashboard = json.loads(f.content)
        for panel in dashboard["panels"]:
            exprs.extend(t["expr"] for t in panel["targets"])
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                # label_values(SELECTOR, label) is Grafana's; its selector is PromQL.
                inner = variable["definition"].removeprefix("label_values(").rsplit(",", 1)[0]
                exprs.append(inner)
    return exprs


def _check_exprs(exprs: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    rules = []
    for i, expr in enumerate(exprs):
        for name, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(name, value)
        rules.append({"record": f"dashboard:expr_{i}", "expr": expr})
    path = tmp_path / "dashboard-exprs.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    return promtool("check", "rules", path.name, cwd=tmp_path)


def test_every_dashboard_query_parses_as_promql(tmp_path: Path) -> None:
    """Every query of every rendered dashboard, all conventions files in one promtool run."""
    exprs = []
    for conventions in SOURCES:
        found = _dashboard_exprs(conventions)
        assert len(found) >= 10, conventions
        exprs += found
    checked = _check_exprs(exprs, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_promql_check_refuses_a_broken_query(tmp_path: Path) -> None:
    checked = _check_exprs(["sum by (job (rate(x[5m]))"], tmp_path)
    assert checked.returncode != 0


SLOTH_VERSION = "v0.16.0"


def _sloth() -> Path:
    """Sloth, installed once with `go install` into the CI cache."""
    folder = cache_root().parent / f"sloth-{SLOTH_VERSION}"
    binary = folder / "sloth"
    if not binary.is_file():
        go = shutil.which("go")
        if go is None:
            pytest.skip("Go is not installed (Sloth is installed with go install)")
        proc = subprocess.run(
            [go, "install", f"github.com/slok/sloth/cmd/sloth@{SLOTH_VERSION}"],
            env={**os.environ, "GOBIN": str(folder), "GOFLAGS": "-mod=mod"},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return binary


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_sloth_specs_generate_rules_promtool_accepts(conventions: Path, tmp_path: Path) -> None:
    write_alerts(conventions, tmp_path)
    specs = (
        sorted((tmp_path / "sloth").glob("slos-*.yaml")) if (tmp_path / "sloth").is_dir() else []
    )
    conv = load(conventions)
    periods = {s.window.text for s in conv.slos if s.window.text in ("28d", "30d")}
    assert {p.stem.removeprefix("slos-") for p in specs} == periods
    for spec in specs:
        period = spec.stem.removeprefix("slos-")
        out = tmp_path / f"sloth-{period}.rules.yaml"
        generated = subprocess.run(
            [
                str(_sloth()),
                "generate",
                "-i",
                str(spec),
                "-o",
                str(out),
                "--default-slo-period",
                period,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert generated.returncode == 0, generated.stderr[-3000:]
        names = {s["name"] for s in yaml.safe_load(spec.read_text())["slos"]}
        assert names == {s.name for s in conv.slos if s.window.text == period}
        checked = promtool("check", "rules", out.name, cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
