/* tui.c — the terminal screen: one loop on the main thread, and the screen commands.
 *
 * The loop (after htop): a timed wait on the keyboard and the lab's self-pipe is the tick.
 * Keys go to readline (prompt.c) or the help screen; lab messages go to the event log;
 * frames are drawn from the series store on the UI's own clock, at most --fps a second and
 * only while something changes, so an idle screen sleeps in ppoll. Signals that matter
 * (INT, TERM, HUP, WINCH) are blocked except inside ppoll, so they can only arrive while
 * the loop waits, never halfway through a curses call; main() blocks them before the
 * trainer thread starts, so that thread never sees them. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "gglab/util.h"
#include "tui.h"

/* The signal handlers' only link to the loop. */
static volatile sig_atomic_t got_signal;
/* Crash handlers need the screen to put the terminal back; set while curses is active. */
static volatile sig_atomic_t curses_active;

/* OpenBLAS starts its threads before main can block signals, so a signal may land on one
 * of them while this thread sleeps in ppoll: the handler also writes a byte to a pipe the
 * loop polls, which wakes it whichever thread ran the handler. */
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	got_signal = sig;
	if (sig_pipe[1] >= 0) {
		int saved = errno;
		ssize_t w = write(sig_pipe[1], "", 1);
		(void)w;
		errno = saved;
	}
}

static struct sigaction crash_old[5];
static const int crash_sigs[5] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };

/* A crash: give the terminal back first, then let the previous handler (the default, or a
 * sanitizer's report) deal with the signal, which is re-raised when this one returns. */
