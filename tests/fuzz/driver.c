/* driver.c — main() for a fuzz target built without libFuzzer: runs each file named on the
 * command line through LLVMFuzzerTestOneInput once (to replay a crash, or to check that
 * the seeds still go through; tests/fuzz/seeds.sh). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size_t cap = 1 << 16, n = 0, r;
		uint8_t *buf = malloc(cap);
		while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
			n += r;
			if (n == cap)
				buf = realloc(buf, cap *= 2);
		}
		fclose(f);
		if (!buf)
			return 1;
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		printf("%s: ok (%zu bytes)\n", argv[i], n);
	}
	return 0;
}
