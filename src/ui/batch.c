/* batch.c — the plain line printer that stands in for the screen in --batch, -c and
 * stdin-script modes. Everything it prints is plain text: bytes that are control
 * characters in a message are replaced, so a log file never carries escape sequences. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gglab/columns.h"
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

void ui_summary(lab *L, FILE *out)
{
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
			char line[400];
			if (!n)
				snprintf(line, sizeof line, "summary: %s: the twins never evaluated together", st.name);
			else
				snprintf(line, sizeof line,
					 "summary: %s @ step %ld: disagreement %.4f vs the twins' test error %.4f | "
					 "inconsistency %.4f | instability %.4f", st.name, st.step, dis, te, inc, ins);
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
		char line[600];
		snprintf(line, sizeof line,
			 "summary: %s %s step %ld epoch %.2f | %s | %s | lr %s | train loss %.4f err %.2f%% | "
			 "test loss %.4f err %.2f%% | gap %.4f | dist %.4g | best test loss %.4f @ step %ld",
			 st.name, series_state_name(st.state), st.step, st.epoch, st.model, st.data, st.lr_text, trl,
			 100 * tre, tel, 100 * tee, tel - trl, d, best, best_step);
		put_plain(out, "", line);
	}
}

static void ignore_error(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A script's screen command, as its canonical text: only those flagged CMD_BATCH act. */
static void batch_uicmd(const char *text)
{
	cmd_list l = { 0 };
	char err[GG_ERRLEN];
	if (cmd_parse_line(text, NULL, &l, ignore_error, NULL) == 0)
		for (int i = 0; i < l.n; i++)
			if (l.calls[i].entry->flags & CMD_BATCH) {
				cmd_ctx ctx = { .out = stdout, .script = 1 };
				if (cmd_exec(&ctx, &l.calls[i], err) < 0)
					put_plain(stderr, "error: ", err);
			}
	cmd_list_free(&l);
}

int ui_batch(lab *L, cmd_list *script, int resumed)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int status = 0, done = 0;
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
				put_plain(stderr, "", m.text);
				break;
			case LAB_MSG_ERROR:
				put_plain(stderr, "error: ", m.text);
				status = 1;
				break;
			case LAB_MSG_UICMD:
				batch_uicmd(m.text);
				break;
			case LAB_MSG_DONE:
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
	ui_summary(L, stderr);
	return status;
}
