/* messages.c — the lab's messages to the UI: a ring of lab_msg under the lab's mutex, and
 * a non-blocking self-pipe with one byte per message that the UI polls beside its input.
 * lab_post and lab_say are called on the trainer thread (and the PH worker's results are
 * posted from there too), lab_notify on any; lab_next_msg and lab_wake_fd on the UI
 * thread. A tap (lab_set_tap: the socket server of --listen) gets a copy of each. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/util.h"
#include "internal.h"

int lab_msgs_open(lab *L, char *err)
{
	if (pipe(L->pipe) < 0)
		return gg_fail(err, "pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(L->pipe[i], F_SETFL, fcntl(L->pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(L->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

void lab_msgs_close(lab *L)
{
	free(L->msgs);
	L->msgs = NULL;
	L->msg_n = L->msg_cap = L->msg_head = 0;
	close(L->pipe[0]);
	close(L->pipe[1]);
}

static void post(lab *L, const lab_msg *m)
{
	pthread_mutex_lock(&L->mu);
	if (L->msg_n == L->msg_cap) {
		/* grow the ring, unrolling it so msg_head is 0 */
		int cap = L->msg_cap ? 2 * L->msg_cap : 64;
		lab_msg *nm = gg_xmalloc((size_t)cap * sizeof *nm);
		for (int i = 0; i < L->msg_n; i++)
			nm[i] = L->msgs[(L->msg_head + i) % L->msg_cap];
		free(L->msgs);
		L->msgs = nm;
		L->msg_cap = cap;
		L->msg_head = 0;
	}
	L->msgs[(L->msg_head + L->msg_n) % L->msg_cap] = *m;
	L->msg_n++;
	if (L->tap)
		L->tap(L->tap_arg, &L->msgs[(L->msg_head + L->msg_n - 1) % L->msg_cap]);
	pthread_mutex_unlock(&L->mu);
	/* The pipe is non-blocking: if it is full the reader is already due to wake. */
	char b = 1;
	ssize_t w = write(L->pipe[1], &b, 1);
	(void)w;
}

void lab_post(lab *L, lab_msg_kind kind, int rid, long step, const char *fmt, ...)
{
	lab_msg m = { .kind = kind, .run = rid, .step = step };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof m.text, fmt, ap);
	va_end(ap);
	post(L, &m);
}

void lab_say(lab *L, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	run *r = lab_current(L);
	lab_post(L, LAB_MSG_INFO, r ? r->sid : -1, r ? r->step : 0, "%s", buf);
}

void lab_write_failed(lab *L, const char *path, const char *what, int errnum)
{
	char msg[GG_ERRLEN];
	snprintf(msg, sizeof msg, "%s: %s failed: %s", path, what, strerror(errnum ? errnum : EIO));
	if (!L->write_err[0])
		snprintf(L->write_err, sizeof L->write_err, "%s", msg);
	run *r = lab_current(L);
	lab_post(L, LAB_MSG_ERROR, r ? r->sid : -1, r ? r->step : 0, "%s", msg);
}

int lab_next_msg(lab *L, lab_msg *m)
{
	char buf[64];
	while (read(L->pipe[0], buf, sizeof buf) > 0)
		;
	int got = 0;
	pthread_mutex_lock(&L->mu);
	if (L->msg_n > 0) {
		*m = L->msgs[L->msg_head];
		L->msg_head = (L->msg_head + 1) % L->msg_cap;
		L->msg_n--;
		got = 1;
	}
	pthread_mutex_unlock(&L->mu);
	return got;
}

void lab_notify(lab *L, lab_msg_kind kind, int viewer, const char *text)
{
	lab_msg m = { .kind = kind, .run = -1, .viewer = viewer };
	snprintf(m.text, sizeof m.text, "%s", text);
	post(L, &m);
}

void lab_set_tap(lab *L, void (*fn)(void *arg, const lab_msg *m), void *arg)
{
	pthread_mutex_lock(&L->mu);
	L->tap = fn;
	L->tap_arg = arg;
	pthread_mutex_unlock(&L->mu);
}

int lab_wake_fd(lab *L)
{
	return L->pipe[0];
}
