/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.c: the control socket's server thread and client (protocol in ctl.h).
 *
 * The server's sockets are non-blocking and every wait is a poll() that also
 * watches an eventfd, so that ws_ctl_server_stop wakes the thread wherever it
 * waits: in accept, in the middle of a request, or sending an answer.
 */
#include "ctl/ctl.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

static const char req_magic[4] = { 'W', 'S', 'Q', '1' };
static const char ans_magic[4] = { 'W', 'S', 'A', '1' };

struct ws_ctl_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the file we bound, to unlink only our own */
	ino_t ino;
	int lfd;
	int wakefd; /* readable once stop is asked */
	ws_ctl_handler_fn *fn;
	void *ctx;
	unsigned timeout_ms; /* __atomic: set by the owner, read by the thread */
	pthread_t thread;
	char frame[4 + WS_CTL_MAX_CHUNK]; /* an answer frame being sent */
	char obuf[WS_CTL_MAX_CHUNK];      /* the handler's FILE buffer */
};

/* One connection being served. */
struct conn {
	struct ws_ctl_server *s;
	int fd;
	unsigned timeout_ms;
	bool dead; /* client gone or too slow, or stop asked: send nothing more */
};

static void put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static uint32_t get32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	return 0;
}

/* ---- server: one connection ---- */

/* Wait until c->fd is ready for events (1), the deadline passes (0) or stop
 * is asked (-1). */
static int conn_wait(struct conn *c, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p[2] = { { .fd = c->fd, .events = events }, { .fd = c->s->wakefd, .events = POLLIN } };
		int n;

		if (left <= 0)
			return 0;
		n = poll(p, 2, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			return -1;
		if (p[0].revents)
			return 1; /* also on POLLHUP/POLLERR: the next recv/send says what */
	}
}

/* Read exactly len bytes before the deadline: 0, or -1 (client gone, too
 * slow, or stop asked; *timed_out says which). */
static int conn_recv(struct conn *c, char *buf, size_t len, int64_t deadline, bool *timed_out)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(c->fd, buf + got, len - got, MSG_DONTWAIT);
		int w;

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return -1;
		w = conn_wait(c, POLLIN, deadline);
		if (w <= 0) {
			*timed_out = w == 0;
			return -1;
		}
	}
	return 0;
}

/* Send all of buf; the client has the timeout to make room each time the
 * socket is full. On any failure the connection is dead and the rest of the
 * answer goes nowhere. MSG_NOSIGNAL: a client that went away must not raise
 * SIGPIPE in the forwarder. */
static void conn_send(struct conn *c, const char *buf, size_t len)
{
	while (len && !c->dead) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (conn_wait(c, POLLOUT, now_ms() + c->timeout_ms) <= 0)
				c->dead = true;
		} else {
			c->dead = true;
		}
	}
}

/* One frame of answer text (len <= WS_CTL_MAX_CHUNK), header and text in one send. */
static void conn_send_text(struct conn *c, const char *text, size_t len)
{
	put32(c->s->frame, (uint32_t)len);
	memcpy(c->s->frame + 4, text, len);
	conn_send(c, c->s->frame, 4 + len);
}

static void conn_send_end(struct conn *c, int status)
{
	char end[8];

	put32(end, 0);
	put32(end + 4, (uint32_t)status);
	conn_send(c, end, sizeof(end));
}

/* A whole answer of one line: for the requests the handler never sees. */
static void conn_reply(struct conn *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void conn_reply(struct conn *c, int status, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	conn_send(c, ans_magic, sizeof(ans_magic));
	conn_send_text(c, line, (size_t)n);
	conn_send_end(c, status);
}

/* The handler's FILE writes here: each buffer-full becomes frames. It always
 * reports success, so that a handler does not see (or act on) a client that
 * went away; the text then goes nowhere. */
static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	struct conn *c = cookie;

	for (size_t off = 0; off < size && !c->dead;) {
		size_t n = size - off < WS_CTL_MAX_CHUNK ? size - off : WS_CTL_MAX_CHUNK;

		conn_send_text(c, buf + off, n);
		off += n;
	}
	return (ssize_t)size;
}

/* Check the words of a request body: exactly nwords NUL-terminated strings. */
static int split_words(char *body, uint32_t nbytes, uint32_t nwords, char **argv)
{
	uint32_t w = 0;

	if (nbytes == 0 || body[nbytes - 1] != '\0')
		return -1;
	for (uint32_t i = 0; i < nbytes; i++) {
		if (i == 0 || body[i - 1] == '\0') {
			if (w == nwords)
				return -1;
			argv[w++] = body + i;
		}
	}
	if (w != nwords)
		return -1;
	argv[w] = NULL;
	return 0;
}

