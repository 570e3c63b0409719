/* test_remote.c — the attach protocol without sockets (src/remote/proto.c, sync.c): a
 * store's increments, decoded into a mirror, leave the mirror equal to the store after
 * appends, late values (series_update), rollbacks (series_truncate), a fork's copy, new
 * columns and runs, status, the current run and a decision boundary; a small budget only
 * spreads the same over more steps; frames are split from a byte stream at any cut; and
 * malformed frames are refused with a reason, changing nothing they should not; and a
 * viewer (client.c) handed far more of the lab's messages at once than its queue holds
 * gets every one, in order. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/remote/internal.h" /* the store-data writers */
#include "test.h"

/* Every frame of buf into the mirror; returns the number that failed. */
static int apply(series_store *M, gg_buf *buf)
{
	size_t off = 0;
	int bad = 0;
	remote_note note;
	char err[GG_ERRLEN];
	for (;;) {
		int type;
		const unsigned char *body;
		size_t len, used;
		int got = remote_frame(buf->p + off, buf->n - off, REMOTE_MAX_MSG, &type, &body, &len, &used, err);
		if (got <= 0) {
			bad += got < 0;
			break;
		}
		if (remote_decode(M, type, body, len, &note, err) < 0) {
			fprintf(stderr, "decode: %s\n", err);
			bad++;
		}
		off += used;
	}
	CHECK(off == buf->n, "every byte belongs to a whole frame (%zu of %zu)", off, buf->n);
	buf->n = 0;
	return bad;
}

/* Whether the mirror holds what the store holds. */
static int same(series_store *S, series_store *M)
{
	if (series_nruns(S) != series_nruns(M) || series_ncols(S) != series_ncols(M) ||
	    series_current(S) != series_current(M))
		return 0;
	for (int c = 0; c < series_ncols(S); c++) {
		char a[48], b[48];
		series_colname(S, c, a, sizeof a);
		series_colname(M, c, b, sizeof b);
		if (strcmp(a, b))
			return 0;
	}
	for (int r = 0; r < series_nruns(S); r++) {
		size_t n = series_nrows(S, r);
		if (n != series_nrows(M, r) || series_nevents(S, r) != series_nevents(M, r))
			return 0;
		long *s1 = calloc(n + 1, sizeof *s1), *s2 = calloc(n + 1, sizeof *s2);
		double *v1 = calloc(n + 1, sizeof *v1), *v2 = calloc(n + 1, sizeof *v2);
		int ok = 1;
		for (int c = 0; c < series_ncols(S) && ok; c++) {
			series_read(S, r, c, 0, n, s1, v1);
			series_read(M, r, c, 0, n, s2, v2);
			for (size_t i = 0; i < n && ok; i++)
				ok = s1[i] == s2[i] && (v1[i] == v2[i] || (isnan(v1[i]) && isnan(v2[i])));
		}
		free(s1), free(s2), free(v1), free(v2);
		size_t ne = series_nevents(S, r);
		series_event *e1 = calloc(ne + 1, sizeof *e1), *e2 = calloc(ne + 1, sizeof *e2);
		series_read_events(S, r, 0, ne, e1);
		series_read_events(M, r, 0, ne, e2);
		for (size_t i = 0; i < ne && ok; i++)
			ok = e1[i].step == e2[i].step && e1[i].kind == e2[i].kind && !strcmp(e1[i].text, e2[i].text);
		free(e1), free(e2);
		series_status a, b;
		series_get_status(S, r, &a);
		series_get_status(M, r, &b);
		ok = ok && !strcmp(a.name, b.name) && !strcmp(a.model, b.model) && a.step == b.step &&
		     a.state == b.state && a.lr == b.lr && a.goal == b.goal && a.bs == b.bs;
		series_grid *g1 = calloc(1, sizeof *g1), *g2 = calloc(1, sizeof *g2);
		int h1 = series_get_grid(S, r, g1), h2 = series_get_grid(M, r, g2);
		ok = ok && h1 == h2 && (h1 < 0 || (g1->w == g2->w && g1->step == g2->step &&
						   !memcmp(g1->cls, g2->cls, (size_t)g1->w * g1->h) &&
						   g1->npoints == g2->npoints && g1->px[3] == g2->px[3]));
		free(g1), free(g2);
		if (!ok)
			return 0;
	}
	return 1;
}

