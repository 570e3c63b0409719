/* test_chart.c — what the screen's curves read from the series store (src/ui/chart.c):
 * rows where a column has no value are left out, so a curve joins its values instead of
 * breaking into dots — the rows between evaluations carry only dist and the norms, and
 * instruments are computed at some evaluations only. And without colour the curves still
 * differ: train, test and minibatch (and overlaid runs' train and test) are drawn with
 * different strokes. And what the instruments panel picks by default (src/ui/instpanel.c):
 * beside a stable NAIS block's pinned margin what moves, the set the twins' numbers were
 * measured on, S as n/a without sets=2, PH's spread. And the loss panel's best test value is found at its own step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/series.h"
#include "panel.h"
#include "test.h"

/* The dots of one series drawn across a canvas with a role's stroke, as a bit string. */
static void stroke(ui_role role, unsigned char *bits, int *ndots)
{
	plot_canvas c;
	plot_canvas_init(&c, 20, 2, PLOT_BRAILLE);
	double x[2] = { 0, 1 }, y[2] = { 0.5, 0.3 };
	plot_axes a = { 0, 1, 0, 1, 0, 0 };
	plot_series s = { x, y, 2, 0, ui_role_dash(role) };
	plot_draw(&c, &a, &s);
	*ndots = 0;
	for (int i = 0; i < 40; i++) {
		bits[i] = c.bits[i];
		for (int b = 0; b < 8; b++)
			*ndots += bits[i] >> b & 1;
	}
	plot_canvas_free(&c);
}

static void test_mono(void)
{
	static const ui_role roles[] = { ROLE_TRAIN, ROLE_TEST, ROLE_BATCH, ROLE_RUN0_TR, ROLE_RUN0 };
	static const char *const names[] = { "train", "test", "minibatch", "run train", "run test" };
	unsigned char bits[5][40];
	int dots[5];
	ui_theme_init(0); /* monochrome */
	for (int i = 0; i < 5; i++)
		stroke(roles[i], bits[i], &dots[i]);
	CHECK(dots[0] > 30, "train is a solid line: %d dots", dots[0]);
	for (int i = 0; i < 3; i++)
		for (int k = i + 1; k < 3; k++)
			CHECK(memcmp(bits[i], bits[k], 40) != 0 && dots[i] != dots[k],
			      "without colour %s and %s differ: %d and %d dots", names[i], names[k], dots[i], dots[k]);
	CHECK(memcmp(bits[3], bits[4], 40) != 0, "an overlaid run's train and test differ");
	CHECK(dots[1] > dots[0] / 3, "test is dashed, not faint: %d of %d dots", dots[1], dots[0]);
}

/* One row of named values for a run (NaN: none) at step t. */
static void row(series_store *S, int r, long t, const char *const *names, const double *v, int n)
{
	double vals[64];
	int nc = 0;
	for (int i = 0; i < 64; i++)
		vals[i] = NAN;
	for (int i = 0; i < n; i++) {
		int c = series_col(S, names[i]);
		vals[c] = v[i];
		if (c + 1 > nc)
			nc = c + 1;
	}
	series_append(S, r, t, vals, nc);
}

/* The default instruments panel of run r (the current one): its legend, joined by "|",
 * and its note. */
static void inst_panel(series_store *S, int r, int ninst, const char *inst, char *legend,
		       size_t len, char *note, size_t nlen)
{
	struct ui u = { .S = S };
	u.ninst = ninst;
	if (ninst)
		snprintf(u.inst[0], sizeof u.inst[0], "%s", inst);
	runset rs = { .n = 1, .total = 1, .cur = r };
	rs.id[0] = r;
	plotjob *j = calloc(1, sizeof *j);
	ui_build_inst(&u, j, &rs, 0);
	legend[0] = 0;
	for (int i = 0; i < j->nleg; i++)
		snprintf(legend + strlen(legend), len - strlen(legend), "%s%s", i ? "|" : "", j->leg[i].label);
	snprintf(note, nlen, "%s", j->note);
	for (int i = 0; i < j->nlines; i++)
		free(j->lines[i].x), free(j->lines[i].y);
	free(j);
}

