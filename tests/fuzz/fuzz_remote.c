/* fuzz_remote.c — arbitrary bytes to the attach protocol's decoder (src/remote/proto.c):
 * the first byte chooses the side. Even: a viewer's, every frame decoded into a mirror of
 * the lab's series store, as gglab attach does; odd: the lab's, with no mirror (store data
 * is refused there), as the server does with a viewer's bytes. Decoding stops at the first
 * refusal, as the connection would close; every refusal has a reason.
 *
 * The property, on the viewer's side: whatever the bytes built, the mirror synced again
 * (sync.c) into a second mirror gives one of the same shape (runs, columns, rows, events
 * per run). Crashes, leaks and undefined behaviour are found by the sanitizers. */
#include <string.h>

#include "../../src/remote/internal.h"
#include "fuzz.h"

static int feed(series_store *M, const uint8_t *p, size_t n)
{
	size_t off = 0;
	remote_note *note = gg_xmalloc(sizeof *note);
	for (;;) {
		int type;
		const unsigned char *body;
		size_t len, used;
		char err[GG_ERRLEN] = "";
		int got = remote_frame(p + off, n - off, REMOTE_MAX_MSG, &type, &body, &len, &used, err);
		if (got == 0)
			break;
		if (got < 0 || remote_decode(M, type, body, len, note, err) < 0) {
			if (!err[0]) {
				fprintf(stderr, "a refusal without a reason\n");
				abort();
			}
			break;
		}
		off += used;
	}
	free(note);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		feed(NULL, data + 1, size - 1);
		return 0;
	}
	series_store *M = series_new(), *M2 = series_new();
	feed(M, data + 1, size - 1);
	remote_sync st;
	remote_sync_init(&st);
	gg_buf b = { 0 };
	while (!remote_sync_step(&st, M, &b, 1 << 16))
		;
	feed(M2, b.p, b.n);
	int same = series_nruns(M) == series_nruns(M2) && series_ncols(M) == series_ncols(M2);
	for (int r = 0; same && r < series_nruns(M); r++)
		same = series_nrows(M, r) == series_nrows(M2, r) &&
		       series_nevents(M, r) == series_nevents(M2, r);
	if (!same) {
		fprintf(stderr, "a mirror synced again differs in shape\n");
		abort();
	}
	gg_buf_free(&b);
	remote_sync_free(&st);
	series_free(M);
	series_free(M2);
	return 0;
}
