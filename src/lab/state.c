/* state.c — a run's fields, listed once: its configuration (what the run is, and what `set`
 * changes, through the settings table), its status (state and goal) and its trained state (counters, and the arrays of
 * the model, the optimizer and the data position). These tables drive fork, the rollback
 * snapshot, and the checkpoint's encoding: one tagged record (name, length, payload) per
 * field, so a loader skips a field it does not know and names one that is missing.
 * Trainer thread only. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

typedef enum {
	F_INT,  /* a 4- or 8-byte integer or enum; recorded as 8 bytes */
	F_U64,  /* an unsigned 64-bit integer (a seed) */
	F_REAL, /* a float or a double; recorded as a double */
	F_TEXT, /* a NUL-terminated char array; recorded without the NUL */
	F_RAW,  /* an array of doubles or 64-bit words, recorded as they are */
} field_kind;

typedef struct {
	const char *tag;
	field_kind kind;
	size_t off, size;
	int optional; /* a checkpoint written before the field existed: zero (its old meaning) */
} run_field;

#define F(tag, kind, member) { tag, kind, offsetof(run, member), sizeof(((run *)0)->member), 0 }
#define F0(tag, kind, member) { tag, kind, offsetof(run, member), sizeof(((run *)0)->member), 1 }

/* The configuration besides the settings (whose table, in settings.c, is the rest of it):
 * a new field here is copied by fork, kept by the snapshot and saved. The settings follow
 * these fields wherever they go: the momentum setting depends on opt.kind. */
static const run_field config_fields[] = {
	F("seed", F_U64, seed),
	F("data.name", F_TEXT, dspec.name),
	F("data.n", F_INT, dspec.n),
	F("data.noise", F_REAL, dspec.noise),
	F("data.seed", F_U64, dspec.seed),
	F("data.dim", F_INT, dspec.dim),
	F0("data.path", F_TEXT, dspec.path),
	F0("data.crop", F_INT, dspec.crop),
	F0("data.flip", F_INT, dspec.flip),
	F("model.kind", F_INT, mcfg.kind),
	F("model.in", F_INT, mcfg.in),
	F("model.classes", F_INT, mcfg.classes),
	F("model.width", F_INT, mcfg.width),
	F("model.depth", F_INT, mcfg.depth),
	F("model.act", F_INT, mcfg.act),
	F("model.norm", F_INT, mcfg.norm),
	F("model.blocks", F_INT, mcfg.blocks),
	F("model.stages", F_INT, mcfg.stages),
	F("model.h", F_REAL, mcfg.h),
	F("model.eps", F_REAL, mcfg.eps),
	F("model.stable", F_INT, mcfg.stable),
	F0("model.img_c", F_INT, mcfg.img_c),
	F0("model.img_h", F_INT, mcfg.img_h),
	F0("model.img_w", F_INT, mcfg.img_w),
	F0("model.nconv", F_INT, mcfg.nconv),
	F0("model.conv", F_RAW, mcfg.conv),
	F0("model.fc", F_INT, mcfg.fc),
	F0("model.pool", F_INT, mcfg.pool),
	F0("model.channels", F_INT, mcfg.channels),
	F("opt.kind", F_INT, ocfg.kind),
	F("opt.nesterov", F_INT, ocfg.nesterov),
	F("opt.beta2", F_REAL, ocfg.beta2),
	F("opt.adam_eps", F_REAL, ocfg.adam_eps),
	F("sched.n", F_INT, sched.n),
	F("sched.at", F_RAW, sched.at),
	F("sched.factor", F_REAL, sched.factor),
	F("part", F_INT, part),
	F("parts", F_INT, parts),
	F("twin_group", F_INT, twin_group),
};

/* Where a run is going; fork copies it, a checkpoint keeps it. */
static const run_field status_fields[] = {
	F("state", F_INT, state),
	F("goal_kind", F_INT, goal_kind),
	F("goal", F_REAL, goal),
};

