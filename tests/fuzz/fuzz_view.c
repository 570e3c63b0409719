/* fuzz_view.c — arbitrary bytes to store_view_load, the reader of metrics files (--view:
 * the JSON lines of --log and export jsonl, gzip'd or plain) into a fresh series store.
 * Every refusal names the file. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "gglab/series.h"
#include "gglab/store.h"
#include "gglab/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("view", data, size);
	char err[GG_ERRLEN] = "";
	series_store *s = series_new();
	if (store_view_load(s, path, err) < 0 && strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	series_free(s);
	return 0;
}
