/* test_lab.c — the lab: commands applied between steps, determinism, evaluation cadence,
 * all-or-nothing settings, divergence, the trainer thread's queues, CSV export. Most tests
 * play the trainer thread themselves (the lab is not started) so they are exact; one test
 * starts the real thread and talks to it through the queues as the screen does. */
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "labtest.h"
#include "test.h"

static void fail_parse(void *arg, const char *msg)
{
	labtest_parse_error(arg, msg);
}

static lab *new_lab(int batch)
{
	return new_lab_opts(batch, NULL);
}

/* Collects the lab's messages into one string. */
static void drain(lab *L, char *buf, size_t len)
{
	lab_msg m;
	size_t n = strlen(buf);
	while (lab_next_msg(L, &m))
		if (n < len && m.kind != LAB_MSG_PROGRESS) /* progress would fill the buffer */
			n += snprintf(buf + n, len - n, "[%d] %s\n", m.kind, m.text);
}

/* The rows of run 0 that have the column (rows between evaluations have no losses). */
static void col(lab *L, const char *name, double *vals, long *steps, size_t *n)
{
	series_store *s = lab_series(L);
	size_t all = series_read(s, 0, series_find_col(s, name), 0, 100000, steps, vals), m = 0;
	for (size_t i = 0; i < all; i++)
		if (!isnan(vals[i])) {
			steps[m] = steps[i];
			vals[m++] = vals[i];
		}
	*n = m;
}

static void test_determinism(void)
{
	const char *script = "data spiral n=500 seed=3; model mlp 16x2 act=tanh norm=gbn ghost=16; "
			     "opt sgd lr=0.05 momentum=0.9 clip=5; set bs 32; train 120; "
			     "set bs 64 lr 0.1; train 2 epochs; set ghost 8; train 50";
	lab *A = new_lab(1), *B = new_lab(1);
	CHECK(run_cmds(A, script) == 0, "script A");
	CHECK(run_cmds(B, script) == 0, "script B");
	static double va[100000], vb[100000];
	static long sa[100000], sb[100000];
	const char *cols[] = { "train_loss", "test_loss", "dist", "batch_loss", "epoch" };
	for (int c = 0; c < 5; c++) {
		size_t na, nb;
		col(A, cols[c], va, sa, &na);
		col(B, cols[c], vb, sb, &nb);
		CHECK(na == nb && na > 5, "%s rows %zu vs %zu", cols[c], na, nb);
		CHECK(memcmp(va, vb, na * sizeof *va) == 0, "%s identical bit for bit", cols[c]);
		CHECK(memcmp(sa, sb, na * sizeof *sa) == 0, "%s steps identical", cols[c]);
	}
	run *ra = A->runs[0], *rb = B->runs[0];
	CHECK(ra->step == rb->step && memcmp(ra->model->params, rb->model->params,
					     ra->model->nparams * sizeof(float)) == 0, "final weights identical");

	/* another seed gives other numbers */
	lab *C = new_lab(1);
	C->runs[0]->seed = 2;
	run_cmds(C, script);
	size_t na, nc;
	col(A, "train_loss", va, sa, &na);
	col(C, "train_loss", vb, sb, &nc);
	CHECK(na == nc && memcmp(va, vb, na * sizeof *va) != 0, "seed changes the series");
	lab_free(A);
	lab_free(B);
	lab_free(C);
}

