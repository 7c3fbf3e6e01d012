#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/testbed.sh: `up` builds the three namespaces with the documented
# links, MACs, addresses and routes and nothing that leads out of
# 198.18.0.0/15 and 127.0.0.0/8; in --kernel mode an ICMP echo from ws-gen
# reaches ws-sink through ws-fwd's kernel (one hop off the TTL), in the
# default mode it does not; `up` twice, `down` twice, a `down` with a process
# left inside, and an `up` made to fail at each of its steps all leave
# nothing behind. Needs root; otherwise one PASS line says it was skipped.
# Prints "PASS: name" / "FAIL: name" per check (see scripts/run-tests.sh).
set -u
. "$(dirname "$0")/lib.sh"

if [[ $(id -u) -ne 0 ]]; then
	echo "PASS: testbed: skipped (needs root)"
	exit 0
fi

tb=$PWD/scripts/testbed.sh
tmp=$(mktemp -d /tmp/ws-testbed-test.XXXXXX)
trap 'bash "$tb" down >/dev/null 2>&1; rm -rf "$tmp"' EXIT

readonly NSES=(ws-gen ws-fwd ws-sink)
# namespace link MAC
readonly LINKS=("ws-gen gen0 02:00:00:00:00:01" "ws-fwd fwd0 02:00:00:00:01:00"
	"ws-fwd fwd1 02:00:00:00:01:01" "ws-sink sink0 02:00:00:00:02:00")

# ICMP echo over a raw socket, so the test needs no ping binary: COUNT
# requests to DST, each waiting TIMEOUT seconds for its reply; prints
# "ttl=N" per reply, exits 0 only if every request was answered.
cat >"$tmp/echo.py" <<'EOF'
import ipaddress, os, select, socket, struct, sys, time
dst, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# The testbed rules: never a packet to an address outside 198.18.0.0/15.
assert ipaddress.ip_address(dst) in ipaddress.ip_network("198.18.0.0/15"), dst

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident = os.getpid() & 0xFFFF
payload = b"wirespeed testbed echo.."
answered = 0
for seq in range(1, count + 1):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq)
    sock.sendto(hdr + payload, (dst, 0))
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sock], [], [], left)[0]:
            break
        data, addr = sock.recvfrom(2048)
        ihl = (data[0] & 0x0F) * 4
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if addr[0] == dst and typ == 0 and rid == ident and rseq == seq:
            print("ttl=%d" % data[8])
            answered += 1
            break
sys.exit(0 if answered == count else 1)
EOF

# Every route of namespace NS, in every table: no default route, IPv4 only
# inside 198.18.0.0/15 and 127.0.0.0/8 (gateways inside 198.18.0.0/15),
# IPv6 only link-local, multicast and loopback.
cat >"$tmp/routes.py" <<'EOF'
import ipaddress as ip, json, subprocess, sys
ns = sys.argv[1]
ok4 = [ip.ip_network("198.18.0.0/15"), ip.ip_network("127.0.0.0/8")]
ok6 = [ip.ip_network("fe80::/10"), ip.ip_network("ff00::/8"), ip.ip_network("::1/128")]
bad = []
for fam, ok in (("-4", ok4), ("-6", ok6)):
    out = subprocess.run(["ip", "-n", ns, "-j", fam, "route", "show", "table", "all"],
                         check=True, capture_output=True, text=True).stdout
    for r in json.loads(out or "[]"):
        dst = r.get("dst", "")
        if dst == "default" or not dst:
            bad.append(r)
            continue
        net = ip.ip_network(dst, strict=False)
        if net.prefixlen == 0 or not any(net.subnet_of(o) for o in ok if o.version == net.version):
            bad.append(r)
        gw = r.get("gateway")
        if gw and ip.ip_address(gw) not in ok[0]:
            bad.append(r)
for r in bad:
    print("%s: route outside the testbed: %s" % (ns, r))
sys.exit(1 if bad else 0)
EOF

run_tb() { bash "$tb" "$@" >"$tmp/out" 2>&1; }
ns_listed() { ip netns list | grep -q "^$1\( \|$\)"; }
link_line() { ip -n "$1" -o link show dev "$2" 2>/dev/null; }

