/* instpanel.c — the instruments panel's data step (panels.c's table): the columns `plot`
 * names, or by default what the current run has, by priority: NAIS-Net margins with what
 * moves beside them, twin agreement (from the twin group's agreement series, with the set
 * it was measured on), the PH dimension with its spread, else the weight and gradient norms
 * with a hint how to get the others. The columns, their titles and which are agreement
 * columns or margins come from the registry (gglab/columns.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/columns.h"
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

/* The registry's flags of a column (0: not an instrument). */
static unsigned col_flags(const char *name)
{
	const series_column *c = series_column_find(name, NULL);
	return c ? c->flags : 0;
}

static const char *col(series_column_id id)
{
	return series_column_name(id);
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

/* An instrument by its registry entry, labelled with its title. */
static int pick_col(inst_pick *p, int n, int run, series_column_id id)
{
	return pick(p, n, run, series_columns[id].name, series_columns[id].title);
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
	/* NAIS-Net, each block's margins and what moves beside them: a stable dense block's
	 * spectral margin is pinned at h·ε by construction (the same for every block, so one
	 * curve stands for them), and its measured contraction and λ_min, λ_max of RᵀR come
	 * beside it (its Gershgorin margin, a loose bound there, only by `plot`); a free or
	 * convolutional block shows its margins (the Gershgorin one is the certificate of a
	 * convolutional block) and its contraction. A negative margin must show below zero. */
	static const series_column_id nais[] = { SERIES_COL_NAIS_MARGIN, SERIES_COL_NAIS_GERSH,
						 SERIES_COL_NAIS_CONTRACT, SERIES_COL_NAIS_RTR_MIN,
						 SERIES_COL_NAIS_RTR_MAX };
	int rtr_shown = 0, pinned = 0;
	for (int kind = 0; kind < 5; kind++)
		for (int c = 0; c < ncols; c++) {
			const char *layer;
			if (series_colname(u->S, c, name, sizeof name) < 0 ||
			    series_column_find(name, &layer) != &series_columns[nais[kind]] ||
			    !has_values(u, cur, name))
				continue;
			char rtr[64];
			series_column_layer(SERIES_COL_NAIS_RTR_MIN, layer, rtr, sizeof rtr);
			int stable = has_values(u, cur, rtr);
			if ((kind == 1 && stable) || (kind == 0 && stable && pinned++))
				continue;
			/* short labels, the block's number after them ("λmin2"): two blocks' eight
			 * curves keep their legend in half a 200-column screen */
			static const char *const brief[] = { "margin", "gersh", "contr", "min", "max" };
			const char *num = kind == 0 && stable ? "" : layer + strcspn(layer, "0123456789");
			snprintf(lbl, sizeof lbl, "%s%s%s", kind >= 3 ? u->utf8 ? "λ" : "l" : "",
				 brief[kind], num);
			n = pick(p, n, cur, name, lbl);
			if (kind == 3)
				rtr_shown = 1;
		}
	if (n) {
		*zero = 1;
		double v = ui_last_finite(u, cur, col(SERIES_COL_NAIS_RESCALED));
		size_t l = strlen(note);
		if (isfinite(v))
			l += (size_t)snprintf(note + l, nlen - l, "%s%s %.0f%%", dot,
					      series_columns[SERIES_COL_NAIS_RESCALED].title, 100 * v);
		v = ui_last_finite(u, cur, col(SERIES_COL_NAIS_STAGES));
		if (isfinite(v) && l < nlen)
			l += (size_t)snprintf(note + l, nlen - l, "%s%s %.2g", dot,
					      series_columns[SERIES_COL_NAIS_STAGES].title, v);
		if (rtr_shown && l < nlen)
			snprintf(note + l, nlen - l, u->utf8 ? "%sλ of RᵀR" : "%sl of R'R", dot);
		return n;
	}
	/* twin agreement: disagreement beside the twins' test error (they should track each
	 * other), C (or C + S beside the gap when there are several training sets) */
	int a = agreement_run(u, cur);
	if (a >= 0 && has_values(u, a, col(SERIES_COL_DISAGREE))) {
		n = pick_col(p, n, a, SERIES_COL_DISAGREE);
		if (has_values(u, a, col(SERIES_COL_TWINS_TEST_ERR)))
			n = pick_col(p, n, a, SERIES_COL_TWINS_TEST_ERR);
		if (has_values(u, a, col(SERIES_COL_INCONS_INSTAB))) {
			n = pick_col(p, n, a, SERIES_COL_INCONS_INSTAB);
			if (has_values(u, a, col(SERIES_COL_TWINS_GAP)))
				n = pick_col(p, n, a, SERIES_COL_TWINS_GAP);
		} else if (has_values(u, a, col(SERIES_COL_INCONS))) {
			n = pick_col(p, n, a, SERIES_COL_INCONS);
		}
		series_status st;
		series_get_status(u->S, a, &st);
		size_t l = st.n_heldout > 0 ? (size_t)snprintf(note, nlen, "%sdisagree, err on %d held-out points",
							      dot, st.n_heldout)
					    : (size_t)snprintf(note, nlen, "%sdisagree, err on the held-out split", dot);
		if (!has_values(u, a, col(SERIES_COL_INSTAB)) && l < nlen)
			snprintf(note + l, nlen - l, "%sS n/a (needs sets=2)", dot);
		return n;
	}
	if (has_values(u, cur, col(SERIES_COL_PHDIM))) {
		n = pick_col(p, n, cur, SERIES_COL_PHDIM);
		double r2 = ui_last_finite(u, cur, col(SERIES_COL_PHDIM_R2));
		double sd = ui_last_finite(u, cur, col(SERIES_COL_PHDIM_SD));
		char proj[80];
		size_t l = 0;
		if (isfinite(sd))
			l = (size_t)snprintf(note, nlen, u->utf8 ? "%s±%.3f over draws" : "%s+-%.3f over draws",
					     dot, sd);
		if (isfinite(r2) && l < nlen)
			l += (size_t)snprintf(note + l, nlen - l, u->utf8 ? "%sfit R²=%.3f" : "%sfit R^2=%.3f",
					      dot, r2);
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
			unsigned f = col_flags(u->inst[i]);
			int who = f & SERIES_COL_AGREEMENT && a >= 0 ? a : cur;
			const series_column *c = series_column_find(u->inst[i], NULL);
			int s_col = c == &series_columns[SERIES_COL_INSTAB] ||
				    c == &series_columns[SERIES_COL_INCONS_INSTAB];
			char lbl[48];
			snprintf(lbl, sizeof lbl, "%.20s n/a (needs sets=2)", u->inst[i]);
			np = pick(p, np, who, u->inst[i], s_col && !has_values(u, who, u->inst[i]) ? lbl : NULL);
			if (f & SERIES_COL_MARGIN)
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
		if (!n) { /* nothing to draw; a column that cannot have values says why */
			if (strstr(p[i].label, "n/a"))
				ui_job_legend_must(j, "", roles[i], p[i].label);
			continue;
		}
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
