/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap.c: the capture-file ports of pcap.h over libpcap. RX and TX bursts are
 * data path (no allocation; file I/O through stdio buffers, so a syscall per
 * buffer, not per packet); opening, diagnosis and closing are control path. */
#include "io/pcap.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pool.h"

#define ETH_LEN 14
#define TX_SNAPLEN 65535

struct pcap_port {
	pcap_t *pc;            /* RX: the open file; TX: a dead handle for the dumper */
	pcap_dumper_t *dump;   /* TX only */
	char *path;            /* own copy, for messages */
	uint64_t records;      /* RX: records read; TX: packets given (the clock) */
	struct ws_pcap_stats st;
	bool done;             /* RX: end of input reached */
	char err[PCAP_ERRBUF_SIZE + 256]; /* RX: why the input ended early, "" if not */
};

static const struct ws_port_ops pcap_rx_ops, pcap_tx_ops;

static struct pcap_port *pcap_priv(const struct ws_port *port)
{
	if (!port || (port->ops != &pcap_rx_ops && port->ops != &pcap_tx_ops))
		return NULL;
	return port->priv;
}

/* The message at the end of the input: the file, how far it got, libpcap's
 * reason (e.g. "truncated dump file; tried to read 60 captured bytes, only
 * got 30"). */
static void rx_end(struct pcap_port *pp, int rc)
{
	pp->done = true;
	if (rc == PCAP_ERROR_BREAK) /* end of file */
		return;
	snprintf(pp->err, sizeof(pp->err), "%s: input ends after %" PRIu64 " good records: %s", pp->path, pp->records,
		 rc == PCAP_ERROR ? pcap_geterr(pp->pc) : "unexpected libpcap result");
}

static unsigned pcap_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct pcap_port *pp = port->priv;
	unsigned room = port->pool->frame_size - WS_PKT_HEADROOM;
	unsigned got = 0;
	uint64_t bytes = 0;

	if (pp->done || !n || ws_pool_get_bulk(port->pool, pkts, n) != 0)
		return 0;
	while (got < n) {
		struct pcap_pkthdr *h;
		const u_char *data;
		struct ws_pkt *p;
		int rc = pcap_next_ex(pp->pc, &h, &data);

		if (rc != 1) {
			rx_end(pp, rc);
			break;
		}
		pp->records++;
		/* one reason per record, the most basic first: a record cut at
		 * capture is not the packet, whatever its length */
		if (h->caplen < h->len) {
			pp->st.truncated++;
			continue;
		}
		if (h->len < ETH_LEN) {
			pp->st.too_short++;
			continue;
		}
		if (h->len > room) {
			pp->st.too_long++;
			continue;
		}
		p = pkts[got++];
		ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)h->len, port->id, 0);
		p->seq = (uint32_t)(pp->records - 1);
		memcpy(ws_pkt_data(p), data, h->len);
		bytes += h->len;
	}
	/* the frames taken for records that did not come */
	if (got < n)
		ws_pool_put_bulk(port->pool, pkts + got, n - got);
	port->stats.rx_packets += got;
	port->stats.rx_bytes += bytes;
	return got;
}

/* An RX port sends nothing: it takes no frame, they stay the caller's. */
static unsigned pcap_rx_port_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	(void)port;
	(void)pkts;
	(void)n;
	return 0;
}

static unsigned pcap_tx_port_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	(void)port;
	(void)pkts;
	(void)n;
	return 0;
}

static unsigned pcap_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct pcap_port *pp = port->priv;
	uint64_t bytes = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = pkts[i];
		uint64_t k = pp->records++;
		/* a made-up clock, so that output depends on input only */
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = (time_t)(k / 1000000), .tv_usec = (suseconds_t)(k % 1000000) },
			.caplen = p->data_len,
			.len = p->data_len,
		};

		pcap_dump((u_char *)pp->dump, &h, ws_pkt_data(p));
		bytes += p->data_len;
	}
	/* pcap_dump cannot report; the stream's error flag is sticky, so a
	 * burst written after a failed write is counted as not sent (which
	 * bytes of the failing burst reached the file stdio does not tell) */
	if (ferror(pcap_dump_file(pp->dump))) {
		port->stats.tx_errors += n;
	} else {
		port->stats.tx_packets += n;
		port->stats.tx_bytes += bytes;
	}
	ws_pool_put_bulk(port->pool, pkts, n);
	return n;
}

static int pcap_tx_flush(struct ws_port *port)
{
	struct pcap_port *pp = port->priv;

	if (pcap_dump_flush(pp->dump) != 0 || ferror(pcap_dump_file(pp->dump)))
		return -EIO;
	return 0;
}

static void pcap_port_close(struct ws_port *port)
{
	struct pcap_port *pp = port->priv;

	if (!pp)
		return;
	if (pp->dump)
		pcap_dump_close(pp->dump);
	if (pp->pc)
		pcap_close(pp->pc);
	free(pp->path);
	free(pp);
	port->priv = NULL;
}

static const struct ws_port_ops pcap_rx_ops = {
	.kind = "pcap",
	.rx_burst = pcap_rx,
	.tx_burst = pcap_rx_port_tx,
	.close = pcap_port_close,
};

static const struct ws_port_ops pcap_tx_ops = {
	.kind = "pcap",
	.rx_burst = pcap_tx_port_rx,
	.tx_burst = pcap_tx,
	.flush = pcap_tx_flush,
	.close = pcap_port_close,
};

