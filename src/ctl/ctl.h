/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.h: the control socket. A running forwarder serves requests on a unix
 * socket from one thread of its own; `wirespeed ctl` sends its words there and
 * prints the answer. This file is the transport only: what a command means is
 * the forwarder's handler.
 *
 * Everything here is control path.
 *
 * The wire protocol (SOCK_STREAM; integers are 32-bit big-endian):
 *
 *   request:  "WSQ1"  nwords  nbytes  word0 '\0' word1 '\0' ...
 *             nbytes counts the words with their NULs; the body must be
 *             exactly nwords NUL-terminated strings. At most
 *             WS_CTL_MAX_WORDS words and WS_CTL_MAX_BYTES bytes: a bigger
 *             request is answered with status 2 and a message, unread.
 *   answer:   "WSA1"  { len  text[len] } ...  0  status
 *             the text comes in frames of 1..WS_CTL_MAX_CHUNK bytes as the
 *             handler writes it (so an answer of any size streams through
 *             a fixed buffer); a frame of length 0 ends the answer and
 *             carries the status (0, 1 or 2).
 *
 * The end frame is what tells a complete answer from a connection that
 * died: a client that sees the socket close before it gets -EPROTO.
 *
 * The server takes one connection at a time. A client has the receive
 * timeout (default WS_CTL_TIMEOUT_MS) to deliver its whole request, and each
 * frame of the answer must be taken within the same time, so that a stuck
 * or malicious client delays the others by at most that much. Peers whose
 * uid is neither root nor the server's euid are refused (SO_PEERCRED),
 * besides the socket file's mode 0600.
 */
#ifndef WS_CTL_CTL_H
#define WS_CTL_CTL_H

#include <stddef.h>
#include <stdio.h>

#define WS_CTL_DEFAULT_PATH "/run/wirespeed/fwd.sock"

#define WS_CTL_MAX_WORDS 64u        /* words in a request */
#define WS_CTL_MAX_BYTES 4096u      /* bytes of words in a request, NULs included */
#define WS_CTL_MAX_CHUNK 65536u     /* bytes of text in one answer frame */
#define WS_CTL_TIMEOUT_MS 2000u     /* server: a client's time to send a request / take a frame */
#define WS_CTL_CLIENT_TIMEOUT_MS 30000u /* client: silence from the server before -ETIMEDOUT */

/* The handler: runs on the server thread, one request at a time. argv[0..argc)
 * are the client's words (argc >= 1, argv[argc] == NULL; the strings may be
 * modified). Writes the answer text to out: a FILE whose buffer is sent to the
 * client each time it fills, so the handler may write any amount without
 * holding it. If the client goes away, writes to out still succeed and go
 * nowhere. Returns an exit status for the client: 0 ok, 1 failed, 2 bad
 * command/usage (anything else is sent as 1). */
typedef int ws_ctl_handler_fn(void *ctx, int argc, char **argv, FILE *out);

struct ws_ctl_server;

/* Control path: bind path (mode 0600, whatever the umask; its directory is
 * created with mode 0755 if missing, one level only), and start a thread that
 * serves requests with fn(ctx, ...) until ws_ctl_server_stop. The thread
 * blocks all signals, so SIGINT/SIGTERM reach the other threads.
 * A stale socket file (nobody listening) is replaced; a live one is an error.
 * Returns NULL with errno and a one-line message in err:
 *   EADDRINUSE    another forwarder is listening on path
 *   EEXIST        path exists and is not a socket
 *   ENAMETOOLONG  path does not fit a unix socket address
 *   others        from mkdir, socket, bind, listen, pthread_create */
struct ws_ctl_server *ws_ctl_server_start(const char *path, ws_ctl_handler_fn *fn, void *ctx, char *err,
					  size_t errlen);

/* Control path: the time a client has to send its request and to take each
 * frame of the answer, from the next connection on (default WS_CTL_TIMEOUT_MS;
 * 0 means the default). s not NULL. For tests, and forwarders that want to be stricter. */
void ws_ctl_server_set_timeout_ms(struct ws_ctl_server *s, unsigned ms);

/* Control path: stop the thread (woken at once, also in the middle of a
 * request; a handler that is running finishes first), close the socket and
 * unlink its file if it is still the one we bound (same st_dev/st_ino: a
 * newer forwarder's socket at the same path is left alone). NULL allowed. */
void ws_ctl_server_stop(struct ws_ctl_server *s);

/* Control path: send argv[0..argc) (argc >= 1) to the server at path, write
 * the answer text to out as it arrives (flushed per frame), and return the
 * server's status (0/1/2). Errors, negative, with a one-line message in err:
 *   -ENOENT, -ECONNREFUSED  nobody is listening on path
 *   -EACCES                 not allowed to connect (the socket is root's)
 *   -ETIMEDOUT              no word from the server for WS_CTL_CLIENT_TIMEOUT_MS
 *   -EPROTO                 a malformed or cut-short answer
 *   -EPIPE, -EIO            writing to out failed (e.g. a closed pipe: errno
 *                           of the failed write); part of the answer was written
 *   -EINVAL, -E2BIG, -ENAMETOOLONG, others from socket/connect */
int ws_ctl_request(const char *path, int argc, char **argv, FILE *out, char *err, size_t errlen);

#endif /* WS_CTL_CTL_H */
