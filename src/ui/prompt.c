/* prompt.c — GNU readline inside curses, through the callback interface.
 *
 * Readline never touches the terminal here: its terminal preparation is switched off, it
 * gets its bytes from us (read with wgetch on the prompt window, which has no keypad(), so
 * escape sequences reach readline whole and it decodes them), and we draw its state
 * (rl_display_prompt + rl_line_buffer, cursor from rl_point) on the last line ourselves.
 * Screen keys (F-keys, PgUp/PgDn) are bound in readline's own keymaps from the terminal's
 * terminfo sequences, so they can never collide with editing. History lives in
 * $XDG_STATE_HOME/gglab/history. Readline's callbacks carry no context pointer, hence the
 * one file-level pointer to the screen. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <term.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "gglab/util.h"
#include "tui.h"

#define PROMPT "gglab> "
#define HISTORY_MAX 1000
#define ESC_TIMEOUT_MS 25 /* a key sequence's bytes come closer together than this */
#define ESC_TIMEOUT_TEXT "25"

static struct ui *the_ui;
static ui_line_fn line_fn;  /* what an entered line goes to (ui_prompt_init) */
static int pending = -1;    /* the byte handed to readline, until it reads it */
static char history_path[4096];
static FILE *devnull;

/* ---- readline's input and output hooks ---------------------------------------------- */

static int rl_getc_hook(FILE *f)
{
	(void)f;
	if (pending >= 0) {
		int c = pending;
		pending = -1;
		return c;
	}
	/* Readline wants the rest of a key sequence now (its hook said bytes are waiting). */
	for (;;) {
		int c = wgetch(the_ui->promptw);
		if (c >= 0 && c < 256)
			return c;
		if (c == KEY_RESIZE) { /* the loop makes the new windows once this key is read */
			the_ui->want |= UI_WANT_RELAYOUT;
			continue;
		}
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(&p, 1, 1000) > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
			return EOF;
	}
}

/* Readline asks this (with its keyseq-timeout, 25 ms here) whether more of an ambiguous
 * key sequence is coming; curses reads one byte at a time without keypad(), so whatever is
 * not yet read is still in the kernel and poll sees it. */
static int rl_avail_hook(void)
{
	if (pending >= 0)
		return 1;
	int us = rl_set_keyboard_input_timeout(-1);
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	return poll(&p, 1, us > 0 ? (us + 999) / 1000 : 0) > 0 && (p.revents & POLLIN);
}

static void rl_redisplay_hook(void)
{
	if (!the_ui)
		return;
	ui_prompt_draw(the_ui);
	doupdate();
}

/* ---- drawing the line ------------------------------------------------------------------ */

typedef struct {
	wchar_t ch;
	int width;
	int off;  /* byte offset in the source */
} cell;

/* Decodes the text into display cells (ui_text_next: '?' for what cannot be shown), but
 * control characters show as ^X, and readline's invisible-text markers vanish. */
static int decode(const char *s, cell *out, int max)
{
	int n = 0;
	size_t len = strlen(s), i = 0;
	while (i < len && n < max - 1) {
		unsigned char b = (unsigned char)s[i];
		if (b == RL_PROMPT_START_IGNORE || b == RL_PROMPT_END_IGNORE) {
			i++;
			continue;
		}
		if (b < 0x20 || b == 0x7f) {
			out[n++] = (cell){ L'^', 1, (int)i };
			out[n++] = (cell){ b == 0x7f ? L'?' : (wchar_t)(b + '@'), 1, (int)i };
			i++;
			continue;
		}
		int off = (int)i, w;
		wchar_t wc = ui_text_next(s, len, &i, &w);
		out[n++] = (cell){ wc, w, off };
	}
	return n;
}

static void put_cell(WINDOW *w, wchar_t ch, ui_role role)
{
	cchar_t cc;
	wchar_t s[2] = { ch, 0 };
	setcchar(&cc, s, ui_role_attr(role), ui_role_pair(role), NULL);
	wadd_wch(w, &cc);
}

