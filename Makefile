# ocgan-vk: `make demo` runs the built-in demo, `make test` runs every test.
# Both install missing system packages first (apt-get, as root) or say what to install.

GO       ?= go
GLSLANG  ?= glslangValidator
SPIRV_AS ?= spirv-as
BIN      := bin
DEMO_BUDGET ?= 60s
PARTS    ?= $(BIN)/parts
COMMIT   := $(shell git describe --always --dirty 2>/dev/null)
LDFLAGS  := -X main.commit=$(COMMIT)

COMP   := $(wildcard shaders/*.comp)
GLSL   := $(wildcard shaders/*.glsl)
SPVASM := $(wildcard shaders/*.spvasm)
# Shaders with subgroup operations beyond the basic class also build a basic-tier
# variant, NAME_basic.spv, from the same source with -DTIER_BASIC (shared memory and
# barriers instead of subgroup operations), for devices that lack those classes.
BASIC_TIER := conv2d_fwd conv2d_bwd_data conv2d_bwd_filter reduce_group \
	batch_norm_stats batch_norm_bwd batch_norm_eval_bwd
SPV    := $(COMP:.comp=.spv) $(SPVASM:.spvasm=.spv) $(BASIC_TIER:%=shaders/%_basic.spv)

.PHONY: all build demo parts test deps deps-demo deps-parts shaders check-fmt vet check-nocgo bench clean cross cross-test \
	mender-artifact mender-test

all: build

## build: the ocgan CLI into bin/
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./tools/...

## demo: list the Vulkan devices, check the compute path, then train OCGAN on MNIST digit 1
## for a short budget on the default device and print the test AUC and the time taken
demo: deps-demo build
	./$(BIN)/ocgan devices
	./$(BIN)/ocgan selftest
	./$(BIN)/ocgan train --dataset mnist --class 1 --protocol 1 --budget $(DEMO_BUDGET) --out $(BIN)/demo.ocgan

## parts: a folder of example camera photos for `ocgan train --data`, made from Fashion-MNIST:
## $(PARTS)/good (sneakers, train split), good-kept-aside (sneakers, test split) and defects
## (sandals and ankle boots), 64x48 RGB PNG (tools/partsdemo; rewritten on every run)
parts: deps-parts build
	./$(BIN)/partsdemo --out $(PARTS) --force

# Packages that must build without cgo (no Vulkan, no BLAS): the op set, graphs and
# gradients, the backend interface, the reference backend, models, checkpoints, bundles.
BACKEND_FREE := ./kernels ./kernels/kerneltest ./runtime/graph ./runtime/backend ./runtime/memplan \
	./runtime/refprogram ./runtime/atomicfile ./runtime/boundedfile ./runtime/sysmem ./ocgan/model ./ocgan/weights ./ocgan/onnx ./ocgan/checkpoint ./ocgan/dataset ./ocgan/metrics ./ocgan/results ./ocgan/jobs ./firmware

## test: formatting, go vet, the cgo-free build of the backend-free packages, every test
## (the Vulkan path on lavapipe with validation on, the native CPU backend, both against the
## references), the Vulkan kernels and runtime again with lavapipe's subgroups of 4 and of 16
## lanes (8 by default here), the Vulkan kernels and programs on a device lowered to the Vulkan
## minimum limits (OCGAN_VK_LIMITS=min), the kernels that have a basic subgroup tier again as
## on devices without ballot, arithmetic or shuffle subgroup operations and with only the basic
## class, the training programs with only the basic class (every fallback), and the race
## detector on the concurrent code (the scoring service, the CPU backend's worker team), as many
## at a time as there are cores; then a dry run of the GPU check on lavapipe
## (tools/gpu-check.sh dry-run --no-torch)
test: deps check-fmt vet check-nocgo
	$(MAKE) --no-print-directory -j$(NPROC) --output-sync=target test-go $(VK_CONFIGS:%=test-vk-%) test-race
	GO=$(GO) tools/gpu-check.sh dry-run --no-torch

# The parts of `make test`, run as many at a time as there are cores, longest first: every
# test; the Vulkan tests again under other device configurations (lavapipe with 4- and 16-lane
# subgroups, the Vulkan minimum limits, and fewer subgroup operations: every fallback shader,
# the executor with basic only); the race detector on the concurrent code.
.PHONY: test-go test-race
test-go:
	OCGAN_VK_VALIDATE=1 $(GO) test -count=1 -timeout 9m ./...
test-race:
	$(GO) test -race -count=1 -timeout 3m ./ocgan/serve/ ./runtime/atomicfile/
	$(GO) test -race -count=1 -timeout 3m -run 'Team' ./kernels/cpu/

NPROC      := $(shell nproc 2>/dev/null || echo 2)
VK_WIDTHS  := 128 512
VK_OPS     := basic -ballot -arithmetic -shuffle
VK_CONFIGS := $(VK_WIDTHS:%=width-%) limits-min $(VK_OPS:%=ops-%) program-basic
VK_TEST    := OCGAN_VK_VALIDATE=1 $(GO) test -count=1 -timeout 6m

.PHONY: $(VK_CONFIGS:%=test-vk-%)
$(VK_WIDTHS:%=test-vk-width-%): test-vk-width-%:
	LP_NATIVE_VECTOR_WIDTH=$* $(VK_TEST) ./kernels/vulkan/ ./runtime/vk/ ./runtime/program/ ./runtime/device/
test-vk-limits-min:
	OCGAN_VK_LIMITS=min $(VK_TEST) ./kernels/vulkan/ ./runtime/program/ ./runtime/device/
# (The window-box test forces its tiles: under fewer operations it drops those that need them
# and runs the others' shaders unchanged, as the main run does.)
$(VK_OPS:%=test-vk-ops-%): test-vk-ops-%:
	OCGAN_VK_SUBGROUP_OPS=$* $(VK_TEST) -run 'Conv|BatchNorm|Reduce' -skip 'ConvWindowBoxes' ./kernels/vulkan/
test-vk-program-basic:
	OCGAN_VK_SUBGROUP_OPS=basic $(VK_TEST) ./runtime/program/

## mender-test: the Mender update module (firmware/mender/ocgan-bundle) end to end through
## Debian's Mender client in standalone mode and mender-artifact (installed when missing; needs
## root for a private mount namespace): install, commit, failed installs rolled back, rollback
mender-test: deps
	@tools/deps.sh mender
	OCGAN_MENDER_TEST=1 $(GO) test -count=1 -timeout 5m -run '^TestMenderModule$$' ./tools/ocgan/

## mender-artifact: wrap a signed bundle as a Mender artifact for the ocgan-bundle update module:
## make mender-artifact BUNDLE=FILE.bundle DEVICE_TYPE=TYPE[,TYPE...] [NAME=...] [OUT=FILE.mender]
mender-artifact:
	@test -n "$(BUNDLE)" || { echo "make mender-artifact: set BUNDLE=FILE.bundle (ocgan bundle build)" >&2; exit 2; }
	@test -n "$(DEVICE_TYPE)" || { echo "make mender-artifact: set DEVICE_TYPE to the devices' Mender device type" >&2; exit 2; }
	tools/mender-artifact.sh "$(BUNDLE)" "$(DEVICE_TYPE)" "$(NAME)" "$(OUT)"

deps:
	@tools/deps.sh test

deps-demo:
	@tools/deps.sh demo

deps-parts:
	@tools/deps.sh parts

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

check-nocgo:
	CGO_ENABLED=0 $(GO) build $(BACKEND_FREE)

## shaders: rebuild the committed SPIR-V from the GLSL and SPIR-V assembly sources
shaders: $(SPV)

shaders/%.spv: shaders/%.comp $(GLSL)
	$(GLSLANG) -V --target-env vulkan1.1 -o $@ $<

shaders/%_basic.spv: shaders/%.comp $(GLSL)
	$(GLSLANG) -V --target-env vulkan1.1 -DTIER_BASIC -o $@ $<

shaders/%.spv: shaders/%.spvasm
	$(SPIRV_AS) --target-env vulkan1.1 -o $@ $<

## bench: the device-layer Go benchmarks (BENCHMARKS.md)
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./runtime/vk/

clean:
	rm -rf $(BIN)

## cross: linux/arm64 (Jetson, JetPack 5) builds of ocgan and kbench into bin/linux-arm64/,
## linked against a Debian 11 glibc 2.31 arm64 sysroot (.cross/, downloaded once); fails if
## a binary needs a symbol version above GLIBC_2.31 (tools/cross.sh)
cross:
	@tools/deps.sh cross
	COMMIT=$(COMMIT) GO=$(GO) CROSS_BIN=$(BIN)/linux-arm64 tools/cross.sh build

## cross-test: the arm64 ocgan under qemu-aarch64 with Debian's arm64 lavapipe: devices,
## fp16 query, scores against the amd64 build, selftest (needs the arm64 dpkg architecture)
cross-test: cross build
	@tools/deps.sh cross-test
	GO=$(GO) CROSS_BIN=$(BIN)/linux-arm64 HOST_BIN=$(BIN) tools/cross.sh test
