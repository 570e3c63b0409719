/* test_state.c — the settings table and the run state: the man page lists the table's
 * settings with their ranges; `run new`, `twin` and `fork` copy every setting; `opt`
 * acknowledges what `show` reports; `set` is all-or-nothing over every target run; a
 * checkpoint keeps every setting, its loader skips records it does not know and names one
 * that is missing, and a checkpoint of format 1 is refused as an older gglab's; fork and a
 * checkpoint carry a conv model's and image data's configuration, and a checkpoint from
 * before those fields loads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "labtest.h"
#include "test.h"

static char tmpdir[] = "/tmp/gglab-test-state-XXXXXX";

static lab *new_lab(void)
{
	return new_lab_opts(0, NULL);
}

/* The lab's messages since the last call, in one string. */
static void drain(lab *L, char *buf, size_t len)
{
	lab_msg m;
	size_t n = 0;
	buf[0] = 0;
	while (lab_next_msg(L, &m))
		if (n < len && m.kind != LAB_MSG_PROGRESS)
			n += snprintf(buf + n, len - n, "[%d] %s\n", m.kind, m.text);
}

/* ---- the man page's SETTINGS section against the table -------------------------------- */

static void test_man(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/man/gglab.1.in", GGLAB_SRCDIR);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "open %s", path);
	if (!f)
		return;
	char line[1024];
	int in = 0, k = 0, prev_tp = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, ".SH", 3)) {
			in = !strncmp(line, ".SH SETTINGS", 12);
			continue;
		}
		if (!in)
			continue;
		int tp = !strncmp(line, ".TP", 3);
		if (prev_tp) { /* an entry: .BR name " (integer MIN .. MAX)" */
			char clean[1024];
			size_t n = 0;
			for (const char *p = line; *p && n + 1 < sizeof clean; p++)
				if (*p != '\\' && *p != '"')
					clean[n++] = *p;
			clean[n] = 0;
			char name[64], lo[64], hi[64];
			int integer = strstr(clean, "(integer ") != NULL;
			int got = sscanf(clean, integer ? ".BR %63s (integer %63s .. %63[^)])" :
							  ".BR %63s (%63s .. %63[^)])", name, lo, hi);
			CHECK(got == 3, "the man page's settings entry '%s' has the form "
					".BR name \" (MIN .. MAX)\"", clean);
			if (got == 3 && k < lab_nsettings) {
				const lab_setting *s = &lab_settings[k];
				CHECK(!strcmp(name, s->name), "setting %d: the man page says %s, the table %s",
				      k + 1, name, s->name);
				CHECK(integer == s->integer, "%s: integer in the man page %d, in the table %d",
				      s->name, integer, s->integer);
				CHECK(strtod(lo, NULL) == s->min && strtod(hi, NULL) == s->max,
				      "%s: the man page's range %s .. %s, the table's %g .. %g", s->name, lo, hi,
				      s->min, s->max);
			}
			k++;
		}
		prev_tp = tp;
	}
	fclose(f);
	CHECK(k == lab_nsettings, "the man page lists %d settings, the table %d", k, lab_nsettings);
}

/* ---- every setting is copied to new runs -------------------------------------------- */

/* A value in range that differs from the default. */
static double other_value(const lab_setting *s)
{
	return s->integer ? s->min + 1 : s->min + (s->max - s->min) / 4;
}