/* Syncs until all is out (budget per step); returns the steps it took. */
static int sync_all(remote_sync *st, series_store *S, series_store *M, size_t budget)
{
	gg_buf b = { 0 };
	int steps = 0, done = 0;
	while (!done && steps < 100000) {
		done = remote_sync_step(st, S, &b, budget);
		CHECK(apply(M, &b) == 0, "the increments decode");
		steps++;
	}
	gg_buf_free(&b);
	return steps;
}

static void add_rows(series_store *S, int r, long from, int n)
{
	int nc = series_ncols(S);
	double *v = calloc((size_t)nc, sizeof *v);
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < nc; c++)
			v[c] = c == 1 && i % 3 ? NAN : (double)(from + i) * 0.5 + c;
		series_append(S, r, from + i, v, nc);
	}
	free(v);
}

static void test_mirror(size_t budget)
{
	series_store *S = series_new(), *M = series_new();
	remote_sync st;
	remote_sync_init(&st);
	series_col(S, "epoch");
	series_col(S, "test_loss");
	int r1 = series_add_run(S, "r1");
	series_status s = { .state = RUN_RUNNING, .step = 10, .lr = 0.1, .bs = 32, .goal = -1 };
	snprintf(s.name, sizeof s.name, "r1");
	snprintf(s.model, sizeof s.model, "mlp 2-32x2-2");
	series_set_status(S, r1, &s);
	series_set_current(S, r1);
	add_rows(S, r1, 0, 5000);
	series_mark(S, r1, 100, SERIES_EV_SET, "lr 0.1→0.2 @ step %d", 100);
	sync_all(&st, S, M, budget);
	CHECK(same(S, M), "the first snapshot (budget %zu)", budget);

	add_rows(S, r1, 5000, 10); /* appends */
	series_col(S, "phdim");     /* a new column */
	add_rows(S, r1, 5010, 3);
	series_update(S, r1, 2000, 2, 1.25); /* a late value, far back */
	sync_all(&st, S, M, budget);
	CHECK(same(S, M), "appends, a new column, a late value");

	series_truncate(S, r1, 4000); /* a rollback, then new rows past it */
	add_rows(S, r1, 4001, 2000);
	series_mark(S, r1, 4500, SERIES_EV_INFO, "after the rollback");
	int r2 = series_add_run(S, "r1.f1");
	series_copy_run(S, r1, r2); /* a fork */
	s.step = 6000;
	s.state = RUN_PAUSED;
	series_set_status(S, r1, &s);
	series_set_current(S, r2);
	series_grid *g = calloc(1, sizeof *g);
	g->w = g->h = 20;
	g->npoints = 7;
	g->px[3] = 0.25f;
	g->cls[17] = 1;
	g->step = 6000;
	series_set_grid(S, r2, g);
	int steps = sync_all(&st, S, M, budget);
	CHECK(same(S, M), "a rollback, a fork, status, current run, a grid (%d steps)", steps);
	/* nothing changed: nothing sent */
	gg_buf b = { 0 };
	remote_sync_step(&st, S, &b, budget);
	CHECK(b.n == 0, "an unchanged store sends nothing (%zu bytes)", b.n);
	/* many late values: more than the change ring keeps, all of them still arrive */
	for (int i = 0; i < 40; i++)
		series_update(S, r1, 100 + 50 * i, 1, -i);
	sync_all(&st, S, M, budget);
	CHECK(same(S, M), "40 late values");
	gg_buf_free(&b);
	free(g);
	remote_sync_free(&st);
	series_free(S);
	series_free(M);
}

