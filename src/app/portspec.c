/* SPDX-License-Identifier: BSD-3-Clause */
/* portspec.c: KIND[:ARG] to an open port (portspec.h). Control path. */
#include "app/portspec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "io/afpacket.h"
#include "io/afxdp.h"
#include "io/mem.h"
#include "io/mmsg.h"
#include "io/pcap.h"

/* Open arg for dir; NULL with errno and err set. */
typedef struct ws_port *(*portspec_open_fn)(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool,
					    int dir, char *err, size_t errlen);

static struct ws_port *open_pcap(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool, int dir,
				 char *err, size_t errlen)
{
	if (dir == WS_PORTSPEC_RX)
		return ws_pcap_port_open_rx(spec, id, pool, arg, err, errlen);
	return ws_pcap_port_open_tx(spec, id, pool, arg, err, errlen);
}

static struct ws_port *open_mem(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool, int dir,
				char *err, size_t errlen)
{
	/* ws_mem_port_create always builds a source too; this one is never
	 * asked to receive, so its template is a placeholder (in the allowed
	 * range all the same) */
	static const uint32_t dst = 0xc6120001u; /* 198.18.0.1 */
	struct ws_mem_config mc = { .family = AF_INET, .dsts = &dst, .nb_dsts = 1 };
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	struct ws_port *port;

	(void)arg;
	(void)dir; /* TX only: the table says so */
	port = ws_mem_port_create(spec, id, pool, mac, &mc);
	if (!port)
		snprintf(err, errlen, "port '%s': %s", spec, strerror(errno));
	else
		memset(port->mac, 0, 6); /* it has no address of its own */
	return port;
}

static unsigned tx_batch; /* ws_portspec_set_tx_batch */

void ws_portspec_set_tx_batch(unsigned frames)
{
	tx_batch = frames;
}

static struct ws_port *open_afpacket(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool,
				     int dir, char *err, size_t errlen)
{
	struct ws_afpacket_config ac = { .ifname = arg, .tx_kick_batch = dir == WS_PORTSPEC_TX ? tx_batch : 0 };

	(void)spec;
	return ws_afpacket_port_open(arg, id, pool, &ac, err, errlen);
}

static struct ws_port *open_mmsg(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool, int dir,
				 char *err, size_t errlen)
{
	(void)spec;
	(void)dir;
	return ws_mmsg_port_open(arg, id, pool, arg, err, errlen);
}

/* The UMEM of this process's AF_XDP ports (one pool per command). */
static struct ws_afxdp_umem *umem;

/* AF_XDP, else AF_PACKET with a line saying why. */
static struct ws_port *open_afxdp(const char *spec, const char *arg, uint16_t id, struct ws_pool *pool, int dir,
				  char *err, size_t errlen)
{
	struct ws_afxdp_config xc = { .ifname = arg };
	struct ws_port *port = NULL;
	char why[512] = "";

	if (!umem)
		umem = ws_afxdp_umem_create(pool, 0, 0, why, sizeof(why));
	if (umem)
		port = ws_afxdp_port_open(arg, id, umem, &xc, why, sizeof(why));
	if (port) {
		fprintf(stderr, "%s: AF_XDP, %s\n", spec, ws_afxdp_port_mode(port));
		return port;
	}
	fprintf(stderr, "%s: no AF_XDP (%s); using AF_PACKET\n", spec, why);
	return open_afpacket(spec, arg, id, pool, dir, err, errlen);
}

void ws_portspec_release(void)
{
	if (umem && !ws_afxdp_umem_free(umem))
		umem = NULL;
}

#define DIR_RX (1u << WS_PORTSPEC_RX)
#define DIR_TX (1u << WS_PORTSPEC_TX)

/*
 * Every kind of port, the one place they are listed (usage texts and
 * messages are made from here). `open` NULL: a kind that is planned,
 * refused with a message that says so instead of "unknown". A backend that
 * lands replaces its NULL with its opener and its help.
 */
