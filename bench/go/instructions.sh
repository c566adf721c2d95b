#!/usr/bin/env bash
# Count the instructions each benchmark variant executes per request, with
# valgrind's callgrind: a figure that other processes on the machine do not
# move, unlike wall and CPU time. Run bench/go/run.sh first (it renders the
# package and builds bench.test).
#
# Each variant runs twice, with LOW and HIGH requests; the difference divided
# by HIGH - LOW is the cost of one request, without start-up. The garbage
# collector is off (GOGC=off) so that the count is the code path of a request
# alone: whether a collection falls in a run would move it by thousands of
# instructions. Allocations are what the collector's share follows (run.sh's
# B/op and allocs/op). Asynchronous preemption is off too, since callgrind
# does not survive Go's preemption signals. GOMAXPROCS is 1 (override it with
# PROCS): with more, idle threads spin looking for work for as long as the
# slow, serialised run lasts, which moved one binary's count of the bare
# handler from 2,300 to 4,700 instructions per request between runs; with one,
# the same count repeats within a few instructions. Every goroutine's work
# (the batch span processor's too) is still counted.
#
# The batch span processor's timer fires by wall time, so a slow run (a loaded
# machine) counts some exports more: RUNS=N counts every variant N times at
# each size and uses each count's minimum (the floor), which such extra work
# cannot lower.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
[[ -x bench.test ]] || { echo "bench.test missing: run bench/go/run.sh first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
low=${LOW:-10000}
high=${HIGH:-30000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {
	GOMAXPROCS=${PROCS:-1} GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
		./bench.test -test.run '^$' -test.bench "^Benchmark$1\$" -test.benchtime "$2x" >/dev/null 2>"$tmp/err"
	awk '/^summary:/ {print $2; exit}' "$tmp/out"
}
runs=${RUNS:-1}
# The least of `runs` counts of variant $1 at $2 requests.
floor() {
	local best="" c
	for ((i = 0; i < runs; i++)); do
		c=$(count "$1" "$2")
		if [[ -z "$best" || "$c" -lt "$best" ]]; then best=$c; fi
	done
	echo "$best"
}
echo "| benchmark (callgrind, GOGC=off) | instructions per request | added |"
echo "|---|---:|---:|"
declare -A per
for name in Bare FloorSampled GeneratedSampled MinimalSampled OtelhttpSampled GeneratedUnsampled; do
	a=$(floor "$name" "$low")
	b=$(floor "$name" "$high")
	per[$name]=$(((b - a) / (high - low)))
	echo "| $name | ${per[$name]} | $((per[$name] - per[Bare])) |"
done
ratio() { awk -v a="$1" -v b="$2" -v z="${per[Bare]}" 'BEGIN { printf "%.3f", (a - z) / (b - z) }'; }
echo
echo "generated sampled / otelhttp sampled: $(ratio "${per[GeneratedSampled]}" "${per[OtelhttpSampled]}")"
echo "generated sampled / minimal sampled: $(ratio "${per[GeneratedSampled]}" "${per[MinimalSampled]}")"
echo "SDK floor / otelhttp sampled: $(ratio "${per[FloorSampled]}" "${per[OtelhttpSampled]}")"
echo "generated sampled / SDK floor: $(ratio "${per[GeneratedSampled]}" "${per[FloorSampled]}")"
echo "generated unsampled / otelhttp sampled: $(ratio "${per[GeneratedUnsampled]}" "${per[OtelhttpSampled]}")"
