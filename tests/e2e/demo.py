"""./demo: one trace across Go and Rust through a real collector.

Renders a Go front, a Rust back and a Go hop with `scaffold new` from the bundled
conventions, builds them and a collector from the rendered builder manifest, starts
everything on loopback, sends three requests, prints each trace as a tree as the collector
exported it, then `scaffold verify` on that export, and stops everything it started.

Run it as `./demo` (which sets up .venv first); `--work DIR` renders elsewhere than .demo/
(a new or empty folder, or one an earlier ./demo made: the demo deletes files in it).
Exit status: 0 when every trace is exactly the five spans linked caller to callee, no
plain personal value is in the export or any log and verify finds no violation; 1
otherwise or when the run fails; 2 when the work folder is refused.
"""

from __future__ import annotations

import argparse
import fcntl
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO

from tests.e2e.scenario import EMAIL, REQUESTS, SESSION_TOKEN, Outcome, problems, run
from tests.e2e.stack import ROOT, Span, build, render

MARKER = ".scaffold-demo"
LOCK = ".scaffold-demo.lock"
# Set by ./demo to the folder it was called from (it changes to the repository root).
CALLER_CWD = "SCAFFOLD_DEMO_CALLER_CWD"
# What a failed run may raise once everything it started is stopped.
FAILURES = (
    RuntimeError,
    OSError,
    ValueError,
    subprocess.SubprocessError,
    http.client.HTTPException,
)

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
    leaks = [p for p in problems(outcome) if p.startswith("plain personal value")]
    say("  plain text of the e-mail address or the token in the export, the services' logs")
    say(f"  or the collector's log: {'; '.join(leaks) or 'none'}")


def report(outcome: Outcome) -> bool:
    """Print the traces and verify's verdict; True when all is well."""
    ok = True
    say("\n== traces, as the collector exported them")
    say(
        f"   ({outcome.export.relative_to(ROOT) if outcome.export.is_relative_to(ROOT) else outcome.export})"
    )
    found = problems(outcome)
    for request, answer in outcome.answers:
        spans = outcome.by_request.get(request.path, [])
        services = sorted({s.service for s in spans})
        trace_id = spans[0].trace_id if spans else "(not found)"
        say(f"\n  GET {request.path} -> {answer.status}   {request.what}")
        say(f"  trace {trace_id}: {len(spans)} spans, services {', '.join(services)}")
        say("    " + f"{'span':<34} {'svc':<6} {'kind':<7}{'duration':>12}  status")
        for line in tree_lines(spans):
            say(line)
        for problem in found:
            if problem.startswith(f"{request.path}:"):
                say(f"  !! {problem}")
    say("\n== personal data")
    _privacy(outcome)
    for problem in found:
        if not problem.startswith("/"):
            say(f"  !! {problem}")
    if found:
        ok = False
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


class Refused(Exception):
    """The work folder cannot be used (exit 2)."""


def work_folder(given: str | None) -> Path:
    """--work as the caller meant it: relative to the folder ./demo was called from,
    made absolute without following links; the default is .demo/ in this checkout."""
    if given is None:
        return ROOT / ".demo"
    caller = os.environ.get(CALLER_CWD) or os.getcwd()
    return Path(os.path.abspath(os.path.join(caller, os.path.expanduser(given))))


def claim(work: Path, default: bool) -> IO[str]:
    """Make `work` the demo's and lock it for this run; the returned lock file must stay
    open until the end. Refuses a link, a file, a folder with content the demo did not
    make (unless it is the default .demo/ of this checkout), and a folder another
    ./demo is using."""
    if work.is_symlink():
        raise Refused(f"{work} is a symbolic link; the demo never follows links: pass a folder")
    if work.exists() and not work.is_dir():
        raise Refused(f"{work} is not a folder: pass a new or empty folder to --work")
    marker = work / MARKER
    if work.is_dir() and any(work.iterdir()) and not marker.is_file() and not default:
        raise Refused(
            f"{work} is not empty and was not made by ./demo (it has no {MARKER} file); "
            "the demo deletes files in its work folder: pass a new or empty folder to --work"
        )
    work.mkdir(parents=True, exist_ok=True)
    for name in (MARKER, LOCK):
        if (work / name).is_symlink():
            raise Refused(f"{work / name} is a symbolic link; remove it")
    if not marker.is_file():
        marker.write_text("A work folder of ./demo: it deletes and rewrites files here.\n")
    fd = os.open(work / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    handle = os.fdopen(fd, "r+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = handle.read().strip() or "?"
        handle.close()
        raise Refused(
            f"another ./demo is running in {work} (pid {pid}); wait for it or pass --work"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _show_failure(exc: BaseException) -> None:
    kind = "" if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: "
    say(f"\nthe demo failed: {kind}{exc}")
    say("   everything the demo started is stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work", default=None, help="where to render (relative to where you are; default .demo/)"
    )
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    started = _STARTED
    work = work_folder(args.work)
    try:
        lock = claim(work, args.work is None)
    except Refused as exc:
        print(f"demo: {exc}", file=sys.stderr, flush=True)
        return 2
    except OSError as exc:
        print(f"demo: cannot use {work} as the work folder: {exc}", file=sys.stderr, flush=True)
        return 2
    with lock:
        say("== scaffold demo: a Go front -> a Rust back -> a Go hop, through a real collector")
        say(f"   conventions: {ROOT / 'conventions' / 'observability.yaml'}; work dir: {work}")
        try:
            say("\n== setup")
            render(work, step)
            built = build(work, step)
            say(f"   ready after {time.monotonic() - started:.0f} s")
            say("\n== run")
            outcome = run(work, built, step)
            for name, address in outcome.addresses.items():
                say(f"   {name:<22} {address}")
            ok = report(outcome)
        except KeyboardInterrupt:
            say("\ninterrupted: everything the demo started is stopped")
            return 130
        except FAILURES as exc:
            _show_failure(exc)
            return 1
    shutdown = ", ".join(f"{n} {s:.1f} s" for n, s in outcome.shutdown_seconds.items())
    say(f"\n== stopped everything it started (SIGTERM to exit: {shutdown})")
    say(f"   total {time.monotonic() - started:.0f} s; {'all well' if ok else 'PROBLEMS above'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