static void test_copy(void)
{
	lab *L = new_lab();
	CHECK(run_cmds(L, "data spiral n=400; model mlp 8x1 norm=gbn ghost=16; opt sgd") == 0,
	      "setup: %s", last_err);
	const char *keys[16];
	double vals[16];
	char err[GG_ERRLEN];
	run *r = lab_current(L);
	for (int i = 0; i < lab_nsettings; i++) {
		keys[i] = lab_settings[i].name;
		vals[i] = other_value(&lab_settings[i]);
		CHECK(lab_settings[i].get(r) != vals[i], "%s is not yet %g", keys[i], vals[i]);
	}
	CHECK(lab_set(L, 0, lab_nsettings, keys, vals, err) == 0, "set everything: %s", err);
	for (int i = 0; i < lab_nsettings; i++)
		CHECK_NEAR(lab_settings[i].get(r), vals[i], 1e-6 * fabs(vals[i]), "%s set", keys[i]);
	CHECK(run_cmds(L, "run new b seed=7; run use r1; twin 2; run use r1; fork") == 0, "copies: %s", last_err);
	const char *copies[] = { "b", "t1.1", "t1.2", "r1.f1" };
	for (int c = 0; c < 4; c++) {
		run *d = lab_find_run(L, copies[c]);
		CHECK(d != NULL, "%s exists", copies[c]);
		for (int i = 0; d && i < lab_nsettings; i++)
			CHECK(lab_settings[i].get(d) == lab_settings[i].get(r), "%s: %s is %g, r1 has %g",
			      copies[c], keys[i], lab_settings[i].get(d), lab_settings[i].get(r));
	}
	lab_free(L);
}

/* ---- `opt` acknowledges what `show` reports; `set` is all-or-nothing ------------------ */

static void test_opt_ack(void)
{
	lab *L = new_lab();
	char buf[8192];
	CHECK(run_cmds(L, "data xor n=200; opt adamw lr=0.002 momentum=0.8") == 0, "opt: %s", last_err);
	drain(L, buf, sizeof buf);
	CHECK(strstr(buf, "opt adamw lr 0.002 momentum 0.8 ") != NULL, "opt adamw acknowledges its "
	      "momentum (beta1): %s", buf);
	CHECK(run_cmds(L, "show") == 0, "show");
	drain(L, buf, sizeof buf);
	CHECK(strstr(buf, "  momentum 0.8 ") != NULL, "show reports the same momentum: %s", buf);

	/* a value one run refuses changes no run */
	CHECK(run_cmds(L, "set bs 16; run new b; data xor n=20; set -a lr 0.01 bs 100") < 0,
	      "bs 100 is too large for b's 20 examples");
	CHECK(lab_find_run(L, "r1")->ocfg.lr == 0.002f && lab_find_run(L, "b")->ocfg.lr == 0.002f,
	      "no run's lr changed");
	char err[GG_ERRLEN];
	const char *k[] = { "lr" };
	double v[] = { 1000 };
	CHECK(lab_set(L, 1, 1, k, v, err) < 0 && strstr(err, "out of range"), "lab_set checks the "
	      "range itself: %s", err);
	lab_free(L);
}

/* ---- checkpoints: tagged records ---------------------------------------------------- */

enum { ADD_UNKNOWN, DROP_LR, DROP_SCRIPT, DROP_CONV };

/* The configuration fields that came with convolutional models and image data. */
static int conv_field(const char *tag)
{
	static const char *const tags[] = { "data.path", "data.crop", "data.flip", "model.img_c",
					    "model.img_h", "model.img_w", "model.nconv", "model.conv",
					    "model.fc", "model.pool", "model.channels" };
	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
		if (!strcmp(tag, tags[i]))
			return 1;
	return 0;
}

/* Rewrites checkpoint src into dst, changing its records: adds unknown ones (at the top and
 * in each run's configuration), or drops the setting lr, or the script section, or the
 * fields of conv models (as a gglab before them wrote it). */
