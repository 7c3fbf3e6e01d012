/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_ctl.c: the control socket (ctl/ctl.h): a server on a socket in a
 * fresh directory with a test handler, and requests against it: words and
 * statuses round trip, a 5 MiB answer arrives whole, oversized requests are
 * refused, a live socket is kept and a stale one replaced, the file is 0600
 * and goes away at stop, a stuck or vanishing client does not stop the
 * server, and a cut-short or foreign answer is -EPROTO.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "ctl/ctl.h"

#define BIG_LINES (5u * 1024 * 1024 / 16) /* 16-byte lines: 5 MiB */

struct fixture {
	char dir[64];
	char path[96];
	struct ws_ctl_server *srv;
	unsigned calls; /* handler calls */
};

/* The test handler. "echo W...": every word in brackets, one a line;
 * "status N": returns N; "big": 5 MiB of numbered lines; "sigmask": whether
 * this thread blocks SIGINT and SIGTERM, and has a SIGPIPE pending. */
static int handler(void *ctx, int argc, char **argv, FILE *out)
{
	struct fixture *f = ctx;

	__atomic_add_fetch(&f->calls, 1, __ATOMIC_RELAXED);
	if (!strcmp(argv[0], "echo")) {
		for (int i = 0; i < argc; i++)
			fprintf(out, "[%s]\n", argv[i]);
		return argv[argc] == NULL ? 0 : 1;
	}
	if (!strcmp(argv[0], "status") && argc == 2) {
		fprintf(out, "status %s\n", argv[1]);
		return atoi(argv[1]);
	}
	if (!strcmp(argv[0], "big")) {
		for (unsigned i = 0; i < BIG_LINES; i++)
			fprintf(out, "line %010u\n", i);
		return 0;
	}
	if (!strcmp(argv[0], "sigmask")) {
		sigset_t set, pending;

		pthread_sigmask(SIG_BLOCK, NULL, &set);
		sigpending(&pending);
		fprintf(out, "INT %d TERM %d pending PIPE %d\n", sigismember(&set, SIGINT), sigismember(&set, SIGTERM),
			sigismember(&pending, SIGPIPE));
		return 0;
	}
	fprintf(out, "unknown command '%s'\n", argv[0]);
	return 2;
}

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ws-test-ctl.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/fwd.sock", f->dir);
	f->srv = ws_ctl_server_start(f->path, handler, f, err, sizeof(err));
	if (!f->srv) {
		fprintf(stderr, "server: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ws_ctl_server_stop(f->srv);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* One request; the answer text in *text (malloc'd). */
static int request(const char *path, char **text, int argc, char **argv)
{
	char err[256] = "";
	size_t len;
	FILE *out = open_memstream(text, &len);
	int rc;

	assert_non_null(out);
	rc = ws_ctl_request(path, argc, argv, out, err, sizeof(err));
	fclose(out);
	if (rc < 0)
		assert_true(err[0] != '\0'); /* every error says something */
	return rc;
}

/* A raw client socket connected to path. */
static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 20 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void test_words_round_trip(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "echo", "", "two words", " lead", "trail ", "", "tab\there", "\xc3\xbc", "--help" };
	char *text;

	assert_int_equal(request(f->path, &text, 9, argv), 0);
	assert_string_equal(text,
			    "[echo]\n[]\n[two words]\n[ lead]\n[trail ]\n[]\n[tab\there]\n[\xc3\xbc]\n[--help]\n");
	free(text);

	char *one[] = { "echo" };

	assert_int_equal(request(f->path, &text, 1, one), 0);
	assert_string_equal(text, "[echo]\n");
	free(text);
}

static void test_statuses_pass_through(void **state)
{
	struct fixture *f = *state;
	char *text;

	for (int st = 0; st <= 2; st++) {
		char n[4], expect[32];
		char *argv[] = { "status", n };

		snprintf(n, sizeof(n), "%d", st);
		snprintf(expect, sizeof(expect), "status %d\n", st);
		assert_int_equal(request(f->path, &text, 2, argv), st);
		assert_string_equal(text, expect);
		free(text);
	}
	/* a handler's status outside 0..2 reaches the client as 1 */
	char *odd[] = { "status", "7" };

	assert_int_equal(request(f->path, &text, 2, odd), 1);
	free(text);
	char *unknown[] = { "frobnicate" };

	assert_int_equal(request(f->path, &text, 1, unknown), 2);
	assert_string_equal(text, "unknown command 'frobnicate'\n");
	free(text);
}

static void test_big_answer_complete(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "big" }, *text, line[17];

	assert_int_equal(request(f->path, &text, 1, argv), 0);
	assert_int_equal(strlen(text), (size_t)BIG_LINES * 16);
	for (unsigned i = 0; i < BIG_LINES; i += 4099) {
		snprintf(line, sizeof(line), "line %010u\n", i);
		assert_memory_equal(text + (size_t)i * 16, line, 16);
	}
	snprintf(line, sizeof(line), "line %010u\n", BIG_LINES - 1);
	assert_memory_equal(text + (size_t)(BIG_LINES - 1) * 16, line, 16);
	free(text);
}

