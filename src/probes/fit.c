/* fit.c — least-squares lines through (f(x), y) with f = ln or √: the d ≈ a + b·ln t fit of
 * the distance from initialization (Hoffer et al. 2017) and the √t fit it is compared with.
 * Used by the `fit` command and by the screen's distance panel. */
#include <math.h>
#include <stddef.h>

#include "gglab/fit.h"

static int fit_usable(double x, double y)
{
	return isfinite(x) && x > 0 && isfinite(y);
}

size_t fit_line(const double *x, const double *y, size_t n, int sqrt_fit, double *a, double *b,
		double *r2)
{
	double sf = 0, sy = 0, sff = 0, sfy = 0, ssres = 0, sstot = 0;
	size_t m = 0;

	*a = *b = *r2 = NAN;
	/* Two passes over centred values: the one-pass Σf², Σfy formulas lose every digit when
	 * f = ln x is large and nearly constant (late in a long run). */
	for (size_t i = 0; i < n; i++) {
		if (!fit_usable(x[i], y[i]))
			continue;
		sf += sqrt_fit ? sqrt(x[i]) : log(x[i]);
		sy += y[i];
		m++;
	}
	if (m < 2)
		return m;
	double mf = sf / (double)m, my = sy / (double)m;
	for (size_t i = 0; i < n; i++) {
		if (!fit_usable(x[i], y[i]))
			continue;
		double df = (sqrt_fit ? sqrt(x[i]) : log(x[i])) - mf, dy = y[i] - my;
		sff += df * df;
		sfy += df * dy;
		sstot += dy * dy;
	}
	if (!(sff > 0))
		return m; /* every x the same: no slope to fit */
	*b = sfy / sff;
	*a = my - *b * mf;
	for (size_t i = 0; i < n; i++) {
		if (!fit_usable(x[i], y[i]))
			continue;
		double r = y[i] - *a - *b * (sqrt_fit ? sqrt(x[i]) : log(x[i]));
		ssres += r * r;
	}
	/* Flat y is fitted perfectly by b = 0: call that R² = 1 rather than 0/0. */
	*r2 = sstot > 0 ? 1 - ssres / sstot : 1;
	return m;
}
