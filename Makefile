# Thin wrapper over Meson + Ninja: the README's commands. The build lives in
# build/ (gcc, the binary build/wirespeed), build-asan/ (the unit tests with
# AddressSanitizer + UndefinedBehaviorSanitizer) and build-clang/ (check-clang).

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_CLANG ?= build-clang
BUILD_FUZZ ?= build-fuzz
PREFIX     ?= /usr/local
MESON_OPTS ?=

.PHONY: all deps deps-bench bench-build build build-asan test demo bench bench-net check-clang install clean fuzz fuzz-build

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
test: build build-asan fuzz-build
	@scripts/run-tests.sh $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

# libFuzzer targets (tests/fuzz), built with clang apart from Meson (they
# need -fsanitize=fuzzer): a short run is part of `make test`, a long one is
# `make fuzz` (FUZZ_TIME seconds each, default 600; the corpus is kept).
FUZZ_TIME ?= 600
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc
# the whole forwarding graph (fuzz_fwd): everything under it but the ports
FUZZ_FWD_SOURCES = $(wildcard src/core/*.c src/fib/*.c src/net/*.c src/graph/*.c src/fwd/*.c) src/io/port.c
fuzz-build: deps
	@mkdir -p $(BUILD_FUZZ)
	@clang $(FUZZ_FLAGS) tests/fuzz/fuzz_net_parse.c src/net/parse.c -o $(BUILD_FUZZ)/fuzz_net_parse
	@clang $(FUZZ_FLAGS) tests/fuzz/fuzz_fwd.c $(FUZZ_FWD_SOURCES) -o $(BUILD_FUZZ)/fuzz_fwd \
		-lurcu-qsbr -lz -lpthread
	@clang $(FUZZ_FLAGS) tests/fuzz/fuzz_filter_cbpf.c src/filter/cbpf.c -o $(BUILD_FUZZ)/fuzz_filter_cbpf -lpcap

fuzz: fuzz-build
	@mkdir -p $(BUILD_FUZZ)/corpus-net-parse $(BUILD_FUZZ)/corpus-fwd $(BUILD_FUZZ)/corpus-filter-cbpf
	$(BUILD_FUZZ)/fuzz_net_parse -max_total_time=$(FUZZ_TIME) $(BUILD_FUZZ)/corpus-net-parse
	$(BUILD_FUZZ)/fuzz_fwd -max_total_time=$(FUZZ_TIME) $(BUILD_FUZZ)/corpus-fwd
	$(BUILD_FUZZ)/fuzz_filter_cbpf -max_total_time=$(FUZZ_TIME) $(BUILD_FUZZ)/corpus-filter-cbpf

# The main job on an embedded default: traffic from wirespeed gen through
# wirespeed fwd (AF_XDP, else AF_PACKET) to wirespeed sink across the
# namespace testbed, with the full real IPv4 table, then the forwarder's
# per-node budget table (scripts/demo.sh; root). DEMO_TIME seconds of
# traffic (default 10).
DEMO_TIME ?= 10
demo: build
	@scripts/demo.sh $(BUILD) $(DEMO_TIME)

# A build directory configured before dpdk-dev was installed must look again.
bench-build: deps-bench build
	@test -x $(BUILD)/bench/ws-bench-core -a -x $(BUILD)/bench/ws-bench-fib -a -x $(BUILD)/bench/ws-bench-fib6 -a -x $(BUILD)/bench/ws-bench-fwd || { meson setup --reconfigure $(BUILD) >/dev/null && ninja -C $(BUILD) >/dev/null; }

bench: bench-build
	@./$(BUILD)/bench/ws-bench-core
	@./$(BUILD)/bench/ws-bench-fib
	@./$(BUILD)/bench/ws-bench-fib6
	@./$(BUILD)/wirespeed bench fwd --json
	@./$(BUILD)/bench/ws-bench-fwd
	@./$(BUILD)/bench/ws-bench-cbpf

# The namespace testbed (bench/net/bench_net.py; root), alternating in
# BENCH_NET_ROUNDS rounds of BENCH_NET_TIME seconds each (defaults 3, 10;
# about 13 minutes): forwarders (the kernel with and without one iptables
# rule, wirespeed fwd with afxdp, afpacket and mmsg ports, dpdk-testpmd on
# af_xdp and af_packet, an XDP_DROP ceiling), generators (wirespeed gen
# against trafgen) and filters (wirespeed's XDP drop with 10,000 prefixes
# against XDP_DROP, iptables raw with an ipset, nftables netdev ingress).
# JSON lines on stdout, the tables of medians and ratios on stderr.
BENCH_NET_TIME ?= 10
BENCH_NET_ROUNDS ?= 3
bench-net: build
	@bench/net/bench_net.py --build $(BUILD) --duration $(BENCH_NET_TIME) --rounds $(BENCH_NET_ROUNDS)

check-clang: deps
	@test -f $(BUILD_CLANG)/build.ninja || CC=clang meson setup $(BUILD_CLANG) $(MESON_OPTS) >/dev/null
	ninja -C $(BUILD_CLANG)

install: build
	meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_CLANG) $(BUILD_FUZZ)
