"""The behaviour table, run against real Go and Rust services (see README.md here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.targets.rust_crates import dev_dependencies
from tests.behaviour import check, harness
from tests.behaviour.check_source import Sources
from tests.behaviour.table import HERE, Row, TableError, conventions_text, load
from tests.go.gotools import GO, needs_go, render_service, run
from tests.rust.rusttools import build_kept, needs_cargo, render_crate

ROWS = load()
SERVICE = "behaviour"
FIXTURES = {"go": HERE / "go" / "handlers.go", "rust": HERE / "rust" / "routes.rs"}
# The fixture's routes for the gRPC, database and messaging parts, beside FIXTURES.
PARTS = {"go": HERE / "go" / "parts.go", "rust": HERE / "rust" / "parts.rs"}
# Crates the Rust fixture's gRPC routes use, as a service team would add them: the
# versions the module's own gRPC tests pin (a server and client of the health service).
FIXTURE_CRATES = ("tonic", "tonic-health")


def keep_rendered(dest: Path) -> Path:
    """A copy of the service as scaffold rendered it, before the fixture goes in, beside
    it (so relative paths in its manifest still reach a library): what `expect.source`
    judges."""
    copy = rendered(dest)
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(dest, copy)
    return copy


def rendered(dest: Path) -> Path:
    return dest.with_name(dest.name + "-rendered")


def install_go_fixture(dest: Path, imports: tuple[str, str] | None = None) -> None:
    """The Go fixture's files into the service at dest; `imports` rewrites the import
    of the vendored package (library mode)."""
    for source in (FIXTURES["go"], PARTS["go"]):
        text = source.read_text(encoding="utf-8")
        if imports is not None:
            assert imports[0] in text, f"{source.name} no longer imports the vendored package"
            text = text.replace(*imports)
        (dest / source.name).write_text(text, encoding="utf-8")


def install_rust_fixture(dest: Path) -> None:
    """The Rust fixture's routes into the crate at dest, and tonic in its dependencies."""
    shutil.copyfile(FIXTURES["rust"], dest / "src" / "routes.rs")
    (dest / "src" / "routes").mkdir(exist_ok=True)
    shutil.copyfile(PARTS["rust"], dest / "src" / "routes" / "parts.rs")
    manifest = dest / "Cargo.toml"
    text = manifest.read_text(encoding="utf-8")
    lines = "".join(c.toml() + "\n" for c in dev_dependencies() if c.name in FIXTURE_CRATES)
    assert "\n[dependencies]\n" in text, "the service's Cargo.toml has no [dependencies]"
    manifest.write_text(text.replace("\n[dependencies]\n", "\n[dependencies]\n" + lines, 1))


_built: dict[tuple[str, str], Path] = {}


def _conventions(root: Path, variant: str) -> Path:
    path = root / f"conventions-{variant or 'base'}" / "observability.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(conventions_text(variant), encoding="utf-8")
    return path


def _build_go(root: Path, variant: str) -> Path:
    dest = root / f"go-{variant or 'base'}"
    render_service(
        _conventions(root, variant), dest, service=SERVICE, module="example.com/behaviour"
    )
    keep_rendered(dest)
    install_go_fixture(dest)
    proc = run([str(GO), "build", "-o", "bin/service", "."], dest)
    assert proc.returncode == 0, f"go build of the behaviour service failed:\n{proc.stderr}"
    return dest / "bin" / "service"


def _build_rust(root: Path, variant: str) -> Path:
    dest = root / f"rust-{variant or 'base'}"
    render_crate(_conventions(root, variant), dest, service=SERVICE)
    keep_rendered(dest)
    install_rust_fixture(dest)
    kept = dest / "service"
    proc = build_kept(dest, kept)
    assert (
        proc.returncode == 0
    ), f"cargo build of the behaviour service failed:\n{proc.stderr[-6000:]}"
    return kept


@pytest.fixture(scope="session")
def behaviour_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("behaviour")


