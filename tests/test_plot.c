/* test_plot.c — the plot library: braille and ASCII rendering compared with expected
 * pictures, clipping, the min/max column envelope, NaN gaps, axis mapping, ticks and their
 * labels, EMA smoothing and the log / √ fits.
 *
 * A canvas is rendered to a UTF-8 string (rows joined by '\n') by this file's own encoder,
 * so the comparison does not depend on the locale the tests run in.
 *
 * `test_plot -v` also prints two sample plots, braille and ASCII, to look at. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/fit.h"
#include "plot.h"
#include "test.h"

static const char *const GLYPHS = "*+ox#@%&";

/* ---- helpers -------------------------------------------------------------------------- */

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The whole canvas as UTF-8, rows separated by '\n' (none after the last). Static buffer:
 * one rendering at a time is all the tests need. */
static const char *render(const plot_canvas *c)
{
	static char buf[1 << 16];
	size_t n = 0;

	for (int cy = 0; cy < c->h; cy++) {
		for (int cx = 0; cx < c->w && n + 8 < sizeof buf; cx++) {
			int role;
			n += utf8_put(buf + n, (uint32_t)plot_cell(c, cx, cy, GLYPHS, &role));
		}
		if (cy + 1 < c->h && n + 1 < sizeof buf)
			buf[n++] = '\n';
	}
	buf[n] = '\0';
	return buf;
}

/* Number of dots set on the canvas (braille bits or ASCII cells). */
static int count_dots(const plot_canvas *c)
{
	int n = 0;
	for (int i = 0; i < c->w * c->h; i++)
		for (unsigned b = c->bits[i]; b; b &= b - 1)
			n++;
	return n;
}

/* Whether dot (x, y) is set. */
static int dot_at(const plot_canvas *c, int x, int y)
{
	if (c->mode == PLOT_ASCII)
		return c->bits[y * c->w + x] != 0;
	static const unsigned char bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20},
						{0x40, 0x80}};
	return (c->bits[(y / 4) * c->w + x / 2] & bit[y % 4][x % 2]) != 0;
}

/* The topmost set dot in dot column x, or -1. */
static int column_top(const plot_canvas *c, int x)
{
	for (int y = 0; y < c->dh; y++)
		if (dot_at(c, x, y))
			return y;
	return -1;
}

static int has_tick(const double *t, int n, double v)
{
	for (int i = 0; i < n; i++)
		if (fabs(t[i] - v) <= 1e-9 * fmax(1, fabs(v)))
			return 1;
	return 0;
}

/* ---- canvas --------------------------------------------------------------------------- */

static void test_braille_bits(void)
{
	static const struct { int x, y; unsigned bit; } dots[8] = {
		{0, 0, 0x01}, {0, 1, 0x02}, {0, 2, 0x04}, {1, 0, 0x08},
		{1, 1, 0x10}, {1, 2, 0x20}, {0, 3, 0x40}, {1, 3, 0x80},
	};
	plot_canvas c;
	int role;

	plot_canvas_init(&c, 1, 1, PLOT_BRAILLE);
	CHECK(c.dw == 2 && c.dh == 4, "braille canvas 1×1 has %d×%d dots", c.dw, c.dh);
	CHECK(plot_cell(&c, 0, 0, GLYPHS, &role) == L' ' && role == -1, "empty cell");
	for (int i = 0; i < 8; i++) {
		plot_canvas_clear(&c);
		plot_dot(&c, dots[i].x, dots[i].y, 3);
		wchar_t ch = plot_cell(&c, 0, 0, GLYPHS, &role);
		CHECK(ch == (wchar_t)(0x2800 + dots[i].bit), "dot (%d,%d) gives U+%04X",
		      dots[i].x, dots[i].y, (unsigned)ch);
		CHECK(role == 3, "role of a dot is its series, got %d", role);
	}
	/* All eight together: the full cell. */
	plot_canvas_clear(&c);
	for (int i = 0; i < 8; i++)
		plot_dot(&c, dots[i].x, dots[i].y, 0);
	CHECK(plot_cell(&c, 0, 0, GLYPHS, &role) == 0x28FF, "all dots give U+28FF");
	/* Second cell: dot coordinates carry over to the next cell. */
	plot_canvas_free(&c);
	plot_canvas_init(&c, 2, 2, PLOT_BRAILLE);
	plot_dot(&c, 3, 5, 1);
	CHECK(plot_cell(&c, 1, 1, GLYPHS, &role) == 0x2810, "dot (3,5) is (1,1) of cell (1,1)");
	CHECK(count_dots(&c) == 1, "one dot set");
	/* Out of range: ignored. */
	plot_dot(&c, -1, 0, 0);
	plot_dot(&c, 4, 0, 0);
	plot_dot(&c, 0, 8, 0);
	plot_dot(&c, 0, -100, 0);
	CHECK(count_dots(&c) == 1, "out-of-range dots ignored");
	CHECK(plot_cell(&c, 5, 0, GLYPHS, &role) == L' ' && role == -1, "cell outside is blank");
	plot_canvas_free(&c);
}