static int rewrite(const char *src, const char *dst, int how)
{
	char *text, err[GG_ERRLEN];
	unsigned char *payload;
	size_t n;
	if (store_ckpt_read(src, &text, &payload, &n, err) < 0)
		return -1;
	gg_buf out = { 0 };
	gg_reader top = { .p = payload, .n = n }, body, sub, f;
	char tag[64], t2[64], t3[64];
	while (store_rec_next(&top, tag, sizeof tag, &body) > 0) {
		if (!strcmp(tag, "script") && how == DROP_SCRIPT)
			continue;
		if (strcmp(tag, "run") != 0) {
			store_rec_put(&out, tag, body.p, body.n);
			continue;
		}
		size_t at = store_rec_begin(&out, "run");
		while (store_rec_next(&body, t2, sizeof t2, &sub) > 0) {
			if (strcmp(t2, "config") != 0) {
				store_rec_put(&out, t2, sub.p, sub.n);
				continue;
			}
			size_t c = store_rec_begin(&out, "config");
			if (how == ADD_UNKNOWN)
				store_rec_u64(&out, "future.field", 7);
			while (store_rec_next(&sub, t3, sizeof t3, &f) > 0)
				if ((how != DROP_LR || strcmp(t3, "lr") != 0) && (how != DROP_CONV || !conv_field(t3)))
					store_rec_put(&out, t3, f.p, f.n);
			store_rec_end(&out, c);
		}
		store_rec_end(&out, at);
	}
	if (how == ADD_UNKNOWN)
		store_rec_put(&out, "future.section", "x", 1);
	int rc = store_ckpt_write(dst, text, out.p, out.n, err);
	gg_buf_free(&out);
	free(text);
	free(payload);
	return rc;
}

static void test_checkpoint(void)
{
	char ck[600], ck2[600], line[2048];
	snprintf(ck, sizeof ck, "%s/a.gglab", tmpdir);
	snprintf(ck2, sizeof ck2, "%s/b.gglab", tmpdir);
	lab *A = new_lab();
	CHECK(run_cmds(A, "data spiral n=400; model mlp 8x1 norm=gbn ghost=16; train 20") == 0,
	      "setup: %s", last_err);
	const char *keys[16];
	double vals[16];
	char err[GG_ERRLEN];
	for (int i = 0; i < lab_nsettings; i++) {
		keys[i] = lab_settings[i].name;
		vals[i] = other_value(&lab_settings[i]);
	}
	CHECK(lab_set(A, 0, lab_nsettings, keys, vals, err) == 0, "set everything: %s", err);
	snprintf(line, sizeof line, "save %s", ck);
	CHECK(run_cmds(A, line) == 0, "save: %s", last_err);

	/* every setting comes back, and a record of a newer gglab is skipped */
	CHECK(rewrite(ck, ck2, ADD_UNKNOWN) == 0, "add unknown records");
	lab *B = new_lab();
	snprintf(line, sizeof line, "load %s", ck2);
	CHECK(run_cmds(B, line) == 0, "load skips what it does not know: %s", last_err);
	run *a = lab_current(A), *b = lab_current(B);
	for (int i = 0; i < lab_nsettings; i++)
		CHECK(lab_settings[i].get(a) == lab_settings[i].get(b), "%s survives the checkpoint (%g, %g)",
		      keys[i], lab_settings[i].get(a), lab_settings[i].get(b));
	CHECK(b->step == 20 && b->built && !memcmp(a->model->params, b->model->params,
						   a->model->nparams * sizeof(float)),
	      "the trained state survives too");

	/* a missing field and a missing section are named; nothing changes */
	CHECK(rewrite(ck, ck2, DROP_LR) == 0, "drop lr");
	CHECK(run_cmds(B, line) < 0 && strstr(last_err, "no field 'lr'"), "a missing field is named: %s",
	      last_err);
	CHECK(rewrite(ck, ck2, DROP_SCRIPT) == 0, "drop the script");
	CHECK(run_cmds(B, line) < 0 && strstr(last_err, "no 'script' section"),
	      "a missing section is named: %s", last_err);
	CHECK(B->nruns == 1 && lab_current(B) == b && b->step == 20, "B is untouched");

	/* a checkpoint of format 1, written by gglab before the tagged records */
	snprintf(line, sizeof line, "load %s/tests/ckpt-v1.gglab", GGLAB_SRCDIR);
	CHECK(run_cmds(B, line) < 0 && strstr(last_err, "written by an older gglab") &&
		      strstr(last_err, "format 1"), "an old checkpoint says so: %s", last_err);
	CHECK(B->nruns == 1 && lab_current(B) == b && b->step == 20, "B is still untouched");
	lab_free(A);
	lab_free(B);
	unlink(ck);
	unlink(ck2);
}

