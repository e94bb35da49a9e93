#!/usr/bin/env bash
# Usage: scripts/query-ms.sh DB_URL QUERY_FILE [SCHEMA]
# The server's execution and planning time of one catalog query (src/introspect/queries/),
# in milliseconds: the median of 7 `EXPLAIN (ANALYZE, TIMING OFF)` runs. The query's
# parameters are bound as the catalog read binds them for one connection reading all
# tables by form: $1 = ARRAY[SCHEMA] (default public), $2 = 1, $3 = 0, $4 = true.
# BENCHMARKS.md uses it on the databases `bench_dbdiff --keep` leaves.
set -euo pipefail
db=$1
file=$2
schema=${3:-public}
# A query that follows tables_cte.sql (it says so) is run after it, as introspect runs it.
files=("$file")
if grep -q 'Follows `tables_cte.sql`' "$file"; then
  files=("$(dirname "$file")/tables_cte.sql" "$file")
fi
q=$(cat "${files[@]}" | sed "s/\\\$1/ARRAY[\$q\$${schema}\$q\$]/g; s/\\\$2/1/g; s/\\\$3/0/g; s/\\\$4/true/g")
for _ in 1 2 3 4 5 6 7; do
  psql "$db" -XAtc "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $q" |
    python3 -c 'import json, sys; d = json.load(sys.stdin)[0]; print(d["Execution Time"], d["Planning Time"])'
done | sort -n | sed -n 4p | awk '{print "execution", $1, "ms, planning", $2, "ms"}'
