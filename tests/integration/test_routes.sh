#!/usr/bin/env bash
# `wirespeed routes`: load (counts, bad files exit 2 with FILE:LINE:COLUMN and
# nothing applied, --strict), lookup, gen (reproducible, reads back, -o).
# Prints "PASS: name" / "FAIL: name" per check (see scripts/run-tests.sh).
set -u
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/ws-routes-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT

# usage
check "routes without subcommand exits 2" test "$(exit_code "$ws" routes)" = 2
check "routes --help exits 0" test "$(exit_code "$ws" routes --help)" = 0
check "routes bogus exits 2" test "$(exit_code "$ws" routes bogus)" = 2
for sub in load lookup gen; do
	check "routes $sub --help exits 0" test "$(exit_code "$ws" routes $sub --help)" = 0
done
check "routes load without FILE exits 2" test "$(exit_code "$ws" routes load)" = 2
check "routes load bad option exits 2" test "$(exit_code "$ws" routes load --bogus x)" = 2
check "routes lookup without ADDR exits 2" test "$(exit_code "$ws" routes lookup /dev/null)" = 2
check "routes gen bad count exits 2" test "$(exit_code "$ws" routes gen --v4 x)" = 2
check "routes gen bad option exits 2" test "$(exit_code "$ws" routes gen --bogus)" = 2

# a good file, both families
cat >"$dir/good.txt" <<'ROUTES'
# test table
0.0.0.0/0 1
198.18.0.0/15 2
198.18.1.0/24 3
198.18.1.3/32 4
198.19.128.0/17 5
2001:db8::/32 6
2001:db8:1::/48 7
ROUTES
out=$("$ws" routes load "$dir/good.txt" 2>"$dir/err")
rc=$?
check "load good file exits 0" test "$rc" = 0
check "load counts routes" grep -q "good.txt: 7 routes (IPv4 5, IPv6 2), 0 warnings" <<<"$out"
check "load prints IPv4 prefixes" grep -q "^IPv4: 5 prefixes" <<<"$out"
check "load prints IPv6 prefixes" grep -q "^IPv6: 2 prefixes" <<<"$out"
check "load prints the histogram" grep -q "prefix lengths: /0 1 /15 1 /17 1 /24 1 /32 1" <<<"$out"
check "load prints RIB memory" grep -q "rib: .* nodes (5 routes, .* glue) of 32 B" <<<"$out"
check "load good file is quiet on stderr" test ! -s "$dir/err"

gzip -c "$dir/good.txt" >"$dir/good.txt.gz"
check "load gzip'd file" bash -c "'$ws' routes load '$dir/good.txt.gz' | grep -q '7 routes (IPv4 5, IPv6 2)'"

# bad files: exit 2, FILE:LINE:COLUMN, nothing applied
bad() { # name, file content, expected message after "FILE:"
	local name=$1 content=$2 want=$3 f="$dir/bad-$RANDOM.txt" rc
	printf '%b' "$content" >"$f"
	"$ws" routes load "$f" >"$dir/out" 2>"$dir/err"
	rc=$?
	check "bad file ($name) exits 2" test "$rc" = 2
	check "bad file ($name) names FILE:LINE:COLUMN" grep -qxF "$f:$want" "$dir/err"
	check "bad file ($name) applies nothing" grep -q "nothing applied" "$dir/err"
	check "bad file ($name) prints no table" test ! -s "$dir/out"
}
bad "bad address" '198.18.0.0/15 1\n198.18.0.300/24 2\n' "2:1: bad address '198.18.0.300'"
bad "length over 32" '198.18.0.0/15 1\n\n   198.18.0.0/40 2\n' "3:15: prefix length 40 is over 32"
bad "length over 128" '2001:db8::/130\n' "1:12: prefix length 130 is over 128"
bad "missing length" '198.18.0.0 1\n' "1:1: missing prefix length (only \`ip route\` lines may omit it)"
bad "bad nexthop" '198.18.0.0/15 gw\n' "1:15: bad nexthop 'gw' (want a gateway address or an id 0..4294967294)"
bad "ip route bad gateway" '198.18.0.0/15 via 198.18.0.999 dev eth0\n' "1:19: bad gateway address '198.18.0.999'"

check "missing file exits 2" test "$(exit_code "$ws" routes load "$dir/nonexistent")" = 2
check "missing file says cannot open" bash -c "'$ws' routes load '$dir/nonexistent' 2>&1 | grep -q 'nonexistent: cannot open: No such file'"

