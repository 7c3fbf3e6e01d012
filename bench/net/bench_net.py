#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench_net.py: `make bench-net`, forwarders compared on the namespace testbed.

Phase 1 of the network benchmark. On scripts/testbed.sh (ws-gen gen0 -- fwd0
ws-fwd fwd1 -- sink0 ws-sink) the same generator load goes through each
forwarder in turn, alternating in rounds so that drift of this shared VM hits
every forwarder alike:

  kernel            testbed `up --kernel`: ip_forward in ws-fwd, no netfilter
  kernel+iptables   the same with ONE rule in ws-fwd's FORWARD chain that
                    matches none of the traffic (UDP dport 1; the load has 9)
  afxdp, afpacket,  `wirespeed fwd --config` with ports of that kind on fwd0
  mmsg              and fwd1 (testbed in default mode), pinned to --fwd-cpu
  xdp_drop          the ceiling: xdp_drop.bpf.c (XDP_DROP) on fwd0, native
                    XDP; no forwarding, nothing reaches the sink
  testpmd-afxdp,    the DPDK peer: dpdk-testpmd in mac forwarding mode
  testpmd-afpacket  (rewrites both MACs, dst = sink0's) from fwd0 to fwd1
                    through net_af_xdp / net_af_packet vdevs, its main and
                    forwarding lcores both on --fwd-cpu (--lcores 0@C,1@C)

Phase 2 adds the generator comparison (rows "bench":"net_gen"): one generator
at a time sends the same load into the XDP_DROP ceiling (xdp_drop.bpf.c on
fwd0, no forwarder, no sink), so that the receiving side does the least work
possible and nothing else competes for the CPUs; the frames dropped at fwd0
over the generator's CPU time (its own and its children's, from wait4()) give
Mpps per CPU second:

  wirespeed-afxdp,     `wirespeed gen --port KIND:gen0 --duration D`
  wirespeed-afpacket
  trafgen              netsniff-ng's trafgen, -P 1 (one sender process), a
                       generated config for the same 64-byte frames (random
                       dst in 198.19.0.0/16), stopped with SIGINT after D s

The load: `wirespeed gen --port KIND:gen0` in ws-gen pinned to --gen-cpu, as
fast as it goes, 64-byte UDP frames from 198.18.0.2 to random destinations
in 198.19.0.0/16, dst MAC fwd0's (02:00:00:00:01:00). Each forwarder routes
198.19.0.0/16 via 198.18.1.2 (sink0). `wirespeed sink --port afpacket:sink0`
in ws-sink, pinned to --sink-cpu, counts what arrives.

