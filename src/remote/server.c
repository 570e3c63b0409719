/* server.c — --listen: a thread beside the lab that serves its viewers (remote.h).
 *
 * One thread, one poll: the listening socket, a wake pipe, every viewer. A new connection
 * is let in only from the lab's own user (SO_PEERCRED) and greeted with a hello; once its
 * hello has come back, the viewer is sent the store's increments (sync.c) at most ten
 * times a second and only while little of what it was sent is still unread, so a slow
 * viewer costs a bounded buffer, never a backlog. The lab's messages reach the thread
 * through the lab's tap (lab_set_tap), copied under a lock into a bounded list; a viewer
 * too far behind for them is told how many it missed. Command lines from a viewer are
 * echoed to everyone (lab_notify), parsed as the prompt's and handed to lab_submit, so the
 * trainer applies and journals them like the lab's own. Sockets are non-blocking and sent
 * to with MSG_NOSIGNAL: a viewer that stops reading or dies mid-message costs nothing.
 * Bad input closes that viewer's connection with the reason in the lab's messages.
 *
 * Threads: this thread owns the viewers; `mu` guards the pending messages and stop, which
 * the tap (on any thread posting a message) and remote_close touch. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gglab/cmd.h"
#include "internal.h"

#define MAX_VIEWERS 32
#define MAX_PENDING 4096        /* lab messages waiting for the thread */
#define OUT_FULL (4u << 20)     /* a viewer with this much unsent gets no more messages */
#define OUT_LOW (256u << 10)    /* increments only while less than this is unsent */
#define SYNC_BUDGET (512u << 10)
#define SYNC_PERIOD 0.1

typedef struct {
	int fd, id;
	long pid;
	gg_buf out;            /* frames to send, from out_off on */
	size_t out_off;
	unsigned char *in;     /* [REMOTE_MAX_MSG + 4] bytes received, in_n of them */
	size_t in_n;
	int hello;             /* its hello came */
	double since;          /* connected (until its hello), or began a half message */
	remote_sync sync;
	long lost;             /* messages it missed while too far behind */
	char *drop;            /* set: close it, with this reason in the lab's log */
} viewer;

struct remote_server {
	char path[REMOTE_PATH_MAX];
	char note[REMOTE_PATH_MAX + 32]; /* DIR/PID.where for a path of its own, or "" */
	dev_t dev;
	ino_t ino;
	int lfd;
	lab *L;
	series_store *S;
	char what[600];
	pthread_t thread;
	int started;
	int wake[2];

	pthread_mutex_t mu;
	lab_msg *pend;
	int npend;
	long pend_lost;
	int stop;

	viewer *v[MAX_VIEWERS]; /* this thread only */
	int nv, next_id;
	double last_sync;
};

