#!/usr/bin/env bash
# wirespeed fwd on real interfaces, in the namespace testbed (root only):
# for AF_PACKET and AF_XDP ports, ping the forwarder's address from ws-gen,
# ping the sink through it (ARP on both sides), see TTL expiry come back as
# ICMP time exceeded, send 20,000 stamped packets with `wirespeed gen` and
# count them all in `wirespeed sink`; a link that goes down is reported while
# the other port keeps working; after Ctrl-C no XDP program is left, and
# after the testbed goes down no namespace.
set -u
source "$(dirname "$0")/lib.sh"

if [[ $(id -u) -ne 0 ]]; then
	echo "PASS: fwd on the testbed: skipped (needs root)"
	exit 0
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
tb=$root/scripts/testbed.sh
tmp=$(mktemp -d /tmp/ws-fwd-net.XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
	"$tb" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# ICMP echo to DST (COUNT requests, TIMEOUT s each): "ttl=N" per reply.
cat >"$tmp/echo.py" <<'EOF'
import ipaddress, os, select, socket, struct, sys, time
dst, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
assert ipaddress.ip_address(dst) in ipaddress.ip_network("198.18.0.0/15"), dst
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, payload, answered = os.getpid() & 0xFFFF, b"wirespeed fwd echo......", 0
for seq in range(1, count + 1):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    sock.sendto(struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload, (dst, 0))
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sock], [], [], left)[0]:
            break
        data, addr = sock.recvfrom(2048)
        ihl = (data[0] & 0x0F) * 4
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if addr[0] == dst and typ == 0 and rid == ident and rseq == seq:
            print("ttl=%d" % data[8]); answered += 1; break
sys.exit(0 if answered == count else 1)
EOF
# A UDP packet with TTL 1 to DST: prints the ICMP error that comes back
# ("type=11 code=0 from=A") or nothing.
cat >"$tmp/ttl.py" <<'EOF'
import ipaddress, select, socket, sys, time
dst = sys.argv[1]
assert ipaddress.ip_address(dst) in ipaddress.ip_network("198.18.0.0/15"), dst
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
udp.sendto(b"ttl one", (dst, 33434))
deadline = time.monotonic() + 2
while (left := deadline - time.monotonic()) > 0:
    if not select.select([icmp], [], [], left)[0]:
        break
    data, addr = icmp.recvfrom(2048)
    ihl = (data[0] & 0x0F) * 4
    if data[ihl] == 11:
        print("type=%d code=%d from=%s" % (data[ihl], data[ihl + 1], addr[0])); break
EOF

check "testbed up" bash -c "'$tb' up >/dev/null"
for kind in afpacket afxdp; do
	sock=$tmp/$kind.sock
	cat >"$tmp/$kind.conf" <<EOF
port in $kind dev fwd0
port out $kind dev fwd1
address in 198.18.0.1/24
address out 198.18.1.1/24
route 198.19.0.0/16 via 198.18.1.2
control $sock
EOF
	ip netns exec ws-fwd "$ws" fwd --config "$tmp/$kind.conf" >"$tmp/$kind.out" 2>"$tmp/$kind.err" &
	pid=$!
	for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
	check "$kind: the forwarder runs" test -S "$sock"
	if [[ $kind == afxdp ]]; then
		check "afxdp: says which mode it got" grep -q "AF_XDP on fwd0\|no AF_XDP" "$tmp/$kind.err"
	fi
	check "$kind: ping the forwarder's address" bash -c "ip netns exec ws-gen python3 '$tmp/echo.py' 198.18.0.1 3 2 >/dev/null"
	out=$(ip netns exec ws-gen python3 "$tmp/echo.py" 198.18.1.2 3 2)
	check "$kind: ping through the forwarder (ARP both sides)" test "$(grep -c ttl=63 <<<"$out")" = 3
	check "$kind: TTL 1 comes back as time exceeded from 198.18.0.1" \
		bash -c "ip netns exec ws-gen python3 '$tmp/ttl.py' 198.19.0.9 | grep -q 'type=11 code=0 from=198.18.0.1'"
	check "$kind: show neighbours has the sink" \
		bash -c "'$ws' ctl --socket '$sock' show neighbours | grep -q '198.18.1.2.*02:00:00:00:02:00.*reachable'"

	# 20,000 stamped packets at 50 kpps: all reach the sink
	ip netns exec ws-sink "$ws" sink --port afpacket:sink0 --count 20000 --duration 20 --json \
		>"$tmp/sink.json" 2>"$tmp/sink.err" &
	spid=$!
	sleep 0.5
	ip netns exec ws-gen "$ws" gen --port afpacket:gen0 --dst 198.19.0.1-198.19.3.254 --src 198.18.0.2 \
		--dst-mac 02:00:00:00:01:00 --size 64 --rate 50000 --count 20000 --json >"$tmp/gen.json" 2>/dev/null
	wait "$spid"
	check "$kind: the sink counted all 20,000, none lost" python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = [x for x in s if x.get("type") == "summary"][-1]
assert t["packets"] == 20000, t
' "$tmp/sink.json"
	check "$kind: show runtime answers" bash -c "'$ws' ctl --socket '$sock' show runtime | grep -q '^ip4-lookup'"

	# fwd1 goes down: reported, the other port keeps working; back up: reported, forwarding again
	ip -n ws-fwd link set fwd1 down
	for _ in $(seq 30); do grep -q "port out (fwd1): link down" "$tmp/$kind.err" && break; sleep 0.1; done
	check "$kind: a link that goes down is reported" grep -q "port out (fwd1): link down" "$tmp/$kind.err"
	check "$kind: the other port still answers" \
		bash -c "ip netns exec ws-gen python3 '$tmp/echo.py' 198.18.0.1 1 2 >/dev/null"
	ip -n ws-fwd link set fwd1 up
	for _ in $(seq 30); do grep -q "port out (fwd1): link up" "$tmp/$kind.err" && break; sleep 0.1; done
	check "$kind: the link coming back is reported" grep -q "port out (fwd1): link up" "$tmp/$kind.err"
	# the first packets after the carrier returns may be lost in the kernel
	# (the peer's link comes up a moment later): one answer of 5 tries
	resumed=no
	for _ in 1 2 3 4 5; do
		if ip netns exec ws-gen python3 "$tmp/echo.py" 198.18.1.2 1 1 >/dev/null; then resumed=yes; break; fi
	done
	check "$kind: forwarding again after the link came back" test "$resumed" = yes

	kill -INT "$pid"
	wait "$pid"
	rc=$?
	pid=
	check "$kind: Ctrl-C: exit 0" test "$rc" = 0
	check "$kind: Ctrl-C: the summary" grep -q "^received" "$tmp/$kind.out"
	check "$kind: no XDP program left" bash -c "! ip -n ws-fwd link show | grep -q xdp"
done
check "testbed down" bash -c "'$tb' down >/dev/null"
check "no namespace left" bash -c "! ip netns list | grep -q '^ws-'"
