/* fuzz_load.c — the checkpoint loader on payloads that pass the CRC: the fuzzer mutates
 * the payload (the tagged records) and the harness wraps it in a valid container, so every
 * input reaches lab_load's checks. The lab lives across inputs, as a session that loads
 * file after file; a failed load must leave it as it was, and every refusal names the
 * file. Every 512 inputs the lab is made anew: a load keeps the series of the runs it
 * replaces (dropped), which would pile up. Models and data sets are bounded by a small
 * memory limit, so what the loader builds stays small. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"

/* The container around the payload as store.h lays it out (magic, format version, byte
 * order, text, payload, the CRC-32 of text and payload), written as it is: zlib reads a
 * file that is not gzip'd as it stands, and the ckpt target fuzzes the gzip side. Going
 * through store_ckpt_write (deflate's 256 KiB of state, a temporary file, a rename, two
 * fsyncs per input) had cost more than the loader itself. */
static const char *wrap(const uint8_t *data, size_t size)
{
	static const char magic[8] = { 'G', 'G', 'L', 'A', 'B', 'C', 'K', 'P' }, text[] = "fuzz";
	uint32_t version = STORE_CKPT_VERSION, bom = 0x01020304u;
	uint64_t tlen = sizeof text - 1, plen = size;
	uint32_t crc = (uint32_t)crc32(crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text, (uInt)tlen),
				       data, (uInt)size);
	size_t n = 0, len = 8 + 4 + 4 + 8 + tlen + 8 + size + 4;
	uint8_t *buf = malloc(len);
	if (!buf)
		abort();
	const struct {
		const void *p;
		size_t n;
	} parts[] = { { magic, 8 }, { &version, 4 }, { &bom, 4 }, { &tlen, 8 }, { text, tlen },
		      { &plen, 8 }, { data, size }, { &crc, 4 } };
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		if (parts[i].n)
			memcpy(buf + n, parts[i].p, parts[i].n);
		n += parts[i].n;
	}
	const char *path = fuzz_file("load", buf, len);
	free(buf);
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lab *L;
	static unsigned inputs;
	char err[GG_ERRLEN] = "";
	if (L && ++inputs % 512 == 0) { /* a load keeps the old runs' series, dropped: a fresh lab */
		lab_free(L);
		L = NULL;
	}
	if (!L) {
		gg_mem_set_limit(64 << 20);
		/* the bundled subset, not a full Fashion-MNIST the machine may have */
		setenv("GGLAB_DATA", GGLAB_SRCDIR "/data/fashion-mini", 1);
		lab_options o = { .seed = 1, .threads = 1, .batch = 1, .ops = &cmd_lab_ops };
		L = lab_new(&o, err);
		if (!L)
			abort();
		lab_first_run(L);
	}
	const char *path = wrap(data, size);
	if (lab_load(L, path, err) < 0 && strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	lab_msg m;
	while (lab_next_msg(L, &m)) /* the lab's messages would pile up */
		;
	return 0;
}
