/* proto.c — the attach protocol's frames (remote.h): writing them, splitting a byte stream
 * into them, and decoding each, store data straight into a viewer's mirror of the lab's
 * series store. Pure code on buffers, no sockets: the fuzz target feeds it (tests/fuzz/
 * fuzz_remote.c). Every length is checked against what is left of the frame before it is
 * used, so a frame that lies about its contents is refused with what was wrong. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char magic[12] = "gglab-attach";

/* ---- writing ---------------------------------------------------------------------------- */

static void put_u8(gg_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	gg_buf_put(b, &c, 1);
}

static void put_u32(gg_buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	gg_buf_put(b, c, 4);
}

static void put_u64(gg_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_f64(gg_buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	put_u64(b, v);
}

static void put_str(gg_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (n > 65535)
		n = 65535;
	put_u8(b, (unsigned)(n & 0xff));
	put_u8(b, (unsigned)(n >> 8));
	gg_buf_put(b, s, n);
}

/* A frame is begun with its type and a length patched by end_frame. */
static size_t begin_frame(gg_buf *b, int type)
{
	size_t at = b->n;
	put_u32(b, 0);
	put_u8(b, (unsigned)type);
	return at;
}

static void end_frame(gg_buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->n - at - 4);
	for (int i = 0; i < 4; i++)
		b->p[at + (size_t)i] = (unsigned char)(len >> (8 * i));
}

void remote_put_hello(gg_buf *out, long pid, int viewer, const char *what)
{
	size_t f = begin_frame(out, REMOTE_HELLO);
	gg_buf_put(out, magic, sizeof magic);
	put_u32(out, REMOTE_VERSION);
	put_u32(out, (uint32_t)pid);
	put_u32(out, (uint32_t)viewer);
	put_str(out, what);
	end_frame(out, f);
}

void remote_put_text(gg_buf *out, int type, const char *text)
{
	size_t f = begin_frame(out, type);
	put_str(out, text);
	end_frame(out, f);
}

void remote_put_stop(gg_buf *out)
{
	end_frame(out, begin_frame(out, REMOTE_STOP));
}

void remote_put_msg(gg_buf *out, const lab_msg *m)
{
	size_t f = begin_frame(out, REMOTE_MSG);
	put_u8(out, (unsigned)m->kind);
	put_u32(out, (uint32_t)m->run);
	put_u64(out, (uint64_t)m->step);
	put_u32(out, (uint32_t)m->viewer);
	put_str(out, m->text);
	end_frame(out, f);
}

void remote_put_cols(gg_buf *out, int first, int n, char (*names)[48])
{
	size_t f = begin_frame(out, REMOTE_COLS);
	put_u32(out, (uint32_t)first);
	put_u32(out, (uint32_t)n);
	for (int i = 0; i < n; i++)
		put_str(out, names[i]);
	end_frame(out, f);
}

void remote_put_run(gg_buf *out, int id, const char *name)
{
	size_t f = begin_frame(out, REMOTE_RUN);
	put_u32(out, (uint32_t)id);
	put_str(out, name);
	end_frame(out, f);
}

/* vals[c][i]: column c of row i */
void remote_put_rows(gg_buf *out, int run, size_t from, int ncols, size_t n, const long *steps,
		     double *const *vals)
{
	size_t f = begin_frame(out, REMOTE_ROWS);
	put_u32(out, (uint32_t)run);
	put_u64(out, from);
	put_u32(out, (uint32_t)ncols);
	put_u32(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		put_u64(out, (uint64_t)steps[i]);
		for (int c = 0; c < ncols; c++)
			put_f64(out, vals[c][i]);
	}
	end_frame(out, f);
}

void remote_put_events(gg_buf *out, int run, size_t from, size_t n, const series_event *ev)
{
	size_t f = begin_frame(out, REMOTE_EVENTS);
	put_u32(out, (uint32_t)run);
	put_u64(out, from);
	put_u32(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		put_u64(out, (uint64_t)ev[i].step);
		put_u32(out, (uint32_t)ev[i].kind);
		put_str(out, ev[i].text);
	}
	end_frame(out, f);
}

