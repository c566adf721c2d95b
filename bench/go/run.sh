#!/usr/bin/env bash
# Benchmark the generated net/http middleware against contrib's otelhttp and a
# bare handler (SDK installed, no-op exporter, sampled and unsampled), then
# print the table and the ratios of the added cost.
#
# COUNT (default 7) rounds are run; each round runs all five benchmarks once, so
# a burst of load from elsewhere on the machine hits one round, not one
# benchmark. The median per benchmark is reported.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
PYTHONPATH="$root" "$python" "$here/render.py"
cd "$here"
go vet ./...
go test -c -o bench.test .
: > last-run.txt
for _ in $(seq "${COUNT:-7}"); do
	./bench.test -test.run '^$' -test.bench . -test.benchmem -test.benchtime "${BENCHTIME:-1s}" >> last-run.txt
done
"$python" ratios.py < last-run.txt
