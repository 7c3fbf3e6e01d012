#!/usr/bin/env bash
# `wirespeed ctl` without a forwarder: --help lists the commands, no command
# is a usage error (2), a socket nobody listens on is a failure (1) with a
# message naming the path; WS_CTL_SOCKET and --socket choose the path.
# Prints "PASS: name" / "FAIL: name" per check (see scripts/run-tests.sh).
set -u
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/ws-ctl-client.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
none=$tmp/none.sock

check "ctl --help exits 0" test "$(exit_code "$ws" ctl --help)" = 0
check "ctl --help lists show runtime" bash -c "'$ws' ctl --help | grep -q 'show runtime'"
check "ctl --help lists route add" bash -c "'$ws' ctl --help | grep -q 'route add PREFIX via NEXTHOP dev PORT'"
check "ctl without a command exits 2" test "$(exit_code "$ws" ctl)" = 2
check "ctl --socket without a command exits 2" test "$(exit_code "$ws" ctl --socket "$none")" = 2
check "ctl --socket without a path exits 2" test "$(exit_code "$ws" ctl --socket)" = 2
check "ctl unknown option exits 2" test "$(exit_code "$ws" ctl --bogus show runtime)" = 2

check "ctl to a missing socket exits 1" test "$(exit_code "$ws" ctl --socket "$none" show runtime)" = 1
msg=$("$ws" ctl --socket "$none" show runtime 2>&1 >/dev/null)
check "ctl to a missing socket names the path" grep -qF "no forwarder is listening on $none" <<<"$msg"
check "ctl to a missing socket says how to start one" grep -qF 'wirespeed fwd --config FILE' <<<"$msg"

# A socket file with nobody behind it (what a killed forwarder leaves).
stale=$tmp/stale.sock
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$stale"
check "ctl to a stale socket exits 1" test "$(exit_code "$ws" ctl --socket "$stale" show counters)" = 1
check "ctl to a stale socket names the path" \
	bash -c "'$ws' ctl --socket '$stale' show counters 2>&1 | grep -qF 'no forwarder is listening on $stale'"

env_path=$tmp/env.sock
check "WS_CTL_SOCKET chooses the path" \
	bash -c "WS_CTL_SOCKET='$env_path' '$ws' ctl show drops 2>&1 | grep -qF '$env_path'"
check "--socket overrides WS_CTL_SOCKET" \
	bash -c "WS_CTL_SOCKET='$env_path' '$ws' ctl --socket '$none' show drops 2>&1 | grep -qF '$none'"
check "--socket=PATH works too" \
	bash -c "'$ws' ctl --socket='$none' show drops 2>&1 | grep -qF '$none'"
