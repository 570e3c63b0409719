/* fuzz_load.c — the checkpoint loader on payloads that pass the CRC: the fuzzer mutates
 * the payload (the tagged records) and the harness wraps it in a valid container
 * (store_ckpt_write computes the CRC), so every input reaches lab_load's checks. The lab
 * lives across inputs, as a session that loads file after file; a failed load must leave
 * it as it was, and every refusal names the file. Every 512 inputs the lab is made anew:
 * a load keeps the series of the runs it replaces (dropped), which would pile up. Models and data sets are bounded by a
 * small memory limit, so what the loader builds stays small. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/store.h"
#include "gglab/util.h"

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
	static char path[96];
	if (!path[0]) { /* a directory of its own: saves look for leftovers where they write */
		snprintf(path, sizeof path, "%s/gglab-fuzz-load.%ld", fuzz_dir(), (long)getpid());
		mkdir(path, 0700);
		strcat(path, "/in.gglab");
	}
	if (store_ckpt_write(path, "fuzz", data, size, err) < 0)
		abort();
	if (lab_load(L, path, err) < 0 && strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "message does not start with the path: %s\n", err);
		abort();
	}
	lab_msg m;
	while (lab_next_msg(L, &m)) /* the lab's messages would pile up */
		;
	unlink(path);
	return 0;
}