remote_server *remote_listen(const char *path, char *err)
{
	remote_server *s = gg_xcalloc(1, sizeof *s);
	s->lfd = s->wake[0] = s->wake[1] = -1;
	snprintf(s->path, sizeof s->path, "%s", path);
	if ((s->lfd = remote_bind(path, &s->dev, &s->ino, err)) < 0) {
		free(s);
		return NULL;
	}
	char def[REMOTE_PATH_MAX], e2[GG_ERRLEN];
	if (remote_default_path(def, sizeof def, e2) < 0 || strcmp(def, path) != 0)
		remote_note_path(path, s->note, sizeof s->note); /* (only a convenience) */
	if (pipe(s->wake) < 0) {
		gg_fail(err, "pipe: %s", strerror(errno));
		s->wake[0] = s->wake[1] = -1;
		remote_close(s);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(s->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&s->mu, NULL);
	s->pend = gg_xmalloc(MAX_PENDING * sizeof *s->pend);
	return s;
}

const char *remote_server_path(const remote_server *s)
{
	return s->path;
}

/* ---- the lab's messages ------------------------------------------------------------------- */

static void poke(remote_server *s)
{
	ssize_t w = write(s->wake[1], "", 1); /* full: the thread is due to wake anyway */
	(void)w;
}

/* lab_set_tap's function: the lab's lock is held; copy and go. */
static void tap(void *arg, const lab_msg *m)
{
	remote_server *s = arg;
	if (m->kind == LAB_MSG_PROGRESS || m->kind == LAB_MSG_UICMD)
		return; /* the series show progress; a script's screen commands are the lab's screen's */
	pthread_mutex_lock(&s->mu);
	if (s->npend < MAX_PENDING)
		s->pend[s->npend++] = *m;
	else
		s->pend_lost++;
	pthread_mutex_unlock(&s->mu);
	poke(s);
}

/* A message for the lab's log (and so, through the tap, every viewer's). */
static void say(remote_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(remote_server *s, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	lab_notify(s->L, LAB_MSG_INFO, 0, text);
}

static size_t unsent(const viewer *v)
{
	return v->out.n - v->out_off;
}

static void to_viewer(viewer *v, const lab_msg *m)
{
	if (unsent(v) >= OUT_FULL) {
		v->lost++;
		return;
	}
	if (v->lost) {
		lab_msg note = { .kind = LAB_MSG_INFO, .run = -1 };
		snprintf(note.text, sizeof note.text, "%ld of the lab's messages were not sent here: this "
			 "viewer fell behind", v->lost);
		remote_put_msg(&v->out, &note);
		v->lost = 0;
	}
	remote_put_msg(&v->out, m);
}

static void deliver(remote_server *s)
{
	lab_msg *m = NULL;
	int n = 0;
	long lost;
	pthread_mutex_lock(&s->mu);
	if (s->npend) {
		n = s->npend;
		m = gg_xmalloc((size_t)n * sizeof *m);
		memcpy(m, s->pend, (size_t)n * sizeof *m);
		s->npend = 0;
	}
	lost = s->pend_lost;
	s->pend_lost = 0;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->nv; i++) {
		viewer *v = s->v[i];
		if (!v->hello || v->drop)
			continue;
		v->lost += lost;
		for (int k = 0; k < n; k++)
			to_viewer(v, &m[k]);
	}
	free(m);
}

/* ---- viewers ------------------------------------------------------------------------------ */

static void drop(viewer *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void drop(viewer *v, const char *fmt, ...)
{
	if (v->drop)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&v->drop, fmt, ap) < 0)
		v->drop = gg_xstrdup("closed");
	va_end(ap);
}

static void flush(viewer *v)
{
	while (unsent(v) && !v->drop) {
		ssize_t w = send(v->fd, v->out.p + v->out_off, unsent(v), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			drop(v, "its connection broke (%s)", strerror(errno));
			break;
		}
		v->out_off += (size_t)w;
	}
	if (!unsent(v))
		v->out.n = v->out_off = 0;
}

static void viewer_free(viewer *v)
{
	close(v->fd);
	gg_buf_free(&v->out);
	remote_sync_free(&v->sync);
	free(v->in);
	free(v->drop);
	free(v);
}

static void close_viewer(remote_server *s, int i)
{
	viewer *v = s->v[i];
	if (v->drop && strcmp(v->drop, "detached") != 0) {
		/* a last word, if it still reads: why */
		v->out.n = v->out_off = 0;
		remote_put_text(&v->out, REMOTE_BYE, v->drop);
		ssize_t w = send(v->fd, v->out.p, v->out.n, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
	}
	say(s, "viewer %d (pid %ld) %s%s", v->id, v->pid,
	    !strcmp(v->drop, "detached") ? "" : "was disconnected: ", v->drop);
	viewer_free(v);
	s->v[i] = s->v[--s->nv];
}

static void accept_viewers(remote_server *s, double now)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uid_t uid;
		pid_t pid;
		if (remote_peer_uid(fd, &uid, &pid) < 0 || uid != geteuid()) {
			say(s, "refused a viewer of uid %lu (pid %ld): only uid %lu may attach",
			    (unsigned long)uid, (long)pid, (unsigned long)geteuid());
			close(fd);
			continue;
		}
		if (s->nv == MAX_VIEWERS) {
			gg_buf b = { 0 };
			remote_put_text(&b, REMOTE_BYE, "the lab has as many viewers as it takes (32)");
			ssize_t w = send(fd, b.p, b.n, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)w;
			gg_buf_free(&b);
			close(fd);
			continue;
		}
		viewer *v = gg_xcalloc(1, sizeof *v);
		v->fd = fd;
		v->id = ++s->next_id;
		v->pid = pid;
		v->since = now;
		v->in = gg_xmalloc(REMOTE_MAX_MSG + 4);
		remote_sync_init(&v->sync);
		remote_put_hello(&v->out, (long)getpid(), v->id, s->what);
		s->v[s->nv++] = v;
	}
}

