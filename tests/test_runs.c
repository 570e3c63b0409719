/* test_runs.c — several runs, scheduled commands, the journal and its exact replay,
 * checkpoints (bit-identical continuation, and every kind of bad file refused with the
 * current runs untouched), rollback after a divergence. */
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "labtest.h"
#include "test.h"

static char tmpdir[] = "/tmp/gglab-test-runs-XXXXXX";

static void fail_parse(void *arg, const char *msg)
{
	labtest_parse_error(arg, msg);
}

static lab *new_lab(const char *journal)
{
	return new_lab_opts(0, journal);
}

static size_t column(lab *L, const char *run_name, const char *col, long *steps, double *v)
{
	series_store *s = lab_series(L);
	run *r = lab_find_run(L, run_name);
	if (!r)
		return 0;
	return series_read(s, r->sid, series_find_col(s, col), 0, 100000, steps, v);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	*n = fread(p, 1, (size_t)len, f);
	p[*n] = 0;
	fclose(f);
	return p;
}

/* ---- several runs ---------------------------------------------------------------------- */

static void test_runs(void)
{
	lab *L = new_lab(NULL);
	CHECK(run_cmds(L, "data spiral n=600; model mlp 16x2; set bs 32; train 100") == 0, "setup");
	CHECK(run_cmds(L, "fork") == 0 && L->nruns == 2 && !strcmp(lab_current(L)->name, "r1.f1"),
	      "fork makes r1.f1 current");
	run *a = lab_find_run(L, "r1"), *b = lab_find_run(L, "r1.f1");
	CHECK(b->step == 100 && !memcmp(a->model->params, b->model->params, a->model->nparams * 4),
	      "the fork has the parent's weights");
	CHECK(run_cmds(L, "train -a 150") == 0, "train both");
	static long sa[10000], sb[10000];
	static double va[10000], vb[10000];
	size_t na = column(L, "r1", "test_loss", sa, va), nb = column(L, "r1.f1", "test_loss", sb, vb);
	CHECK(na == nb && na > 3 && !memcmp(va, vb, na * sizeof *va) && !memcmp(sa, sb, na * sizeof *sa),
	      "a fork continues identically to its parent (%zu vs %zu rows)", na, nb);
	CHECK(a->step == 250 && b->step == 250, "steps %ld %ld", a->step, b->step);

	/* a setting that differs makes them differ; set -a changes both */
	CHECK(run_cmds(L, "set lr 0.03; train -a 50") == 0, "diverge the fork");
	na = column(L, "r1", "test_loss", sa, va);
	nb = column(L, "r1.f1", "test_loss", sb, vb);
	CHECK(na == nb && va[na - 1] != vb[nb - 1], "different lr, different numbers");
	CHECK(run_cmds(L, "set -a momentum 0.5") == 0 && a->ocfg.momentum == 0.5f && b->ocfg.momentum == 0.5f,
	      "set -a");
	CHECK(run_cmds(L, "set -a bs 601") < 0 && a->bs == 32 && b->bs == 32, "set -a is all or nothing");

	CHECK(run_cmds(L, "run new fresh seed=9") == 0 && lab_current(L)->seed == 9 &&
		      !lab_current(L)->built, "run new: fresh, seeded, current");
	CHECK(run_cmds(L, "run use r1") == 0 && lab_current(L) == a, "run use");
	CHECK(run_cmds(L, "run use nosuch") < 0 && strstr(last_err, "no run named 'nosuch'") &&
		      strstr(last_err, "r1"), "run use of a missing run: %s", last_err);
	CHECK(run_cmds(L, "run drop nosuch") < 0 && strstr(last_err, "no run named"), "drop missing");
	CHECK(run_cmds(L, "fork r1") < 0 && strstr(last_err, "exists already"), "fork onto a name: %s", last_err);
	CHECK(run_cmds(L, "run drop fresh") == 0 && L->nruns == 2, "drop");
	CHECK(run_cmds(L, "run list") == 0, "list");

	/* twins: seeds differ, configuration does not; sets split the data */
	CHECK(run_cmds(L, "twin 4 sets=2") == 0 && L->nruns == 6, "twin");
	run *t1 = lab_find_run(L, "t1.1"), *t2 = lab_find_run(L, "t1.2"), *t3 = lab_find_run(L, "t1.3");
	CHECK(t1 && t2 && t3 && t1->seed != t2->seed && t1->part == 0 && t2->part == 1 && t3->part == 0 &&
		      t1->parts == 2 && t1->twin_group == 1, "twin runs");
	CHECK(run_cmds(L, "run use t1.1; train 5; run use t1.2; train 5") == 0, "train twins");
	CHECK(t1->cur.n == 300 && t2->cur.n == 300, "each trains on half: %d %d", t1->cur.n, t2->cur.n);
	int overlap = 0;
	for (int i = 0; i < t1->cur.n; i++)
		for (int j = 0; j < t2->cur.n; j++)
			overlap += t1->cur.perm[i] == t2->cur.perm[j];
	CHECK(overlap == 0, "disjoint training sets (%d shared)", overlap);
	cmd_list bad = { 0 };
	int nerr = 0;
	CHECK(cmd_parse_line("twin 1", NULL, &bad, fail_parse, &nerr) == 1,
	      "twin with K < 2 is refused when parsed");
	cmd_list_free(&bad);
	lab_free(L);
}

