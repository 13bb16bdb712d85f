#!/usr/bin/env bash
# gpu-check.sh: the project checked on a GPU machine in one command, prepared on a build machine.
#
#   tools/gpu-check.sh prep     on the build machine: builds ocgan, kbench and the test binaries
#                               of the device layer, the Vulkan kernels, the Vulkan executor and
#                               the training steps into .gpucheck/, downloads the Vulkan loader,
#                               the validation layer and OpenBLAS as .debs into .gl/, copies the
#                               PyTorch peer into .peer/; prints the paths to carry and fails if
#                               the working tree plus those paths exceed 64 MiB
#   tools/gpu-check.sh run      on the GPU machine (x86-64, NVIDIA GPU, PyTorch with CUDA, no Go,
#                               no network): at most 8 minutes; results in $OUT (default
#                               /tmp/gpu-check)
#   tools/gpu-check.sh dry-run [--no-torch]
#                               on the build machine: builds as prep does (no downloads), then runs
#                               `run` on lavapipe with tiny sizes (GPU_CHECK_DRY=1) and checks its
#                               $OUT; `make test` runs it with --no-torch (the PyTorch steps
#                               skipped), CI (.ci/run) with PyTorch where /usr/bin/python3 has it
#
# `run` unpacks the .debs into / (ldconfig, with OpenBLAS's folder added to the library path),
# points the loader at the NVIDIA driver, pins the NVIDIA discrete GPU by vendor and type
# ($OCGAN_DEVICE), then runs, each step under its own
# timeout: the device list, `ocgan selftest --validate`, the four test binaries with validation
# on (OCGAN_VK_VALIDATE=1; concurrently, each in its package folder), kbench against PyTorch on
# CUDA (CUDA events, TF32 off and on), `ocgan bench` (Algorithm-1 iteration, scoring) on the GPU
# and the peer's `bench.py --device cuda`, with PyTorch's default TF32 setting and with TF32 off.
# $OUT gets summary.txt (each step's status, exit code, seconds and key numbers), logs.tar.gz
# (every step's full output) and the JSON results: 7 files, none in a subfolder. The exit status
# is 0 only when every step that ran passed.
#
# GPU_CHECK_DRY=1 (dry-run): the same steps on lavapipe: no .deb unpacking, the Vulkan CPU
# driver pinned instead of the NVIDIA GPU, one short test per test binary, one kbench shape,
# batches of 2 and single iterations, PyTorch on the CPU (one thread) with /usr/bin/python3
# when it has torch (else, or with GPU_CHECK_TORCH=off, the PyTorch steps are reported as
# skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=.gpucheck
PEER=.peer
DEBS=.gl
CARRY=("$BIN" "$DEBS" "$PEER")
MAX_CARRY=$((64 << 20))   # the working tree plus the carried paths
MAX_RUN_S=480             # the longest `run` may take
MAX_OUT_FILES=8
MAX_OUT_FILE=$((16 << 20))
NVIDIA_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
# The Debian packages unpacked on the GPU machine: the Vulkan loader, the validation layer,
# and OpenBLAS for the native CPU backend the training tests compare with.
DEB_PACKAGES=(libvulkan1 vulkan-validationlayers libopenblas0-pthread libgfortran5 libquadmath0)
OPENBLAS_DIR=/usr/lib/x86_64-linux-gnu/openblas-pthread
# The test binaries: name, package.
TESTS=(vk:runtime/vk kernels:kernels/vulkan program:runtime/program train:ocgan/train)

die() { echo "gpu-check: $*" >&2; exit 1; }

# JSON_PY reads the JSON results: any python3 does (Debian's starts fastest).
JSON_PY=python3
[ -x /usr/bin/python3 ] && JSON_PY=/usr/bin/python3

# build compiles ocgan, kbench and the test binaries, stripped, into $BIN.
build() {
  local go=${GO:-go}
  command -v "$go" >/dev/null || die "$go is not on PATH (the binaries are built on the build machine)"
  local commit
  commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
  mkdir -p "$BIN"
  "$go" build -ldflags "-s -w -X main.commit=$commit" -o "$BIN/" ./tools/ocgan ./tools/kbench ||
    die "building ocgan and kbench failed"
  echo "$commit" >"$BIN/commit"
  local t
  for t in "${TESTS[@]}"; do
    "$go" test -c -ldflags '-s -w' -o "$BIN/${t%%:*}.test" "./${t#*:}" || die "building the tests of ${t#*:} failed"
  done
}