static void test_set_between_steps(void)
{
	lab *L = new_lab(1);
	run_cmds(L, "data spiral n=1000; model mlp 16x1; opt sgd lr=0.1 momentum=0.9; set bs 100; train 3");
	run *r = L->runs[0];
	CHECK(fabs(run_epoch(r) - 0.3) < 1e-12, "epoch after 3 steps of 100: %g", run_epoch(r));
	size_t P = r->model->nparams;
	float *before = malloc(P * sizeof *before), *mom = malloc(P * sizeof *mom);
	memcpy(before, r->model->params, P * sizeof *before);
	memcpy(mom, r->opt.m, P * sizeof *mom);
	char buf[8192] = "";
	drain(L, buf, sizeof buf);
	buf[0] = 0;
	CHECK(run_cmds(L, "set bs 50 lr 0.2 momentum 0.5") == 0, "set");
	CHECK(memcmp(before, r->model->params, P * sizeof *before) == 0, "set leaves the weights alone");
	CHECK(memcmp(mom, r->opt.m, P * sizeof *mom) == 0, "set keeps the optimizer state");
	CHECK(r->bs == 50 && r->ocfg.lr == 0.2f && r->opt.cfg.momentum == 0.5f, "applied");
	drain(L, buf, sizeof buf);
	CHECK(strstr(buf, "bs 100 -> 50") && strstr(buf, "lr 0.1 -> 0.2") && strstr(buf, "@ step 3"),
	      "acknowledged with its step: %s", buf);
	series_event ev[16];
	size_t ne = series_read_events(lab_series(L), r->sid, 0, 16, ev);
	int marked = 0;
	for (size_t i = 0; i < ne; i++)
		marked += ev[i].step == 3 && ev[i].kind == SERIES_EV_SET;
	CHECK(marked == 3, "one marker per changed setting at step 3 (got %d)", marked);
	run_cmds(L, "train 2");
	CHECK(fabs(run_epoch(r) - 0.4) < 1e-12, "epoch position survives the bs change: %g", run_epoch(r));

	/* all or nothing: one bad value, nothing changes */
	buf[0] = 0;
	CHECK(run_cmds(L, "set lr 0.3 bs 5000") < 0, "bs larger than the training set is refused");
	CHECK(r->ocfg.lr == 0.2f && r->bs == 50, "nothing changed: lr %g bs %d", r->ocfg.lr, r->bs);
	CHECK(run_cmds(L, "set ghost 8") < 0, "ghost on a model without gbn is refused");
	free(before);
	free(mom);
	lab_free(L);
}

static void test_eval_cadence(void)
{
	lab *L = new_lab(1);
	run_cmds(L, "data xor n=1000; model mlp 8x1; set bs 50; train 200");
	run *r = L->runs[0];
	int k = run_eval_interval(r);
	int n_eval = r->data->ds->n_eval;
	CHECK(k == (int)ceil(5.0 * n_eval / 50), "automatic interval %d", k);
	/* the cost bound: 2·n_eval forward passes ≈ (2/3)·n_eval example-steps per k·B */
	CHECK((2.0 / 3.0) * n_eval / ((double)k * 50) <= 0.15 + 1e-9, "eval costs at most 15%%");
	static long steps[10000];
	static double v[10000];
	size_t n;
	col(L, "test_loss", v, steps, &n);
	CHECK(n >= 2 && steps[0] == 0 && steps[1] == k, "rows at 0, %d: got %ld %ld", k, steps[0], steps[1]);
	CHECK(steps[n - 1] == 200, "an evaluation at the goal: %ld", steps[n - 1]);
	for (size_t i = 1; i + 1 < n; i++)
		CHECK(steps[i] - steps[i - 1] == k, "regular cadence at row %zu", i);
	run_cmds(L, "set eval 7; train 21");
	col(L, "test_loss", v, steps, &n);
	CHECK(steps[n - 1] == 221 && steps[n - 2] == 214 && steps[n - 3] == 207, "set eval 7");
	/* gap columns are test - train */
	double tr, te, gap;
	series_store *s = lab_series(L);
	series_last(s, 0, series_find_col(s, "train_loss"), &tr);
	series_last(s, 0, series_find_col(s, "test_loss"), &te);
	series_last(s, 0, series_find_col(s, "gap_loss"), &gap);
	CHECK(gap == te - tr, "gap_loss = test_loss - train_loss");
	lab_free(L);
}

static void test_divergence(void)
{
	lab *L = new_lab(1);
	char buf[8192] = "";
	run_cmds(L, "data gauss; model mlp 64x3; opt sgd lr=100 momentum=0.99; train 500");
	run *r = L->runs[0];
	CHECK(r->state == RUN_DIVERGED, "state %s", series_state_name(r->state));
	CHECK(r->step < 500, "stopped before the goal (step %ld)", r->step);
	drain(L, buf, sizeof buf);
	CHECK(strstr(buf, "diverged at step"), "%s", buf);
	series_event ev[64];
	size_t ne = series_read_events(lab_series(L), r->sid, 0, 64, ev);
	CHECK(ne >= 1 && ev[ne - 1].kind == SERIES_EV_DIVERGED, "marked on the series");
	lab_free(L);
}

