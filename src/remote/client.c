/* client.c — gglab attach: one connection to a lab's socket, and the screen's view of that
 * lab (ui_lab). The lab's store is mirrored into a local series store, which the ordinary
 * screen draws from; its messages go to the screen's event log; command lines go to the
 * lab as canonical text. Everything runs on the UI thread: the socket is the screen's wake
 * descriptor, and taking the next message reads and decodes what has arrived.
 *
 * The end (the lab ended, it closed the connection, bad data) becomes an info line and a
 * quit for the screen; remote_client_ended says why. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gglab/cmd.h"
#include "internal.h"

#define HELLO_WAIT_MS 3000
#define QUEUE_MAX 1024

struct remote_client {
	int fd;
	char path[REMOTE_PATH_MAX];
	series_store *S;
	unsigned char *in;
	size_t in_n;
	int viewer;
	long pid;
	char what[1024];
	char ended[512];
	lab_msg *q;       /* messages decoded, not yet taken */
	int qhead, qn;
	int said_end;     /* the end went to the screen */
};

/* Only called with room: decode() stops at a full queue. */
static void push(remote_client *c, const lab_msg *m)
{
	c->q[(c->qhead + c->qn) % QUEUE_MAX] = *m;
	c->qn++;
}

static void end(remote_client *c, const char *why)
{
	if (!c->ended[0])
		snprintf(c->ended, sizeof c->ended, "%.500s", why);
}

/* Decodes the whole frames received while the message queue has room (the rest wait in
 * c->in and the socket); 0, or -1 when the connection is to end. */
static int decode(remote_client *c)
{
	size_t off = 0;
	int rc = 0;
	remote_note *note = gg_xmalloc(sizeof *note);
	while (!rc && c->qn < QUEUE_MAX) {
		int type;
		const unsigned char *body;
		size_t len, used;
		char err[GG_ERRLEN], why[GG_ERRLEN + 64];
		int got = remote_frame(c->in + off, c->in_n - off, REMOTE_MAX_MSG, &type, &body, &len, &used, err);
		if (got == 0)
			break;
		if (got > 0 && !c->pid && type != REMOTE_HELLO) {
			end(c, "it did not begin with a gglab hello");
			rc = -1;
			break;
		}
		if (got < 0 || remote_decode(c->S, type, body, len, note, err) < 0) {
			snprintf(why, sizeof why, "the lab sent bad data (%s)", err);
			end(c, why);
			rc = -1;
			break;
		}
		off += used;
		if (note->type == REMOTE_MSG) {
			/* our own command's echo was shown when it was typed */
			if (!(note->msg.kind == LAB_MSG_ECHO && note->msg.viewer == c->viewer))
				push(c, &note->msg);
		} else if (note->type == REMOTE_BYE) {
			end(c, note->text);
			rc = -1;
		} else if (note->type == REMOTE_HELLO && !c->pid) {
			c->pid = note->pid;
			c->viewer = note->viewer;
			snprintf(c->what, sizeof c->what, "%s", note->text);
			if (note->version != REMOTE_VERSION) {
				snprintf(why, sizeof why, "the lab speaks attach protocol version %d, this gglab %d: "
					 "attach with the lab's gglab", note->version, REMOTE_VERSION);
				end(c, why);
				rc = -1;
			}
		}
	}
	free(note);
	memmove(c->in, c->in + off, c->in_n - off);
	c->in_n -= off;
	return rc;
}

/* Reads what has arrived (without waiting) and decodes it; -1 when the connection ended.
 * With the screen's queue full it stops reading: the lab's messages wait in the socket,
 * and past what its buffer holds the lab counts those this viewer missed and says so. */
static int pump(remote_client *c)
{
	if (c->ended[0])
		return -1;
	for (;;) {
		if (decode(c) < 0)
			return -1;
		if (c->qn == QUEUE_MAX)
			return 0;
		ssize_t r = recv(c->fd, c->in + c->in_n, REMOTE_MAX_MSG + 4 - c->in_n, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0) {
			end(c, r == 0 ? "the lab closed the connection" : strerror(errno));
			return -1;
		}
		c->in_n += (size_t)r;
	}
}