static void test_lines(void)
{
	plot_canvas c;

	plot_canvas_init(&c, 3, 1, PLOT_BRAILLE);
	plot_line(&c, 0, 1, 5, 1, 0);
	CHECK(!strcmp(render(&c), "⠒⠒⠒"), "horizontal line: %s", render(&c));
	plot_canvas_free(&c);

	plot_canvas_init(&c, 2, 1, PLOT_BRAILLE);
	plot_line(&c, 0, 0, 3, 3, 0);
	CHECK(!strcmp(render(&c), "⠑⢄"), "diagonal line: %s", render(&c));
	/* The same line drawn backwards sets the same dots. */
	plot_canvas_clear(&c);
	plot_line(&c, 3, 3, 0, 0, 0);
	CHECK(!strcmp(render(&c), "⠑⢄"), "diagonal line reversed: %s", render(&c));
	plot_canvas_free(&c);

	/* A shallow slope over two rows of cells. */
	plot_canvas_init(&c, 4, 2, PLOT_BRAILLE);
	plot_line(&c, 0, 7, 7, 0, 0);
	CHECK(!strcmp(render(&c), "  ⡠⠊\n⡠⠊  "), "rising line:\n%s", render(&c));
	CHECK(count_dots(&c) == 8, "8 dots on a 45° line of 8, got %d", count_dots(&c));
	plot_canvas_free(&c);

	/* ASCII: one dot per cell, the series' glyph; a vertical line. */
	plot_canvas_init(&c, 3, 3, PLOT_ASCII);
	CHECK(c.dw == 3 && c.dh == 3, "ascii canvas has one dot per cell");
	plot_line(&c, 0, 0, 2, 2, 1);
	plot_line(&c, 2, 0, 2, 1, 2);
	CHECK(!strcmp(render(&c), "+ o\n +o\n  +"), "ascii glyphs:\n%s", render(&c));
	int role;
	CHECK(plot_cell(&c, 1, 1, GLYPHS, &role) == L'+' && role == 1, "ascii role is series");
	/* A series past the end of the glyph list still shows. */
	plot_canvas_clear(&c);
	plot_dot(&c, 0, 0, 20);
	CHECK(plot_cell(&c, 0, 0, GLYPHS, &role) == L'*' && role == 20, "glyph fallback");
	CHECK(plot_cell(&c, 0, 0, NULL, &role) == L'*', "no glyph list");
	plot_canvas_free(&c);
}

static void test_clipping(void)
{
	plot_canvas c;

	plot_canvas_init(&c, 10, 5, PLOT_BRAILLE);
	/* Entirely outside: nothing drawn, and it returns (no walk over 4 billion dots). */
	plot_line(&c, -2000000000, -2000000000, 2000000000, -1999999999, 0);
	plot_line(&c, 2147483647, 0, 2147483647, 19, 0);
	plot_line(&c, -2147483647 - 1, 30, -2147483647 - 1, -30, 0);
	CHECK(count_dots(&c) == 0, "lines outside draw nothing, got %d dots", count_dots(&c));

	/* Crossing the canvas from far away: a horizontal line through row 10 fills the row
	 * and nothing else. */
	plot_line(&c, -2147483647 - 1, 10, 2147483647, 10, 0);
	CHECK(count_dots(&c) == c.dw, "far horizontal line gives %d dots, want %d",
	      count_dots(&c), c.dw);
	for (int x = 0; x < c.dw; x++)
		CHECK(dot_at(&c, x, 10), "row 10 dot %d", x);
	/* A far diagonal through the middle: one dot per column, all on the canvas. */
	plot_canvas_clear(&c);
	plot_line(&c, -1000000000, -1000000000 + 10, 1000000000, 1000000000 + 10, 0);
	CHECK(count_dots(&c) > 0 && count_dots(&c) <= c.dh, "far diagonal clipped: %d dots",
	      count_dots(&c));
	CHECK(dot_at(&c, 0, 10) && dot_at(&c, 9, 19), "far diagonal passes (0,10) and (9,19)");
	plot_canvas_free(&c);

	/* plot_draw with absurd data: no crash, only dots on the canvas. */
	plot_canvas_init(&c, 10, 5, PLOT_BRAILLE);
	double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 1e300, -1e300, INFINITY, 2, 1e-300};
	plot_axes a = {0, 5, 0, 3, 0, 0};
	plot_series s = {x, y, 6, 0, PLOT_SOLID};
	plot_draw(&c, &a, &s);
	CHECK(count_dots(&c) > 0, "absurd data still draws the sane part");
	plot_canvas_free(&c);

	/* Zero-size canvas: everything is a no-op. */
	plot_canvas_init(&c, 0, 0, PLOT_BRAILLE);
	plot_line(&c, 0, 0, 10, 10, 0);
	plot_draw(&c, &a, &s);
	plot_text(&c, 0, 0, "x", 1);
	plot_vmarker(&c, &a, 1, 1);
	CHECK(c.dw == 0, "empty canvas stays empty");
	plot_canvas_free(&c);
}

