/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sink_drop.bpf.c: a tc ingress program for sink0 of the testbed. It drops
 * the benchmark load (IPv4 to 198.19.0.0/16) after the packet taps, so that
 * the sink's AF_PACKET socket still receives and counts every frame, but the
 * sink namespace's IP stack does not then route each one, fail, and free it.
 *
 * Why: with veth, sink0's receive runs in the context of whoever transmitted
 * on fwd1, that is, in the forwarder under test (wirespeed's process time;
 * the kernel's softirq time). That IP-stack work (early demux, a route
 * lookup that fails, a dst allocated and freed per packet) is the sink's, not
 * the forwarder's, and was a fifth of the forwarder's measured CPU time. It
 * is removed for every forwarder alike; ARP and anything else pass. bench_net.py
 * compiles it at run time (clang -O2 -target bpf) and attaches it with
 * `tc filter add dev sink0 ingress bpf da`, unless --sink-ip-stack is given.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int ws_sink_drop(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	/* 198.19.0.0/16: the load's destinations */
	if ((ip->daddr & bpf_htonl(0xffff0000)) == bpf_htonl(0xc6130000))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
