/* test_chart.c — what the screen's curves read from the series store (src/ui/chart.c):
 * rows where a column has no value are left out, so a curve joins its values instead of
 * breaking into dots — the rows between evaluations carry only dist and the norms, and
 * instruments are computed at some evaluations only. And without colour the curves still
 * differ: train, test and minibatch (and overlaid runs' train and test) are drawn with
 * different strokes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/series.h"
#include "panel.h"
#include "test.h"

/* The dots of one series drawn across a canvas with a role's stroke, as a bit string. */
static void stroke(ui_role role, unsigned char *bits, int *ndots)
{
	plot_canvas c;
	plot_canvas_init(&c, 20, 2, PLOT_BRAILLE);
	double x[2] = { 0, 1 }, y[2] = { 0.5, 0.3 };
	plot_axes a = { 0, 1, 0, 1, 0, 0 };
	plot_series s = { x, y, 2, 0, ui_role_dash(role) };
	plot_draw(&c, &a, &s);
	*ndots = 0;
	for (int i = 0; i < 40; i++) {
		bits[i] = c.bits[i];
		for (int b = 0; b < 8; b++)
			*ndots += bits[i] >> b & 1;
	}
	plot_canvas_free(&c);
}

static void test_mono(void)
{
	static const ui_role roles[] = { ROLE_TRAIN, ROLE_TEST, ROLE_BATCH, ROLE_RUN0_TR, ROLE_RUN0 };
	static const char *const names[] = { "train", "test", "minibatch", "run train", "run test" };
	unsigned char bits[5][40];
	int dots[5];
	ui_theme_init(0); /* monochrome */
	for (int i = 0; i < 5; i++)
		stroke(roles[i], bits[i], &dots[i]);
	CHECK(dots[0] > 30, "train is a solid line: %d dots", dots[0]);
	for (int i = 0; i < 3; i++)
		for (int k = i + 1; k < 3; k++)
			CHECK(memcmp(bits[i], bits[k], 40) != 0 && dots[i] != dots[k],
			      "without colour %s and %s differ: %d and %d dots", names[i], names[k], dots[i], dots[k]);
	CHECK(memcmp(bits[3], bits[4], 40) != 0, "an overlaid run's train and test differ");
	CHECK(dots[1] > dots[0] / 3, "test is dashed, not faint: %d of %d dots", dots[1], dots[0]);
}

int main(void)
{
	test_mono();
	series_store *S = series_new();
	int r = series_add_run(S, "r1");
	int loss = series_col(S, "train_loss"), dist = series_col(S, "dist"),
	    ep = series_col(S, "epoch");
	(void)loss, (void)dist, (void)ep;
	/* steps 0..20: dist at every step, the loss at every 5th (an evaluation) */
	for (long t = 0; t <= 20; t++) {
		double v[3] = { t % 5 == 0 ? 1.0 / (1 + t) : NAN, 0.1 * t, 0.05 * t };
		series_append(S, r, t, v, 3);
	}
	struct ui u = { .S = S };
	double *x, *y;
	size_t n = ui_read_xy(&u, r, "train_loss", 0, &x, &y);
	CHECK(n == 5, "the loss has its 5 values, no empty rows: %zu", n);
	int ok = n == 5;
	for (size_t i = 0; ok && i < n; i++)
		ok = x[i] == 5.0 * i && y[i] == 1.0 / (1 + 5.0 * i);
	CHECK(ok, "each at its own step");
	free(x), free(y);
	n = ui_read_xy(&u, r, "train_loss", 1, &x, &y);
	CHECK(n == 5 && x[4] == 0.05 * 20, "on the epochs axis too, at each row's own epoch");
	free(x), free(y);
	n = ui_read_xy(&u, r, "dist", 0, &x, &y);
	CHECK(n == 21, "a column with a value at every row keeps them all: %zu", n);
	free(x), free(y);
	series_col(S, "test_err"); /* a column with no value at all: nothing, and nothing to free */
	double v[4] = { NAN, 1, 1, NAN };
	series_append(S, r, 21, v, 4);
	n = ui_read_xy(&u, r, "test_err", 0, &x, &y);
	CHECK(n == 0 && x == NULL && y == NULL, "an empty column reads as none: %zu", n);
	series_free(S);
	return test_report();
}
