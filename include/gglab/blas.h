/* blas.h — which OpenBLAS kernel gglab runs with, and why.
 *
 * Debian's OpenBLAS chooses its kernels when the library loads, from its own table of CPUs;
 * a CPU it does not know gets an old fallback (an AVX-512 Xeon runs the SSE3 "Prescott"
 * kernels at a quarter of its speed). At start-up gglab compares the library's choice with
 * what the CPU can run (CPUID), and when the library fell short and the user has not chosen
 * (OPENBLAS_CORETYPE, or GGLAB_BLAS=keep), re-executes itself once with OPENBLAS_CORETYPE
 * set to the best matching kernel — the only way, since the library reads it at load time —
 * and keeps it only if a numeric self-check against the naive product passes. */
#ifndef GGLAB_BLAS_H
#define GGLAB_BLAS_H

#include <stddef.h>

/* What the CPU (and the OS, for the wide registers) supports. */
typedef struct {
	int sse3, avx, fma, avx2;
	int avx512f, avx512bw, avx512vl, avx512dq, avx512cd, avx512bf16;
	int family;     /* CPUID family (AMD Zen 4 = 25, Zen 5 = 26) */
	char vendor[16];
} blas_cpu;

/* Reads CPUID (zeroes on other architectures). */
void blas_cpu_read(blas_cpu *c);
/* "avx512 bf16", "avx2 fma", "avx", "sse3" or "baseline": the widest the CPU offers. */
const char *blas_cpu_caps(const blas_cpu *c);

/* The best OpenBLAS core name for the CPU (Cooperlake, SkylakeX, Haswell, Sandybridge) or
 * NULL when nothing beats the library's baseline. */
const char *blas_best_core(const blas_cpu *c);
/* A core name's tier: 0 SSE-era or unknown, 1 AVX, 2 AVX2+FMA, 3 AVX-512, 4 AVX-512+BF16. */
int blas_core_tier(const char *core);

typedef enum { BLAS_KEEP, BLAS_SWITCH } blas_action;
typedef struct {
	blas_action action;
	const char *target; /* BLAS_SWITCH: the core to run with */
	char why[160];      /* one line for --version, bench and show */
} blas_decision;

/* The pure choice: the CPU, the library's core, the user's OPENBLAS_CORETYPE (NULL when
 * unset) and GGLAB_BLAS (NULL, "auto" or "keep"). */
void blas_decide(const blas_cpu *c, const char *lib_core, const char *user_core,
		 const char *gglab_blas, blas_decision *d);

/* --threads auto: the BLAS threads for a run training alone, from the floating-point work of
 * one of its steps: all cores for large products, one below (measured: a second thread
 * makes steps of 0.6 GFLOP 30-40 % slower and steps of 5 GFLOP about 8 % faster). */
int blas_auto_threads(double step_flops, int cores);
#define BLAS_AUTO_MIN_FLOPS 2e9

/* Call first in main(): may re-execute the program (and so not return). */
void blas_startup(char **argv);
/* Largest relative error of the library's sgemm against a naive product over the shapes
 * and transpositions the lab uses; a working kernel gives ~1e-7. */
double blas_self_check(void);

/* The kernel in use and how it was chosen, e.g. "blas_core=SkylakeX cpu=avx512 bf16
 * (gglab switched from Prescott)". */
const char *blas_core(void);
void blas_describe(char *buf, size_t len, int threads); /* threads 0: "auto" */

#endif
