#!/usr/bin/env bash
# The project's single test command: bash scripts/test.sh
# Installs prerequisites, checks formatting and lints, then builds and runs every
# test (including snapshot checks) against a throwaway PostgreSQL 15 cluster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-pg.sh
cargo fmt --all -- --check
# --locked here also guards the test step: cargo-insta has no --locked flag
# (args after `--` go to the test binaries), but once this passes Cargo.lock
# is known to be up to date, so `cargo insta test` will not change it.
cargo clippy --all-targets --locked -- -D warnings
# --check: fail on changed snapshots instead of writing .snap.new files;
# --unreferenced reject: fail on snapshot files that no test uses.
bash scripts/with-pg.sh cargo insta test --check --unreferenced reject
