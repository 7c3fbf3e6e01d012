#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# testbed.sh: the veth testbed. Three network namespaces joined by two veth
# pairs, so that a generator, a forwarder and a sink run on one machine
# without touching the host's network.
#
#   [ws-gen]                 [ws-fwd]                       [ws-sink]
#   gen0  <---- veth ---->  fwd0      fwd1  <---- veth ---->  sink0
#   198.18.0.2/24           (198.18.0.1)  (198.18.1.1)        198.18.1.2/24
#   02:00:00:00:00:01       02:00:00:00:01:00                 02:00:00:00:02:00
#                                     02:00:00:00:01:01
#
# MACs are fixed and locally administered (02:...) so that configs can name
# them: gen0 02:00:00:00:00:01, fwd0 02:00:00:00:01:00, fwd1
# 02:00:00:00:01:01, sink0 02:00:00:00:02:00.
#
# Routes: ws-gen has 198.18.0.0/15 via 198.18.0.1 dev gen0, ws-sink has
# 198.18.0.0/15 via 198.18.1.1 dev sink0, and nothing else but the connected
# /24s and loopback. No namespace has a default route or any route outside
# 198.18.0.0/15 and 127.0.0.0/8, so no packet can leave the testbed. Both
# ends of each veth pair are created inside the namespaces; nothing is ever
# created in, or moved through, the root namespace.
#
# Modes:
#   up            (for wirespeed) fwd0/fwd1 are up with NO kernel address,
#                 not even an IPv6 link-local one (addrgenmode none), and
#                 ip_forward=0 in ws-fwd: the kernel of ws-fwd stays out of
#                 the way, and wirespeed itself answers ARP for 198.18.0.1
#                 and 198.18.1.1 and forwards.
#   up --kernel   (the kernel-forwarding peer, and to check the testbed)
#                 fwd0 198.18.0.1/24, fwd1 198.18.1.1/24, ip_forward=1 in
#                 ws-fwd: gen0 can ping sink0 through the kernel of ws-fwd.
#   ip_forward is 0 in ws-gen and ws-sink in both modes (IPv4 settings of a
#   new namespace are copied from the host's, so this is set, not assumed).
#
# Link settings, the same in both modes so that both forwarders see the same
# frames:
#   - IPv6 accept_dad=0, no router solicitations, accept_ra=0: links are
#     usable at once and the kernel sends no DAD/RS noise.
#   - ethtool -K gro off gso off tso off tx off rxvlan off txvlan off on all
#     four veths. A veth passes the sender's skb as it is, so with TSO/GSO on
#     a TCP sender in ws-gen hands fwd0 frames of up to 64 KiB, bigger than
#     the MTU, which a raw (AF_PACKET) socket then reads and cannot send on;
#     GRO on the receiving veth would merge frames the same way. With tx
#     checksum offload on, kernel-sent TCP/UDP carry a partial checksum that a
#     raw socket would forward as is and the sink would drop, so checksums
#     are computed before the frame enters the veth. With VLAN offload on, a
#     tag travels beside the frame instead of in it. Off, every frame on the
#     veth is exactly what a wire would carry.
#
# Usage: testbed.sh up [--kernel] | down | status | exec NS CMD... | steps
#   up       tears an existing testbed down first; if any step fails, it
#            removes what it created and exits 1 with a message.
#   down     removes the links and the namespaces; fine when there is none.
#            Processes still inside a testbed namespace are sent SIGTERM
#            (then SIGKILL) so that the namespaces really go away.
#   status   prints the namespaces, links, addresses and routes; exit 0 if
#            the testbed is up, 1 if not.
#   exec NS CMD...   ip netns exec ws-NS CMD... (NS: gen, fwd, sink, or the
#            full name).
#   steps    (for tests) the step names of `up`.
# Every command but help and steps must run as root (exit 1 otherwise).
# Exit codes: 0 done, 1 failure, 2 usage error.
# Testing: WS_TESTBED_FAIL_AT=STEP makes `up` fail at that step (see
# `steps`), to check that a failed `up` leaves nothing behind.
set -uo pipefail

readonly NS_GEN=ws-gen NS_FWD=ws-fwd NS_SINK=ws-sink
readonly ALL_NS=("$NS_GEN" "$NS_FWD" "$NS_SINK")
readonly MAC_GEN0=02:00:00:00:00:01 MAC_FWD0=02:00:00:00:01:00 MAC_FWD1=02:00:00:00:01:01 MAC_SINK0=02:00:00:00:02:00
# namespace:link, for status and the final check of `up`
readonly ALL_LINKS=("$NS_GEN:gen0" "$NS_FWD:fwd0" "$NS_FWD:fwd1" "$NS_SINK:sink0")
readonly STEPS=(netns sysctl veth link addr route verify)
# Serialises up and down (two `up`s at once would tear each other down).
readonly LOCK=/run/lock/wirespeed-testbed.lock