/* The trained state's counters (the arrays are below). */
static const run_field state_fields[] = {
	F("step", F_INT, step),
	F("loss_sum", F_REAL, loss_sum),
	F("loss_n", F_INT, loss_n),
	F("last_eval", F_INT, last_eval),
	F("grad_norm", F_REAL, grad_norm),
	F("lr_now", F_REAL, lr_now),
	F("rescales", F_INT, rescales),
	F("opt.t", F_INT, opt.t),
	F("data.pos", F_INT, cur.pos),
	F("data.epoch", F_INT, cur.epoch),
	F("data.rng", F_RAW, cur.rng.s),
};

#define NFIELDS(t) ((int)(sizeof t / sizeof t[0]))

/* The trained state's arrays, shaped by the configuration: where each is, and its bytes. */
static void *a_params(const run *r, size_t *n)
{
	*n = r->model->nparams * sizeof(float);
	return r->model->params;
}
static void *a_buf(const run *r, size_t *n)
{
	*n = r->model->nbuf * sizeof(float);
	return r->model->buf;
}
static void *a_w0(const run *r, size_t *n)
{
	*n = r->model->nparams * sizeof(float);
	return r->w0;
}
static void *a_m(const run *r, size_t *n)
{
	*n = r->opt.n * sizeof(float);
	return r->opt.m;
}
static void *a_v(const run *r, size_t *n) /* AdamW only */
{
	*n = r->opt.v ? r->opt.n * sizeof(float) : 0;
	return r->opt.v;
}
static void *a_perm(const run *r, size_t *n)
{
	*n = (size_t)r->cur.n * sizeof(int);
	return r->cur.perm;
}

static const struct {
	const char *tag;
	const char *shaped_by; /* for messages */
	void *(*at)(const run *r, size_t *bytes);
} state_arrays[] = {
	{ "params", "model", a_params },     { "buf", "model", a_buf },
	{ "w0", "model", a_w0 },             { "opt.m", "optimizer", a_m },
	{ "opt.v", "optimizer", a_v },       { "data.perm", "data set", a_perm },
};

/* ---- copies ------------------------------------------------------------------------- */

static void copy_fields(const run_field *f, int n, run *dst, const run *src)
{
	for (int i = 0; i < n; i++)
		memcpy((char *)dst + f[i].off, (const char *)src + f[i].off, f[i].size);
}

void run_copy_config(run *dst, const run *src)
{
	copy_fields(config_fields, NFIELDS(config_fields), dst, src);
	lab_settings_copy(dst, src);
}

void run_copy_status(run *dst, const run *src)
{
	copy_fields(status_fields, NFIELDS(status_fields), dst, src);
}

int run_state_fits(const run *dst, const run *src)
{
	return dst->built && src->built && dst->model->nparams == src->model->nparams &&
	       dst->model->nbuf == src->model->nbuf && !dst->opt.v == !src->opt.v &&
	       dst->cur.n == src->cur.n;
}

void run_copy_state(run *dst, const run *src)
{
	if (!dst->built) {
		dst->model = nn_model_clone(src->model);
		dst->w0 = gg_xmalloc(src->model->nparams * sizeof *dst->w0);
		nn_opt_copy(&dst->opt, &src->opt);
		data_cursor_copy(&dst->cur, &src->cur);
		dst->built = 1;
	}
	for (size_t i = 0; i < sizeof state_arrays / sizeof *state_arrays; i++) {
		size_t n;
		void *to = state_arrays[i].at(dst, &n);
		if (n)
			memcpy(to, state_arrays[i].at(src, &n), n);
	}
	dst->opt.cfg = src->opt.cfg;
	copy_fields(state_fields, NFIELDS(state_fields), dst, src);
}

/* ---- records ------------------------------------------------------------------------ */

