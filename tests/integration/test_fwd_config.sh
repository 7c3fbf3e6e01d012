#!/usr/bin/env bash
# wirespeed fwd with a config file and capture-file ports in both directions:
# a capture the test writes (ARP, ping, TTL 1, a packet through a gateway
# whose MAC the forwarder must resolve, IPv6 neighbour discovery and ping)
# comes out as the test computes it must: ARP and NA answers, echo replies,
# ICMP errors and the forwarded packets with resolved MACs; every packet is
# accounted for; bad config files get FILE:LINE and exit 2.
set -u
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-fwd-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import struct, sys
tmp = sys.argv[1]

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def mac(s): return bytes(int(x, 16) for x in s.split(":"))
def ip4(s): return bytes(int(x) for x in s.split("."))
def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

A, B = mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02")   # our ports a, b
H, G = mac("02:00:00:00:00:09"), mac("02:00:00:00:00:0b")   # host on a, gateway on b
BC = b"\xff" * 6

def eth(dst, src, etype, payload):
    f = dst + src + struct.pack("!H", etype) + payload
    return f + b"\0" * max(0, 60 - len(f))

def ipv4(src, dst, proto, payload, ttl=64, df=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000 if df else 0, ttl, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def udp(payload=b"wirespeed"):
    return struct.pack("!HHHH", 1234, 5678, 8 + len(payload), 0) + payload

def icmp_echo(ident=7, seq=1, data=b"ping"):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]

def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))

def ipv6(src, dst, nh, payload, hl=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hl, ip6(src), ip6(dst)) + payload

def icmp6(src, dst, msg):
    ph = ip6(src) + ip6(dst) + struct.pack("!I3xB", len(msg), 58)
    c = csum(ph + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]

def pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)

a_in = [
    # 0: who has 198.18.0.1? (the host asks)
    eth(BC, H, 0x0806, arp(1, H, "198.18.0.9", b"\0" * 6, "198.18.0.1")),
    # 1: ping 198.18.0.1
    eth(A, H, 0x0800, ipv4("198.18.0.9", "198.18.0.1", 1, icmp_echo())),
    # 2: TTL 1 towards the gateway's network: time exceeded back to the host
    eth(A, H, 0x0800, ipv4("198.18.0.9", "198.19.5.5", 17, udp(), ttl=1)),
    # 3: through the gateway 198.18.1.2, which nobody has resolved yet
    eth(A, H, 0x0800, ipv4("198.18.0.9", "198.19.5.5", 17, udp())),
    # 4: a host route that is unreachable: ICMP destination unreachable (host)
    eth(A, H, 0x0800, ipv4("198.18.0.9", "198.19.200.1", 17, udp())),
    # 5: IPv6 neighbour solicitation for 2001:db8::1 from the host
    eth(mac("33:33:ff:00:00:01"), H, 0x86dd,
        ipv6("2001:db8::9", "ff02::1:ff00:1", 58,
             icmp6("2001:db8::9", "ff02::1:ff00:1",
                   struct.pack("!BBHI16s", 135, 0, 0, 0, ip6("2001:db8::1")) + struct.pack("!BB6s", 1, 1, H)), hl=255)),
    # 6: ping6 2001:db8::1
    eth(A, H, 0x86dd, ipv6("2001:db8::9", "2001:db8::1", 58,
                           icmp6("2001:db8::9", "2001:db8::1", struct.pack("!BBHHH", 128, 0, 0, 9, 1) + b"ping6"))),
    # 7: a frame with a bad IPv4 header checksum
    eth(A, H, 0x0800, bytes(bytearray(ipv4("198.18.0.9", "198.19.5.5", 17, udp())) [:10]) + b"\x12\x34" +
        ipv4("198.18.0.9", "198.19.5.5", 17, udp())[12:]),
]
b_in = [
    # the gateway answers the forwarder's request (read after a's burst)
    eth(B, G, 0x0806, arp(2, G, "198.18.1.2", B, "198.18.1.1")),
]
pcap(tmp + "/a-in.pcap", a_in)
pcap(tmp + "/b-in.pcap", b_in)
PY