remote_client *remote_connect(const char *path, char *err)
{
	int fd = remote_dial(path, err);
	if (fd < 0)
		return NULL;
	remote_client *c = gg_xcalloc(1, sizeof *c);
	c->fd = fd;
	snprintf(c->path, sizeof c->path, "%s", path);
	c->S = series_new();
	c->in = gg_xmalloc(REMOTE_MAX_MSG + 4);
	c->q = gg_xmalloc(QUEUE_MAX * sizeof *c->q);
	gg_buf b = { 0 };
	remote_put_hello(&b, (long)getpid(), 0, "gglab attach");
	int sent = remote_send_all(fd, b.p, b.n);
	gg_buf_free(&b);
	/* the lab's hello first: anything else is not a gglab lab of this version */
	double t0 = gg_now();
	while (sent == 0 && !c->pid && !c->ended[0]) {
		int left = HELLO_WAIT_MS - (int)((gg_now() - t0) * 1000);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) == 0) {
			end(c, "no gglab hello came in 3 s");
			break;
		}
		pump(c);
	}
	if (sent < 0 || !c->pid || c->ended[0]) {
		gg_fail(err, "%s: not a gglab lab (or not one of this version): %s", path,
			sent < 0 ? strerror(errno) : c->ended[0] ? c->ended : "no hello");
		remote_client_free(c);
		return NULL;
	}
	return c;
}

static series_store *cl_series(void *self)
{
	return ((remote_client *)self)->S;
}

static void send_frame(remote_client *c, gg_buf *b)
{
	if (!c->ended[0] && remote_send_all(c->fd, b->p, b->n) < 0)
		end(c, "the connection to the lab broke");
	gg_buf_free(b);
}

/* The lab's part of a typed line, as one line of canonical text: applied together. */
static void cl_submit(void *self, cmd_list *cmds, int script)
{
	(void)script;
	remote_client *c = self;
	gg_buf line = { 0 };
	for (int i = 0; i < cmds->n; i++) {
		char *t = cmd_print(&cmds->calls[i]);
		if (i)
			gg_buf_put(&line, "; ", 2);
		gg_buf_put(&line, t, strlen(t));
		free(t);
	}
	gg_buf_put(&line, "", 1);
	gg_buf b = { 0 };
	remote_put_text(&b, REMOTE_CMD, (char *)line.p);
	gg_buf_free(&line);
	send_frame(c, &b);
	for (int i = 0; i < cmds->n; i++)
		cmd_call_free(&cmds->calls[i]);
	free(cmds->calls);
	memset(cmds, 0, sizeof *cmds);
}

static int cl_wake_fd(void *self)
{
	return ((remote_client *)self)->fd;
}

static int cl_next_msg(void *self, lab_msg *m)
{
	remote_client *c = self;
	if (!c->qn)
		pump(c);
	if (c->qn) {
		*m = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % QUEUE_MAX;
		c->qn--;
		if (m->kind == LAB_MSG_QUIT)
			end(c, "the lab ended (quit)");
		return 1;
	}
	if (c->ended[0] && !c->said_end) { /* said, then the screen leaves */
		c->said_end = 1;
		m->kind = LAB_MSG_INFO;
		m->run = -1;
		m->step = 0;
		snprintf(m->text, sizeof m->text, "%.390s", c->ended);
		push(c, &(lab_msg){ .kind = LAB_MSG_QUIT, .run = -1 });
		return 1;
	}
	return 0;
}

static void cl_stop(void *self)
{
	gg_buf b = { 0 };
	remote_put_stop(&b);
	send_frame(self, &b);
}

ui_lab remote_client_lab(remote_client *c)
{
	return (ui_lab){ .self = c, .series = cl_series, .submit = cl_submit, .wake_fd = cl_wake_fd,
			 .next_msg = cl_next_msg, .stop = cl_stop, .viewer = c->viewer };
}

const char *remote_client_what(const remote_client *c)
{
	return c->what;
}

int remote_client_viewer(const remote_client *c)
{
	return c->viewer;
}

const char *remote_client_ended(const remote_client *c)
{
	return c->ended;
}

void remote_client_free(remote_client *c)
{
	if (!c)
		return;
	close(c->fd);
	series_free(c->S);
	free(c->in);
	free(c->q);
	free(c);
}