# carried_bytes prints the bytes that travel: the working tree as git sends it
# (tracked and untracked-not-ignored files) plus the carried paths.
carried_bytes() {
  {
    git ls-files -co --exclude-standard -z | xargs -0 -r stat -L -c %s -- 2>/dev/null
    find "${CARRY[@]}" -type f -exec stat -c %s -- {} + 2>/dev/null
  } | awk '{s += $1} END {print s + 0}'
}

prep() {
  build
  rm -rf "$DEBS" && mkdir -p "$DEBS" || die "cannot create $DEBS"
  local lists
  lists=$(mktemp -d) && mkdir -p "$lists/partial" || die "cannot create a temporary apt lists folder"
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${o[@]}" update -qq || die "apt-get update failed (the .debs are downloaded here)"
  (cd "$DEBS" && apt-get "${o[@]}" download "${DEB_PACKAGES[@]}") ||
    die "apt-get download ${DEB_PACKAGES[*]} failed"
  rm -rf "$lists"
  copy_peer || die "copying the PyTorch peer (../shared/peers/torch_ocgan, with bench.py) to $PEER failed"
  local ignored p
  for p in "${CARRY[@]}"; do
    ignored=$(git check-ignore -q "$p/" && echo yes)
    [ "$ignored" = yes ] || die "$p is not ignored by git (.gitignore): it would travel twice"
  done
  du -sh "${CARRY[@]}"
  local total
  total=$(carried_bytes)
  printf 'gpu-check: %d bytes (%.1f MiB) travel: the working tree and %s; the limit is 64 MiB\n' \
    "$total" "$(awk "BEGIN {print $total / 1048576}")" "${CARRY[*]}"
  [ "$total" -le "$MAX_CARRY" ] || die "$total bytes exceed the 64 MiB limit; remove large untracked files or ignore them"
  printf 'carry: ["%s"]\n' "$(printf '%s", "' "${CARRY[@]}" | sed 's/", "$//')"
}

# --- run ---------------------------------------------------------------------------------

# step NAME SECONDS CMD... runs CMD (in $STEP_DIR, default the repository root) under
# timeout, its output in $LOGS/NAME.log, its status, exit code and seconds in $WORK/NAME.status.
step() {
  local name=$1 limit=$2
  shift 2
  local log=$LOGS/$name.log t0=$SECONDS rc status
  echo "gpu-check: $name (up to $limit s)"
  { echo "\$ (cd ${STEP_DIR:-.}) $*"; echo; } >"$log"
  (cd "${STEP_DIR:-.}" && exec timeout -k 5 "$limit" "$@") >>"$log" 2>&1
  rc=$?
  case $rc in
    0) status=pass ;;
    124 | 137) status=timeout ;;
    *) status=fail ;;
  esac
  printf '\n(exit code %d after %d s, limit %d s)\n' "$rc" $((SECONDS - t0)) "$limit" >>"$log"
  printf '%s rc=%d seconds=%d limit=%d' "$status" "$rc" $((SECONDS - t0)) "$limit" >"$WORK/$name.status"
  echo "gpu-check: $name: $status (exit code $rc, $((SECONDS - t0)) s)"
}

# PEER_TWICE runs the peer's bench.py in one interpreter with PyTorch's default TF32
# setting, then with TF32 off for matmul and cuDNN. Arguments: the output folder, then
# bench.py's arguments.
PEER_TWICE='
import runpy, sys, torch
out, args = sys.argv[1], sys.argv[2:]
m, c = torch.backends.cuda.matmul, torch.backends.cudnn
print("PyTorch %s; default TF32: matmul %s, cuDNN %s" % (torch.__version__, m.allow_tf32, c.allow_tf32), flush=True)
for label, name in (("default TF32", "peer-bench.json"), ("TF32 off", "peer-bench-tf32-off.json")):
    if label == "TF32 off":
        m.allow_tf32 = c.allow_tf32 = False
    print("== %s" % label, flush=True)
    sys.argv = ["bench.py"] + args + ["--out", out + "/" + name]
    runpy.run_path("bench.py", run_name="__main__")
