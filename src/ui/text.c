/* text.c — text on the screen: every string shown goes through ui_text_next (the one
 * decoder, utf8.c, and the one rule for what cannot be shown), then put at the cursor,
 * measured, or wrapped (the event log and the panels' hints). Also the compact counts of
 * titles and the status line. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui.h"
#include "utf8.h"

static int text_utf8 = 1;

void ui_text_init(int utf8)
{
	text_utf8 = utf8;
}

wchar_t ui_text_next(const char *s, size_t len, size_t *i, int *width)
{
	int32_t cp = ui_utf8_next(s, len, i);
	if (!text_utf8 && cp >= 0x80) /* another locale: only ASCII is shown as it is */
		cp = -1;
	int cw = cp < 0x20 || cp == 0x7f ? -1 : wcwidth((wchar_t)cp);
	if (cw < 0)
		cp = '?', cw = 1;
	*width = cw;
	return (wchar_t)cp;
}

static void put_wc(WINDOW *w, wchar_t wc, attr_t attr, short pair)
{
	cchar_t cc;
	wchar_t ws[2] = { wc, 0 };
	setcchar(&cc, ws, attr, pair, NULL);
	wadd_wch(w, &cc);
}

int ui_put_text(WINDOW *w, const char *s, int maxw, ui_role role)
{
	size_t len = strlen(s), i = 0;
	int used = 0, cw;
	while (i < len) {
		wchar_t wc = ui_text_next(s, len, &i, &cw);
		if (used + cw > maxw)
			break;
		put_wc(w, wc, ui_role_attr(role), ui_role_pair(role));
		used += cw;
	}
	return used;
}

int ui_text_width(const char *s)
{
	size_t len = strlen(s), i = 0;
	int used = 0, cw;
	while (i < len) {
		ui_text_next(s, len, &i, &cw);
		used += cw;
	}
	return used;
}

void ui_put_cell(WINDOW *w, const char *s, short fg, short bg, attr_t attr)
{
	size_t len = strlen(s), i = 0;
	int cw;
	wchar_t wc = len ? ui_text_next(s, len, &i, &cw) : L' ';
	put_wc(w, wc, attr, ui_colors() ? ui_pair(fg, bg) : 0);
}

void ui_fill_row(WINDOW *w, int y, int x0, int x1, ui_role role)
{
	wmove(w, y, x0);
	ui_setrole(w, role);
	for (int x = x0; x < x1; x++)
		waddch(w, ' ');
	wattr_set(w, A_NORMAL, 0, NULL);
}

int ui_wrapped_rows(const char *s, int W)
{
	int tw = ui_text_width(s);
	return tw <= W ? 1 : (tw + W - 3) / (W - 2); /* continuation rows are indented by 2 */
}

void ui_put_wrapped(WINDOW *w, int y, int rows_skip, int rows_max, const char *s, int W, ui_role role)
{
	/* walk the text, emitting rows; skip the first rows_skip rows */
	size_t len = strlen(s), i = 0;
	int row = 0, col = 0, width = W;
	if (rows_skip == 0)
		wmove(w, y, 0);
	while (i < len && row - rows_skip < rows_max) {
		int cw;
		wchar_t wc = ui_text_next(s, len, &i, &cw);
		if (col + cw > width) {
			row++;
			col = 0;
			width = W - 2;
			if (row - rows_skip >= rows_max)
				break;
			if (row >= rows_skip)
				wmove(w, y + row - rows_skip, 2);
		}
		if (row >= rows_skip)
			put_wc(w, wc, ui_role_attr(role), ui_role_pair(role));
		col += cw;
	}
}

void ui_fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) < 10000)
		snprintf(buf, len, "%.0f", v);
	else
		plot_tick_label(v, buf, len, 5);
}
