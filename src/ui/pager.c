/* pager.c — the overlay: long text (the help, or a reply too long for the event log, such
 * as `show`, `run list` or `help set`) over the whole screen. Its keys come from its own
 * table below, which its last row, the help and the man page all read (ui_key_help lists
 * them after the screen's): arrows, PgUp/PgDn and Home/End scroll, / searches (n and N go
 * to the next and the previous match), q or Esc closes. The text is kept as logical lines
 * and wrapped again whenever the width changes (text.c's wrap, as in the event log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gglab/util.h"
#include "tui.h"

typedef struct {
	char *text;
	ui_role role;
	int indent; /* of its continuation rows */
} pager_line;

typedef struct {
	int line;          /* the logical line it belongs to */
	size_t from, to;   /* its bytes of that line */
	int indent;
} pager_row;

struct ui_pager {
	char title[120];
	pager_line *lines;
	int n, cap;
	pager_row *rows;
	int nrows, width; /* the rows for this width (-1: not wrapped yet) */
	int top;
	int typing;       /* the search pattern is being typed on the last row */
	char pat[64];     /* the pattern (being typed, or the last one searched) */
	int match;        /* the row of the current match (-1: none) */
	char note[96];    /* what the last search found ("not found: ...") until the next key */
};

enum { PG_UP, PG_DOWN, PG_PAGE_UP, PG_PAGE_DOWN, PG_HOME, PG_END, PG_SEARCH, PG_NEXT, PG_PREV,
       PG_CLOSE };

/* The overlay's keys. A row without a label shares the help's line of the row above; bar:
 * its word on the last row. */
static const struct {
	const char *label, *help, *bar;
	int act;
	int keys[4];
} pager_keys[] = {
	{ "Up/Down", "in the overlay: scroll a line (also k, j)", NULL, PG_UP, { KEY_UP, 'k' } },
	{ NULL, NULL, NULL, PG_DOWN, { KEY_DOWN, 'j', '\r' } },
	{ "PgUp/PgDn", "in the overlay: scroll a page (also b, Space)", "page", PG_PAGE_UP,
	  { KEY_PPAGE, 'b' } },
	{ NULL, NULL, NULL, PG_PAGE_DOWN, { KEY_NPAGE, ' ' } },
	{ "Home/End", "in the overlay: the top, the end (also g, G)", NULL, PG_HOME, { KEY_HOME, 'g' } },
	{ NULL, NULL, NULL, PG_END, { KEY_END, 'G' } },
	{ "/", "in the overlay: search, ignoring case (Enter searches, Esc gives up)", "search",
	  PG_SEARCH, { '/' } },
	{ "n/N", "in the overlay: the next match, the one before", "next", PG_NEXT, { 'n' } },
	{ NULL, NULL, NULL, PG_PREV, { 'N' } },
	{ "q/Esc", "close the overlay (F1 and F10 too)", "close", PG_CLOSE,
	  { 'q', 27, KEY_F(1), KEY_F(10) } },
};
#define NPAGER_KEYS (int)(sizeof pager_keys / sizeof pager_keys[0])

int ui_pager_key_help(int i, char *label, size_t llen, char *what, size_t wlen)
{
	for (int k = 0; k < NPAGER_KEYS; k++)
		if (pager_keys[k].label && i-- == 0) {
			snprintf(label, llen, "%s", pager_keys[k].label);
			snprintf(what, wlen, "%s", pager_keys[k].help);
			return 0;
		}
	return -1;
}

/* ---- the text ---------------------------------------------------------------------------- */

ui_pager *ui_pager_new(const char *title)
{
	ui_pager *p = gg_xcalloc(1, sizeof *p);
	snprintf(p->title, sizeof p->title, "%s", title);
	p->width = -1;
	p->match = -1;
	return p;
}

void ui_pager_add(ui_pager *p, ui_role role, int indent, const char *text)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->lines = gg_xrealloc(p->lines, (size_t)p->cap * sizeof *p->lines);
	}
	char *t = gg_xstrdup(text);
	for (unsigned char *c = (unsigned char *)t; *c; c++) /* as in the log: nothing moves the cursor */
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
	p->lines[p->n++] = (pager_line){ t, role, indent };
	p->width = -1;
}

const char *ui_pager_title(const ui_pager *p)
{
	return p->title;
}

int ui_pager_lines(const ui_pager *p)
{
	return p ? p->n : 0;
}

const char *ui_pager_text(const ui_pager *p, int i, ui_role *role)
{
	*role = p->lines[i].role;
	return p->lines[i].text;
}

void ui_pager_free(ui_pager *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->lines[i].text);
	free(p->lines);
	free(p->rows);
	free(p);
}

