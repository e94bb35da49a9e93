#!/usr/bin/env bash
# Usage: scripts/signal-soak.sh [RUNS]   (default 100)
# Sends RUNS SIGINTs and RUNS SIGTERMs to `schemac diff --always-shadow` at random moments
# spread over a whole run, against a throwaway PostgreSQL 15, and fails if any run leaves
# a shadow database behind, exits with anything but 130/143 (or its normal 0/1 when it
# finished first), or says it dropped a shadow that still exists. Then checks that the
# server holds no schemac_shadow_* database at all. Prints the outcome tally.
# Reproduce a failure with SCHEMAC_SIGNAL_SEED=<seed printed>.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${1:-100}
export SCHEMAC_SIGNAL_RUNS=$runs
cargo build --tests --locked --quiet
bash scripts/with-pg.sh bash -c '
  set -euo pipefail
  start=$(date +%s)
  cargo test --locked --quiet --test it shadow::signals_at_any_moment_leave_no_shadow_behind -- --exact --nocapture
  left=$(psql "$TEST_DATABASE_URL" -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE '"'"'schemac\_shadow\_%'"'"'")
  echo "signal-soak: $SCHEMAC_SIGNAL_RUNS SIGINT + $SCHEMAC_SIGNAL_RUNS SIGTERM runs in $(( $(date +%s) - start )) s; shadow databases left on the server: $left"
  [ "$left" = 0 ]
'
