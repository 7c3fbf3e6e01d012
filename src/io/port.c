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
