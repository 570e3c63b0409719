/* batch.c — the plain line printer that stands in for the screen in --batch, -c and
 * stdin-script modes. Everything it prints is plain text: bytes that are control
 * characters in a message are replaced, so a log file never carries escape sequences. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/columns.h"
#include "gglab/fit.h"
#include "gglab/ui.h"
#include "gglab/util.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void put_plain(FILE *out, const char *prefix, const char *text)
{
	fputs(prefix, out);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p == '\n' ? '\n' : (*p < 0x20 || *p == 0x7f) ? '?' : *p, out);
	fputc('\n', out);
}

/* The standard error of an error rate p measured on n examples. */
/* An error rate p measured on n examples, in percent with its standard error: "36.70% ±
 * 1.52"; without it when n is not known (a metrics file does not record it). */
static const char *pct(char *buf, size_t len, double p, int n)
{
	if (n > 0 && p >= 0 && p <= 1)
		snprintf(buf, len, "%.2f%% ± %.2f", 100 * p, 100 * sqrt(p * (1 - p) / n));
	else
		snprintf(buf, len, "%.2f%%", 100 * p);
	return buf;
}

/* Mean and sample standard deviation of v[0..n). */
static void mean_sd(const double *v, int n, double *mean, double *sd)
{
	double m = 0, q = 0;
	for (int i = 0; i < n; i++)
		m += v[i] / n;
	for (int i = 0; i < n; i++)
		q += (v[i] - m) * (v[i] - m);
	*mean = n ? m : NAN;
	*sd = n > 1 ? sqrt(q / (n - 1)) : NAN;
}

/* A twin group's runs as one measurement: the mean ± spread (sample standard deviation over
 * the runs) of the last test error and of the log-t slope b of dist = a + b ln t. */
static void group_stats(series_store *s, int group, char *buf, size_t len)
{
	double err[64], slope[64];
	char first[32] = "", last[32] = "";
	int k = 0, ks = 0, ce = series_find_col(s, "test_err"), cd = series_find_col(s, "dist");
	for (int r = 0; r < series_nruns(s) && k < 64; r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (st.agreement || st.dropped || st.twin_group != group)
			continue;
		snprintf(first[0] ? last : first, sizeof first, "%s", st.name);
		size_t n = series_nrows(s, r);
		long *t = malloc((n ? n : 1) * sizeof *t);
		double *d = malloc((n ? n : 1) * sizeof *d), *x = malloc((n ? n : 1) * sizeof *x);
		n = series_read(s, r, cd, 0, n, t, d);
		for (size_t i = 0; i < n; i++)
			x[i] = (double)t[i];
		double a, b, r2;
		if (fit_line(x, d, n, 0, &a, &b, &r2) >= FIT_MIN_POINTS && isfinite(b))
			slope[ks++] = b;
		free(t);
		free(d);
		free(x);
		if (series_last(s, r, ce, &err[k]) >= 0 && isfinite(err[k]))
			k++;
	}
	double em, es, bm, bs;
	mean_sd(err, k, &em, &es);
	mean_sd(slope, ks, &bm, &bs);
	snprintf(buf, len, "%s..%s, %d runs: test err %.2f%% ± %.2f%% (spread over the runs; test "
			   "evaluation subset) | log-t slope of dist "
			   "%.3f ± %.3f", first, last, k, 100 * em, 100 * es, bm, bs);
}

/* The latest value of block `layer`'s column of kind id (NaN: none). */
static double block_last(series_store *s, int r, series_column_id id, const char *layer)
{
	char col[64];
	double v;
	series_column_layer(id, layer, col, sizeof col);
	series_last(s, r, series_find_col(s, col), &v);
	return v;
}

/* A NAIS run's instruments, block by block: beside the margin (pinned at h·ε for a stable
 * dense block; a convolutional block has its Gershgorin certificate instead) what moves:
 * the measured contraction, λ_min and λ_max of RᵀR, and the fraction of steps the
 * projection rescaled. Nothing for a run without NAIS blocks. */
static void nais_summary(series_store *s, int r, const char *name, FILE *out)
{
	double resc;
	series_last(s, r, series_find_col(s, series_column_name(SERIES_COL_NAIS_RESCALED)), &resc);
	for (int blk = 1; blk <= 64; blk++) {
		char layer[16], line[400];
		snprintf(layer, sizeof layer, "nais%d", blk);
		double m = block_last(s, r, SERIES_COL_NAIS_MARGIN, layer);
		double g = block_last(s, r, SERIES_COL_NAIS_GERSH, layer);
		double ct = block_last(s, r, SERIES_COL_NAIS_CONTRACT, layer);
		double lo = block_last(s, r, SERIES_COL_NAIS_RTR_MIN, layer);
		double hi = block_last(s, r, SERIES_COL_NAIS_RTR_MAX, layer);
		if (!isfinite(m) && !isfinite(g))
			return;
		int len = isfinite(m) ? snprintf(line, sizeof line, "summary: %s %s: spectral margin %.4g",
						 name, layer, m)
				      : snprintf(line, sizeof line, "summary: %s %s: Gershgorin certificate "
								    "%.4g (convolutional)", name, layer, g);
		len += snprintf(line + len, sizeof line - len, " | measured contraction %.4g", ct);
		if (isfinite(lo) && len < (int)sizeof line)
			len += snprintf(line + len, sizeof line - len, " | stable: lambda(R'R) in [%.4g, %.4g]",
					lo, hi);
		if (isfinite(resc) && len < (int)sizeof line)
			snprintf(line + len, sizeof line - len, " | projection rescaled on %.0f%% of steps",
				 100 * resc);
		put_plain(out, "", line);
	}
}

