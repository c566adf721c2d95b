#!/usr/bin/env bash
# Benchmark the generated net/http middleware against contrib's otelhttp and a
# bare handler (SDK installed, no-op exporter, sampled and unsampled), then
# print the table and the ratios of the added cost. COUNT sets -count (default 5;
# the median of the runs is reported).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
PYTHONPATH="$root" "$python" "$here/render.py"
cd "$here"
go test -run '^$' -bench . -benchmem -count "${COUNT:-5}" | tee "$here/last-run.txt" | "$python" "$here/ratios.py"
