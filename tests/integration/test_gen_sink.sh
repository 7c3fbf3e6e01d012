#!/usr/bin/env bash
# wirespeed gen and wirespeed sink through capture files: gen writes 1000
# stamped UDP packets over an address range and sink reads them back with
# nothing lost or reordered; the frames are checked by an independent
# decoder here (checksums, range, stamp, IMIX order, VLAN, TCP, ICMP);
# a capture reordered, duplicated and cut by this script gets exactly the
# counts it should; bad options and refused addresses exit 2 with their
# messages; --json lines parse; Ctrl-C ends with the summary.
# Prints "PASS: name" / "FAIL: name" per check (see scripts/run-tests.sh).
set -u
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-gen-sink.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# An independent reader of what gen writes: argv = capture, then checks.
cat >"$tmp/frames.py" <<'PY'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    assert magic == 0xa1b2c3d4, hex(magic)
    assert struct.unpack("<I", data[20:24])[0] == 1, "not Ethernet"
    off, out = 24, []
    while off < len(data):
        _, _, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        assert caplen == length
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out

def decode(f):
    """Check one frame's headers and checksums; return its fields."""
    r = {"len": len(f), "vlan": None}
    et, l3 = struct.unpack("!H", f[12:14])[0], 14
    if et == 0x8100:
        r["vlan"] = struct.unpack("!H", f[14:16])[0] & 0xfff
        et, l3 = struct.unpack("!H", f[16:18])[0], 18
    if et == 0x0800:
        ip = f[l3:l3 + 20]
        assert ip[0] == 0x45 and csum(ip) == 0, "IPv4 header checksum"
        tot = struct.unpack("!H", ip[2:4])[0]
        assert l3 + tot == len(f), "IPv4 total length"
        proto, src, dst, l4 = ip[9], ip[12:16], ip[16:20], l3 + 20
        pseudo = src + dst + struct.pack("!BBH", 0, proto, tot - 20)
    elif et == 0x86dd:
        ip = f[l3:l3 + 40]
        plen, proto = struct.unpack("!HB", ip[4:7])
        assert l3 + 40 + plen == len(f), "IPv6 payload length"
        src, dst, l4 = ip[8:24], ip[24:40], l3 + 40
        pseudo = src + dst + struct.pack("!IxxxB", plen, proto)
    else:
        raise AssertionError("ethertype %#x" % et)
    seg = f[l4:]
    if proto == 17:
        assert struct.unpack("!H", seg[6:8])[0] != 0 and csum(pseudo + seg) == 0, "UDP checksum"
        r["sport"], r["dport"] = struct.unpack("!HH", seg[:4])
        hl = 8
    elif proto == 6:
        assert csum(pseudo + seg) == 0, "TCP checksum"
        r["sport"], r["dport"] = struct.unpack("!HH", seg[:4])
        r["flags"], hl = seg[13], (seg[12] >> 4) * 4
    elif proto in (1, 58):
        assert csum(seg if proto == 1 else pseudo + seg) == 0, "ICMP checksum"
        assert seg[0] == (8 if proto == 1 else 128), "echo request"
        hl = 8
    else:
        raise AssertionError("protocol %d" % proto)
    r["proto"], r["src"], r["dst"] = proto, src, dst
    if len(seg) >= hl + 24 and seg[hl:hl + 4] == b"wsg1":
        r["stream"], r["seq"], r["ts"] = struct.unpack("!IQQ", seg[hl + 4:hl + 24])
    return r

path, check = sys.argv[1], sys.argv[2]
fs = [decode(f) for f in frames(path)]
if check == "range":  # 1000 UDP, dst 198.18.1.250 - 198.18.2.5 (12 addresses), size 128
    assert len(fs) == 1000, len(fs)
    for i, r in enumerate(fs):
        want = (198 << 24 | 18 << 16 | 1 << 8 | 250) + i % 12
        assert struct.unpack("!I", r["dst"])[0] == want, (i, r["dst"])
        assert r["len"] == 128 and r["proto"] == 17
        assert r["seq"] == i and r["stream"] == 1, (i, r)
