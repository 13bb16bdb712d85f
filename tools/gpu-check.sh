#!/usr/bin/env bash
# gpu-check.sh: a one-shot check of the project on a GPU machine prepared from a build machine.
#
#   tools/gpu-check.sh prep   on the build machine: build the binaries into bin/, download the
#                             Vulkan loader and validation layer (.gl/), copy the PyTorch peer (.peer/)
#   tools/gpu-check.sh run    on the GPU machine, with .gl, bin and .peer copied there
#                             (about 9 minutes)
#
# `run` lists the devices, runs the selftest, the device-layer and kernel tests with
# validation on, kbench against PyTorch on CUDA for the same conv shapes, and the peer's
# whole-network bench.py on CUDA; everything lands in $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."

prep() {
  set -e
  make build
  go test -c -o bin/vk.test ./runtime/vk
  go test -c -o bin/kernels.test ./kernels/vulkan
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >>.git/info/exclude
  grep -qx '/.peer/' .git/info/exclude 2>/dev/null || echo /.peer/ >>.git/info/exclude
  mkdir -p .gl /tmp/amd64/partial
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 vulkan-validationlayers)
  rm -rf .peer && cp -r ../shared/peers/torch_ocgan .peer
  du -sh .gl bin .peer
}

run() {
  OUT=${OUT:-/tmp/gpu-check}
  mkdir -p "$OUT"
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  if ! bin/ocgan devices >/dev/null 2>&1 && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
  nvidia-smi -L 2>&1 | head -2
  echo "== devices"
  timeout 60 bin/ocgan devices | tee "$OUT/devices.txt"
  timeout 60 bin/ocgan devices --json >"$OUT/devices.json"
  echo "== selftest"
  timeout 60 bin/ocgan selftest --validate
  echo "== device-layer tests (validation on; llvmpipe-only tests skipped)"
  OCGAN_VK_VALIDATE=1 timeout 120 bin/vk.test -test.skip 'Llvmpipe|SelectDeviceByName' 2>&1 | tail -15
  echo "== kernel tests (validation on)"
  OCGAN_VK_VALIDATE=1 timeout 240 bin/kernels.test 2>&1 | tail -15
  echo "== kbench (PyTorch twin on CUDA)"
  timeout 240 bin/kbench --runs 9 --compare-torch --torch-device cuda --json >"$OUT/kbench.json" 2>"$OUT/kbench.err"
  timeout 60 bin/kbench --runs 5 --filter '^(enc2|enc3|dec2|dec3) ' | tee "$OUT/kbench.txt"
  echo "== PyTorch peer on CUDA"
  (cd .peer && timeout 180 python3 bench.py --device cuda --out "$OUT/torch_bench.json") 2>&1 | tail -15
}

case "${1:-}" in
  prep) prep ;;
  run) run ;;
  *) echo "usage: tools/gpu-check.sh prep|run" >&2; exit 2 ;;
esac
