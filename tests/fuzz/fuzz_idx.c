/* fuzz_idx.c — arbitrary bytes to data_idx_read, the parser of the IDX files that come from
 * outside (gzip or raw). Success must mean exactly what the header promised; every refusal
 * names the file. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "gglab/data.h"
#include "gglab/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("idx", data, size);
	char err[GG_ERRLEN] = "";
	data_idx d;
	if (data_idx_read(path, &d, err) == 0) {
		size_t n = 1;
		for (int i = 0; i < d.ndim; i++)
			n *= (size_t)d.dims[i];
		if ((d.ndim != 1 && d.ndim != 3) || n != d.size || !d.data)
			abort();
		volatile uint8_t sink = d.data[0] ^ d.data[d.size - 1]; /* both ends, for ASan */
		(void)sink;
		data_idx_free(&d);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	return 0;
}
