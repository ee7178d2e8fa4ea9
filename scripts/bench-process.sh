#!/usr/bin/env bash
# Whole-process figures (README § Performance):
#   (c) the poll schedule against a separate `till sandbox` with 10,000 open
#       invoices across the five gateways: requests per second per gateway
#       against its limit (counted by the sandbox), peak memory, CPU;
#   (d) the till showing one open invoice for 60 s, in a pseudo-terminal:
#       CPU used, as a share of one core.
# Usage: scripts/bench-process.sh [INVOICES] [SECONDS]   (default 10000 60)
# Needs Linux (/proc), util-linux `script`, and a release build (made here).
set -euo pipefail
cd "$(dirname "$0")/.."
invoices=${1:-10000}
seconds=${2:-60}
tick=$(getconf CLK_TCK)

cargo build --release --quiet
till=target/release/till
work=$(mktemp -d)
cleanup() {
    kill "${sandbox_pid:-}" "${tui_pid:-}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
"$till" --data-dir "$work/sandbox" sandbox --listen "127.0.0.1:$port" >/dev/null &
sandbox_pid=$!
sleep 1

echo "== (c) poll schedule: $invoices open invoices, $seconds s, sandbox in its own process"
"$till" --data-dir "$work/soak" soak --sandbox "http://127.0.0.1:$port" --invoices "$invoices" --seconds "$seconds"

echo
echo "== (d) idle: one open invoice on screen for $seconds s (demo mode, 100x40 pseudo-terminal)"
cpu_of() { awk -v t="$tick" '{ split($0, a, ") "); split(a[2], f, " "); printf "%.2f", (f[12] + f[13]) / t }' "/proc/$1/stat"; }
# Type 10, Enter (amount), Enter (first method): an invoice opens and is polled.
{ sleep 2; printf '10\r'; sleep 1; printf '\r'; sleep $((seconds + 10)); printf 'q'; } |
    script -qfc "stty rows 40 cols 100; exec $till --data-dir $work/tui" /dev/null >"$work/screen.out" &
sleep 6
tui_pid=$(pgrep -f "^$till --data-dir $work/tui" | head -n1)
before=$(cpu_of "$tui_pid")
sleep "$seconds"
after=$(cpu_of "$tui_pid")
if grep -q "PENDING" "$work/screen.out"; then echo "an invoice is open on screen"; else echo "NO INVOICE ON SCREEN: the figure is not valid"; fi
awk -v a="$after" -v b="$before" -v s="$seconds" -v r="$(awk '/VmHWM/ {print $2}' "/proc/$tui_pid/status")" \
    'BEGIN { printf "CPU: %.2f s in %d s = %.2f%% of one core; peak memory %.1f MB\n", a - b, s, 100 * (a - b) / s, r / 1000 }'