cat >"$tmp/fwd.conf" <<'EOF'
# two ports, each reading and writing a capture
port a pcap rx a-in.pcap tx a-out.pcap mac 02:00:00:00:00:01
port b pcap rx b-in.pcap tx b-out.pcap mac 02:00:00:00:00:02
address a 198.18.0.1/24
address a 2001:db8::1/64
address b 198.18.1.1/24
route 198.19.0.0/16 via 198.18.1.2
route 198.19.200.0/24 unreachable
control none
EOF

json=$("$ws" fwd --config "$tmp/fwd.conf" --json 2>"$tmp/err")
rc=$?
check "config run exits 0" test "$rc" = 0
[[ $rc == 0 ]] || cat "$tmp/err"

check "config run: every packet accounted for" python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["rx_packets"] == 9, r
assert r["rx_packets"] == r["forwarded"] + r["dropped"] + r["local"] + r["queued"], r
assert r["tx_packets"] == r["forwarded"] + r["generated"] - r["gen_dropped"], r
assert r["forwarded"] == 1, r
assert r["drops"] == {"ip4_checksum": 1, "ttl_expired": 1, "unreachable": 1}, r
assert r["local_by_kind"] == {"arp_request": 1, "arp_reply": 1, "nd_solicit": 1, "echo_request": 2}, r
assert r["generated_by_kind"] == {"arp_request": 1, "arp_reply": 1, "nd_advert": 1, "echo_reply": 2,
                                  "icmp_time_exceeded": 1, "icmp_unreachable": 1}, r
' <<<"$json"

check "config run: what left each port is right" python3 - "$tmp" <<'PY'
import struct, sys, ipaddress
tmp = sys.argv[1]

def read(path):
    d = open(path, "rb").read()
    assert struct.unpack("<I", d[:4])[0] == 0xa1b2c3d4
    off, out = 24, []
    while off < len(d):
        _, _, cap, ln = struct.unpack("<IIII", d[off:off + 16])
        out.append(d[off + 16:off + 16 + cap])
        off += 16 + cap
    return out

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(b): return ".".join(map(str, b))
H, G = bytes.fromhex("020000000009"), bytes.fromhex("02000000000b")
A, B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")

a = read(tmp + "/a-out.pcap")
kinds = []
for f in a:
    assert f[0:6] == H and f[6:12] == A, f.hex()          # to the host (learned from its ARP request), from us
    et = struct.unpack("!H", f[12:14])[0]
    if et == 0x0806:
        op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", f[14:42])
        assert (op, sha, ip4(spa), tha, ip4(tpa)) == (2, A, "198.18.0.1", H, "198.18.0.9")
        kinds.append("arp_reply")
    elif et == 0x0800:
        ip = f[14:34]
        assert csum(ip) == 0, "IPv4 header checksum"
        ln = struct.unpack("!H", ip[2:4])[0]
        assert ip4(ip[12:16]) == "198.18.0.1" and ip4(ip[16:20]) == "198.18.0.9"
        icmp = f[34:14 + ln]
        assert csum(icmp) == 0, "ICMP checksum"
        t, c = icmp[0], icmp[1]
        if t == 0:
            assert icmp[8:] == b"ping"
            kinds.append("echo_reply")
        else:
            quoted = icmp[8:]
            assert ip4(quoted[16:20]) in ("198.19.5.5", "198.19.200.1")   # the original's destination
            kinds.append({(11, 0): "time_exceeded", (3, 1): "host_unreachable"}[(t, c)])
    else:
        assert et == 0x86dd
        ip6 = f[14:54]
        plen, nh, hl = struct.unpack("!HBB", ip6[4:8])
        src, dst = ip6[8:24], ip6[24:40]
        msg = f[54:54 + plen]
        ph = src + dst + struct.pack("!I3xB", plen, 58)
        assert csum(ph + msg) == 0, "ICMPv6 checksum"
        assert dst == ipaddress.IPv6Address("2001:db8::9").packed
        if msg[0] == 136:
            assert hl == 255 and msg[4] & 0x60 == 0x60 and msg[8:24] == ipaddress.IPv6Address("2001:db8::1").packed
            assert msg[24:32] == bytes([2, 1]) + A
            kinds.append("na")
        else:
            assert msg[0] == 129 and msg[8:] == b"ping6"
            kinds.append("echo6_reply")
