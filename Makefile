# Thin wrapper over Meson + Ninja: the README's commands. The build lives in
# build/ (gcc, the binary build/wirespeed), build-asan/ (the unit tests with
# AddressSanitizer + UndefinedBehaviorSanitizer) and build-clang/ (check-clang).

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_CLANG ?= build-clang
PREFIX     ?= /usr/local
MESON_OPTS ?=

.PHONY: all deps deps-bench bench-build build build-asan test demo bench check-clang install clean

all: build

deps:
	@scripts/install-deps.sh

deps-bench:
	@scripts/install-deps.sh --bench

$(BUILD)/build.ninja:
	CC=gcc meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS) >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

$(BUILD_ASAN)/build.ninja:
	CC=gcc meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=undefined -Ddpdk_bench=disabled $(MESON_OPTS) >/dev/null

build-asan: deps $(BUILD_ASAN)/build.ninja
	@ninja -C $(BUILD_ASAN) >/dev/null || ninja -C $(BUILD_ASAN)

# Unit tests, the same unit tests under ASan+UBSan, then the integration tests.
test: build build-asan
	@scripts/run-tests.sh $(BUILD) $(BUILD_ASAN)

# The main job on an embedded default. Until the namespace testbed exists:
# the budget table and the in-memory benchmarks against DPDK.
# A build directory configured before dpdk-dev was installed must look again.
bench-build: deps-bench build
	@test -x $(BUILD)/bench/ws-bench-core -a -x $(BUILD)/bench/ws-bench-fib -a -x $(BUILD)/bench/ws-bench-fib6 || { meson setup --reconfigure $(BUILD) >/dev/null && ninja -C $(BUILD) >/dev/null; }

demo: bench-build
	@echo "== wirespeed budget ==" && ./$(BUILD)/wirespeed budget
	@echo && echo "== ring and pool against DPDK (make bench) ==" && ./$(BUILD)/bench/ws-bench-core >/dev/null

bench: bench-build
	@./$(BUILD)/bench/ws-bench-core
	@./$(BUILD)/bench/ws-bench-fib
	@./$(BUILD)/bench/ws-bench-fib6

check-clang: deps
	@test -f $(BUILD_CLANG)/build.ninja || CC=clang meson setup $(BUILD_CLANG) $(MESON_OPTS) >/dev/null
	ninja -C $(BUILD_CLANG)

install: build
	meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_CLANG)
