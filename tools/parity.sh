#!/usr/bin/env bash
# parity.sh: our test AUC beside the PyTorch peer's after an equal number of
# Algorithm-1 iterations, one class at a time, our run then the peer's, never
# both at once.
#
#   [SEED=N] tools/parity.sh [OUTDIR] [EPOCHS] [CLASSES...]     defaults: seed 0, parity-out 1 0 1 8
#
# Both sides: MNIST protocol 2, batch 64, L 16, K 5 mining steps from 75% of
# training, model selection on the validation MSE at the end of every epoch
# (the peer's mid-epoch checkpoints are switched off and it skips no early
# checkpoint, as ours). Writes OUTDIR/ours-sS-cK.json, OUTDIR/peer-sS-cK.json
# (the peer's RESULT record) and the logs; prints a table at the end.
# Wall time: about 10 s per iteration on lavapipe (2 cores), 83-94
# iterations per MNIST epoch, plus ~90 s of test scoring; the peer ~2 s per
# iteration on the same cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-parity-out}
epochs=${2:-1}
shift 2 || true
classes=("$@")
seed=${SEED:-0}
[ ${#classes[@]} -gt 0 ] || classes=(0 1 8)
peer=${PEER:-../shared/peers/torch_ocgan}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
go build -o "$out/ocgan" ./tools/ocgan
for c in "${classes[@]}"; do
  t0=$(date +%s)
  "$out/ocgan" train --dataset mnist --protocol 2 --class "$c" --epochs "$epochs" --seed "$seed" \
    --out "$out/ours-s$seed-c$c.ocgan" --json >"$out/ours-s$seed-c$c.train.log"
  t1=$(date +%s)
  "$out/ocgan" eval --model "$out/ours-s$seed-c$c.ocgan" --dataset mnist --protocol 2 --class "$c" \
    --json >"$out/ours-s$seed-c$c.json"
  t2=$(date +%s)
  echo "ours class $c seed $seed: train $((t1 - t0)) s, eval $((t2 - t1)) s: $(cat "$out/ours-s$seed-c$c.json")"
  "$py" "$peer/auc.py" --dataset mnist --protocol 2 --cls "$c" --mode ocgan --epochs "$epochs" \
    --time-cap 0 --val-every 1000000000 --select-skip-frac 0 --seed "$seed" \
    >"$out/peer-s$seed-c$c.log" 2>&1
  t3=$(date +%s)
  grep '^RESULT' "$out/peer-s$seed-c$c.log" | tee "$out/peer-s$seed-c$c.json"
  echo "peer class $c seed $seed: $((t3 - t2)) s"
done
