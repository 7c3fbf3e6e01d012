#!/usr/bin/env bash
# `wirespeed ctl` against a running forwarder: a mem port generates traffic
# to 198.19.100.0/24, routed to port x; `route add` moves the prefix to port
# y while packets flow, and the next packets follow it (y's count grows, x's
# stops). The show commands answer, bad commands exit 2, Ctrl-C stops the
# forwarder with its summary and removes the socket.
set -u
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-fwd-ctl.XXXXXX)
sock=$tmp/fwd.sock
pid=
cleanup() {
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# x and y are mem ports that send one packet each (to themselves, routed
# nowhere) and then only take what the forwarder sends them.
cat >"$tmp/fwd.conf" <<EOF
port gen mem dst 198.19.100.1 dst 198.19.100.2 dst 198.19.100.3
port x mem dst 198.18.1.1 count 1
port y mem dst 198.18.2.1 count 1
address gen 198.18.0.1/24
address x 198.18.1.1/24
address y 198.18.2.1/24
neighbour x 198.18.1.2 02:00:00:00:01:02
neighbour y 198.18.2.2 02:00:00:00:02:02
route 198.19.100.0/24 via 198.18.1.2
control $sock
EOF

ctl() { "$ws" ctl --socket "$sock" "$@"; }
tx_of() { # port name -> its tx_packets from `show counters`
	ctl show counters | awk -v p="$1" '$1 == p { print $5 }'
}

"$ws" fwd --config "$tmp/fwd.conf" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
check "the forwarder's socket appears" test -S "$sock"
check "the socket is mode 0600" test "$(stat -c %a "$sock")" = 600

check "show runtime has the budget columns" bash -c "'$ws' ctl --socket '$sock' show runtime | grep -q 'ns/pkt.*%budget'"
check "show runtime lists ip4-lookup" bash -c "'$ws' ctl --socket '$sock' show runtime | grep -q '^ip4-lookup'"
check "show neighbours lists the static ones" bash -c "'$ws' ctl --socket '$sock' show neighbours | grep -q '198.18.2.2.*02:00:00:00:02:02.*static'"
check "show routes ADDR gives the route via x" bash -c "'$ws' ctl --socket '$sock' show routes 198.19.100.7 | grep -q '198.19.100.0/24 via 198.18.1.2 dev x'"
check "show drops answers" bash -c "'$ws' ctl --socket '$sock' show drops >/dev/null"

# traffic flows to x
x0=$(tx_of x)
sleep 0.3
x1=$(tx_of x)
check "packets flow to x before the change ($x0 -> $x1)" test "${x1:-0}" -gt "${x0:-0}"
y1=$(tx_of y)

# the live change: the next packets go to y
check "route add exits 0" bash -c "'$ws' ctl --socket '$sock' route add 198.19.100.0/24 via 198.18.2.2 >/dev/null"
sleep 0.2 # a vector that looked up before the change is sent by now
x2=$(tx_of x)
y2=$(tx_of y)
sleep 0.3
x3=$(tx_of x)
y3=$(tx_of y)
check "after the change y receives ($y2 -> $y3)" test "${y3:-0}" -gt "${y2:-0}"
check "after the change x receives nothing ($x2 -> $x3)" test "${x3:-1}" = "${x2:-0}"
check "y received nothing before the change" test "${y1:-1}" = 0
check "show routes follows the change" bash -c "'$ws' ctl --socket '$sock' show routes 198.19.100.7 | grep -q 'via 198.18.2.2 dev y'"

# more changes and bad commands
check "route add blackhole" bash -c "'$ws' ctl --socket '$sock' route add 198.19.100.0/24 blackhole >/dev/null"
sleep 0.2
d1=$(ctl show drops | awk '$1 == "blackhole" { print $2 }')
sleep 0.2
d2=$(ctl show drops | awk '$1 == "blackhole" { print $2 }')
check "blackholed packets are counted ($d1 -> $d2)" test "${d2:-0}" -gt "${d1:-0}"
check "route del exits 0" bash -c "'$ws' ctl --socket '$sock' route del 198.19.100.0/24 >/dev/null"
check "route del of a missing route exits 1" test "$(exit_code "$ws" ctl --socket "$sock" route del 198.19.100.0/24)" = 1
check "a gateway off every subnet exits 2" test "$(exit_code "$ws" ctl --socket "$sock" route add 198.19.0.0/16 via 198.18.9.9)" = 2
check "host bits set exits 2" test "$(exit_code "$ws" ctl --socket "$sock" route add 198.19.0.1/16 via 198.18.1.2)" = 2
check "an unknown command exits 2" test "$(exit_code "$ws" ctl --socket "$sock" show frobs)" = 2
check "help lists route add" bash -c "'$ws' ctl --socket '$sock' help | grep -q 'route add'"

# Ctrl-C: exit 0, the summary, no socket left
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
check "Ctrl-C: the forwarder exits 0" test "$rc" = 0
check "Ctrl-C: the summary is printed" grep -q "^received" "$tmp/out"
check "Ctrl-C: the socket is removed" test ! -e "$sock"
check "ctl with no forwarder exits 1 and says so" bash -c "'$ws' ctl --socket '$sock' show runtime 2>&1 | grep -q 'no forwarder'"