/* ---- a conv model and image data: fork and the checkpoint carry their configuration ---- */

static int same_conv_config(const run *a, const run *b)
{
	const nn_config *x = &a->mcfg, *y = &b->mcfg;
	return x->kind == y->kind && x->nconv == y->nconv && !memcmp(x->conv, y->conv, sizeof x->conv) &&
	       x->fc == y->fc && x->pool == y->pool && x->norm == y->norm && x->channels == y->channels &&
	       x->img_c == y->img_c && x->img_h == y->img_h && x->img_w == y->img_w &&
	       data_spec_equal(&a->dspec, &b->dspec);
}

static void test_conv_config(void)
{
	char ck[600], ck2[600], line[2048];
	snprintf(ck, sizeof ck, "%s/c.gglab", tmpdir);
	snprintf(ck2, sizeof ck2, "%s/d.gglab", tmpdir);
	lab *A = new_lab();
	CHECK(run_cmds(A, "data fashion n=200 crop=3 flip=on; model cnn 4,6,8 fc=12 pool=avg norm=bn; "
			  "set bs 20; train 3; fork") == 0, "setup: %s", last_err);
	run *a = lab_find_run(A, "r1"), *f = lab_find_run(A, "r1.f1");
	CHECK(a && a->mcfg.kind == NN_CNN && a->mcfg.nconv == 3 && a->mcfg.conv[2] == 8 &&
		      a->mcfg.fc == 12 && a->mcfg.pool == NN_POOL_AVG && a->mcfg.img_h == 28 &&
		      a->dspec.crop == 3 && a->dspec.flip == 1, "the call's values reach the run");
	CHECK(a && f && same_conv_config(a, f) && f->data == a->data, "fork copies them (and shares the data)");
	snprintf(line, sizeof line, "run use r1; save %s", ck);
	CHECK(run_cmds(A, line) == 0, "save: %s", last_err);
	lab *B = new_lab();
	snprintf(line, sizeof line, "load %s", ck);
	CHECK(run_cmds(B, line) == 0, "load: %s", last_err);
	run *b = lab_find_run(B, "r1");
	CHECK(a && b && same_conv_config(a, b) && b->built &&
		      !memcmp(a->model->params, b->model->params, a->model->nparams * sizeof(float)),
	      "the checkpoint keeps them and the weights");
	lab_free(B);

	/* a checkpoint of an mlp from before these fields loads with zeros (their meaning then) */
	lab *C = new_lab();
	snprintf(line, sizeof line, "data spiral n=300; model mlp 4x1; train 2; save %s", ck);
	CHECK(run_cmds(C, line) == 0, "an mlp: %s", last_err);
	CHECK(rewrite(ck, ck2, DROP_CONV) == 0, "drop the conv fields");
	lab *D = new_lab();
	snprintf(line, sizeof line, "load %s", ck2);
	CHECK(run_cmds(D, line) == 0, "an older checkpoint loads: %s", last_err);
	run *d = lab_current(D);
	CHECK(d && d->step == 2 && d->mcfg.nconv == 0 && d->mcfg.channels == 0 && d->dspec.crop == 0 &&
		      same_conv_config(lab_current(C), d), "as the mlp it was");
	lab_free(C);
	lab_free(D);
	lab_free(A);
	unlink(ck);
	unlink(ck2);
}

int main(void)
{
	CHECK(mkdtemp(tmpdir) != NULL, "mkdtemp");
	test_man();
	test_copy();
	test_opt_ack();
	test_checkpoint();
	test_conv_config();
	rmdir(tmpdir);
	return test_report();
}
