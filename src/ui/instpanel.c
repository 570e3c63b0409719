/* instpanel.c — the instruments panel's data step (panels.c's table): the columns `plot`
 * names, or by default what the current run has, by priority: NAIS-Net margins, twin
 * agreement (from the twin group's agreement series), the PH dimension, else the weight
 * and gradient norms with a hint how to get the others. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

/* The agreement series of the current run's twin group, else the newest one; -1: none. */
static int agreement_run(struct ui *u, int cur)
{
	series_status cs;
	series_get_status(u->S, cur, &cs);
	int found = -1;
	for (int r = 0; r < series_nruns(u->S); r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.dropped || !st.agreement)
			continue;
		if (cs.twin_group > 0 && st.twin_group == cs.twin_group)
			return r;
		found = r;
	}
	return found;
}

/* Columns the trainer publishes on a twin group's agreement series, not on a trained run. */
static int is_agreement_col(const char *c)
{
	static const char *const names[] = { "disagree", "twins_test_err", "incons", "instab",
					     "incons_instab", "twins_gap" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(c, names[i]))
			return 1;
	return 0;
}

static int has_values(struct ui *u, int run, const char *col)
{
	return run >= 0 && isfinite(ui_last_finite(u, run, col));
}

typedef struct {
	int run;
	char col[48], label[48];
} inst_pick;

static int pick(inst_pick *p, int n, int run, const char *col, const char *label)
{
	if (n >= UI_MAXINST)
		return n;
	p[n].run = run;
	snprintf(p[n].col, sizeof p[n].col, "%.47s", col);
	snprintf(p[n].label, sizeof p[n].label, "%.47s", label ? label : col);
	return n + 1;
}

/* The text of the newest event of a run that contains `what`, from there to the closing
 * parenthesis ("(projected to 64 dims)"); empty when there is none. */
static void event_phrase(struct ui *u, int run, const char *what, char *out, size_t len)
{
	out[0] = 0;
	size_t ne = series_nevents(u->S, run);
	if (!ne)
		return;
	series_event *ev = gg_xmalloc(ne * sizeof *ev);
	ne = series_read_events(u->S, run, 0, ne, ev);
	for (size_t i = ne; i-- > 0;) {
		const char *p = strstr(ev[i].text, what);
		if (p) {
			const char *e = strchr(p, ')');
			snprintf(out, len, "%.*s", (int)(e ? e - p + 1 : (long)strlen(p)), p);
			break;
		}
	}
	free(ev);
}

/* What the instruments panel plots by default, by priority: NAIS-Net margins (when the
 * model has NAIS blocks), twin agreement (when a twin group has an agreement series),
 * the PH dimension, else the weight and gradient norms with a hint how to get the others.
 * Extra facts go into the title's note. Returns how many curves were picked. */
static int inst_auto(struct ui *u, int cur, inst_pick *p, char *note, size_t nlen, int *zero,
		     char *hint, size_t hlen)
{
	int n = 0, ncols = series_ncols(u->S);
	const char *dot = u->utf8 ? " · " : " - ";
	char name[64], lbl[48];
	note[0] = hint[0] = 0;
	*zero = 0;
	/* NAIS-Net: the spectral and Gershgorin margins of each block, its contraction ratio
	 * while there is room; a negative margin must show below zero */
	static const char *const nais[][2] = { { "nais_margin_", "margin " }, { "nais_gersh_", "gersh " },
					       { "nais_contract_", "contract " } };
	for (int kind = 0; kind < 3; kind++)
		for (int c = 0; c < ncols; c++) {
			size_t pl = strlen(nais[kind][0]);
			if (series_colname(u->S, c, name, sizeof name) < 0 || strncmp(name, nais[kind][0], pl) ||
			    !has_values(u, cur, name))
				continue;
			if (kind == 2 && n >= 4)
				continue;
			snprintf(lbl, sizeof lbl, "%s%s", nais[kind][1], name + pl);
			n = pick(p, n, cur, name, lbl);
		}
	if (n) {
		*zero = 1;
		double v = ui_last_finite(u, cur, "nais_rescaled");
		size_t l = strlen(note);
		if (isfinite(v))
			l += (size_t)snprintf(note + l, nlen - l, "%srescaled %.0f%%", dot, 100 * v);
		v = ui_last_finite(u, cur, "nais_stages");
		if (isfinite(v) && l < nlen)
			snprintf(note + l, nlen - l, "%sstages %.2g", dot, v);
		return n;
	}
	/* twin agreement: disagreement beside the twins' test error (they should track each
	 * other), C (or C + S beside the gap when there are several training sets) */
	int a = agreement_run(u, cur);
	if (a >= 0 && has_values(u, a, "disagree")) {
		n = pick(p, n, a, "disagree", NULL);
		if (has_values(u, a, "twins_test_err"))
			n = pick(p, n, a, "twins_test_err", "test err");
		if (has_values(u, a, "incons_instab")) {
			n = pick(p, n, a, "incons_instab", "C+S");
			if (has_values(u, a, "twins_gap"))
				n = pick(p, n, a, "twins_gap", "gap");
		} else if (has_values(u, a, "incons")) {
			n = pick(p, n, a, "incons", "C");
		}
		return n;
	}
	if (has_values(u, cur, "phdim")) {
		n = pick(p, n, cur, "phdim", "PH dim");
		double r2 = ui_last_finite(u, cur, "phdim_r2");
		char proj[80];
		size_t l = 0;
		if (isfinite(r2))
			l = (size_t)snprintf(note, nlen, u->utf8 ? "%sfit R²=%.3f" : "%sfit R^2=%.3f", dot, r2);
		event_phrase(u, cur, "(projected", proj, sizeof proj);
		if (proj[0] && l < nlen)
			snprintf(note + l, nlen - l, " %s", proj);
		return n;
	}
	n = pick(p, n, cur, "grad_norm", NULL);
	n = pick(p, n, cur, "wnorm", NULL);
	snprintf(hint, hlen, "no instruments yet: NAIS margins need a nais model, agreement needs "
			     "`twin K`, PH dimension needs `phdim`");
	return n;
}