def _service(lang: str, variant: str, root: Path) -> Path:
    key = (lang, variant)
    if key not in _built:
        _built[key] = (_build_go if lang == "go" else _build_rust)(root, variant)
    return _built[key]


def _params() -> list[object]:
    out: list[object] = []
    for lang, mark in (("go", needs_go), ("rust", needs_cargo)):
        for row in ROWS:
            out.append(
                pytest.param(lang, row, id=f"{lang}-{row.id}", marks=[mark, pytest.mark.toolchain])
            )
    return out


def _sources(lang: str, service: Path) -> Sources:
    """The render of the vendored service built at `service`, as scaffold wrote it."""
    if lang == "go":
        copy = rendered(service.parent.parent)
        return Sources("go", copy, copy / "internal" / "telemetry")
    copy = rendered(service.parent)
    return Sources("rust", copy, copy / "src" / "telemetry")


@pytest.mark.parametrize(("lang", "row"), _params())
def test_row(lang: str, row: Row, behaviour_root: Path, tmp_path: Path) -> None:
    service = _service(lang, row.variant, behaviour_root)
    result = harness.run_row(service, row, tmp_path)
    found = check.problems(row, result, _sources(lang, service))
    assert not found, (
        f"{lang} fails row {row.id} ({row.source}, issue {row.issue}): {row.what}\n  - "
        + "\n  - ".join(found)
        + f"\n--- service output (last 4000 characters) ---\n{result.output[-4000:]}"
    )


# Issue 13: every item, and every bullet of item 2, has at least one row (by id). A
# row removed or renamed, or an item left without one, fails here.
ISSUE_13: dict[str, tuple[str, ...]] = {
    "1 environment over conventions (precedence)": ("env-service-name-wins",),
    "1 OTEL_PROPAGATORS": ("env-propagators-tracecontext-only",),
    "1 OTEL_EXPORTER_OTLP_INSECURE": ("env-export-variables-accepted",),
    "1 OTEL_EXPORTER_OTLP_PROTOCOL": ("export-startup-line-grpc", "startup-http-json-protocol"),
    "1 export retries": ("export-failure-then-recovered",),
    "2 url.query on server spans": ("http-server-span-attributes",),
    "2 server.address from the configured server name": (
        "http-configured-server-name-wins-over-host",
    ),
    "2 server.address from Host, off the duration": ("http-server-span-attributes",),
    "2 X-Forwarded-For behind a trusted proxy": ("http-forwarded-for-only-from-a-known-proxy",),
    "2 X-Forwarded-Proto behind a trusted proxy": (
        "http-x-forwarded-proto-only-from-a-known-proxy",
    ),
    "2 X-Forwarded-Host behind a trusted proxy": ("http-x-forwarded-host-list-first-element",),
    "2 network.peer.* and user_agent.original by default": ("http-server-span-attributes",),
    "2 no status description when inferable": ("http-transport-error-and-server-error",),
    "2 client transport errors set error.type": ("http-transport-error-and-server-error",),
    "2 a caller-cancelled request is not an error": (
        "http-caller-cancelled-request-is-not-an-error",
    ),
    "2 OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS": ("http-known-methods-variable",),
    "2 sampling routes never become http.route": ("http-sampling-table-is-not-a-route",),
    "2 duration buckets": ("http-server-span-attributes",),
    "2 repeated baggage header lines": ("http-repeated-baggage-headers",),
    "2 repeated tracestate header lines": ("http-repeated-tracestate-headers",),
    "3 telemetry.sdk.* on the resource": ("http-resource-sdk-attributes",),
    "4 RPC call durations and attributes, known method": ("rpc-known-method-client-and-server",),
    "4 RPC unknown method is _OTHER": ("rpc-unknown-method-is-other",),
    "4 RPC recognised-methods option": ("rpc-recognised-methods-option",),
    "5 db span named by db.query.summary": ("db-span-named-by-query-summary",),
    "5 db operation without a collection is named SELECT": (
        "db-operation-without-target-named-by-operation",
    ),
    "5 db naming fallback chain": ("db-span-name-fallback-chain",),
    "5 messaging.operation.name on messaging spans": (
        "messaging-send-and-process-through-headers",
    ),
    "6 Rust tracing span is the server span": ("tracing-handler-error-event-on-server-span",),
    "7 go doc, gofmt, go mod tidy": ("generated-details-doc-format-and-manifest",),
    "8 Go and Rust agree on the same requests": (
        "http-unmatched-route-named-by-method",
        "http-wrong-method-named-by-method",
    ),
    "8 W3C traceparent parsing": (
        "traceparent-malformed-values-start-new-trace",
        "traceparent-higher-version-read-by-its-prefix",
        "traceparent-higher-version-any-bytes-after-the-flags",
    ),
    "8 the random trace flag downstream": ("traceparent-random-flag-kept-downstream",),
    "8 repeated traceparent in a message": ("message-repeated-traceparent-is-no-parent",),
    "8 repeated traceparent in gRPC metadata": ("rpc-repeated-traceparent-metadata-is-no-parent",),
    "8 tracestate grammar and limits": (
        "tracestate-whitespace-and-duplicate-members",
        "tracestate-invalid-or-oversized-is-dropped-parent-kept",
        "tracestate-long-system-id-and-truncation",
    ),
    "8 requests the framework answers itself (redirects, OPTIONS *, hostile paths)": (
        "parity-unclean-path-has-no-route",
        "parity-subtree-without-trailing-slash-has-no-route",
        "parity-options-asterisk-is-not-traced",
        "parity-hostile-paths-follow-one-rule",
    ),
    "8 the same attributes survive a span attribute count limit": (
        "parity-count-limit-one-keeps-the-method",
        "parity-count-limit-two-keeps-method-and-path",
        "parity-count-limit-five-keeps-required-then-route-and-status",
        "parity-count-limit-five-handler-attributes-after-the-request",
    ),
    "8 one warning line per bad variable": (
        "parity-bad-count-limit-one-warning",
        "parity-bad-metric-interval-one-warning",
    ),
}