static void test_request_limits(void **state)
{
	struct fixture *f = *state;
	char *argv[WS_CTL_MAX_WORDS + 1], *text;
	char *word = malloc(WS_CTL_MAX_BYTES + 16);
	unsigned calls;

	assert_non_null(word);
	argv[0] = "echo";
	for (unsigned i = 1; i <= WS_CTL_MAX_WORDS; i++)
		argv[i] = "w";
	/* 64 words: served */
	assert_int_equal(request(f->path, &text, WS_CTL_MAX_WORDS, argv), 0);
	assert_int_equal(strlen(text), 7 + (WS_CTL_MAX_WORDS - 1) * 4);
	free(text);

	calls = f->calls;
	/* 65 words: refused before the handler */
	assert_int_equal(request(f->path, &text, WS_CTL_MAX_WORDS + 1, argv), 2);
	assert_non_null(strstr(text, "too large"));
	free(text);

	/* "echo\0" + word + "\0" of exactly 4096 bytes: served; one more: refused */
	memset(word, 'x', WS_CTL_MAX_BYTES - 6);
	word[WS_CTL_MAX_BYTES - 6] = '\0';
	argv[1] = word;
	assert_int_equal(request(f->path, &text, 2, argv), 0);
	assert_int_equal(strlen(text), 7 + (WS_CTL_MAX_BYTES - 6) + 3);
	free(text);
	assert_int_equal(f->calls, calls + 1);

	memset(word, 'x', WS_CTL_MAX_BYTES - 5);
	word[WS_CTL_MAX_BYTES - 5] = '\0';
	assert_int_equal(request(f->path, &text, 2, argv), 2);
	assert_non_null(strstr(text, "too large"));
	free(text);
	/* far larger than the socket buffers: still an answer, not a hang */
	word = realloc(word, 4u << 20);
	assert_non_null(word);
	memset(word, 'y', (4u << 20) - 1);
	word[(4u << 20) - 1] = '\0';
	argv[1] = word;
	assert_int_equal(request(f->path, &text, 2, argv), 2);
	assert_non_null(strstr(text, "too large"));
	free(text);
	assert_int_equal(f->calls, calls + 1);
	free(word);

	assert_int_equal(request(f->path, &text, 0, argv), -EINVAL);
	free(text);
}

static void test_second_server_on_live_path(void **state)
{
	struct fixture *f = *state;
	char err[256] = "", *text;
	char *argv[] = { "echo" };
	struct ws_ctl_server *s2;

	errno = 0;
	s2 = ws_ctl_server_start(f->path, handler, f, err, sizeof(err));
	assert_null(s2);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "another forwarder is listening on"));
	assert_non_null(strstr(err, f->path));
	/* the first one still owns the path and serves */
	assert_int_equal(request(f->path, &text, 1, argv), 0);
	free(text);
}