static void test_errors_change_nothing(void)
{
	lab *L = new_lab(1);
	run_cmds(L, "data spiral; model mlp 8x1; train 10");
	run *r = L->runs[0];
	long step = r->step;
	CHECK(run_cmds(L, "data fashion n=9999999") < 0, "n larger than the data set");
	CHECK(r->built && r->step == step && !strcmp(r->dspec.name, "spiral"), "the run is untouched");
	CHECK(run_cmds(L, "export csv /nonexistent-dir/x.csv") < 0, "export into a missing directory");
	lab_free(L);
	/* batch mode refuses an endless train */
	L = new_lab(1);
	/* (an endless train in batch mode is refused when the script ends: see batch.sh) */
	CHECK(run_cmds(L, "data xor") == 0, "data");
	lab_free(L);
}

static void test_export(void)
{
	lab *L = new_lab(1);
	char path[] = "/tmp/gglab-test-export-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char line[256];
	snprintf(line, sizeof line, "data circles; model mlp 8x1; train 100; set wd 0.001; train 10; export csv %s", path);
	CHECK(run_cmds(L, line) == 0, "export");
	FILE *f = fopen(path, "r");
	char head[1024] = "", row[1024] = "", rest[4096] = "";
	CHECK(f && fgets(head, sizeof head, f) && fgets(row, sizeof row, f), "read back");
	if (f) {
		size_t got = fread(rest, 1, sizeof rest - 1, f);
		rest[got] = 0;
		fclose(f);
	}
	CHECK(strstr(head, ",momentum,wd,clip,dist_fc1,dist_head,events\n") != NULL, "settings, layer distances and events columns: %s", head);
	CHECK(strstr(rest, ",\"wd 0->0.001 @100\"\n") != NULL, "the event is in its row: %s", rest);
	CHECK(!strncmp(head, "run,step,epoch,", 15), "header %s", head);
	CHECK(strstr(head, "train_loss") && strstr(head, "test_err") && strstr(head, "gap_loss") &&
		      strstr(head, "dist") && strstr(head, "batch_loss"), "metric columns");
	CHECK(!strncmp(row, "r1,0,0,", 7), "first row %s", row);
	unlink(path);
	lab_free(L);
}

static int find_run(series_store *s, const char *name)
{
	for (int r = 0; r < series_nruns(s); r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (!strcmp(st.name, name))
			return r;
	}
	return -1;
}

/* Whether two stores read back from metrics files hold the same runs (by name, in any
 * order): descriptions, rows (every column by name, null as NaN) and events. */
static int same_series(series_store *a, series_store *b, char *why, size_t len)
{
	if (series_nruns(a) != series_nruns(b))
		return snprintf(why, len, "%d runs vs %d", series_nruns(a), series_nruns(b)), 0;
	for (int rb = 0; rb < series_nruns(b); rb++) {
		series_status sa, sb;
		series_get_status(b, rb, &sb);
		int r = find_run(a, sb.name);
		if (r < 0)
			return snprintf(why, len, "no run %s", sb.name), 0;
		series_get_status(a, r, &sa);
		if (strcmp(sa.name, sb.name) || strcmp(sa.model, sb.model) || strcmp(sa.data, sb.data) ||
		    strcmp(sa.opt, sb.opt))
			return snprintf(why, len, "run %d: %s %s %s vs %s %s %s", r, sa.name, sa.model,
					sa.data, sb.name, sb.model, sb.data), 0;
		size_t n = series_nrows(a, r);
		if (n != series_nrows(b, rb) || n > 4096)
			return snprintf(why, len, "%s: %zu rows vs %zu", sa.name, n, series_nrows(b, rb)), 0;
		static long sta[4096], stb[4096];
		static double va[4096], vb[4096];
		for (int cb = 0; cb < series_ncols(b); cb++) {
			char name[64];
			series_colname(b, cb, name, sizeof name);
			int ca = series_find_col(a, name);
			series_read(b, rb, cb, 0, n, stb, vb);
			if (ca < 0) {
				for (size_t i = 0; i < n; i++)
					va[i] = NAN;
				series_read(a, r, 0, 0, n, sta, NULL);
			} else {
				series_read(a, r, ca, 0, n, sta, va);
			}
			for (size_t i = 0; i < n; i++)
				if (sta[i] != stb[i] || (va[i] != vb[i] && !(isnan(va[i]) && isnan(vb[i]))))
					return snprintf(why, len, "%s row %zu (step %ld/%ld) %s: %.17g vs %.17g",
							sa.name, i, sta[i], stb[i], name, va[i], vb[i]), 0;
		}
		size_t ne = series_nevents(a, r);
		if (ne != series_nevents(b, rb) || ne > 64)
			return snprintf(why, len, "%s: %zu events vs %zu", sa.name, ne, series_nevents(b, rb)), 0;
		series_event ea[64], eb[64];
		series_read_events(a, r, 0, ne, ea);
		series_read_events(b, rb, 0, ne, eb);
		for (size_t i = 0; i < ne; i++)
			if (ea[i].step != eb[i].step || strcmp(ea[i].text, eb[i].text))
				return snprintf(why, len, "%s: event %s vs %s", sa.name, ea[i].text, eb[i].text), 0;
	}
	return 1;
}