CPU per packet (see docs/PERFORMANCE.md, section "Forwarding on the testbed"):
  - wirespeed: the forwarder process's on-CPU time (sum of
    /proc/PID/task/*/schedstat, nanoseconds, all threads) over the
    generator's run, divided by the packets the sink received
    (fwd_cpu_ns_per_pkt) and by the packets the forwarder forwarded
    (fwd_cpu_ns_per_fwd). This is also where the kernel charges softirq work
    that runs in the forwarder's context (its sends on fwd1 complete into
    sink0's receive path).
  - kernel: the kernel forwards in softirq, on whichever CPU the frame
    arrived on (veth: the sender's, the generator's CPU). The machine's
    softirq time from /proc/stat (all CPUs) over the run divided by the
    packets the sink received. This kernel has tick-based accounting
    (no CONFIG_IRQ_TIME_ACCOUNTING): /proc/stat samples the CPU state at
    each 10 ms tick, so 10 s on 2 CPUs is 2000 samples.
  Every row also carries softirq_ns_per_pkt and busy_ns_per_pkt (all non-idle
  time of the machine per delivered packet) so the same kernel-side measure
  can be set beside each wirespeed figure.

Phase 3, the filter (rows "bench":"net_filter", --filters, after phases 1-2):
wirespeed's XDP early drop in front of the kernel against the XDP_DROP ceiling
and the kernel's own filters, each under the same flood with the same policy.
The testbed is `up --kernel` (ws-fwd routes 198.19.0.0/16 via sink0 itself);
two loads from ws-gen, both pinned to --gen-cpu:

  the flood         `wirespeed gen --port afxdp:gen0` as fast as it goes,
                    64-byte UDP from random sources in 198.18.128.0/17 (the
                    flood range) to random destinations in 198.19.0.0/16
  the good traffic  `wirespeed gen --port afpacket:gen0 --rate --good-rate`
                    (default 10,000 pps: about 1 % of what the flood reaches
                    here, 1.0 Mpps into xdp_drop), 128-byte UDP (long enough
                    for gen's stamp, so the sink counts it apart as stream 2)
                    from 198.18.0.2 to 198.19.1.0/24; it starts 0.5 s before
                    the flood and ends 1 s after it

Both on one CPU, as good and bad traffic share a NIC queue. The good
generator paces by polling the clock (at 10 kpps it never sleeps), so it
takes about half of that CPU: the flood reaches about half of phase 2's rate,
the same handicap in every row.

The policy, made at each run: --filter-prefixes (10,000) distinct prefixes of
/24 to /32 that split the flood range exactly (its 128 /24s halved at random,
seed 1, until there are that many): every flood source lies in one, and
198.18.0.2 in none. The rows:

  xdp_drop            xdp_drop.bpf.c on fwd0: the ceiling; it drops the good
                      traffic too, so its delivered share is 0 by construction
  wirespeed           `wirespeed filter run --dev fwd0` (native XDP on the
                      veth) with one `drop src PREFIX` per prefix, all of them
                      in XDP (checked with `wirespeed filter check`); what it
                      passes, the kernel of ws-fwd forwards to ws-sink
  iptables-raw        the prefixes in an ipset (hash:net) and ONE rule in raw
                      PREROUTING, `-m set --match-set ... src -j DROP`: how an
                      admin drops 10k prefixes with iptables. Without ipset
                      the row is skipped, not replaced by 10k rules, which
                      iptables walks one by one (an unfair peer)
  iptables-raw-1rule  one rule `-s 198.18.128.0/17 -j DROP`: iptables' best
                      case, a single prefix compare
  nft-netdev          an nftables netdev table, a chain on fwd0's ingress hook
                      at priority -500 and an interval set of the prefixes:
                      `ip saddr @set counter drop`

Per row, over the flood's run: frames dropped (veth's XDP drop counter of
fwd0 for xdp_drop and wirespeed, whose JSON `dropped` is kept beside it as
filter_dropped; the rule's counter for iptables and nft), Mpps dropped and
the share of the flood dropped. CPU: all of this runs in softirq on the CPU
the frame was sent from (veth delivers in the sender's softirq: the
generator's CPU), so the machine's softirq time from /proc/stat over the
flood window (tick-sampled, as above) divided by the frames dropped gives CPU
ns per drop; busy ns per drop beside it. The good traffic's delivered share:
its stream's packets at the sink over the packets the good generator sent.
Flood frames that got through would reach the sink unstamped
("sink_unstamped"; a frame or two of the kernel's own is normal). The sink
(afpacket:sink0, sink_drop.bpf.c behind it unless --sink-ip-stack) is pinned
to --fwd-cpu, which phase 3 leaves free: it polls, and on the generator's CPU
it would take half of it. ipsets, nft tables and XDP programs are removed
after every run, then the testbed.

On veth, XDP runs on an skb the sender has already built (and may have to
copy it to get XDP's headroom): it saves the stack's work after that point,
not the skb as in a NIC's driver, so the CPU ratios here understate what an
early drop saves on hardware.

Phase 3's ratios (wirespeed against the ceiling and each peer) are paired:
the median over rounds of the two rows' ratio in the same round, with its
range, since this host's speed swings by up to a third between minutes
and a ratio of medians taken apart can pair a fast round with a slow one.

Output: one JSON line per forwarder (generator, filter row) and round on
stdout, and after phase 3 one "net_filter_summary" line with its medians and
ratios; summary tables of medians and ratios on stderr. The testbed is torn
down after every run, at the end and on any failure or signal. Root only;
every address used lies in 198.18.0.0/15.
"""
import argparse
import glob
import ipaddress
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTBED = os.path.join(ROOT, "scripts", "testbed.sh")
XDP_SRC = os.path.join(ROOT, "bench", "net", "xdp_drop.bpf.c")
SINK_DROP_SRC = os.path.join(ROOT, "bench", "net", "sink_drop.bpf.c")
FWD0_MAC = "02:00:00:00:01:00"
SINK_MAC = "02:00:00:00:02:00"
ALL_FORWARDERS = ["kernel", "kernel+iptables", "afxdp", "afpacket", "mmsg", "xdp_drop", "testpmd-afxdp",
                  "testpmd-afpacket"]
ALL_GENS = ["wirespeed-afxdp", "wirespeed-afpacket", "trafgen"]
TESTPMD = "/usr/bin/dpdk-testpmd"
ALL_FILTERS = ["xdp_drop", "wirespeed", "iptables-raw", "iptables-raw-1rule", "nft-netdev"]
# Phase 3: the flood's sources, which the policy's prefixes split; the good
# traffic's source (outside it) and destinations.
FLOOD_SRC = "198.18.128.0/17"
GOOD_SRC = "198.18.0.2"
GOOD_DST = "198.19.1.0/24"
GOOD_SIZE = 128  # room for gen's stamp (64-byte frames have none): the sink counts the good stream apart
FLOOD_STREAM, GOOD_STREAM = 1, 2
IPSET_NAME = "ws_bench_flood"
NFT_TABLE = "ws_bench_filter"
# The vdev arguments per backend: one queue pair each; af_packet bypasses the
# qdisc like our own afpacket port does.
TESTPMD_VDEV = {"afxdp": "net_af_xdp%d,iface=%s", "afpacket": "net_af_packet%d,iface=%s,qpairs=1,qdisc_bypass=1"}

# trafgen's config: 64 bytes without the FCS like `wirespeed gen --size 64`,
# eth to fwd0's MAC, IPv4 198.18.0.2 -> 198.19.<random>.<random> (the header
# checksum recomputed per frame by csumip), UDP 9 -> 9, checksum 0 (none),
# 22 zero bytes of payload.
TRAFGEN_CONF = """{
  0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x00,
  0x45, 0x00, const16(50), const16(0), const16(0), 64, 17, csumip(14, 33),
  198, 18, 0, 2,
  198, 19, drnd(2),
  const16(9), const16(9), const16(30), const16(0),
  fill(0x00, 22)
}
"""
USER_HZ = os.sysconf("SC_CLK_TCK")

children = []  # Popen objects still to be stopped on failure


def log(msg):
	print("bench-net: " + msg, file=sys.stderr, flush=True)


def run(cmd, check=True, quiet=True):
	"""Run a command to its end; raise on failure when check."""
	out = subprocess.DEVNULL if quiet else None
	r = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
	if check and r.returncode != 0:
		raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
	return r


def spawn(cmd, out, err):
	p = subprocess.Popen(cmd, stdout=out, stderr=err)
	children.append(p)
	return p


def stop(p, sig=signal.SIGINT, timeout=5):
	"""Stop a child (SIGINT first so that it prints its summary, then SIGKILL)."""
	if p.poll() is None:
		p.send_signal(sig)
		try:
			p.wait(timeout)
		except subprocess.TimeoutExpired:
			p.kill()
			p.wait()
	if p in children:
		children.remove(p)


def cleanup():
	for p in list(children):
		stop(p, signal.SIGKILL, 2)
	subprocess.run([TESTBED, "down"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def proc_stat():
	"""The machine's CPU times from /proc/stat in ns: (softirq, busy) summed over all CPUs."""
	with open("/proc/stat") as f:
		v = [int(x) for x in f.readline().split()[1:]]
	# user nice system idle iowait irq softirq steal guest guest_nice
	busy = v[0] + v[1] + v[2] + v[5] + v[6]
	tick_ns = 1e9 / USER_HZ
	return v[6] * tick_ns, busy * tick_ns


def task_ns(pid):
	"""On-CPU nanoseconds of all threads of PID (schedstat: exact, not tick-sampled)."""
	total = 0
	for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
		try:
			with open(path) as f:
				total += int(f.read().split()[0])
		except (OSError, ValueError, IndexError):
			pass  # a thread that just ended
	return total


def user_sys_ticks(pid):
	"""(utime, stime) of PID in clock ticks, from /proc/PID/stat: only for the user/kernel split."""
	with open("/proc/%d/stat" % pid) as f:
		v = f.read().rsplit(")", 1)[1].split()
	return int(v[11]), int(v[12])


def last_summary(path):
	"""The `summary` JSON line of a gen/sink output file, or None."""
	found = None
	with open(path) as f:
		for line in f:
			line = line.strip()
			if line.startswith("{"):
				d = json.loads(line)
				if d.get("type") == "summary":
					found = d
	return found


def xdp_drops():
	"""Frames the XDP program on fwd0 has dropped so far (veth's per-queue counter)."""
	r = subprocess.run(["ip", "netns", "exec", "ws-fwd", "ethtool", "-S", "fwd0"], capture_output=True, text=True)
	for line in r.stdout.splitlines():
		k, _, v = line.strip().partition(":")
		if k == "rx_queue_0_xdp_drops":
			return int(v)
	raise RuntimeError("no rx_queue_0_xdp_drops in ethtool -S fwd0")


def one_run(a, fwd, rnd, tmp):
	"""Bring the testbed up for FWD, run the load through it, return the JSON record."""
	ws = a.ws
	kernel = fwd.startswith("kernel")
	run([TESTBED, "up"] + (["--kernel"] if kernel else []))
	fproc = None
	try:
		if a.sink_drop_obj and fwd != "xdp_drop":
			run(["tc", "-n", "ws-sink", "qdisc", "add", "dev", "sink0", "clsact"])
			run(["tc", "-n", "ws-sink", "filter", "add", "dev", "sink0", "ingress", "bpf", "da", "obj",
			     a.sink_drop_obj, "sec", "tc"])
		if kernel:
			run(["ip", "-n", "ws-fwd", "route", "add", "198.19.0.0/16", "via", "198.18.1.2"])
			if fwd == "kernel+iptables":
				run(["ip", "netns", "exec", "ws-fwd", "iptables", "-A", "FORWARD", "-p", "udp",
				     "--dport", "1", "-j", "DROP"])
		elif fwd == "xdp_drop":
			run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "obj", a.xdp_obj, "sec", "xdp"])
		elif fwd.startswith("testpmd-"):
			fproc = start_testpmd(a, fwd, rnd, tmp)
		else:
			conf = os.path.join(tmp, "fwd-%s.conf" % fwd)
			sock = os.path.join(tmp, "fwd.sock")
			with open(conf, "w") as f:
				f.write("port in %s dev fwd0\nport out %s dev fwd1\n"
				        "address in 198.18.0.1/24\naddress out 198.18.1.1/24\n"
				        "route 198.19.0.0/16 via 198.18.1.2\ncontrol %s\n" % (fwd, fwd, sock))
			ferr = open(os.path.join(tmp, "fwd-%s-%d.err" % (fwd, rnd)), "w")
			fout = open(os.path.join(tmp, "fwd-%s-%d.out" % (fwd, rnd)), "w")
			fproc = spawn(["ip", "netns", "exec", "ws-fwd", "taskset", "-c", str(a.fwd_cpu), ws, "fwd",
			               "--config", conf, "--json"], fout, ferr)
			for _ in range(100):
				if os.path.exists(sock) or fproc.poll() is not None:
					break
				time.sleep(0.1)
			if fproc.poll() is not None or not os.path.exists(sock):
				raise RuntimeError("%s forwarder did not start: %s" % (fwd, open(ferr.name).read().strip()))
		sproc = None
		sout = os.path.join(tmp, "sink.json")
		if fwd != "xdp_drop":
			sproc = spawn(["ip", "netns", "exec", "ws-sink", "taskset", "-c", str(a.sink_cpu), ws, "sink",
			               "--port", "afpacket:sink0", "--duration", str(a.duration + 3), "--json"],
			              open(sout, "w"), open(os.path.join(tmp, "sink.err"), "w"))
		time.sleep(1.0)
		gout = os.path.join(tmp, "gen.json")
		gen_cmd = ["ip", "netns", "exec", "ws-gen", "taskset", "-c", str(a.gen_cpu), ws, "gen",
		           "--port", "%s:gen0" % a.gen_kind, "--dst", "198.19.0.0/16", "--src", "198.18.0.2",
		           "--dst-mac", FWD0_MAC, "--size", "64", "--duration", str(a.duration), "--json"]
		drops0 = xdp_drops() if fwd == "xdp_drop" else 0
		soft0, busy0 = proc_stat()
		f0 = task_ns(fproc.pid) if fproc else 0
		us0 = user_sys_ticks(fproc.pid) if fproc else (0, 0)
		t0 = time.monotonic()
		gproc = spawn(gen_cmd, open(gout, "w"), open(os.path.join(tmp, "gen.err"), "w"))
		try:
			gproc.wait(a.duration + 10)
		except subprocess.TimeoutExpired:
			raise RuntimeError("the generator did not stop")
		children.remove(gproc)
		# the packets still in rings take well under 0.2 s; then the window closes
		time.sleep(0.2)
		soft1, busy1 = proc_stat()
		f1 = task_ns(fproc.pid) if fproc else 0
		us1 = user_sys_ticks(fproc.pid) if fproc else (0, 0)
		window = time.monotonic() - t0
		drops1 = xdp_drops() if fwd == "xdp_drop" else 0
		gen = last_summary(gout)
		if gen is None:
			raise RuntimeError("no summary from the generator: %s" % open(os.path.join(tmp, "gen.err")).read())
		secs = gen["seconds"]
		rec = {"bench": "net_fwd", "forwarder": fwd, "round": rnd, "gen_port": a.gen_kind,
		       "sink_ip_stack": not a.sink_drop_obj,
		       "gen_mpps": round(gen["mpps"], 4), "gen_packets": gen["packets"], "seconds": round(secs, 3),
		       "window_s": round(window, 3), "gen_cpu": a.gen_cpu, "sink_cpu": a.sink_cpu}
		if sproc:
			stop(sproc)
			sink = last_summary(sout)
			if sink is None:
				raise RuntimeError("no summary from the sink")
			delivered = sink["packets"]
			rec["sink_packets"] = delivered
			rec["sink_mpps"] = round(delivered / secs / 1e6, 4)
		else:
			delivered = drops1 - drops0
			rec["sink_packets"] = None
			rec["sink_mpps"] = None
			rec["xdp_drops"] = delivered
			rec["dropped_mpps"] = round(delivered / secs / 1e6, 4)
		per = (lambda ns: round(ns / delivered, 1)) if delivered else (lambda ns: None)
		rec["softirq_ns_per_pkt"] = per(soft1 - soft0)
		rec["busy_ns_per_pkt"] = per(busy1 - busy0)
		if fproc:
			stop(fproc)
			if fwd.startswith("testpmd-"):
				fwded = testpmd_forwarded(os.path.join(tmp, "fwd-%s-%d.out" % (fwd, rnd)))
			else:
				fsum = None
				with open(os.path.join(tmp, "fwd-%s-%d.out" % (fwd, rnd))) as f:
					for line in f:
						if line.startswith("{") and '"forwarded"' in line:
							fsum = json.loads(line)
				fwded = fsum["forwarded"] if fsum else None
				if fsum:
					# what the kernel dropped before the forwarder saw it (AF_XDP
					# RX ring full, AF_PACKET ring full), per port
					rec["fwd_kernel_dropped"] = sum(p.get("kernel_dropped", 0) for p in fsum.get("ports", []))
			errl = open(os.path.join(tmp, "fwd-%s-%d.err" % (fwd, rnd))).read()
			if fwd == "afxdp":
				rec["afxdp_mode"] = "native copy" if "native copy" in errl else \
					("zero-copy" if "zero" in errl else ("fell back" if "no AF_XDP" in errl else "?"))
			rec["fwd_forwarded"] = fwded
			rec["fwd_cpu_ns"] = f1 - f0
			rec["fwd_cpu_ns_per_pkt"] = per(f1 - f0)
			rec["fwd_cpu_ns_per_fwd"] = round((f1 - f0) / fwded, 1) if fwded else None
			rec["fwd_cpu_util"] = round((f1 - f0) / 1e9 / window, 3)
			ut, st = us1[0] - us0[0], us1[1] - us0[1]
			rec["fwd_user_share"] = round(ut / (ut + st), 3) if ut + st else None
		else:
			# the kernel, and XDP_DROP: all their work is softirq
			rec["fwd_cpu_ns_per_pkt"] = rec["softirq_ns_per_pkt"]
		return rec
	finally:
		if fproc:
			stop(fproc)
		for p in list(children):
			stop(p, signal.SIGKILL, 2)
		if fwd == "xdp_drop":
			subprocess.run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "off"],
			               stderr=subprocess.DEVNULL)
		run([TESTBED, "down"], check=False)


def start_testpmd(a, fwd, rnd, tmp):
	"""Start dpdk-testpmd forwarding fwd0 -> fwd1 in ws-fwd; return its Popen once it forwards.

	testpmd needs a main lcore and at least one forwarding lcore; with two
	CPUs and the generator and sink on the other one, both lcores are mapped
	onto the forwarder's CPU (--lcores 0@C,1@C): the main lcore only wakes
	once a second for --stats-period, the forwarding lcore spins. No hugepages
	(--no-huge -m 512) and a small mbuf pool: the default pool (155456 mbufs)
	does not fit in 512 MB without hugepages. stdbuf -oL so that its output
	reaches the file line by line (the readiness check reads it).
	"""
	kind = fwd.split("-", 1)[1]
	c = a.fwd_cpu
	cmd = ["ip", "netns", "exec", "ws-fwd", "taskset", "-c", str(c), "stdbuf", "-oL", TESTPMD,
	       "--no-huge", "-m", "512", "--no-pci", "--lcores", "0@%d,1@%d" % (c, c), "--main-lcore", "0",
	       "--file-prefix", "ws-bench-net", "--log-level", "lib.eal:warning",
	       "--vdev", TESTPMD_VDEV[kind] % (0, "fwd0"), "--vdev", TESTPMD_VDEV[kind] % (1, "fwd1"), "--",
	       "--forward-mode=mac", "--eth-peer=1,%s" % SINK_MAC, "--nb-cores=1", "--total-num-mbufs=16384",
	       "--auto-start", "--stats-period", "1"]
	outp = os.path.join(tmp, "fwd-%s-%d.out" % (fwd, rnd))
	errp = os.path.join(tmp, "fwd-%s-%d.err" % (fwd, rnd))
	p = spawn(cmd, open(outp, "w"), open(errp, "w"))
	for _ in range(150):
		if p.poll() is not None:
			break
		with open(outp) as f:
			if "Port statistics" in f.read():
				return p
		time.sleep(0.1)
	raise RuntimeError("%s did not start: %s" % (fwd, (open(outp).read() + open(errp).read())[-600:]))


def testpmd_forwarded(path):
	"""TX-packets of port 1 (fwd1) from testpmd's exit statistics, or None."""
	port = None
	with open(path) as f:
		for line in f:
			if "Forward statistics for port" in line:
				port = line.split("port")[1].split()[0]
			elif port == "1" and "TX-packets:" in line:
				return int(line.split("TX-packets:")[1].split()[0])
	return None


def wait_rusage(p, timeout):
	"""Wait for child P (at most TIMEOUT s); its CPU seconds, its reaped children included (wait4)."""
	end = time.monotonic() + timeout
	while True:
		pid, status, ru = os.wait4(p.pid, os.WNOHANG)
		if pid == p.pid:
			p.returncode = os.waitstatus_to_exitcode(status)
			if p in children:
				children.remove(p)
			return ru.ru_utime + ru.ru_stime
		if time.monotonic() > end:
			raise RuntimeError("the generator did not stop")
		time.sleep(0.02)


def gen_run(a, gen, rnd, tmp):
	"""One generator into the XDP_DROP ceiling for a.duration s; return the net_gen record."""
	run([TESTBED, "up"])
	try:
		run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "obj", a.xdp_obj, "sec", "xdp"])
		gout = os.path.join(tmp, "gen-%s.out" % gen)
		gerr = os.path.join(tmp, "gen-%s.err" % gen)
		pre = ["ip", "netns", "exec", "ws-gen", "taskset", "-c", str(a.gen_cpu)]
		if gen == "trafgen":
			conf = os.path.join(tmp, "udp64.trafgen")
			with open(conf, "w") as f:
				f.write(TRAFGEN_CONF)
			# --no-sock-mem: leave the system's socket memory settings alone
			cmd = pre + ["trafgen", "--dev", "gen0", "--conf", conf, "-P", "1", "--no-sock-mem"]
		else:
			cmd = pre + [a.ws, "gen", "--port", "%s:gen0" % gen.split("-", 1)[1], "--dst", "198.19.0.0/16",
			             "--src", "198.18.0.2", "--dst-mac", FWD0_MAC, "--size", "64", "--duration",
			             str(a.duration), "--json"]
		drops0 = xdp_drops()
		t0 = time.monotonic()
		# its own process group: trafgen's sender is a forked child that stops only
		# when the SIGINT reaches it too (as ^C on a terminal does)
		p = subprocess.Popen(cmd, stdout=open(gout, "w"), stderr=open(gerr, "w"), stdin=subprocess.DEVNULL,
		                     start_new_session=True)
		children.append(p)
		if gen == "trafgen":
			time.sleep(a.duration)
			# os.killpg, not p.send_signal(): that one polls first and would reap
			# the child (if it ended early) before wait4() gets its resource usage
			os.killpg(p.pid, signal.SIGINT)
		cpu_s = wait_rusage(p, a.duration + 10)
		wall = time.monotonic() - t0
		time.sleep(0.1)
		dropped = xdp_drops() - drops0
		if gen == "trafgen":
			sent = None
			for line in open(gout).read().splitlines() + open(gerr).read().splitlines():
				if line.strip().endswith("packets outgoing"):
					sent = int(line.split()[0])
		else:
			s = last_summary(gout)
			sent = s["packets"] if s else None
		if p.returncode not in (0, 130, -2) or not dropped:
			raise RuntimeError("%s: exit %s, %d frames dropped at fwd0: %s" % (gen, p.returncode, dropped,
			                   open(gerr).read()[-400:]))
		return {"bench": "net_gen", "generator": gen, "round": rnd, "gen_cpu": a.gen_cpu,
		        "gen_packets": sent, "xdp_drops": dropped, "wall_s": round(wall, 3),
		        "mpps": round(dropped / wall / 1e6, 4), "cpu_s": round(cpu_s, 3),
		        "cpu_util": round(cpu_s / wall, 3), "mpps_per_cpu": round(dropped / cpu_s / 1e6, 4),
		        "cpu_ns_per_pkt": round(cpu_s * 1e9 / dropped, 1)}
	finally:
		for p in list(children):
			stop(p, signal.SIGKILL, 2)
		subprocess.run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "off"], stderr=subprocess.DEVNULL)
		run([TESTBED, "down"], check=False)


def flood_prefixes(n, seed=1):
	"""N distinct prefixes, /24 to /32, that together are exactly FLOOD_SRC and do not overlap.

	Starts from the range's /24s and halves a prefix picked at random (seeded:
	the same set at every run) until there are N, which leaves every length
	from /24 to /32 in the set. No overlap: each flood source lies in exactly
	one prefix, so each filter matches it once, whatever its lookup structure.
	"""
	net = ipaddress.ip_network(FLOOD_SRC)
	done = []
	todo = list(net.subnets(new_prefix=24))  # still splittable (shorter than /32)
	if not len(todo) <= n <= net.num_addresses:
		raise ValueError("%s splits into %d to %d prefixes of /24../32, not %d" %
		                 (FLOOD_SRC, len(todo), net.num_addresses, n))
	rng = random.Random(seed)
	while len(done) + len(todo) < n:
		i = rng.randrange(len(todo))
		todo[i], todo[-1] = todo[-1], todo[i]
		for half in todo.pop().subnets(1):
			(done if half.prefixlen == 32 else todo).append(half)
	return sorted(done + todo)


def write_policy(a, tmp):
	"""The one policy in each filter's own form, in files under TMP: {"n", "rules", "ipset", "nft"}."""
	pfx = [str(p) for p in flood_prefixes(a.filter_prefixes)]
	pol = {"n": len(pfx), "rules": os.path.join(tmp, "flood.rules"), "ipset": os.path.join(tmp, "flood.ipset"),
	       "nft": os.path.join(tmp, "flood.nft")}
	with open(pol["rules"], "w") as f:
		f.write("# bench_net.py phase 3: %d prefixes that split %s\ndefault pass\n" % (len(pfx), FLOOD_SRC))
		f.writelines("drop src %s\n" % p for p in pfx)
	with open(pol["ipset"], "w") as f:
		f.write("create %s hash:net family inet maxelem %d\n" % (IPSET_NAME, max(65536, len(pfx))))
		f.writelines("add %s %s\n" % (IPSET_NAME, p) for p in pfx)
	with open(pol["nft"], "w") as f:
		# priority -500: ahead of anything else on the ingress hook
		f.write("table netdev %s {\n\tset flood {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {\n" %
		        NFT_TABLE)
		for i in range(0, len(pfx), 8):
			f.write("\t\t\t%s,\n" % ", ".join(pfx[i:i + 8]))
		f.write("\t\t}\n\t}\n\tchain ingress {\n\t\ttype filter hook ingress device fwd0 priority -500; "
		        "policy accept;\n\t\tip saddr @flood counter drop\n\t}\n}\n")
	return pol


def fwd_ns_out(cmd):
	"""stdout of CMD run in ws-fwd; raise on failure."""
	r = subprocess.run(["ip", "netns", "exec", "ws-fwd"] + cmd, capture_output=True, text=True)
	if r.returncode != 0:
		raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
	return r.stdout


def ipt_drops():
	"""Packets the DROP rules of ws-fwd's raw PREROUTING chain have matched so far."""
	total = 0
	for line in fwd_ns_out(["iptables", "-t", "raw", "-nvx", "-L", "PREROUTING"]).splitlines():
		v = line.split()
		if len(v) > 2 and v[0].isdigit() and v[2] == "DROP":
			total += int(v[0])
	return total


def nft_drops():
	"""Packets the drop rule of the bench's nft chain in ws-fwd has counted so far."""
	m = re.search(r"counter packets (\d+)", fwd_ns_out(["nft", "list", "chain", "netdev", NFT_TABLE, "ingress"]))
	if not m:
		raise RuntimeError("no counter in the nft chain %s ingress" % NFT_TABLE)
	return int(m.group(1))


def filter_drops(row):
	"""The row's drop counter (see the docstring), read now."""
	if row in ("xdp_drop", "wirespeed"):
		return xdp_drops()
	if row.startswith("iptables"):
		return ipt_drops()
	return nft_drops()


def filter_cleanup():
	"""Remove what phase 3 may have put in ws-fwd (quietly: most of it is not there)."""
	q = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
	subprocess.run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "off"], **q)
	for cmd in (["iptables", "-t", "raw", "-F", "PREROUTING"], ["ipset", "destroy", IPSET_NAME],
	            ["nft", "delete", "table", "netdev", NFT_TABLE]):
		subprocess.run(["ip", "netns", "exec", "ws-fwd"] + cmd, **q)


def filter_run(a, row, rnd, tmp, pol):
	"""One phase-3 run: the flood and the good traffic into fwd0 with ROW's filter; return the net_filter record."""
	ws = a.ws
	run([TESTBED, "up", "--kernel"])
	fproc = None
	try:
		run(["ip", "-n", "ws-fwd", "route", "add", "198.19.0.0/16", "via", "198.18.1.2"])
		# sink0's MAC known from the start: no good packet waits for ARP
		run(["ip", "-n", "ws-fwd", "neigh", "replace", "198.18.1.2", "lladdr", SINK_MAC, "dev", "fwd1",
		     "nud", "permanent"])
		if a.sink_drop_obj:
			run(["tc", "-n", "ws-sink", "qdisc", "add", "dev", "sink0", "clsact"])
			run(["tc", "-n", "ws-sink", "filter", "add", "dev", "sink0", "ingress", "bpf", "da", "obj",
			     a.sink_drop_obj, "sec", "tc"])
		rec_extra = {}
		if row == "xdp_drop":
			run(["ip", "-n", "ws-fwd", "link", "set", "dev", "fwd0", "xdp", "obj", a.xdp_obj, "sec", "xdp"])
		elif row == "wirespeed":
			fout = os.path.join(tmp, "filter-%d.out" % rnd)
			ferr = os.path.join(tmp, "filter-%d.err" % rnd)
			# --duration only bounds it: it is stopped (SIGINT, which prints the
			# summary) once the good traffic has ended, so that it covers the
			# whole flood whatever its start-up took
			fproc = spawn(["ip", "netns", "exec", "ws-fwd", "taskset", "-c", str(a.fwd_cpu), ws, "filter", "run",
			               "--dev", "fwd0", "--rules", pol["rules"], "--control", "none", "--stats-interval", "0",
			               "--json", "--duration", str(a.duration + 30)], open(fout, "w"), open(ferr, "w"))
			mode = None
			for _ in range(300):
				m = re.search(r" on fwd0, XDP (\w+)", open(ferr).read())
				if m:
					mode = m.group(1)
					break
				if fproc.poll() is not None:
					break
				time.sleep(0.1)
			if not mode:
				raise RuntimeError("wirespeed filter run did not start: %s" % open(ferr).read()[-600:])
			rec_extra["xdp_mode"] = mode
		elif row == "iptables-raw":
			run(["ip", "netns", "exec", "ws-fwd", "ipset", "restore", "-f", pol["ipset"]])
			run(["ip", "netns", "exec", "ws-fwd", "iptables", "-t", "raw", "-A", "PREROUTING", "-m", "set",
			     "--match-set", IPSET_NAME, "src", "-j", "DROP"])
		elif row == "iptables-raw-1rule":
			run(["ip", "netns", "exec", "ws-fwd", "iptables", "-t", "raw", "-A", "PREROUTING", "-s", FLOOD_SRC,
			     "-j", "DROP"])
		else:
			run(["ip", "netns", "exec", "ws-fwd", "nft", "-f", pol["nft"]])
		sout = os.path.join(tmp, "sink.json")
		# the sink polls: on the CPU phase 3 leaves free, not the generator's
		sproc = spawn(["ip", "netns", "exec", "ws-sink", "taskset", "-c", str(a.fwd_cpu), ws, "sink",
		               "--port", "afpacket:sink0", "--duration", str(a.duration + 30), "--json"],
		              open(sout, "w"), open(os.path.join(tmp, "sink.err"), "w"))
		time.sleep(1.0)
		pre = ["ip", "netns", "exec", "ws-gen", "taskset", "-c", str(a.gen_cpu), ws, "gen"]
		gout, gerr = os.path.join(tmp, "good.json"), os.path.join(tmp, "good.err")
		good = spawn(pre + ["--port", "afpacket:gen0", "--src", GOOD_SRC, "--dst", GOOD_DST, "--dst-mac", FWD0_MAC,
		                    "--size", str(GOOD_SIZE), "--rate", str(a.good_rate), "--stream", str(GOOD_STREAM),
		                    "--duration", "%g" % (a.duration + 1.5), "--json"], open(gout, "w"), open(gerr, "w"))
		time.sleep(0.5)
		fl_out, fl_err = os.path.join(tmp, "flood.json"), os.path.join(tmp, "flood.err")
		d0 = filter_drops(row)
		soft0, busy0 = proc_stat()
		t0 = time.monotonic()
		flood = spawn(pre + ["--port", "afxdp:gen0", "--src", FLOOD_SRC, "--dst", "198.19.0.0/16", "--dst-mac",
		                     FWD0_MAC, "--size", "64", "--stream", str(FLOOD_STREAM), "--duration", str(a.duration),
		                     "--json"], open(fl_out, "w"), open(fl_err, "w"))
		try:
			flood.wait(a.duration + 10)
		except subprocess.TimeoutExpired:
			raise RuntimeError("the flood generator did not stop")
		children.remove(flood)
		time.sleep(0.2)  # what is still in the rings
		soft1, busy1 = proc_stat()
		window = time.monotonic() - t0
		dropped = filter_drops(row) - d0
		try:
			good.wait(a.duration + 10)
		except subprocess.TimeoutExpired:
			raise RuntimeError("the good generator did not stop")
		children.remove(good)
		time.sleep(0.3)
		stop(sproc)
		fl, gd, sink = last_summary(fl_out), last_summary(gout), last_summary(sout)
		if fl is None or flood.returncode != 0:
			raise RuntimeError("flood generator: exit %s: %s" % (flood.returncode, open(fl_err).read()[-400:]))
		if gd is None or good.returncode != 0:
			raise RuntimeError("good generator: exit %s: %s" % (good.returncode, open(gerr).read()[-400:]))
		if sink is None:
			raise RuntimeError("no summary from the sink: %s" % open(os.path.join(tmp, "sink.err")).read()[-400:])
		got = sum(s["packets"] for s in sink.get("streams", []) if s["stream"] == GOOD_STREAM)
		secs = fl["seconds"]
		rec = {"bench": "net_filter", "filter": row, "round": rnd, "prefixes": pol["n"], "flood_src": FLOOD_SRC,
		       "flood_packets": fl["packets"], "flood_mpps": round(fl["mpps"], 4), "seconds": round(secs, 3),
		       "window_s": round(window, 3), "dropped": dropped, "dropped_mpps": round(dropped / secs / 1e6, 4),
		       "drop_share": round(dropped / fl["packets"], 4) if fl["packets"] else None,
		       "softirq_ns_per_drop": round((soft1 - soft0) / dropped, 1) if dropped else None,
		       "busy_ns_per_drop": round((busy1 - busy0) / dropped, 1) if dropped else None,
		       "good_rate": a.good_rate, "good_sent": gd["packets"], "good_received": got,
		       "good_delivered_share": round(got / gd["packets"], 4) if gd["packets"] else None,
		       "sink_unstamped": sink["unstamped"], "gen_cpu": a.gen_cpu, "sink_cpu": a.fwd_cpu}
		rec.update(rec_extra)
		if fproc:
			stop(fproc)
			fsum = None
			with open(os.path.join(tmp, "filter-%d.out" % rnd)) as f:
				for line in f:
					if line.startswith("{") and '"dropped"' in line:
						fsum = json.loads(line)
			if fsum is None:
				raise RuntimeError("no JSON summary from wirespeed filter run")
			# its own count over its whole run (the flood's frames; it drops no good one)
			rec["filter_dropped"] = fsum["dropped"]
			rec["filter_frames"] = fsum["frames"]
		return rec
	finally:
		if fproc:
			stop(fproc)
		for p in list(children):
			stop(p, signal.SIGKILL, 2)
		filter_cleanup()
		run([TESTBED, "down"], check=False)


def filter_summary(recs, rows, skipped):
	"""Phase 3's table (medians) and ratios on stderr; returns them as the summary record."""
	f = lambda x, w=8, p=3: ("%*.*f" % (w, p, x)) if x is not None else "%*s" % (w, "-")

	def m(row, key):
		v = [r[key] for r in recs if r["filter"] == row and r.get(key) is not None]
		return statistics.median(v) if v else None

	def paired(a, b, key):
		"""Median and range over rounds of a's key / b's in the same round: rows of one round run
		minutes apart at most, so a round's ratio is less exposed to the host's slow swings than a
		ratio of medians taken apart."""
		by = {}
		for r in recs:
			if r["filter"] in (a, b) and r.get(key) is not None:
				by.setdefault(r["round"], {})[r["filter"]] = r[key]
		# a round where a gave 0 counts (ratio 0); only a zero denominator is left out
		v = [x[a] / x[b] for x in by.values() if a in x and b in x and x[b]]
		return (statistics.median(v), min(v), max(v)) if v else (None, None, None)

	out = {"bench": "net_filter_summary", "rounds": max(r["round"] for r in recs), "rows": {}, "ratios": {}}
	print("\nthe filter: %s prefixes over a flood from %s, 64-byte UDP; medians over %d round(s)" %
	      (recs[0]["prefixes"], FLOOD_SRC, out["rounds"]), file=sys.stderr)
	print("%-19s %10s %9s %8s %13s %11s %9s %9s" % ("filter", "flood_Mpps", "drop_Mpps", "dropped",
	      "softirq_ns/dr", "busy_ns/dr", "good_del", "unstamped"), file=sys.stderr)
	keys = ("flood_mpps", "dropped_mpps", "drop_share", "softirq_ns_per_drop", "busy_ns_per_drop",
	        "good_delivered_share", "sink_unstamped")
	for row in rows:
		out["rows"][row] = {k: m(row, k) for k in keys}
		v = out["rows"][row]
		pct = lambda x: f(x * 100 if x is not None else None, 7, 1) + "%"
		print("%-19s %10s %9s %8s %13s %11s %9s %9s" % (row, f(v["flood_mpps"], 10), f(v["dropped_mpps"], 9),
		      pct(v["drop_share"]), f(v["softirq_ns_per_drop"], 13, 1), f(v["busy_ns_per_drop"], 11, 1),
		      pct(v["good_delivered_share"]), f(v["sink_unstamped"], 9, 0)), file=sys.stderr)
	for row, why in skipped:
		print("%-19s skipped: %s" % (row, why), file=sys.stderr)
	if "xdp_drop" in rows:
		print("(xdp_drop drops everything: its good_del is 0 by construction, and its drops include the good "
		      "traffic's frames)", file=sys.stderr)
	w = out["rows"].get("wirespeed")
	rng = lambda lo, hi: "%s-%s" % (f(lo, 4, 2).strip(), f(hi, 4, 2).strip())
	if w and "xdp_drop" in out["rows"]:
		r, lo, hi = paired("wirespeed", "xdp_drop", "dropped_mpps")
		if r is not None:
			out["ratios"]["wirespeed_vs_xdp_drop_mpps"] = round(r, 3)
			out["ratios"]["wirespeed_vs_xdp_drop_mpps_range"] = [round(lo, 3), round(hi, 3)]
			print("wirespeed Mpps dropped / xdp_drop's, median of the rounds' ratios: %s (%s; goal >= 0.90: %s)"
			      % (f(r, 5, 2), rng(lo, hi), "met" if r >= 0.90 else "NOT met"), file=sys.stderr)
	for peer in ("iptables-raw", "iptables-raw-1rule", "nft-netdev"):
		if not (w and peer in out["rows"]):
			continue
		c, clo, chi = paired(peer, "wirespeed", "softirq_ns_per_drop")
		mr, mlo, mhi = paired("wirespeed", peer, "dropped_mpps")
		out["ratios"][peer + "_vs_wirespeed_cpu_per_drop"] = round(c, 3) if c else None
		out["ratios"]["wirespeed_vs_" + peer + "_mpps"] = round(mr, 3) if mr else None
		print("%-19s CPU ns per drop / wirespeed's: %s (%s; goal >= 5: %s); wirespeed Mpps dropped / its: %s (%s)" %
		      (peer, f(c, 5, 2), rng(clo, chi), "met" if c and c >= 5 else "NOT met", f(mr, 5, 2), rng(mlo, mhi)),
		      file=sys.stderr)
	for row in rows:
		if row == "xdp_drop":
			continue
		g = out["rows"][row]["good_delivered_share"]
		print("%-19s good traffic delivered: %s %% (goal 100 %%: %s)" % (row, f(g * 100 if g is not None else None,
		      6, 2), "met" if g is not None and g >= 1.0 else "NOT met"), file=sys.stderr)
	return out


def med(recs, fwd, key):
	v = [r[key] for r in recs if r["forwarder"] == fwd and r.get(key) is not None]
	return statistics.median(v) if v else None


def summary(recs, fwds):
	f = lambda x, w=8, p=3: ("%*.*f" % (w, p, x)) if x is not None else "%*s" % (w, "-")
	print("\nmedians over %d round(s), 64-byte UDP, random dst in 198.19.0.0/16" %
	      max(r["round"] for r in recs), file=sys.stderr)
	print("%-16s %9s %9s %12s %12s %11s %9s" % ("forwarder", "sink_Mpps", "gen_Mpps", "fwd_ns/pkt",
	      "fwd_ns/fwd", "softirq_ns", "busy_ns"), file=sys.stderr)
	for fw in fwds:
		sink = med(recs, fw, "sink_mpps") if fw != "xdp_drop" else med(recs, fw, "dropped_mpps")
		print("%-16s %9s %9s %12s %12s %11s %9s" % (fw, f(sink, 9), f(med(recs, fw, "gen_mpps"), 9),
		      f(med(recs, fw, "fwd_cpu_ns_per_pkt"), 12, 1), f(med(recs, fw, "fwd_cpu_ns_per_fwd"), 12, 1),
		      f(med(recs, fw, "softirq_ns_per_pkt"), 11, 1), f(med(recs, fw, "busy_ns_per_pkt"), 9, 1)),
		      file=sys.stderr)
	print("(xdp_drop: its sink column is the drop rate at fwd0; kernel rows: fwd_ns/pkt is softirq time)",
	      file=sys.stderr)
	kcpu = med(recs, "kernel", "fwd_cpu_ns_per_pkt")
	kmpps = med(recs, "kernel", "sink_mpps")
	for fw in ("afxdp", "afpacket", "mmsg"):
		if fw not in fwds or "kernel" not in fwds:
			continue
		c, m = med(recs, fw, "fwd_cpu_ns_per_pkt"), med(recs, fw, "sink_mpps")
		cr = kcpu / c if kcpu and c else None
		mr = m / kmpps if kmpps and m else None
		print("%-9s kernel CPU/pkt / ours: %s (goal >= 3: %s); ours Mpps / kernel Mpps: %s" %
		      (fw, f(cr, 5, 2), "met" if cr and cr >= 3 else "NOT met", f(mr, 5, 2)), file=sys.stderr)
	for fw in ("afxdp", "afpacket"):
		peer = "testpmd-" + fw
		if fw not in fwds or peer not in fwds:
			continue
		c, m = med(recs, fw, "fwd_cpu_ns_per_pkt"), med(recs, fw, "sink_mpps")
		pc, pm = med(recs, peer, "fwd_cpu_ns_per_pkt"), med(recs, peer, "sink_mpps")
		cr = pc / c if pc and c else None
		mr = m / pm if pm and m else None
		print("%-9s testpmd CPU/pkt / ours: %s; ours Mpps / testpmd Mpps: %s" % (fw, f(cr, 5, 2), f(mr, 5, 2)),
		      file=sys.stderr)


def gen_summary(recs, gens):
	"""The generator table (medians) and the ours / trafgen ratios, on stderr."""
	f = lambda x, w=8, p=3: ("%*.*f" % (w, p, x)) if x is not None else "%*s" % (w, "-")
	m = lambda g, k: statistics.median([r[k] for r in recs if r["generator"] == g]) \
		if any(r["generator"] == g for r in recs) else None
	print("\ngenerators into XDP_DROP on fwd0, medians over %d round(s)" % max(r["round"] for r in recs),
	      file=sys.stderr)
	print("%-20s %9s %8s %9s %13s %12s" % ("generator", "Mpps", "CPU_s", "CPU_util", "Mpps_per_CPU", "CPU_ns/pkt"),
	      file=sys.stderr)
	for g in gens:
		print("%-20s %9s %8s %9s %13s %12s" % (g, f(m(g, "mpps"), 9), f(m(g, "cpu_s"), 8), f(m(g, "cpu_util"), 9),
		      f(m(g, "mpps_per_cpu"), 13), f(m(g, "cpu_ns_per_pkt"), 12, 1)), file=sys.stderr)
	t = m("trafgen", "mpps_per_cpu") if "trafgen" in gens else None
	for g in ("wirespeed-afxdp", "wirespeed-afpacket"):
		o = m(g, "mpps_per_cpu") if g in gens else None
		if o and t:
			print("%-20s Mpps per CPU, ours / trafgen: %s" % (g, f(o / t, 5, 2)), file=sys.stderr)


def main():
	ap = argparse.ArgumentParser(description="forwarders compared on the namespace testbed (root)")
	ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build dir with wirespeed")
	ap.add_argument("--duration", type=int, default=10, help="seconds of load per run (default 10)")
	ap.add_argument("--rounds", type=int, default=3, help="rounds over all forwarders (default 3)")
	ap.add_argument("--forwarders", default=",".join(ALL_FORWARDERS),
	                help="comma list from " + ",".join(ALL_FORWARDERS))
	ap.add_argument("--gens", default=",".join(ALL_GENS),
	                help="generators compared into XDP_DROP, comma list from %s ('' for none)" % ",".join(ALL_GENS))
	ap.add_argument("--filters", default="all",
	                help="phase 3 rows, comma list from %s, or all (the default), '' for none" % ",".join(ALL_FILTERS))
	ap.add_argument("--filter-prefixes", type=int, default=10000,
	                help="phase 3: prefixes in the policy, 128..32768 (default 10000)")
	ap.add_argument("--good-rate", type=int, default=10000,
	                help="phase 3: packets per second of the good traffic (default 10000, about 1%% of the flood)")
	ap.add_argument("--gen-port", dest="gen_kind", default="afxdp", choices=["afxdp", "afpacket", "mmsg"])
	ap.add_argument("--gen-cpu", type=int, default=0)
	ap.add_argument("--fwd-cpu", type=int, default=1)
	ap.add_argument("--sink-cpu", type=int, default=0)
	ap.add_argument("--sink-ip-stack", action="store_true",
	                help="let ws-sink's IP stack process (and drop) every load packet after the sink's "
	                     "socket got it, as before; default: sink_drop.bpf.c drops it at tc ingress")
	a = ap.parse_args()
	if os.geteuid() != 0:
		sys.exit("bench-net: needs root (network namespaces)")
	if not 1 <= a.duration <= 600 or not 1 <= a.rounds <= 20:
		sys.exit("bench-net: --duration 1..600, --rounds 1..20")
	fwds = [x for x in a.forwarders.split(",") if x]
	for x in fwds:
		if x not in ALL_FORWARDERS:
			sys.exit("bench-net: unknown forwarder %s" % x)
	gens = [x for x in a.gens.split(",") if x]
	for x in gens:
		if x not in ALL_GENS:
			sys.exit("bench-net: unknown generator %s" % x)
	filters = ALL_FILTERS[:] if a.filters == "all" else [x for x in a.filters.split(",") if x]
	for x in filters:
		if x not in ALL_FILTERS:
			sys.exit("bench-net: unknown filter row %s" % x)
	if not 128 <= a.filter_prefixes <= 32768 or not 1 <= a.good_rate <= 1000000:
		sys.exit("bench-net: --filter-prefixes 128..32768, --good-rate 1..1000000")
	a.ws = os.path.join(a.build, "wirespeed")
	if not os.access(a.ws, os.X_OK):
		sys.exit("bench-net: no %s (make build)" % a.ws)
	if "kernel+iptables" in fwds and subprocess.run(["sh", "-c", "command -v iptables"],
	                                                 stdout=subprocess.DEVNULL).returncode != 0:
		log("iptables is not installed: the kernel+iptables row is skipped")
		fwds.remove("kernel+iptables")
	if not os.access(TESTPMD, os.X_OK):
		for x in ("testpmd-afxdp", "testpmd-afpacket"):
			if x in fwds:
				log("no %s (scripts/install-deps.sh --bench): the %s row is skipped" % (TESTPMD, x))
				fwds.remove(x)
	if "trafgen" in gens and subprocess.run(["sh", "-c", "command -v trafgen"],
	                                        stdout=subprocess.DEVNULL).returncode != 0:
		log("trafgen is not installed (scripts/install-deps.sh --bench): its row is skipped")
		gens.remove("trafgen")

	# phase 3's peers: a row whose tool is missing is skipped, never replaced by
	# something else (10k linear iptables rules instead of an ipset would be an
	# unfair peer)
	fskipped = []

	def fskip(row, why):
		if row in filters:
			log("the %s row is skipped: %s" % (row, why))
			filters.remove(row)
			fskipped.append((row, why))
	have = lambda tool: subprocess.run(["sh", "-c", "command -v " + tool], stdout=subprocess.DEVNULL).returncode == 0
	for tool, rows in (("iptables", ("iptables-raw", "iptables-raw-1rule")), ("ipset", ("iptables-raw",)),
	                   ("nft", ("nft-netdev",))):
		if not have(tool):
			for row in rows:
				fskip(row, "%s is not installed (scripts/install-deps.sh --bench)" % tool)

	def on_signal(sig, _frame):
		cleanup()
		sys.exit(128 + sig)
	signal.signal(signal.SIGTERM, on_signal)
	signal.signal(signal.SIGINT, on_signal)

	recs = []
	grecs = []
	frecs = []
	with tempfile.TemporaryDirectory(prefix="ws-bench-net.") as tmp:
		try:
			if "xdp_drop" in fwds or gens or "xdp_drop" in filters:
				a.xdp_obj = os.path.join(tmp, "xdp_drop.o")
				r = subprocess.run(["clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
				                    "-c", XDP_SRC, "-o", a.xdp_obj], capture_output=True, text=True)
				if r.returncode != 0:
					log("cannot compile xdp_drop.bpf.c, xdp_drop and generator rows skipped: " + r.stderr.strip())
					fwds = [x for x in fwds if x != "xdp_drop"]
					gens = []
					fskip("xdp_drop", "cannot compile xdp_drop.bpf.c")
			a.sink_drop_obj = None
			if (fwds or filters) and not a.sink_ip_stack:
				a.sink_drop_obj = os.path.join(tmp, "sink_drop.o")
				r = subprocess.run(["clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
				                    "-c", SINK_DROP_SRC, "-o", a.sink_drop_obj], capture_output=True, text=True)
				if r.returncode != 0:
					raise SystemExit("cannot compile sink_drop.bpf.c (use --sink-ip-stack to run without): " +
					                 r.stderr.strip())
			for rnd in range(1, a.rounds + 1):
				for fw in fwds:
					log("round %d/%d: %s, %d s" % (rnd, a.rounds, fw, a.duration))
					rec = one_run(a, fw, rnd, tmp)
					recs.append(rec)
					print(json.dumps(rec), flush=True)
				for g in gens:
					log("round %d/%d: generator %s into XDP_DROP, %d s" % (rnd, a.rounds, g, a.duration))
					rec = gen_run(a, g, rnd, tmp)
					grecs.append(rec)
					print(json.dumps(rec), flush=True)
			pol = write_policy(a, tmp) if filters else None
			if "wirespeed" in filters:
				r = subprocess.run([a.ws, "filter", "check", pol["rules"]], capture_output=True, text=True)
				m = re.search(r"(\d+) in XDP, (\d+) in userspace", r.stdout + r.stderr)
				if r.returncode != 0 or not m or int(m.group(1)) != pol["n"]:
					fskip("wirespeed", "not all of its %d rules run in XDP: %s" % (pol["n"],
					      (r.stdout + r.stderr).strip()[-300:]))
			for row, why in fskipped:
				print(json.dumps({"bench": "net_filter", "filter": row, "skipped": why}), flush=True)
			for rnd in range(1, a.rounds + 1):
				for row in filters:
					log("round %d/%d: filter %s, %d prefixes, %d s" % (rnd, a.rounds, row, pol["n"], a.duration))
					rec = filter_run(a, row, rnd, tmp, pol)
					frecs.append(rec)
					print(json.dumps(rec), flush=True)
		finally:
			cleanup()
	if recs:
		summary(recs, fwds)
	if grecs:
		gen_summary(grecs, gens)
	if frecs:
		print(json.dumps(filter_summary(frecs, filters, fskipped)), flush=True)


if __name__ == "__main__":
	main()