static void test_schedule(void)
{
	lab *L = new_lab(NULL);
	CHECK(run_cmds(L, "data xor n=400; model mlp 8x1; at 50 set lr 0.01; every 40 set momentum 0.5") == 0,
	      "schedule");
	CHECK(run_cmds(L, "train 100") == 0, "train");
	run *r = lab_current(L);
	CHECK(r->ocfg.lr == 0.01f && r->ocfg.momentum == 0.5f, "scheduled commands applied");
	series_event ev[64];
	size_t ne = series_read_events(lab_series(L), r->sid, 0, 64, ev);
	int lr_at_50 = 0, mom_at_40 = 0;
	for (size_t i = 0; i < ne; i++) {
		lr_at_50 |= ev[i].step == 50 && strstr(ev[i].text, "lr") != NULL;
		mom_at_40 |= ev[i].step == 40 && strstr(ev[i].text, "momentum") != NULL;
	}
	CHECK(lr_at_50 && mom_at_40, "applied at their steps (events)");
	CHECK(run_cmds(L, "at 20 set lr 0.1") < 0 && strstr(last_err, "already past"), "%s", last_err);
	cmd_list l = { 0 };
	int nerr = 0;
	CHECK(cmd_parse_line("at 500 train 5", NULL, &l, fail_parse, &nerr) == 1 && l.n == 0,
	      "a train cannot be scheduled (refused when parsed)");
	cmd_list_free(&l);
	/* a scheduled command applies to the run it was scheduled on, whichever is current
	 * (the trainer's round, which run_cmds runs, makes that run current while it fires) */
	CHECK(run_cmds(L, "run new b; at 40 set lr 0.2; run use r1; train -a 60") == 0, "%s", last_err);
	run *b = lab_find_run(L, "b");
	CHECK(b->ocfg.lr == 0.2f && r->ocfg.lr == 0.01f && lab_current(L) == r,
	      "the command applied to its run (b lr %g, r1 lr %g), r1 still current", b->ocfg.lr, r->ocfg.lr);
	lab_free(L);
}