/* --log and `export jsonl` of one session agree row for row, through a fork, twins and PH
 * dimension estimates that arrive after their rows, and --view reads both. */
static void test_log_agrees(void)
{
	char log[] = "/tmp/gglab-test-log-XXXXXX", exp[] = "/tmp/gglab-test-jsonl-XXXXXX", err[GG_ERRLEN];
	close(mkstemp(log));
	close(mkstemp(exp));
	lab_options o = { .seed = 1, .threads = 1, .batch = 1, .log_path = log,
			.ops = &cmd_lab_ops };
	lab *L = lab_new(&o, err);
	CHECK(L != NULL, "lab_new with a log: %s", err);
	lab_first_run(L);
	char line[512];
	snprintf(line, sizeof line, "data spiral n=600 seed=2; model mlp 16x2; train 100; set lr 0.05; "
		 "phdim on n=50 k=4 every=1; train 100; fork; twin 2; train -a 40; export jsonl %s", exp);
	CHECK(run_cmds(L, line) == 0, "the session: %s", last_err);
	lab_free(L);
	series_store *a = series_new(), *b = series_new();
	CHECK(store_view_load(a, log, err) == 0, "--view reads the log: %s", err);
	CHECK(store_view_load(b, exp, err) == 0, "--view reads the export: %s", err);
	char why[512] = "";
	CHECK(series_nruns(b) == 5 && same_series(a, b, why, sizeof why),
	      "the log and the export hold the same runs, rows and events: %s", why);
	int ph = series_find_col(b, "phdim");
	double v = NAN;
	CHECK(ph >= 0 && series_last(b, 0, ph, &v) >= 0 && isfinite(v), "with PH dimension estimates");
	series_free(a);
	series_free(b);

	/* a session that loads a checkpoint logs the loaded runs whole */
	char ckpt[] = "/tmp/gglab-test-ckpt-XXXXXX";
	close(mkstemp(ckpt));
	L = new_lab_opts(1, NULL);
	snprintf(line, sizeof line, "data xor n=200; model mlp 8x1; train 50; fork; twin 2; train -a 30; "
		 "save %s", ckpt);
	CHECK(run_cmds(L, line) == 0, "a checkpoint: %s", last_err);
	lab_free(L);
	L = lab_new(&o, err);
	CHECK(L != NULL, "lab_new with a log: %s", err);
	lab_first_run(L);
	snprintf(line, sizeof line, "load %s; train -a 20; export jsonl %s", ckpt, exp);
	CHECK(run_cmds(L, line) == 0, "load and train: %s", last_err);
	lab_free(L);
	a = series_new();
	b = series_new();
	CHECK(store_view_load(a, log, err) == 0 && store_view_load(b, exp, err) == 0, "read back: %s", err);
	CHECK(series_nruns(b) == 5 && same_series(a, b, why, sizeof why),
	      "after a load, the log and the export hold the same runs, rows and events: %s", why);
	series_free(a);
	series_free(b);
	unlink(ckpt);
	unlink(log);
	unlink(exp);
}

