/* SPDX-License-Identifier: BSD-3-Clause */
/* xdp_attach.c: the registry of attached XDP programs (xdp_attach.h). */
#include "io/xdp_attach.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

/* ifindex 0: a free slot. */
static struct {
	volatile sig_atomic_t ifindex;
	uint32_t mode;
	int prog_fd;
} attached[WS_XDP_ATTACHED_MAX];
static pthread_mutex_t attached_lock = PTHREAD_MUTEX_INITIALIZER;

/* Append a u32 attribute to the nested attribute nest. */
static void nest_u32(struct rtattr *nest, unsigned short type, uint32_t v)
{
	struct rtattr *a = (struct rtattr *)((char *)nest + RTA_ALIGN(nest->rta_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(a), &v, sizeof(v));
	nest->rta_len = (unsigned short)(RTA_ALIGN(nest->rta_len) + RTA_ALIGN(a->rta_len));
}

int ws_xdp_detach(int ifindex, uint32_t mode, int prog_fd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req;
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ans;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *nest;
	ssize_t got;
	int fd, rc = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_SETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	nest = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	nest->rta_type = IFLA_XDP | NLA_F_NESTED;
	nest->rta_len = RTA_LENGTH(0);
	nest_u32(nest, IFLA_XDP_FD, (uint32_t)-1);
	nest_u32(nest, IFLA_XDP_FLAGS, mode | XDP_FLAGS_REPLACE);
	nest_u32(nest, IFLA_XDP_EXPECTED_FD, (uint32_t)prog_fd);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + nest->rta_len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
	} else {
		got = recv(fd, &ans, sizeof(ans), 0);
		if (got < 0)
			rc = -errno;
		else if ((size_t)got >= NLMSG_LENGTH(sizeof(struct nlmsgerr)) && ans.nh.nlmsg_type == NLMSG_ERROR)
			rc = ((struct nlmsgerr *)NLMSG_DATA(&ans.nh))->error;
	}
	close(fd);
	return rc;
}

int ws_xdp_attached_add(int ifindex, uint32_t mode, int prog_fd)
{
	int slot = -1;

	pthread_mutex_lock(&attached_lock);
	for (int i = 0; i < WS_XDP_ATTACHED_MAX; i++)
		if (attached[i].ifindex == 0) {
			attached[i].mode = mode;
			attached[i].prog_fd = prog_fd;
			/* release: the signal path that sees the ifindex sees the rest */
			__atomic_store_n(&attached[i].ifindex, ifindex, __ATOMIC_RELEASE);
			slot = i;
			break;
		}
	pthread_mutex_unlock(&attached_lock);
	return slot;
}

void ws_xdp_attached_release(int slot, bool detach)
{
	int ifindex;

	if (slot < 0 || slot >= WS_XDP_ATTACHED_MAX)
		return;
	pthread_mutex_lock(&attached_lock);
	ifindex = __atomic_exchange_n(&attached[slot].ifindex, 0, __ATOMIC_ACQ_REL);
	if (ifindex && detach)
		ws_xdp_detach(ifindex, attached[slot].mode, attached[slot].prog_fd);
	pthread_mutex_unlock(&attached_lock);
}

void ws_xdp_detach_all(void)
{
	for (int i = 0; i < WS_XDP_ATTACHED_MAX; i++) {
		int ifindex = __atomic_exchange_n(&attached[i].ifindex, 0, __ATOMIC_ACQ_REL);

		if (ifindex)
			ws_xdp_detach(ifindex, attached[i].mode, attached[i].prog_fd);
	}
}
