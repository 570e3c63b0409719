/* state.c — what the screen shows, and the commands that change it: the runs a plot
 * overlays, the event log's storage, and the screen commands (ui_cmd_*, for the command
 * table's screen family and the keys), which only change this state and set requests
 * (u->want) that the loop performs before its next frame; nothing here draws. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

/* ---- the runs a plot overlays ------------------------------------------------------------ */

void ui_visible_runs(struct ui *u, runset *rs)
{
	int nr = series_nruns(u->S), want = series_current(u->S), have_cur = 0;
	rs->n = rs->total = rs->hidden = 0;
	for (int r = 0; r < nr; r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.dropped || st.agreement)
			continue;
		rs->total++;
		if (r != want && r < u->nhidden && u->hidden[r]) { /* the current run always shows */
			rs->hidden++;
			continue;
		}
		if (rs->n < UI_MAXRUNS)
			rs->id[rs->n++] = r;
		else if (r == want)
			rs->id[UI_MAXRUNS - 1] = r;
		have_cur |= r == want;
	}
	rs->cur = have_cur ? want : rs->n ? rs->id[0] : -1;
	rs->slot = 0;
	for (int k = 0; k < rs->n; k++)
		if (rs->id[k] == rs->cur)
			rs->slot = k;
}

void ui_run_name(struct ui *u, int run, char *buf, size_t len)
{
	series_status st;
	series_get_status(u->S, run, &st);
	snprintf(buf, len, "%s", st.name);
}

/* ---- event log ------------------------------------------------------------------------ */

void ui_log(struct ui *u, ui_role role, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_text_ascii(buf, sizeof buf);
	/* one entry per line; control characters would move the cursor, so they become '?' */
	for (char *line = buf, *nl; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		if (!*line && nl)
			continue;
		ui_logline *l = &u->log[(u->log_head + u->log_n) % UI_LOGN];
		if (u->log_n < UI_LOGN)
			u->log_n++;
		else
			u->log_head = (u->log_head + 1) % UI_LOGN;
		snprintf(l->text, sizeof l->text, "%.*s", (int)sizeof l->text - 1, line);
		for (unsigned char *p = (unsigned char *)l->text; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
		l->role = role;
	}
	u->log_scroll = 0;
	u->log_dirty = 1;
}

void ui_log_scroll(struct ui *u, int dir)
{
	int h = u->logw ? getmaxy(u->logw) : 4;
	u->log_scroll += dir * (h > 1 ? h - 1 : 1);
	if (u->log_scroll > u->log_n - 1)
		u->log_scroll = u->log_n - 1;
	if (u->log_scroll < 0)
		u->log_scroll = 0;
	u->log_dirty = 1;
}

int ui_any_running(struct ui *u)
{
	for (int r = 0; r < series_nruns(u->S); r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.state == RUN_RUNNING && !st.dropped)
			return 1;
	}
	return 0;
}

int ui_latest_step(struct ui *u)
{
	long best = 0;
	for (int r = 0; r < series_nruns(u->S); r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.step > best)
			best = st.step;
	}
	return (int)(best > 2000000000L ? 2000000000L : best);
}

/* PgUp shows twice as many steps (up to all), PgDn half as many. */
void ui_zoom_step(struct ui *u, int out)
{
	long latest = ui_latest_step(u), z = u->zoom;
	if (out) {
		if (!z)
			return;
		z *= 2;
		if (z >= latest)
			z = 0;
	} else {
		if (!z)
			z = latest;
		z /= 2;
		if (z < 10)
			z = 10;
	}
	char err[GG_ERRLEN];
	ui_cmd_zoom(u, z, err);
}

void ui_touch(struct ui *u)
{
	u->gen++;
	u->status_dirty = 1; /* it shows error rates or losses as the plots do */
	for (int i = 0; i < UI_NKINDS; i++)
		u->panels[i].have_range = 0;
}

/* The help opens at the loop's next request (help.c fills the overlay). */
void ui_help_open(struct ui *u)
{
	u->want |= UI_WANT_HELP;
}

void ui_reply(struct ui *u, ui_pager *p, const char *theirs)
{
	int W = u->logw ? getmaxx(u->logw) : u->W, room = (u->logw ? getmaxy(u->logw) : 4) - 1;
	int rows = 0, n = ui_pager_lines(p);
	ui_role role;
	for (int i = 0; i < n && rows <= room; i++)
		rows += ui_wrapped_rows(ui_pager_text(p, i, &role), W);
	if (rows <= room) {
		for (int i = 0; i < n; i++) {
			const char *text = ui_pager_text(p, i, &role);
			ui_log(u, role, "%s", text);
		}
		ui_pager_free(p);
		return;
	}
	if (theirs) {
		ui_log(u, ROLE_DIM, "%s's %s: %d lines, shown on its screen", theirs, ui_pager_title(p), n);
		ui_pager_free(p);
		return;
	}
	ui_log(u, ROLE_DIM, "%s: %d lines, in the overlay (q closes it)", ui_pager_title(p), n);
	ui_pager_open(u, p);
}

/* ---- screen commands ------------------------------------------------------------------- */

static const char *xaxis_names[] = { "steps", "epochs", "log-steps" };

int ui_cmd_view(struct ui *u, ui_view v, char *err)
{
	if (!ui_view_name(v))
		return gg_fail(err, "unknown view");
	u->view = v;
	u->want |= UI_WANT_RELAYOUT;
	ui_log(u, ROLE_DIM, "view %s", ui_view_name(v));
	return 0;
}

