#!/usr/bin/env bash
# Usage: scripts/median-ms.sh N CMD [ARGS...]
# Runs CMD N times (its output discarded) and prints the median, fastest and slowest wall
# time in milliseconds. For timing one command beside another in the same run, as
# BENCHMARKS.md does for `schemac diff --from --to` beside `pg_dump --schema-only`.
set -euo pipefail
n=$1
shift
ts=()
for _ in $(seq "$n"); do
  s=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  e=$(date +%s%N)
  ts+=($(((e - s) / 1000000)))
done
printf '%s\n' "${ts[@]}" | sort -n |
  awk '{a[NR] = $1} END {print "median", a[int((NR + 1) / 2)], "ms, min", a[1], "ms, max", a[NR], "ms"}'
