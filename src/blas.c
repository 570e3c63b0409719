/* blas.c — choosing the OpenBLAS kernel at start-up (see blas.h). The decision is a pure
 * function of the CPU's flags, the library's choice and the user's settings; the rest is
 * the one re-execution it may need, and the self-check that guards it. What happened is
 * kept in the environment (GGLAB_BLAS_NOTE), so the re-executed process and its children
 * report the same thing. */
#include "gglab/blas.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GG_X86 1
#endif

char *openblas_get_corename(void);

void blas_cpu_read(blas_cpu *c)
{
	memset(c, 0, sizeof *c);
#ifdef GG_X86
	unsigned a, b, cx, d;
	if (!__get_cpuid(0, &a, &b, &cx, &d))
		return;
	unsigned max = a;
	memcpy(c->vendor, &b, 4);
	memcpy(c->vendor + 4, &d, 4);
	memcpy(c->vendor + 8, &cx, 4);
	__get_cpuid(1, &a, &b, &cx, &d);
	c->family = (int)((a >> 8) & 0xf);
	if (c->family == 0xf)
		c->family += (int)((a >> 20) & 0xff);
	c->sse3 = cx & 1;
	int osxsave = (cx >> 27) & 1, avx = (cx >> 28) & 1, fma = (cx >> 12) & 1;
	uint64_t xcr0 = 0;
	if (osxsave) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((uint64_t)hi << 32) | lo;
	}
	int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
	c->avx = avx && ymm;
	c->fma = fma && ymm;
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, cx, d);
		c->avx2 = ymm && ((b >> 5) & 1);
		c->avx512f = zmm && ((b >> 16) & 1);
		c->avx512dq = zmm && ((b >> 17) & 1);
		c->avx512cd = zmm && ((b >> 28) & 1);
		c->avx512bw = zmm && ((b >> 30) & 1);
		c->avx512vl = zmm && ((b >> 31) & 1);
		__cpuid_count(7, 1, a, b, cx, d);
		c->avx512bf16 = zmm && ((a >> 5) & 1);
	}
#endif
}

static int has_avx512(const blas_cpu *c)
{
	return c->avx512f && c->avx512bw && c->avx512vl && c->avx512dq && c->avx512cd;
}

const char *blas_cpu_caps(const blas_cpu *c)
{
	if (has_avx512(c))
		return c->avx512bf16 ? "avx512+bf16" : "avx512";
	if (c->avx2 && c->fma)
		return "avx2+fma";
	if (c->avx)
		return "avx";
	return c->sse3 ? "sse3" : "baseline";
}

const char *blas_best_core(const blas_cpu *c)
{
	if (has_avx512(c))
		return c->avx512bf16 ? "Cooperlake" : "SkylakeX";
	if (c->avx2 && c->fma)
		return "Haswell";
	if (c->avx)
		return "Sandybridge";
	return NULL;
}

int blas_core_tier(const char *core)
{
	static const struct {
		const char *name;
		int tier;
	} tiers[] = {
		{ "Sandybridge", 1 }, { "Bulldozer", 1 }, { "Piledriver", 1 }, { "Steamroller", 1 },
		{ "Haswell", 2 },     { "Zen", 2 },       { "Excavator", 2 },  { "SkylakeX", 3 },
		{ "Cooperlake", 4 },  { "SapphireRapids", 4 },
	};
	for (size_t i = 0; core && i < sizeof tiers / sizeof *tiers; i++)
		if (!strcasecmp(core, tiers[i].name))
			return tiers[i].tier;
	return 0;
}

void blas_decide(const blas_cpu *c, const char *lib_core, const char *user_core,
		 const char *gglab_blas, blas_decision *d)
{
	const char *best = blas_best_core(c);
	int better = best && blas_core_tier(best) > blas_core_tier(lib_core);
	d->action = BLAS_KEEP;
	d->target = NULL;
	if (gglab_blas && !strcmp(gglab_blas, "keep")) {
		snprintf(d->why, sizeof d->why, "GGLAB_BLAS=keep: the library's choice");
	} else if (user_core && *user_core) {
		int weaker = best && blas_core_tier(best) > blas_core_tier(user_core);
		snprintf(d->why, sizeof d->why, "OPENBLAS_CORETYPE=%s set by the user%s%s%s", user_core,
			 weaker ? " (this CPU can run " : "", weaker ? best : "", weaker ? ")" : "");
	} else if (better) {
		d->action = BLAS_SWITCH;
		d->target = best;
		snprintf(d->why, sizeof d->why, "chosen by gglab; the library picked %s", lib_core);
	} else {
		snprintf(d->why, sizeof d->why, "the library's choice");
	}
}

