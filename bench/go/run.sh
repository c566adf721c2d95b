#!/usr/bin/env bash
# Benchmark the generated net/http middleware against contrib's otelhttp, a
# minimal hand-written middleware, the SDK floor (the SDK calls alone) and a bare
# handler (SDK installed, no-op exporter, sampled and unsampled), then print the
# table and the ratios of the added cost.
#
# COUNT (default 7) rounds are run. In a round each benchmark runs once, in its
# own process, the variants compared with each other next to each other; odd
# rounds run them in the order below, even rounds in the reverse order, so a
# drift in the machine's load over a round does not always favour the same side.
# ratios.py reports the medians and, for each ratio, the median of the ratios
# taken within one round.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
PYTHONPATH="$root" "$python" "$here/render.py"
cd "$here"
go vet ./...
go test -c -o bench.test .
names=(Bare GeneratedSampled OtelhttpSampled MinimalSampled FloorSampled GeneratedUnsampled OtelhttpUnsampled MinimalUnsampled)
{
	echo "# $(go version); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) CPUs"
	echo "# start: load average $(cut -d' ' -f1-3 /proc/loadavg)"
} > last-run.txt
for round in $(seq "${COUNT:-7}"); do
	order=("${names[@]}")
	if ((round % 2 == 0)); then
		order=()
		for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
	fi
	echo "# round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)" >> last-run.txt
	for name in "${order[@]}"; do
		./bench.test -test.run '^$' -test.bench "^Benchmark${name}\$" -test.benchmem \
			-test.benchtime "${BENCHTIME:-1s}" | grep '^Benchmark' >> last-run.txt
	done
done
echo "# end: load average $(cut -d' ' -f1-3 /proc/loadavg)" >> last-run.txt
grep '^#' last-run.txt
"$python" ratios.py < last-run.txt
