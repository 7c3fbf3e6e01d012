/* SPDX-License-Identifier: BSD-3-Clause */
/* port.c: what every backend shares (control path). */
#include "io/port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct ws_port *ws_port_alloc(const char *name, uint16_t id, struct ws_pool *pool)
{
	struct ws_port *port = calloc(1, sizeof(*port));

	if (!port) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(port->name, sizeof(port->name), "%s", name);
	port->id = id;
	port->pool = pool;
	port->mtu = 1500;
	return port;
}

void ws_port_close(struct ws_port *port)
{
	if (!port)
		return;
	ws_port_flush(port);
	if (port->ops && port->ops->close)
		port->ops->close(port);
	free(port);
}

/* ---- pair: receive from one port, send through another ---- */

struct port_pair {
	struct ws_port *rx, *tx;
};

static unsigned pair_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct port_pair *pp = port->priv;
	unsigned got = pp->rx ? ws_port_rx_burst(pp->rx, pkts, n) : 0;

	for (unsigned i = 0; i < got; i++) {
		pkts[i]->in_port = port->id;
		port->stats.rx_bytes += pkts[i]->data_len;
	}
	port->stats.rx_packets += got;
	return got;
}

static unsigned pair_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct port_pair *pp = port->priv;
	uint64_t bytes = 0;
	unsigned sent;

	if (!pp->tx)
		return 0;
	for (unsigned i = 0; i < n; i++)
		bytes += pkts[i]->data_len;
	sent = ws_port_tx_burst(pp->tx, pkts, n);
	if (sent < n) /* the bytes of what was not taken are not counted */
		for (unsigned i = sent; i < n; i++)
			bytes -= pkts[i]->data_len;
	port->stats.tx_packets += sent;
	port->stats.tx_bytes += bytes;
	return sent;
}

static int pair_flush(struct ws_port *port)
{
	struct port_pair *pp = port->priv;

	return pp->tx ? ws_port_flush(pp->tx) : 0;
}

static void pair_close(struct ws_port *port)
{
	struct port_pair *pp = port->priv;

	ws_port_close(pp->rx);
	ws_port_close(pp->tx);
	free(pp);
}

static const struct ws_port_ops pair_ops = {
	.kind = "pair",
	.rx_burst = pair_rx,
	.tx_burst = pair_tx,
	.flush = pair_flush,
	.close = pair_close,
};

struct ws_port *ws_port_pair(const char *name, uint16_t id, struct ws_port *rx, struct ws_port *tx)
{
	struct ws_port *port = ws_port_alloc(name, id, rx ? rx->pool : tx ? tx->pool : NULL);
	struct port_pair *pp = port ? calloc(1, sizeof(*pp)) : NULL;

	if (!pp) {
		free(port);
		errno = ENOMEM;
		return NULL;
	}
	pp->rx = rx;
	pp->tx = tx;
	port->ops = &pair_ops;
	port->priv = pp;
	return port;
}

struct ws_port *ws_port_pair_rx(const struct ws_port *port)
{
	return port && port->ops == &pair_ops ? ((struct port_pair *)port->priv)->rx : NULL;
}

struct ws_port *ws_port_pair_tx(const struct ws_port *port)
{
	return port && port->ops == &pair_ops ? ((struct port_pair *)port->priv)->tx : NULL;
}
