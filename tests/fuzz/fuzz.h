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

/* The input as a file (the readers take paths): gglab-fuzz-TAG.PID, one per process so that
 * parallel jobs (-jobs=N) stay apart, in /dev/shm if there is one (memory, not a disk's
 * journal), rewritten in place for each input and removed at exit: creating and unlinking
 * a file per input cost more than most of the code under test. Aborts if it cannot:
 * fuzzing nothing would look like success. */
static inline const char *fuzz_dir(void)
{
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static inline char *fuzz_path(void)
{
	static char path[96];
	return path;
}

static inline void fuzz_file_remove(void)
{
	unlink(fuzz_path());
}

static inline const char *fuzz_file(const char *tag, const uint8_t *data, size_t size)
{
	char *path = fuzz_path();
	if (!path[0]) {
		snprintf(path, 96, "%s/gglab-fuzz-%s.%ld", fuzz_dir(), tag,
			 (long)getpid());
		atexit(fuzz_file_remove);
	}
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return path;
}

#endif
