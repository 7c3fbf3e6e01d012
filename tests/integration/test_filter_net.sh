#!/usr/bin/env bash
# The filter on real interfaces, in the namespace testbed (root only):
#  1. `wirespeed filter run --dev fwd0` (the scrubber): its XDP program,
#     hit by a flood from `wirespeed gen` (6,000 frames to a dropped /17,
#     4,000 to the rest), drops exactly the flood and passes the rest to the
#     kernel; its counters say so; rules XDP cannot run are refused (exit 2);
#     after Ctrl-C no XDP program is left;
#  2. `wirespeed fwd --filter` with AF_XDP and with AF_PACKET ports: the
#     XDP program in front of each port drops the flood, a tcpdump
#     expression runs in the userspace node, and the sink receives exactly
#     what the rules pass; `filter load` swaps the rules live; after Ctrl-C
#     no XDP program is left.
# Rates are low (gen --rate) so that no ring overflows: counts are exact.
set -u
source "$(dirname "$0")/lib.sh"

if [[ $(id -u) -ne 0 ]]; then
	echo "PASS: filter on the testbed: skipped (needs root)"
	exit 0
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
tb=$root/scripts/testbed.sh
tmp=$(mktemp -d /tmp/ws-filter-net.XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
	"$tb" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# gen N frames at RATE to DST (a range) from ws-gen, to fwd0's MAC
gen() {
	ip netns exec ws-gen "$ws" gen --port afpacket:gen0 --dst "$1" --src 198.18.0.2 \
		--dst-mac 02:00:00:00:01:00 --size 64 --rate "$3" --count "$2" >/dev/null 2>&1
}
json_field() { # file, python expression over the last JSON object d
	python3 -c "import json,sys; d=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][-1]; print($2)" "$1"
}

cat >"$tmp/flood.rules" <<'EOF'
# the flood: everything to 198.19.128.0/17
drop dst 198.19.128.0/17 proto udp
count proto udp
EOF
printf 'drop expr "udp"\n' >"$tmp/expr.rules"

# ---- 1. the scrubber
"$tb" up >/dev/null 2>&1
check "filter run refuses a rule XDP cannot run (exit 2)" \
	test "$(exit_code ip netns exec ws-fwd "$ws" filter run --dev fwd0 --rules "$tmp/expr.rules" --control none)" = 2
check "filter run on a missing interface exits 2" \
	test "$(exit_code ip netns exec ws-fwd "$ws" filter run --dev nosuch0 --rules "$tmp/flood.rules" --control none)" = 2
ip netns exec ws-fwd "$ws" filter run --dev fwd0 --rules "$tmp/flood.rules" --control "$tmp/f.sock" \
	--stats-interval 0 --bpf-stats --json >"$tmp/run.json" 2>"$tmp/run.err" &
pid=$!
for _ in $(seq 100); do [[ -S $tmp/f.sock ]] && break; sleep 0.1; done
check "filter run starts and says its XDP mode" grep -q "XDP native\|XDP generic" "$tmp/run.err"
check "the XDP program is on fwd0" bash -c "ip -n ws-fwd link show fwd0 | grep -q xdp"
gen 198.19.200.1-198.19.200.250 6000 50000
gen 198.19.1.1-198.19.1.250 4000 50000
sleep 0.3
check "filter list answers from the scrubber" bash -c "'$ws' filter list --socket '$tmp/f.sock' | grep -q 'drop dst 198.19.128.0/17'"
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
check "Ctrl-C: filter run exits 0" test "$rc" = 0
check "the flood rule dropped exactly the 6,000" test "$(json_field "$tmp/run.json" 'd["rules"][0]["drops"]')" = 6000
check "count saw the 4,000 others" test "$(json_field "$tmp/run.json" 'd["rules"][1]["hits"]')" = 4000
check "the default passed them on (4,000 + whatever the kernel sent)" \
	test "$(json_field "$tmp/run.json" 'd["rules"][2]["hits"]')" -ge 4000
check "nothing else dropped" test "$(json_field "$tmp/run.json" 'd["dropped"]')" = 6000
check "--bpf-stats: the kernel timed every frame the program saw" \
	test "$(json_field "$tmp/run.json" 'd["xdp_runs"] >= d["frames"] >= 10000 and d["xdp_ns_per_run"] > 0')" = True
check "after Ctrl-C no XDP program on fwd0" bash -c "! ip -n ws-fwd link show fwd0 | grep -q xdp"
"$tb" down >/dev/null 2>&1

# ---- 2. fwd --filter, AF_XDP and AF_PACKET ports
cat >"$tmp/fwd.rules" <<'EOF'
drop dst 198.19.128.0/17 proto udp
drop expr "udp and dst net 198.19.64.0/18"
EOF
printf 'drop dst 198.19.1.0/24\n' >"$tmp/new.rules"
for kind in afxdp afpacket; do
	"$tb" up >/dev/null 2>&1
	sock=$tmp/$kind.sock
	cat >"$tmp/$kind.conf" <<EOF
port in $kind dev fwd0
port out $kind dev fwd1
address in 198.18.0.1/24
address out 198.18.1.1/24
route 198.19.0.0/16 via 198.18.1.2
control $sock
filter fwd.rules
EOF
	ip netns exec ws-fwd "$ws" fwd --config "$tmp/$kind.conf" --json >"$tmp/$kind.out" 2>"$tmp/$kind.err" &
	pid=$!
	for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
	check "$kind: the forwarder with a filter starts" test -S "$sock"
	check "$kind: rule 0 runs in XDP on fwd0" grep -q "port in: filter rules 0..0 in XDP on fwd0" "$tmp/$kind.err"
	# resolve the sink's MAC first (one packet through), then count from zero
	gen 198.19.1.1 1 10
	sleep 1.2
	ip netns exec ws-sink "$ws" sink --port afpacket:sink0 --duration 6 --json >"$tmp/sink.json" 2>/dev/null &
	spid=$!
	sleep 0.5
	gen 198.19.200.1-198.19.200.250 3000 30000 # XDP drops
	gen 198.19.70.1-198.19.70.250 2000 30000   # the expression drops, in userspace
	gen 198.19.1.1-198.19.1.250 1000 30000     # forwarded
	sleep 0.5
	check "$kind: filter show says where the rules ran" \
		bash -c "'$ws' ctl --socket '$sock' filter show | grep -q '^1 .*userspace.*2000 .*drop expr'"
	check "$kind: the XDP rule dropped 3,000" \
		bash -c "'$ws' ctl --socket '$sock' filter show | awk '\$1 == 0 { exit !(\$3 == \"xdp\" && \$6 == 3000) }'"
	# live reload: now 198.19.1.0/24 is dropped (in XDP)
	check "$kind: filter load swaps the rules" \
		bash -c "'$ws' filter load '$tmp/new.rules' --socket '$sock' | grep -q 'loaded'"
	gen 198.19.1.1-198.19.1.250 500 30000
	sleep 0.3
	check "$kind: the new rule dropped the next 500" \
		bash -c "'$ws' ctl --socket '$sock' filter show | awk '\$1 == 0 { exit !(\$6 == 500) }'"
	wait "$spid"
	got=$(json_field "$tmp/sink.json" 'd["packets"]')
	check "$kind: the sink got exactly the 1,000 passed ($got)" test "$got" = 1000
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	pid=
	check "$kind: Ctrl-C exits 0" test "$rc" = 0
	check "$kind: the summary counts the userspace drops as filtered" \
		test "$(json_field "$tmp/$kind.out" 'd["drops"].get("filtered", 0)')" = 2000
	check "$kind: no XDP program left" bash -c "! ip -n ws-fwd link show | grep -q xdp"
	"$tb" down >/dev/null 2>&1
done
check "no namespace left" bash -c "! ip netns list | grep -q '^ws-'"
exit 0