static void test_rollback(void)
{
	lab *L = new_lab(NULL);
	run_cmds(L, "data circles; model mlp 256x4; opt sgd lr=0.01; train 100; set lr 100 momentum 0.99; train 2000");
	run *r = lab_current(L);
	CHECK(r->state == RUN_DIVERGED, "diverged: %s", series_state_name(r->state));
	long diverged_at = r->step;
	CHECK(run_cmds(L, "rollback") == 0, "rollback: %s", last_err);
	CHECK(r->state == RUN_PAUSED && r->step <= diverged_at && r->step == r->last_eval, "back at %ld",
	      r->step);
	int finite = 1;
	for (size_t i = 0; i < r->model->nparams; i++)
		finite &= isfinite(r->model->params[i]);
	CHECK(finite, "the weights are finite again");
	static long st[10000];
	static double v[10000];
	size_t n = column(L, "r1", "train_loss", st, v);
	CHECK(n && st[n - 1] <= r->step, "the series is cut back to step %ld", r->step);
	CHECK(run_cmds(L, "set lr 0.01 momentum 0.9; train 50") == 0 && r->state == RUN_PAUSED &&
		      isfinite(r->grad_norm), "trains again with new settings");
	lab_free(L);
}

/* ---- checkpoints ------------------------------------------------------------------------- */

