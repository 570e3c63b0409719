/* ticks.c — the plots' axes in numbers (plot.h): tick positions at nice values and their
 * labels, one value at a time or a whole axis in one notation, with no curses in sight. */
#include "plot.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* m·10^e computed so that common values are exact: 3·0.1 is 0.30000000000000004 but 3/10
 * is the double nearest 0.3, which prints as "0.3". */
static double scaled(double m, int e)
{
	return e >= 0 ? m * pow(10, e) : m / pow(10, -e);
}

static int ticks_linear(double lo, double hi, int max, double *ticks)
{
	static const int mult[3] = {1, 2, 5};
	double span = hi - lo, mag = fmax(fabs(lo), fabs(hi));

	if (!isfinite(span))
		span = DBL_MAX;
	/* A range too narrow to subdivide in double (or a flat one) gets one tick. */
	if (span <= mag * 1e-12 || span == 0) {
		ticks[0] = lo;
		return 1;
	}
	/* Start one decade below the step that would give `max` ticks and go up: the first
	 * step that fits is the finest that does. */
	int e0 = (int)floor(log10(span / max)) - 1;
	for (int e = e0; e <= 310; e++) {
		for (int j = 0; j < 3; j++) {
			double step = scaled(mult[j], e);
			if (!isfinite(step))
				return 0;
			/* The 1e-9 slack admits ends that are multiples up to rounding. */
			double i0 = ceil(lo / step - 1e-9), i1 = floor(hi / step + 1e-9);
			double cnt = i1 - i0 + 1;
			if (cnt > max)
				continue;
			int n = 0;
			for (double i = i0; i <= i1 && n < max; i++) {
				double v = e >= 0 ? i * mult[j] * pow(10, e) : i * mult[j] / pow(10, -e);
				ticks[n++] = v == 0 ? 0 : v; /* no "-0" */
			}
			return n;
		}
	}
	return 0;
}

/* The values m·10^d in [lo, hi] for m in mults (0-terminated), in increasing order, into
 * ticks if not NULL; returns how many. */
static int log_mults(double lo, double hi, const int *mults, double *ticks)
{
	const double tol = 1e-9;
	int n = 0, d1 = (int)floor(log10(hi) + tol);

	for (int d = (int)floor(log10(lo)) - 1; d <= d1; d++)
		for (int j = 0; mults[j]; j++) {
			double v = scaled(mults[j], d);
			if (v >= lo * (1 - tol) && v <= hi * (1 + tol)) {
				if (ticks)
					ticks[n] = v;
				n++;
			}
		}
	return n;
}

static int ticks_log(double lo, double hi, int max, double *ticks)
{
	static const int mult[3] = {1, 2, 5};
	const double tol = 1e-9;
	double llo, lhi;
	int n = 0;

	if (!(hi > 0))
		return 0;
	if (!(lo > 0)) /* a log axis cannot reach 0; show six decades below the top */
		lo = hi / 1e6;
	if (lo == hi) {
		ticks[0] = lo;
		return 1;
	}
	llo = log10(lo);
	lhi = log10(hi);
	int d0 = (int)ceil(llo - tol), d1 = (int)floor(lhi + tol);

	/* Few decades: 1, 2, 5 in each if that many fit, else 1 and 5 (a loss axis from 0.02
	 * to 3 reads better as 0.05 0.1 0.5 1 than as 0.1 1). */
	if (lhi - llo <= 3) {
		static const int sets[2][4] = {{1, 2, 5, 0}, {1, 5, 0, 0}};
		for (int k = 0; k < 2; k++) {
			int cnt = log_mults(lo, hi, sets[k], NULL);
			if (cnt >= 2 && cnt <= max)
				return log_mults(lo, hi, sets[k], ticks);
		}
	}
	/* Decades, every 1st, 2nd, 5th, 10th, … until they fit. */
	if (d1 - d0 + 1 >= 2) {
		for (int k = 1; k <= 1000; k *= 10) {
			for (int j = 0; j < 3; j++) {
				int stride = k * mult[j], cnt = 0;
				for (int d = d0; d <= d1; d++)
					cnt += d % stride == 0;
				if (cnt > max || cnt < 1)
					continue;
				for (int d = d0; d <= d1; d++)
					if (d % stride == 0)
						ticks[n++] = scaled(1, d);
				return n;
			}
		}
	}
	/* Less than a decade with no 1-2-5 values to speak of: plain linear ticks. */
	return ticks_linear(lo, hi, max, ticks);
}