static void wrap(ui_pager *p, int width)
{
	int cap = 0;
	p->nrows = 0;
	p->width = width;
	for (int i = 0; i < p->n; i++) {
		const char *s = p->lines[i].text;
		int k = ui_wrap_ranges(s, width, p->lines[i].indent, NULL, NULL, 0);
		if (p->nrows + k > cap) {
			cap = 2 * (p->nrows + k) + 64;
			p->rows = gg_xrealloc(p->rows, (size_t)cap * sizeof *p->rows);
		}
		size_t *from = gg_xmalloc((size_t)k * sizeof *from), *to = gg_xmalloc((size_t)k * sizeof *to);
		ui_wrap_ranges(s, width, p->lines[i].indent, from, to, k);
		for (int r = 0; r < k; r++)
			p->rows[p->nrows++] = (pager_row){ i, from[r], to[r], r ? p->lines[i].indent : 0 };
		free(from);
		free(to);
	}
}

/* ---- opening, closing ---------------------------------------------------------------------- */

static int text_width(const struct ui *u)
{
	return u->W - 2 > 10 ? u->W - 2 : 10; /* a column of margin either side */
}

static int page_rows(const struct ui *u)
{
	return u->H - 2 > 1 ? u->H - 2 : 1; /* the title above, the keys below */
}

void ui_pager_window(struct ui *u)
{
	if (!u->pager || u->overlayw)
		return;
	u->overlayw = newwin(u->H, u->W, 0, 0);
	keypad(u->overlayw, TRUE);
	nodelay(u->overlayw, TRUE);
	wrap(u->pager, text_width(u));
	int max = u->pager->nrows - page_rows(u);
	if (u->pager->top > max)
		u->pager->top = max > 0 ? max : 0;
	u->overlay_dirty = 1;
	curs_set(u->pager->typing);
}

void ui_pager_open(struct ui *u, ui_pager *p)
{
	ui_pager_close(u);
	u->pager = p;
	ui_pager_window(u);
}

void ui_pager_close(struct ui *u)
{
	if (!u->pager)
		return;
	ui_pager_free(u->pager);
	u->pager = NULL;
	if (u->overlayw)
		delwin(u->overlayw);
	u->overlayw = NULL;
	curs_set(1);
	/* everything under it is drawn again; curses sends only what differs */
	for (int i = 0; i < UI_NKINDS; i++)
		u->panels[i].dirty = 1;
	u->status_dirty = u->log_dirty = 1;
	WINDOW *under[] = { u->statusw, u->logw, u->smallw, u->barw, u->promptw };
	for (size_t i = 0; i < sizeof under / sizeof under[0]; i++)
		if (under[i])
			touchwin(under[i]);
}

/* ---- searching ------------------------------------------------------------------------------- */

/* Where pat occurs in row r (case ignored), from byte `from` of the row on; -1 if not. */
static int find_in_row(const ui_pager *p, int r, size_t from, const char *pat)
{
	const pager_row *row = &p->rows[r];
	const char *s = p->lines[row->line].text;
	size_t n = strlen(pat);
	for (size_t i = row->from + from; n && i + n <= row->to; i++)
		if (strncasecmp(s + i, pat, n) == 0)
			return (int)(i - row->from);
	return -1;
}

/* A new search starts at the top row; n and N at the row after (dir 1) or before (-1) the
 * current match, round the end. The match's row goes to the top, or as near as the end
 * allows. */
static void search(struct ui *u, int dir, int from_top)
{
	ui_pager *p = u->pager;
	p->note[0] = 0;
	if (!p->pat[0] || !p->nrows)
		return;
	int start = from_top || p->match < 0 ? p->top : p->match + dir;
	for (int k = 0; k < p->nrows; k++) {
		int r = ((start + dir * k) % p->nrows + p->nrows) % p->nrows;
		if (find_in_row(p, r, 0, p->pat) >= 0) {
			if ((dir > 0 && r < start) || (dir < 0 && r > start))
				snprintf(p->note, sizeof p->note, "search went round the %s",
					 dir > 0 ? "end" : "top");
			p->top = p->match = r;
			return;
		}
	}
	snprintf(p->note, sizeof p->note, "not found: %.60s", p->pat);
}

/* ---- keys ----------------------------------------------------------------------------------- */

static void typing_key(struct ui *u, int key)
{
	ui_pager *p = u->pager;
	size_t n = strlen(p->pat);
	if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		p->typing = 0;
		curs_set(0);
		search(u, 1, 1);
	} else if (key == 27) {
		p->typing = 0;
		p->pat[0] = 0;
		p->match = -1;
		curs_set(0);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			p->pat[n - 1] = 0;
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof p->pat) {
		p->pat[n] = (char)key;
		p->pat[n + 1] = 0;
	}
}

