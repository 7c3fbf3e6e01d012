#!/usr/bin/env bash
# make demo: wirespeed forwarding real traffic between network namespaces.
#
#   ws-gen [gen0] ---- [fwd0] ws-fwd: wirespeed fwd [fwd1] ---- [sink0] ws-sink
#   wirespeed gen                                              wirespeed sink
#
# Brings the testbed up (scripts/testbed.sh), starts the forwarder in ws-fwd
# with AF_XDP ports (AF_PACKET when AF_XDP cannot open) and the full real
# IPv4 table from ../shared/data, sends random destinations from ws-gen for
# DURATION seconds (default 10), counts them in ws-sink, and prints the
# rates and the forwarder's per-node budget table. The testbed comes down at
# the end, on failure and on Ctrl-C.
#
# Usage: scripts/demo.sh BUILD_DIR [DURATION]
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [DURATION]}
duration=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
ws=$root/$build/wirespeed
[[ $build == /* ]] && ws=$build/wirespeed
tb=$root/scripts/testbed.sh
table=$root/../shared/data/rib-v4-gaissmai-tier1-2023-02.txt.gz

if [[ $(id -u) -ne 0 ]]; then
	echo "make demo: needs root (network namespaces, AF_XDP); run: sudo make demo" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/ws-demo.XXXXXX)
fwd_pid=
cleanup() {
	[[ -n $fwd_pid ]] && kill -INT "$fwd_pid" 2>/dev/null && wait "$fwd_pid" 2>/dev/null
	"$tb" down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }

say "the testbed: three network namespaces joined by veth pairs (scripts/testbed.sh)"
"$tb" up >/dev/null
echo "ws-gen (gen0 198.18.0.2) -- ws-fwd (fwd0 | fwd1, wirespeed) -- ws-sink (sink0 198.18.1.2)"

# Traffic may only use 198.18.0.0/15 (the benchmarking range), so the
# destinations are random in 198.19.0.0/16; the full table is loaded all
# the same, as the lookup structure a real router would carry.
routes=
if [[ -f $table ]]; then
	routes="routes $table via 198.18.1.2"
	echo "routing table: $(basename "$table") (the full IPv4 Internet table) plus 198.19.0.0/16"
else
	echo "routing table: 198.19.0.0/16 only ($table not found)"
fi
cat >"$tmp/fwd.conf" <<EOF
port in afxdp dev fwd0
port out afxdp dev fwd1
address in 198.18.0.1/24
address out 198.18.1.1/24
$routes
route 198.19.0.0/16 via 198.18.1.2
control $tmp/fwd.sock
EOF

# With two CPUs or more: the forwarder on CPU 0, the generator and the sink
# on CPU 1 (veth runs each receive on the sender's CPU), so that the
# forwarder's CPU is its own; on one CPU, no pinning.
pin() { if [[ $(nproc) -ge 2 ]]; then echo taskset -c "$1"; fi; }

say "starting the forwarder in ws-fwd"
ip netns exec ws-fwd $(pin 0) "$ws" fwd --config "$tmp/fwd.conf" >"$tmp/fwd.out" 2>"$tmp/fwd.err" &
fwd_pid=$!
for _ in $(seq 300); do [[ -S $tmp/fwd.sock ]] && break; sleep 0.1; done
if [[ ! -S $tmp/fwd.sock ]]; then
	echo "the forwarder did not start:" >&2
	cat "$tmp/fwd.err" >&2
	exit 1
fi
grep -E "AF_XDP|AF_PACKET" "$tmp/fwd.err" || true

say "sending 64-byte UDP packets to random destinations in 198.19.0.0/16 for ${duration} s"
ip netns exec ws-sink $(pin 1) "$ws" sink --port afpacket:sink0 --duration $((duration + 2)) >"$tmp/sink.out" 2>&1 &
sink_pid=$!
sleep 0.5
ip netns exec ws-gen $(pin 1) "$ws" gen --port afpacket:gen0 --dst 198.19.0.0/16 --src 198.18.0.2 \
	--dst-mac 02:00:00:00:01:00 --size 64 --duration "$duration" 2>&1 | tail -n 2
wait "$sink_pid" || true
say "what the sink received"
tail -n 3 "$tmp/sink.out"

say "where the forwarder's time went (wirespeed ctl show runtime)"
"$ws" ctl --socket "$tmp/fwd.sock" show runtime
say "where every packet went (wirespeed ctl show counters)"
"$ws" ctl --socket "$tmp/fwd.sock" show counters
cat <<'EOF'

How to read it: each row of the runtime table is one node of the graph;
ns/pkt is what that node spends per packet and %budget its share of the
67.2 ns a 10 GbE link allows a 64-byte packet. Generator, forwarder and
sink share this machine's two cores, and the veth links copy every packet
in the kernel, so the rate here is set by the generator and the kernel's
veth, not by the forwarder; the per-node figures are the forwarder's own.
kernel_dropped is what the kernel dropped before the forwarder saw it (its
AF_XDP receive ring was full): on a busy VM the forwarder's vCPU is
sometimes held up, and nothing is lost silently.
EOF