static void test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], err[256] = "", *text;
	char *argv[] = { "status", "1" };
	struct ws_ctl_server *s2;
	struct stat st;
	int fd;

	/* a socket file with nobody behind it, as a crashed forwarder leaves */
	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_true(request(path, &text, 2, argv) == -ECONNREFUSED);
	free(text);

	s2 = ws_ctl_server_start(path, handler, f, err, sizeof(err));
	assert_non_null(s2);
	assert_int_equal(request(path, &text, 2, argv), 1);
	assert_string_equal(text, "status 1\n");
	free(text);
	ws_ctl_server_stop(s2);

	/* a file that is not a socket is not ours to remove */
	FILE *plain = fopen(path, "w");

	assert_non_null(plain);
	fclose(plain);
	errno = 0;
	assert_null(ws_ctl_server_start(path, handler, f, err, sizeof(err)));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_stop_removes_socket(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "echo" }, *text;
	struct stat st;
	int rc;

	ws_ctl_server_stop(f->srv);
	f->srv = NULL;
	assert_int_equal(stat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	rc = request(f->path, &text, 1, argv);
	assert_true(rc == -ENOENT || rc == -ECONNREFUSED);
	free(text);
	ws_ctl_server_stop(NULL);
}

/* A newer server took the path while ours ran: stopping ours leaves its file. */
static void test_stop_keeps_foreign_file(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(unlink(f->path), 0);
	FILE *plain = fopen(f->path, "w");

	assert_non_null(plain);
	fclose(plain);
	ws_ctl_server_stop(f->srv);
	f->srv = NULL;
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_socket_mode_and_dir(void **state)
{
	struct fixture *f = *state;
	char path[96], dir[80], err[256] = "", *text;
	char *argv[] = { "echo", "hi" };
	struct ws_ctl_server *s2;
	struct stat st;
	mode_t old;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* a missing directory is made (0755); the modes do not follow the umask */
	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	snprintf(path, sizeof(path), "%s/fwd.sock", dir);
	old = umask(0077);
	s2 = ws_ctl_server_start(path, handler, f, err, sizeof(err));
	umask(old);
	assert_non_null(s2);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(request(path, &text, 2, argv), 0);
	assert_string_equal(text, "[echo]\n[hi]\n");
	free(text);
	ws_ctl_server_stop(s2);

	old = umask(0);
	s2 = ws_ctl_server_start(path, handler, f, err, sizeof(err));
	umask(old);
	assert_non_null(s2);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ws_ctl_server_stop(s2);

	/* a path that does not fit a socket address */
	char longpath[200];

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	errno = 0;
	assert_null(ws_ctl_server_start(longpath, handler, f, err, sizeof(err)));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(request(longpath, &text, 1, argv), -ENAMETOOLONG);
	free(text);
}

static void test_stuck_client_does_not_block(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "echo", "next" }, *text, buf[256];
	size_t got = 0;
	ssize_t n;
	int fd;

	ws_ctl_server_set_timeout_ms(f->srv, 100);
	/* half a header, then silence */
	fd = raw_connect(f->path);
	assert_int_equal(send(fd, "WSQ1\0\0", 6, 0), 6);
	assert_int_equal(request(f->path, &text, 2, argv), 0);
	assert_string_equal(text, "[echo]\n[next]\n");
	free(text);
	/* the stuck one was told and closed (EOF, not our 20 s receive timeout) */
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	assert_int_equal(n, 0);
	buf[got] = '\0';
	assert_true(got > 12);
	assert_memory_equal(buf, "WSA1", 4);
	assert_non_null(strstr(buf + 8, "not complete"));
	close(fd);
}

