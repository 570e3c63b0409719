/* tui.c — the terminal screen: one loop on the main thread, on top of the screen's other
 * files (the order is in tui.h). It runs typed lines (the prompt's line callback) and
 * performs what keys and commands request (u->want).
 *
 * The loop (after htop): a timed wait on the keyboard and the lab's self-pipe is the tick.
 * Keys go to readline (prompt.c) or the overlay (pager.c); lab messages go to the event
 * log, or, for a reply too long for it, the overlay;
 * frames are drawn from the series store on the UI's own clock, at most --fps a second and
 * only while something changes, so an idle screen sleeps in ppoll. Signals that matter
 * (INT, TERM, HUP, WINCH, TSTP, CONT) are blocked except inside ppoll, so they can only arrive while
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
#include <sys/resource.h>
#include <sys/syscall.h>
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

/* Attached to a lab elsewhere, `quit` asked whether to stop it: this line is the answer. */
static void answer_stop(struct ui *u, const char *line)
{
	u->ask_stop = 0;
	ui_log(u, ROLE_ECHO, "> %s", line);
	if (!strcmp(line, "y") || !strcmp(line, "yes")) {
		ui_log(u, ROLE_INFO, "stopping the lab");
		u->lab.stop(u->lab.self);
	} else {
		ui_log(u, ROLE_INFO, "the lab goes on (q or F10 detach from it)");
	}
}

/* A typed line (or a script's screen command): parse errors go to the log and nothing
 * runs; screen commands run here and now; the rest goes to the trainer in one piece. */
static void run_line(struct ui *u, const char *line, int from_script)
{
	cmd_list l = { 0 };
	if (!from_script && u->ask_stop) {
		answer_stop(u, line);
		return;
	}
	if (!from_script)
		ui_log(u, ROLE_ECHO, "> %s", line);
	if (!from_script && u->lab.stop && !strcmp(line, "q")) {
		u->quit = 1; /* attached: q detaches, as F10 does; `quit` asks (ui_cmd_quit) */
		return;
	}
	if (cmd_parse_line(line, NULL, &l, report_parse_error, u) > 0) {
		cmd_list_free(&l);
		return;
	}
	cmd_list lab_part = { 0 };
	for (int i = 0; i < l.n; i++) {
		const cmd_call *c = &l.calls[i];
		if (CMD_FLAGS(c) & CMD_UI) {
			char err[GG_ERRLEN];
			cmd_ctx ctx = { .ui = u, .script = from_script, .run_shown = ui_cmd_run_shown,
					.figures = &ui_figure_ops };
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
		u->lab.submit(u->lab.self, &lab_part, 0);
	cmd_list_free(&lab_part);
	cmd_list_free(&l);
}

/* The prompt's line callback: a line typed and entered. */
static void prompt_line(struct ui *u, const char *line)
{
	run_line(u, line, 0);
}

static void submit_text(struct ui *u, const char *text, const char *why)
{
	ui_log(u, ROLE_ECHO, "> %s (%s)", text, why);
	run_line(u, text, 1);
}

/* F2 asks for this (UI_WANT_PAUSE). */
static void toggle_pause(struct ui *u)
{
	series_status st;
	int cur = series_current(u->S);
	if (cur < 0)
		return;
	series_get_status(u->S, cur, &st);
	submit_text(u, st.state == RUN_RUNNING ? "pause" : "train", "F2");
}

/* Ctrl-L: repaint the terminal from scratch, once. */
static void redraw_all(struct ui *u)
{
	clearok(curscr, TRUE);
	for (int i = 0; i < UI_NKINDS; i++)
		u->panels[i].dirty = 1;
	u->status_dirty = u->log_dirty = u->bar_dirty = u->overlay_dirty = 1;
}

/* The size changed (or the first time, or the view): new windows. */
static void relayout(struct ui *u)
{
	u->W = COLS;
	u->H = LINES;
	ui_free_windows(u);
	ui_layout(u);
	ui_pager_window(u);
	ui_prompt_resize(u);
	redraw_all(u);
}

/* Ctrl-Z, or a SIGTSTP from elsewhere: the terminal goes back to the shell (curses' modes;
 * readline never changed the terminal here) and the whole job stops, as a cooked terminal's
 * Ctrl-Z would stop it; the trainer stops with it. From fg on, everything is drawn again.
 * A job without job control (an orphaned process group) is not stopped: the screen just
 * comes back. */
static void suspend(struct ui *u)
{
	endwin();
	fflush(stdout);
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &old);
	sigset_t tstp;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	pthread_sigmask(SIG_UNBLOCK, &tstp, NULL);
	kill(0, SIGTSTP); /* stops here until SIGCONT */
	pthread_sigmask(SIG_BLOCK, &tstp, NULL);
	sigaction(SIGTSTP, &old, NULL);
	/* the SIGCONT that woke us needs no second redraw */
	sigset_t cont;
	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);
	struct timespec zero = { 0, 0 };
	sigtimedwait(&cont, NULL, &zero);
	if (got_signal == SIGCONT)
		got_signal = 0;
	/* back: the first refresh after endwin puts the terminal in curses' modes again; the
	 * size may have changed meanwhile */
	doupdate();
	relayout(u);
}

