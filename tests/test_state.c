/* test_state.c — the settings table and the run state: the man page lists the table's
 * settings with their ranges; `run new`, `twin` and `fork` copy every setting; `opt`
 * acknowledges what `show` reports; `set` is all-or-nothing over every target run. */
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
	CHECK(run_cmds(L, "run new b seed=7; run use r1; twin 2; fork") == 0, "copies: %s", last_err);
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

int main(void)
{
	CHECK(mkdtemp(tmpdir) != NULL, "mkdtemp");
	test_man();
	test_copy();
	test_opt_ack();
	rmdir(tmpdir);
	return test_report();
}