static void report_error(void *arg, const char *msg)
{
	viewer *v = arg;
	lab_msg m = { .kind = LAB_MSG_ERROR, .run = -1 };
	snprintf(m.text, sizeof m.text, "%s", msg);
	remote_put_msg(&v->out, &m);
}

/* A line of commands from a viewer: said to everyone, then the lab's part submitted. */
static void viewer_cmd(remote_server *s, viewer *v, const char *text)
{
	char echo[400];
	snprintf(echo, sizeof echo, "viewer %d> %.370s", v->id, text);
	lab_notify(s->L, LAB_MSG_ECHO, v->id, echo);
	cmd_list l = { 0 };
	if (cmd_parse_line(text, NULL, &l, report_error, v) > 0) {
		cmd_list_free(&l);
		return;
	}
	cmd_list part = { 0 };
	for (int i = 0; i < l.n; i++) {
		if (CMD_FLAGS(&l.calls[i]) & CMD_UI) {
			lab_msg m = { .kind = LAB_MSG_ERROR, .run = -1 };
			snprintf(m.text, sizeof m.text, "%s is a screen command: the viewer runs it itself",
				 l.calls[i].entry->name);
			remote_put_msg(&v->out, &m);
			continue;
		}
		if (part.n == part.cap) {
			part.cap = part.cap ? 2 * part.cap : 4;
			part.calls = gg_xrealloc(part.calls, (size_t)part.cap * sizeof *part.calls);
		}
		cmd_call_copy(&part.calls[part.n], &l.calls[i]);
		part.calls[part.n++].viewer = v->id;
	}
	if (part.n)
		lab_submit(s->L, &part, 0);
	cmd_list_free(&part);
	cmd_list_free(&l);
}

static void viewer_frame(remote_server *s, viewer *v, int type, const unsigned char *body, size_t len)
{
	remote_note *note = gg_xmalloc(sizeof *note);
	char err[GG_ERRLEN];
	if (remote_decode(NULL, type, body, len, note, err) < 0) {
		drop(v, "%s", err);
	} else if (!v->hello && note->type != REMOTE_HELLO) {
		drop(v, "it did not begin with a gglab hello (message type %d)", type);
	} else if (note->type == REMOTE_HELLO) {
		if (v->hello)
			drop(v, "it said hello twice");
		else if (note->version != REMOTE_VERSION)
			drop(v, "it speaks attach protocol version %d, this lab %d: attach with the same "
				"gglab version", note->version, REMOTE_VERSION);
		else {
			v->hello = 1;
			say(s, "viewer %d attached (pid %ld)", v->id, v->pid);
		}
	} else if (note->type == REMOTE_CMD) {
		viewer_cmd(s, v, note->text);
	} else if (note->type == REMOTE_STOP) {
		say(s, "viewer %d (pid %ld) stopped the lab", v->id, v->pid);
		lab_notify(s->L, LAB_MSG_QUIT, 0, "quit");
	}
	free(note);
}

static void read_viewer(remote_server *s, viewer *v, double now)
{
	for (;;) {
		ssize_t r = recv(v->fd, v->in + v->in_n, REMOTE_MAX_MSG + 4 - v->in_n, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			drop(v, r == 0 ? (v->in_n ? "it closed the connection in the middle of a message"
						  : "detached")
				       : "its connection broke");
			return;
		}
		if (!v->in_n)
			v->since = v->hello ? now : v->since;
		v->in_n += (size_t)r;
		size_t off = 0;
		for (;;) {
			int type;
			const unsigned char *body;
			size_t len, used;
			char err[GG_ERRLEN];
			int got = remote_frame(v->in + off, v->in_n - off, REMOTE_MAX_MSG, &type, &body, &len,
					       &used, err);
			if (got < 0) {
				drop(v, "it sent %s", err);
				return;
			}
			if (got == 0)
				break;
			viewer_frame(s, v, type, body, len);
			off += used;
			if (v->drop)
				return;
		}
		memmove(v->in, v->in + off, v->in_n - off);
		v->in_n -= off;
		if (v->in_n && off)
			v->since = now; /* the next message began */
	}
}