/* What key actions and commands asked for since the last frame. */
static void perform_requests(struct ui *u)
{
	unsigned want = u->want;
	u->want = 0;
	if (want & UI_WANT_RELAYOUT)
		relayout(u);
	else if (want & UI_WANT_REDRAW)
		redraw_all(u);
	if (want & UI_WANT_HELP)
		ui_help_show(u);
	if (want & UI_WANT_PAUSE)
		toggle_pause(u);
	if (want & UI_WANT_SUSPEND)
		suspend(u);
}

/* ---- lab messages --------------------------------------------------------------------- */

static void handle_messages(struct ui *u)
{
	lab_msg m;
	while (u->lab.next_msg(u->lab.self, &m)) {
		switch (m.kind) {
		case LAB_MSG_INFO:
			if (u->reply)
				ui_pager_add(u->reply, ROLE_INFO, 2, m.text);
			else
				ui_log(u, ROLE_INFO, "%s", m.text);
			break;
		case LAB_MSG_ERROR:
			if (u->reply) {
				char line[420];
				snprintf(line, sizeof line, "error: %s", m.text);
				ui_pager_add(u->reply, ROLE_ERROR, 2, line);
			} else {
				ui_log(u, ROLE_ERROR, "error: %s", m.text);
			}
			break;
		case LAB_MSG_REPLY: /* what the command says comes as one block */
			if (u->reply)
				ui_pager_free(u->reply);
			u->reply = ui_pager_new(m.text);
			u->reply_viewer = m.viewer;
			/* the lab's own prompt is not echoed to its viewers as theirs are */
			if (m.viewer == 0 && u->lab.viewer != 0)
				ui_log(u, ROLE_ECHO, "lab> %s", m.text);
			break;
		case LAB_MSG_REPLY_END:
			if (u->reply) {
				char who[32];
				const char *theirs = NULL; /* the screen whose command it was, if not this */
				if (u->reply_viewer != u->lab.viewer) {
					if (u->reply_viewer)
						snprintf(who, sizeof who, "viewer %d", u->reply_viewer);
					else
						snprintf(who, sizeof who, "the lab");
					theirs = who;
				}
				ui_reply(u, u->reply, theirs);
			}
			u->reply = NULL;
			break;
		case LAB_MSG_PROGRESS:
			break; /* the plots show it */
		case LAB_MSG_UICMD:
			ui_log(u, ROLE_ECHO, "script> %s", m.text);
			run_line(u, m.text, 1);
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
		case LAB_MSG_ECHO:
			ui_log(u, ROLE_ECHO, "%s", m.text);
			break;
		}
		u->status_dirty = 1;
	}
}

/* ---- input ---------------------------------------------------------------------------- */