'

# skip NAME REASON records a step that did not run; fail_step NAME REASON one that could not.
skip() {
  printf 'skipped (%s)' "$2" >"$WORK/$1.status"
  echo "gpu-check: $1: skipped ($2)"
}
fail_step() {
  printf 'fail (%s)' "$2" >"$WORK/$1.status"
  echo "gpu-check: $1: fail ($2)"
}

# copy_peer copies the PyTorch peer into $PEER; it fails when there is no peer.
copy_peer() {
  local peer=../shared/peers/torch_ocgan
  [ -f "$peer/bench.py" ] || return 1
  rm -rf "$PEER" && cp -r "$peer" "$PEER"
}

# keys KIND FILE prints the key numbers of a step's JSON result.
keys() {
  "$JSON_PY" - "$@" <<'EOF' 2>&1 | head -c 2000
import json, math, sys
kind, path = sys.argv[1], sys.argv[2]
try:
    d = json.load(open(path))
except Exception as e:
    print("(no result: %s)" % e)
    sys.exit(0)
if kind == "kbench":
    rs = d.get("results", [])
    tw = [r for r in rs if r.get("torch_ms")]
    gm = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")
    out = "%d kernels on %s, %.3f ms in all (medians)" % (len(rs), d.get("device"), sum(r["median_ms"] for r in rs))
    if d.get("torch_device"):
        out += "; %d conv shapes timed in PyTorch %s on %s (%s), clock %s" % (
            len(tw), d.get("torch_version"), d["torch_device"], d.get("torch_gpu") or "cpu", d.get("torch_clock"))
    else:
        out += "; no PyTorch comparison"
    if tw:
        out += "; vulkan/torch median time, geometric mean: %.2f vs TF32 off" % gm([r["median_ms"] / r["torch_ms"] for r in tw])
        t32 = [r for r in tw if r.get("torch_tf32_ms")]
        if t32:
            out += ", %.2f vs TF32 on" % gm([r["median_ms"] / r["torch_tf32_ms"] for r in t32])
            out += " (PyTorch default TF32: %s)" % d.get("torch_tf32_default")
    print(out)
elif kind == "bench":
    print("%s [%s]: Algorithm-1 iteration %.3f ms median (%.1f images/s, batch %d), scoring %.1f images/s (batch %d), batch-1 %.3f ms" % (
        d["device"], d["backend"], d["train_algorithm1"]["median_ms"], d["train_images_per_s"],
        d["train_algorithm1"]["images_per_batch"], d["score_images_per_s"], d["score"]["images_per_batch"], d["score_batch1_ms"]))
elif kind == "peer":
    e, t, s = d["env"], d["train_algorithm1"], d["score"]
    print("PyTorch %s on %s%s: Algorithm-1 iteration %.3f ms median (%.1f images/s), scoring %.1f images/s" % (
        e["torch"], e["device"], " (%s)" % e["gpu"] if e.get("gpu") else "", 1000 * t["median_s"], t["images_per_s"], s["images_per_s"]))
EOF
}

# test_counts LOG prints the passed, failed and skipped tests (subtests included) of a -test.v log.
test_counts() {
  local p f s names
  p=$(grep -cE '^ *--- PASS' "$1")
  f=$(grep -cE '^ *--- FAIL' "$1")
  s=$(grep -cE '^ *--- SKIP' "$1")
  names=$(grep -E '^ *--- (FAIL|SKIP)' "$1" | awk '{printf "%s%s %s", sep, $2, $3; sep=", "}')
  echo "passed=$p failed=$f skipped=$s${names:+ ($names)}"
}

# pin_device DEVICES_JSON VENDOR TYPE picks the device the run uses, by vendor (0: any) and
# type, from `ocgan devices --json`, and prints its index ("" when there is none).
pin_device() {
  "$JSON_PY" - "$@" <<'EOF'
import json, sys
want_vendor, want_type = int(sys.argv[2], 0), sys.argv[3]
for d in json.load(open(sys.argv[1]))["devices"]:
    v = d.get("vulkan")
    if v and (want_vendor == 0 or v["vendor_id"] == want_vendor) and v["type"] == want_type:
        print(v["index"])
        break
EOF
}