/* A client that leaves in the middle of a 5 MiB answer: the server goes on.
 * Shut down first, the server's next send fails with EPIPE, which without
 * MSG_NOSIGNAL would raise SIGPIPE (held pending by the thread's mask, so
 * the handler looks for it); closed with data unread, it fails with
 * ECONNRESET. */
static void test_client_gone_mid_answer(void **state)
{
	struct fixture *f = *state;
	static const char req[] = "WSQ1\0\0\0\1\0\0\0\4big";
	char *argv[] = { "echo", "after" }, *mask[] = { "sigmask" }, *text, buf[4096];
	int fd;

	for (int how = 0; how < 2; how++) {
		fd = raw_connect(f->path);
		assert_int_equal(send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
		assert_true(recv(fd, buf, sizeof(buf), MSG_WAITALL) == (ssize_t)sizeof(buf));
		assert_memory_equal(buf, "WSA1", 4);
		if (how == 0)
			assert_int_equal(shutdown(fd, SHUT_RDWR), 0);
		else
			close(fd);
		/* served after the server gave up on the first */
		assert_int_equal(request(f->path, &text, 2, argv), 0);
		assert_string_equal(text, "[echo]\n[after]\n");
		free(text);
		if (how == 0)
			close(fd);
	}
	assert_int_equal(f->calls, 4);
	/* the server thread blocks SIGPIPE too: it must not even be pending */
	assert_int_equal(request(f->path, &text, 1, mask), 0);
	assert_string_equal(text, "INT 1 TERM 1 pending PIPE 0\n");
	free(text);
}

static void test_malformed_request(void **state)
{
	struct fixture *f = *state;
	/* two words announced, the body holds three */
	static const char bad[] = "WSQ1\0\0\0\2\0\0\0\6a\0b\0c";
	static const char foreign[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[512];
	ssize_t n;
	int fd;

	fd = raw_connect(f->path);
	assert_int_equal(send(fd, bad, sizeof(bad), 0), (ssize_t)sizeof(bad));
	n = recv(fd, buf, sizeof(buf) - 1, MSG_WAITALL);
	assert_true(n > 16);
	buf[n] = '\0';
	assert_non_null(strstr(buf + 8, "malformed"));
	/* the end frame: length 0, status 2 */
	assert_memory_equal(buf + n - 8, "\0\0\0\0\0\0\0\2", 8);
	close(fd);

	fd = raw_connect(f->path);
	assert_int_equal(send(fd, foreign, sizeof(foreign) - 1, 0), (ssize_t)sizeof(foreign) - 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_WAITALL);
	assert_true(n > 16);
	assert_memory_equal(buf + n - 8, "\0\0\0\0\0\0\0\2", 8);
	close(fd);
	assert_int_equal(f->calls, 0);
}

static void test_server_thread_blocks_signals(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "sigmask" }, *text;
	sigset_t set;

	assert_int_equal(request(f->path, &text, 1, argv), 0);
	assert_string_equal(text, "INT 1 TERM 1 pending PIPE 0\n");
	free(text);
	/* and starting it left ours alone */
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	assert_int_equal(sigismember(&set, SIGINT), 0);
	assert_int_equal(sigismember(&set, SIGTERM), 0);
}

/* Stop while the server waits on a client that sends nothing: it must not
 * wait for the receive timeout (10 min here; SIGALRM ends a hung test). */
static void test_stop_wakes_server(void **state)
{
	struct fixture *f = *state;
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	char buf[16];
	int fd;

	ws_ctl_server_set_timeout_ms(f->srv, 600000);
	fd = raw_connect(f->path);
	assert_int_equal(send(fd, "WS", 2, 0), 2);
	nanosleep(&ts, NULL); /* let the thread take the connection */
	alarm(60);
	ws_ctl_server_stop(f->srv);
	alarm(0);
	f->srv = NULL;
	/* the connection was closed without an answer (EOF, or a reset if it
	 * was still in the backlog) */
	assert_true(recv(fd, buf, sizeof(buf), 0) <= 0);
	close(fd);
}

/* A fake server: takes one connection, reads the request, sends these bytes, closes. */
struct fake {
	int lfd;
	const char *bytes;
	size_t len;
};

static void *fake_main(void *arg)
{
	struct fake *fk = arg;
	char buf[4096];
	int fd = accept(fk->lfd, NULL, NULL);

	if (fd >= 0) {
		(void)recv(fd, buf, sizeof(buf), 0);
		if (fk->len)
			(void)send(fd, fk->bytes, fk->len, MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

static void test_bad_answers_are_eproto(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *bytes;
		size_t len;
	} cases[] = {
		{ "", 0 },                                  /* closed without a word */
		{ "WSA1\0\0\0\12abc", 11 },                 /* frame cut short */
		{ "WSA1\0\0\0\3abc", 11 },                  /* no end frame */
		{ "WSA1\0\0\0\0\0\0", 10 },                 /* end frame cut short */
		{ "WSA1\0\0\0\0\0\0\0\11", 12 },            /* status 9 */
		{ "WSA1\x7f\0\0\0", 8 },                    /* a 2 GiB frame */
		{ "HTTP/1.0 400 Bad Request\r\n\r\n", 28 }, /* not us */
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], *text;
	char *argv[] = { "show", "runtime" };

	snprintf(path, sizeof(path), "%s/fake.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake fk = { .bytes = cases[i].bytes, .len = cases[i].len };
		pthread_t t;

		unlink(path);
		fk.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(fk.lfd, 1), 0);
		assert_int_equal(pthread_create(&t, NULL, fake_main, &fk), 0);
		assert_int_equal(request(path, &text, 2, argv), -EPROTO);
		free(text);
		pthread_join(t, NULL);
		close(fk.lfd);
	}
	/* and the good form of the same, to show the fake speaks the protocol */
	struct fake fk = { .bytes = "WSA1\0\0\0\3abc\0\0\0\0\0\0\0\1", .len = 19 };
	pthread_t t;

	unlink(path);
	fk.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fk.lfd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, fake_main, &fk), 0);
	assert_int_equal(request(path, &text, 2, argv), 1);
	assert_string_equal(text, "abc");
	free(text);
	pthread_join(t, NULL);
	close(fk.lfd);
}

