"""The Rust target's view: names, checks, retry arithmetic, the span names the project
expects (tests/rust/expect.py), the sampling rule and the Cargo.toml merge used by
`scaffold add --lang rust`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.errors import ConventionsError, UsageError
from scaffold.render import RenderOptions
from scaffold.targets import rust, rust_crates, shared
from scaffold.targets.registry import render_target
from tests.rust import expect

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "conventions" / "observability.yaml"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile.yaml"
VECTORS = ROOT / "tests" / "vectors" / "sampling.json"


def opts(mode: str = "new", crate: str = "svc") -> RenderOptions:
    return RenderOptions(service_name="svc", target="rust", mode=mode, crate_name=crate)  # type: ignore[arg-type]


def test_max_retries_fit_the_total_retry_time() -> None:
    # 1 + 2 + 4 + 8 + 10 = 25 <= 30 < 35
    assert shared.max_retries(True, 1000, 10000, 30000) == 5
    assert shared.max_retries(True, 1000, 10000, 999) == 0
    assert shared.max_retries(False, 1000, 10000, 30000) == 0
    assert shared.max_retries(True, 0, 0, 10**9) == 20  # bounded even for zero delays


@pytest.mark.parametrize("name", ["payments", "payments-api", "pay_ments", "A1"])
def test_crate_names_accepted(name: str) -> None:
    assert rust.check_crate_name(name) == name


@pytest.mark.parametrize("name", ["", "1abc", "pay ments", "self", "crate", "a/b", "x" * 65, "ü"])
def test_crate_names_rejected(name: str) -> None:
    with pytest.raises(UsageError):
        rust.check_crate_name(name)


def test_view_resolves_the_default_conventions() -> None:
    view = rust.build_view(load(DEFAULT), opts())
    assert view["crate_ident"] == "svc"
    assert view["export"]["grpc"] is True
    assert view["export"]["max_retries"] == 5
    assert {"key": "app.session.token", "action": "Drop"} in view["redactions"]
    assert {"key": "app.user.email", "action": "Hash"} in view["redactions"]
    # Test expectations stay in the test suite, out of the view.
    assert "expected" not in view and "sampling_vectors" not in view
    names = expect.expected_names(load(DEFAULT))
    assert names["http_server"] == "GET /orders/{id}"
    assert names["http_server_fallback"] == "GET"
    assert names["db"] == "SELECT orders"
    assert view["doc_example"] == "no_run"
    assert rust.build_view(load(DEFAULT), opts("add"))["doc_example"] == "ignore"


def test_view_of_hostile_conventions() -> None:
    view = rust.build_view(load(HOSTILE), opts())
    assert view["export"]["grpc"] is False
    names = expect.expected_names(load(HOSTILE))
    assert names["http_client"] == 'GET "client" */'
    # No fallback named: the template with unknown attributes left empty.
    assert names["messaging_producer"] == "send\\orders"
    consts = [a["const"] for a in view["attributes"]]
    assert len(consts) == len(set(consts))


def test_module_name_must_not_collide_with_the_skeleton(tmp_path: Path) -> None:
    """Refused when the conventions are loaded, before any target sees them."""
    text = DEFAULT.read_text(encoding="utf-8").replace(
        "rust_module: telemetry", "rust_module: routes"
    )
    (tmp_path / "o.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConventionsError, match="module the service skeleton has"):
        load(tmp_path / "o.yaml")


def test_add_mode_renders_only_the_module() -> None:
    rendered = render_target("rust", load(DEFAULT), opts("add"))
    assert rendered.paths()
    assert all(p.startswith("src/telemetry/") for p in rendered.paths())
    assert all(f.owner == "generated" for f in rendered.files.values())
    new = render_target("rust", load(DEFAULT), opts("new"))
    assert {"Cargo.toml", "src/main.rs", "src/lib.rs", "src/routes.rs"} <= set(new.paths("user"))


def test_expected_names_follow_template_and_fallback() -> None:
    text = [{"kind": "Text", "value": "send "}, {"kind": "Attr", "value": "a"}]
    fallback = [{"kind": "Text", "value": "send"}]
    assert expect.render_name(text, [], fallback, {"a": "q"}) == "send q"
    assert expect.render_name(text, [], fallback, {}) == "send"
    assert expect.render_name(text, [], text, {}) == "send "
    op = [{"kind": "Attr", "value": "o"}]
    assert expect.render_name(text, [op], fallback, {"o": "SELECT"}) == "SELECT"
    assert expect.render_name(text, [op], fallback, {"o": ""}) == "send"


def test_python_rule_agrees_with_the_shared_vectors() -> None:
    rows = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    assert len(rows) >= 10_000
    for row in rows:
        assert expect.sampled(row["trace_id"], row["ratio"]) == row["sampled"], row


CARGO = """[package]
name = "shop"
version = "0.2.0"
edition = "2021"

[dependencies]
serde-json = "1"   # a different spelling of serde_json
tokio = { version = "1", features = ["full"] }

[dependencies.axum]
version = "0.8"

[features]
extra = []
"""


def test_merge_cargo_toml_adds_only_missing_dependencies() -> None:
    merged = rust_crates.merge_cargo_toml(CARGO, "grpc")
    data = tomllib.loads(merged)
    deps = data["dependencies"]
    # Kept at its version, with the features the module needs added.
    assert deps["tokio"]["version"] == "1"
    assert deps["tokio"]["features"][0] == "full"
    assert {"macros", "signal", "fs"} <= set(deps["tokio"]["features"])
    # A [dependencies.axum] table keeps its version and gains the features the module needs.
    assert deps["axum"]["version"] == "0.8"
    assert {"http1", "tokio", "matched-path", "json"} <= set(deps["axum"]["features"])
    assert "serde_json" not in deps and deps["serde-json"] == "1"
    assert deps["tracing-subscriber"]["features"] == ["std", "registry"]
    assert deps["opentelemetry"]["version"] == rust_crates.OTEL  # a caret requirement
    assert "grpc-tonic" in deps["opentelemetry-otlp"]["features"]
    assert "testing" in data["dev-dependencies"]["opentelemetry_sdk"]["features"]
    assert data["features"] == {"extra": []}
    assert data["package"]["name"] == "shop"
    # Merging again changes nothing.
    assert rust_crates.merge_cargo_toml(merged, "grpc") == merged


def test_merge_cargo_toml_adds_features_to_one_line_declarations() -> None:
    text = (
        '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\n'
        'tower = "0.5"  # a comment\n'
        'tracing-subscriber = { version = "0.3", default-features = false }\n'
    )
    deps = tomllib.loads(rust_crates.merge_cargo_toml(text, "grpc"))["dependencies"]
    assert deps["tower"] == "0.5"  # tower needs no feature outside tests
    assert deps["tracing-subscriber"] == {
        "version": "0.3",
        "default-features": False,
        "features": ["std", "registry"],
    }


def test_merge_cargo_toml_creates_missing_tables() -> None:
    text = '[package]\nname = "x"\nversion = "0.1.0"\nedition = "2021"\n'
    data = tomllib.loads(rust_crates.merge_cargo_toml(text, "http/protobuf"))
    assert "http-proto" in data["dependencies"]["opentelemetry-otlp"]["features"]
    assert "tower" in data["dev-dependencies"]


def test_merge_cargo_toml_refuses_a_workspace_root() -> None:
    with pytest.raises(UsageError):
        rust_crates.merge_cargo_toml('[workspace]\nmembers = ["a"]\n', "grpc")