static void test_checkpoint(void)
{
	char ck[512], csv1[512], csv2[512];
	snprintf(ck, sizeof ck, "%s/a.gglab", tmpdir);
	snprintf(csv1, sizeof csv1, "%s/one.csv", tmpdir);
	snprintf(csv2, sizeof csv2, "%s/two.csv", tmpdir);
	const char *setup = "data spiral n=700; model mlp 24x2 norm=gbn ghost=16; opt adamw lr=0.003; "
			    "set bs 32; train 150; fork; set lr 0.001; train 80; run use r1; at 400 set bs 64";
	char line[2048];
	lab *A = new_lab(NULL);
	CHECK(run_cmds(A, setup) == 0, "setup");
	snprintf(line, sizeof line, "save %s; train -a 300; export csv %s", ck, csv1);
	CHECK(run_cmds(A, line) == 0, "save and go on: %s", last_err);
	lab_free(A);

	lab *B = new_lab(NULL);
	snprintf(line, sizeof line, "load %s; train -a 300; export csv %s", ck, csv2);
	CHECK(run_cmds(B, line) == 0, "load and go on: %s", last_err);
	CHECK(B->nruns == 2 && !strcmp(B->runs[0]->name, "r1") && !strcmp(lab_current(B)->name, "r1"),
	      "runs and the current run restored");
	lab_free(B);
	size_t n1, n2;
	char *a = slurp(csv1, &n1), *b = slurp(csv2, &n2);
	CHECK(a && b && n1 == n2 && n1 > 200 && !memcmp(a, b, n1),
	      "save, load, continue = never having stopped, bit for bit (%zu vs %zu bytes)", n1, n2);
	free(a);
	free(b);

	/* twins' agreement series and a PH dimension ring survive the checkpoint too */
	const char *setup2 = "data spiral n=600; model mlp 16x2; set bs 50; twin 2; train -a 100; "
			     "phdim on n=100 k=16";
	A = new_lab(NULL);
	CHECK(run_cmds(A, setup2) == 0, "setup 2: %s", last_err);
	snprintf(line, sizeof line, "save %s; train -a 150; phdim; export csv %s", ck, csv1);
	CHECK(run_cmds(A, line) == 0, "save and go on: %s", last_err);
	lab_free(A);
	B = new_lab(NULL);
	snprintf(line, sizeof line, "load %s; train -a 150; phdim; export csv %s", ck, csv2);
	CHECK(run_cmds(B, line) == 0, "load and go on: %s", last_err);
	lab_free(B);
	a = slurp(csv1, &n1);
	b = slurp(csv2, &n2);
	CHECK(a && b && n1 == n2 && strstr(a, "twins1,") && strstr(a, ",phdim") && !memcmp(a, b, n1),
	      "with twins and a PH dimension: the same file after a resume (%zu vs %zu bytes)", n1, n2);
	free(a);
	free(b);

	/* bad files: each refused with its reason, and the current runs untouched */
	lab *C = new_lab(NULL);
	CHECK(run_cmds(C, "data xor; model mlp 8x1; train 30") == 0, "C");
	run *r = lab_current(C);
	float before = r->model->params[3];
	size_t n;
	char *good = slurp(ck, &n);
	char bad[512];
	snprintf(bad, sizeof bad, "%s/bad.gglab", tmpdir);
	struct {
		const char *what, *phrase;
	} cases[] = {
		{ "truncated", "truncated" },
		{ "flipped", "corrupt" },
		{ "version", "newer gglab" },
		{ "text", "not a gglab checkpoint" },
		{ "crc", "CRC-32" },
		{ "missing", "No such file" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		FILE *f;
		unlink(bad);
		if (!strcmp(cases[k].what, "truncated")) {
			f = fopen(bad, "wb");
			fwrite(good, 1, n / 2, f);
			fclose(f);
		} else if (!strcmp(cases[k].what, "flipped")) {
			f = fopen(bad, "wb");
			fwrite(good, 1, n, f);
			fseek(f, (long)(n / 2), SEEK_SET);
			fputc(good[n / 2] ^ 0x5a, f);
			fclose(f);
		} else {
			/* rewrite the uncompressed contents, then compress them again */
			gzFile in = gzopen(ck, "rb");
			size_t cap = 1 << 24, len = 0;
			unsigned char *raw = malloc(cap);
			int got;
			while ((got = gzread(in, raw + len, (unsigned)(cap - len))) > 0)
				len += (size_t)got;
			gzclose(in);
			if (!strcmp(cases[k].what, "version"))
				raw[8] = 99;
			else if (!strcmp(cases[k].what, "text"))
				memcpy(raw, "NOTGGLAB", 8);
			else if (!strcmp(cases[k].what, "crc"))
				raw[len / 2] ^= 1;
			if (strcmp(cases[k].what, "missing") != 0) {
				gzFile out = gzopen(bad, "wb");
				gzwrite(out, raw, (unsigned)len);
				gzclose(out);
			}
			free(raw);
		}
		snprintf(line, sizeof line, "load %s", bad);
		CHECK(run_cmds(C, line) < 0 && strstr(last_err, cases[k].phrase) && strstr(last_err, bad),
		      "load of a %s file: %s", cases[k].what, last_err);
		CHECK(C->nruns == 1 && lab_current(C) == r && r->step == 30 && r->model->params[3] == before,
		      "the current runs are untouched after a %s file", cases[k].what);
	}
	free(good);

	/* save into a missing directory fails and says so; the old file is not touched */
	snprintf(line, sizeof line, "save %s/no/such/dir/x.gglab", tmpdir);
	CHECK(run_cmds(C, line) < 0 && strstr(last_err, "cannot create a file there"), "%s", last_err);
	lab_free(C);
	unlink(bad);
	unlink(ck);
	unlink(csv1);
	unlink(csv2);
}

/* ---- the journal: a live session, replayed ------------------------------------------------ */

static void submit(lab *L, const char *line)
{
	cmd_list l = { 0 };
	int nerr = 0;
	cmd_parse_line(line, NULL, &l, fail_parse, &nerr);
	CHECK(nerr == 0, "parse %s", line);
	lab_submit(L, &l, 0);
}

static long step_of(lab *L, int rid)
{
	series_status st;
	series_get_status(lab_series(L), rid, &st);
	return st.step;
}

static int sid_of(lab *L, const char *name)
{
	for (int i = 0; i < series_nruns(lab_series(L)); i++) {
		series_status st;
		series_get_status(lab_series(L), i, &st);
		if (!strcmp(st.name, name))
			return i;
	}
	return -1;
}

static void wait_steps(lab *L, int rid, long step)
{
	double t0 = gg_now();
	while (step_of(L, rid) < step && gg_now() - t0 < 30)
		usleep(1000);
	CHECK(step_of(L, rid) >= step, "run %d reached step %ld", rid, step);
}

/* Waits until a message containing text arrives. */
static void wait_msg(lab *L, const char *text)
{
	double t0 = gg_now();
	lab_msg m;
	while (gg_now() - t0 < 60) {
		struct pollfd p = { .fd = lab_wake_fd(L), .events = POLLIN };
		poll(&p, 1, 50);
		while (lab_next_msg(L, &m))
			if (strstr(m.text, text))
				return;
	}
	CHECK(0, "message '%s' never came", text);
}

static void test_journal(void)
{
	char journal[512], csv1[512], csv2[512], err[GG_ERRLEN];
	snprintf(journal, sizeof journal, "%s/session.gg", tmpdir);
	snprintf(csv1, sizeof csv1, "%s/live.csv", tmpdir);
	snprintf(csv2, sizeof csv2, "%s/replay.csv", tmpdir);

	/* A live session: commands arrive through the prompt's path while training runs. */
	lab *A = new_lab(journal);
	CHECK(lab_start(A, err) == 0, "start");
	submit(A, "data spiral n=800; model mlp 16x2 norm=bn; set bs 32; train");
	wait_steps(A, 0, 150);
	submit(A, "set bs 64");
	wait_steps(A, 0, 300);
	submit(A, "set lr 0.05");
	wait_steps(A, 0, 400);
	submit(A, "fork");
	wait_msg(A, "fork:");
	submit(A, "set lr 0.2 momentum 0.8");
	wait_steps(A, 1, 600);
	submit(A, "twin 2; run use t1.1; train; run use r1");
	wait_msg(A, "twin:");
	wait_steps(A, sid_of(A, "t1.1"), 100);
	submit(A, "pause");
	wait_msg(A, "paused at step");
	submit(A, "train -a 77");
	for (int i = 0; i < 4; i++)
		wait_msg(A, "reached its goal");
	/* the goals are said during the round; the twins' agreement row comes at its end */
	submit(A, "run list");
	wait_msg(A, "* r1 ");
	CHECK(store_export_csv(lab_series(A), csv1, err) == 0, "export live: %s", err);
	lab_free(A);

	size_t jn;
	char *j = slurp(journal, &jn);
	CHECK(j && strstr(j, "set bs 64") && strstr(j, "fork") && strstr(j, "twin 2") && strstr(j, "sync r1="),
	      "the journal holds the session");
	if (j && getenv("GGLAB_TEST_VERBOSE"))
		fputs(j, stderr);
	free(j);

	/* Replay it headless through the script path, as gglab --batch JOURNAL does. */
	lab_options o = { .seed = 1, .threads = 1, .batch = 1, .ops = &cmd_lab_ops };
	lab *B = lab_new(&o, err);
	lab_first_run(B);
	cmd_list script = { 0 };
	int nerr = 0;
	cmd_parse_file(journal, &script, fail_parse, &nerr);
	CHECK(nerr == 0 && script.n > 5, "the journal parses (%d errors)", nerr);
	CHECK(lab_start(B, err) == 0, "start B");
	lab_submit(B, &script, 1);
	lab_msg m;
	int done = 0, errors = 0;
	double t0 = gg_now();
	while (!done && gg_now() - t0 < 120) {
		struct pollfd p = { .fd = lab_wake_fd(B), .events = POLLIN };
		poll(&p, 1, 50);
		while (lab_next_msg(B, &m)) {
			if (m.kind == LAB_MSG_ERROR) {
				errors++;
				fprintf(stderr, "replay error: %s\n", m.text);
			}
			done |= m.kind == LAB_MSG_DONE;
		}
	}
	CHECK(done && errors == 0, "the replay ran to its end without errors");
	CHECK(store_export_csv(lab_series(B), csv2, err) == 0, "export replay: %s", err);
	lab_free(B);
	size_t n1, n2;
	char *a = slurp(csv1, &n1), *b = slurp(csv2, &n2);
	CHECK(a && b && n1 == n2 && n1 > 1000 && !memcmp(a, b, n1),
	      "the replay reproduces every run's series bit for bit (%zu vs %zu bytes)", n1, n2);
	free(a);
	free(b);
	unlink(journal);
	unlink(csv1);
	unlink(csv2);
}

int main(void)
{
	CHECK(mkdtemp(tmpdir) != NULL, "mkdtemp");
	test_runs();
	test_schedule();
	test_rollback();
	test_checkpoint();
	test_journal();
	rmdir(tmpdir);
	return test_report();
}