static void test_text(void)
{
	plot_canvas c;
	int role;

	plot_canvas_init(&c, 6, 2, PLOT_BRAILLE);
	plot_line(&c, 0, 0, 11, 0, 0);
	plot_text(&c, 1, 0, "λ=0.1", 7);
	CHECK(!strcmp(render(&c), "⠉λ=0.1\n      "), "text over dots, clipped:\n%s", render(&c));
	CHECK(plot_cell(&c, 1, 0, GLYPHS, &role) == 0x03BB && role == 7, "overlay role");
	CHECK(plot_cell(&c, 0, 0, GLYPHS, &role) == 0x2809 && role == 0, "dots keep their role");
	/* Starting left of the canvas, invalid UTF-8 and control characters. */
	plot_text(&c, -2, 1, "ab\xff\ncd", 2);
	CHECK(!strcmp(render(&c) + strlen("⠉λ=0.1\n"), "\xEF\xBF\xBD?cd  "),
	      "clipped left, U+FFFD and '?': %s", render(&c));
	/* A truncated multibyte sequence at the end does not read past the NUL. */
	plot_canvas_clear(&c);
	plot_text(&c, 0, 0, "x\xE2\x82", 1);
	CHECK(plot_cell(&c, 0, 0, GLYPHS, &role) == L'x', "truncated sequence: x");
	CHECK(plot_cell(&c, 1, 0, GLYPHS, &role) == 0xFFFD, "truncated sequence: U+FFFD");
	CHECK(plot_cell(&c, 2, 0, GLYPHS, &role) == 0xFFFD, "truncated sequence: U+FFFD");
	CHECK(plot_cell(&c, 3, 0, GLYPHS, &role) == L' ', "nothing after the NUL");
	/* Rows outside the canvas. */
	plot_text(&c, 0, 2, "zz", 1);
	plot_text(&c, 0, -1, "zz", 1);
	plot_text(&c, 6, 0, "zz", 1);
	CHECK(plot_cell(&c, 5, 0, GLYPHS, &role) == L' ', "text outside ignored");
	plot_canvas_free(&c);
}

/* ---- drawing series ------------------------------------------------------------------- */

static void test_envelope(void)
{
	enum { N = 10000 };
	static double x[N], y[N];
	plot_canvas c;

	for (int i = 0; i < N; i++) {
		x[i] = i;
		y[i] = 1.0;
	}
	y[4321] = 10.0; /* one spike among 10 000 points */
	plot_canvas_init(&c, 40, 10, PLOT_BRAILLE);
	plot_axes a = {0, N - 1, 0, 10, 0, 0};
	plot_series s = {x, y, N, 2, PLOT_SOLID};
	plot_draw(&c, &a, &s);

	int col = (int)floor(plot_map_x(&c, &a, 4321) + 0.5);
	int top = (int)floor(plot_map_y(&c, &a, 10) + 0.5);
	int base = (int)floor(plot_map_y(&c, &a, 1) + 0.5);
	CHECK(top == 0, "spike maps to the top row, got %d", top);
	CHECK(column_top(&c, col) == top, "spike column %d reaches row %d, got %d", col, top,
	      column_top(&c, col));
	/* The spike column is a solid segment from the base to the top. */
	int solid = 1;
	for (int yy = top; yy <= base; yy++)
		solid &= dot_at(&c, col, yy);
	CHECK(solid, "spike column is a solid vertical segment");
	/* Every other column sits on the base line. */
	int flat = 1;
	for (int xx = 0; xx < c.dw; xx++)
		if (abs(xx - col) > 1)
			flat &= column_top(&c, xx) == base;
	CHECK(flat, "the rest stays on the base line");
	/* A dip works the same way. */
	y[4321] = 1.0;
	y[777] = 0.0;
	plot_canvas_clear(&c);
	plot_draw(&c, &a, &s);
	col = (int)floor(plot_map_x(&c, &a, 777) + 0.5);
	CHECK(dot_at(&c, col, c.dh - 1), "a one-point dip reaches the bottom row");

	/* 100 000 points into 160 columns, 100 times: must be quick (a rough guard only; the
	 * real budget is measured by the benchmarks). */
	enum { M = 100000 };
	double *bx = malloc(M * sizeof *bx), *by = malloc(M * sizeof *by);
	for (int i = 0; i < M; i++) {
		bx[i] = i + 1;
		by[i] = 2.0 / sqrt(i + 1.0) + 0.01 * sin(i);
	}
	plot_canvas big;
	plot_canvas_init(&big, 160, 40, PLOT_BRAILLE);
	plot_axes la = {1, M, 1e-3, 3, 1, 1};
	plot_series bs = {bx, by, M, 0, PLOT_SOLID};
	for (int r = 0; r < 100; r++) {
		plot_canvas_clear(&big);
		plot_draw(&big, &la, &bs);
	}
	CHECK(count_dots(&big) > big.dw, "big log-log plot draws");
	plot_canvas_free(&big);
	free(bx);
	free(by);
	plot_canvas_free(&c);
}