def test_every_issue_13_item_has_a_row() -> None:
    """Each item of issue 13 maps to rows that exist (some rows proving an item were
    written for another issue and keep its label), and each item has a row of its own
    labelled 13.N."""
    rows = {row.id: row for row in load()}
    missing = {item: [r for r in ids if r not in rows] for item, ids in ISSUE_13.items()}
    missing = {item: ids for item, ids in missing.items() if ids}
    assert not missing, f"issue 13 items whose rows are gone: {missing}"
    items = {item.split()[0] for item in ISSUE_13}
    assert items == {str(n) for n in range(1, 9)}, f"items mapped: {sorted(items)}"
    labelled = {row.issue for row in rows.values()}
    unlabelled = sorted(n for n in items if f"13.{n}" not in labelled)
    assert not unlabelled, f"issue 13 items no row is labelled with: {unlabelled}"


def test_the_table_is_well_formed_and_covers_every_item() -> None:
    rows = load()
    covered = {row.issue for row in rows}
    wanted = {f"12.{n}" for n in range(1, 8)}
    assert wanted <= covered, f"items of issue 12 without a row: {sorted(wanted - covered)}"
    assert "14.7" in covered, "issue 14 item 7 (start-up line, first export failure) has no row"
    assert len({r.id for r in rows}) == len(rows)


def test_a_misspelt_expectation_is_refused(tmp_path: Path) -> None:
    from tests.behaviour import table

    with pytest.raises(TableError, match="unknown keys"):
        table._row("x.yaml", {"id": "a", "issue": "1", "what": "w", "expect": {"span": []}})
    with pytest.raises(TableError, match="may not contain"):
        table._row("x.yaml", {"id": "category", "issue": "1", "what": "w"})
    for bad in ({"matches": "x"}, {"matches": "(", "within": 1}, {"matches": "x", "within": 0}):
        with pytest.raises(TableError, match="wait_output"):
            table._row(
                "x.yaml", {"id": "a", "issue": "1", "what": "w", "steps": [{"wait_output": bad}]}
            )