# check_out checks $OUT against what comes back from the GPU machine: at most 8 plain files,
# each at most 16 MiB, at most two folders down.
check_out() {
  local n big deep
  n=$(find "$OUT" -type f | wc -l)
  big=$(find "$OUT" -type f -size +"$MAX_OUT_FILE"c | tr '\n' ' ')
  deep=$(find "$OUT" -mindepth 4 | tr '\n' ' ')
  if [ "$n" -gt "$MAX_OUT_FILES" ] || [ -n "$big" ] || [ -n "$deep" ] || [ -n "$(find "$OUT" ! -type f ! -type d)" ]; then
    echo "fail ($n files, at most $MAX_OUT_FILES; over 16 MiB: ${big:-none}; too deep: ${deep:-none})"
    return 1
  fi
  echo "pass ($n files, none over 16 MiB)"
}

run() {
  local dry=${GPU_CHECK_DRY:-}
  OUT=${OUT:-/tmp/gpu-check}
  mkdir -p "$OUT" || die "cannot create \$OUT=$OUT"
  [ -z "$(ls -A "$OUT")" ] || die "\$OUT=$OUT is not empty"
  local f
  for f in ocgan kbench; do [ -x "$BIN/$f" ] || die "$BIN/$f is missing: run tools/gpu-check.sh prep first"; done
  for f in "${TESTS[@]}"; do [ -x "$BIN/${f%%:*}.test" ] || die "$BIN/${f%%:*}.test is missing: run tools/gpu-check.sh prep first"; done
  command -v "$JSON_PY" >/dev/null || die "python3 is missing (it reads the JSON results)"
  BIN=$(cd "$BIN" && pwd)
  WORK=$(mktemp -d) || die "cannot create a work folder"
  LOGS=$WORK/logs
  mkdir -p "$LOGS"
  trap 'rm -rf "$WORK"' EXIT

  # Per-step limits (seconds). The tests run concurrently, so the longest path is the sum of
  # the sequential steps plus the longest test binary.
  local t_setup=20 t_devices=15 t_selftest=20 t_kbench=90 t_bench=45 t_peer=70
  local -A t_test=([vk]=150 [kernels]=150 [program]=150 [train]=150)
  local -A run_test=([vk]='' [kernels]='' [program]='' [train]='')
  local python=python3 torch_dev=cuda want_vendor=0x10de want_type=discrete-gpu
  local kbench_args=(--runs 9) bench_args=() peer_args=() selftest_args=()
  if [ -n "$dry" ]; then
    python=/usr/bin/python3 torch_dev=cpu want_vendor=0 want_type=cpu
    run_test=([vk]='^TestBufferRoundTrip$' [kernels]='^TestDenseMatchesReference$'
      [program]='^TestTrainMatchesReference$' [train]='^TestAblationsRunOneIteration$')
    kbench_args=(--runs 1 --warmup 0 --batch 2 --filter '^enc2 conv2d_fwd')
    selftest_args=(--n 1000 --steps 3)
    bench_args=(--train-batch 2 --score-batch 2 --warmup 0 --iters 1 --ae-iters 1 --score-iters 1 --latency 1)
    peer_args=(--threads 1 --train-bs 2 --score-bs 2 --warmup 1 --iters 1 --ae-iters 1 --score-iters 1)
  fi
  local longest=0 k
  for k in "${!t_test[@]}"; do [ "${t_test[$k]}" -gt "$longest" ] && longest=${t_test[$k]}; done
  local total=$((t_setup + t_devices + t_selftest + longest + t_kbench + t_bench + t_peer + 10))
  [ "$total" -le "$MAX_RUN_S" ] || die "the step limits add up to $total s, over $MAX_RUN_S s"

  local t0=$SECONDS torch=yes torch_note
  if [ -n "$dry" ] && [ "${GPU_CHECK_TORCH:-}" = off ]; then
    torch=off torch_note="not used (GPU_CHECK_TORCH=off)"
  elif torch_note=$("$python" -c 'import torch; print(torch.__version__, "with CUDA" if torch.cuda.is_available() else "without CUDA")' 2>/dev/null); then
    torch_note="$python: PyTorch $torch_note"
  else
    torch_note="$python cannot import torch"
    torch=skip
    [ -n "$dry" ] || { torch=; echo "gpu-check: $torch_note; the PyTorch steps fail" >&2; }
  fi

  # setup: the Vulkan loader and validation layer from the .debs, the NVIDIA driver manifest.
  if [ -n "$dry" ]; then
    skip setup "dry run: the system's loader and drivers"
  else
    step setup "$t_setup" bash -c '
      set -e
      for f in "$0"/*.deb; do echo "dpkg -x $f /"; dpkg -x "$f" /; done
      ldconfig -p | grep -q "libopenblas\.so\.0 " || echo "$1" >/etc/ld.so.conf.d/gpu-check-openblas.conf
      ldconfig
      ldconfig -p | grep -E "libvulkan\.so\.1 |libopenblas\.so\.0 "
      ls /usr/share/vulkan/explicit_layer.d' "$PWD/$DEBS" "$OPENBLAS_DIR"
    if [ -e "$NVIDIA_ICD" ]; then
      export VK_DRIVER_FILES=$NVIDIA_ICD VK_ICD_FILENAMES=$NVIDIA_ICD
    fi
    local d
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
      [ -d "$d" ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    done
  fi

  # devices: the list, then the pin by vendor and type.
  step devices "$t_devices" bash -c '"$0"/ocgan devices && "$0"/ocgan devices --json >"$1"' "$BIN" "$OUT/devices.json"
  local pin=
  [ -s "$OUT/devices.json" ] && pin=$(pin_device "$OUT/devices.json" "$want_vendor" "$want_type")
  local pin_note
  if [ -n "$pin" ]; then
    export OCGAN_DEVICE=$pin
    pin_note="pinned OCGAN_DEVICE=$pin: $("$JSON_PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))["devices"][int(sys.argv[2])]["vulkan"]; print("%s (%s, %s %s, subgroup %d lanes: %s)" % (v["name"], v["type"], v["driver"], v["driver_info"], v["subgroup"]["size"], " ".join(v["subgroup"]["operations"])))' "$OUT/devices.json" "$pin")"
  else
    pin_note="no Vulkan device of vendor $want_vendor and type $want_type"
    sed -i 's/^pass /fail /' "$WORK/devices.status" 2>/dev/null
  fi
  echo "gpu-check: $pin_note"
  echo " $pin_note" >>"$WORK/devices.status"

  if [ -n "$pin" ]; then
    OCGAN_VK_VALIDATE=1 step selftest "$t_selftest" "$BIN/ocgan" selftest --validate "${selftest_args[@]}"
    echo " $(grep -m1 -E '^ran in' "$LOGS/selftest.log")" >>"$WORK/selftest.status"
    local name pkg args
    for f in "${TESTS[@]}"; do
      name=${f%%:*} pkg=${f#*:}
      args=(-test.v -test.count=1 -test.timeout "$((t_test[$name] - 10))s")
      [ -n "${run_test[$name]}" ] && args+=(-test.run "${run_test[$name]}")
      OCGAN_VK_VALIDATE=1 STEP_DIR=$pkg step "$name-tests" "${t_test[$name]}" "$BIN/$name.test" "${args[@]}" &
    done
    wait
    for f in "${TESTS[@]}"; do
      name=${f%%:*}
      echo " $(test_counts "$LOGS/$name-tests.log")" >>"$WORK/$name-tests.status"
    done
    if [ "$torch" = yes ]; then
      step kbench "$t_kbench" bash -c '"$0" "${@:2}" >"$1"' "$BIN/kbench" "$OUT/kbench.json" "${kbench_args[@]}" \
        --json --compare-torch --python "$python" --torch-device "$torch_dev"
    else
      step kbench "$t_kbench" bash -c '"$0" "${@:2}" >"$1"' "$BIN/kbench" "$OUT/kbench.json" "${kbench_args[@]}" --json
    fi
    echo " $(keys kbench "$OUT/kbench.json")" >>"$WORK/kbench.status"
    step ocgan-bench "$t_bench" bash -c '"$0" bench --json "${@:2}" >"$1"' "$BIN/ocgan" "$OUT/ocgan-bench.json" "${bench_args[@]}"
    echo " $(keys bench "$OUT/ocgan-bench.json")" >>"$WORK/ocgan-bench.status"
  else
    for f in selftest vk-tests kernels-tests program-tests train-tests kbench ocgan-bench; do
      skip "$f" "no pinned device"
    done
  fi

  # The PyTorch peer on the same machine: PyTorch's default TF32 setting, then TF32 off.
  if [ "$torch" = skip ] || [ "$torch" = off ]; then
    skip peer-bench "PyTorch: $torch_note"
  elif [ ! -f "$PEER/bench.py" ]; then
    if [ -n "$dry" ]; then
      skip peer-bench "no PyTorch peer in $PEER"
    else
      fail_step peer-bench "no $PEER/bench.py: run tools/gpu-check.sh prep"
    fi
  else
    STEP_DIR=$PEER step peer-bench "$t_peer" "$python" -c "$PEER_TWICE" "$OUT" --device "$torch_dev" "${peer_args[@]}"
    echo " default TF32: $(keys peer "$OUT/peer-bench.json"); TF32 off: $(keys peer "$OUT/peer-bench-tf32-off.json")" >>"$WORK/peer-bench.status"
  fi

  # summary.txt and logs.tar.gz.
  local failed=0 s
  {
    echo "gpu-check ${dry:+dry run }$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cat "$BIN/commit" 2>/dev/null)"
    echo "host: $(uname -m), $(nproc) cores; $(nvidia-smi -L 2>/dev/null | head -2 | tr '\n' ' ')"
    echo "device: $pin_note"
    echo "torch: $torch_note"
    echo "step limits: the longest path $total s of $MAX_RUN_S s; this run took $((SECONDS - t0)) s"
    for s in setup devices selftest vk-tests kernels-tests program-tests train-tests kbench ocgan-bench peer-bench; do
      if [ -f "$WORK/$s.status" ]; then
        echo "step $s: $(tr '\n' ' ' <"$WORK/$s.status" | sed 's/ *$//')"
        grep -qE '^(fail|timeout)' "$WORK/$s.status" && failed=1
      else
        echo "step $s: missing"
        failed=1
      fi
    done
  } >"$OUT/summary.txt"
  tar -C "$WORK" -czf "$OUT/logs.tar.gz" logs || failed=1
  local limits
  limits=$(check_out) || failed=1
  echo "out: $limits" >>"$OUT/summary.txt"
  [ "$failed" = 0 ] && echo "result: pass" >>"$OUT/summary.txt" || echo "result: FAIL" >>"$OUT/summary.txt"
  cat "$OUT/summary.txt"
  return "$failed"
}

# dry_run builds as prep does, runs the check on lavapipe into a temporary $OUT and checks
# that its summary names every step and that $OUT is within the limits.
dry_run() {
  case "${1:-}" in
    --no-torch) export GPU_CHECK_TORCH=off ;;
    "") ;;
    *) echo "usage: tools/gpu-check.sh dry-run [--no-torch]" >&2; exit 2 ;;
  esac
  build
  [ -f "$PEER/bench.py" ] || copy_peer || echo "gpu-check: no PyTorch peer to copy; its step is skipped" >&2
  OUT=$(mktemp -d) || die "cannot create a temporary \$OUT"
  local rc=0
  (GPU_CHECK_DRY=1 OUT=$OUT run) || rc=$?
  local s missing=
  for s in setup devices selftest vk-tests kernels-tests program-tests train-tests kbench ocgan-bench peer-bench; do
    grep -qE "^step $s: (pass|fail|timeout|skipped) " "$OUT/summary.txt" 2>/dev/null || missing+=" $s"
  done
  grep -q '^out: pass' "$OUT/summary.txt" 2>/dev/null || missing+=" out-limits"
  [ -s "$OUT/logs.tar.gz" ] || missing+=" logs.tar.gz"
  rm -rf "$OUT"
  [ -z "$missing" ] || die "dry run: the summary lacks or fails:$missing"
  [ "$rc" = 0 ] || die "dry run: a step failed (exit code $rc)"
  echo "gpu-check: dry run passed"
}

case "${1:-}" in
  prep) prep ;;
  run) run ;;
  dry-run) dry_run "${2:-}" ;;
  *) echo "usage: tools/gpu-check.sh prep|run|dry-run [--no-torch]" >&2; exit 2 ;;
esac