void ui_prompt_draw(struct ui *u)
{
	WINDOW *w = u->promptw;
	if (!w || u->pager) /* the overlay covers it */
		return;
	int W = getmaxx(w);
	static cell pc[512], lc[4096];
	const char *pr = rl_display_prompt ? rl_display_prompt : PROMPT;
	int np = decode(pr, pc, 512), nl = decode(rl_line_buffer ? rl_line_buffer : "", lc, 4096);
	werase(w);
	wmove(w, 0, 0);

	/* The prompt: whole, or its tail when it would take more than half the line. */
	int pw = 0, p0 = 0;
	for (int i = 0; i < np; i++)
		pw += pc[i].width;
	while (pw > W / 2 && p0 < np)
		pw -= pc[p0++].width;
	for (int i = p0; i < np; i++)
		put_cell(w, pc[i].ch, ROLE_PROMPT);

	/* The line, scrolled sideways so the cursor stays in view. */
	int avail = W - pw - 1, cur = 0, total = 0;
	for (int i = 0; i < nl; i++) {
		if (lc[i].off < rl_point)
			cur += lc[i].width;
		total += lc[i].width;
	}
	int hs = u->prompt_hscroll;
	if (avail < 1)
		avail = 1;
	if (total < avail)
		hs = 0;
	else if (cur < hs + 1)
		hs = cur - avail / 3;
	else if (cur > hs + avail - 1)
		hs = cur - avail + 1 + avail / 3;
	if (hs > cur)
		hs = cur;
	if (hs < 0)
		hs = 0;
	u->prompt_hscroll = hs;
	int col = 0, x = pw;
	for (int i = 0; i < nl; i++) {
		int c0 = col;
		col += lc[i].width;
		if (c0 < hs)
			continue;
		if (c0 - hs + lc[i].width > avail)
			break;
		wmove(w, 0, x);
		put_cell(w, lc[i].ch, ROLE_TEXT);
		x += lc[i].width;
	}
	if (hs > 0) {
		wmove(w, 0, pw);
		put_cell(w, L'<', ROLE_HINT);
	}
	if (total - hs > avail) {
		wmove(w, 0, W - 1);
		put_cell(w, L'>', ROLE_HINT);
	}
	/* An empty prompt says how to get help (not during a history search). */
	if (nl == 0 && rl_display_prompt == rl_prompt && avail > 12) {
		const char *hint = u->lab.stop ? (u->utf8 ? "type help or press F1 · Tab completes · q detaches"
							   : "type help or press F1 - Tab completes - q detaches")
			: u->utf8 ? "type help or press F1 · Tab completes · q quits"
				  : "type help or press F1 - Tab completes - q quits";
		static cell hc[128];
		int nh = decode(hint, hc, 128);
		wmove(w, 0, pw);
		for (int i = 0, used = 0; i < nh && used + hc[i].width <= avail - 1; used += hc[i].width, i++)
			put_cell(w, hc[i].ch, ROLE_HINT);
	}
	wmove(w, 0, pw + cur - hs < W ? pw + cur - hs : W - 1);
	wnoutrefresh(w);
}

/* ---- keys ------------------------------------------------------------------------------ */

static int act_help(int count, int key)
{
	ui_help_open(the_ui);
	return 0;
}

static int act_pause(int count, int key)
{
	the_ui->want |= UI_WANT_PAUSE;
	return 0;
}

static int act_view(int count, int key)
{
	char err[GG_ERRLEN];
	ui_cmd_view(the_ui, (ui_view)(((int)the_ui->view + 1) % UI_NVIEWS), err);
	return 0;
}

static int act_metric(int count, int key)
{
	char err[GG_ERRLEN];
	ui_cmd_metric(the_ui, !the_ui->errors, err);
	return 0;
}

static int act_logy(int count, int key)
{
	char err[GG_ERRLEN];
	ui_cmd_logy(the_ui, -1, err);
	return 0;
}

static int act_xaxis(int count, int key)
{
	char err[GG_ERRLEN];
	ui_cmd_xaxis(the_ui, (ui_xaxis)((the_ui->xaxis + 1) % (UI_X_LOGSTEPS + 1)), err);
	return 0;
}

static int act_smooth(int count, int key)
{
	static const double steps[] = { 0, 0.6, 0.9, 0.97 };
	char err[GG_ERRLEN];
	int i = 0;
	while (i < 4 && steps[i] <= the_ui->smooth + 1e-9)
		i++;
	ui_cmd_smooth(the_ui, steps[i % 4], err);
	return 0;
}

