#!/usr/bin/env bash
# Benchmark the generated Rust server layer against a bare axum router and
# tower-http's TraceLayer with tracing-opentelemetry (criterion, one run), then
# print the table and ratios. Usage: bench/rust/run.sh [conventions.yaml]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
conventions="${1:-$root/conventions/observability.yaml}"
python="${PYTHON:-$root/.venv/bin/python}"
# A private target directory (SCAFFOLD_CARGO_TARGET_DIR, else CARGO_TARGET_DIR):
# a directory other builds share can have the `requests` example replaced mid-run.
export CARGO_TARGET_DIR="${SCAFFOLD_CARGO_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/scaffold-ci/cargo-target}}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

# The module as `scaffold add --lang rust` renders it, for the default conventions.
"$python" - "$conventions" "$here/generated" <<'PY'
import shutil, sys
from pathlib import Path
from scaffold.conventions import load
from scaffold.render import RenderOptions
from scaffold.targets.registry import render_target

conv = load(Path(sys.argv[1]))
out = Path(sys.argv[2])
shutil.rmtree(out, ignore_errors=True)
opts = RenderOptions(service_name="bench", target="rust", mode="add", crate_name="scaffold-bench-rust")
for rel, f in render_target("rust", conv, opts).files.items():
    dest = out / Path(rel).relative_to("src")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(f.content, encoding="utf-8")
PY
if [ ! -d "$here/generated/telemetry" ]; then
  echo "the conventions name another module than 'telemetry'; the benchmark expects it" >&2
  exit 2
fi

cd "$here"
cargo bench --bench layers -- --noplot --measurement-time 10
echo
echo "## wall time (criterion, mean per request)"
"$python" "$here/report.py" "$CARGO_TARGET_DIR/criterion/layers"

# Instruction counts do not move with machine load; they need valgrind.
if command -v valgrind >/dev/null 2>&1; then
  cargo build --release --example requests
  echo
  echo "## instructions (valgrind callgrind, per request)"
  "$python" "$here/instructions.py" "$CARGO_TARGET_DIR/release/examples/requests"
fi