static void put_fields(gg_buf *b, const run_field *f, int n, const run *r)
{
	for (int i = 0; i < n; i++) {
		const char *p = (const char *)r + f[i].off;
		if (f[i].kind == F_INT) {
			int64_t v;
			int32_t v4;
			if (f[i].size == 4)
				memcpy(&v4, p, 4), v = v4;
			else
				memcpy(&v, p, 8);
			store_rec_put(b, f[i].tag, &v, 8);
		} else if (f[i].kind == F_REAL) {
			double v;
			float v4;
			if (f[i].size == 4)
				memcpy(&v4, p, 4), v = v4;
			else
				memcpy(&v, p, 8);
			store_rec_put(b, f[i].tag, &v, 8);
		} else {
			/* F_U64 and F_RAW as they are */
			store_rec_put(b, f[i].tag, p, f[i].kind == F_TEXT ? strnlen(p, f[i].size) : f[i].size);
		}
	}
}

static int get_field(const run_field *f, const gg_reader *body, run *r)
{
	char *p = (char *)r + f->off;
	if (f->kind == F_TEXT) {
		if (body->n >= f->size)
			return -1;
		memcpy(p, body->p, body->n);
		memset(p + body->n, 0, f->size - body->n);
		return 0;
	}
	if (f->kind == F_RAW || f->kind == F_U64) {
		if (body->n != f->size)
			return -1;
		memcpy(p, body->p, f->size);
		return 0;
	}
	if (body->n != 8)
		return -1;
	if (f->kind == F_INT) {
		int64_t v;
		memcpy(&v, body->p, 8);
		if (f->size == 8)
			memcpy(p, &v, 8);
		else if (v < INT32_MIN || v > INT32_MAX)
			return -1;
		else
			memcpy(p, &(int32_t){ (int32_t)v }, 4);
		return 0;
	}
	double v;
	memcpy(&v, body->p, 8);
	if (f->size == 8)
		memcpy(p, &v, 8);
	else
		memcpy(p, &(float){ (float)v }, 4);
	return 0;
}

/* Reads every field of the table from the records of rd (others are skipped: they are a
 * newer gglab's); a missing one is named. */
static int get_fields(const gg_reader *rd, const run_field *f, int n, run *r, const char *what,
		      char *err)
{
	for (int i = 0; i < n; i++) {
		gg_reader body;
		int found = store_rec_find(rd, f[i].tag, &body);
		if (!found && f[i].optional) {
			memset((char *)r + f[i].off, 0, f[i].size);
			continue;
		}
		if (!found)
			return gg_fail(err, "%s: no field '%s' in its %s", r->name, f[i].tag, what);
		if (get_field(&f[i], &body, r) < 0)
			return gg_fail(err, "%s: corrupt: its %s field '%s' (%zu bytes)", r->name, what,
				       f[i].tag, body.n);
	}
	return 0;
}

/* The configuration: its fields, then each setting as a double under its name. */
void run_put_config(gg_buf *b, const run *r)
{
	put_fields(b, config_fields, NFIELDS(config_fields), r);
	for (int i = 0; i < lab_nsettings; i++) {
		double v = lab_settings[i].get(r);
		store_rec_put(b, lab_settings[i].name, &v, 8);
	}
}

int run_get_config(const gg_reader *rd, run *r, char *err)
{
	if (get_fields(rd, config_fields, NFIELDS(config_fields), r, "configuration", err) < 0)
		return -1;
	for (int i = 0; i < lab_nsettings; i++) {
		const lab_setting *s = &lab_settings[i];
		gg_reader body;
		double v;
		char e[GG_ERRLEN];
		if (!store_rec_find(rd, s->name, &body))
			return gg_fail(err, "%s: no field '%s' in its configuration", r->name, s->name);
		if (body.n != 8)
			return gg_fail(err, "%s: corrupt: its setting '%s' (%zu bytes)", r->name, s->name, body.n);
		memcpy(&v, body.p, 8);
		if (lab_setting_check(s, NULL, v, e) < 0)
			return gg_fail(err, "%s: corrupt: %s", r->name, e);
		s->set(r, v);
	}
	return 0;
}

void run_put_status(gg_buf *b, const run *r)
{
	put_fields(b, status_fields, NFIELDS(status_fields), r);
}

int run_get_status(const gg_reader *rd, run *r, char *err)
{
	return get_fields(rd, status_fields, NFIELDS(status_fields), r, "status", err);
}

