/* SPDX-License-Identifier: BSD-3-Clause */
/* mem.c: the synthetic source and counting sink of mem.h. RX and TX are data
 * path (per burst, no allocation, no syscall); the rest control path. */
#include "io/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "core/rng.h"
#include "net/checksum.h"

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define UDP_LEN 8

struct mem_port {
	struct ws_mem_config cfg;
	void *dsts; /* own copy */
	uint8_t tmpl[ETH_LEN + IP6_LEN + UDP_LEN];
	unsigned hdr_len;
	uint32_t tmpl_csum; /* IPv4: partial sum of the template header (total length, checksum, dst 0) */
	uint64_t rng;
	uint64_t produced;
	uint32_t seq;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned mem_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct mem_port *m = port->priv;
	const struct ws_mem_config *c = &m->cfg;

	if (c->count && m->produced + n > c->count)
		n = (unsigned)(c->count - m->produced);
	if (!n || ws_pool_get_bulk(port->pool, pkts, n) != 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = pkts[i];
		uint64_t r = ws_splitmix64(&m->rng);
		unsigned size = c->sizes[c->nb_sizes > 1 ? (unsigned)(r >> 56) % c->nb_sizes : 0];
		uint8_t *d;

		ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)size, port->id, 0);
		p->seq = m->seq++;
		d = ws_pkt_data(p);
		memcpy(d, m->tmpl, m->hdr_len);
		if (c->family == AF_INET) {
			uint32_t dst = ((const uint32_t *)m->dsts)[r % c->nb_dsts];
			uint16_t tot = (uint16_t)(size - ETH_LEN);

			put16(d + ETH_LEN + 2, tot);
			put16(d + ETH_LEN + 16, (uint16_t)(dst >> 16));
			put16(d + ETH_LEN + 18, (uint16_t)dst);
			struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(d + ETH_LEN);
			uint32_t raw_dst;

			/* the template's sum plus the two fields that vary: a full
			 * header sum per packet would cost the source ~5 ns more
			 * (ones'-complement sums work on raw words in any byte order) */
			memcpy(&raw_dst, &ip->dst, 4);
			ip->csum = ws_csum_fold(m->tmpl_csum + ip->total_len + (raw_dst & 0xffff) + (raw_dst >> 16));
			put16(d + ETH_LEN + IP4_LEN + 4, (uint16_t)(tot - IP4_LEN));
		} else {
			memcpy(d + ETH_LEN + 24, ((const uint8_t(*)[16])m->dsts)[r % c->nb_dsts], 16);
			put16(d + ETH_LEN + 4, (uint16_t)(size - ETH_LEN - IP6_LEN));
			put16(d + ETH_LEN + IP6_LEN + 4, (uint16_t)(size - ETH_LEN - IP6_LEN));
		}
		/* UDP checksum 0 (none) for IPv4; IPv6 requires one, but the
		 * forwarder never checks it, and computing it would make the
		 * source, not the graph, what a benchmark measures */
		port->stats.rx_bytes += size;
	}
	m->produced += n;
	port->stats.rx_packets += n;
	return n;
}

static unsigned mem_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		port->stats.tx_bytes += pkts[i]->data_len;
	port->stats.tx_packets += n;
	ws_pool_put_bulk(port->pool, pkts, n);
	return n;
}

static void mem_close(struct ws_port *port)
{
	struct mem_port *m = port->priv;

	if (m)
		free(m->dsts);
	free(m);
	port->priv = NULL;
}

static const struct ws_port_ops mem_ops = {
	.kind = "mem",
	.rx_burst = mem_rx,
	.tx_burst = mem_tx,
	.close = mem_close,
};

static void build_template(struct mem_port *m, const uint8_t dst_mac[6])
{
	const struct ws_mem_config *c = &m->cfg;
	uint8_t *d = m->tmpl;

	memset(m->tmpl, 0, sizeof(m->tmpl));
	memcpy(d, dst_mac, 6);
	memcpy(d + 6, c->src_mac, 6);
	if (c->family == AF_INET) {
		uint8_t *ip = d + ETH_LEN;

		put16(d + 12, 0x0800);
		ip[0] = 0x45;
		ip[8] = c->ttl ? c->ttl : 64;
		ip[9] = 17; /* UDP */
		memcpy(ip + 12, c->src_ip, 4);
		m->tmpl_csum = ws_csum_partial(ip, IP4_LEN, 0);
		put16(ip + IP4_LEN, 1024);     /* source port */
		put16(ip + IP4_LEN + 2, 1024); /* destination port */
		m->hdr_len = ETH_LEN + IP4_LEN + UDP_LEN;
	} else {
		uint8_t *ip = d + ETH_LEN;

		put16(d + 12, 0x86dd);
		ip[0] = 0x60;
		ip[6] = 17;
		ip[7] = c->ttl ? c->ttl : 64;
		memcpy(ip + 8, c->src_ip, 16);
		put16(ip + IP6_LEN, 1024);
		put16(ip + IP6_LEN + 2, 1024);
		m->hdr_len = ETH_LEN + IP6_LEN + UDP_LEN;
	}
}

struct ws_port *ws_mem_port_create(const char *name, uint16_t id, struct ws_pool *pool, const uint8_t mac[6],
				   const struct ws_mem_config *cfg)
{
	unsigned min = cfg->family == AF_INET6 ? ETH_LEN + IP6_LEN + UDP_LEN : 60;
	size_t elem = cfg->family == AF_INET6 ? 16 : 4;
	struct ws_port *port;
	struct mem_port *m;

	if ((cfg->family != AF_INET && cfg->family != AF_INET6) || !cfg->dsts || !cfg->nb_dsts ||
	    cfg->nb_sizes > WS_MEM_MAX_SIZES) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < cfg->nb_sizes; i++)
		if (cfg->sizes[i] < min || cfg->sizes[i] > 2000 ||
		    cfg->sizes[i] > pool->frame_size - WS_PKT_HEADROOM) {
			errno = EINVAL;
			return NULL;
		}
	port = ws_port_alloc(name, id, pool);
	m = calloc(1, sizeof(*m));
	if (!port || !m || !(m->dsts = malloc(cfg->nb_dsts * elem))) {
		free(m);
		free(port);
		errno = ENOMEM;
		return NULL;
	}
	m->cfg = *cfg;
	memcpy(m->dsts, cfg->dsts, cfg->nb_dsts * elem);
	m->cfg.dsts = m->dsts;
	if (!m->cfg.nb_sizes) {
		m->cfg.sizes[0] = (uint16_t)min;
		m->cfg.nb_sizes = 1;
	}
	m->rng = cfg->seed;
	memcpy(port->mac, mac, 6);
	build_template(m, mac);
	port->ops = &mem_ops;
	port->priv = m;
	return port;
}