static void read_input(struct ui *u)
{
	for (;;) {
		WINDOW *w = u->pager ? u->overlayw : u->promptw;
		if (!w)
			break;
		int c = wgetch(w);
		if (c == ERR)
			break;
		if (c == KEY_RESIZE) {
			relayout(u);
			continue;
		}
		if (c == 0x1a) /* Ctrl-Z, on the prompt and in the overlay alike */
			u->want |= UI_WANT_SUSPEND;
		else if (u->pager)
			ui_pager_key(u, c);
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

/* The UI thread asks the scheduler for short slices. Under EEVDF (Linux 6.6; custom slices
 * from 6.12) a task with a shorter slice gets an earlier deadline and, when it wakes,
 * preempts a task with a longer one, so the thread that a key wakes runs at once instead of
 * after a busy core's slice (the trainer's, or another program's). It stays an ordinary
 * task, with its nice value; an older kernel or another system refuses, and nothing
 * changes. */
static void ask_short_slices(void)
{
#ifdef SYS_sched_setattr
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} a = { .size = sizeof a, .policy = 0 /* SCHED_OTHER */, .runtime = 200000 /* ns */ };
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	a.nice = errno ? 0 : nice;
	syscall(SYS_sched_setattr, 0, &a, 0);
#endif
}

static int frame_due(struct ui *u, double now, int *timeout_ms)
{
	double period = 1.0 / (u->opt.fps > 0 ? u->opt.fps : 10);
	int busy = u->opt.frames || ui_any_running(u) || u->status_dirty || u->log_dirty ||
		   u->overlay_dirty || u->bar_dirty || series_version(u->S) != u->status_version;
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

/* ---- the lab in this process ----------------------------------------------------------- */

static series_store *local_series(void *self)
{
	return lab_series(self);
}

static void local_submit(void *self, cmd_list *cmds, int script)
{
	lab_submit(self, cmds, script);
}

static int local_wake_fd(void *self)
{
	return lab_wake_fd(self);
}

static int local_next_msg(void *self, lab_msg *m)
{
	return lab_next_msg(self, m);
}

static int local_autosave(void *self, char *path, size_t len, char *err)
{
	return lab_autosave(self, path, len, err);
}

ui_lab ui_local_lab(lab *L)
{
	return (ui_lab){ .self = L, .series = local_series, .submit = local_submit,
			 .wake_fd = local_wake_fd, .next_msg = local_next_msg,
			 .autosave = local_autosave };
}

int ui_tui(const ui_lab *ul, cmd_list *script, const ui_options *o)
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
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGCONT);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGWINCH);
	sigdelset(&waitmask, SIGTSTP);
	sigdelset(&waitmask, SIGCONT);
	if (sig_pipe[0] < 0 && pipe(sig_pipe) == 0)
		for (int i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	/* Installed before newterm, so curses does not put in its own exit-on-SIGINT ones. */
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term, old_hup, old_tstp, old_cont;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGTSTP, &sa, &old_tstp);
	sigaction(SIGCONT, &sa, &old_cont);
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
	u->lab = *ul;
	u->S = ul->series(ul->self);
	u->opt = *o;
	int locale_utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	/* the Linux console's font has no braille (nor most symbols): ASCII, as --ascii */
	int console = term && strncmp(term, "linux", 5) == 0;
	u->utf8 = locale_utf8 && !o->ascii && !console;
	u->braille = u->utf8;
	ui_text_init(u->utf8);
	ui_state_defaults(u);
	ui_theme_init(o->color);
	relayout(u);

	char err[GG_ERRLEN];
	if (ui_prompt_init(u, prompt_line, err) < 0)
		ui_log(u, ROLE_ERROR, "%s", err);

	if (script && script->n) {
		ui_log(u, ROLE_INFO, "running the script (%d command%s); type to take over, F1 for help",
		       script->n, script->n == 1 ? "" : "s");
		ul->submit(ul->self, script, 1);
	} else if (o->idle) {
		ui_log(u, ROLE_INFO, "%s; type help or press F1", o->note ? o->note : "gglab");
	} else {
		/* a finite default: enough epochs to see the gap open, then it pauses and says so */
		ui_log(u, ROLE_INFO, "gglab: training the default setup for %d epochs, then it pauses; "
		       "type help or press F1", UI_DEFAULT_EPOCHS);
		char line[32];
		snprintf(line, sizeof line, "train %d epochs", UI_DEFAULT_EPOCHS);
		run_line(u, line, 1);
	}
	if (o->notice)
		ui_log(u, ROLE_INFO, "%s", o->notice);
	if (!locale_utf8 && !o->ascii) {
		const char *loc = setlocale(LC_CTYPE, NULL);
		ui_log(u, ROLE_WARN, "locale %s is not UTF-8: an ASCII screen; braille needs e.g. LANG=C.UTF-8",
		       loc && *loc ? loc : "(unknown)");
	}
	if (o->listen)
		ui_log(u, ROLE_INFO, "listening on %s: gglab attach %s shows this lab elsewhere", o->listen,
		       o->listen);

	ask_short_slices();
	int wake = ul->wake_fd(ul->self);
	while (!u->quit) {
		perform_requests(u);
		int timeout;
		double now = gg_now();
		struct pollfd key = { .fd = STDIN_FILENO, .events = POLLIN };
		if (frame_due(u, now, &timeout) && poll(&key, 1, 0) <= 0) {
			/* (a key waiting goes first: its echo does not wait for the frame) */
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
			if (sig == SIGTSTP)
				suspend(u);
			/* continued after a stop that was not ours (SIGSTOP): the shell may have
			 * had the terminal meanwhile, so curses takes it back and draws it all */
			if (sig == SIGCONT) {
				endwin();
				doupdate();
				relayout(u);
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
	ui_pager_close(u);
	ui_pager_free(u->reply);
	ui_free_windows(u);
	endwin();
	curses_active = 0;
	delscreen(scr);
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &crash_old[i], NULL);
	int status = u->exit_status;
	if (status && ul->autosave) {
		/* An SSH drop or a kill: the terminal is restored; keep everything and say how
		 * to go on (the message may go nowhere if the terminal is gone, the file stays).
		 * Our handlers stay in place until then: a second SIGHUP, which a dying terminal
		 * often sends, must not kill the process halfway through the save. (Attached to a
		 * lab elsewhere, there is nothing to keep: the lab goes on.) */
		char path[4096], reason[GG_ERRLEN];
		fprintf(stderr, "gglab: terminated by a signal or a lost terminal\n");
		if (ul->autosave(ul->self, path, sizeof path, reason) == 0)
			fprintf(stderr, "gglab: saved everything to %s; continue with: gglab --resume %s\n",
				path, path);
		else
			fprintf(stderr, "gglab: could not save a checkpoint: %s\n", reason);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
	sigaction(SIGCONT, &old_cont, NULL);
	ui_view_free(u);
	return status;
}