prog=testbed
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	echo "usage: $0 up [--kernel] | down | status | exec NS CMD... | steps" >&2
	exit 2
}

# run CMD...: run it, and on failure name it (the caller decides what follows).
run() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$prog: failed: $*${out:+: $out}" >&2
		return 1
	fi
}

# step NAME: start a step of `up`; fails if WS_TESTBED_FAIL_AT names it.
step() {
	cur_step=$1
	if [[ ${WS_TESTBED_FAIL_AT:-} == "$1" ]]; then
		echo "$prog: failing at step '$1' (WS_TESTBED_FAIL_AT)" >&2
		return 1
	fi
}

ns_exists() { [[ -e /run/netns/$1 ]] && ip netns list | grep -qx "$1\( (id: [0-9]*)\)\?"; }

lock() {
	mkdir -p "$(dirname "$LOCK")" || die "cannot create $(dirname "$LOCK")"
	exec 9>"$LOCK" || die "cannot open $LOCK"
	flock -w 60 9 || die "another testbed up/down holds $LOCK for over 60 s"
}

# Tears everything down; quiet, and returns 0, when there is nothing to remove.
teardown() {
	local ns pids l
	for ns in "${ALL_NS[@]}"; do
		[[ -e /run/netns/$ns ]] || continue
		# Deleting the links first removes the veths now, even if a process
		# still holds the namespace alive after its name is gone.
		for l in gen0 fwd0 fwd1 sink0; do
			ip -n "$ns" link del "$l" >/dev/null 2>&1
		done
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [[ -n ${pids// /} ]]; then
			echo "$prog: stopping processes still in $ns: $pids" >&2
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				[[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
				sleep 0.2
			done
			pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
			# shellcheck disable=SC2086
			[[ -n ${pids// /} ]] && kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns" >/dev/null 2>&1 || rm -f "/run/netns/$ns"
	done
	for ns in "${ALL_NS[@]}"; do
		if [[ -e /run/netns/$ns ]]; then
			echo "$prog: could not remove namespace $ns" >&2
			return 1
		fi
	done
	return 0
}

# ns_sysctl NS KEY=VALUE...
ns_sysctl() {
	local ns=$1
	shift
	run ip netns exec "$ns" sysctl -q -w "$@"
}

# The body of `up`; returns non-zero at the first failed step.
build() {
	local kernel=$1 ns fwd spec l v6=0
	# Without IPv6 in the kernel (ipv6.disable=1) there is nothing to quiet.
	[[ -d /proc/sys/net/ipv6 ]] && v6=1

	step netns || return 1
	for ns in "${ALL_NS[@]}"; do
		run ip netns add "$ns" || return 1
		run ip -n "$ns" link set lo up || return 1
	done

	# Set the defaults before the veths exist so that they inherit them.
	step sysctl || return 1
	fwd=0
	[[ $kernel == 1 ]] && fwd=1
	for ns in "${ALL_NS[@]}"; do
		ns_sysctl "$ns" net.ipv4.ip_forward=0 || return 1
		((v6)) || continue
		ns_sysctl "$ns" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_ra=0 || return 1
	done
	ns_sysctl "$NS_FWD" net.ipv4.ip_forward=$fwd || return 1

	# Each pair is created by one request with each end born in its own
	# namespace: no end ever appears in the root namespace.
	step veth || return 1
	run ip -n "$NS_FWD" link add name fwd0 address $MAC_FWD0 type veth \
		peer name gen0 address $MAC_GEN0 netns "$NS_GEN" || return 1
	run ip -n "$NS_FWD" link add name fwd1 address $MAC_FWD1 type veth \
		peer name sink0 address $MAC_SINK0 netns "$NS_SINK" || return 1

	step link || return 1
	for spec in "${ALL_LINKS[@]}"; do
		ns=${spec%%:*}
		l=${spec#*:}
		run ip netns exec "$ns" ethtool -K "$l" gro off gso off tso off tx off rxvlan off txvlan off ||
			return 1
		if ((v6)); then
			ns_sysctl "$ns" "net.ipv6.conf.$l.accept_dad=0" "net.ipv6.conf.$l.router_solicitations=0" \
				"net.ipv6.conf.$l.accept_ra=0" || return 1
		fi
		# No kernel address at all on the forwarder's ports in wirespeed mode.
		if [[ $ns == "$NS_FWD" && $kernel == 0 ]]; then
			run ip -n "$ns" link set "$l" addrgenmode none || return 1
		fi
	done

	step addr || return 1
	run ip -n "$NS_GEN" addr add 198.18.0.2/24 dev gen0 || return 1
	run ip -n "$NS_SINK" addr add 198.18.1.2/24 dev sink0 || return 1
	if [[ $kernel == 1 ]]; then
		run ip -n "$NS_FWD" addr add 198.18.0.1/24 dev fwd0 || return 1
		run ip -n "$NS_FWD" addr add 198.18.1.1/24 dev fwd1 || return 1
	fi
	for spec in "${ALL_LINKS[@]}"; do
		run ip -n "${spec%%:*}" link set "${spec#*:}" up || return 1
	done

	step route || return 1
	run ip -n "$NS_GEN" route add 198.18.0.0/15 via 198.18.0.1 dev gen0 || return 1
	run ip -n "$NS_SINK" route add 198.18.0.0/15 via 198.18.1.1 dev sink0 || return 1

	# A veth pair is operationally up once both ends are; wait briefly.
	step verify || return 1
	local state ready tries
	for spec in "${ALL_LINKS[@]}"; do
		ready=0
		for ((tries = 0; tries < 50; tries++)); do
			state=$(ip -n "${spec%%:*}" -o link show dev "${spec#*:}" 2>/dev/null)
			if [[ $state == *" state UP "* ]]; then
				ready=1
				break
			fi
			sleep 0.1
		done
		if ((!ready)); then
			echo "$prog: ${spec#*:} in ${spec%%:*} did not come up: $state" >&2
			return 1
		fi
	done
	return 0
}

cmd_up() {
	local kernel=0
	while (($#)); do
		case $1 in
		--kernel) kernel=1 ;;
		*) usage ;;
		esac
		shift
	done
	lock
	teardown || die "could not tear down the existing testbed"
	cur_step=
	# A failed or interrupted `up` removes what it created.
	trap 'rc=$?; if ((rc != 0)); then
		echo "$prog: up failed at step ${cur_step:-?}; tearing down" >&2; teardown; fi' EXIT
	trap 'exit 130' INT TERM
	build "$kernel" || exit 1
	trap - EXIT INT TERM
	if [[ $kernel == 1 ]]; then
		echo "$prog: up (kernel forwarding in $NS_FWD)"
	else
		echo "$prog: up (wirespeed mode: no addresses on fwd0/fwd1, ip_forward=0)"
	fi
}

cmd_down() {
	(($# == 0)) || usage
	lock
	teardown || exit 1
}

cmd_status() {
	(($# == 0)) || usage
	local ns ok=1 spec
	for ns in "${ALL_NS[@]}"; do
		if ! ns_exists "$ns"; then
			echo "$ns: absent"
			ok=0
			continue
		fi
		echo "== $ns (ip_forward=$(ip netns exec "$ns" sysctl -n net.ipv4.ip_forward 2>/dev/null))"
		echo "-- links"
		ip -n "$ns" -br link show
		echo "-- addresses"
		ip -n "$ns" -br addr show
		echo "-- routes"
		ip -n "$ns" -4 route show
		ip -n "$ns" -6 route show
	done
	for spec in "${ALL_LINKS[@]}"; do
		ns_exists "${spec%%:*}" || continue
		if ! ip -n "${spec%%:*}" -o link show dev "${spec#*:}" 2>/dev/null | grep -q ',UP'; then
			echo "${spec%%:*}: ${spec#*:} missing or down"
			ok=0
		fi
	done
	if ((ok)); then
		echo "testbed: up"
		return 0
	fi
	echo "testbed: not up"
	return 1
}

cmd_exec() {
	(($# >= 2)) || usage
	local ns=$1
	shift
	case $ns in
	gen | fwd | sink) ns=ws-$ns ;;
	ws-gen | ws-fwd | ws-sink) ;;
	*) echo "$prog: unknown namespace '$ns' (gen, fwd or sink)" >&2; exit 2 ;;
	esac
	ns_exists "$ns" || die "namespace $ns does not exist (run: $0 up)"
	exec ip netns exec "$ns" "$@"
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
-h | --help | help)
	sed -n '3,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
	;;
steps)
	printf '%s\n' "${STEPS[@]}"
	exit 0
	;;
up | down | status | exec) ;;
*)
	echo "$prog: unknown command '$cmd'" >&2
	usage
	;;
esac
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces and veths need CAP_SYS_ADMIN and CAP_NET_ADMIN)"
for tool in ip ethtool sysctl flock; do
	command -v "$tool" >/dev/null || die "needs '$tool' (Debian: iproute2, ethtool, procps, util-linux)"
done
"cmd_$cmd" "$@"