static const struct {
	const char *kind;
	const char *arg;  /* KIND:ARG, what ARG is; NULL: KIND alone */
	unsigned dirs;    /* DIR_RX | DIR_TX: the directions it works in */
	const char *help; /* one line for usage texts */
	portspec_open_fn open;
} kinds[] = {
	{ "pcap", "FILE", DIR_RX | DIR_TX, "a capture file (pcap; pcapng too when read)", open_pcap },
	{ "mem", NULL, DIR_TX, "sending only: counts and frees (measures the sender alone)", open_mem },
	{ "afpacket", "IF", DIR_RX | DIR_TX, "AF_PACKET (TPACKET_V3 rings) on interface IF", open_afpacket },
	{ "mmsg", "IF", DIR_RX | DIR_TX, "recvmmsg/sendmmsg on interface IF", open_mmsg },
	{ "afxdp", "IF", DIR_RX | DIR_TX, "AF_XDP on interface IF, else AF_PACKET", open_afxdp },
};

#define NB_KINDS (sizeof(kinds) / sizeof(kinds[0]))

void ws_portspec_usage(FILE *out, int dir)
{
	const char *sep = "";

	for (size_t i = 0; i < NB_KINDS; i++) {
		char name[32];

		if (!kinds[i].open || !(kinds[i].dirs & (1u << dir)))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", kinds[i].kind, kinds[i].arg ? ":" : "",
			 kinds[i].arg ? kinds[i].arg : "");
		fprintf(out, "    %-12s %s\n", name, kinds[i].help);
	}
	for (size_t i = 0; i < NB_KINDS; i++)
		if (!kinds[i].open) {
			fprintf(out, "%s %s%s%s", *sep ? sep : "    (to come with their backends:", kinds[i].kind,
				kinds[i].arg ? ":" : "", kinds[i].arg ? kinds[i].arg : "");
			sep = ",";
		}
	if (*sep)
		fprintf(out, ")\n");
}

struct ws_port *ws_portspec_open(const char *spec, uint16_t id, struct ws_pool *pool, int dir, char *err,
				 size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);

	for (size_t i = 0; i < NB_KINDS; i++) {
		if (strlen(kinds[i].kind) != klen || strncmp(spec, kinds[i].kind, klen))
			continue;
		if (kinds[i].arg && (!colon || !colon[1])) {
			snprintf(err, errlen, "port '%s': give %s:%s", spec, kinds[i].kind, kinds[i].arg);
			errno = EINVAL;
			return NULL;
		}
		if (!kinds[i].arg && colon) {
			snprintf(err, errlen, "port '%s': %s takes no argument", spec, kinds[i].kind);
			errno = EINVAL;
			return NULL;
		}
		if (!kinds[i].open) {
			snprintf(err, errlen, "port '%s': the %s backend is not available yet", spec, kinds[i].kind);
			errno = EINVAL;
			return NULL;
		}
		if (!(kinds[i].dirs & (1u << dir))) {
			snprintf(err, errlen, "port '%s': a %s port cannot %s", spec, kinds[i].kind,
				 dir == WS_PORTSPEC_RX ? "receive" : "send");
			errno = EINVAL;
			return NULL;
		}
		return kinds[i].open(spec, colon ? colon + 1 : NULL, id, pool, dir, err, errlen);
	}
	int n = snprintf(err, errlen, "port '%s': unknown kind '%.*s'; kinds:", spec, (int)klen, spec);

	for (size_t i = 0; i < NB_KINDS && n >= 0 && (size_t)n < errlen; i++)
		n += snprintf(err + n, errlen - (size_t)n, "%s %s%s%s%s", i ? "," : "", kinds[i].kind,
			      kinds[i].arg ? ":" : "", kinds[i].arg ? kinds[i].arg : "", kinds[i].open ? "" : " (to come)");
	errno = EINVAL;
	return NULL;
}
