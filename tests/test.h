/* test.h — the tiny test helper every unit test uses (after Redis's testhelp.h).
 *
 * Each CHECK counts one assertion; a failing one prints file:line and the message. A test
 * program ends with `return test_report();`, which prints "N passed, N failed" and returns
 * the exit status automake's harness expects (0 ok, 1 failure). */
#ifndef GGLAB_TEST_H
#define GGLAB_TEST_H

#include <math.h>
#include <stdio.h>

static int test_passed, test_failed;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			test_passed++;                                         \
		} else {                                                       \
			test_failed++;                                         \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

/* |a − b| ≤ tol, NaN-safe (a NaN never passes). */
#define CHECK_NEAR(a, b, tol, ...)                                             \
	do {                                                                   \
		double ta_ = (a), tb_ = (b), tt_ = (tol);                      \
		if (fabs(ta_ - tb_) <= tt_) {                                  \
			test_passed++;                                         \
		} else {                                                       \
			test_failed++;                                         \
			fprintf(stderr, "%s:%d: FAIL: %s = %.9g, expected %.9g ± %.3g: ", \
				__FILE__, __LINE__, #a, ta_, tb_, tt_);        \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

static inline int test_report(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