# host bits: a warning, or with --strict an error
printf '198.18.0.0/16 1\n198.18.2.3/15 2\n' >"$dir/hostbits.txt"
"$ws" routes load "$dir/hostbits.txt" >"$dir/out" 2>"$dir/err"
check "host bits load exits 0" test $? = 0
check "host bits warning" grep -qxF "$dir/hostbits.txt:2:1: warning: host bits set, using 198.18.0.0/15" "$dir/err"
"$ws" routes load --strict "$dir/hostbits.txt" >"$dir/out" 2>"$dir/err"
check "host bits --strict exits 2" test $? = 2
check "host bits --strict error" grep -qxF "$dir/hostbits.txt:2:1: host bits set in 198.18.2.3/15 (198.18.0.0/15 without them)" "$dir/err"

# lookup
out=$("$ws" routes lookup "$dir/good.txt" 198.18.1.3 198.18.1.9 198.18.200.1 198.19.255.255 127.0.0.1 2001:db8:1::1 2001:db8:2::1 2001:db9::1 2>&1)
check "lookup exits 0" test $? = 0
want="198.18.1.3 -> 198.18.1.3/32 nexthop 4
198.18.1.9 -> 198.18.1.0/24 nexthop 3
198.18.200.1 -> 198.18.0.0/15 nexthop 2
198.19.255.255 -> 198.19.128.0/17 nexthop 5
127.0.0.1 -> 0.0.0.0/0 nexthop 1
2001:db8:1::1 -> 2001:db8:1::/48 nexthop 7
2001:db8:2::1 -> 2001:db8::/32 nexthop 6
2001:db9::1 -> no route"
check "lookup answers" test "$out" = "$want"
check "lookup bad address exits 2" test "$(exit_code "$ws" routes lookup "$dir/good.txt" 198.18.0)" = 2
check "lookup bad file exits 2" test "$(exit_code "$ws" routes lookup "$dir/hostbits.txt" --strict 198.18.0.1)" = 2

printf 'default via 198.18.0.1 dev veth0 proto static\n198.18.1.0/24 dev veth1 proto kernel scope link src 198.18.1.1\nblackhole 198.18.9.0/24\n' >"$dir/iproute.txt"
out=$("$ws" routes lookup "$dir/iproute.txt" 198.18.1.7 127.0.0.9 198.18.9.1 2>&1)
check "lookup in ip route output" test "$out" = "198.18.1.7 -> 198.18.1.0/24 nexthop 1 (dev veth1)
127.0.0.9 -> 0.0.0.0/0 nexthop 0 (via 198.18.0.1 dev veth0)
198.18.9.1 -> 198.18.9.0/24 nexthop 2 (blackhole)"

# gen: reproducible, reads back, -o
"$ws" routes gen --v4 3000 --v6 500 --seed 9 >"$dir/gen1.txt"
check "gen exits 0" test $? = 0
"$ws" routes gen --v4 3000 --v6 500 --seed 9 >"$dir/gen2.txt"
"$ws" routes gen --v4 3000 --v6 500 --seed 10 >"$dir/gen3.txt"
check "gen same seed, same table" cmp -s "$dir/gen1.txt" "$dir/gen2.txt"
check "gen other seed, other table" bash -c "! cmp -s '$dir/gen1.txt' '$dir/gen3.txt'"
check "gen prints 3500 routes" test "$(grep -vc '^#' "$dir/gen1.txt")" = 3500
check "gen table loads back strictly" bash -c "'$ws' routes load --strict '$dir/gen1.txt' | grep -q '3500 routes (IPv4 3000, IPv6 500), 0 warnings'"
"$ws" routes gen --v4 3000 --v6 500 --seed 9 -o "$dir/gen.txt.gz"
check "gen -o FILE.gz writes gzip" bash -c "zcat '$dir/gen.txt.gz' | cmp -s - '$dir/gen1.txt'"
"$ws" routes gen --v4 3000 --v6 500 --seed 9 -o "$dir/gen-o.txt"
check "gen -o FILE writes the same" cmp -s "$dir/gen-o.txt" "$dir/gen1.txt"
rc=$( { "$ws" routes gen --v4 200000 2>"$dir/err" | head -1 >/dev/null; echo "${PIPESTATUS[0]}"; } )
check "gen into a closed pipe ends quietly (exit $rc)" test "$rc" = 0
check "gen into a closed pipe prints nothing on stderr" test ! -s "$dir/err"
check "load compiles IPv4 and IPv6 into lpm4 and lpm6 and reports their size" \
	bash -c "'$ws' routes load '$dir/gen1.txt' | grep -Ec '^  lpm[46]: [0-9]+ B .* B/prefix, [0-9]+ nodes, [0-9]+ leaves' | grep -qx 2"