void ui_pager_key(struct ui *u, int key)
{
	ui_pager *p = u->pager;
	if (!p)
		return;
	u->overlay_dirty = 1;
	if (p->typing) {
		typing_key(u, key);
		return;
	}
	p->note[0] = 0;
	int act = -1;
	for (int k = 0; k < NPAGER_KEYS && act < 0; k++)
		for (int j = 0; j < 4 && pager_keys[k].keys[j]; j++)
			if (pager_keys[k].keys[j] == key)
				act = pager_keys[k].act;
	int page = page_rows(u);
	switch (act) {
	case PG_UP: p->top--; break;
	case PG_DOWN: p->top++; break;
	case PG_PAGE_UP: p->top -= page; break;
	case PG_PAGE_DOWN: p->top += page; break;
	case PG_HOME: p->top = 0; break;
	case PG_END: p->top = p->nrows; break;
	case PG_SEARCH:
		p->typing = 1;
		p->pat[0] = 0;
		p->match = -1;
		curs_set(1);
		return;
	case PG_NEXT: search(u, 1, 0); break;
	case PG_PREV: search(u, -1, 0); break;
	case PG_CLOSE: ui_pager_close(u); return;
	default: return; /* other keys do nothing here */
	}
	int max = p->nrows - page;
	if (p->top > max)
		p->top = max;
	if (p->top < 0)
		p->top = 0;
}

/* ---- drawing -------------------------------------------------------------------------------- */

/* Row r at screen row y: its text, each match of the pattern highlighted. */
static void draw_row(WINDOW *w, const ui_pager *p, int r, int y)
{
	const pager_row *row = &p->rows[r];
	const pager_line *l = &p->lines[row->line];
	char buf[512];
	size_t len = row->to - row->from < sizeof buf - 1 ? row->to - row->from : sizeof buf - 1;
	int x = 1 + row->indent, maxw = getmaxx(w) - 1 - x;
	size_t at = 0, n = strlen(p->pat);
	wmove(w, y, x);
	while (at < len && maxw > 0) {
		int m = p->typing || !n ? -1 : find_in_row(p, r, at, p->pat);
		size_t plain = m < 0 || (size_t)m > len ? len - at : (size_t)m - at;
		memcpy(buf, l->text + row->from + at, plain);
		buf[plain] = 0;
		maxw -= ui_put_text(w, buf, maxw, l->role);
		at += plain;
		if (m >= 0 && at < len) {
			size_t k = n < len - at ? n : len - at;
			memcpy(buf, l->text + row->from + at, k);
			buf[k] = 0;
			maxw -= ui_put_text(w, buf, maxw, ROLE_STATUS_KEY);
			at += k;
		}
	}
}

void ui_pager_draw(struct ui *u)
{
	ui_pager *p = u->pager;
	WINDOW *w = u->overlayw;
	if (!p || !w)
		return;
	int W = getmaxx(w), H = getmaxy(w), page = page_rows(u);
	if (p->width != text_width(u))
		wrap(p, text_width(u));
	werase(w);
	char pos[64], buf[200];
	int last = p->top + page < p->nrows ? p->top + page : p->nrows;
	snprintf(pos, sizeof pos, " lines %d-%d of %d ", p->nrows ? p->top + 1 : 0, last, p->nrows);
	ui_fill_row(w, 0, 0, W, ROLE_STATUS);
	wmove(w, 0, 0);
	snprintf(buf, sizeof buf, " %s ", p->title);
	int used = ui_put_text(w, buf, W, ROLE_STATUS);
	int pw = (int)strlen(pos);
	if (used + pw < W) {
		wmove(w, 0, W - pw);
		ui_put_text(w, pos, pw, ROLE_STATUS);
	}
	for (int y = 1; y <= page && p->top + y - 1 < p->nrows; y++)
		draw_row(w, p, p->top + y - 1, y);

	/* the last row: the pattern being typed, what the search found, or the keys */
	ui_fill_row(w, H - 1, 0, W, ROLE_STATUS);
	wmove(w, H - 1, 0);
	if (p->typing) {
		snprintf(buf, sizeof buf, "/%s", p->pat);
		int x = ui_put_text(w, buf, W - 1, ROLE_TEXT);
		wmove(w, H - 1, x);
	} else if (p->note[0]) {
		ui_put_text(w, p->note, W, ROLE_WARN);
	} else {
		int x = 0;
		for (int k = 0; k < NPAGER_KEYS; k++) {
			if (!pager_keys[k].bar)
				continue;
			int need = (int)strlen(pager_keys[k].label) + (int)strlen(pager_keys[k].bar) + 3;
			if (x + need > W)
				break;
			x += ui_put_text(w, " ", 1, ROLE_STATUS);
			x += ui_put_text(w, pager_keys[k].label, W - x, ROLE_TEXT);
			x += ui_put_text(w, " ", 1, ROLE_STATUS);
			x += ui_put_text(w, pager_keys[k].bar, W - x, ROLE_STATUS);
			x += ui_put_text(w, " ", 1, ROLE_STATUS);
		}
	}
	u->overlay_dirty = 0;
}
