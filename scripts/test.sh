#!/usr/bin/env bash
# The project's single test command: bash scripts/test.sh
# Installs prerequisites, checks formatting and lints, then builds and runs every
# test (including snapshot checks) against a throwaway PostgreSQL 15 cluster.
#
# Snapshots are checked by the insta crate itself, without cargo-insta (which would take
# minutes to install): INSTA_UPDATE=no makes a changed snapshot fail its test instead of
# writing a .snap.new file, and every snapshot a test reads is recorded in a list, so a
# snapshot file that no test uses fails the run too. To update snapshots after a deliberate
# change: `INSTA_UPDATE=always bash scripts/with-pg.sh cargo test`, then review `git diff`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-pg.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

refs=$(mktemp)
trap 'rm -f "$refs"' EXIT
INSTA_UPDATE=no INSTA_FORCE_PASS=0 INSTA_SNAPSHOT_REFERENCES_FILE="$refs" \
  bash scripts/with-pg.sh cargo test --locked

# Unreferenced snapshots: files under snapshots/ that no assertion read.
unreferenced=$(comm -23 \
  <(find "$PWD/snapshots" -name '*.snap' | sort -u) \
  <(xargs -r -n1 realpath <"$refs" 2>/dev/null | sort -u))
if [ -n "$unreferenced" ]; then
  echo "unreferenced snapshots (no test uses them; delete them or restore their test):" >&2
  echo "$unreferenced" >&2
  exit 1
fi
echo "snapshots: $(find snapshots -name '*.snap' | wc -l) files, all referenced"
