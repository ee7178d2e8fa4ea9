#!/usr/bin/env bash
# The operator's board at scale (README § Performance): TERMINALS simulated
# tills (default 100) × INVOICES open invoices (default 10) on one
# PostgreSQL, in one process (examples/scale.rs), against a `till sandbox`
# in its own process, for SECONDS (default 60); the board reads them live.
# Prints the board's time from a stored change to the frame drawn, its CPU
# and memory, the store's writes per second, and each gateway's busiest
# second against its limit.
# Usage: TILL_TEST_DATABASE_URL=postgres://USER@HOST:PORT/postgres \
#        scripts/scale.sh [TERMINALS] [INVOICES] [SECONDS]
# Needs Linux (/proc) and a PostgreSQL server whose user may create a
# database (the run makes a fresh one and drops it).
set -euo pipefail
cd "$(dirname "$0")/.."
terminals=${1:-100}
invoices=${2:-10}
seconds=${3:-60}
: "${TILL_TEST_DATABASE_URL:?set TILL_TEST_DATABASE_URL to a PostgreSQL server (postgres://USER@HOST:PORT/postgres)}"

# SCALE_PROFILE=dev for a quick try (the figures are for release).
profile=${SCALE_PROFILE:-release}
cargo build --profile "$profile" --quiet --bin till --example scale
dir=$( [ "$profile" = "dev" ] && echo debug || echo "$profile" )
target=${CARGO_TARGET_DIR:-target}
till=$target/$dir/till
scale=$target/$dir/examples/scale
work=$(mktemp -d)
cleanup() {
    kill "${sandbox_pid:-}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$till" --data-dir "$work/sandbox" sandbox --listen 127.0.0.1:0 >"$work/sandbox.out" &
sandbox_pid=$!
for _ in $(seq 100); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out" 2>/dev/null | head -1 || true)
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "the sandbox did not start" >&2; exit 1; }

"$scale" --sandbox "$base" --database "$TILL_TEST_DATABASE_URL" \
    --terminals "$terminals" --invoices "$invoices" --seconds "$seconds"