static void test_nan_gap(void)
{
	plot_canvas c;
	double x[5] = {0, 1, 2, 3, 4};
	double y[5] = {0, 0, NAN, 0, 0};

	/* ASCII, 5 columns, 1 row: a flat line with a hole where the NaN is. */
	plot_canvas_init(&c, 5, 1, PLOT_ASCII);
	plot_axes a = {0, 4, -1, 1, 0, 0};
	plot_series s = {x, y, 5, 0, PLOT_SOLID};
	plot_draw(&c, &a, &s);
	CHECK(!strcmp(render(&c), "** **"), "NaN breaks the line: '%s'", render(&c));
	/* Without the NaN the line is joined. */
	y[2] = 0;
	plot_canvas_clear(&c);
	plot_draw(&c, &a, &s);
	CHECK(!strcmp(render(&c), "*****"), "joined line: '%s'", render(&c));
	plot_canvas_free(&c);

	/* Braille: a jump across a NaN is not joined; an isolated point shows as a dot. */
	plot_canvas_init(&c, 5, 2, PLOT_BRAILLE);
	double x2[5] = {0, 1, 5, 8, 9}, y2[5] = {0, 0, 7, NAN, 7};
	plot_axes a2 = {0, 9, 0, 7, 0, 0};
	plot_series s2 = {x2, y2, 5, 0, PLOT_SOLID};
	plot_draw(&c, &a2, &s2);
	CHECK(!dot_at(&c, 6, 0) && !dot_at(&c, 7, 0) && !dot_at(&c, 8, 0),
	      "no line across the gap");
	CHECK(dot_at(&c, 9, 0), "the point after the gap is drawn");
	CHECK(dot_at(&c, 5, 0) && dot_at(&c, 3, 4), "the line before the gap is drawn");
	/* Unplottable points on a log axis are gaps too. */
	plot_canvas_clear(&c);
	double y3[5] = {1, 10, -5, 10, 1};
	plot_axes a3 = {0, 9, 1, 10, 0, 1};
	plot_series s3 = {x2, y3, 5, 1, PLOT_SOLID};
	plot_draw(&c, &a3, &s3);
	CHECK(!dot_at(&c, 6, 0) && !dot_at(&c, 7, 0), "non-positive value on log-y breaks");
	/* x may be NULL: points at 0, 1, 2, … */
	plot_canvas_clear(&c);
	double y4[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	plot_axes a4 = {0, 9, 0, 9, 0, 0};
	plot_series s4 = {NULL, y4, 10, 0, PLOT_SOLID};
	plot_draw(&c, &a4, &s4);
	CHECK(dot_at(&c, 0, 7) && dot_at(&c, 9, 0), "NULL x means the index");
	plot_canvas_free(&c);
}

static void test_mapping(void)
{
	plot_canvas c;
	plot_canvas_init(&c, 10, 5, PLOT_BRAILLE); /* 20 × 20 dots */
	plot_axes lin = {0, 19, -1, 1, 0, 0};
	plot_axes lg = {1, 1000, 0.01, 100, 1, 1};

	CHECK_NEAR(plot_map_x(&c, &lin, 0), 0, 1e-12, "linear x0");
	CHECK_NEAR(plot_map_x(&c, &lin, 19), 19, 1e-12, "linear x1");
	CHECK_NEAR(plot_map_x(&c, &lin, 9.5), 9.5, 1e-12, "linear mid");
	CHECK_NEAR(plot_map_y(&c, &lin, -1), 19, 1e-12, "y0 at the bottom");
	CHECK_NEAR(plot_map_y(&c, &lin, 1), 0, 1e-12, "y1 at the top");
	CHECK_NEAR(plot_map_y(&c, &lin, 3), -19, 1e-12, "outside maps outside");
	CHECK_NEAR(plot_map_x(&c, &lg, 1), 0, 1e-12, "log x at 1");
	CHECK_NEAR(plot_map_x(&c, &lg, 10), 19.0 / 3, 1e-12, "log x at 10");
	CHECK_NEAR(plot_map_x(&c, &lg, 100), 2 * 19.0 / 3, 1e-12, "log x at 100");
	CHECK_NEAR(plot_map_x(&c, &lg, 1000), 19, 1e-12, "log x at 1000");
	CHECK_NEAR(plot_map_y(&c, &lg, 1), 9.5, 1e-12, "log y at 1 (the middle)");
	CHECK_NEAR(plot_map_y(&c, &lg, 0.01), 19, 1e-12, "log y at 0.01");
	CHECK(isnan(plot_map_x(&c, &lg, 0)), "log of 0 is unplottable");
	CHECK(isnan(plot_map_y(&c, &lg, -1)), "log of -1 is unplottable");
	CHECK(isnan(plot_map_x(&c, &lin, NAN)), "NaN is unplottable");
	plot_axes flat = {5, 5, 2, 2, 0, 0};
	CHECK_NEAR(plot_map_x(&c, &flat, 5), 9.5, 1e-12, "flat range maps to the middle");
	plot_canvas_free(&c);
}

static void test_range(void)
{
	double lo, hi;
	double v[6] = {NAN, 2, INFINITY, 4, -INFINITY, 3};

	CHECK(plot_range(v, 6, 0, &lo, &hi) == 1, "finite values found");
	CHECK_NEAR(lo, 1.9, 1e-12, "lo with 5%% margin");
	CHECK_NEAR(hi, 4.1, 1e-12, "hi with 5%% margin");
	double nan_only[2] = {NAN, INFINITY};
	CHECK(plot_range(nan_only, 2, 0, &lo, &hi) == 0, "no finite value");
	CHECK(plot_range(NULL, 0, 0, &lo, &hi) == 0, "no value");
	double neg[3] = {-1, 0, -2};
	CHECK(plot_range(neg, 3, 1, &lo, &hi) == 0, "no positive value on a log axis");
	double flat[2] = {5, 5};
	CHECK(plot_range(flat, 2, 0, &lo, &hi) && lo == 4.5 && hi == 5.5, "flat ±10%%: %g %g",
	      lo, hi);
	double zero[1] = {0};
	CHECK(plot_range(zero, 1, 0, &lo, &hi) && lo == -1 && hi == 1, "flat 0 → ±1");
	CHECK(plot_range(flat, 2, 1, &lo, &hi) && lo == 2.5 && hi == 10, "flat log ×/÷2");
	double lg[4] = {0.01, -3, 0, 100};
	CHECK(plot_range(lg, 4, 1, &lo, &hi), "log range");
	CHECK_NEAR(log10(lo), -2.2, 1e-12, "log margin is 5%% of the decades");
	CHECK_NEAR(log10(hi), 2.2, 1e-12, "log margin at the top");
	double loss[3] = {0.01, 0.5, 2};
	CHECK(plot_range(loss, 3, 0, &lo, &hi) && lo == 0, "non-negative data floors at 0");
	double huge[2] = {-1.7e308, 1.7e308};
	CHECK(plot_range(huge, 2, 0, &lo, &hi) && isfinite(lo) && isfinite(hi) && lo < hi,
	      "huge range stays finite");
}

static void test_vmarker(void)
{
	plot_canvas c;
	int role;

	plot_canvas_init(&c, 4, 2, PLOT_BRAILLE);
	plot_axes a = {0, 7, 0, 1, 0, 0};
	plot_vmarker(&c, &a, 3, 9); /* dot column 3: the right half of cell 1 */
	CHECK(!strcmp(render(&c), " ⠨  \n ⠨  "), "dotted marker:\n%s", render(&c));
	CHECK(plot_cell(&c, 1, 0, GLYPHS, &role) == 0x2828 && role == 9, "marker role");
	/* Data through the marker: both sets of dots show, the data's colour wins. */
	plot_line(&c, 0, 1, 7, 1, 0);
	CHECK(plot_cell(&c, 1, 0, GLYPHS, &role) == 0x2800 + (0x28 | 0x12) && role == 0,
	      "marker merges with data");
	plot_vmarker(&c, &a, 100, 9); /* off the canvas */
	plot_vmarker(&c, &a, NAN, 9);
	plot_canvas_free(&c);

	plot_canvas_init(&c, 4, 3, PLOT_ASCII);
	plot_axes b = {0, 3, 0, 2, 0, 0};
	plot_dot(&c, 2, 1, 1);
	plot_vmarker(&c, &b, 2, 9);
	CHECK(!strcmp(render(&c), "  : \n  + \n  : "), "ascii marker keeps data:\n%s",
	      render(&c));
	CHECK(plot_cell(&c, 2, 0, GLYPHS, &role) == L':' && role == 9, "ascii marker role");
	plot_text(&c, 0, 2, "abcd", 5);
	CHECK(plot_cell(&c, 2, 2, GLYPHS, &role) == L'c' && role == 5, "text over a marker");
	plot_canvas_free(&c);
}

/* ---- ticks and labels ----------------------------------------------------------------- */

static void test_ticks(void)
{
	double t[64];
	int n;

	n = plot_ticks(0, 1, 0, 6, t);
	CHECK(n == 6, "[0,1]: %d ticks", n);
	for (int i = 0; i < n && n == 6; i++)
		CHECK_NEAR(t[i], 0.2 * i, 1e-12, "[0,1] tick %d", i);
	CHECK(n == 6 && t[3] == 0.6, "0.6 is exact (no 0.6000000000000001): %.17g", t[3]);

	n = plot_ticks(0.013, 0.87, 0, 6, t);
	CHECK(n == 4 && has_tick(t, n, 0.2) && has_tick(t, n, 0.8), "[0.013,0.87]: %d", n);
	n = plot_ticks(0.013, 0.87, 0, 10, t);
	CHECK(n == 8 && t[0] == 0.1 && t[7] == 0.8, "[0.013,0.87] max 10: %d", n);

	n = plot_ticks(1, 1e6, 1, 8, t);
	CHECK(n == 7, "[1,1e6] log: %d ticks", n);
	for (int i = 0; i < n && n == 7; i++)
		CHECK_NEAR(t[i], pow(10, i), 1e-9 * pow(10, i), "decade %d", i);
	n = plot_ticks(1, 1e6, 1, 4, t);
	CHECK(n == 4 && has_tick(t, n, 1) && has_tick(t, n, 100) && has_tick(t, n, 1e6),
	      "[1,1e6] log, max 4: every other decade, got %d", n);
	n = plot_ticks(0.05, 3, 1, 10, t);
	CHECK(n == 6 && has_tick(t, n, 0.05) && has_tick(t, n, 0.2) && has_tick(t, n, 2),
	      "[0.05,3] log: 1-2-5 within few decades, got %d", n);
	n = plot_ticks(0.0123, 2.7, 1, 6, t);
	CHECK(n == 4 && t[0] == 0.05 && t[1] == 0.1 && t[2] == 0.5 && t[3] == 1,
	      "[0.0123,2.7] log, max 6: 1 and 5 per decade, got %d", n);
	n = plot_ticks(3, 4.5, 1, 5, t);
	CHECK(n >= 2 && n <= 5 && t[0] >= 3 && t[n - 1] <= 4.5, "narrow log range: %d", n);

	n = plot_ticks(-3, 7, 0, 6, t);
	CHECK(n == 5, "[-3,7]: %d ticks", n);
	for (int i = 0; i < n && n == 5; i++)
		CHECK_NEAR(t[i], -2 + 2 * i, 1e-12, "[-3,7] tick %d", i);
	CHECK(has_tick(t, n, 0), "[-3,7] includes 0");

	n = plot_ticks(5, 5, 0, 6, t);
	CHECK(n == 1 && t[0] == 5, "[5,5]: one tick at 5, got %d", n);
	n = plot_ticks(5, 5, 1, 6, t);
	CHECK(n == 1 && t[0] == 5, "[5,5] log: one tick");

	/* Never more than max, whatever the range. */
	static const double ranges[][2] = {
		{0, 1}, {1e-9, 1.0000001e-9}, {-1e300, 1e300}, {1, 1 + 1e-15}, {-7, -3},
		{0.1, 0.1000001}, {-1.7e308, 1.7e308}, {123456, 123457}, {0, 1e-300},
	};
	for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
		for (int lg = 0; lg < 2; lg++)
			for (int max = 1; max <= 12; max++) {
				double lo = ranges[r][0], hi = ranges[r][1];
				if (lg && lo <= 0)
					lo = hi / 1e3;
				n = plot_ticks(lo, hi, lg, max, t);
				int inside = 1;
				for (int i = 0; i < n; i++)
					inside &= t[i] >= lo - 1e-9 * fabs(lo) &&
						  t[i] <= hi + 1e-9 * fabs(hi);
				CHECK(n >= 0 && n <= max && inside,
				      "[%g,%g] log=%d max=%d: %d ticks", lo, hi, lg, max, n);
			}
	n = plot_ticks(-1e-9, 2e-9, 0, 4, t);
	CHECK(n >= 2 && n <= 4, "tiny range: %d", n);
	n = plot_ticks(7, 3, 0, 6, t);
	CHECK(n >= 2 && t[0] >= 3 && t[n - 1] <= 7, "reversed bounds");
	CHECK(plot_ticks(NAN, 1, 0, 6, t) == 0, "NaN bound");
	CHECK(plot_ticks(0, 1, 0, 0, t) == 0, "max 0");
	CHECK(plot_ticks(-5, -1, 1, 6, t) == 0, "negative log range");
}

static void test_labels(void)
{
	static const struct { double v; const char *want; } cases[] = {
		{0, "0"},        {0.05, "0.05"},   {0.25, "0.25"},  {1.5, "1.5"},
		{12, "12"},      {350, "350"},     {1200, "1.2k"},  {45000, "45k"},
		{3.5e6, "3.5M"}, {1e-3, "1e-3"},   {-0.5, "-0.5"},  {0.1 + 0.2, "0.3"},
		{1000, "1k"},    {-1200, "-1.2k"}, {0.6, "0.6"},    {1e12, "1T"},
		{2e21, "2e21"},  {0.01, "0.01"},   {999999, "1M"},  {1.0 / 3, "0.333"},
		{-0.0, "0"},     {5e-3, "5e-3"},   {100, "100"},    {2.5e6, "2.5M"},
	};
	char buf[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		plot_tick_label(cases[i].v, buf, sizeof buf, 5);
		CHECK(!strcmp(buf, cases[i].want), "label(%.17g) = '%s', want '%s'", cases[i].v,
		      buf, cases[i].want);
		CHECK(strlen(buf) <= 5, "label '%s' fits 5 columns", buf);
	}
	/* 2.5e-4 needs six columns; in five it keeps its digits as 25e-5 rather than round. */
	plot_tick_label(2.5e-4, buf, sizeof buf, 6);
	CHECK(!strcmp(buf, "2.5e-4"), "2.5e-4 in 6: '%s'", buf);
	plot_tick_label(2.5e-4, buf, sizeof buf, 5);
	CHECK(!strcmp(buf, "25e-5"), "2.5e-4 in 5: '%s'", buf);
	/* Wider columns show more digits; narrower ones round. */
	plot_tick_label(12345, buf, sizeof buf, 8);
	CHECK(!strcmp(buf, "12.345k"), "12345 in 8: '%s'", buf);
	plot_tick_label(12345, buf, sizeof buf, 4);
	CHECK(!strcmp(buf, "12k"), "12345 in 4: '%s'", buf);
	plot_tick_label(1.2e-3, buf, sizeof buf, 6);
	CHECK(!strcmp(buf, "1.2e-3"), "1.2e-3 in 6: '%s'", buf);
	plot_tick_label(0.0125, buf, sizeof buf, 5);
	CHECK(!strcmp(buf, "0.013"), "0.0125 in 5: '%s'", buf);
	/* Hopeless widths and tiny buffers stay within bounds. */
	plot_tick_label(123456789, buf, sizeof buf, 1);
	CHECK(!strcmp(buf, "#"), "nothing fits: '%s'", buf);
	plot_tick_label(0.25, buf, 3, 10);
	CHECK(strlen(buf) <= 2, "buffer of 3 honoured: '%s'", buf);
	plot_tick_label(NAN, buf, sizeof buf, 5);
	CHECK(!strcmp(buf, "nan"), "NaN label: '%s'", buf);
	plot_tick_label(-INFINITY, buf, sizeof buf, 5);
	CHECK(!strcmp(buf, "-inf"), "-Inf label: '%s'", buf);
	/* Every label for a sweep of values fits its width. */
	int fits = 1;
	for (int w = 1; w <= 8; w++)
		for (double v = 1.234567e-12; v < 1e20; v *= 3.7) {
			plot_tick_label(v, buf, sizeof buf, w);
			fits &= (int)strlen(buf) <= w;
			plot_tick_label(-v, buf, sizeof buf, w);
			fits &= (int)strlen(buf) <= w;
		}
	CHECK(fits, "labels always fit their width");
}

/* Labels of a whole axis: one notation, no repeats, no fractional steps. */
static void axis(const double *t, int n, int width, int integers, const char *want)
{
	char lbl[16][16], got[300] = "";
	plot_axis_labels(t, n, width, integers, lbl);
	for (int i = 0; i < n; i++) {
		strcat(got, i ? "|" : "");
		strcat(got, lbl[i]);
	}
	CHECK(!strcmp(got, want), "axis labels '%s', want '%s'", got, want);
}

static void test_axis_labels(void)
{
	/* the gap panel's axis: each tick alone gives -0.01 -5e-3 0 5e-3 */
	axis((double[]){ -0.01, -5e-3, 0, 5e-3, 0.01 }, 5, 5, 0, "-1e-2|-5e-3|0|5e-3|1e-2");
	/* no value below 0.01: plain numbers, thousands with k */
	axis((double[]){ 0.05, 0.1, 0.5, 1 }, 4, 5, 0, "0.05|0.1|0.5|1");
	axis((double[]){ 0, 500, 1000, 1500 }, 4, 6, 1, "0|500|1k|1.5k");
	/* a log axis of error reaching 1e-3: exponents throughout */
	axis((double[]){ 1e-3, 0.01, 0.1 }, 3, 5, 0, "1e-3|1e-2|1e-1");
	/* a small value puts the millions in exponents too (not 2e-3 beside 12M) */
	axis((double[]){ 2e-3, 12345678 }, 2, 4, 0, "2e-3|12e6");
	/* rounded to the width, two ticks would read alike: the second goes */
	axis((double[]){ 1000, 1001, 1002 }, 3, 2, 0, "1k||");
	/* a steps axis never shows a fractional step; an epochs axis does */
	axis((double[]){ 0, 0.5, 1, 1.5, 2 }, 5, 6, 1, "0||1||2");
	axis((double[]){ 0, 0.5, 1, 1.5, 2 }, 5, 6, 0, "0|0.5|1|1.5|2");
}

/* ---- smoothing and fits --------------------------------------------------------------- */

static void test_ema(void)
{
	double y[6] = {NAN, 4, 8, NAN, 0, 2}, out[6];

	plot_ema(y, 6, 0.5, out);
	CHECK(isnan(out[0]), "leading NaN stays NaN");
	CHECK_NEAR(out[1], 4, 0, "starts at the first finite value");
	CHECK_NEAR(out[2], 6, 1e-12, "0.5·4 + 0.5·8");
	CHECK(isnan(out[3]), "NaN in, NaN out");
	CHECK_NEAR(out[4], 3, 1e-12, "0.5·6 + 0.5·0 (state kept across the NaN)");
	CHECK_NEAR(out[5], 2.5, 1e-12, "0.5·3 + 0.5·2");

	double z[4] = {1, 2, 3, 10};
	plot_ema(z, 4, 0.9, out);
	CHECK_NEAR(out[0], 1, 1e-12, "α=0.9 start");
	CHECK_NEAR(out[1], 1.1, 1e-12, "0.9·1 + 0.1·2");
	CHECK_NEAR(out[2], 1.29, 1e-12, "0.9·1.1 + 0.1·3");
	CHECK_NEAR(out[3], 2.161, 1e-12, "0.9·1.29 + 0.1·10");
	plot_ema(z, 4, 0, out);
	CHECK(!memcmp(out, z, sizeof z), "α = 0 copies");
	/* In place. */
	plot_ema(z, 4, 0.5, z);
	CHECK_NEAR(z[3], 6.125, 1e-12, "in place: 1, 1.5, 2.25, 0.5·2.25 + 0.5·10");
	plot_ema(z, 0, 0.5, out); /* n = 0: no-op */
}

static void test_fit(void)
{
	enum { N = 200 };
	double x[N + 3], y[N + 3], a, b, r2;

	for (int i = 0; i < N; i++) {
		x[i] = 1 + i * 7.3;
		y[i] = 1.5 + 0.7 * log(x[i]);
	}
	/* Unusable points are skipped. */
	x[N] = 0, y[N] = 5;
	x[N + 1] = -3, y[N + 1] = 5;
	x[N + 2] = 10, y[N + 2] = NAN;
	CHECK(fit_line(x, y, N + 3, 0, &a, &b, &r2) == N, "uses only x > 0, finite y");
	CHECK_NEAR(a, 1.5, 1e-12, "a recovered");
	CHECK_NEAR(b, 0.7, 1e-12, "b recovered");
	CHECK_NEAR(r2, 1, 1e-12, "R² = 1 on exact data");

	/* Deterministic ±noise: R² drops below 1, the fit stays close. */
	for (int i = 0; i < N; i++)
		y[i] += (i % 2 ? 0.05 : -0.05) * (1 + i % 3);
	fit_line(x, y, N, 0, &a, &b, &r2);
	CHECK(r2 < 1 && r2 > 0.9, "R² with noise: %g", r2);
	CHECK_NEAR(b, 0.7, 0.02, "b with noise");

	/* y = 2√x: the √ fit wins; y = ln x: the log fit wins. */
	double ra, rb;
	for (int i = 0; i < N; i++)
		y[i] = 2 * sqrt(x[i]);
	fit_line(x, y, N, 1, &a, &b, &ra);
	CHECK_NEAR(b, 2, 1e-9, "√ fit slope");
	CHECK_NEAR(a, 0, 1e-9, "√ fit intercept");
	fit_line(x, y, N, 0, &a, &b, &rb);
	CHECK(ra > rb, "√ data: R²(√) = %g > R²(ln) = %g", ra, rb);
	for (int i = 0; i < N; i++)
		y[i] = log(x[i]);
	fit_line(x, y, N, 1, &a, &b, &ra);
	fit_line(x, y, N, 0, &a, &b, &rb);
	CHECK(rb > ra, "ln data: R²(ln) = %g > R²(√) = %g", rb, ra);
	CHECK_NEAR(rb, 1, 1e-12, "ln data: log fit is exact");

	/* Degenerate inputs. */
	CHECK(fit_line(x, y, 0, 0, &a, &b, &r2) == 0, "no points");
	CHECK(fit_line(x, y, 1, 0, &a, &b, &r2) == 1 && isnan(a) && isnan(b) && isnan(r2),
	      "one point: NaN");
	double xs[3] = {4, 4, 4}, ys[3] = {1, 2, 3};
	CHECK(fit_line(xs, ys, 3, 1, &a, &b, &r2) == 3 && isnan(b), "one x: no slope");
	double xf[3] = {1, 2, 3}, yf[3] = {2, 2, 2};
	CHECK(fit_line(xf, yf, 3, 0, &a, &b, &r2) == 3 && r2 == 1 && b == 0 && a == 2,
	      "flat y: exact fit, R² = 1");
	/* Late in a long run ln x is large and nearly constant: still accurate. */
	for (int i = 0; i < N; i++) {
		x[i] = 1e9 + i * 1000.0;
		y[i] = 3 - 0.25 * log(x[i]);
	}
	fit_line(x, y, N, 0, &a, &b, &r2);
	CHECK_NEAR(b, -0.25, 1e-4, "slope on a far, narrow x range");
}

/* ---- a sample to look at -------------------------------------------------------------- */

static void demo(plot_mode mode)
{
	enum { N = 3000 };
	static double x[N], tr[N], te[N], sm[N];
	plot_canvas c;
	double t[16];
	char lab[8];

	static double tx[N / 50];
	for (int i = 0; i < N; i++) {
		x[i] = i + 1;
		tr[i] = 2.3 / pow(x[i], 0.35) + 0.08 * sin(i * 0.7) * exp(-i / 2000.0);
	}
	for (int i = 0; i < N / 50; i++) { /* a test evaluation every 50 steps */
		tx[i] = 50.0 * (i + 1);
		te[i] = 2.5 / pow(tx[i], 0.3);
	}
	tr[1700] = 4; /* a spike */
	plot_ema(tr, N, 0.95, sm);
	plot_canvas_init(&c, 60, 12, mode);
	plot_axes a = {1, N, 0, 0, 0, 1};
	plot_range(tr, N, 1, &a.y0, &a.y1);
	plot_series s0 = {x, tr, N, 0, PLOT_SOLID}, s1 = {x, sm, N, 2, PLOT_SOLID},
		    s2 = {tx, te, N / 50, 1, PLOT_SOLID};
	plot_vmarker(&c, &a, 1000, 9);
	plot_draw(&c, &a, &s0);
	plot_draw(&c, &a, &s1);
	plot_draw(&c, &a, &s2);
	plot_text(&c, 40, 0, mode == PLOT_BRAILLE ? "train test ema" : "* train + test", 8);
	int n = plot_ticks(a.y0, a.y1, 1, 5, t);
	printf("%s, log-y [%g, %g]; ticks:", mode == PLOT_BRAILLE ? "braille" : "ascii", a.y0,
	       a.y1);
	for (int i = 0; i < n; i++) {
		plot_tick_label(t[i], lab, sizeof lab, 5);
		printf(" %s", lab);
	}
	printf("\n%s\n\n", render(&c));
	plot_canvas_free(&c);
}

int main(int argc, char **argv)
{
	test_braille_bits();
	test_lines();
	test_clipping();
	test_text();
	test_envelope();
	test_nan_gap();
	test_mapping();
	test_range();
	test_vmarker();
	test_ticks();
	test_labels();
	test_axis_labels();
	test_ema();
	test_fit();
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		demo(PLOT_BRAILLE);
		demo(PLOT_ASCII);
	}
	return test_report();
}