static int act_follow(int count, int key)
{
	char err[GG_ERRLEN];
	ui_cmd_follow(the_ui, -1, err);
	return 0;
}

static int act_quit(int count, int key)
{
	the_ui->quit = 1;
	return 0;
}

static int act_zoom_out(int count, int key)
{
	ui_zoom_step(the_ui, 1);
	return 0;
}

static int act_zoom_in(int count, int key)
{
	ui_zoom_step(the_ui, 0);
	return 0;
}

static int act_log_up(int count, int key)
{
	ui_log_scroll(the_ui, 1);
	return 0;
}

static int act_log_down(int count, int key)
{
	ui_log_scroll(the_ui, -1);
	return 0;
}

static int act_cursor(int count, int key)
{
	ui_cursor_toggle(the_ui);
	return 0;
}

/* The arrows, Home and End move the cursor while it is on and the line is empty (nothing
 * to edit then), else they edit the line as ever. */
static int cursor_or(int cols, rl_command_func_t *edit, int count, int key)
{
	if (the_ui->cursor && rl_end == 0) {
		ui_cursor_move(the_ui, cols);
		return 0;
	}
	return edit ? edit(count, key) : 0;
}

static int act_left(int count, int key) { return cursor_or(-1, rl_backward_char, count, key); }
static int act_right(int count, int key) { return cursor_or(1, rl_forward_char, count, key); }
static int act_left10(int count, int key) { return cursor_or(-10, rl_backward_word, count, key); }
static int act_right10(int count, int key) { return cursor_or(10, rl_forward_word, count, key); }
static int act_home(int count, int key) { return cursor_or(-1000000, rl_beg_of_line, count, key); }
static int act_end(int count, int key) { return cursor_or(1000000, rl_end_of_line, count, key); }

static int act_redraw(int count, int key)
{
	the_ui->want |= UI_WANT_REDRAW;
	return 0;
}

/* Ctrl-C, and Esc alone: the line goes, as one edit that undo (Ctrl-_) brings back; nothing
 * is interrupted. */
static int act_clear(int count, int key)
{
	if (rl_end > 0) {
		rl_begin_undo_group();
		rl_delete_text(0, rl_end);
		rl_end_undo_group();
	}
	ui_prompt_clear(the_ui);
	return 0;
}

/* The keys: what the help says of each, and for the screen's own keys the terminfo
 * capability, fallbacks that common terminals send whatever TERM says, or a control key,
 * and the action. Rows without an action are readline's (listed for the help only); a row
 * without a label shares the line of the row above. The help lists them in this order. */
typedef struct {
	const char *label;
	const char *help;  /* "%s": the views' names */
	const char *cap;
	const char *fallback[3];
	int ctrl;
	rl_command_func_t *fn;
	int curses_key; /* the KEY_ code the overlay's window (keypad) gets for the sequences */
	const char *bar;   /* its word on the function-key bar, or NULL: not on the bar */
} key_binding;