void remote_put_status(gg_buf *out, int run, const series_status *st)
{
	size_t f = begin_frame(out, REMOTE_STATUS);
	put_u32(out, (uint32_t)run);
	put_str(out, st->name);
	put_str(out, st->model);
	put_str(out, st->data);
	put_str(out, st->opt);
	put_str(out, st->lr_text);
	put_u32(out, (uint32_t)st->state);
	put_u64(out, (uint64_t)st->step);
	put_f64(out, st->epoch);
	put_f64(out, st->lr);
	put_u32(out, (uint32_t)st->bs);
	put_u32(out, (uint32_t)st->n_eval);
	put_u32(out, (uint32_t)st->n_train);
	put_u32(out, (uint32_t)st->n_test);
	put_f64(out, st->steps_per_s);
	put_u64(out, (uint64_t)st->goal);
	put_u32(out, (uint32_t)st->dropped);
	put_u64(out, (uint64_t)st->fit_from);
	put_u64(out, (uint64_t)st->fit_to);
	put_u32(out, (uint32_t)st->twin_group);
	put_u32(out, (uint32_t)st->agreement);
	end_frame(out, f);
}

void remote_put_current(gg_buf *out, int run)
{
	size_t f = begin_frame(out, REMOTE_CURRENT);
	put_u32(out, (uint32_t)run);
	end_frame(out, f);
}

void remote_put_grid(gg_buf *out, int run, const series_grid *g)
{
	size_t f = begin_frame(out, REMOTE_GRID);
	put_u32(out, (uint32_t)run);
	put_u32(out, (uint32_t)g->w);
	put_u32(out, (uint32_t)g->h);
	put_f64(out, g->x0);
	put_f64(out, g->x1);
	put_f64(out, g->y0);
	put_f64(out, g->y1);
	gg_buf_put(out, g->cls, (size_t)g->w * (size_t)g->h);
	put_u32(out, (uint32_t)g->npoints);
	for (int i = 0; i < g->npoints; i++) {
		put_f64(out, g->px[i]);
		put_f64(out, g->py[i]);
		put_u8(out, g->pcls[i]);
	}
	put_u64(out, (uint64_t)g->step);
	end_frame(out, f);
}

/* ---- reading ---------------------------------------------------------------------------- */

int remote_frame(const unsigned char *buf, size_t n, size_t max, int *type,
		 const unsigned char **body, size_t *len, size_t *used, char *err)
{
	if (n < 4)
		return 0;
	uint32_t l = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
		     (uint32_t)buf[3] << 24;
	if (l < 1 || l > max)
		return gg_fail(err, "a message of %lu bytes (the limit is %zu)", (unsigned long)l, max);
	if (n - 4 < l)
		return 0;
	*type = buf[4];
	*body = buf + 5;
	*len = l - 1;
	*used = 4 + (size_t)l;
	return 1;
}

/* A bounds-checked cursor over one frame's body. */
typedef struct {
	const unsigned char *p;
	size_t n, off;
	int bad;
} rd;