/* ---- the thread --------------------------------------------------------------------------- */

static void tick(remote_server *s, double now)
{
	int due = now - s->last_sync >= SYNC_PERIOD;
	if (due)
		s->last_sync = now;
	for (int i = 0; i < s->nv; i++) {
		viewer *v = s->v[i];
		if (!v->drop && (!v->hello || v->in_n) && now - v->since > REMOTE_STALL_S) {
			if (!v->hello)
				drop(v, "it sent no gglab hello in %d s", REMOTE_STALL_S);
			else
				drop(v, "it sent %zu bytes of a message, then nothing for %d s", v->in_n,
				     REMOTE_STALL_S);
		}
		if (due && v->hello && !v->drop && unsent(v) < OUT_LOW)
			remote_sync_step(&v->sync, s->S, &v->out, SYNC_BUDGET);
		flush(v);
	}
	for (int i = s->nv; i-- > 0;)
		if (s->v[i]->drop)
			close_viewer(s, i);
}

static void *serve(void *arg)
{
	remote_server *s = arg;
	struct pollfd *p = gg_xmalloc((MAX_VIEWERS + 2) * sizeof *p);
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		double now = gg_now();
		deliver(s);
		tick(s, now);
		p[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		for (int i = 0; i < s->nv; i++)
			p[2 + i] = (struct pollfd){ .fd = s->v[i]->fd,
						    .events = POLLIN | (unsent(s->v[i]) ? POLLOUT : 0) };
		int nv = s->nv;
		/* viewers: the next sync (or a stall's deadline); none: sleep until one comes */
		int timeout = nv ? (int)(SYNC_PERIOD * 1000) : -1;
		if (poll(p, (nfds_t)(2 + nv), timeout) < 0 && errno != EINTR)
			break;
		now = gg_now();
		char drain[64];
		while (read(s->wake[0], drain, sizeof drain) > 0)
			;
		for (int i = 0; i < nv; i++)
			if (p[2 + i].revents & (POLLIN | POLLHUP | POLLERR))
				read_viewer(s, s->v[i], now);
		if (p[0].revents & POLLIN)
			accept_viewers(s, now);
	}
	free(p);
	deliver(s); /* the lab's last words, then goodbye */
	for (int i = 0; i < s->nv; i++) {
		viewer *v = s->v[i];
		if (v->hello)
			remote_put_text(&v->out, REMOTE_BYE, "the lab ended");
		flush(v);
		viewer_free(v);
	}
	s->nv = 0;
	return NULL;
}

int remote_start(remote_server *s, lab *L, const char *what, char *err)
{
	s->L = L;
	s->S = lab_series(L);
	snprintf(s->what, sizeof s->what, "%s", what);
	lab_set_tap(L, tap, s);
	if (pthread_create(&s->thread, NULL, serve, s) != 0) {
		lab_set_tap(L, NULL, NULL);
		return gg_fail(err, "cannot start the socket's thread");
	}
	s->started = 1;
	return 0;
}

void remote_close(remote_server *s)
{
	if (!s)
		return;
	if (s->started) {
		lab_set_tap(s->L, NULL, NULL);
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_mutex_unlock(&s->mu);
		poke(s);
		pthread_join(s->thread, NULL);
	}
	if (s->lfd >= 0) {
		close(s->lfd);
		struct stat st; /* removed only while it is still the one we made */
		if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	if (s->note[0])
		unlink(s->note);
	for (int i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
	if (s->pend)
		pthread_mutex_destroy(&s->mu);
	free(s->pend);
	free(s);
}
