/* fuzz_idx.c — feeds arbitrary bytes to data_idx_read, the one parser of files that come
 * from outside (gzip or raw IDX).
 *
 * With libFuzzer (clang):
 *   clang -std=c11 -D_GNU_SOURCE -DFUZZ_LIBFUZZER -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -Iinclude tests/fuzz/fuzz_idx.c src/data/idx.c src/util.c -lz -o fuzz_idx
 *   ./fuzz_idx -max_total_time=60 CORPUS_DIR
 * Without it, any C compiler builds a driver that runs each file named on the command line
 * through the same entry point (to replay a crash, or to smoke-test a corpus):
 *   cc -std=c11 -D_GNU_SOURCE -g -fsanitize=address,undefined -Iinclude tests/fuzz/fuzz_idx.c \
 *     src/data/idx.c src/util.c -lz -o fuzz_idx && ./fuzz_idx FILE...
 *
 * data_idx_read takes a path (zlib opens it), so each input goes through a temporary file
 * named after the process, which keeps parallel fuzzing jobs (-jobs=N) apart. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/data.h"
#include "gglab/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/gglab-fuzz-idx.%ld", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort(); /* the harness cannot work: say so loudly rather than fuzz nothing */
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	char err[GG_ERRLEN];
	err[0] = '\0';
	data_idx d;
	if (data_idx_read(path, &d, err) == 0) {
		/* Success must mean exactly what the header promised. */
		size_t n = 1;
		for (int i = 0; i < d.ndim; i++)
			n *= (size_t)d.dims[i];
		if ((d.ndim != 1 && d.ndim != 3) || n != d.size || !d.data)
			abort();
		volatile uint8_t sink = d.data[0] ^ d.data[d.size - 1]; /* touch both ends for ASan */
		(void)sink;
		data_idx_free(&d);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		/* Every refusal names the file. */
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	unlink(path);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size_t cap = 1 << 16, n = 0;
		uint8_t *buf = gg_xmalloc(cap);
		size_t r;
		while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
			n += r;
			if (n == cap)
				buf = gg_xrealloc(buf, cap *= 2);
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		printf("%s: ok (%zu bytes)\n", argv[i], n);
	}
	return 0;
}
#endif