static void serve(struct ws_ctl_server *s, int fd)
{
	struct conn c = { .s = s, .fd = fd, .timeout_ms = __atomic_load_n(&s->timeout_ms, __ATOMIC_RELAXED) };
	int64_t deadline = now_ms() + c.timeout_ms;
	char hdr[12], body[WS_CTL_MAX_BYTES], *argv[WS_CTL_MAX_WORDS + 1];
	uint32_t nwords, nbytes;
	bool timed_out = false;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	FILE *out;
	int status;

	/* The socket file's mode already keeps others out; this also holds if
	 * someone loosens it, or passes a connected fd on. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		conn_reply(&c, 1, "cannot check who is asking: %s", strerror(errno));
		return;
	}
	if (cr.uid != 0 && cr.uid != geteuid()) {
		ws_log(WS_LOG_WARN, "ctl", "refused a request from uid %u (pid %d)", (unsigned)cr.uid, (int)cr.pid);
		conn_reply(&c, 1, "permission denied: uid %u may not control this forwarder (run as root)",
			   (unsigned)cr.uid);
		return;
	}

	if (conn_recv(&c, hdr, sizeof(hdr), deadline, &timed_out) < 0)
		goto cut_short;
	if (memcmp(hdr, req_magic, sizeof(req_magic))) {
		conn_reply(&c, 2, "not a wirespeed ctl request (a different version of wirespeed?)");
		return;
	}
	nwords = get32(hdr + 4);
	nbytes = get32(hdr + 8);
	if (nwords == 0) {
		conn_reply(&c, 2, "empty request: no command");
		return;
	}
	if (nwords > WS_CTL_MAX_WORDS || nbytes > WS_CTL_MAX_BYTES) {
		/* unread: the client gets the answer, then the connection closes */
		conn_reply(&c, 2, "request too large: %u words, %u bytes (at most %u words, %u bytes)", nwords, nbytes,
			   WS_CTL_MAX_WORDS, WS_CTL_MAX_BYTES);
		return;
	}
	if (conn_recv(&c, body, nbytes, deadline, &timed_out) < 0)
		goto cut_short;
	if (split_words(body, nbytes, nwords, argv) < 0) {
		conn_reply(&c, 2, "malformed request: the words do not match their count");
		return;
	}

	out = fopencookie(&c, "w", (cookie_io_functions_t){ .write = out_write });
	if (!out) {
		conn_reply(&c, 1, "cannot answer: %s", strerror(errno));
		return;
	}
	setvbuf(out, s->obuf, _IOFBF, sizeof(s->obuf));
	conn_send(&c, ans_magic, sizeof(ans_magic));
	status = s->fn(s->ctx, (int)nwords, argv, out);
	fclose(out); /* flushes the rest through out_write */
	if (status < 0 || status > 2)
		status = 1;
	conn_send_end(&c, status);
	return;

cut_short:
	if (timed_out) {
		ws_log(WS_LOG_INFO, "ctl", "dropped a client that sent no whole request within %u ms", c.timeout_ms);
		conn_reply(&c, 2, "request not complete within %u ms", c.timeout_ms);
	}
}

/* ---- server: the thread ---- */

static void *server_main(void *arg)
{
	struct ws_ctl_server *s = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN }, { .fd = s->wakefd, .events = POLLIN } };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ws_log(WS_LOG_ERR, "ctl", "poll: %s; the control socket stops serving", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & (POLLERR | POLLNVAL)) {
			ws_log(WS_LOG_ERR, "ctl", "the control socket %s failed; it stops serving", s->path);
			break;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* the pending connection stays queued: back off instead of spinning */
				struct pollfd w = { .fd = s->wakefd, .events = POLLIN };

				ws_log(WS_LOG_WARN, "ctl", "accept: %s", strerror(errno));
				if (poll(&w, 1, 100) > 0)
					break;
			}
			continue;
		}
		serve(s, fd);
		close(fd);
	}
	return NULL;
}

/* ---- server: start and stop ---- */

/* Create path's directory (one level) with mode 0755 if it is missing. */
static int make_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		(void)chmod(dir, 0755); /* whatever the umask took away */
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	ws_set_err(err, errlen, "cannot create directory %s for the control socket: %s", dir, strerror(errno));
	return -1;
}