/* In a child as uid 65534: the request's result, coded as the exit status. */
static int as_nobody(const char *path, const char *expect_text)
{
	pid_t pid = fork();
	int wst;

	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "echo" }, *text = NULL, err[256];
		size_t len;
		FILE *out = open_memstream(&text, &len);
		int rc;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		rc = ws_ctl_request(path, 1, argv, out, err, sizeof(err));
		fclose(out);
		if (expect_text && (!text || !strstr(text, expect_text)))
			_exit(101);
		_exit(rc < 0 ? 50 - rc : rc); /* 0..2 statuses, 50+errno errors */
	}
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst));
	return WEXITSTATUS(wst);
}

static void test_other_users_refused(void **state)
{
	struct fixture *f = *state;

	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(f->dir, 0711), 0);
	/* the file's mode keeps them out */
	assert_int_equal(as_nobody(f->path, NULL), 50 + EACCES);
	/* and SO_PEERCRED does when the mode is loosened */
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(as_nobody(f->path, "permission denied"), 1);
	assert_int_equal(f->calls, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_words_round_trip),
		T(test_statuses_pass_through),
		T(test_big_answer_complete),
		T(test_request_limits),
		T(test_second_server_on_live_path),
		T(test_stale_socket_replaced),
		T(test_stop_removes_socket),
		T(test_stop_keeps_foreign_file),
		T(test_socket_mode_and_dir),
		T(test_stuck_client_does_not_block),
		T(test_client_gone_mid_answer),
		T(test_malformed_request),
		T(test_server_thread_blocks_signals),
		T(test_stop_wakes_server),
		T(test_bad_answers_are_eproto),
		T(test_other_users_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