/* A stream cut anywhere: frames come out whole, the same. */
static void test_split(void)
{
	gg_buf b = { 0 };
	remote_put_hello(&b, 1234, 2, "pid 1234: gglab --batch x.gg");
	lab_msg m = { .kind = LAB_MSG_ECHO, .run = 2, .step = 7 };
	snprintf(m.text, sizeof m.text, "viewer 2> set lr 0.05");
	remote_put_msg(&b, &m);
	remote_put_text(&b, REMOTE_CMD, "train 100");
	int cuts_ok = 1;
	for (size_t cut = 0; cut <= b.n; cut++) {
		unsigned char *buf = malloc(b.n);
		size_t have = 0, off = 0;
		int n = 0;
		for (int part = 0; part < 2; part++) {
			size_t upto = part ? b.n : cut;
			memcpy(buf + have, b.p + have, upto - have);
			have = upto;
			for (;;) {
				int type;
				const unsigned char *body;
				size_t len, used;
				char err[GG_ERRLEN];
				if (remote_frame(buf + off, have - off, REMOTE_MAX_MSG, &type, &body, &len, &used, err) != 1)
					break;
				remote_note note;
				if (remote_decode(NULL, type, body, len, &note, err) < 0)
					cuts_ok = 0;
				if (n == 0)
					cuts_ok &= type == REMOTE_HELLO && note.pid == 1234 && note.viewer == 2 &&
						   note.version == REMOTE_VERSION;
				if (n == 1)
					cuts_ok &= note.msg.kind == LAB_MSG_ECHO && note.msg.run == 2 &&
						   !strcmp(note.msg.text, m.text);
				if (n == 2)
					cuts_ok &= type == REMOTE_CMD && !strcmp(note.text, "train 100");
				off += used;
				n++;
			}
		}
		cuts_ok &= n == 3;
		free(buf);
	}
	CHECK(cuts_ok, "three frames come out whole at every cut of the stream");
	gg_buf_free(&b);
}

static int decode_bytes(series_store *M, const unsigned char *bytes, size_t n, char *err)
{
	int type;
	const unsigned char *body;
	size_t len, used;
	int got = remote_frame(bytes, n, REMOTE_MAX_MSG, &type, &body, &len, &used, err);
	if (got <= 0)
		return got < 0 ? -1 : 0;
	remote_note note;
	return remote_decode(M, type, body, len, &note, err) < 0 ? -1 : 1;
}