/* C = op(A)·op(B) with m×k and k×n operands, against a double-precision naive product. */
static double check_shape(int m, int n, int k, int ta, int tb, float *a, float *b, float *c)
{
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, c, n);
	double worst = 0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = 0, mag = 0;
			for (int p = 0; p < k; p++) {
				double x = ta ? a[(size_t)p * m + i] : a[(size_t)i * k + p];
				double y = tb ? b[(size_t)j * k + p] : b[(size_t)p * n + j];
				s += x * y;
				mag += fabs(x * y);
			}
			double e = fabs(c[(size_t)i * n + j] - s) / (mag > 0 ? mag : 1);
			if (!(e <= worst)) /* a NaN is the worst error */
				worst = isnan(e) ? INFINITY : e;
		}
	return worst;
}

double blas_self_check(void)
{
	enum { M = 67, N = 45, K = 133 };
	float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N),
	      *c = malloc(sizeof(float) * M * N);
	if (!a || !b || !c) {
		free(a), free(b), free(c);
		return INFINITY;
	}
	uint32_t s = 12345;
	for (int i = 0; i < M * K; i++)
		a[i] = (float)((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
	for (int i = 0; i < K * N; i++)
		b[i] = (float)((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
	double worst = 0;
	for (int t = 0; t < 4; t++) {
		double e = check_shape(M, N, K, t & 1, t >> 1, a, b, c);
		if (!(e <= worst))
			worst = e;
	}
	free(a);
	free(b);
	free(c);
	return worst;
}

static void reexec(char **argv)
{
	execv("/proc/self/exe", argv);
	char note[200];
	snprintf(note, sizeof note, "could not re-execute to change the BLAS kernel: %s",
		 strerror(errno));
	setenv("GGLAB_BLAS_NOTE", note, 1);
}

void blas_startup(char **argv)
{
	char note[200];
	const char *stage = getenv("GGLAB_BLAS_STAGE");
	if (stage && !strcmp(stage, "check")) {
		/* the re-executed process: is the kernel the one asked for, and does it compute? */
		char target[64], from[64];
		snprintf(target, sizeof target, "%s", getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "");
		snprintf(from, sizeof from, "%s", getenv("GGLAB_BLAS_FROM") ? getenv("GGLAB_BLAS_FROM") : "?");
		unsetenv("GGLAB_BLAS_STAGE");
		unsetenv("GGLAB_BLAS_FROM");
		const char *now = openblas_get_corename();
		double e = strcasecmp(now, target) ? -1 : blas_self_check();
		if (e >= 0 && e < 1e-4) {
			snprintf(note, sizeof note, "chosen by gglab; the library picked %s", from);
			setenv("GGLAB_BLAS_NOTE", note, 1);
			return;
		}
		if (e < 0)
			snprintf(note, sizeof note, "this OpenBLAS has no %s kernel (it ran %s); kept %s",
				 target, now, from);
		else
			snprintf(note, sizeof note, "the %s kernel failed its self-check (error %.1e); kept %s",
				 target, e, from);
		setenv("GGLAB_BLAS_NOTE", note, 1);
		setenv("GGLAB_BLAS", "keep", 1);
		unsetenv("OPENBLAS_CORETYPE");
		reexec(argv);
		return;
	}
	if (getenv("GGLAB_BLAS_NOTE"))
		return; /* decided before this process was executed */
	blas_cpu c;
	blas_cpu_read(&c);
	/* GGLAB_BLAS_PRETEND names the library's choice, for testing the switch on a CPU the
	 * library already knows. */
	const char *lib = getenv("GGLAB_BLAS_PRETEND") ? getenv("GGLAB_BLAS_PRETEND") : openblas_get_corename();
	blas_decision d;
	blas_decide(&c, lib, getenv("OPENBLAS_CORETYPE"), getenv("GGLAB_BLAS"), &d);
	if (d.action == BLAS_SWITCH) {
		setenv("OPENBLAS_CORETYPE", d.target, 1);
		setenv("GGLAB_BLAS_STAGE", "check", 1);
		setenv("GGLAB_BLAS_FROM", lib, 1);
		reexec(argv);
		unsetenv("OPENBLAS_CORETYPE");
		unsetenv("GGLAB_BLAS_STAGE");
		unsetenv("GGLAB_BLAS_FROM");
		return;
	}
	setenv("GGLAB_BLAS_NOTE", d.why, 1);
}

int blas_auto_threads(double step_flops, int cores)
{
	return step_flops >= BLAS_AUTO_MIN_FLOPS && cores > 1 ? cores : 1;
}

const char *blas_core(void)
{
	return openblas_get_corename();
}

void blas_describe(char *buf, size_t len, int threads)
{
	blas_cpu c;
	blas_cpu_read(&c);
	const char *note = getenv("GGLAB_BLAS_NOTE");
	char t[16];
	if (threads > 0)
		snprintf(t, sizeof t, "%d", threads);
	else
		snprintf(t, sizeof t, "auto");
	snprintf(buf, len, "blas_core=%s cpu=%s threads=%s (%s)", blas_core(), blas_cpu_caps(&c), t,
		 note ? note : "the library's choice");
}
