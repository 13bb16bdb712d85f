#!/usr/bin/env bash
# geometry-bench.sh: what a model costs per image geometry. Runs ocgan bench at 28x28x1, 32x32x3,
# 64x64x3 and 128x128x3 on each device given, and prints one table: Algorithm-1 and AE-only
# training images/s (batch 64), scoring images/s (batch 256), batch-1 latency, peak RSS while
# training, and the model's forward GFLOP per image, so the growth of the cost can be read
# against the growth of the work.
#
#   tools/geometry-bench.sh [DEVICE...]     (default: cpu; e.g. "cpu llvmpipe"; needs bin/ocgan)
#
# Environment: GEOMETRIES (default "28x1 32x3 64x3 128x3"; any SIZExCHANNELS of ocgan, e.g. 61x1); ITERS (default 5) timed training
# iterations, WARMUP (default 1), SCORE_ITERS (default 5) timed scoring batches, LATENCY
# (default 50) batch-1 images; OUT (default a temporary folder) keeps the JSON of every run.
# A Vulkan CPU driver needs minutes per iteration at 128x128x3: give it fewer geometries.
set -euo pipefail
cd "$(dirname "$0")/.."
devices=("$@")
[ ${#devices[@]} -gt 0 ] || devices=(cpu)
geometries=${GEOMETRIES:-28x1 32x3 64x3 128x3}
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/geometry-bench.XXXXXX")}
mkdir -p "$out"
[ -x bin/ocgan ] || { echo "geometry-bench: bin/ocgan missing: run make build" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
for dev in "${devices[@]}"; do
  for geo in $geometries; do
    size=${geo%x*} channels=${geo#*x}
    echo "ocgan bench --device $dev --image-size $size --channels $channels"
    bin/ocgan bench --device "$dev" --image-size "$size" --channels "$channels" --json \
      --iters "${ITERS:-5}" --warmup "${WARMUP:-1}" --ae-iters "${ITERS:-5}" \
      --score-iters "${SCORE_ITERS:-5}" --latency "${LATENCY:-50}" \
      >"$out/$dev-$geo.json" 2>"$out/$dev-$geo.err" || { echo "  failed: see $out/$dev-$geo.err" >&2; continue; }
  done
done
python3 - "$out" <<'PY'
import glob, json, os, sys
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    rows.append(json.load(open(f)))
print(f"{'device':28s} {'model':>10s} {'GFLOP/img':>9s} {'Alg-1 img/s':>11s} {'AE img/s':>9s} {'score img/s':>11s} {'batch-1 ms':>10s} {'train RSS MiB':>13s}")
for r in rows:
    dev = f"{r['device']} [{r['backend']}]"
    print(f"{dev[:28]:28s} {r['model']:>10s} {r.get('forward_gflop_per_image', 0):9.3f} {r['train_images_per_s']:11.1f} "
          f"{r['ae_train_images_per_s']:9.1f} {r['score_images_per_s']:11.1f} {r['score_batch1_ms']:10.2f} {r['train_peak_rss_mib']:13.0f}")
print(f"JSON of every run: {sys.argv[1]}")
PY