/* Something is at path: a live socket (EADDRINUSE), a stale one (removed,
 * 0), not a socket (EEXIST), or we cannot tell. -1 with errno and err. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc, e;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		ws_set_err(err, errlen, "%s exists and is not a socket; remove it or choose another --socket path", path);
		errno = EEXIST;
		return -1;
	}
	/* Non-blocking: a live server with a full backlog says EAGAIN, not a hang. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		e = errno;
		ws_set_err(err, errlen, "socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		ws_set_err(err, errlen, "another forwarder is listening on %s", path);
		errno = EADDRINUSE;
		return -1;
	}
	if (e == ECONNREFUSED) {
		if (unlink(path) == 0 || errno == ENOENT)
			return 0;
		e = errno;
		ws_set_err(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	ws_set_err(err, errlen, "%s is in use and cannot be checked: %s", path, strerror(e));
	errno = e;
	return -1;
}

/* Bind and listen on path with mode 0600. The fd, or -1 with errno and err. */
static int bind_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int e;

	if (fill_addr(&sa, path) < 0) {
		ws_set_err(err, errlen, "control socket path '%s' is empty or longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int attempt = 0;; attempt++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0) {
			e = errno;
			ws_set_err(err, errlen, "socket: %s", strerror(e));
			errno = e;
			return -1;
		}
		/* Linux gives the file bind() creates the socket inode's mode less the
		 * umask: so it is born 0600, with no moment at a wider mode. */
		(void)fchmod(fd, 0600);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			/* and exactly 0600 even if the umask took owner bits away */
			if (chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
				e = errno;
				ws_set_err(err, errlen, "cannot set up the control socket %s: %s", path, strerror(e));
				unlink(path);
				close(fd);
				errno = e;
				return -1;
			}
			return fd;
		}
		e = errno;
		close(fd);
		if (e != EADDRINUSE || attempt > 0) {
			if (e == EADDRINUSE)
				ws_set_err(err, errlen, "another forwarder is listening on %s", path);
			else
				ws_set_err(err, errlen, "cannot bind the control socket %s: %s", path, strerror(e));
			errno = e;
			return -1;
		}
		if (clear_stale(path, &sa, err, errlen) < 0)
			return -1;
	}
}

struct ws_ctl_server *ws_ctl_server_start(const char *path, ws_ctl_handler_fn *fn, void *ctx, char *err,
					  size_t errlen)
{
	struct ws_ctl_server *s;
	sigset_t all, old;
	struct stat st;
	int e;

	if (!path || !fn) {
		ws_set_err(err, errlen, "no control socket path or handler");
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= sizeof(s->path)) {
		ws_set_err(err, errlen, "control socket path '%s' is longer than %zu bytes", path, sizeof(s->path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (make_dir(path, err, errlen) < 0)
		return NULL; /* errno from mkdir */
	s = calloc(1, sizeof(*s));
	if (!s) {
		ws_set_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fn = fn;
	s->ctx = ctx;
	s->timeout_ms = WS_CTL_TIMEOUT_MS;
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wakefd < 0) {
		e = errno;
		ws_set_err(err, errlen, "eventfd: %s", strerror(e));
		free(s);
		errno = e;
		return NULL;
	}
	s->lfd = bind_listen(path, err, errlen);
	if (s->lfd < 0) {
		e = errno;
		close(s->wakefd);
		free(s);
		errno = e;
		return NULL;
	}
	if (lstat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	/* The thread inherits the mask at creation: blocking everything around
	 * pthread_create leaves no moment in which it could take SIGINT/SIGTERM
	 * meant for the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->thread, NULL, server_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		ws_set_err(err, errlen, "cannot start the control socket thread: %s", strerror(e));
		unlink(path);
		close(s->lfd);
		close(s->wakefd);
		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

void ws_ctl_server_set_timeout_ms(struct ws_ctl_server *s, unsigned ms)
{
	__atomic_store_n(&s->timeout_ms, ms ? ms : WS_CTL_TIMEOUT_MS, __ATOMIC_RELAXED);
}

void ws_ctl_server_stop(struct ws_ctl_server *s)
{
	uint64_t one = 1;
	struct stat st;

	if (!s)
		return;
	/* The eventfd stays readable, so every wait the thread is in or will
	 * enter returns at once. */
	if (write(s->wakefd, &one, sizeof(one)) < 0)
		ws_log(WS_LOG_ERR, "ctl", "cannot wake the control socket thread: %s", strerror(errno));
	pthread_join(s->thread, NULL);
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->lfd);
	close(s->wakefd);
	free(s);
}

/* ---- client ---- */

/* Read exactly len bytes: 0, or a negative errno with err set. */
static int client_recv(int fd, char *buf, size_t len, const char *path, char *err, size_t errlen)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0 || errno == ECONNRESET) {
			ws_set_err(err, errlen, "the forwarder on %s closed the connection before the answer was complete",
				path);
			return -EPROTO;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			ws_set_err(err, errlen, "the forwarder on %s did not answer within %u s", path,
				WS_CTL_CLIENT_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		} else if (errno != EINTR) {
			int e = errno;

			ws_set_err(err, errlen, "reading from %s: %s", path, strerror(e));
			return -e;
		}
	}
	return 0;
}

/* The request in one buffer: header and words. NULL with *rc on error. */
static char *build_request(int argc, char **argv, size_t *len, int *rc, char *err, size_t errlen)
{
	size_t nbytes = 0;
	char *buf, *p;

	if (argc < 1 || !argv) {
		ws_set_err(err, errlen, "no command to send");
		*rc = -EINVAL;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		nbytes += strlen(argv[i]) + 1;
		if (nbytes > UINT32_MAX / 2) {
			ws_set_err(err, errlen, "the command is too long");
			*rc = -E2BIG;
			return NULL;
		}
	}
	buf = malloc(12 + nbytes);
	if (!buf) {
		ws_set_err(err, errlen, "out of memory");
		*rc = -ENOMEM;
		return NULL;
	}
	memcpy(buf, req_magic, 4);
	put32(buf + 4, (uint32_t)argc);
	put32(buf + 8, (uint32_t)nbytes);
	p = buf + 12;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(p, argv[i], n);
		p += n;
	}
	*len = 12 + nbytes;
	return buf;
}

