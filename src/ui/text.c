/* text.c — text on the screen: every string shown goes through ui_text_next (the one
 * decoder, utf8.c, and the one rule for what cannot be shown), then put at the cursor,
 * measured, or wrapped (the event log and the panels' hints). Also the compact counts of
 * titles and the status line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What the ASCII screen writes for the symbols gglab's own messages use. */
static const struct {
	int32_t cp;
	const char *ascii;
} folds[] = {
	{ 0x00D7, "x" }, { 0x221A, "sqrt" }, { 0x00B1, "+-" }, { 0x2265, ">=" }, { 0x2264, "<=" },
	{ 0x2192, "->" }, { 0x2190, "<-" }, { 0x00B7, "-" }, { 0x2026, "..." }, { 0x2212, "-" },
	{ 0x00B2, "^2" }, { 0x2016, "|" }, { 0x2080, "0" }, { 0x2013, "-" }, { 0x2014, "--" },
	{ 0x2248, "~" }, { 0x03BB, "lambda" }, { 0x2018, "'" }, { 0x2019, "'" }, { 0x201C, "\"" },
	{ 0x201D, "\"" },
};

void ui_text_ascii(char *s, size_t cap)
{
	if (text_utf8 || !cap)
		return;
	size_t len = strlen(s), i = 0, o = 0;
	char *out = malloc(cap);
	if (!out)
		return;
	while (i < len && o + 1 < cap) {
		size_t at = i;
		int32_t cp = ui_utf8_next(s, len, &i);
		const char *rep = NULL;
		for (size_t k = 0; k < sizeof folds / sizeof folds[0] && cp >= 0x80; k++)
			if (folds[k].cp == cp)
				rep = folds[k].ascii;
		if (!rep) { /* as it is: ui_text_next shows '?' for what is not ASCII */
			size_t n = i - at < cap - 1 - o ? i - at : cap - 1 - o;
			memcpy(out + o, s + at, n);
			o += n;
			continue;
		}
		for (; *rep && o + 1 < cap; rep++)
			out[o++] = *rep;
	}
	out[o] = 0;
	memcpy(s, out, o + 1);
	free(out);
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

/* The one walk over a wrapped text (so counting, drawing and the overlay's rows agree):
 * rows break after the last space that fits, or inside a word longer than the row;
 * continuation rows are indented by `indent` and start after the spaces at the break. With
 * w NULL it only counts; with start/end it also gives each row's bytes (up to max rows). */
static int wrap_walk(const char *s, int W, int indent, WINDOW *w, int y, int rows_skip, int rows_max,
		     ui_role role, size_t *start, size_t *stop, int max)
{
	size_t len = strlen(s), p = 0;
	int row = 0;
	if (W < 1)
		W = 1;
	do {
		int ind = row ? indent : 0, avail = W - ind > 0 ? W - ind : W;
		if (row)
			while (p < len && s[p] == ' ')
				p++;
		/* how far this row goes: end (all fits), after the last space, or where it is full */
		size_t i = p, end = len, brk = 0;
		int col = 0;
		while (i < len) {
			size_t at = i;
			int cw;
			ui_text_next(s, len, &i, &cw);
			if (col + cw > avail) {
				end = brk > p ? brk : (at > p ? at : i);
				break;
			}
			col += cw;
			if (s[at] == ' ')
				brk = at;
		}
		if (w && row >= rows_skip && row - rows_skip < rows_max) {
			wmove(w, y + row - rows_skip, ind);
			for (size_t k = p; k < end;) {
				int cw;
				wchar_t wc = ui_text_next(s, end, &k, &cw);
				put_wc(w, wc, ui_role_attr(role), ui_role_pair(role));
			}
		}
		if (start && row < max) {
			start[row] = p;
			stop[row] = end;
		}
		p = end;
		row++;
	} while (p < len);
	return row;
}

int ui_wrapped_rows(const char *s, int W)
{
	return wrap_walk(s, W, 2, NULL, 0, 0, 0, ROLE_TEXT, NULL, NULL, 0);
}

void ui_put_wrapped(WINDOW *w, int y, int rows_skip, int rows_max, const char *s, int W, ui_role role)
{
	wrap_walk(s, W, 2, w, y, rows_skip, rows_max, role, NULL, NULL, 0);
}

int ui_wrap_ranges(const char *s, int W, int indent, size_t *start, size_t *end, int max)
{
	return wrap_walk(s, W, indent, NULL, 0, 0, 0, ROLE_TEXT, start, end, max);
}

void ui_fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) < 10000)
		snprintf(buf, len, "%.0f", v);
	else
		plot_tick_label(v, buf, len, 5);
}