static const unsigned char *take(rd *r, size_t n)
{
	if (r->bad || r->n - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *p = r->p + r->off;
	r->off += n;
	return p;
}

static unsigned get_u8(rd *r)
{
	const unsigned char *p = take(r, 1);
	return p ? p[0] : 0;
}

static uint32_t get_u32(rd *r)
{
	const unsigned char *p = take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		 : 0;
}

static uint64_t get_u64(rd *r)
{
	uint64_t lo = get_u32(r);
	return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(rd *r)
{
	uint64_t v = get_u64(r);
	double d;
	memcpy(&d, &v, 8);
	return d;
}

/* A string into out[len] (cut to fit, NUL-terminated). */
static void get_str(rd *r, char *out, size_t len)
{
	size_t n = get_u8(r);
	n |= (size_t)get_u8(r) << 8;
	const unsigned char *p = take(r, n);
	size_t k = p ? (n < len - 1 ? n : len - 1) : 0;
	if (k)
		memcpy(out, p, k);
	out[k] = 0;
}

/* A count read from the frame, and a check that n items of at least `each` bytes fit in
 * what is left of it (so nothing is allocated for a count that lies). */
static int fits(rd *r, uint64_t n, size_t each)
{
	if (r->bad || (each && n > (r->n - r->off) / each)) {
		r->bad = 1;
		return 0;
	}
	return 1;
}

static int bad_run(series_store *S, uint32_t run, char *err)
{
	if (run >= (uint32_t)series_nruns(S))
		return gg_fail(err, "data for run %lu, which the lab never announced", (unsigned long)run);
	return 0;
}

static int get_cols(series_store *S, rd *r, char *err)
{
	uint32_t first = get_u32(r), n = get_u32(r);
	if (r->bad || first != (uint32_t)series_ncols(S))
		return gg_fail(err, "columns from %lu, but the viewer has %d", (unsigned long)first,
			       series_ncols(S));
	if (!fits(r, n, 2))
		return gg_fail(err, "a column list longer than its message");
	for (uint32_t i = 0; i < n; i++) {
		char name[48];
		get_str(r, name, sizeof name);
		if (r->bad || series_col(S, name) != (int)(first + i))
			return gg_fail(err, "column %lu ('%s') is cut short or named twice",
				       (unsigned long)(first + i), name);
	}
	return 0;
}

static int get_rows(series_store *S, rd *r, char *err)
{
	uint32_t run = get_u32(r);
	uint64_t from = get_u64(r);
	uint32_t ncols = get_u32(r), n = get_u32(r);
	if (r->bad || bad_run(S, run, err) < 0)
		return r->bad ? gg_fail(err, "rows cut short") : -1;
	if (from > series_nrows(S, (int)run) || ncols > (uint32_t)series_ncols(S))
		return gg_fail(err, "rows from %llu of %lu columns, but the viewer has %zu rows of %d",
			       (unsigned long long)from, (unsigned long)ncols, series_nrows(S, (int)run),
			       series_ncols(S));
	size_t each = 8 + 8 * (size_t)ncols;
	if (!fits(r, n, each) || (size_t)n * each != r->n - r->off)
		return gg_fail(err, "%lu rows do not fill their message", (unsigned long)n);
	series_cut(S, (int)run, (size_t)from, SIZE_MAX);
	double *vals = gg_xmalloc((ncols ? ncols : 1) * sizeof *vals);
	for (uint32_t i = 0; i < n; i++) {
		long step = (long)get_u64(r);
		for (uint32_t c = 0; c < ncols; c++)
			vals[c] = get_f64(r);
		series_append(S, (int)run, step, vals, (int)ncols);
	}
	free(vals);
	return 0;
}

static int get_events(series_store *S, rd *r, char *err)
{
	uint32_t run = get_u32(r);
	uint64_t from = get_u64(r);
	uint32_t n = get_u32(r);
	if (r->bad || bad_run(S, run, err) < 0)
		return r->bad ? gg_fail(err, "events cut short") : -1;
	if (from > series_nevents(S, (int)run))
		return gg_fail(err, "events from %llu, but the viewer has %zu", (unsigned long long)from,
			       series_nevents(S, (int)run));
	if (!fits(r, n, 14))
		return gg_fail(err, "%lu events do not fit their message", (unsigned long)n);
	series_cut(S, (int)run, SIZE_MAX, (size_t)from);
	for (uint32_t i = 0; i < n; i++) {
		long step = (long)get_u64(r);
		int kind = (int)get_u32(r);
		char text[120];
		get_str(r, text, sizeof text);
		if (r->bad)
			return gg_fail(err, "event %lu cut short", (unsigned long)i);
		series_mark(S, (int)run, step, kind, "%s", text);
	}
	return 0;
}

static int get_status(series_store *S, rd *r, char *err)
{
	uint32_t run = get_u32(r);
	series_status st = { 0 };
	get_str(r, st.name, sizeof st.name);
	get_str(r, st.model, sizeof st.model);
	get_str(r, st.data, sizeof st.data);
	get_str(r, st.opt, sizeof st.opt);
	get_str(r, st.lr_text, sizeof st.lr_text);
	uint32_t state = get_u32(r);
	st.step = (long)get_u64(r);
	st.epoch = get_f64(r);
	st.lr = get_f64(r);
	st.bs = (int)get_u32(r);
	st.n_eval = (int)get_u32(r);
	st.n_train = (int)get_u32(r);
	st.n_test = (int)get_u32(r);
	st.steps_per_s = get_f64(r);
	st.goal = (long)get_u64(r);
	st.dropped = (int)get_u32(r);
	st.fit_from = (long)get_u64(r);
	st.fit_to = (long)get_u64(r);
	st.twin_group = (int)get_u32(r);
	st.agreement = (int)get_u32(r);
	if (r->bad)
		return gg_fail(err, "a status cut short");
	if (bad_run(S, run, err) < 0)
		return -1;
	if (state > RUN_DONE)
		return gg_fail(err, "run state %lu, which does not exist", (unsigned long)state);
	st.state = (run_state)state;
	series_set_status(S, (int)run, &st);
	return 0;
}

static int get_grid(series_store *S, rd *r, char *err)
{
	uint32_t run = get_u32(r);
	series_grid *g = gg_xcalloc(1, sizeof *g);
	uint32_t w = get_u32(r), h = get_u32(r);
	g->x0 = get_f64(r);
	g->x1 = get_f64(r);
	g->y0 = get_f64(r);
	g->y1 = get_f64(r);
	int rc = -1;
	if (r->bad || w > SERIES_GRID_MAX || h > SERIES_GRID_MAX) {
		gg_fail(err, "a decision-boundary grid of %lu×%lu cells (at most %d a side)",
			(unsigned long)w, (unsigned long)h, SERIES_GRID_MAX);
		goto out;
	}
	g->w = (int)w;
	g->h = (int)h;
	const unsigned char *cls = take(r, (size_t)w * h);
	if (cls && w && h)
		memcpy(g->cls, cls, (size_t)w * h);
	uint32_t np = get_u32(r);
	if (r->bad || np > SERIES_POINTS_MAX || !fits(r, np, 17)) {
		gg_fail(err, "a grid's points cut short or too many");
		goto out;
	}
	g->npoints = (int)np;
	for (uint32_t i = 0; i < np; i++) {
		g->px[i] = (float)get_f64(r);
		g->py[i] = (float)get_f64(r);
		g->pcls[i] = (unsigned char)get_u8(r);
	}
	g->step = (long)get_u64(r);
	if (r->bad) {
		gg_fail(err, "a grid cut short");
		goto out;
	}
	if (bad_run(S, run, err) < 0)
		goto out;
	series_set_grid(S, (int)run, g);
	rc = 0;
out:
	free(g);
	return rc;
}

int remote_decode(series_store *mirror, int type, const unsigned char *body, size_t len,
		  remote_note *note, char *err)
{
	rd r = { body, len, 0, 0 };
	memset(note, 0, sizeof *note);
	note->type = type;
	if (type >= REMOTE_COLS && type <= REMOTE_GRID && !mirror)
		return gg_fail(err, "store data (message type %d) sent to the lab", type);
	switch (type) {
	case REMOTE_HELLO: {
		const unsigned char *m = take(&r, sizeof magic);
		if (!m || memcmp(m, magic, sizeof magic) != 0)
			return gg_fail(err, "no gglab hello");
		note->version = (int)get_u32(&r);
		note->pid = (long)get_u32(&r);
		note->viewer = (int)get_u32(&r);
		get_str(&r, note->text, sizeof note->text);
		if (r.bad)
			return gg_fail(err, "a hello cut short");
		return 0;
	}
	case REMOTE_BYE:
	case REMOTE_CMD:
		get_str(&r, note->text, sizeof note->text);
		return r.bad ? gg_fail(err, "a message cut short (type %d)", type) : 0;
	case REMOTE_STOP:
		return 0;
	case REMOTE_MSG: {
		unsigned kind = get_u8(&r);
		note->msg.run = (int)get_u32(&r);
		note->msg.step = (long)get_u64(&r);
		note->msg.viewer = (int)get_u32(&r);
		get_str(&r, note->msg.text, sizeof note->msg.text);
		if (r.bad)
			return gg_fail(err, "a lab message cut short");
		if (kind > LAB_MSG_REPLY_END) /* the last kind */
			return gg_fail(err, "a lab message of kind %u, which does not exist", kind);
		note->msg.kind = (lab_msg_kind)kind;
		return 0;
	}
	case REMOTE_COLS:
		return get_cols(mirror, &r, err);
	case REMOTE_RUN: {
		uint32_t id = get_u32(&r);
		char name[32];
		get_str(&r, name, sizeof name);
		if (r.bad || id != (uint32_t)series_nruns(mirror))
			return gg_fail(err, "run %lu announced, but the viewer has %d runs", (unsigned long)id,
				       series_nruns(mirror));
		series_add_run(mirror, name);
		return 0;
	}
	case REMOTE_ROWS:
		return get_rows(mirror, &r, err);
	case REMOTE_EVENTS:
		return get_events(mirror, &r, err);
	case REMOTE_STATUS:
		return get_status(mirror, &r, err);
	case REMOTE_CURRENT: {
		int32_t run = (int32_t)get_u32(&r);
		if (r.bad || run < -1 || run >= series_nruns(mirror))
			return gg_fail(err, "current run %ld, which the lab never announced", (long)run);
		series_set_current(mirror, run);
		return 0;
	}
	case REMOTE_GRID:
		return get_grid(mirror, &r, err);
	default:
		note->type = 0; /* a later version's: skipped */
		return 0;
	}
}