int plot_ticks(double lo, double hi, int logscale, int max, double *ticks)
{
	if (max <= 0 || !ticks || isnan(lo) || isnan(hi))
		return 0;
	if (lo > hi) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (!isfinite(lo))
		lo = -DBL_MAX;
	if (!isfinite(hi))
		hi = DBL_MAX;
	if (lo == hi) {
		ticks[0] = lo;
		return 1;
	}
	return logscale ? ticks_log(lo, hi, max, ticks) : ticks_linear(lo, hi, max, ticks);
}

/* Removes trailing zeros after a decimal point, and the point itself if bare. */
static void trim_zeros(char *s)
{
	char *dot = strchr(s, '.'), *end;

	if (!dot)
		return;
	end = s + strlen(s);
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	*end = '\0';
}

/* v in fixed notation with p significant digits; 0 if that makes no sense here. */
static int fmt_fixed(double v, int p, char *out, size_t len)
{
	if (fabs(v) >= 1e15)
		return 0;
	int dec = p - 1 - (int)floor(log10(fabs(v)));
	if (dec < 0)
		dec = 0;
	if (dec > 30) /* so small that exponent notation is shorter anyway */
		return 0;
	snprintf(out, len, "%.*f", dec, v);
	trim_zeros(out);
	return strcmp(out, "0") && strcmp(out, "-0");
}

/* v with an SI suffix (k, M, G, T) and p significant digits: 1.2k, 45k, 3.5M. */
static int fmt_si(double v, int p, char *out, size_t len)
{
	static const char suffix[] = " kMGT";
	double a = fabs(v);

	if (a < 1000 || a >= 1e15)
		return 0;
	int k = (int)floor(log10(a) / 3);
	k = clampi(k, 1, 4);
	for (; k <= 4; k++) {
		char m[64];
		if (!fmt_fixed(v / pow(1000, k), p, m, sizeof m))
			return 0;
		/* Rounding may carry into the next unit: 999 999 at 3 digits is 1M, not 1000k. */
		if (fabs(strtod(m, NULL)) >= 1000 && k < 4)
			continue;
		snprintf(out, len, "%s%c", m, suffix[k]);
		return 1;
	}
	return 0;
}

/* v as mantissa e exponent with p significant digits and no padding: 1e-3, 2.5e-4, 1e21.
 * compact: the mantissa as an integer instead (25e-5), a last resort for narrow columns. */
static int fmt_exp(double v, int p, int compact, char *out, size_t len)
{
	char buf[64], *e;
	int ex;

	snprintf(buf, sizeof buf, "%.*e", p - 1, v);
	e = strchr(buf, 'e');
	if (!e)
		return 0;
	ex = atoi(e + 1);
	*e = '\0';
	trim_zeros(buf);
	if (compact) {
		char *dot = strchr(buf, '.');
		if (!dot)
			return 0; /* the same as the plain form */
		int nd = (int)strlen(dot + 1);
		memmove(dot, dot + 1, strlen(dot + 1) + 1);
		ex -= nd;
	}
	snprintf(out, len, "%se%d", buf, ex);
	return 1;
}