assert sorted(kinds) == sorted(["arp_reply", "echo_reply", "time_exceeded", "host_unreachable", "na", "echo6_reply"]), kinds

b = read(tmp + "/b-out.pcap")
assert len(b) == 2, len(b)
req, fwd = b
assert req[0:6] == b"\xff" * 6 and req[6:12] == B and req[12:14] == b"\x08\x06"
op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", req[14:42])
assert (op, sha, ip4(spa), ip4(tpa)) == (1, B, "198.18.1.1", "198.18.1.2")
assert fwd[0:6] == G and fwd[6:12] == B, fwd.hex()
assert fwd[14 + 8] == 63 and csum(fwd[14:34]) == 0
assert ip4(fwd[14 + 16:14 + 20]) == "198.19.5.5"
PY

# the same run again gives the same files
cp "$tmp/a-out.pcap" "$tmp/a1.pcap"
cp "$tmp/b-out.pcap" "$tmp/b1.pcap"
"$ws" fwd --config "$tmp/fwd.conf" >/dev/null 2>&1
check "config run is deterministic" bash -c "cmp -s '$tmp/a-out.pcap' '$tmp/a1.pcap' && cmp -s '$tmp/b-out.pcap' '$tmp/b1.pcap'"

check "text summary has the budget table" bash -c "'$ws' fwd --config '$tmp/fwd.conf' | grep -q '%budget'"

# bad config files: FILE:LINE: problem, exit 2, nothing written
bad() { # name, config text, expected line
	printf '%s\n' "$2" >"$tmp/bad.conf"
	rm -f "$tmp/x.pcap"
	local out rc
	out=$("$ws" fwd --config "$tmp/bad.conf" 2>&1)
	rc=$?
	check "bad config ($1): exit 2" test "$rc" = 2
	check "bad config ($1): names the line" grep -q "bad.conf:$3:" <<<"$out"
	check "bad config ($1): writes nothing" test ! -e "$tmp/x.pcap"
}
bad "unknown keyword" $'port a pcap tx x.pcap\nfrobnicate' 2
bad "gateway off-subnet" $'port a pcap tx x.pcap\naddress a 198.18.0.1/24\nroute 198.19.0.0/16 via 198.18.9.9' 3
bad "bad mac" 'port a pcap tx x.pcap mac 01:00:00:00:00:01' 1
bad "port twice" $'port a pcap tx x.pcap\nport a pcap tx y.pcap' 2
check "missing config file: exit 1" test "$(exit_code "$ws" fwd --config "$tmp/nonexistent.conf")" = 1
check "--config with --in: exit 2" test "$(exit_code "$ws" fwd --config "$tmp/fwd.conf" --in "$tmp/a-in.pcap")" = 2

# a routes file whose lines carry no nexthop takes the `routes` line's
printf '198.19.0.0/16\n' >"$tmp/table.txt"
sed -e 's|^route 198.19.0.0/16 via 198.18.1.2|routes table.txt via 198.18.1.2|' "$tmp/fwd.conf" >"$tmp/files.conf"
json=$("$ws" fwd --config "$tmp/files.conf" --json 2>/dev/null)
check "routes file via the line's gateway forwards" python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["forwarded"] == 1, r
' <<<"$json"
