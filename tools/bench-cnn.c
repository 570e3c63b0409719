/* bench-cnn.c — driver for bench_cnn until `gglab bench cnn` is wired into main.c:
 *   tools/bench-cnn [SECONDS|epoch] [B ...]
 * SECONDS (default 10) of training per batch size (default 128), or one epoch and the test
 * accuracy; $SEED seeds the model and the data order (default 1). BLAS threads come from OPENBLAS_NUM_THREADS (the lab's default is one); the
 * BLAS kernel is chosen at start-up as gglab chooses it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/bench.h"
#include "gglab/blas.h"
#include "gglab/util.h"

int main(int argc, char **argv)
{
	blas_startup(argv); /* the BLAS kernel gglab itself would run with (may re-execute) */
	bench_options o = { .threads = 1, .seconds = 10 };
	const char *th = getenv("OPENBLAS_NUM_THREADS");
	if (th)
		o.threads = atoi(th);
	if (getenv("SEED"))
		o.seed = (unsigned)atoi(getenv("SEED"));
	if (argc > 1)
		o.seconds = strcmp(argv[1], "epoch") ? atof(argv[1]) : 0;
	int batches[16] = { 0 };
	for (int i = 2; i < argc && i < 17; i++)
		batches[i - 2] = atoi(argv[i]);
	if (argc > 2)
		o.batches = batches;
	char err[GG_ERRLEN];
	if (bench_cnn(&o, stdout, err) < 0) {
		fprintf(stderr, "bench-cnn: %s\n", err);
		return 1;
	}
	return 0;
}
