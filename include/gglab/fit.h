/* fit.h — least squares y ≈ a + b·f(x), f = ln x (the log-t fit of the distance from
 * initialization) or f = √x (the diffusive alternative it is compared with). */
#ifndef GGLAB_FIT_H
#define GGLAB_FIT_H

#include <stddef.h>

/* The fewest points a fit is reported from (the `fit` command refuses fewer; the screen
 * draws no fit from fewer): three points give R² near 1 whatever the curve. */
#define FIT_MIN_POINTS 8

/* Uses the points with x > 0 and finite y; returns how many. Fills a, b and R² (NaN with
 * fewer than two points or a single x; R² = 1 when y is flat and fitted exactly). */
size_t fit_line(const double *x, const double *y, size_t n, int sqrt_fit, double *a, double *b,
		double *r2);

#endif
