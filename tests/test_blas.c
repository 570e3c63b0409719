/* test_blas.c — the choice of BLAS kernel (a table of CPUs, library choices and user
 * settings against the expected decision), the CPU reading, and the self-check. */
#include <string.h>

#include "gglab/blas.h"
#include "test.h"

static const blas_cpu SSE = { .sse3 = 1 };
static const blas_cpu AVX = { .sse3 = 1, .avx = 1 };
static const blas_cpu AVX2 = { .sse3 = 1, .avx = 1, .fma = 1, .avx2 = 1 };
static const blas_cpu SKX = { .sse3 = 1, .avx = 1, .fma = 1, .avx2 = 1, .avx512f = 1, .avx512bw = 1,
			      .avx512vl = 1, .avx512dq = 1, .avx512cd = 1 };
static const blas_cpu CPX = { .sse3 = 1, .avx = 1, .fma = 1, .avx2 = 1, .avx512f = 1, .avx512bw = 1,
			      .avx512vl = 1, .avx512dq = 1, .avx512cd = 1, .avx512bf16 = 1 };
/* AVX-512F alone (Xeon Phi) is not SkylakeX's set */
static const blas_cpu KNL = { .sse3 = 1, .avx = 1, .fma = 1, .avx2 = 1, .avx512f = 1, .avx512cd = 1 };

static void test_decide(void)
{
	static const struct {
		const blas_cpu *cpu;
		const char *lib, *user, *gg;
		blas_action action;
		const char *target, *why;
	} cases[] = {
		/* the bug: an AVX-512 Xeon the library does not know runs Prescott */
		{ &SKX, "Prescott", NULL, NULL, BLAS_SWITCH, "SkylakeX", "library picked Prescott" },
		{ &CPX, "Prescott", NULL, NULL, BLAS_SWITCH, "Cooperlake", "library picked Prescott" },
		{ &CPX, "Haswell", NULL, NULL, BLAS_SWITCH, "Cooperlake", "library picked Haswell" },
		{ &AVX2, "Prescott", NULL, NULL, BLAS_SWITCH, "Haswell", "library picked Prescott" },
		{ &AVX2, "Nehalem", NULL, "auto", BLAS_SWITCH, "Haswell", "library picked Nehalem" },
		{ &AVX, "Core2", NULL, NULL, BLAS_SWITCH, "Sandybridge", "library picked Core2" },
		{ &KNL, "Prescott", NULL, NULL, BLAS_SWITCH, "Haswell", "library picked Prescott" },
		/* the library chose well: nothing to do */
		{ &SKX, "SkylakeX", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		{ &CPX, "Cooperlake", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		{ &AVX2, "Zen", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		{ &AVX2, "Haswell", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		{ &SSE, "Prescott", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		/* a better library choice than gglab knows is never downgraded */
		{ &AVX2, "SapphireRapids", NULL, NULL, BLAS_KEEP, NULL, "library's choice" },
		/* the user decides */
		{ &SKX, "Prescott", NULL, "keep", BLAS_KEEP, NULL, "GGLAB_BLAS=keep" },
		{ &SKX, "Prescott", "Prescott", NULL, BLAS_KEEP, NULL, "set by the user (this CPU can run SkylakeX)" },
		{ &CPX, "Haswell", "Haswell", NULL, BLAS_KEEP, NULL, "set by the user (this CPU can run Cooperlake)" },
		{ &SKX, "SkylakeX", "SkylakeX", NULL, BLAS_KEEP, NULL, "OPENBLAS_CORETYPE=SkylakeX set by the user" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		blas_decision d;
		blas_decide(cases[i].cpu, cases[i].lib, cases[i].user, cases[i].gg, &d);
		CHECK(d.action == cases[i].action, "case %zu: action %d", i, d.action);
		CHECK(cases[i].target ? d.target && !strcmp(d.target, cases[i].target) : d.target == NULL,
		      "case %zu: target %s", i, d.target ? d.target : "(none)");
		CHECK(strstr(d.why, cases[i].why) != NULL, "case %zu: why '%s'", i, d.why);
	}
	CHECK(!strcmp(blas_cpu_caps(&CPX), "avx512+bf16") && !strcmp(blas_cpu_caps(&AVX2), "avx2+fma") &&
		      !strcmp(blas_cpu_caps(&SSE), "sse3"), "capability names");
	CHECK(blas_core_tier("prescott") == 0 && blas_core_tier("HASWELL") == 2 && blas_core_tier(NULL) == 0,
	      "tiers ignore case");
}

static void test_auto_threads(void)
{
	/* the bench MLP 784-512x3-10: about 4.8 MFLOP an example */
	CHECK(blas_auto_threads(4.8e6 * 32, 2) == 1, "B=32 stays on one thread");
	CHECK(blas_auto_threads(4.8e6 * 128, 2) == 1, "B=128 stays on one thread (slower on two)");
	CHECK(blas_auto_threads(4.8e6 * 1024, 2) == 2, "B=1024 takes both cores");
	CHECK(blas_auto_threads(4.8e6 * 4096, 8) == 8, "B=4096 takes every core");
	CHECK(blas_auto_threads(1e12, 1) == 1, "one core: one thread");
}

static void test_machine(void)
{
	blas_cpu c;
	blas_cpu_read(&c);
	/* whatever this CPU is, its flags are consistent: AVX-512 implies AVX2 implies AVX */
	CHECK(!c.avx512f || c.avx2, "avx512 implies avx2");
	CHECK(!c.avx2 || c.avx, "avx2 implies avx");
	const char *best = blas_best_core(&c);
	CHECK(best == NULL || blas_core_tier(best) > 0, "best core %s", best ? best : "(none)");
	double e = blas_self_check();
	CHECK(e < 1e-5, "the kernel in use (%s) agrees with the naive product: %.2e", blas_core(), e);
}

int main(void)
{
	test_decide();
	test_auto_threads();
	test_machine();
	return test_report();
}