int ui_cmd_xaxis(struct ui *u, ui_xaxis x, char *err)
{
	if ((int)x == -1)
		x = u->xaxis == UI_X_LOGSTEPS ? UI_X_STEPS : UI_X_LOGSTEPS;
	if ((int)x < 0 || x > UI_X_LOGSTEPS)
		return gg_fail(err, "unknown x axis");
	u->xaxis = x;
	ui_touch(u);
	ui_log(u, ROLE_DIM, "x axis: %s", xaxis_names[x]);
	return 0;
}

int ui_cmd_logy(struct ui *u, int on, char *err)
{
	u->logy = on < 0 ? !u->logy : on;
	ui_touch(u);
	ui_log(u, ROLE_DIM, "log y %s", u->logy ? "on" : "off");
	return 0;
}

int ui_cmd_smooth(struct ui *u, double alpha, char *err)
{
	if (!(alpha >= 0 && alpha <= UI_SMOOTH_MAX))
		return gg_fail(err, "smooth must be between 0 and %g", UI_SMOOTH_MAX);
	u->smooth = alpha;
	ui_touch(u);
	ui_log(u, ROLE_DIM, alpha > 0 ? "smoothing: EMA weight %g" : "smoothing off", alpha);
	return 0;
}

int ui_cmd_metric(struct ui *u, int errors, char *err)
{
	u->errors = !!errors;
	ui_touch(u);
	ui_log(u, ROLE_DIM, "plotting %s", errors ? "error rates" : "losses");
	return 0;
}

int ui_cmd_zoom(struct ui *u, long last_steps, char *err)
{
	if (last_steps < 0)
		return gg_fail(err, "zoom must be positive");
	u->zoom = last_steps;
	ui_touch(u);
	if (last_steps)
		ui_log(u, ROLE_DIM, "zoom: the last %ld steps", last_steps);
	else
		ui_log(u, ROLE_DIM, "zoom: all steps");
	return 0;
}

int ui_cmd_follow(struct ui *u, int on, char *err)
{
	u->follow = on < 0 ? !u->follow : on;
	if (!u->follow)
		u->frozen_hi = ui_latest_step(u);
	ui_touch(u);
	ui_log(u, ROLE_DIM, "follow %s", u->follow ? "on" : "off");
	return 0;
}

int ui_cmd_plot(struct ui *u, int n, char **names, char *err)
{
	if (n < 1 || n > UI_MAXINST)
		return gg_fail(err, "plot takes 1 to %d series names", UI_MAXINST);
	if (n == 1 && strcmp(names[0], "auto") == 0) {
		u->ninst = 0;
		ui_touch(u);
		ui_log(u, ROLE_DIM, "instruments: chosen by what the current run has");
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (series_find_col(u->S, names[i]) < 0) {
			char known[600] = "";
			size_t len = 0;
			for (int c = 0; c < series_ncols(u->S) && len < sizeof known; c++) {
				char name[64];
				if (series_colname(u->S, c, name, sizeof name) == 0)
					len += (size_t)snprintf(known + len, sizeof known - len, "%s%s",
								len ? " " : "", name);
			}
			return gg_fail(err, "no series named '%s' (known: %s)", names[i], known);
		}
	u->ninst = n;
	for (int i = 0; i < n; i++)
		snprintf(u->inst[i], sizeof u->inst[i], "%s", names[i]);
	ui_touch(u);
	if (u->view == UI_VIEW_AUTO && !ui_layout_shows(u, UI_P_INST)) {
		ui_log(u, ROLE_DIM, "instruments: %d series (not on screen at this size: 'view inst' shows them)", n);
	} else {
		ui_log(u, ROLE_DIM, "instruments: %d series", n);
	}
	return 0;
}

int ui_cmd_help(struct ui *u, const char *command, char *err)
{
	if (!command) {
		ui_help_open(u);
		return 0;
	}
	char *text = cmd_help_text(command), title[64];
	snprintf(title, sizeof title, "help %.50s", command);
	ui_pager *p = ui_pager_new(title);
	for (char *line = text, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		ui_pager_add(p, ROLE_INFO, 4, line);
	}
	free(text);
	ui_reply(u, p, NULL);
	return 0;
}

int ui_cmd_run_shown(struct ui *u, const char *name, int shown, char *err)
{
	int r = -1, cur = series_current(u->S);
	char runs[300] = "";
	size_t len = 0;
	for (int i = 0; i < series_nruns(u->S); i++) {
		series_status st;
		series_get_status(u->S, i, &st);
		if (st.dropped || st.agreement)
			continue;
		if (!strcmp(st.name, name))
			r = i;
		if (len < sizeof runs)
			len += (size_t)snprintf(runs + len, sizeof runs - len, "%s%s", len ? " " : "", st.name);
	}
	if (r < 0)
		return gg_fail(err, "no run named '%s' (runs: %s)", name, runs);
	if (!shown && r == cur)
		return gg_fail(err, "%s is the current run, whose curves always show; 'run use' another "
			       "first", name);
	if (r >= u->nhidden) {
		u->hidden = gg_xrealloc(u->hidden, (size_t)(r + 1));
		memset(u->hidden + u->nhidden, 0, (size_t)(r + 1 - u->nhidden));
		u->nhidden = r + 1;
	}
	u->hidden[r] = !shown;
	ui_touch(u);
	u->log_dirty = 1;
	ui_log(u, ROLE_DIM, shown ? "run %s: its curves show" : "run %s: its curves are hidden "
	       "('run show %s' brings them back)", name, name);
	return 0;
}

int ui_cmd_quit(struct ui *u, char *err)
{
	(void)err;
	if (u->lab.stop) { /* attached to a lab elsewhere: quitting it stops it for everyone */
		u->ask_stop = 1;
		ui_log(u, ROLE_WARN, "stop the lab itself, for every viewer? type y to stop it, anything "
				     "else to keep it running (q or F10 only detach)");
		return 0;
	}
	u->quit = 1;
	return 0;
}
