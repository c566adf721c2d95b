"""./demo: one trace across Go and Rust through a real collector.

Renders a Go front, a Rust back and a Go hop with `scaffold new` from the bundled
conventions, builds them and a collector from the rendered builder manifest, starts
everything on loopback, sends three requests, prints each trace as a tree as the collector
exported it, then `scaffold verify` on that export, and stops everything it started.

Run it as `./demo` (which sets up .venv first); `--work DIR` renders elsewhere than .demo/.
Exit status: 0 when every trace is complete and verify finds no violation, 1 otherwise.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from tests.e2e.scenario import EMAIL, REQUESTS, SESSION_TOKEN, SPANS_PER_TRACE, Outcome, run
from tests.e2e.stack import ROOT, Span, build, render

KINDS = {0: "unset", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
STATUS = {0: "unset", 1: "ok", 2: "ERROR"}


def say(text: str = "") -> None:
    print(text, flush=True)


_STARTED = time.monotonic()


def step(text: str) -> None:
    say(f"  {time.monotonic() - _STARTED:5.0f}s  {text}")


def tree_lines(spans: list[Span]) -> list[str]:
    """One line per span, children indented under their parent, in start order."""
    ids = {s.span_id for s in spans}
    children: dict[str, list[Span]] = {}
    for span in spans:
        parent = span.parent_id if span.parent_id in ids else ""
        children.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s.start):
            label = f"{'   ' * depth}{span.name}"
            lines.append(
                f"    {label:<34} {span.service:<6} {KINDS.get(span.kind, '?'):<7}"
                f"{span.millis:>9.1f} ms  {STATUS.get(span.status, '?')}"
            )
            walk(span.span_id, depth + 1)

    walk("", 0)
    return lines


def _privacy(outcome: Outcome) -> None:
    path = REQUESTS[2].path
    front = [s for s in outcome.by_request.get(path, []) if s.service == "front" and s.kind == 2]
    if not front:
        return
    attrs = front[0].attributes
    say(f"  the front's server span of {path}, as exported:")
    email = attrs.get("app.user.email", "(absent)")
    say(f"    app.user.email    = {email}")
    say(f"      sent as {EMAIL!r}; class pii: hashed by the service (HMAC-SHA-256 with")
    say("      ACME_TELEMETRY_HASH_KEY), then by the collector (OTELCOL_REDACTION_HMAC_KEY)")
    token = attrs.get("app.session.token", "(absent)")
    say(f"    app.session.token = {token}")
    say(f"      sent as {SESSION_TOKEN!r}; class secret: dropped")
    say(f"    app.tenant.id     = {attrs.get('app.tenant.id', '(absent)')}   class none: kept")
    text = outcome.export.read_text()
    leaked = [v for v in (EMAIL, SESSION_TOKEN) if v in text]
    say(f"  plain text of the email or the token anywhere in the export: {leaked or 'none'}")


def report(outcome: Outcome) -> bool:
    """Print the traces and verify's verdict; True when all is well."""
    ok = True
    say("\n== traces, as the collector exported them")
    say(
        f"   ({outcome.export.relative_to(ROOT) if outcome.export.is_relative_to(ROOT) else outcome.export})"
    )
    for request, answer in outcome.answers:
        spans = outcome.by_request.get(request.path, [])
        services = sorted({s.service for s in spans})
        trace_id = spans[0].trace_id if spans else "(not found)"
        say(f"\n  GET {request.path} -> {answer.status}   {request.what}")
        say(f"  trace {trace_id}: {len(spans)} spans, services {', '.join(services)}")
        say("    " + f"{'span':<34} {'svc':<6} {'kind':<7}{'duration':>12}  status")
        for line in tree_lines(spans):
            say(line)
        if len(spans) < SPANS_PER_TRACE or answer.status != request.expect:
            ok = False
            say(f"  !! expected {SPANS_PER_TRACE} spans and status {request.expect}")
    say("\n== personal data")
    _privacy(outcome)
    say("\n== scaffold verify --stage collector (the collector's export)")
    verify = outcome.verify
    assert verify is not None
    for line in (verify.stderr + verify.stdout).splitlines():
        say(f"  {line}")
    say(f"  (exit {verify.returncode})")
    if verify.returncode != 0:
        ok = False
    return ok


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / ".demo", help="where to render")
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    started = _STARTED
    work: Path = args.work.resolve()
    say("== scaffold demo: a Go front -> a Rust back -> a Go hop, through a real collector")
    say(f"   conventions: {ROOT / 'conventions' / 'observability.yaml'}; work dir: {work}")
    try:
        say("\n== setup")
        render(work, step)
        built = build(work, step)
        say(f"   ready after {time.monotonic() - started:.0f} s")
        say("\n== run")
        outcome = run(work, built, step)
    except KeyboardInterrupt:
        say("\ninterrupted: everything the demo started is stopped")
        return 130
    except RuntimeError as exc:
        say(f"\nthe demo failed: {exc}")
        return 1
    for name, address in outcome.addresses.items():
        say(f"   {name:<22} {address}")
    ok = report(outcome)
    shutdown = ", ".join(f"{n} {s:.1f} s" for n, s in outcome.shutdown_seconds.items())
    say(f"\n== stopped everything it started (SIGTERM to exit: {shutdown})")
    say(f"   total {time.monotonic() - started:.0f} s; {'all well' if ok else 'PROBLEMS above'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
