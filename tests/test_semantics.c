/* test_semantics.c — issue 9: what the lab says is so. Messages that are right (a rollback
 * that did nothing, progress lines without NaN or 25-digit numbers, a free NAIS block with
 * no rescale fraction, `run list` not journaled), and the semantics items that follow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "labtest.h"
#include "test.h"

static char tmpdir[] = "/tmp/gglab-test-sem-XXXXXX";

/* Every message since the last call, one a line, progress lines included. */
static char said[1 << 16];
static const char *drain(lab *L)
{
	lab_msg m;
	size_t n = 0;
	said[0] = 0;
	while (lab_next_msg(L, &m))
		if (n < sizeof said)
			n += (size_t)snprintf(said + n, sizeof said - n, "%s\n", m.text);
	return said;
}

static double last(lab *L, const char *name, const char *col)
{
	series_store *s = lab_series(L);
	run *r = lab_find_run(L, name);
	double v = NAN;
	int c = series_find_col(s, col);
	if (!r || c < 0 || series_last(s, r->sid, c, &v) < 0)
		return NAN;
	return v;
}

static void test_messages(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data xor n=200; model mlp 8x1; train 20") == 0, "train: %s", last_err);
	const char *s = drain(L);
	CHECK(strstr(s, "r1 step 0 epoch 0.00") && !strstr(s, "nan"), "no batch_loss nan at step 0: %s", s);
	CHECK(strstr(s, "batch_loss"), "batch_loss once there are steps");
	/* a rollback to where the run is says so, and changes nothing */
	CHECK(run_cmds(L, "rollback") == 0, "rollback: %s", last_err);
	s = drain(L);
	CHECK(strstr(s, "nothing to roll back") && !strstr(s, "from step 20 to step 20"), "%s", s);
	/* a huge loss is printed in a few digits */
	CHECK(run_cmds(L, "model mlp 64x2; opt sgd lr=0.01 momentum=0.99; set eval 1; train 10; "
			  "set lr 10; train 300") == 0, "losses of 1e29: %s", last_err);
	s = drain(L);
	int longest = 0;
	for (const char *p = s; *p; p++) {
		int digits = 0;
		while (p[digits] >= '0' && p[digits] <= '9')
			digits++;
		longest = digits > longest ? digits : longest;
		p += digits ? digits - 1 : 0;
	}
	CHECK(strstr(s, "e+") && longest < 12, "no number of %d digits: %s", longest, s);
	lab_free(L);

	/* a free NAIS block is not projected: no rescale fraction; a stable one has it */
	L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data spiral n=300; model nais width=8 blocks=1 stages=3 stable=off; train 10") == 0,
	      "free nais: %s", last_err);
	CHECK(isnan(last(L, "r1", "nais_rescaled")), "free: no nais_rescaled (%g)", last(L, "r1", "nais_rescaled"));
	CHECK(run_cmds(L, "model nais width=8 blocks=1 stages=3 stable=on; train 10") == 0, "stable: %s", last_err);
	CHECK(isfinite(last(L, "r1", "nais_rescaled")), "stable: nais_rescaled");
	lab_free(L);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The journal: created exclusively, made unique when its name was only a suggestion;
 * `run list` is not in it, `eval` is. */
static void test_journal_file(void)
{
	char path[512], err[GG_ERRLEN];
	snprintf(path, sizeof path, "%s/j.gg", tmpdir);
	lab_options o = { .seed = 1, .threads = 1, .batch = 1, .journal_path = path, .ops = &cmd_lab_ops };
	lab *A = lab_new(&o, err);
	CHECK(A && !strcmp(lab_journal_path(A), path), "the first journal is %s", path);
	lab *B = lab_new(&o, err);
	CHECK(!B && strstr(err, "exists"), "a named journal is never overwritten: %s", err);
	o.journal_unique = 1;
	B = lab_new(&o, err);
	char want[520];
	snprintf(want, sizeof want, "%s/j-2.gg", tmpdir);
	CHECK(B && !strcmp(lab_journal_path(B), want), "a second session in the same second: %s",
	      B ? lab_journal_path(B) : err);
	lab_free(A);
	lab_free(B);
	const char *j = slurp(path);
	CHECK(j && strstr(j, "# Replay: gglab --batch "), "the first journal kept its header: %s", j);
}