static void on_crash(int sig)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
	for (int i = 0; i < 5; i++)
		if (crash_sigs[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	raise(sig);
}

/* ---- event log ------------------------------------------------------------------------ */

void ui_log(struct ui *u, ui_role role, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
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

/* ---- running commands ----------------------------------------------------------------- */

static void report_parse_error(void *arg, const char *msg)
{
	struct ui *u = arg;
	const char *usage = strstr(msg, "\nusage:");
	if (usage) {
		ui_log(u, ROLE_ERROR, "%.*s", (int)(usage - msg), msg);
		ui_log(u, ROLE_DIM, "  %s", usage + 1);
	} else {
		ui_log(u, ROLE_ERROR, "%s", msg);
	}
}

/* A typed line (or a script's screen command): parse errors go to the log and nothing
 * runs; screen commands run here and now; the rest goes to the trainer in one piece. */
void ui_run_line(struct ui *u, const char *line, int from_script)
{
	cmd_list l = { 0 };
	if (!from_script)
		ui_log(u, ROLE_ECHO, "> %s", line);
	if (cmd_parse_line(line, NULL, &l, report_parse_error, u) > 0) {
		cmd_list_free(&l);
		return;
	}
	cmd_list lab_part = { 0 };
	for (int i = 0; i < l.n; i++) {
		const cmd_call *c = &l.calls[i];
		if (c->entry->flags & CMD_UI) {
			char err[GG_ERRLEN];
			cmd_ctx ctx = { .ui = u, .script = from_script };
			if (cmd_exec(&ctx, c, err) < 0)
				ui_log(u, ROLE_ERROR, "%s", err);
			continue;
		}
		if (lab_part.n == lab_part.cap) {
			lab_part.cap = lab_part.cap ? 2 * lab_part.cap : 4;
			lab_part.calls = gg_xrealloc(lab_part.calls, (size_t)lab_part.cap * sizeof *lab_part.calls);
		}
		cmd_call_copy(&lab_part.calls[lab_part.n++], c);
	}
	if (lab_part.n)
		lab_submit(u->L, &lab_part, 0);
	cmd_list_free(&lab_part);
	cmd_list_free(&l);
}

static void submit_text(struct ui *u, const char *text, const char *why)
{
	ui_log(u, ROLE_ECHO, "> %s (%s)", text, why);
	ui_run_line(u, text, 1);
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

void ui_toggle_pause(struct ui *u)
{
	series_status st;
	int cur = series_current(u->S);
	if (cur < 0)
		return;
	series_get_status(u->S, cur, &st);
	submit_text(u, st.state == RUN_RUNNING ? "pause" : "train", "F2");
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

/* Ctrl-L: repaint the terminal from scratch, once. */
static void redraw_all(struct ui *u)
{
	clearok(curscr, TRUE);
	for (int i = 0; i < UI_NKINDS; i++)
		u->panels[i].dirty = 1;
	u->status_dirty = u->log_dirty = u->help_dirty = 1;
}

/* The size changed (or the first time, or the view): new windows. */
static void relayout(struct ui *u)
{
	u->W = COLS;
	u->H = LINES;
	ui_free_windows(u);
	ui_layout(u);
	ui_prompt_resize(u);
	redraw_all(u);
}

/* What key actions and commands asked for since the last frame. */
static void perform_requests(struct ui *u)
{
	unsigned want = u->want;
	u->want = 0;
	if (want & UI_WANT_RELAYOUT) { /* the help window comes with the layout */
		relayout(u);
		return;
	}
	if (want & UI_WANT_HELP)
		ui_help_window(u);
	if (want & UI_WANT_REDRAW)
		redraw_all(u);
}

/* ---- lab messages --------------------------------------------------------------------- */

static void handle_messages(struct ui *u)
{
	lab_msg m;
	while (lab_next_msg(u->L, &m)) {
		switch (m.kind) {
		case LAB_MSG_INFO:
			ui_log(u, ROLE_INFO, "%s", m.text);
			break;
		case LAB_MSG_ERROR:
			ui_log(u, ROLE_ERROR, "error: %s", m.text);
			break;
		case LAB_MSG_PROGRESS:
			break; /* the plots show it */
		case LAB_MSG_UICMD:
			ui_log(u, ROLE_ECHO, "script> %s", m.text);
			ui_run_line(u, m.text, 1);
			break;
		case LAB_MSG_DONE:
			ui_log(u, ROLE_INFO, "script done");
			break;
		case LAB_MSG_QUIT:
			u->quit = 1;
			break;
		case LAB_MSG_LOADING: /* the status line shows it in place of the state */
			snprintf(u->loading, sizeof u->loading, "%.63s", m.text);
			break;
		}
		u->status_dirty = 1;
	}
}

/* ---- input ---------------------------------------------------------------------------- */

static void read_input(struct ui *u)
{
	for (;;) {
		WINDOW *w = u->help_open ? u->helpw : u->promptw;
		if (!w)
			break; /* the help's window comes with the next request */
		int c = wgetch(w);
		if (c == ERR)
			break;
		if (c == KEY_RESIZE) {
			relayout(u);
			continue;
		}
		if (u->help_open)
			ui_help_key(u, c);
		else if (c >= 0 && c < 256)
			ui_prompt_feed(u, c);
		if (u->quit || u->want)
			break; /* the loop performs the request before the next key */
	}
}

/* ---- the terminal ----------------------------------------------------------------------- */

/* Checks TERM before curses sees it: initscr would exit on an unknown terminal, and a
 * terminal without cursor addressing cannot show the screen anyway. main calls it before
 * anything is written (a refused start leaves no journal). */
int ui_check_terminal(char *err, size_t len)
{
	const char *term = getenv("TERM");
	if (!term || !*term) {
		snprintf(err, len, "TERM is not set, so the terminal type is unknown; set it (e.g. "
			 "TERM=xterm-256color) or use --batch");
		return -1;
	}
	int e = 0;
	const char *why = NULL;
	if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
		why = e == -1 ? "no terminfo database was found"
			      : "it is not in the terminfo database (or too limited for a screen)";
	} else {
		if (tigetstr("cup") == NULL || tigetstr("cup") == (char *)-1)
			why = "it cannot move the cursor";
		del_curterm(cur_term);
	}
	if (why) {
		snprintf(err, len, "cannot use terminal type '%s': %s; try TERM=xterm-256color or --batch",
			 term, why);
		return -1;
	}
	return 0;
}

static int frame_due(struct ui *u, double now, int *timeout_ms)
{
	double period = 1.0 / (u->opt.fps > 0 ? u->opt.fps : 10);
	int busy = u->opt.frames || ui_any_running(u) || u->status_dirty || u->log_dirty ||
		   u->help_dirty || series_version(u->S) != u->status_version;
	for (int i = 0; i < UI_NKINDS && !busy; i++)
		busy = u->panels[i].win && (u->panels[i].dirty || u->panels[i].pending);
	if (!busy) {
		*timeout_ms = -1;
		return 0;
	}
	double wait = u->last_frame + period - now;
	if (wait <= 0) {
		*timeout_ms = 0;
		return 1;
	}
	*timeout_ms = (int)ceil(wait * 1000);
	return 0;
}

int ui_tui(lab *L, cmd_list *script, const ui_options *o)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	char why[300];
	const char *term = getenv("TERM");
	if (ui_check_terminal(why, sizeof why) < 0) {
		fprintf(stderr, "gglab: %s\n", why);
		return 2;
	}

	/* Signals: blocked except while the loop waits (main has usually blocked them before
	 * starting the trainer; doing it again here is harmless). */
	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGWINCH);
	if (sig_pipe[0] < 0 && pipe(sig_pipe) == 0)
		for (int i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	/* Installed before newterm, so curses does not put in its own exit-on-SIGINT ones. */
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	struct sigaction crash = { .sa_handler = on_crash };
	sigemptyset(&crash.sa_mask);
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &crash, &crash_old[i]);

	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "gglab: cannot use terminal type '%s': curses cannot drive it; "
				"try TERM=xterm-256color or --batch\n", term && *term ? term : "(unset)");
		return 2;
	}
	set_term(scr);
	curses_active = 1;
	/* raw: Ctrl-C, Ctrl-S, Ctrl-Z reach readline as keys instead of signalling */
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(1);

	struct ui *u = gg_xcalloc(1, sizeof *u);
	u->L = L;
	u->S = lab_series(L);
	u->opt = *o;
	u->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	u->braille = u->utf8 && !o->ascii;
	ui_text_init(u->utf8);
	u->view = UI_VIEW_AUTO;
	u->xaxis = UI_X_STEPS;
	u->logy = 1;
	u->smooth = 0.6;
	u->follow = 1;
	u->ninst = 0; /* the instruments panel picks what the current run has */
	ui_theme_init(o->color);
	relayout(u);

	char err[GG_ERRLEN];
	if (ui_prompt_init(u, err) < 0)
		ui_log(u, ROLE_ERROR, "%s", err);

	if (script && script->n) {
		ui_log(u, ROLE_INFO, "running the script (%d command%s); type to take over, F1 for help",
		       script->n, script->n == 1 ? "" : "s");
		lab_submit(L, script, 1);
	} else if (o->idle) {
		ui_log(u, ROLE_INFO, "%s; type help or press F1", o->note ? o->note : "gglab");
	} else {
		/* a finite default: enough epochs to see the gap open, then it pauses and says so */
		ui_log(u, ROLE_INFO, "gglab: training the default setup for %d epochs, then it pauses; "
		       "type help or press F1", UI_DEFAULT_EPOCHS);
		char line[32];
		snprintf(line, sizeof line, "train %d epochs", UI_DEFAULT_EPOCHS);
		ui_run_line(u, line, 1);
	}
	if (o->notice)
		ui_log(u, ROLE_INFO, "%s", o->notice);

	int wake = lab_wake_fd(L);
	while (!u->quit) {
		perform_requests(u);
		int timeout;
		double now = gg_now();
		if (frame_due(u, now, &timeout)) {
			ui_draw_frame(u);
			u->last_frame = now;
			if (o->frames && ++u->frames >= o->frames)
				break;
			continue;
		}
		struct pollfd p[3] = { { .fd = STDIN_FILENO, .events = POLLIN },
				       { .fd = wake, .events = POLLIN },
				       { .fd = sig_pipe[0], .events = POLLIN } };
		struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
		int n = ppoll(p, 3, timeout < 0 ? NULL : &ts, &waitmask);
		if (n < 0 && errno != EINTR)
			break;
		char drain[16];
		while (sig_pipe[0] >= 0 && read(sig_pipe[0], drain, sizeof drain) > 0)
			;
		if (got_signal) {
			int sig = got_signal;
			got_signal = 0;
			if (sig == SIGTERM || sig == SIGHUP) {
				u->exit_status = 1;
				break;
			}
			if (sig == SIGINT) {
				ui_prompt_clear(u);
				ui_log(u, ROLE_DIM, "interrupt: line cleared (quit leaves)");
			}
		}
		/* The terminal went away (an SSH link or a terminal window closed): a hung-up tty
		 * polls readable forever with nothing to read, so POLLHUP ends the session even
		 * when POLLIN comes with it, or the loop would spin. */
		if (n > 0 && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
			u->exit_status = 1;
			break;
		}
		/* Always try the keyboard: after SIGWINCH it returns KEY_RESIZE without bytes. */
		read_input(u);
		if (n > 0 && (p[1].revents & POLLIN))
			handle_messages(u);
	}

	ui_prompt_done(u);
	ui_free_windows(u);
	endwin();
	curses_active = 0;
	delscreen(scr);
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &crash_old[i], NULL);
	int status = u->exit_status;
	if (status) {
		/* An SSH drop or a kill: the terminal is restored; keep everything and say how
		 * to go on (the message may go nowhere if the terminal is gone, the file stays).
		 * Our handlers stay in place until then: a second SIGHUP, which a dying terminal
		 * often sends, must not kill the process halfway through the save. */
		char path[4096], reason[GG_ERRLEN];
		fprintf(stderr, "gglab: terminated by a signal or a lost terminal\n");
		if (lab_autosave(L, path, sizeof path, reason) == 0)
			fprintf(stderr, "gglab: saved everything to %s; continue with: gglab --resume %s\n",
				path, path);
		else
			fprintf(stderr, "gglab: could not save a checkpoint: %s\n", reason);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	free(u);
	return status;
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
	char *text = cmd_help_text(command);
	ui_log(u, ROLE_INFO, "%s", text);
	free(text);
	return 0;
}

int ui_cmd_quit(struct ui *u, char *err)
{
	u->quit = 1;
	return 0;
}