static int client_connect(const char *path, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = WS_CTL_CLIENT_TIMEOUT_MS / 1000,
			      .tv_usec = (WS_CTL_CLIENT_TIMEOUT_MS % 1000) * 1000 };
	struct sockaddr_un sa;
	int fd, e;

	if (fill_addr(&sa, path) < 0) {
		ws_set_err(err, errlen, "control socket path '%s' is empty or longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		ws_set_err(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	/* Blocking with timeouts: the send timeout also bounds connect() when the
	 * server's backlog is full (it then fails with EAGAIN). */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
		ws_set_err(err, errlen, "no forwarder is listening on %s", path);
		return -e;
	case EACCES:
	case EPERM:
		ws_set_err(err, errlen, "permission denied on %s", path);
		return -EACCES;
	case EAGAIN:
		ws_set_err(err, errlen, "the forwarder on %s did not take the connection within %u s", path,
			WS_CTL_CLIENT_TIMEOUT_MS / 1000);
		return -ETIMEDOUT;
	default:
		ws_set_err(err, errlen, "cannot connect to %s: %s", path, strerror(e));
		return -e;
	}
}

int ws_ctl_request(const char *path, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	char hdr[4], *req, *text = NULL;
	size_t len, off = 0;
	int fd, rc = 0;

	req = build_request(argc, argv, &len, &rc, err, errlen);
	if (!req)
		return rc;
	fd = client_connect(path, err, errlen);
	if (fd < 0) {
		free(req);
		return fd;
	}
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			break; /* the server may have answered without reading it all: read on */
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			ws_set_err(err, errlen, "the forwarder on %s did not take the request within %u s", path,
				WS_CTL_CLIENT_TIMEOUT_MS / 1000);
			rc = -ETIMEDOUT;
			goto out;
		} else if (errno != EINTR) {
			rc = -errno;
			ws_set_err(err, errlen, "sending to %s: %s", path, strerror(-rc));
			goto out;
		}
	}
	text = malloc(WS_CTL_MAX_CHUNK);
	if (!text) {
		ws_set_err(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	rc = client_recv(fd, hdr, 4, path, err, errlen);
	if (rc < 0)
		goto out;
	if (memcmp(hdr, ans_magic, 4)) {
		ws_set_err(err, errlen, "%s did not answer as a wirespeed forwarder (a different version?)", path);
		rc = -EPROTO;
		goto out;
	}
	for (;;) {
		uint32_t n;

		rc = client_recv(fd, hdr, 4, path, err, errlen);
		if (rc < 0)
			goto out;
		n = get32(hdr);
		if (n == 0)
			break;
		if (n > WS_CTL_MAX_CHUNK) {
			ws_set_err(err, errlen, "malformed answer from %s: a frame of %u bytes", path, n);
			rc = -EPROTO;
			goto out;
		}
		rc = client_recv(fd, text, n, path, err, errlen);
		if (rc < 0)
			goto out;
		/* flushed per frame: a long answer shows as it comes */
		errno = 0;
		if (fwrite(text, 1, n, out) != n || fflush(out) != 0) {
			rc = errno ? -errno : -EIO;
			ws_set_err(err, errlen, "writing the answer: %s", strerror(-rc));
			goto out;
		}
	}
	rc = client_recv(fd, hdr, 4, path, err, errlen);
	if (rc < 0)
		goto out;
	if (get32(hdr) > 2) {
		ws_set_err(err, errlen, "malformed answer from %s: status %u", path, get32(hdr));
		rc = -EPROTO;
		goto out;
	}
	rc = (int)get32(hdr);
out:
	free(text);
	free(req);
	close(fd);
	return rc;
}
