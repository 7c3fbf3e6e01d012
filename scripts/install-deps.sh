#!/usr/bin/env bash
# Install the Debian packages wirespeed needs, only those missing; quiet when
# everything is there. Idempotent. Usage: install-deps.sh [--bench]
#   (no option)  build + test: compilers, Meson/Ninja, cmocka, sanitizer runtimes
#   --bench      also the peers the benchmarks compare against (DPDK, trafgen,
#                iptables with ipset, nftables)
set -euo pipefail

pkgs=(build-essential gcc clang meson ninja-build pkg-config libcmocka-dev zlib1g-dev
      iproute2 ethtool valgrind python3 liburcu-dev libpcap-dev libbpf-dev libxdp-dev)
if [[ ${1:-} == --bench ]]; then
	pkgs+=(dpdk-dev netsniff-ng iptables ipset nftables)
elif [[ -n ${1:-} ]]; then
	echo "usage: $0 [--bench]" >&2
	exit 2
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists on a fresh machine may be empty or stale.
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
