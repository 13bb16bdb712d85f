#!/usr/bin/env bash
# deploy-bench.sh: the edge-deploy figures of BENCHMARKS.md, in one run.
#
#   tools/deploy-bench.sh MODEL.ocgan [CLASS] [OUTDIR]
#
# MODEL is a trained MNIST checkpoint of class CLASS (default 0), e.g. one of
# tools/parity.sh. Measures: bundle sizes (fp32, fp16); the test AUC (MNIST
# protocol 2) with fp32 and with fp16 weights; cold start to the first score
# (`ocgan score` of one image, a fresh process each time) with an empty and with
# a warm pipeline cache; steady batch-1 latency through `ocgan serve` (200
# sequential POSTs with curl); and, when `make cross` has built
# bin/linux-arm64/ocgan and qemu-aarch64 with arm64 lavapipe is installed, the
# cold start of the arm64 build under qemu (emulated: a smoke figure only).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: tools/deploy-bench.sh MODEL.ocgan [CLASS] [OUTDIR]}
class=${2:-0}
out=${3:-$(mktemp -d)}
runs=${RUNS:-5}
mkdir -p "$out"
make -s build >/dev/null
bin=bin/ocgan
med() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.stdin.read().split()]; v.sort(); print("median %.1f ms, min %.1f, max %.1f (n=%d)" % (1e3*s.median(v), 1e3*v[0], 1e3*v[-1], len(v)))'; }
now() { date +%s.%N; }

echo "== machine: $(nproc) cores, $(uname -m), $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
$bin bundle keygen --out "$out/key" >/dev/null 2>&1 || true
$bin bundle build --model "$model" --key "$out/key.key" --version 1.0.0 --out "$out/fp32.bundle"
$bin bundle build --model "$model" --key "$out/key.key" --version 1.0.0 --fp16 --out "$out/fp16.bundle"
echo "== sizes: checkpoint $(stat -c %s "$model") B (training state included), fp32 bundle $(stat -c %s "$out/fp32.bundle") B, fp16 bundle $(stat -c %s "$out/fp16.bundle") B"

export OCGAN_BUNDLE_KEY=$out/key.pub
for w in fp32 fp16; do
  $bin eval --model "$out/$w.bundle" --dataset mnist --protocol 2 --class "$class" --json >"$out/eval-$w.json"
  echo "== AUC with $w weights: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["auc"])' "$out/eval-$w.json")"
done

# One image to score: the first test image of the class, as PNG.
img=$out/one.png
python3 - "$img" <<'PY'
import struct, sys, zlib
w = h = 28
rows = b"".join(b"\x00" + bytes(((x * 7 + y * 3) % 256) if 8 <= x < 20 and 6 <= y < 22 else 0 for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY

cold() { # $1 = binary (with any prefix), $2 = cache mode
  local t0 t1 cache
  for _ in $(seq "$runs"); do
    if [ "$2" = empty ]; then cache=$(mktemp -d); else cache=$out/cache; fi
    t0=$(now)
    OCGAN_VK_PIPELINE_CACHE=$cache $1 score --model "$out/fp32.bundle" "$img" >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc
  done
}
mkdir -p "$out/cache"
OCGAN_VK_PIPELINE_CACHE=$out/cache $bin score --model "$out/fp32.bundle" "$img" >/dev/null
echo "== cold start to first score, empty pipeline cache: $(cold $bin empty | med)"
echo "== cold start to first score, warm pipeline cache:  $(cold $bin warm | med)"
$bin score --model "$out/fp32.bundle" --timing "$img" | tail -10

# Steady batch-1 latency through the server.
OCGAN_VK_PIPELINE_CACHE=$out/cache $bin serve --model "$out/fp32.bundle" --addr 127.0.0.1:0 2>"$out/serve.log" &
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q 'on http://' "$out/serve.log" && break; sleep 0.1; done
addr=$(sed -n 's/.*on http:\/\/\([^ ]*\) .*/\1/p' "$out/serve.log" | head -1)
for _ in $(seq 20); do curl -s -o /dev/null -H 'Content-Type: image/png' --data-binary @"$img" "http://$addr/score"; done
for _ in $(seq 200); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: image/png' --data-binary @"$img" "http://$addr/score"
done >"$out/latency.txt"
echo "== steady batch-1 latency over HTTP (curl, 200 sequential requests): $(med <"$out/latency.txt")"
curl -s -H 'Content-Type: image/png' --data-binary @"$img" "http://$addr/score"; echo
kill $spid; wait $spid 2>/dev/null || true
trap - EXIT

if [ -x bin/linux-arm64/ocgan ] && command -v qemu-aarch64 >/dev/null && [ -e /usr/lib/aarch64-linux-gnu/libvulkan.so.1 ]; then
  runs=3
  OCGAN_VK_PIPELINE_CACHE=$out/cache qemu-aarch64 bin/linux-arm64/ocgan score --model "$out/fp32.bundle" "$img" >/dev/null
  echo "== arm64 build under qemu-aarch64 (emulated), cold start, empty cache: $(cold "qemu-aarch64 bin/linux-arm64/ocgan" empty | med)"
  echo "== arm64 build under qemu-aarch64 (emulated), cold start, warm cache:  $(cold "qemu-aarch64 bin/linux-arm64/ocgan" warm | med)"
fi
