#!/usr/bin/env bash
# The filter in front of `wirespeed fwd` (userspace node; no interfaces, so
# no XDP) and `wirespeed filter check|explain|list|load`:
#  - check/explain on a good file, FILE:LINE errors (exit 2) on bad ones;
#  - a mem port sends to 198.19.100.1, .2 and .3 in turn; the rules drop .2:
#    those are counted as `filtered` and by the rule, the others forwarded;
#  - `filter load` of new rules (drop .3) while it runs: the next packets
#    follow them; a bad file is refused and the running rules stay;
#  - dry-run counts what it would drop and drops nothing;
#  - Ctrl-C: exit 0 with the filter table in the summary.
set -u
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-fwd-filter.XXXXXX)
sock=$tmp/fwd.sock
pid=
cleanup() {
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/a.rules" <<'EOF'
# drop one destination; count the UDP
drop dst 198.19.100.2
count proto udp
EOF
cat >"$tmp/b.rules" <<'EOF'
drop dst 198.19.100.3
EOF
cat >"$tmp/expr.rules" <<'EOF'
drop src 198.18.0.0/16 proto udp dport 9
drop expr "udp and dst port 53"
pass src 198.18.0.2
EOF
printf 'drop dst 198.19.100.2\ndrop dts 198.19.0.0/16\n' >"$tmp/bad.rules"

# check / explain
check "filter check: a good file exits 0" bash -c "'$ws' filter check '$tmp/a.rules' | grep -q '2 rules, default pass; 2 in XDP, 0 in userspace'"
check "filter check: an expression runs in userspace" bash -c "'$ws' filter check '$tmp/expr.rules' | grep -q '1 in XDP, 2 in userspace'"
check "filter explain: says where and why" bash -c "'$ws' filter explain '$tmp/expr.rules' | grep -q 'userspace.*tcpdump expression'"
check "filter explain: rule 0 runs in XDP" bash -c "'$ws' filter explain '$tmp/expr.rules' | grep -q '^0 .*xdp'"
check "filter check: a bad file exits 2" test "$(exit_code "$ws" filter check "$tmp/bad.rules")" = 2
check "filter check: the error names file and line" bash -c "'$ws' filter check '$tmp/bad.rules' 2>&1 | grep -q 'bad.rules:2: '"
check "filter check: a missing file exits 2" test "$(exit_code "$ws" filter check "$tmp/none.rules")" = 2
"$ws" gen --port "pcap:$tmp/in.pcap" --count 100 --dst 198.19.0.1 --src 198.18.0.2 >/dev/null 2>&1
check "fwd --filter with a bad file exits 2" \
	test "$(exit_code "$ws" fwd --in "$tmp/in.pcap" --out "$tmp/x.pcap" --filter "$tmp/bad.rules")" = 2

cat >"$tmp/fwd.conf" <<EOF
port gen mem dst 198.19.100.1 dst 198.19.100.2 dst 198.19.100.3
port x mem dst 198.18.1.1 count 1
address gen 198.18.0.1/24
address x 198.18.1.1/24
neighbour x 198.18.1.2 02:00:00:00:01:02
route 198.19.100.0/24 via 198.18.1.2
control $sock
filter a.rules
EOF

ctl() { "$ws" ctl --socket "$sock" "$@"; }
rule_col() { # rule index, column (4 hits, 6 drops) from `filter show`
	"$ws" filter list --socket "$sock" | awk -v r="$1" -v c="$2" '$1 == r { print $c }'
}
filtered() { ctl show drops | awk '$1 == "filtered" { print $2 }'; }

"$ws" fwd --config "$tmp/fwd.conf" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
check "the forwarder with a filter starts" test -S "$sock"
sleep 0.3
check "show runtime lists the filter node" bash -c "'$ws' ctl --socket '$sock' show runtime | grep -q '^filter'"
d0=$(rule_col 0 6)
f0=$(filtered)
sleep 0.3
d1=$(rule_col 0 6)
f1=$(filtered)
check "rule 0 drops ($d0 -> $d1)" test "${d1:-0}" -gt "${d0:-0}"
check "the drops count as filtered ($f0 -> $f1)" test "${f1:-0}" -gt "${f0:-0}"
check "count proto udp counts the rest" test "$(rule_col 1 4)" -gt 0
check "count drops nothing" test "$(rule_col 1 6)" = 0
check "x receives the others" bash -c "'$ws' ctl --socket '$sock' show counters | awk '\$1 == \"x\" { exit !(\$5 > 0) }'"

# live reload
check "filter load of a bad file exits 2" test "$(exit_code "$ws" filter load "$tmp/bad.rules" --socket "$sock")" = 2
check "after the refused load rule 0 is still dst .2" bash -c "'$ws' filter list --socket '$sock' | grep -q 'drop dst 198.19.100.2'"
check "filter load exits 0" bash -c "'$ws' filter load '$tmp/b.rules' --socket '$sock' | grep -q 'loaded .*b.rules: 1 rules'"
check "filter list shows the new rule" bash -c "'$ws' filter list --socket '$sock' | grep -q 'drop dst 198.19.100.3'"
n0=$(rule_col 0 6)
sleep 0.3
n1=$(rule_col 0 6)
check "the new rule drops ($n0 -> $n1)" test "${n1:-0}" -gt "${n0:-0}"
check "the new rule's hits are its drops (only .3 matches)" \
	bash -c "'$ws' filter list --socket '$sock' | awk '\$1 == 0 { exit !(\$4 == \$6) }'"

# dry run: counts, drops nothing
check "filter load --dry-run exits 0" bash -c "'$ws' filter load '$tmp/b.rules' --dry-run --socket '$sock' | grep -q 'dry run'"
g0=$(filtered)
w0=$(rule_col 0 6)
sleep 0.3
g1=$(filtered)
w1=$(rule_col 0 6)
check "dry run: nothing more is filtered ($g0 = $g1)" test "$g0" = "$g1"
check "dry run: the rule counts what it would drop ($w0 -> $w1)" test "${w1:-0}" -gt "${w0:-0}"
check "filter list says dry run" bash -c "'$ws' filter list --socket '$sock' | grep -q 'would drop'"

kill -INT "$pid"
wait "$pid"
rc=$?
pid=
check "Ctrl-C: exit 0" test "$rc" = 0
check "Ctrl-C: the summary has the filter table" grep -q "^filter .*b.rules" "$tmp/out"
check "Ctrl-C: the socket is removed" test ! -e "$sock"
check "filter list with nothing running exits 1" test "$(exit_code "$ws" filter list --socket "$sock")" = 1

# --filter on the command line with --in/--out: a capture of 100 UDP
# packets (from wirespeed gen) through a filter that drops everything
printf 'drop\n' >"$tmp/all.rules"
"$ws" fwd --in "$tmp/in.pcap" --out "$tmp/o.pcap" --filter "$tmp/all.rules" --json >"$tmp/j" 2>/dev/null
check "drop everything: 100 received" bash -c "grep -q '\"rx_packets\":100,' '$tmp/j'"
check "drop everything: nothing forwarded" bash -c "grep -q '\"forwarded\":0,' '$tmp/j'"
check "drop everything: all 100 filtered" bash -c "grep -q '\"filtered\":100' '$tmp/j'"
"$ws" fwd --in "$tmp/in.pcap" --out "$tmp/o.pcap" --filter "$tmp/all.rules" --filter-dry-run --json >"$tmp/j" 2>/dev/null
check "drop everything, dry run: all 100 forwarded" bash -c "grep -q '\"forwarded\":100,' '$tmp/j'"
exit 0