elif check == "imix":
    order = [60, 566, 60, 60, 566, 60, 1514, 60, 566, 60, 60, 566]
    assert [r["len"] for r in fs] == order * 2, [r["len"] for r in fs]
    assert [r.get("seq") for r in fs if r["len"] > 60] == list(range(10)), fs  # stamps count stamped frames
    assert all("seq" not in r for r in fs if r["len"] == 60)
elif check == "tcp6":  # IPv6 TCP ACK, VLAN 42, random ports 2000-2003
    assert len(fs) == 50 and all(r["proto"] == 6 and r["vlan"] == 42 and r["flags"] == 0x10 for r in fs)
    assert all(2000 <= r["sport"] <= 2003 for r in fs) and len({r["sport"] for r in fs}) > 1
    assert all(r["dst"][:4] == bytes([0x20, 1, 0xd, 0xb8]) for r in fs)
    assert [r["seq"] for r in fs] == list(range(50))
elif check == "icmp4":
    assert len(fs) == 20 and all(r["proto"] == 1 for r in fs)
    assert all(r["dst"][:2] == bytes([198, 19]) for r in fs) and len({r["dst"] for r in fs}) > 10
elif check == "icmp6":
    assert len(fs) == 20 and all(r["proto"] == 58 and r["dst"][0] == 0xfe and r["dst"][1] & 0xc0 == 0x80 for r in fs)
    assert len({r["dst"] for r in fs}) == 20
else:
    raise SystemExit("unknown check " + check)
PY

# Gen to a capture, sink reads it back: 1000 packets, 0 lost, 0 reordered.
gen_json=$("$ws" gen --port "pcap:$tmp/range.pcap" --dst 198.18.1.250-198.18.2.5 --count 1000 --size 128 --json \
	2>"$tmp/gen.err")
check "gen 1000 to a capture: exit 0" test $? = 0
check "gen: the frames decode, checksums hold, the range counts and wraps, stamps 0..999" \
	python3 "$tmp/frames.py" "$tmp/range.pcap" range
check "gen --json: every line parses, the summary says 1000" python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
s = [r for r in rows if r["type"] == "summary"]
assert len(s) == 1 and s[0]["packets"] == 1000 and s[0]["bytes"] == 128000 and s[0]["stamped"], rows
' <<<"$gen_json"
check "gen: the human summary goes to stderr with --json" grep -q "sent 1000 packets" "$tmp/gen.err"
sink_json=$("$ws" sink --port "pcap:$tmp/range.pcap" --json 2>/dev/null)
check "sink reads the capture: exit 0" test $? = 0
check "sink: 1000 packets, 0 lost, 0 reordered, 0 duplicates, one stream 0..999" python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
s = [r for r in rows if r["type"] == "summary"][0]
assert s["packets"] == 1000 and s["stamped"] == 1000 and s["bytes"] == 128000, s
assert s["lost"] == 0 and s["reordered"] == 0 and s["duplicates"] == 0 and s["malformed"] == 0, s
st = s["streams"]
assert len(st) == 1 and st[0]["stream"] == 1 and st[0]["first_seq"] == 0 and st[0]["highest_seq"] == 999, st
lat = st[0]["latency_ns"]
assert lat["samples"] == 1000 and 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"], lat
' <<<"$sink_json"
out=$("$ws" sink --port "pcap:$tmp/range.pcap" 2>/dev/null)
check "sink: the human summary" grep -q "received 1000 packets" <<<"$out"
check "sink --count 10 reads 10" bash -c "'$ws' sink --port 'pcap:$tmp/range.pcap' --count 10 --json 2>/dev/null |
	grep -q '\"type\":\"summary\",\"port\":\"pcap:[^\"]*\",\"packets\":10,'"

# A capture cut, reordered and duplicated here: seq 0 1 2 4 3 5 5 7 8 (6 and 9 missing).
python3 - "$tmp/range.pcap" "$tmp/mixed.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, recs = 24, []
while off < len(data):
    caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append(data[off:off + 16 + caplen])
    off += 16 + caplen
with open(sys.argv[2], "wb") as o:
    o.write(data[:24])
    for i in (0, 1, 2, 4, 3, 5, 5, 7, 8):
        o.write(recs[i])
