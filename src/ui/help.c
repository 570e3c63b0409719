/* help.c — the help screen (F1 or `help`): the keys from the key table (prompt.c), then
 * every command from the command table with its usage and help line, so it can never fall
 * out of step with either table.
 * Up/Down/PgUp/PgDn/Space/Home/End scroll; any other key closes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* Logical line i of the help text into buf; returns its role, or -1 past the end. First
 * the keys (from the key table, prompt.c), then every command (from the command table). */
static int help_line(int i, char *buf, size_t len, int *indent)
{
	static int nkeys = -1;
	char label[32], what[256];
	if (nkeys < 0)
		for (nkeys = 0; ui_key_help(nkeys, label, sizeof label, what, sizeof what) == 0;)
			nkeys++;
	*indent = 14;
	if (i == 0) {
		snprintf(buf, len, "keys (they never collide with editing the prompt)");
		return ROLE_TITLE;
	}
	if (i <= nkeys) {
		ui_key_help(i - 1, label, sizeof label, what, sizeof what);
		int lw = (int)strlen(label);
		snprintf(buf, len, "  %s%*s%s", label, lw < 12 ? 12 - lw : 3, "", what);
		return ROLE_TEXT;
	}
	if (i == nkeys + 1) {
		buf[0] = 0;
		return ROLE_TEXT;
	}
	if (i == nkeys + 2) {
		snprintf(buf, len, "commands (several on a line separate with ';')");
		return ROLE_TITLE;
	}
	i -= nkeys + 3;
	*indent = 0;
	if (i >= 2 * cmd_count)
		return -1;
	const cmd_entry *e = cmd_table[i / 2];
	if (i % 2 == 0) {
		char *u = cmd_usage(e);
		snprintf(buf, len, "  %s%s%s%s%s%s", e->name, *u ? " " : "", u,
			 e->alias ? "   (alias " : "", e->alias ? e->alias : "", e->alias ? ")" : "");
		free(u);
		*indent = 4 + (int)strlen(e->name);
		return ROLE_PROMPT;
	}
	snprintf(buf, len, "      %s", e->help);
	*indent = 6;
	return ROLE_TEXT;
}

/* The help text wrapped to the screen's width (rebuilt when the width changes). */
#define HELP_MAX 600
static struct {
	char text[256];
	ui_role role;
} wrapped[HELP_MAX];
static int nwrapped, wrapped_width = -1;

static void help_wrap(int width)
{
	char buf[512];
	int indent;
	nwrapped = 0;
	wrapped_width = width;
	if (width < 20)
		width = 20;
	for (int i = 0; nwrapped < HELP_MAX; i++) {
		int role = help_line(i, buf, sizeof buf, &indent);
		if (role < 0)
			break;
		const char *p = buf;
		int first = 1;
		do {
			int room = first ? width : width - indent, len = (int)strlen(p);
			if (room > 255 - indent)
				room = 255 - indent;
			int cut = len;
			if (len > room) { /* break at the last space that fits */
				cut = room;
				while (cut > room / 2 && p[cut] != ' ')
					cut--;
				if (p[cut] != ' ')
					cut = room;
			}
			snprintf(wrapped[nwrapped].text, sizeof wrapped[nwrapped].text, "%*s%.*s",
				 first ? 0 : indent, "", cut, p);
			wrapped[nwrapped++].role = (ui_role)role;
			p += cut;
			while (*p == ' ')
				p++;
			first = 0;
		} while (*p && nwrapped < HELP_MAX);
	}
}

static int help_lines(void)
{
	return nwrapped;
}

void ui_help_window(struct ui *u)
{
	if (!u->help_open || u->helpw)
		return;
	help_wrap(u->W - 2); /* before a key can scroll it */
	u->helpw = newwin(u->H - 1, u->W, 0, 0);
	keypad(u->helpw, TRUE);
	nodelay(u->helpw, TRUE);
	u->help_dirty = 1;
	curs_set(0);
}

static void help_close(struct ui *u)
{
	u->help_open = 0;
	if (u->helpw)
		delwin(u->helpw);
	u->helpw = NULL;
	curs_set(1);
	/* everything under it is drawn again; curses sends only what differs */
	for (int i = 0; i < UI_NKINDS; i++)
		u->panels[i].dirty = 1;
	u->status_dirty = u->log_dirty = 1;
	if (u->statusw)
		touchwin(u->statusw);
	if (u->logw)
		touchwin(u->logw);
	if (u->smallw)
		touchwin(u->smallw);
}

void ui_help_key(struct ui *u, int key)
{
	int page = u->H - 3 > 1 ? u->H - 3 : 1;
	switch (key) {
	case KEY_UP: case 'k': u->help_top--; break;
	case KEY_DOWN: case 'j': case '\r': u->help_top++; break;
	case KEY_PPAGE: case 'b': u->help_top -= page; break;
	case KEY_NPAGE: case ' ': u->help_top += page; break;
	case KEY_HOME: case 'g': u->help_top = 0; break;
	case KEY_END: case 'G': u->help_top = help_lines(); break;
	default: help_close(u); return;
	}
	int max = help_lines() - page;
	if (u->help_top > max)
		u->help_top = max;
	if (u->help_top < 0)
		u->help_top = 0;
	u->help_dirty = 1;
}

void ui_help_draw(struct ui *u)
{
	WINDOW *w = u->helpw;
	int W = getmaxx(w), H = getmaxy(w);
	if (wrapped_width != W - 2)
		help_wrap(W - 2);
	werase(w);
	ui_setrole(w, ROLE_STATUS);
	mvwhline(w, 0, 0, ' ', W);
	const char *title = u->utf8
		? " gglab help · ↑↓ PgUp PgDn Space scroll · any other key closes "
		: " gglab help - Up/Down/PgUp/PgDn/Space scroll - any other key closes ";
	mvwaddnstr(w, 0, 0, title, W);
	wattr_set(w, A_NORMAL, 0, NULL);
	for (int y = 1; y < H; y++) {
		int i = u->help_top + y - 1;
		if (i >= help_lines())
			break;
		ui_setrole(w, wrapped[i].role);
		mvwaddnstr(w, y, 1, wrapped[i].text, W - 2);
		wattr_set(w, A_NORMAL, 0, NULL);
	}
	if (u->help_top + H - 1 < help_lines()) {
		char more[64];
		snprintf(more, sizeof more, " %d more lines ", help_lines() - u->help_top - (H - 1));
		ui_setrole(w, ROLE_STATUS);
		mvwaddnstr(w, H - 1, W - (int)strlen(more) - 1, more, W);
		wattr_set(w, A_NORMAL, 0, NULL);
	}
	u->help_dirty = 0;
}
