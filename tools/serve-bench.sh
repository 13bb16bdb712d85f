#!/usr/bin/env bash
# serve-bench.sh: `ocgan serve` under load and under attack. For 8 and 64 real clients, each
# without and with two bomb senders, starts a fresh `ocgan serve` on the model, runs
# tools/serveload against it and prints one table: real requests/s, p50 and p99 latency,
# failed real requests, the server's peak RSS and what the bomb senders were answered.
#
#   tools/serve-bench.sh MODEL          (a checkpoint or bundle; needs bin/ocgan: make build)
#
# Environment: DURATION (default 20s) per run; DEVICE (default cpu); SERVE_ARGS, further flags
# for ocgan serve (e.g. "--memory-limit 256MiB").
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: tools/serve-bench.sh MODEL}
[ -x bin/ocgan ] || { echo "serve-bench: bin/ocgan missing: run make build" >&2; exit 1; }
go build -o bin/serveload ./tools/serveload
log=$(mktemp "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| clients | bomb senders | req/s | p50 ms | p99 ms | failed | peak RSS MiB | bomb answers |"
echo "|---|---|---|---|---|---|---|---|"
for clients in 8 64; do
  for bombs in 0 2; do
    # shellcheck disable=SC2086
    bin/ocgan serve --model "$model" --device "${DEVICE:-cpu}" --addr 127.0.0.1:0 --poll -1s ${SERVE_ARGS:-} 2>"$log" &
    pid=$!
    addr=
    for _ in $(seq 600); do
      addr=$(grep -o 'on http://[^ ]*' "$log" | head -1 | cut -c4-) || true
      [ -n "$addr" ] && break
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
      sleep 0.1
    done
    [ -n "$addr" ] || { echo "serve-bench: ocgan serve did not start" >&2; cat "$log" >&2; kill "$pid"; exit 1; }
    bin/serveload --url "$addr" --pid "$pid" --clients "$clients" --bombs "$bombs" --duration "${DURATION:-20s}"
    kill -TERM "$pid"
    wait "$pid" || { echo "serve-bench: ocgan serve exited $? after SIGTERM" >&2; cat "$log" >&2; exit 1; }
  done
done
rm -f "$log"
