#!/usr/bin/env bash
# The command line: usage errors exit 2, --help exits 0, output into a closed
# pipe ends quietly, budget --json prints the named metrics.
# Prints "PASS: name" / "FAIL: name" per check (see scripts/run-tests.sh).
set -u
. "$(dirname "$0")/lib.sh"

check "no command exits 2" test "$(exit_code "$ws")" = 2
check "unknown command exits 2" test "$(exit_code "$ws" frobnicate)" = 2
check "unknown command names itself" bash -c "'$ws' frobnicate 2>&1 | grep -q \"unknown command 'frobnicate'\""
check "--help exits 0 and lists budget" bash -c "'$ws' --help | grep -q budget"
check "budget --help exits 0" test "$(exit_code "$ws" budget --help)" = 0
check "budget bad option exits 2" test "$(exit_code "$ws" budget --bogus)" = 2
check "budget bad --runs exits 2" test "$(exit_code "$ws" budget --runs x)" = 2
check "bench --help exits 0" test "$(exit_code "$ws" bench --help)" = 0
check "bench bad option exits 2" test "$(exit_code "$ws" bench --bogus)" = 2

json=$("$ws" budget --quick --json --only l1_load,atomic_add,ring_burst32,pool_burst32 2>/dev/null)
for m in l1_load atomic_add ring_burst32 pool_burst32; do
	check "budget --json has $m" grep -q "\"metric\":\"$m\"" <<<"$json"
done
check "budget --json lines have ns,cycles,min_ns,max_ns,runs" \
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
m = [r for r in rows if r.get("metric") in ("l1_load", "atomic_add")]
assert len(m) == 2, m
for r in m:
    for k in ("ns", "cycles", "min_ns", "max_ns", "runs"):
        assert k in r, (k, r)
    assert 0 < r["min_ns"] <= r["ns"] <= r["max_ns"], r
    assert r["runs"] >= 5, r
' <<<"$json"

# A reader that goes away must not kill us with SIGPIPE (exit 141) or make
# us print errors: exit status 0, nothing on stderr but the pool log.
rc=$( { "$ws" budget --quick --only l1_load,atomic_add 2>/tmp/ws-pipe-err.$$ | head -1 >/dev/null; echo "${PIPESTATUS[0]}"; } )
check "closed pipe ends quietly (exit $rc)" test "$rc" = 0
check "closed pipe prints no error" bash -c "! grep -qi 'error\|broken' /tmp/ws-pipe-err.$$"
rm -f /tmp/ws-pipe-err.$$

# budget --net: the AF_PACKET send metrics, measured in a child process on a
# veth pair in a network namespace of its own (root only). Without root it
# exits 1 saying so; with --only it is a usage error; a setup that fails
# (no `ip` on PATH) exits 1; no interface is left in our namespace.
check "budget --net --only: exit 2" test "$(exit_code "$ws" budget --net --only l1_load)" = 2
if [ "$(id -u)" = 0 ]; then
	json=$("$ws" budget --net --json --quick 2>/dev/null)
	check "budget --net --json: the net metrics with ns and cycles" \
		python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
net = {r["metric"]: r for r in rows if r.get("metric", "").startswith("net_")}
want = ["net_sendto_qdisc", "net_sendto_bypass", "net_sendmmsg_x32", "net_tpacket_qd_x32",
        "net_sendto_qdisc_up", "net_sendto_bypass_up", "net_sendmmsg_x32_up", "net_tpacket_qd_x32_up",
        "net_tpacket_x32_up"]
assert sorted(net) == sorted(want), sorted(net)
for m, r in net.items():
    for k in ("ns", "cycles", "min_ns", "max_ns", "runs"):
        assert k in r, (k, r)
    assert 0 < r["min_ns"] <= r["ns"] <= r["max_ns"] and r["cycles"] > 0, r
    assert r["peer"] == ("up" if m.endswith("_up") else "down"), r
    assert r["frame_bytes"] == 60, r
' <<<"$json"
	check "budget --net leaves no veth behind" bash -c "! ip -o link show | grep -q 'wsb[01]'"
	check "budget --net, setup fails: exit 1" test "$(PATH=/nonexistent exit_code "$ws" budget --net --quick)" = 1
	if command -v setpriv >/dev/null; then
		check "budget --net as nobody: exit 1" \
			test "$(exit_code setpriv --reuid=65534 --regid=65534 --clear-groups "$ws" budget --net --quick)" = 1
		check "budget --net as nobody says root is needed" bash -c \
			"setpriv --reuid=65534 --regid=65534 --clear-groups '$ws' budget --net --quick 2>&1 | grep -q 'needs root'"
	fi
else
	check "budget --net without root: exit 1" test "$(exit_code "$ws" budget --net --quick)" = 1
	check "budget --net without root says so" bash -c "'$ws' budget --net --quick 2>&1 | grep -q 'needs root'"
fi

# wirespeed bench fwd: the graph forwards every packet of a small run, the
# JSON says so per node; bad options are usage errors, a bad table a failure.
json=$("$ws" bench fwd --synthetic 20000 --packets 200000 --json 2>/dev/null)
check "bench fwd --json: every packet forwarded, nodes add up" \
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
fwd = [r for r in rows if r.get("bench") == "fwd"]
assert [r["family"] for r in fwd] == [4, 6], fwd
for r in fwd:
    assert r["packets"] == 200000 and r["tx_packets"] == 200000, r
    names = [n["name"] for n in r["nodes"]]
    assert names[0] == "ethernet-input" and "tx" in names, names
    assert all(n["packets"] == 200000 for n in r["nodes"]), r["nodes"]
    assert 0 < r["nodes_sum_ns"] <= r["ns_per_pkt"] * 1.0001, r
' <<<"$json"
check "bench fwd --family 5: exit 2" test "$(exit_code "$ws" bench fwd --family 5)" = 2
check "bench fwd --packets 0: exit 2" test "$(exit_code "$ws" bench fwd --packets 0)" = 2
check "bench fwd --table missing: exit 1" test "$(exit_code "$ws" bench fwd --table /nonexistent/routes.txt)" = 1
check "bench fwd --help: exit 0" test "$(exit_code "$ws" bench fwd --help)" = 0