static bool capture_magic(const unsigned char m[4])
{
	static const uint32_t magics[] = {
		0xa1b2c3d4, /* pcap, microseconds */
		0xa1b23c4d, /* pcap, nanoseconds */
		0xa1b2cd34, /* pcap, Kuznetzov's modified records */
	};
	uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	uint32_t le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];

	if (be == 0x0a0d0d0a) /* pcapng section header block, a palindrome */
		return true;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (be == magics[i] || le == magics[i])
			return true;
	return false;
}

/*
 * pcap_open_offline failed with pcerr: say in terms of the file what is wrong
 * (libpcap's "unknown file format" does not tell an empty file from a text
 * file or a missing one); returns the errno to report. Reopening costs
 * nothing that matters on this path and leaves the successful open to
 * libpcap alone (which also reads "-", stdin, where reopening cannot work).
 */
static int diagnose_rx(const char *path, const char *pcerr, char *err, size_t errlen)
{
	unsigned char m[4];
	size_t got;
	FILE *f;
	int e;

	if (strcmp(path, "-") == 0) {
		ws_set_err(err, errlen, "standard input: cannot read a capture: %s", pcerr);
		return EINVAL;
	}
	f = fopen(path, "rb");
	if (!f) {
		e = errno;
		ws_set_err(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return e;
	}
	got = fread(m, 1, sizeof(m), f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e) {
		ws_set_err(err, errlen, "%s: cannot read: %s", path, strerror(e));
		return e;
	}
	if (got == 0)
		ws_set_err(err, errlen, "%s: empty file, not a pcap or pcapng capture", path);
	else if (got < sizeof(m))
		ws_set_err(err, errlen, "%s: not a pcap or pcapng capture (only %zu bytes)", path, got);
	else if (!capture_magic(m))
		ws_set_err(err, errlen, "%s: not a pcap or pcapng capture (unknown magic number %02x%02x%02x%02x)", path,
			m[0], m[1], m[2], m[3]);
	else /* libpcap says what: truncated, unsupported version, ... */
		ws_set_err(err, errlen, "%s: bad capture file header: %s", path, pcerr);
	return EINVAL;
}

static struct ws_port *port_new(const char *name, uint16_t id, struct ws_pool *pool, const char *path,
				struct pcap_port **ppp, char *err, size_t errlen)
{
	struct ws_port *port = ws_port_alloc(name, id, pool);
	struct pcap_port *pp = calloc(1, sizeof(*pp));

	if (!port || !pp || !(pp->path = strdup(path))) {
		free(pp);
		free(port);
		ws_set_err(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	port->priv = pp;
	*ppp = pp;
	return port;
}

/* Free a port that never got its ops (port_new's result). */
static void port_discard(struct ws_port *port)
{
	pcap_port_close(port);
	free(port);
}

struct ws_port *ws_pcap_port_open_rx(const char *name, uint16_t id, struct ws_pool *pool, const char *path, char *err,
				     size_t errlen)
{
	char pcerr[PCAP_ERRBUF_SIZE] = "";
	struct pcap_port *pp;
	struct ws_port *port;
	int dlt;

	port = port_new(name, id, pool, path, &pp, err, errlen);
	if (!port)
		return NULL;
	pp->pc = pcap_open_offline(path, pcerr);
	if (!pp->pc) {
		int e = diagnose_rx(path, pcerr, err, errlen);

		port_discard(port);
		errno = e;
		return NULL;
	}
	dlt = pcap_datalink(pp->pc);
	if (dlt != DLT_EN10MB) {
		const char *dname = pcap_datalink_val_to_name(dlt);
		const char *desc = pcap_datalink_val_to_description(dlt);

		ws_set_err(err, errlen, "%s: link type %s (DLT %d, %s) is not Ethernet: only Ethernet (EN10MB) captures "
			"can be forwarded", path, dname ? dname : "unknown", dlt, desc ? desc : "no description");
		port_discard(port);
		errno = EINVAL;
		return NULL;
	}
	port->ops = &pcap_rx_ops;
	return port;
}

struct ws_port *ws_pcap_port_open_tx(const char *name, uint16_t id, struct ws_pool *pool, const char *path, char *err,
				     size_t errlen)
{
	struct pcap_port *pp;
	struct ws_port *port;
	int e;

	port = port_new(name, id, pool, path, &pp, err, errlen);
	if (!port)
		return NULL;
	pp->pc = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, TX_SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
	if (!pp->pc) {
		ws_set_err(err, errlen, "%s: out of memory", path);
		port_discard(port);
		errno = ENOMEM;
		return NULL;
	}
	errno = 0;
	pp->dump = pcap_dump_open(pp->pc, path);
	if (!pp->dump) {
		e = errno;
		if (e)
			ws_set_err(err, errlen, "%s: cannot create: %s", path, strerror(e));
		else /* libpcap's own reason, which names the file */
			ws_set_err(err, errlen, "cannot create the capture file: %s", pcap_geterr(pp->pc));
		port_discard(port);
		errno = e ? e : EIO;
		return NULL;
	}
	port->ops = &pcap_tx_ops;
	return port;
}

int ws_pcap_port_stats(const struct ws_port *port, struct ws_pcap_stats *st)
{
	const struct pcap_port *pp = pcap_priv(port);

	if (!pp)
		return -EINVAL;
	*st = pp->st;
	return 0;
}

int ws_pcap_port_rx_error(const struct ws_port *port, char *buf, size_t len)
{
	const struct pcap_port *pp = pcap_priv(port);

	if (!pp)
		return -EINVAL;
	if (!pp->err[0])
		return 0;
	if (buf && len)
		snprintf(buf, len, "%s", pp->err);
	return -EIO;
}

bool ws_pcap_port_rx_done(const struct ws_port *port)
{
	const struct pcap_port *pp = pcap_priv(port);

	if (!pp)
		return false;
	return port->ops == &pcap_tx_ops || pp->done;
}
