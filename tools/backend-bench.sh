#!/usr/bin/env bash
# backend-bench.sh: ocgan bench on the native CPU backend side by side with the PyTorch peer's
# bench.py (same protocol: Algorithm-1 and AE-only training at batch 64, scoring at batch 256,
# batch-1 scoring), in alternating rounds on the same machine, then medians and ratios.
#
#   tools/backend-bench.sh [ROUNDS]     (default 3; needs bin/ocgan and Debian's python3-torch)
#
# Environment: DEVICE (default cpu) selects the ocgan device; PEER (default
# ../shared/peers/torch_ocgan) is the peer's folder; OUT (default a temporary folder) keeps the
# JSON of every run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
dev=${DEVICE:-cpu}
peer=${PEER:-../shared/peers/torch_ocgan}
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/backend-bench.XXXXXX")}
mkdir -p "$out"
[ -x bin/ocgan ] || { echo "backend-bench: bin/ocgan missing: run make build" >&2; exit 1; }
[ -e "$peer/bench.py" ] || { echo "backend-bench: no peer at $peer (set PEER)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "backend-bench: install python3-torch" >&2; exit 1; }
peer_abs=$(cd "$peer" && pwd)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
bin/ocgan version | sed 's/^/  /'
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: ocgan bench --device $dev"
  bin/ocgan bench --device "$dev" --json >"$out/ocgan-$r.json" 2>"$out/ocgan-$r.err"
  echo "round $r/$rounds: peer bench.py (batch 256), bench.py --score-bs 1"
  (cd "$out" && /usr/bin/python3 "$peer_abs/bench.py" --out "peer-$r.json" >/dev/null 2>&1)
  (cd "$out" && /usr/bin/python3 "$peer_abs/bench.py" --score-bs 1 --score-iters 200 --iters 1 --ae-iters 1 \
    --warmup 1 --out "peer1-$r.json" >/dev/null 2>&1)
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(f"{out}/ocgan-{r}.json")) for r in range(1, n + 1)]
peer = [json.load(open(f"{out}/peer-{r}.json")) for r in range(1, n + 1)]
peer1 = [json.load(open(f"{out}/peer1-{r}.json")) for r in range(1, n + 1)]
def med(xs): return statistics.median(xs), min(xs), max(xs)
rows = [
  ("Algorithm-1 iteration, batch 64 (images/s)", [o["train_images_per_s"] for o in ours], [p["train_algorithm1"]["images_per_s"] for p in peer], True),
  ("AE-only training, batch 64 (images/s)", [o["ae_train_images_per_s"] for o in ours], [p["train_ae_only"]["images_per_s"] for p in peer], True),
  ("scoring, batch 256 (images/s)", [o["score_images_per_s"] for o in ours], [p["score"]["images_per_s"] for p in peer], True),
  ("scoring, batch 1, median (ms)", [o["score_batch1_ms"] for o in ours], [1000 * p["score"]["median_s"] for p in peer1], False),
  ("scoring, batch 1, p99 (ms, ours)", [o["score_batch1_p99_ms"] for o in ours], None, False),
  ("peak RSS of the process (MiB)", [o["peak_rss_mib"] for o in ours], [p["peak_rss_mib"] for p in peer], False),
  ("peak RSS while training (MiB, ours)", [o["train_peak_rss_mib"] for o in ours], None, False),
]
print(f"device: {ours[0]['device']} [{ours[0]['backend']}: {ours[0]['detail']}]; {n} alternating rounds; median (min-max)")
print(f"{'measurement':46s} {'ocgan':>24s} {'PyTorch peer':>24s} {'ours/peer':>10s}")
for name, a, b, higher in rows:
    ma = med(a)
    sa = f"{ma[0]:.1f} ({ma[1]:.1f}-{ma[2]:.1f})"
    if b is None:
        print(f"{name:46s} {sa:>24s}")
        continue
    mb = med(b)
    sb = f"{mb[0]:.1f} ({mb[1]:.1f}-{mb[2]:.1f})"
    ratio = ma[0] / mb[0] if higher else mb[0] / ma[0]
    print(f"{name:46s} {sa:>24s} {sb:>24s} {ratio:>9.2f}x")
print("(ours/peer > 1 means ocgan is better: more images/s, fewer ms or MiB)")
print(f"JSON of every run: {out}")
PY