static void test_inst_panel(void)
{
	char leg[400], note[200];
	/* a stable NAIS model of two blocks: one margin (pinned, the same for both), then the
	 * contraction and λ_min, λ_max of RᵀR of each; the Gershgorin margin not by default */
	series_store *S = series_new();
	int r = series_add_run(S, "r1");
	static const char *const nais[] = { "nais_margin_nais1", "nais_gersh_nais1", "nais_contract_nais1",
					    "nais_rtr_min_nais1", "nais_rtr_max_nais1", "nais_margin_nais2",
					    "nais_gersh_nais2", "nais_contract_nais2", "nais_rtr_min_nais2",
					    "nais_rtr_max_nais2", "nais_rescaled" };
	for (long t = 0; t < 3; t++) {
		double v[] = { 0.01, -0.1, 0.9, 1e-3, 0.8, 0.01, -0.2, 0.95, 2e-3, 0.7, 0.25 * t };
		row(S, r, t, nais, v, 11);
	}
	inst_panel(S, r, 0, NULL, leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "margin|contr1|contr2|lmin1|lmin2|lmax1|lmax2") == 0, "stable NAIS legend: %s", leg);
	CHECK(strstr(note, "rescaled 50%") != NULL, "the rescaled fraction in the note: %s", note);
	series_free(S);

	/* a free block: its margins move, both show, with its contraction */
	S = series_new();
	r = series_add_run(S, "free");
	for (long t = 0; t < 3; t++) {
		double v[] = { 0.01 - t, -0.1 - t, 1.0 };
		row(S, r, t, nais, v, 3);
	}
	inst_panel(S, r, 0, NULL, leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "margin1|gersh1|contr1") == 0, "free NAIS legend: %s", leg);
	series_free(S);

	/* a convolutional model: the Gershgorin certificate and the contraction of each block */
	S = series_new();
	r = series_add_run(S, "conv");
	for (long t = 0; t < 3; t++) {
		double v[] = { NAN, 0.005, 0.97, NAN, NAN, NAN, 0.004, 0.98, NAN, NAN, 1 };
		row(S, r, t, nais, v, 11);
	}
	inst_panel(S, r, 0, NULL, leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "gersh1|gersh2|contr1|contr2") == 0, "conv NAIS legend: %s", leg);
	CHECK(strstr(note, "rescaled 100%") != NULL, "conv NAIS note: %s", note);
	series_free(S);

	/* twins with one training set: both numbers on the held-out points, S is n/a */
	S = series_new();
	r = series_add_run(S, "t1.1");
	int a = series_add_run(S, "twins1");
	series_status st = { 0 };
	snprintf(st.name, sizeof st.name, "twins1");
	st.agreement = 1;
	st.twin_group = 1;
	st.n_heldout = 1000;
	series_set_status(S, a, &st);
	static const char *const agree[] = { "disagree", "twins_test_err", "incons", "instab", "incons_instab" };
	for (long t = 1; t < 3; t++) {
		double v[] = { 0.1, 0.2, 0.3, NAN, NAN };
		row(S, a, t, agree, v, 5);
	}
	inst_panel(S, r, 0, NULL, leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "disagree|twins err|C") == 0, "twins legend: %s", leg);
	CHECK(strstr(note, "disagree, err on 1000 held-out points") != NULL, "the set named: %s", note);
	CHECK(strstr(note, "S n/a (needs sets=2)") != NULL, "S without sets=2: %s", note);
	inst_panel(S, r, 1, "instab", leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "instab n/a (needs sets=2)") == 0, "plot instab without sets=2: %s", leg);
	series_free(S);

	/* the PH dimension with its spread over the draws of subsets */
	S = series_new();
	r = series_add_run(S, "r1");
	static const char *const ph[] = { "phdim", "phdim_sd", "phdim_r2" };
	for (long t = 1; t < 3; t++) {
		double v[] = { 1.5, 0.02, 0.97 };
		row(S, r, t, ph, v, 3);
	}
	inst_panel(S, r, 0, NULL, leg, sizeof leg, note, sizeof note);
	CHECK(strcmp(leg, "PH dim") == 0 && strstr(note, "+-0.020 over draws") && strstr(note, "R^2=0.970"),
	      "PH dimension: %s, note %s", leg, note);
	series_free(S);
}

int main(void)
{
	test_mono();
	test_inst_panel();
	series_store *S = series_new();
	int r = series_add_run(S, "r1");
	int loss = series_col(S, "train_loss"), dist = series_col(S, "dist"),
	    ep = series_col(S, "epoch");
	(void)loss, (void)dist, (void)ep;
	/* steps 0..20: dist at every step, the loss at every 5th (an evaluation) */
	for (long t = 0; t <= 20; t++) {
		double v[3] = { t % 5 == 0 ? 1.0 / (1 + t) : NAN, 0.1 * t, 0.05 * t };
		series_append(S, r, t, v, 3);
	}
	struct ui u = { .S = S };
	double *x, *y;
	size_t n = ui_read_xy(&u, r, "train_loss", 0, &x, &y);
	CHECK(n == 5, "the loss has its 5 values, no empty rows: %zu", n);
	int ok = n == 5;
	for (size_t i = 0; ok && i < n; i++)
		ok = x[i] == 5.0 * i && y[i] == 1.0 / (1 + 5.0 * i);
	CHECK(ok, "each at its own step");
	free(x), free(y);
	n = ui_read_xy(&u, r, "train_loss", 1, &x, &y);
	CHECK(n == 5 && x[4] == 0.05 * 20, "on the epochs axis too, at each row's own epoch");
	free(x), free(y);
	n = ui_read_xy(&u, r, "dist", 0, &x, &y);
	CHECK(n == 21, "a column with a value at every row keeps them all: %zu", n);
	free(x), free(y);
	series_col(S, "test_err"); /* a column with no value at all: nothing, and nothing to free */
	double v[4] = { NAN, 1, 1, NAN };
	series_append(S, r, 21, v, 4);
	n = ui_read_xy(&u, r, "test_err", 0, &x, &y);
	CHECK(n == 0 && x == NULL && y == NULL, "an empty column reads as none: %zu", n);
	series_free(S);

	/* the loss panel's best test value is at its own row's step, not at the index of the
	 * rows that have a value (the title said "@ 3" for a best at step 15) */
	S = series_new();
	r = series_add_run(S, "r1");
	series_col(S, "test_loss");
	series_col(S, "dist");
	for (long t = 0; t <= 20; t++) {
		double w[2] = { t % 5 == 0 ? (t == 15 ? 0.5 : 1.0 + 0.01 * t) : NAN, 0.1 * t };
		series_append(S, r, t, w, 2);
	}
	u.S = S;
	plotjob *j = calloc(1, sizeof *j);
	runset rs = { .id = { r }, .n = 1, .total = 1, .cur = r };
	ui_build_loss(&u, j, &rs, 0);
	CHECK(strstr(j->note, "best test 0.5 @ 15") != NULL, "the best at its step: [%s]", j->note);
	ui_plot_free(j);
	series_free(S);
	return test_report();
}