void ui_build_inst(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	static const char gl[] = "oxs#@%&=";
	static const char *const mk[] = { "●", "▲", "◆", "■", "★", "♦", "○", "△" };
	static const ui_role roles[] = { ROLE_INST0, ROLE_INST1, ROLE_INST2, ROLE_INST3, ROLE_INST4,
					 ROLE_INST5, ROLE_RUN6, ROLE_RUN7 };
	inst_pick p[UI_MAXINST];
	int np = 0, cur = rs->cur;
	char note[160] = "";
	j->zero = 0;
	if (u->ninst > 0) { /* `plot COL ...` */
		int a = agreement_run(u, cur);
		for (int i = 0; i < u->ninst; i++) {
			np = pick(p, np, is_agreement_col(u->inst[i]) && a >= 0 ? a : cur, u->inst[i], NULL);
			if (!strncmp(u->inst[i], "nais_margin_", 12) || !strncmp(u->inst[i], "nais_gersh_", 11))
				j->zero = 1;
		}
	} else {
		np = inst_auto(u, cur, p, note, sizeof note, &j->zero, j->hint, sizeof j->hint);
	}
	int allpos = 1;
	double mn = INFINITY, mx = -INFINITY;
	for (int i = 0; i < np; i++) {
		double *x, *y;
		size_t n = ui_read_xy(u, p[i].run, p[i].col, epochs, &x, &y), m = 0;
		if (!n)
			continue;
		/* instruments are computed at some evaluations only: join the ones there are
		 * instead of leaving isolated dots between empty rows */
		for (size_t k = 0; k < n; k++)
			if (isfinite(y[k]) && isfinite(x[k])) {
				x[m] = x[k];
				y[m++] = y[k];
			}
		n = m;
		for (size_t k = 0; k < n; k++)
			if (isfinite(y[k])) {
				if (y[k] <= 0)
					allpos = 0;
				mn = fmin(mn, y[k]);
				mx = fmax(mx, y[k]);
			}
		ui_job_line(j, x, y, n, ui_job_series(j, roles[i], gl[i]));
		char g[2] = { gl[i], 0 };
		/* every curve labelled: the labels get room before the notes */
		ui_job_legend_must(j, u->braille ? mk[i] : g, roles[i], p[i].label);
	}
	/* magnitudes apart (a norm and a gradient): a log axis shows both */
	j->logy = !j->zero && allpos && mx > 20 * mn;
	/* whose instruments: the run's, or its twin group's agreement series */
	char who[48] = "";
	int whose = np > 0 ? p[0].run : cur;
	if (rs->total > 1 || whose != cur) {
		char name[40];
		ui_run_name(u, whose, name, sizeof name);
		snprintf(who, sizeof who, " (%s)", name);
	}
	snprintf(j->title, sizeof j->title, "instruments%s%s", who, j->logy ? " (log)" : "");
	snprintf(j->note, sizeof j->note, "%s", note);
}
