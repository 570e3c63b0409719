/* help.c — the help (F1 or `help`), shown in the overlay (pager.c): the keys from the key
 * table (prompt.c, then the overlay's own), then every command from the command table
 * with its usage and help line, so it can never fall out of step with either table. Also
 * the function-key bar on the last row, from the same key table. */
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

void ui_help_show(struct ui *u)
{
	ui_pager *p = ui_pager_new("gglab help");
	char buf[512];
	int indent;
	for (int i = 0;; i++) {
		int role = help_line(i, buf, sizeof buf, &indent);
		if (role < 0)
			break;
		ui_pager_add(p, (ui_role)role, indent, buf);
	}
	ui_pager_open(u, p);
}

/* The bar (after htop's): each key of the table that has a word for it, the key plain and
 * its word (and a space) on the bar's colour, as many as fit. */
void ui_draw_bar(struct ui *u)
{
	WINDOW *w = u->barw;
	if (!w)
		return;
	int W = getmaxx(w), x = 0;
	const char *key, *word;
	ui_fill_row(w, 0, 0, W, ROLE_STATUS);
	wmove(w, 0, 0);
	for (int i = 0; ui_key_bar(i, &key, &word) == 0; i++) {
		int kw = (int)strlen(key), ww = (int)strlen(word);
		if (x + kw + ww > W) /* the last one needs no space after it: F10Quit ends row 80 */
			break;
		x += ui_put_text(w, key, kw, ROLE_TEXT);
		x += ui_put_text(w, word, ww, ROLE_STATUS);
		x += ui_put_text(w, " ", W - x, ROLE_STATUS);
	}
	u->bar_dirty = 0;
}