/* Returns the number of twin groups that never evaluated together (an error: the group
 * measured nothing). */
int ui_summary(lab *L, FILE *out)
{
	int bad = 0;
	series_store *s = lab_series(L);
	int cl = series_find_col(s, "train_loss"), ct = series_find_col(s, "test_loss");
	int ce = series_find_col(s, "test_err"), cte = series_find_col(s, "train_err");
	int cd = series_find_col(s, "dist");
	for (int r = 0; r < series_nruns(s); r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (st.dropped)
			continue;
		size_t n = series_nrows(s, r);
		if (st.agreement) {
			double dis, te, inc, ins;
			series_last(s, r, series_find_col(s, series_column_name(SERIES_COL_DISAGREE)), &dis);
			series_last(s, r, series_find_col(s, series_column_name(SERIES_COL_TWINS_TEST_ERR)), &te);
			series_last(s, r, series_find_col(s, series_column_name(SERIES_COL_INCONS)), &inc);
			series_last(s, r, series_find_col(s, series_column_name(SERIES_COL_INSTAB)), &ins);
			char line[600], group[200], instab[32];
			if (!n) {
				snprintf(line, sizeof line, "%s: the twins never evaluated together (train "
							    "the group: 'run use' one of them, then 'train')", st.name);
				put_plain(out, "error: ", line);
				bad++;
				continue;
			}
			group_stats(s, st.twin_group, group, sizeof group);
			if (isfinite(ins))
				snprintf(instab, sizeof instab, "%.4f", ins);
			else
				snprintf(instab, sizeof instab, "n/a (needs sets=2)");
			snprintf(line, sizeof line,
				 "summary: %s @ step %ld: %s | disagreement %.4f vs the twins' error %.4f (both "
				 "on the %d held-out points) | inconsistency %.4f | instability %s",
				 st.name, st.step, group, dis, te, st.n_heldout, inc, instab);
			put_plain(out, "", line);
			continue;
		}
		if (!n) { /* a run that never started (e.g. `gglab -c help`) has nothing to sum up */
			if (st.state != RUN_IDLE)
				fprintf(out, "summary: %s %s, no evaluations\n", st.name,
					series_state_name(st.state));
			continue;
		}
		double trl, tel, tee, tre, d;
		series_last(s, r, cl, &trl);
		series_last(s, r, ct, &tel);
		series_last(s, r, ce, &tee);
		series_last(s, r, cte, &tre);
		series_last(s, r, cd, &d);
		/* best test loss and its step */
		double best = INFINITY;
		long best_step = -1, step;
		for (size_t i = 0; i < n; i++) {
			double v;
			series_read(s, r, ct, i, 1, &step, &v);
			if (v < best)
				best = v, best_step = step;
		}
		char line[600], p1[40], p2[40], subsets[40] = "";
		if (st.n_eval > 0)
			snprintf(subsets, sizeof subsets, " (%d images each)", st.n_eval);
		/* `eval` at the last evaluation: the full sets' numbers, in their own columns */
		double ftrl, ftre, ftel, ftee;
		long fstep = series_last(s, r, series_find_col(s, "full_test_err"), &ftee);
		if (fstep >= 0 && fstep == series_last(s, r, ce, &tee)) {
			series_last(s, r, series_find_col(s, "full_train_loss"), &ftrl);
			series_last(s, r, series_find_col(s, "full_train_err"), &ftre);
			series_last(s, r, series_find_col(s, "full_test_loss"), &ftel);
			snprintf(line, sizeof line,
				 "summary: %s %s step %ld epoch %.2f | %s | %s | lr %s | on the full sets (%d "
				 "train, %d test images, 'eval'): train loss %.4f err %s | test loss %.4f err %s "
				 "| gap %.4f | dist %.4g",
				 st.name, series_state_name(st.state), st.step, st.epoch, st.model, st.data,
				 st.lr_text, st.n_train, st.n_test, ftrl, pct(p1, sizeof p1, ftre, st.n_train),
				 ftel, pct(p2, sizeof p2, ftee, st.n_test), ftel - ftrl, d);
			put_plain(out, "", line);
		}
		snprintf(line, sizeof line,
			 "summary: %s %s step %ld epoch %.2f | %s | %s | lr %s | on the evaluation subsets%s: "
			 "train loss %.4f err %s | test loss %.4f err %s | gap %.4f | dist %.4g | best test "
			 "loss %.4f @ step %ld",
			 st.name, series_state_name(st.state), st.step, st.epoch, st.model, st.data, st.lr_text,
			 subsets, trl, pct(p1, sizeof p1, tre, st.n_eval), tel,
			 pct(p2, sizeof p2, tee, st.n_eval), tel - trl, d, best, best_step);
		put_plain(out, "", line);
		nais_summary(s, r, st.name, out);
	}
	return bad;
}