# True when no testbed namespace and no testbed link is left anywhere the
# host can name: `ip netns list`, /run/netns, every named namespace
# (`ip -all netns exec`) and the root namespace.
nothing_left() {
	local ns
	for ns in "${NSES[@]}"; do
		ns_listed "$ns" && { echo "left: namespace $ns" >&2; return 1; }
		[[ -e /run/netns/$ns ]] && { echo "left: /run/netns/$ns" >&2; return 1; }
	done
	if ip -all netns exec ip -o link show 2>/dev/null |
		grep -Ei '(gen0|fwd0|fwd1|sink0)@.*(02:00:00:00:00:01|02:00:00:00:01:0[01]|02:00:00:00:02:00)'; then
		echo "left: a testbed veth in a named namespace" >&2
		return 1
	fi
	if ip -o link show | grep -E ': (gen0|fwd0|fwd1|sink0)[@:]'; then
		echo "left: a testbed link in the root namespace" >&2
		return 1
	fi
	return 0
}

# The layout both modes share: namespaces, lo, links with their MACs, up, the
# offloads off, accept_dad 0, the endpoint addresses and routes.
check_layout() { # mode label
	local m=$1 ns l mac line feat want
	for ns in "${NSES[@]}"; do
		check "$m: namespace $ns listed" ns_listed "$ns"
		check "$m: lo up in $ns" bash -c "ip -n $ns -o link show dev lo | grep -q ',UP'"
		check "$m: $ns has no default route and no route outside 198.18.0.0/15, 127.0.0.0/8" \
			python3 "$tmp/routes.py" "$ns"
		want=0
		[[ $ns == ws-fwd && $m == kernel ]] && want=1
		check "$m: ip_forward in $ns is $want" test "$(ip netns exec "$ns" sysctl -n net.ipv4.ip_forward)" = $want
	done
	for line in "${LINKS[@]}"; do
		read -r ns l mac <<<"$line"
		check "$m: $l in $ns has MAC $mac" bash -c "ip -n $ns -o link show dev $l | grep -q 'link/ether $mac '"
		check "$m: $l in $ns is up" bash -c "ip -n $ns -o link show dev $l | grep -q ' state UP '"
		check "$m: $l is a veth" bash -c "ip -n $ns -d -o link show dev $l | grep -q ' veth '"
		feat=$(ip netns exec "$ns" ethtool -k "$l")
		check "$m: $l has gro, gso, tso and tx checksum offload off" bash -c '
			for f in generic-receive-offload generic-segmentation-offload \
				tcp-segmentation-offload tx-checksumming; do
				grep -q "^$f: off" <<<"$1" || exit 1
			done' _ "$feat"
		check "$m: $l has accept_dad 0" \
			test "$(ip netns exec "$ns" sysctl -n "net.ipv6.conf.$l.accept_dad")" = 0
	done
	check "$m: gen0 is 198.18.0.2/24" bash -c "ip -n ws-gen -o -4 addr show dev gen0 | grep -q ' 198.18.0.2/24 '"
	check "$m: sink0 is 198.18.1.2/24" bash -c "ip -n ws-sink -o -4 addr show dev sink0 | grep -q ' 198.18.1.2/24 '"
	check "$m: ws-gen routes 198.18.0.0/15 via 198.18.0.1 dev gen0" \
		bash -c "ip -n ws-gen route show 198.18.0.0/15 | grep -q '^198.18.0.0/15 via 198.18.0.1 dev gen0'"
	check "$m: ws-sink routes 198.18.0.0/15 via 198.18.1.1 dev sink0" \
		bash -c "ip -n ws-sink route show 198.18.0.0/15 | grep -q '^198.18.0.0/15 via 198.18.1.1 dev sink0'"
	check "$m: no testbed link in the root namespace" bash -c "! ip -o link show | grep -qE ': (gen0|fwd0|fwd1|sink0)[@:]'"
	check "$m: status exits 0 and names every namespace" \
		bash -c "bash '$tb' status >'$tmp/status' 2>&1 && grep -q ws-gen '$tmp/status' &&
			grep -q ws-fwd '$tmp/status' && grep -q ws-sink '$tmp/status'"
}

# --- usage and the root check (no testbed needed)
check "no command exits 2" test "$(exit_code bash "$tb")" = 2
check "unknown command exits 2" test "$(exit_code bash "$tb" frobnicate)" = 2
check "up --bogus exits 2" test "$(exit_code bash "$tb" up --bogus)" = 2
check "exec with an unknown namespace exits 2" test "$(exit_code bash "$tb" exec nowhere true)" = 2
check "--help exits 0 and draws the picture" bash -c "bash '$tb' --help | grep -q 'gen0.*fwd0'"
mapfile -t steps < <(bash "$tb" steps)
check "steps lists the steps of up (${steps[*]})" test "${#steps[@]}" -ge 5
cp "$tb" "$tmp/testbed-copy.sh"
chmod 755 "$tmp" && chmod 644 "$tmp/testbed-copy.sh"
nonroot=$(setpriv --reuid=65534 --regid=65534 --clear-groups bash "$tmp/testbed-copy.sh" up 2>&1)
rc=$?
check "not root: up exits 1 (exit $rc)" test "$rc" = 1
check "not root: up says it needs root" grep -q "must run as root" <<<"$nonroot"

