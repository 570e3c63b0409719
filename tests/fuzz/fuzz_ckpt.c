/* fuzz_ckpt.c — arbitrary bytes to store_ckpt_read, the checkpoint container (gzip, magic,
 * version, byte order, text, payload length, payload, CRC). Success means a CRC that
 * matches; every refusal names the file; nothing may be allocated beyond what the file
 * can hold (the length ceiling), which ASan's allocation limit checks. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "gglab/store.h"
#include "gglab/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("ckpt", data, size);
	char err[GG_ERRLEN] = "", *text;
	unsigned char *payload;
	size_t n;
	gg_mem_set_limit(256 << 20);
	if (store_ckpt_read(path, &text, &payload, &n, err) == 0) {
		if (!text || !payload)
			abort();
		volatile size_t sink = strlen(text) + (n ? payload[n - 1] : 0);
		(void)sink;
		free(text);
		free(payload);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	return 0;
}