/* The automatic schedule: rows at 1, 2, 4, 8 … (every decade has several), evaluations
 * at the regular cadence between them; `set eval N` is a fixed interval and nothing else.
 * `fit` needs 8 points and says how many it used. */
static void test_schedule(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data spiral n=600; model mlp 16x2; set bs 32; train 1000") == 0, "%s", last_err);
	series_store *s = lab_series(L);
	static long st[100000];
	static double d[100000], te[100000];
	size_t n = series_read(s, 0, series_find_col(s, "dist"), 0, 100000, st, d);
	series_read(s, 0, series_find_col(s, "test_loss"), 0, 100000, NULL, te);
	int decade[4] = { 0 }, evals = 0, k = run_eval_interval(lab_current(L));
	long prev_eval = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(isfinite(d[i]), "dist in every row (step %ld)", st[i]);
		if (st[i] > 0 && st[i] < 10000)
			decade[(int)floor(log10((double)st[i]))]++;
		if (!isnan(te[i])) {
			CHECK(st[i] == 0 || st[i] - prev_eval == k || st[i] == 1000, "evaluation at %ld", st[i]);
			prev_eval = st[i];
			evals++;
		}
	}
	CHECK(decade[0] >= 5 && decade[1] >= 5 && decade[2] >= 5, "points in every decade: %d %d %d",
	      decade[0], decade[1], decade[2]);
	CHECK(st[1] == 1 && st[2] == 2 && st[3] == 3, "from the first step: %ld %ld %ld", st[1], st[2], st[3]);
	CHECK(evals == 1 + 1000 / k + (1000 % k != 0), "evaluations only at the cadence: %d (k %d)", evals, k);
	drain(L);
	CHECK(run_cmds(L, "fit") == 0, "fit: %s", last_err);
	char want[64];
	snprintf(want, sizeof want, "(n = %zu points)", n - 1);
	CHECK(strstr(drain(L), want) != NULL, "fit says how many points it used (%s): %s", want, said);
	CHECK(run_cmds(L, "fit from=900") < 0 && strstr(last_err, "hold 3 points") &&
		      strstr(last_err, "at least 8"), "fewer than 8 points: %s", last_err);
	/* set eval N: that interval, no rows between */
	CHECK(run_cmds(L, "set eval 50; train 200") == 0, "%s", last_err);
	n = series_read(s, 0, series_find_col(s, "test_loss"), 0, 100000, st, te);
	int fixed = 1;
	for (size_t i = n - 4; i < n; i++)
		fixed &= !isnan(te[i]) && st[i] - st[i - 1] == 50;
	CHECK(fixed, "set eval 50: rows every 50 steps, each an evaluation");
	lab_free(L);
}

static size_t nevents(lab *L)
{
	return series_nevents(lab_series(L), lab_current(L)->sid);
}

/* The lr a run really uses, everywhere; `recipe hoffer` idempotent and honest; a change
 * that changes nothing is neither said nor marked. */
