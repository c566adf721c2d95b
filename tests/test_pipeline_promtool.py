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


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_rules_pass_promtool_check_and_unit_tests(conventions: Path, tmp_path: Path) -> None:
    write_alerts(conventions, tmp_path)
    rules = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "rules").glob("*.yaml"))
    assert len(rules) == 3
    checked = promtool("check", "rules", *rules, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = ["tests/slo.test.yaml", "tests/pipeline.test.yaml"]
    tested = promtool("test", "rules", *tests, cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # Every SLO has a burning and a healthy case; burning ones expect its alerts.
    slo_tests = yaml.safe_load((tmp_path / tests[0]).read_text())["tests"] or []
    conv = load(conventions)
    for slo in conv.slos:
        burning = [t for t in slo_tests if t["name"] == f"SLO {slo.name} burning: its alerts fire"]
        healthy = [t for t in slo_tests if t["name"] == f"SLO {slo.name} healthy: no alert"]
        assert len(burning) == len(healthy) == 1, slo.name
        alerts = burning[0]["alert_rule_test"][0]["exp_alerts"]
        severities = {
            a["exp_labels"]["severity"] for a in alerts if a["exp_labels"]["slo"] == slo.name
        }
        assert severities == {"page", "ticket"}, slo.name
        assert healthy[0]["alert_rule_test"][0]["exp_alerts"] == []
    pipeline = yaml.safe_load((tmp_path / tests[1]).read_text())["tests"]
    names = {t["alert_rule_test"][0]["alertname"] for t in pipeline}
    assert len(names) == 5
    assert sum("without _total" in t["name"] for t in pipeline) == 4


def test_the_unit_tests_fail_when_the_alerts_never_fire(tmp_path: Path) -> None:
    """promtool's tests have teeth: alerts that cannot fire make them fail."""
    write_alerts(DEFAULT_CONVENTIONS, tmp_path)
    for name in ("slo", "pipeline"):
        path = tmp_path / "rules" / f"{name}.rules.yaml"
        data = yaml.safe_load(path.read_text())
        for group in data["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    rule["expr"] = "vector(1) > 2"
        path.write_text(yaml.safe_dump(data))
        tested = promtool("test", "rules", f"tests/{name}.test.yaml", cwd=tmp_path)
        assert tested.returncode != 0, f"{name}: unit tests passed with alerts that never fire"
        assert "FAILED" in tested.stdout + tested.stderr


@pytest.mark.parametrize(
    "mutation",
    ["30-day factors", "long window 2h for 1h", "short window 1h for 5m"],
)
def test_the_slo_unit_tests_fail_on_wrong_thresholds_or_windows(
    mutation: str, tmp_path: Path
) -> None:
    """The threshold cases (just above and below each pair's threshold, a recovered short
    window) catch the 30-day factors on a 28-day SLO and a wrong window."""
    write_alerts(DEFAULT_CONVENTIONS, tmp_path)
    path = tmp_path / "rules" / "slo.rules.yaml"
    text = path.read_text()
    sel = 'slo=\\"checkout-availability\\"'
    if mutation == "30-day factors":
        # 28d, objective 99.9%: 13.44, 5.6, 2.8 and 0.933 x 0.001 become 14.4, 6, 3 and 1.
        for old, new in (("0.01344", "0.0144"), ("0.0056 ", "0.006 "), ("0.0028 ", "0.003 ")):
            text = text.replace(f"{sel}}} > {old.strip()}", f"{sel}}} > {new.strip()}")
        text = text.replace(f"{sel}}} > 0.000933333", f"{sel}}} > 0.001")
    elif mutation == "long window 2h for 1h":
        text = text.replace(f"ratio_rate1h{{{sel}}} >", f"ratio_rate2h{{{sel}}} >")
    else:
        text = text.replace(f"ratio_rate5m{{{sel}}} >", f"ratio_rate1h{{{sel}}} >")
    assert text != path.read_text()
    path.write_text(text)
    tested = promtool("test", "rules", "tests/slo.test.yaml", cwd=tmp_path)
    assert tested.returncode != 0, f"{mutation}: the SLO unit tests still pass"
    assert "name: SLO checkout-availability: 1." in tested.stdout + tested.stderr


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


@pytest.mark.parametrize("conventions", SOURCES, ids=lambda p: p.stem)
def test_every_dashboard_query_parses_as_promql(conventions: Path, tmp_path: Path) -> None:
    exprs = _dashboard_exprs(conventions)
    assert len(exprs) >= 10
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