static void test_bad(void)
{
	char err[GG_ERRLEN];
	series_store *M = series_new();
	const unsigned char huge[] = { 0xff, 0xff, 0xff, 0xff, REMOTE_CMD };
	CHECK(decode_bytes(M, huge, sizeof huge, err) < 0 && strstr(err, "4294967295 bytes"),
	      "a 4 GiB claim is refused at once: %s", err);
	const unsigned char empty[] = { 0, 0, 0, 0 };
	CHECK(decode_bytes(M, empty, sizeof empty, err) < 0, "a frame without a type");
	const unsigned char half[] = { 100, 0, 0, 0, REMOTE_CMD, 'x' };
	CHECK(decode_bytes(M, half, sizeof half, err) == 0, "half a frame waits for the rest");
	/* rows for a run that does not exist */
	gg_buf b = { 0 };
	remote_put_run(&b, 1, "r2");
	CHECK(decode_bytes(M, b.p, b.n, err) < 0 && strstr(err, "announced"), "a run out of order: %s", err);
	b.n = 0;
	remote_put_run(&b, 0, "r1");
	CHECK(decode_bytes(M, b.p, b.n, err) == 1 && series_nruns(M) == 1, "a run in order");
	b.n = 0;
	long steps[2] = { 1, 2 };
	double c0[2] = { 1, 2 };
	double *vals[1] = { c0 };
	remote_put_rows(&b, 0, 0, 1, 2, steps, vals);
	CHECK(decode_bytes(M, b.p, b.n, err) < 0 && strstr(err, "columns"), "rows of a column never announced: %s", err);
	b.n = 0;
	char names[1][48] = { "loss" };
	remote_put_cols(&b, 0, 1, names);
	CHECK(decode_bytes(M, b.p, b.n, err) == 1, "a column");
	CHECK(decode_bytes(M, b.p, b.n, err) < 0, "the same column again: %s", err);
	b.n = 0;
	remote_put_rows(&b, 0, 0, 1, 2, steps, vals);
	b.p[4 + 1 + 4 + 8 + 4] = 200; /* claims 200 rows */
	CHECK(decode_bytes(M, b.p, b.n, err) < 0 && series_nrows(M, 0) == 0, "rows that do not fill their message: %s", err);
	b.p[4 + 1 + 4 + 8 + 4] = 2;
	CHECK(decode_bytes(M, b.p, b.n, err) == 1 && series_nrows(M, 0) == 2, "rows that do");
	b.n = 0;
	remote_put_text(&b, 99, "from a later version");
	CHECK(decode_bytes(M, b.p, b.n, err) == 1, "an unknown type is skipped");
	b.n = 0;
	remote_put_current(&b, 5);
	CHECK(decode_bytes(M, b.p, b.n, err) < 0, "a current run that does not exist");
	b.n = 0;
	remote_put_cols(&b, 0, 1, names);
	CHECK(decode_bytes(NULL, b.p, b.n, err) < 0 && strstr(err, "sent to the lab"), "store data to the lab: %s", err);
	gg_buf_free(&b);
	series_free(M);
}

/* A fake lab in a child process: its hello, then n INFO messages "m0" … in one write,
 * then goodbye. The viewer takes them all through the screen's interface. */
static void test_flood(int n)
{
	char dir[] = "/tmp/gglab-test-remote-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s/lab.sock", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 1) == 0,
	      "a socket to serve");
	pid_t child = fork();
	if (child == 0) {
		int fd = accept(lfd, NULL, NULL);
		gg_buf b = { 0 };
		remote_put_hello(&b, (long)getpid(), 1, "a fake lab");
		for (int i = 0; i < n; i++) {
			lab_msg m = { .kind = LAB_MSG_INFO, .run = -1 };
			snprintf(m.text, sizeof m.text, "m%d", i);
			remote_put_msg(&b, &m);
		}
		remote_put_text(&b, REMOTE_BYE, "done");
		int ok = remote_send_all(fd, b.p, b.n) == 0;
		char c;
		while (read(fd, &c, 1) > 0) /* until the viewer closes */
			;
		_exit(ok ? 0 : 1);
	}
	char err[GG_ERRLEN];
	remote_client *c = remote_connect(a.sun_path, err);
	CHECK(c != NULL, "the viewer connects: %s", c ? "" : err);
	int got = 0, in_order = 1;
	if (c) {
		ui_lab l = remote_client_lab(c);
		lab_msg m;
		double t0 = gg_now();
		while (gg_now() - t0 < 20) {
			if (!l.next_msg(l.self, &m)) {
				if (remote_client_ended(c)[0])
					break;
				usleep(1000);
				continue;
			}
			if (m.kind != LAB_MSG_INFO || m.text[0] != 'm')
				continue;
			char want[16];
			snprintf(want, sizeof want, "m%d", got);
			in_order &= !strcmp(m.text, want);
			got++;
		}
		remote_client_free(c);
	}
	CHECK(got == n && in_order, "%d messages sent at once, %d taken, %s", n, got,
	      in_order ? "in order" : "NOT in order");
	int st = 0;
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the fake lab sent everything");
	close(lfd);
	unlink(a.sun_path);
	rmdir(dir);
}

int main(void)
{
	test_mirror(SIZE_MAX / 4);
	test_mirror(4096); /* a slow viewer: the same, in more steps */
	test_split();
	test_bad();
	test_flood(5000);
	return test_report();
}