/* The real thread: a script, then a change arriving while training runs. */
static void test_thread(void)
{
	char err[GG_ERRLEN];
	lab_options o = { .seed = 1, .threads = 1, .ops = &cmd_lab_ops };
	lab *L = lab_new(&o, err);
	CHECK(L != NULL, "lab_new: %s", err);
	lab_first_run(L);
	CHECK(lab_start(L, err) == 0, "start: %s", err);
	cmd_list l = { 0 };
	int nerr = 0;
	cmd_parse_line("data spiral; model mlp 16x1; train", NULL, &l, fail_parse, &nerr);
	lab_submit(L, &l, 1);
	CHECK(l.n == 0, "submit takes the list");
	/* wait until it trains, then change the learning rate mid-run */
	series_status st = { 0 };
	double t0 = gg_now();
	while (gg_now() - t0 < 20 && st.step < 200) {
		usleep(2000);
		series_get_status(lab_series(L), 0, &st);
	}
	CHECK(st.state == RUN_RUNNING && st.step >= 200, "training: %s %ld", series_state_name(st.state), st.step);
	cmd_parse_line("set lr 0.2; pause", NULL, &l, fail_parse, &nerr);
	lab_submit(L, &l, 0);
	char buf[16384] = "";
	t0 = gg_now();
	while (gg_now() - t0 < 20 && !strstr(buf, "paused at step")) {
		struct pollfd p = { .fd = lab_wake_fd(L), .events = POLLIN };
		poll(&p, 1, 100);
		drain(L, buf, sizeof buf);
	}
	char *ack = strstr(buf, "lr 0.1 -> 0.2 @ step ");
	CHECK(ack != NULL, "acknowledged: %s", buf);
	long at = ack ? atol(ack + strlen("lr 0.1 -> 0.2 @ step ")) : -1;
	char *ps = strstr(buf, "paused at step ");
	long pat = ps ? atol(ps + strlen("paused at step ")) : -2;
	CHECK(at >= 200 && at == pat, "set and pause applied at the same step boundary: %ld %ld", at, pat);
	series_event ev[16];
	size_t ne = series_read_events(lab_series(L), 0, 0, 16, ev);
	CHECK(ne >= 1 && ev[ne - 1].step == at && strstr(ev[ne - 1].text, "lr"), "marker at step %ld", at);
	/* the status is published right after the command's messages: allow it a moment */
	for (t0 = gg_now(); gg_now() - t0 < 5; usleep(1000)) {
		series_get_status(lab_series(L), 0, &st);
		if (st.state == RUN_PAUSED)
			break;
	}
	CHECK(st.state == RUN_PAUSED && st.step == at, "paused at %ld (%ld, %s)", at, st.step, series_state_name(st.state));
	lab_free(L);
}

/* A lab with no runs (what --view is): every command that needs a run says so and changes
 * nothing; `run new` makes one from the default setup, which then trains. */
static void test_no_runs(void)
{
	char err[GG_ERRLEN];
	lab_options o = { .seed = 1, .threads = 1, .batch = 1, .ops = &cmd_lab_ops };
	lab *L = lab_new(&o, err);
	CHECK(L != NULL && L->nruns == 0 && series_nruns(lab_series(L)) == 0,
	      "a new lab has no runs and no series: %s", err);
	static const char *const need[] = {
		"data xor", "model mlp 8x1", "opt sgd lr=0.1", "set lr 0.1", "set -a lr 0.1", "train 10",
		"train -a 10", "eval", "show", "recipe hoffer base=128", "fit", "margins", "phdim on",
		"phdim", "fork", "twin 2", "rollback", "at 10 set lr 0.1", "every 10 set lr 0.1",
		"save " GGLAB_SRCDIR "/never.gglab",
	};
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		CHECK(run_cmds(L, need[i]) < 0 && strstr(last_err, ": no run: ") && L->nruns == 0,
		      "'%s' without a run: %s", need[i], last_err);
	char buf[4096] = "";
	drain(L, buf, sizeof buf);
	CHECK(run_cmds(L, "pause; run list") == 0, "pause and run list work: %s", last_err);
	drain(L, buf, sizeof buf);
	CHECK(strstr(buf, "nothing is training") && strstr(buf, "no runs"), "and say so: %s", buf);
	CHECK(run_cmds(L, "run new a; data xor n=200; model mlp 8x1; train 20") == 0 && L->nruns == 1 &&
		      lab_current(L)->step == 20 && lab_current(L)->seed == 1 && !strcmp(lab_current(L)->name, "a"),
	      "run new makes a run of the default setup that trains: %s", last_err);
	lab_free(L);
}

int main(void)
{
	test_determinism();
	test_set_between_steps();
	test_eval_cadence();
	test_divergence();
	test_errors_change_nothing();
	test_export();
	test_thread();
	test_no_runs();
	test_log_agrees();
	return test_report();
}
