#!/usr/bin/env bash
# wirespeed fwd with capture files: every capture of ../shared/data/pcap goes
# through without a crash and every packet is accounted for (read = forwarded
# + dropped by reason + taken locally + waiting; written = forwarded + made by
# us); a capture the test writes comes out exactly as it
# computes it should (TTL/hop limit, checksum, MACs; drops left out); the
# output is deterministic; bad input and options get their exit codes.
set -u
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-fwd-pcap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
data=$(dirname "$0")/../../../shared/data/pcap

if [[ -d $data ]]; then
	for cap in "$data"/*.pcap "$data"/*.pcapng; do
		[[ -f $cap ]] || continue
		name=$(basename "$cap")
		json=$("$ws" fwd --in "$cap" --out "$tmp/out.pcap" --json 2>"$tmp/err")
		rc=$?
		# a capture of another link type is refused, with a message saying so
		if [[ $rc == 1 ]] && grep -q "is not Ethernet" "$tmp/err"; then
			check "fwd $name: refused, not Ethernet" true
			continue
		fi
		# 0, or 1 for a capture that ends in a damaged record (said on stderr)
		if [[ $rc == 1 ]] && grep -q "input ends" "$tmp/err"; then rc=0; fi
		check "fwd $name: exit $rc" test "$rc" = 0
		check "fwd $name: every packet accounted for" python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["rx_packets"] == r["forwarded"] + r["dropped"] + r["local"] + r["queued"], r
assert r["tx_packets"] == r["forwarded"] + r["generated"] - r["gen_dropped"], r
assert r["dropped"] == sum(r["drops"].values()), r
assert r["local"] == sum(r["local_by_kind"].values()), r
assert r["generated"] == sum(r["generated_by_kind"].values()), r
assert r["queued"] == 0 and r["graph_overflow"] == 0, r
' <<<"$json"
	done
fi

# A capture with known packets, and the output it must give.
python3 - "$tmp" <<'PY'
import struct, sys
tmp = sys.argv[1]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip4(dst, ttl, good=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 18, 1, 0, ttl, 17, 0, bytes([198, 18, 0, 9]), dst)
    c = csum(h) ^ (0 if good else 1)
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x09" + b"\x08\x00" + h + struct.pack("!HHHH", 1024, 1024, 26, 0) + bytes(18)
def ip6(dst, hop):
    h = struct.pack("!IHBB16s16s", 6 << 28, 8, 17, hop, bytes([0x20, 1, 0xd, 0xb8] + [0] * 11 + [9]), dst)
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x09" + b"\x86\xdd" + h + struct.pack("!HHHH", 1024, 1024, 8, 0)
def rewrite(f):
    f = bytearray(f)
    f[0:12] = b"\x02\0\0\0\0\x03" + b"\x02\0\0\0\0\x02"
    if f[12:14] == b"\x08\x00":
        f[22] -= 1
        f[24:26] = b"\0\0"
        f[24:26] = struct.pack("!H", csum(bytes(f[14:34])))
    else:
        f[21] -= 1
    return bytes(f)
def pcap(path, frames):
    with open(path, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
d4 = bytes([198, 18, 5, 5])
d6 = bytes([0x20, 1, 0xd, 0xb8] + [0] * 11 + [5])
good = [ip4(d4, 64), ip6(d6, 64), ip4(d4, 2)]
bad = [ip4(d4, 1), ip4(d4, 64, good=False), ip6(d6, 1)]
pcap(tmp + "/in.pcap", [good[0], bad[0], good[1], bad[1], good[2], bad[2]])
# within a vector IPv4 leaves before IPv6 (ip4-rewrite runs first); the
# order within a family is kept
pcap(tmp + "/expect.pcap", [rewrite(f) for f in (good[0], good[2], good[1])])
PY
json=$("$ws" fwd --in "$tmp/in.pcap" --out "$tmp/out.pcap" --json 2>/dev/null)
check "golden: output equals the expected capture" cmp -s "$tmp/out.pcap" "$tmp/expect.pcap"
check "golden: drops by reason" python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["rx_packets"] == 6 and r["tx_packets"] == 3, r
assert r["drops"] == {"ip4_checksum": 1, "ttl_expired": 2}, r
' <<<"$json"
"$ws" fwd --in "$tmp/in.pcap" --out "$tmp/out2.pcap" >/dev/null 2>&1
check "output is deterministic" cmp -s "$tmp/out.pcap" "$tmp/out2.pcap"

# --count, --mtu, routes
check "--count 2 reads 2" bash -c "'$ws' fwd --in '$tmp/in.pcap' --out '$tmp/c.pcap' --count 2 --json 2>/dev/null | grep -q '\"rx_packets\":2,'"
echo "198.19.0.0/16 1" >"$tmp/routes.txt"
check "a route that does not match: no_route" bash -c "'$ws' fwd --in '$tmp/in.pcap' --out '$tmp/r.pcap' --routes '$tmp/routes.txt' --json 2>/dev/null | grep -q '\"no_route\":'"

# bad input and options
echo "not a capture" >"$tmp/text.pcap"
check "non-capture input: exit 1" test "$(exit_code "$ws" fwd --in "$tmp/text.pcap" --out "$tmp/x.pcap")" = 1
check "non-capture input: message names the file" bash -c "'$ws' fwd --in '$tmp/text.pcap' --out '$tmp/x.pcap' 2>&1 | grep -q 'text.pcap'"
check "missing --out: exit 2" test "$(exit_code "$ws" fwd --in "$tmp/in.pcap")" = 2
check "--stats-interval 0.5 accepted" test "$(exit_code "$ws" fwd --in "$tmp/in.pcap" --out "$tmp/x.pcap" --stats-interval 0.5)" = 0
check "--stats-interval 0: exit 2" test "$(exit_code "$ws" fwd --in "$tmp/in.pcap" --out "$tmp/x.pcap" --stats-interval 0)" = 2
check "bad --mac: exit 2" test "$(exit_code "$ws" fwd --in "$tmp/in.pcap" --out "$tmp/x.pcap" --mac nope)" = 2
echo "198.18.0.0/33 1" >"$tmp/bad-routes.txt"
check "bad routes file: exit 2" test "$(exit_code "$ws" fwd --in "$tmp/in.pcap" --out "$tmp/x.pcap" --routes "$tmp/bad-routes.txt")" = 2
check "bad routes file: FILE:LINE in the message" bash -c "'$ws' fwd --in '$tmp/in.pcap' --out '$tmp/x.pcap' --routes '$tmp/bad-routes.txt' 2>&1 | grep -q 'bad-routes.txt:1:'"