static void ignore_error(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A script's screen command, as its canonical text: those flagged CMD_BATCH act (help
 * prints, the figures are written from view), those flagged CMD_VIEW change view; the
 * rest have nothing to act on here. */
/* Returns -1 when one failed (a run-time error: the exit status says so). */
static int batch_uicmd(lab *L, struct ui *view, const char *text)
{
	cmd_list l = { 0 };
	char err[GG_ERRLEN];
	int rc = 0;
	if (cmd_parse_line(text, NULL, &l, ignore_error, NULL) == 0)
		for (int i = 0; i < l.n; i++)
			if (CMD_FLAGS(&l.calls[i]) & (CMD_BATCH | CMD_VIEW)) {
				/* a view command changes view as the screen's own; the rest print or
				 * picture it */
				cmd_ctx ctx = CMD_FLAGS(&l.calls[i]) & CMD_VIEW
						      ? (cmd_ctx){ .lab = L, .ui = view, .script = 1,
								   .run_shown = ui_cmd_run_shown }
						      : (cmd_ctx){ .lab = L, .out = stdout, .script = 1,
								   .figures = &ui_figure_ops, .view = view };
				if (cmd_exec(&ctx, &l.calls[i], err) < 0) {
					put_plain(stderr, "error: ", err);
					rc = -1;
				}
			}
	cmd_list_free(&l);
	return rc;
}

int ui_batch(lab *L, cmd_list *script, int resumed, int listening)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int status = 0, done = 0;
	struct ui *view = ui_view_new(L);
	double t0 = gg_now();
	double last_print[256] = { 0 };
	if (script->n)
		lab_submit(L, script, 1);
	else if (resumed && lab_script_left(L) == 0)
		done = 1; /* the checkpoint was taken after its script ended: nothing left to run */
	while (!done && !interrupted) {
		struct pollfd p = { .fd = lab_wake_fd(L), .events = POLLIN };
		if (poll(&p, 1, 500) < 0 && errno != EINTR)
			break;
		lab_msg m;
		while (lab_next_msg(L, &m)) {
			switch (m.kind) {
			case LAB_MSG_PROGRESS: {
				/* at most one line per run per second; the summary has the last word */
				int slot = m.run >= 0 && m.run < 256 ? m.run : 0;
				double now = gg_now();
				if (now - last_print[slot] >= 1.0) {
					last_print[slot] = now;
					put_plain(stderr, "", m.text);
				}
				break;
			}
			case LAB_MSG_INFO:
			case LAB_MSG_ECHO:
				put_plain(stderr, "", m.text);
				break;
			case LAB_MSG_ERROR:
				put_plain(stderr, "error: ", m.text);
				status = 1;
				break;
			case LAB_MSG_UICMD:
				if (batch_uicmd(L, view, m.text) < 0)
					status = 1;
				break;
			case LAB_MSG_LOADING: /* a second at most: the line printer waits */
			case LAB_MSG_REPLY:   /* plain lines here: a reply is its lines */
			case LAB_MSG_REPLY_END:
				break;
			case LAB_MSG_DONE:
				if (listening && !strcmp(m.text, LAB_TAKEN_OVER)) {
					put_plain(stderr, "", "a viewer took over from the script: the lab goes "
							      "on until a viewer stops it (quit in gglab attach)");
					break;
				}
				done = 1;
				break;
			case LAB_MSG_QUIT:
				done = 1;
				break;
			}
		}
	}
	if (interrupted) {
		/* An SSH drop or a kill: keep everything, say how to go on. */
		char path[4096], err[GG_ERRLEN];
		fprintf(stderr, "gglab: interrupted by signal %d\n", (int)interrupted);
		if (lab_autosave(L, path, sizeof path, err) == 0)
			fprintf(stderr, "gglab: saved everything to %s; continue with: gglab --resume %s\n",
				path, path);
		else
			fprintf(stderr, "gglab: could not save a checkpoint: %s\n", err);
		status = 1;
	}
	fprintf(stderr, "gglab: finished in %.1f s\n", gg_now() - t0);
	if (ui_summary(L, stderr) > 0)
		status = 1;
	ui_view_free(view);
	return status;
}