# --- down when there is nothing, twice
check "down with no testbed exits 0" run_tb down
check "down again exits 0" run_tb down
check "status with no testbed exits 1" test "$(exit_code bash "$tb" status)" = 1
check "exec with no testbed fails" bash -c "! bash '$tb' exec gen true 2>/dev/null"
check "nothing left before up" nothing_left

# --- default (wirespeed) mode
check "up exits 0" run_tb up
check_layout default
for l in fwd0 fwd1; do
	check "default: $l has no kernel address (IPv4 or IPv6)" \
		test -z "$(ip -n ws-fwd -o addr show dev "$l")"
done
check "exec runs in the namespace" bash -c "bash '$tb' exec gen ip -o link show | grep -q ' gen0@'"
check "exec passes the exit status on" test "$(exit_code bash "$tb" exec sink sh -c 'exit 7')" = 7
check "default: ws-fwd's kernel does not forward (no echo reply)" \
	bash -c "! ip netns exec ws-gen python3 '$tmp/echo.py' 198.18.1.2 1 1"

# --- kernel mode, over the default testbed (up tears down first)
check "up --kernel exits 0" run_tb up --kernel
check_layout kernel
check "kernel: fwd0 is 198.18.0.1/24" bash -c "ip -n ws-fwd -o -4 addr show dev fwd0 | grep -q ' 198.18.0.1/24 '"
check "kernel: fwd1 is 198.18.1.1/24" bash -c "ip -n ws-fwd -o -4 addr show dev fwd1 | grep -q ' 198.18.1.1/24 '"
tx0=$(ip netns exec ws-fwd cat /sys/class/net/fwd1/statistics/tx_packets)
replies=$(ip netns exec ws-gen python3 "$tmp/echo.py" 198.18.1.2 3 2)
rc=$?
tx1=$(ip netns exec ws-fwd cat /sys/class/net/fwd1/statistics/tx_packets)
ttl0=$(ip netns exec ws-sink sysctl -n net.ipv4.ip_default_ttl)
check "kernel: 3 echo requests from ws-gen to 198.18.1.2 all answered (exit $rc)" test "$rc" = 0
check "kernel: every reply shows one hop (ttl $((ttl0 - 1)): $(tr '\n' ' ' <<<"$replies"))" \
	test "$(grep -c "^ttl=$((ttl0 - 1))$" <<<"$replies")" = 3
check "kernel: the requests left ws-fwd by fwd1 ($tx0 -> $tx1 packets)" test $((tx1 - tx0)) -ge 3

# --- up twice in a row
check "up (first of two) exits 0" run_tb up
check "up (second of two) exits 0" run_tb up
check "after two ups: each namespace once" \
	test "$(ip netns list | grep -cE '^ws-(gen|fwd|sink)( |$)')" = 3
check "after two ups: status exits 0" run_tb status
check "after two ups: fwd0 in ws-fwd" bash -c "ip -n ws-fwd -o link show dev fwd0 >/dev/null 2>&1"

# --- down with a process still inside a namespace
ip netns exec ws-fwd sleep 60 &
sleeper=$!
for _ in $(seq 50); do [[ -n $(ip netns pids ws-fwd) ]] && break; sleep 0.1; done
check "down with a process inside ws-fwd exits 0" run_tb down
check "down stopped the process inside ws-fwd" bash -c "! kill -0 $sleeper 2>/dev/null"
wait "$sleeper" 2>/dev/null
check "after down: nothing left" nothing_left
check "after down: status exits 1" test "$(exit_code bash "$tb" status)" = 1
check "down twice: exits 0" run_tb down
check "down twice: nothing left" nothing_left

# --- an up that fails at each step removes what it created, also when a
# testbed was there before
for s in "${steps[@]}"; do
	bash "$tb" up >/dev/null 2>&1
	WS_TESTBED_FAIL_AT=$s bash "$tb" up >"$tmp/out" 2>&1
	rc=$?
	check "up failing at step $s exits 1 (exit $rc)" test "$rc" = 1
	check "up failing at step $s says so" grep -q "up failed at step $s" "$tmp/out"
	check "up failing at step $s leaves nothing behind" nothing_left
done
fail_kernel_up() { ! WS_TESTBED_FAIL_AT=route bash "$tb" up --kernel >/dev/null 2>&1 && nothing_left; }
check "up --kernel failing at step route leaves nothing behind" fail_kernel_up
check "up after a failed up exits 0" run_tb up
check "final down exits 0" run_tb down
check "final: nothing left" nothing_left