void plot_tick_label(double v, char *buf, size_t len, int width)
{
	char cand[4][80];
	int ok[4];

	if (!buf || len == 0)
		return;
	buf[0] = '\0';
	if (width > (int)(len - 1))
		width = (int)(len - 1);
	if (width <= 0)
		return;
	if (v == 0 || isnan(v) || isinf(v)) {
		const char *s = v == 0 ? "0" : isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
		snprintf(buf, (size_t)width + 1, "%s", s);
		return;
	}
	/* From the most precise down: the first precision at which some form fits. 15 digits
	 * is what a double holds reliably, so 0.30000000000000004 comes out as 0.3. Within a
	 * precision, forms go in order of readability: SI for thousands and up; fixed down to
	 * 0.01 and exponent below (0.05 but 1e-3, not 0.001: zeros are hard to count); then
	 * the other of the two; then the compact exponent, which keeps digits that would
	 * otherwise be rounded away. */
	for (int p = 15; p >= 1; p--) {
		ok[0] = fmt_si(v, p, cand[0], sizeof cand[0]);
		ok[1] = fmt_fixed(v, p, cand[1], sizeof cand[1]);
		ok[2] = fmt_exp(v, p, 0, cand[2], sizeof cand[2]);
		/* Compact only for two-digit mantissas: 25e-5 reads, 1235e-7 does not. */
		ok[3] = p <= 2 && fmt_exp(v, p, 1, cand[3], sizeof cand[3]);
		if (ok[0])
			ok[1] = 0; /* 1200 reads as 1.2k */
		int order[4] = {0, 1, 2, 3};
		if (fabs(v) < 0.01)
			order[1] = 2, order[2] = 1;
		for (int j = 0; j < 4; j++) {
			int f = order[j];
			if (ok[f] && strlen(cand[f]) <= (size_t)width) {
				snprintf(buf, len, "%s", cand[f]);
				return;
			}
		}
	}
	/* Nothing fits: say so rather than print a wrong number. */
	snprintf(buf, len, "#");
}


/* v in one notation (0: plain with k, M, G, T; 1: mantissa e exponent) at the highest
 * precision that fits `width`; 0 when it does not fit. */
static int label_in(double v, int notation, int width, char *out, size_t len)
{
	if (v == 0) {
		snprintf(out, len, "0");
		return 1;
	}
	for (int p = 15; p >= 1; p--) {
		char c[80];
		int ok = notation ? fmt_exp(v, p, 0, c, sizeof c) : fabs(v) >= 1000 ? fmt_si(v, p, c, sizeof c) : fmt_fixed(v, p, c, sizeof c);
		if (ok && strlen(c) <= (size_t)width && strlen(c) < len) {
			snprintf(out, len, "%s", c);
			return 1;
		}
		/* the compact exponent (25e-5) for two-digit mantissas only */
		if (notation && p <= 2 && fmt_exp(v, p, 1, c, sizeof c) && strlen(c) <= (size_t)width &&
		    strlen(c) < len) {
			snprintf(out, len, "%s", c);
			return 1;
		}
	}
	return 0;
}

void plot_axis_labels(const double *t, int n, int width, int integers, char (*lbl)[16])
{
	int small = 0;
	for (int i = 0; i < n; i++)
		small |= t[i] != 0 && fabs(t[i]) < 0.01;
	int done = 0;
	for (int k = 0; k < 2 && !done; k++) {
		int notation = k ? !small : small;
		done = 1;
		for (int i = 0; i < n && done; i++)
			done = !isfinite(t[i]) || label_in(t[i], notation, width, lbl[i], 16);
	}
	for (int i = 0; i < n; i++) {
		if (!done || !isfinite(t[i])) /* no one notation fits: each as it best fits */
			plot_tick_label(t[i], lbl[i], 16, width);
		if (integers && t[i] != floor(t[i]))
			lbl[i][0] = 0;
		for (int k = 0; k < i && lbl[i][0]; k++)
			if (!strcmp(lbl[k], lbl[i]))
				lbl[i][0] = 0;
	}
}