static const key_binding bindings[] = {
	{ "F1", "this help", "kf1", { "\033OP", "\033[11~", "\033[[A" }, 0, act_help, KEY_F(1), "Help" },
	{ "F2", "pause / resume training (pause, train)", "kf2", { "\033OQ", "\033[12~", "\033[[B" }, 0,
	  act_pause, KEY_F(2), "Pause" },
	{ "F3", "next view: %s (view)", "kf3", { "\033OR", "\033[13~", "\033[[C" }, 0,
	  act_view, KEY_F(3), "View" },
	{ "F4", "plot losses or error rates (metric)", "kf4", { "\033OS", "\033[14~", "\033[[D" }, 0,
	  act_metric, KEY_F(4), "Metric" },
	{ "F5", "log y axis on/off (logy)", "kf5", { "\033[15~", "\033[[E", NULL }, 0,
	  act_logy, KEY_F(5), "LogY" },
	{ "F6", "x axis: steps, epochs, log-steps (xaxis)", "kf6", { "\033[17~", NULL, NULL }, 0,
	  act_xaxis, KEY_F(6), "Xaxis" },
	{ "F7", "smoothing: off, 0.6, 0.9, 0.97 (smooth)", "kf7", { "\033[18~", NULL, NULL }, 0,
	  act_smooth, KEY_F(7), "Smooth" },
	{ "F8", "follow the newest step on/off (follow)", "kf8", { "\033[19~", NULL, NULL }, 0,
	  act_follow, KEY_F(8), "Follow" },
	{ "F9", "the cursor: a line on the plots and every run's values at it (cursor)", "kf9",
	  { "\033[20~", NULL, NULL }, 0, act_cursor, KEY_F(9), "Cursor" },
	{ "F10", "quit", "kf10", { "\033[21~", NULL, NULL }, 0, act_quit, KEY_F(10), "Quit" },
	{ "Left/Right", "with the cursor on and the line empty: move the cursor (Shift: ten columns; "
	  "Home/End: the ends); else they edit the line", "kcub1", { "\033[D", "\033OD", NULL }, 0,
	  act_left, 0, NULL },
	{ NULL, NULL, "kcuf1", { "\033[C", "\033OC", NULL }, 0, act_right, 0, NULL },
	{ NULL, NULL, "kLFT", { "\033[1;2D", NULL, NULL }, 0, act_left10, 0, NULL },
	{ NULL, NULL, "kRIT", { "\033[1;2C", NULL, NULL }, 0, act_right10, 0, NULL },
	{ "PgUp/PgDn", "zoom out / in on the last N steps (zoom)", "kpp", { "\033[5~", NULL, NULL }, 0,
	  act_zoom_out, KEY_PPAGE, NULL },
	{ NULL, NULL, "knp", { "\033[6~", NULL, NULL }, 0, act_zoom_in, KEY_NPAGE, NULL },
	{ "Shift-PgUp/PgDn", "scroll the event log", "kPRV", { "\033[5;2~", NULL, NULL }, 0,
	  act_log_up, 0, NULL },
	{ NULL, NULL, "kNXT", { "\033[6;2~", NULL, NULL }, 0, act_log_down, 0, NULL },
	{ "Ctrl-L", "repaint the screen", NULL, { NULL }, CTRL('L'), act_redraw, 0, NULL },
	{ "Ctrl-C", "clear the line (training goes on); Ctrl-_ brings it back", NULL, { NULL, NULL },
	  CTRL('C'), act_clear, 0, NULL },
	/* the loop takes Ctrl-Z before readline or the overlay sees it (tui.c, read_input) */
	{ "Ctrl-Z", "suspend gglab (training stops too); the shell's fg brings it back", NULL, { NULL, NULL },
	  0, NULL, 0, NULL },
	/* Esc alone: ui_prompt_feed (lone_esc); Esc-prefixed keys stay readline's */
	{ "Esc", "clear the line, as Ctrl-C, or on an empty line take the cursor off (in the overlay: "
	  "close it)", NULL, { NULL }, 0, NULL, 0, NULL },
	{ "Ctrl-D", "on an empty line: quit", NULL, { NULL }, 0, NULL, 0, NULL },
	{ "Tab", "complete commands and their arguments", NULL, { NULL }, 0, NULL, 0, NULL },
	{ "Ctrl-R", "search the history; Up/Down recall it", NULL, { NULL }, 0, NULL, 0, NULL },
	{ "other keys", "edit the line as in bash (GNU readline)", NULL, { NULL }, 0, NULL, 0, NULL },
	/* editing keys readline may not know from a terminal it never looked up */
	{ NULL, NULL, "khome", { "\033[1~", "\033[7~", "\033[H" }, 0, act_home, KEY_HOME, NULL },
	{ NULL, NULL, "kend", { "\033[4~", "\033[8~", "\033[F" }, 0, act_end, KEY_END, NULL },
	{ NULL, NULL, "kdch1", { "\033[3~", NULL, NULL }, 0, rl_delete, 0, NULL },
};
#define NBINDINGS (sizeof bindings / sizeof bindings[0])

int ui_key_bar(int i, const char **key, const char **word)
{
	for (size_t k = 0; k < NBINDINGS; k++)
		if (bindings[k].bar && i-- == 0) {
			*key = bindings[k].label;
			*word = bindings[k].bar;
			return 0;
		}
	return -1;
}