PY
check "sink: lost 1, duplicates 1, reordered 1 on a crafted capture" bash -c "'$ws' sink --port 'pcap:$tmp/mixed.pcap' --json 2>/dev/null | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.strip()][-1]
assert s[\"packets\"] == 9 and s[\"lost\"] == 1 and s[\"duplicates\"] == 1 and s[\"reordered\"] == 1, s
'"

# IMIX, TCP over IPv6 with a tag, ICMP echo.
"$ws" gen --port "pcap:$tmp/imix.pcap" --dst 198.18.0.1 --size imix --count 24 >/dev/null 2>&1
check "gen --size imix: exit 0" test $? = 0
check "gen --size imix: 7:4:1 in the fixed order, stamps where they fit" python3 "$tmp/frames.py" "$tmp/imix.pcap" imix
check "sink on IMIX: 24 packets, 10 stamped, 14 not (60-byte frames), 0 lost, stamps 0..9" bash -c "'$ws' sink --port 'pcap:$tmp/imix.pcap' --json 2>/dev/null | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.strip()][-1]
assert s[\"packets\"] == 24 and s[\"stamped\"] == 10 and s[\"unstamped\"] == 14 and s[\"lost\"] == 0, s
assert s[\"streams\"][0][\"first_seq\"] == 0 and s[\"streams\"][0][\"highest_seq\"] == 9, s
'"
"$ws" gen --port "pcap:$tmp/tcp6.pcap" --dst 2001:db8::/64 --src fe80::1 --proto tcp --tcp-flags ack --vlan 42 \
	--src-port rand:2000-2003 --dst-port 80-90 --size 200 --count 50 >/dev/null 2>&1
check "gen IPv6 TCP ACK with a tag: decodes, checksums hold" python3 "$tmp/frames.py" "$tmp/tcp6.pcap" tcp6
"$ws" gen --port "pcap:$tmp/icmp4.pcap" --dst 198.19.0.0/16 --proto icmp --size 100 --count 20 >/dev/null 2>&1
check "gen ICMP echo over IPv4: decodes, checksum holds" python3 "$tmp/frames.py" "$tmp/icmp4.pcap" icmp4
"$ws" gen --port "pcap:$tmp/icmp6.pcap" --dst fe80::/10 --src fe80::1 --proto icmp --size 100 --count 20 >/dev/null 2>&1
check "gen ICMPv6 echo: decodes, checksum holds" python3 "$tmp/frames.py" "$tmp/icmp6.pcap" icmp6

# The mem port: flat out for a count, and at a rate (counts only, never times).
check "gen --port mem --count 100000: exit 0" bash -c "'$ws' gen --port mem --dst 198.18.0.0/15 --count 100000 --json 2>/dev/null |
	grep -q '\"packets\":100000,'"
check "gen --rate 1000 --count 5: exit 0, 5 sent" bash -c "'$ws' gen --port mem --dst 127.0.0.1 --rate 1000 --count 5 --json 2>/dev/null |
	grep -q '\"packets\":5,'"

# Ctrl-C: a clean stop with the summary.
"$ws" gen --port mem --dst 198.18.0.1 --rate 100000 --json >"$tmp/int.out" 2>/dev/null &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
check "gen: Ctrl-C exits 0" test $? = 0
check "gen: Ctrl-C prints the summary" grep -q '"type":"summary"' "$tmp/int.out"

# Addresses outside the allowed ranges: refused, exit 2, the rule named.
for a in "--dst 192.0.2.1" "--dst 198.18.0.1 --src 10.0.0.1" "--dst 198.19.255.250-198.20.0.5" \
	"--dst 198.18.0.0/14" "--dst 2001:db9::1" "--dst 2001:db8::/16" "--dst ff02::1"; do
	# shellcheck disable=SC2086
	check "refused ($a): exit 2" test "$(exit_code "$ws" gen --port mem --count 1 $a)" = 2
	# shellcheck disable=SC2086
	check "refused ($a): the rule named" bash -c "'$ws' gen --port mem --count 1 $a 2>&1 | grep -q '198.18.0.0/15'"
done
check "127.0.0.1 and fe80:: allowed" bash -c "'$ws' gen --port mem --count 1 --dst 127.0.0.1 >/dev/null 2>&1 &&
	'$ws' gen --port mem --count 1 --dst fe80::1 >/dev/null 2>&1"
check "nothing written for a refused address" bash -c "! '$ws' gen --port 'pcap:$tmp/no.pcap' --count 1 --dst 192.0.2.1 2>/dev/null; test ! -e '$tmp/no.pcap'"

# Bad options: exit 2 with a message.
bad_gen() { # name, expected message, gen arguments...
	local name=$1 msg=$2
	shift 2
	check "gen $name: exit 2" test "$(exit_code "$ws" gen "$@")" = 2
	check "gen $name: says '$msg'" bash -c '"$@" 2>&1 | grep -q -- "$0"' "$msg" "$ws" gen "$@"
}
bad_gen "without --dst" "give --port SPEC and --dst" --port mem
bad_gen "without --port" "give --port SPEC and --dst" --dst 198.18.0.1
bad_gen "--size 59" "60..1514" --port mem --dst 198.18.0.1 --size 59
bad_gen "--size 1515" "60..1514" --port mem --dst 198.18.0.1 --size 1515
bad_gen "--size 60 over IPv6" "smaller than the headers" --port mem --dst 2001:db8::1 --size 60
bad_gen "--proto sctp" "udp, tcp or icmp" --port mem --dst 198.18.0.1 --proto sctp
bad_gen "--vlan 4095" "1 to 4094" --port mem --dst 198.18.0.1 --vlan 4095
bad_gen "--rate -1" "--rate" --port mem --dst 198.18.0.1 --rate -1
bad_gen "--burst 0" "--burst" --port mem --dst 198.18.0.1 --burst 0
bad_gen "--burst 257" "--burst" --port mem --dst 198.18.0.1 --burst 257
bad_gen "--dst-mac nope" "a MAC" --port mem --dst 198.18.0.1 --dst-mac nope
bad_gen "--dst-port 70000" "0..65535" --port mem --dst 198.18.0.1 --dst-port 70000
bad_gen "--dst 198.18.0.9-198.18.0.1" "ends before it starts" --port mem --dst 198.18.0.9-198.18.0.1
bad_gen "mixed families" "must both be IPv4 or both IPv6" --port mem --dst 198.18.0.1 --src 2001:db8::1
bad_gen "icmp with ports" "has no ports" --port mem --dst 198.18.0.1 --proto icmp --dst-port 9
bad_gen "an unknown option" "unknown option '--frobnicate'" --port mem --dst 198.18.0.1 --frobnicate 1
bad_gen "an unknown port kind" "unknown kind 'bogus'" --port bogus:x --dst 198.18.0.1 --count 1
bad_gen "a missing interface" "no such interface" --port afpacket:ws-none0 --dst 198.18.0.1 --count 1
bad_gen "a missing interface (mmsg)" "no such interface" --port mmsg:ws-none0 --dst 198.18.0.1 --count 1
bad_gen "pcap without an end" "--count or --duration" --port "pcap:$tmp/x.pcap" --dst 198.18.0.1
check "gen --help: exit 0" test "$(exit_code "$ws" gen --help)" = 0
check "gen: a file that cannot be created: exit 1" \
	test "$(exit_code "$ws" gen --port "pcap:$tmp/nodir/x.pcap" --dst 198.18.0.1 --count 1)" = 1

check "sink without --port: exit 2" test "$(exit_code "$ws" sink)" = 2
check "sink --port mem: exit 2" test "$(exit_code "$ws" sink --port mem)" = 2
check "sink --port mem: says why" bash -c "'$ws' sink --port mem 2>&1 | grep -q 'a mem port cannot receive'"
check "sink --count 0: exit 2" test "$(exit_code "$ws" sink --port "pcap:$tmp/range.pcap" --count 0)" = 2
check "sink --duration x: exit 2" test "$(exit_code "$ws" sink --port "pcap:$tmp/range.pcap" --duration x)" = 2
check "sink unknown option: exit 2" test "$(exit_code "$ws" sink --port "pcap:$tmp/range.pcap" --bogus 1)" = 2
check "sink --help: exit 0" test "$(exit_code "$ws" sink --help)" = 0
echo "not a capture" >"$tmp/text.pcap"
check "sink on a non-capture: exit 1" test "$(exit_code "$ws" sink --port "pcap:$tmp/text.pcap")" = 1
check "sink on a non-capture: the file named" bash -c "'$ws' sink --port 'pcap:$tmp/text.pcap' 2>&1 | grep -q text.pcap"