static void test_lr_and_recipe(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data spiral n=2000; model mlp 16x2 norm=gbn; opt sgd lr=0.1; set bs 1024; "
			  "train 2") == 0, "%s", last_err);
	drain(L);
	CHECK(run_cmds(L, "recipe hoffer base=64") == 0, "%s", last_err);
	run *r = lab_current(L);
	const char *s = drain(L);
	CHECK(r->mcfg.ghost == 64 && r->base_bs == 64 && r->ocfg.clip == 5,
	      "base=64: ghost batches of 64 (the model's was the default): %d", r->mcfg.ghost);
	CHECK(strstr(s, "changed base 0 -> 64 scale 0 -> 0.5 regime 0 -> 1 clip 0 -> 5 ghost 128 -> 64") &&
		      strstr(s, "lr 0.4 (base 0.1 × √(1024/64))"), "says what it changed and the lr: %s", s);
	size_t ev = nevents(L);
	CHECK(run_cmds(L, "recipe hoffer base=64; set scale 0.5") == 0, "%s", last_err);
	s = drain(L);
	CHECK(nevents(L) == ev && strstr(s, "nothing changed") && !strstr(s, "0.5 -> 0.5"),
	      "again: nothing changed, nothing marked (%zu -> %zu events): %s", ev, nevents(L), s);
	/* the lr everywhere: show, the status, the progress lines, the export */
	CHECK(run_cmds(L, "show") == 0, "show");
	s = drain(L);
	CHECK(strstr(s, "now    lr 0.4 (base 0.1 × √(1024/64))"), "show: %s", s);
	series_status st;
	run_publish(L, r); /* as the trainer does after each command */
	series_get_status(lab_series(L), r->sid, &st);
	CHECK(!strcmp(st.lr_text, "0.4 (base 0.1 × √(1024/64))"), "status: %s", st.lr_text);
	CHECK(run_cmds(L, "set lr 0.2; train 2") == 0, "%s", last_err);
	s = drain(L);
	CHECK(strstr(s, "lr 0.1 -> 0.2; lr now 0.8 (base 0.2 × √(1024/64))") &&
		      strstr(s, "step 4 epoch 2.05 lr 0.8 (base 0.2 × √(1024/64))"), "ack and progress: %s", s);
	CHECK(fabs(last(L, "r1", "lr") - 0.8) < 1e-6 && fabs(last(L, "r1", "lr_base") - 0.2) < 1e-6,
	      "columns lr %g (effective) and lr_base %g", last(L, "r1", "lr"), last(L, "r1", "lr_base"));
	/* a ghost size the model was given is kept unless told */
	CHECK(run_cmds(L, "model mlp 16x2 norm=gbn ghost=32; recipe hoffer base=64") == 0, "%s", last_err);
	s = drain(L);
	CHECK(r->mcfg.ghost == 32 && strstr(s, "left ghost 32"), "kept: %s", s);
	CHECK(run_cmds(L, "recipe hoffer base=64 ghost=16") == 0 && r->mcfg.ghost == 16, "ghost=16: %s", last_err);
	/* a model without batch norm: what was and was not applied */
	CHECK(run_cmds(L, "model mlp 16x2; set clip 0; recipe hoffer base=32") == 0, "%s", last_err);
	s = drain(L);
	CHECK(strstr(s, "changed base 64 -> 32 clip 0 -> 5") && strstr(s, "not applied: ghost batch norm"),
	      "no BN: %s", s);
	CHECK(run_cmds(L, "recipe hoffer ghost=8") < 0 && strstr(last_err, "no ghost batch norm"), "%s", last_err);
	lab_free(L);
}

/* twin K: the group is the target (its first run current, train trains them all), with
 * the seeds and names asked for. */
static void test_twin_group(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data spiral n=600; model mlp 8x1; set bs 50; twin 3 seed=7 name=sb; train 40") == 0,
	      "%s", last_err);
	run *a = lab_find_run(L, "sb.1"), *b = lab_find_run(L, "sb.2"), *c = lab_find_run(L, "sb.3");
	CHECK(a && b && c && lab_current(L) == a, "sb.1..3, sb.1 current");
	CHECK(a && b && c && a->seed == 7 && b->seed == 8 && c->seed == 9, "seeds 7..9");
	CHECK(a && b && c && a->step == 40 && b->step == 40 && c->step == 40, "train trained the group");
	CHECK(lab_find_run(L, "r1")->step == 0, "and only the group");
	long at = -1;
	series_store *s = lab_series(L);
	at = series_last(s, L->twin_sid[1], series_find_col(s, "disagree"), &(double){ 0 });
	CHECK(at == 40, "the group evaluated together at step 40 (%ld)", at);
	lab_free(L);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_messages();
	test_journal_file();
	test_schedule();
	test_lr_and_recipe();
	test_twin_group();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return test_report();
}