int ui_key_help(int i, char *label, size_t llen, char *what, size_t wlen)
{
	int n = -1;
	for (size_t k = 0; k < NBINDINGS; k++) {
		if (!bindings[k].label || ++n < i)
			continue;
		char views[128];
		ui_view_names(views, sizeof views, ", ");
		snprintf(label, llen, "%s", bindings[k].label);
		const char *h = bindings[k].help, *at = strstr(h, "%s");
		if (at)
			snprintf(what, wlen, "%.*s%s%s", (int)(at - h), h, views, at + 2);
		else
			snprintf(what, wlen, "%s", h);
		return 0;
	}
	/* then the overlay's own keys (pager.c) */
	return ui_pager_key_help(i - n - 1, label, llen, what, wlen);
}

static void bind_seq(const char *seq, rl_command_func_t *fn)
{
	if (!seq || seq == (char *)-1 || !*seq || strlen(seq) > 32)
		return;
	/* readline would read backslashes in a terminfo string as its own escapes */
	if (strchr(seq, '\\'))
		return;
	Keymap maps[3] = { emacs_standard_keymap, vi_insertion_keymap, vi_movement_keymap };
	for (int i = 0; i < 3; i++)
		rl_bind_keyseq_in_map(seq, fn, maps[i]);
}

static void bind_keys(void)
{
	for (size_t i = 0; i < NBINDINGS; i++) {
		const key_binding *k = &bindings[i];
		if (!k->fn)
			continue;
		if (k->ctrl) {
			rl_bind_key_in_map(k->ctrl, k->fn, emacs_standard_keymap);
			rl_bind_key_in_map(k->ctrl, k->fn, vi_insertion_keymap);
			continue;
		}
		for (int j = 0; j < 3; j++) {
			bind_seq(k->fallback[j], k->fn);
			/* the help (keypad) decodes what the prompt does: End is End there too */
			if (k->curses_key && k->fallback[j])
				define_key(k->fallback[j], k->curses_key);
		}
		bind_seq(tigetstr((char *)k->cap), k->fn);
	}
}

/* ---- completion ------------------------------------------------------------------------- */

static char **comp_list; /* the candidates cmd_complete gave */
static int comp_file;     /* a file name goes there */

static int comp_runs(void *arg, int i, char *name, size_t len)
{
	series_status st;
	if (i >= series_nruns(the_ui->S))
		return -1;
	series_get_status(the_ui->S, i, &st);
	snprintf(name, len, "%s", st.dropped ? "" : st.name);
	return 0;
}

static int comp_series(void *arg, int i, char *name, size_t len)
{
	if (i >= series_ncols(the_ui->S))
		return -1;
	if (series_colname(the_ui->S, i, name, len) != 0)
		name[0] = 0;
	return 0;
}