void run_put_state(gg_buf *b, const run *r)
{
	put_fields(b, state_fields, NFIELDS(state_fields), r);
	for (size_t i = 0; i < sizeof state_arrays / sizeof *state_arrays; i++) {
		size_t n;
		const void *p = state_arrays[i].at(r, &n);
		store_rec_put(b, state_arrays[i].tag, p, n);
	}
}

/* Builds r's model, optimizer and data position from its configuration (r has its data),
 * then fills them; -1 on a record that does not fit. */
int run_get_state(const gg_reader *rd, run *r, char *err)
{
	r->model = nn_model_new(&r->mcfg, 1, err);
	if (!r->model)
		return -1;
	r->built = 1; /* from here on run_unbuild frees what was made */
	size_t P = r->model->nparams;
	r->w0 = gg_xmalloc(P * sizeof(float));
	nn_opt_init(&r->opt, &r->ocfg, P);
	const data_set *ds = r->data->ds;
	data_cursor_init_part(&r->cur, ds, gg_rng_derive(r->seed, "order"), r->part, r->parts,
			      ds->spec.seed);
	for (size_t i = 0; i < sizeof state_arrays / sizeof *state_arrays; i++) {
		gg_reader body;
		size_t n;
		void *p = state_arrays[i].at(r, &n);
		if (!store_rec_find(rd, state_arrays[i].tag, &body))
			return gg_fail(err, "%s: no '%s' in its trained state", r->name, state_arrays[i].tag);
		if (body.n != n)
			return gg_fail(err, "%s: its '%s' holds %zu bytes where the %s needs %zu", r->name,
				       state_arrays[i].tag, body.n, state_arrays[i].shaped_by, n);
		if (n)
			memcpy(p, body.p, n);
	}
	if (get_fields(rd, state_fields, NFIELDS(state_fields), r, "trained state", err) < 0)
		return -1;
	for (int i = 0; i < r->cur.n; i++)
		if (r->cur.perm[i] < 0 || r->cur.perm[i] >= ds->n_train)
			return gg_fail(err, "%s: corrupt data order", r->name);
	if (r->cur.pos < 0 || r->cur.pos >= (r->cur.n ? r->cur.n : 1))
		return gg_fail(err, "%s: corrupt data position", r->name);
	/* 2^50 steps or epochs: no run gets there, and sums of them stay exact and in range */
	if (r->step < 0 || r->step > (1L << 50) || r->loss_n < 0 || r->last_eval < 0 ||
	    r->last_eval > r->step || r->rescales < 0 || r->opt.t < 0 || r->cur.epoch < 0 ||
	    r->cur.epoch > (1L << 50) || !isfinite(r->loss_sum) || !isfinite(r->lr_now))
		return gg_fail(err, "%s: corrupt: its counters (step %ld, last evaluation %ld, %ld "
				    "updates, epoch %ld) do not fit together", r->name, r->step,
			       r->last_eval, r->opt.t, r->cur.epoch);
	return 0;
}

/* The configuration as text, "key=value ...", for the checkpoint's readable header. */
void run_describe_config(const run *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < NFIELDS(config_fields) && n < len; i++) {
		const run_field *f = &config_fields[i];
		const char *p = (const char *)r + f->off;
		const char *sep = i ? " " : "";
		if (f->kind == F_TEXT) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%.*s", sep, f->tag, (int)f->size, p);
		} else if (f->kind == F_U64) {
			unsigned long long v;
			memcpy(&v, p, 8);
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%llu", sep, f->tag, v);
		} else if (f->kind == F_INT) {
			long long v;
			int32_t v4;
			if (f->size == 4)
				memcpy(&v4, p, 4), v = v4;
			else
				memcpy(&v, p, 8);
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%lld", sep, f->tag, v);
		} else if (f->kind == F_REAL) {
			double v;
			float v4;
			if (f->size == 4)
				memcpy(&v4, p, 4), v = v4;
			else
				memcpy(&v, p, 8);
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%g", sep, f->tag, v);
		}
	}
	for (int i = 0; i < lab_nsettings && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " %s=%g", lab_settings[i].name,
				      lab_settings[i].get(r));
}
