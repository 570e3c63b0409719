/* bench.h — `gglab bench`: training throughput of the reference MLP against the machine's
 * own sgemm rate, measured on the spot with the same thread count. */
#ifndef GGLAB_BENCH_H
#define GGLAB_BENCH_H

#include <stdio.h>

typedef struct {
	int threads;      /* BLAS threads; 0 = OpenBLAS's default */
	double seconds;   /* timed seconds per batch size */
	const int *batches; /* 0-terminated; NULL = 32 128 1024 4096 */
	unsigned seed;      /* bench cnn: model and data-order seed (0 = 1) */
} bench_options;

/* Prints one key=value line per batch size to out; 0 or -1 with a message. */
int bench_run(const bench_options *o, FILE *out, char *err);
/* `gglab bench cnn` (bench_cnn.c): the issue-12 reference net cnn 32,64 fc=128 at the
 * given batch sizes (NULL = 128) for o->seconds each (≤ 0: one epoch, then the test
 * accuracy), and the GFLOP/s of its conv layers alone against sgemm. */
int bench_cnn(const bench_options *o, FILE *out, char *err);
/* Measures cblas_sgemm GFLOP/s on n×n×n products for about `seconds` of clock (gg_now:
 * wall seconds; gg_cpu_now: this thread's CPU seconds). */
double bench_sgemm_gflops(int n, double seconds, double (*now)(void));
/* `gglab --sgemm-rate` (internal): prints "CORE GFLOP/s" of the kernel this process loaded. */
int bench_sgemm_child(void);

#endif