/* Hands out what the command layer offers, then file names where a file goes. */
static char *comp_gen(const char *text, int state)
{
	static int idx, fidx;
	if (!state)
		idx = fidx = 0;
	if (comp_list && comp_list[idx])
		return gg_xstrdup(comp_list[idx++]);
	if (comp_file) {
		rl_filename_completion_desired = 1;
		return rl_filename_completion_function(text, fidx++);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1; /* never readline's default (file names) */
	cmd_names names = { comp_runs, comp_series, NULL };
	cmd_complete_free(comp_list);
	comp_list = cmd_complete(rl_line_buffer, start, end, &names, &comp_file);
	char **m = rl_completion_matches(text, comp_gen);
	if (m && !m[1] && m[0][0] && m[0][strlen(m[0]) - 1] == '=')
		rl_completion_suppress_append = 1; /* key=: the value follows directly */
	return m;
}

/* Several matches: list them in the event log instead of letting readline print; once for
 * a line as typed (another Tab on the same line does not list them again). */
static char shown_for[400]; /* the line whose matches the log shows; a new line clears it */

static void show_matches(char **matches, int num, int max)
{
	if (strlen(rl_line_buffer) < sizeof shown_for && strcmp(shown_for, rl_line_buffer) == 0)
		return;
	snprintf(shown_for, sizeof shown_for, "%s", rl_line_buffer);
	char line[400];
	size_t len = (size_t)snprintf(line, sizeof line, "completions:");
	int shown = 0;
	for (int i = 1; i <= num && len < sizeof line - 40; i++, shown++)
		len += (size_t)snprintf(line + len, sizeof line - len, " %s", matches[i]);
	if (shown < num)
		snprintf(line + len, sizeof line - len, " ... (%d more)", num - shown);
	ui_log(the_ui, ROLE_DIM, "%s", line);
}

/* ---- history ---------------------------------------------------------------------------- */

static void history_open(struct ui *u)
{
	char dir[4000], err[GG_ERRLEN];
	using_history();
	stifle_history(HISTORY_MAX);
	if (gg_state_dir(NULL, dir, sizeof dir, err) < 0) {
		ui_log(u, ROLE_WARN, "history is not kept: %s", err);
		return;
	}
	snprintf(history_path, sizeof history_path, "%s/history", dir);
	/* append_history needs the file to exist */
	int fd = open(history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		ui_log(u, ROLE_WARN, "history is not kept: %s: %s", history_path, strerror(errno));
		history_path[0] = 0;
		return;
	}
	close(fd);
	read_history(history_path);
}

static void on_line(char *line)
{
	struct ui *u = the_ui;
	if (!line) { /* Ctrl-D on an empty line */
		u->quit = 1;
		return;
	}
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line) != 0) {
			add_history(line);
			/* written at once, so a dropped connection loses no history */
			if (history_path[0])
				append_history(1, history_path);
		}
		line_fn(u, s);
	}
	shown_for[0] = 0;
	free(line);
	u->prompt_hscroll = 0;
}

/* ---- life cycle -------------------------------------------------------------------------- */

int ui_prompt_init(struct ui *u, ui_line_fn on_entered, char *err)
{
	the_ui = u;
	line_fn = on_entered;
	/* Readline must neither touch the terminal nor the environment nor the signals. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = rl_getc_hook;
	rl_input_available_hook = rl_avail_hook;
	rl_redisplay_function = rl_redisplay_hook;
	rl_readline_name = "gglab";
	/* Anything readline still prints (a bell, a stray newline) would land between curses'
	 * frames and garble them: send it nowhere. */
	devnull = fopen("/dev/null", "w");
	rl_instream = stdin;
	rl_outstream = devnull ? devnull : stdout;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	rl_completion_query_items = -1;
	rl_initialize();
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("keyseq-timeout", ESC_TIMEOUT_TEXT);
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("page-completions", "off");
	bind_keys();
	history_open(u);
	rl_set_screen_size(u->H > 0 ? u->H : 24, u->W > 0 ? u->W : 80);
	rl_callback_handler_install(PROMPT, on_line);
	return 0;
}

void ui_prompt_done(struct ui *u)
{
	rl_callback_handler_remove();
	if (history_path[0])
		history_truncate_file(history_path, HISTORY_MAX);
	clear_history();
	rl_instream = NULL;
	rl_outstream = NULL;
	if (devnull)
		fclose(devnull);
	devnull = NULL;
	the_ui = NULL;
}

/* Esc with nothing after it within readline's keyseq-timeout is the key Esc, not the start
 * of a sequence or a Meta prefix (readline's callback mode never times a sequence out). */
static int lone_esc(void)
{
	if (RL_ISSTATE(RL_STATE_MULTIKEY))
		return 0;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	return poll(&p, 1, ESC_TIMEOUT_MS) == 0;
}

void ui_prompt_feed(struct ui *u, int byte)
{
	if (byte == 27 && rl_editing_mode == 1 /* emacs: vi's Esc changes modes */ && lone_esc()) {
		char err[GG_ERRLEN];
		if (u->cursor && rl_end == 0)
			ui_cmd_cursor(u, 0, -1, err);
		else
			act_clear(1, 27);
		return;
	}
	pending = byte;
	rl_callback_read_char();
	pending = -1;
}

void ui_prompt_resize(struct ui *u)
{
	if (!the_ui)
		return;
	rl_resize_terminal();
	rl_set_screen_size(u->H, u->W);
}

void ui_prompt_clear(struct ui *u)
{
	if (!the_ui)
		return;
	rl_replace_line("", 0);
	rl_point = rl_mark = 0;
	u->prompt_hscroll = 0;
	ui_prompt_draw(u);
	doupdate();
}
