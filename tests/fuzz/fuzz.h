/* fuzz.h — what the libFuzzer targets of tests/fuzz/ share. Each target is one file,
 * fuzz_NAME.c, defining LLVMFuzzerTestOneInput; its seeds are tests/fuzz/corpus/NAME/.
 * `make fuzz` builds each with clang -fsanitize=fuzzer,address,undefined and runs it for
 * FUZZ_SECONDS; the same file linked with driver.c (any compiler) replays files through
 * the same entry point, which `make check` does with every seed (tests/fuzz/seeds.sh).
 * To add a target: write fuzz_NAME.c, commit a few real inputs under corpus/NAME/, and add
 * NAME to FUZZ_TARGETS in tests/fuzz/fuzz.mk (make fuzz defines FUZZ_LIBFUZZER, so a
 * target may keep a main of its own under #ifndef FUZZ_LIBFUZZER, as fuzz_parse.c does). */
#ifndef GGLAB_FUZZ_H
#define GGLAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file (the readers take paths): /tmp/gglab-fuzz-TAG.PID, one per process
 * so that parallel jobs (-jobs=N) stay apart. Aborts if it cannot: fuzzing nothing would
 * look like success. */
static inline const char *fuzz_file(const char *tag, const uint8_t *data, size_t size)
{
	static char path[96];
	snprintf(path, sizeof path, "/tmp/gglab-fuzz-%s.%ld", tag, (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return path;
}

#endif
