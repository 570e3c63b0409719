/* idx.c — reading IDX files (the MNIST / Fashion-MNIST format) through zlib.
 *
 * gzopen/gzread read gzip and raw files alike, so one path serves both. The header is
 * validated completely before the data is read, and the data buffer grows with what the
 * file actually delivers: a header that lies about its size costs an error message, never
 * a giant allocation. Every message starts with the path. */
#include "gglab/data.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gglab/util.h"

#define IDX_MAX_COUNT 10000000 /* items in one file; Fashion-MNIST has 60000 */
#define IDX_MAX_SIDE 4096      /* pixels along one image side */
/* The data buffer starts at the file's size, within 64 KiB .. 1 MiB, and doubles (glibc
 * moves big blocks with mremap, without copying), so a lying header in a small file costs
 * little; zlib's buffer is no larger than the file either (a small file, as the fuzzer
 * makes by the million, costs no large allocation). */
#define IDX_FIRST_ALLOC ((size_t)1 << 20)
#define IDX_MIN_ALLOC ((size_t)1 << 16)
#define IDX_CHUNK ((unsigned)1 << 30)       /* gzread's length is an unsigned, its result an int */

/* The zlib message for the stream's current error, with the "path: " prefix that zlib
 * itself adds removed, so we can add ours in a consistent shape; NULL if no error. */
static const char *gz_problem(gzFile gz, const char *path, int *errnum)
{
	const char *msg = gzerror(gz, errnum);
	if (*errnum == Z_OK)
		return NULL;
	size_t len = strlen(path);
	if (msg && strncmp(msg, path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
		msg += len + 2;
	return msg && *msg ? msg : "unknown zlib error";
}

static int gz_fail(gzFile gz, const char *path, char *err)
{
	int errnum;
	const char *msg = gz_problem(gz, path, &errnum);
	if (errnum == Z_ERRNO)
		return gg_fail(err, "%s: read error: %s", path, msg);
	/* Z_BUF_ERROR is how zlib reports a gzip stream that ends early. */
	return gg_fail(err, "%s: corrupt or truncated gzip data: %s", path, msg);
}

/* Reads up to len bytes; returns how many were read (short only at end of file), or -1
 * with err filled when zlib reports a problem — including the "unexpected end of file"
 * of a cut gzip stream, which gzread itself reports only as a short read. */
static long long gz_read_full(gzFile gz, const char *path, uint8_t *buf, size_t len, char *err)
{
	size_t got = 0;
	while (got < len) {
		size_t want = len - got;
		unsigned chunk = want > IDX_CHUNK ? IDX_CHUNK : (unsigned)want;
		int r = gzread(gz, buf + got, chunk);
		if (r < 0)
			return gz_fail(gz, path, err);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	int errnum;
	if (gz_problem(gz, path, &errnum))
		return gz_fail(gz, path, err);
	return (long long)got;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_header(gzFile gz, const char *path, data_idx *d, char *err)
{
	uint8_t h[16];
	long long got = gz_read_full(gz, path, h, 4, err);
	if (got < 0)
		return -1;
	if (got == 0)
		return gg_fail(err, "%s: empty file, expected an IDX header", path);
	if (h[0] != 0 || (got >= 2 && h[1] != 0))
		return gg_fail(err, "%s: not an IDX file (magic number starts %02x %02x, expected "
			       "00 00)", path, h[0], got >= 2 ? h[1] : 0);
	if (got < 4)
		return gg_fail(err, "%s: truncated header: expected 4 bytes of magic number, got %lld",
			       path, got);
	if (h[2] != 0x08)
		return gg_fail(err, "%s: unsupported element type 0x%02X, gglab reads only 0x08 "
			       "(unsigned bytes)", path, h[2]);
	if (h[3] != 1 && h[3] != 3)
		return gg_fail(err, "%s: unsupported number of dimensions %d (expected 1 for labels "
			       "or 3 for images)", path, h[3]);
	d->ndim = h[3];
	size_t hdr = 4 * (size_t)d->ndim;
	got = gz_read_full(gz, path, h + 4, hdr, err);
	if (got < 0)
		return -1;
	if ((size_t)got < hdr)
		return gg_fail(err, "%s: truncated header: expected %zu bytes of dimensions, got %lld",
			       path, hdr, got);

	uint32_t dim[3] = {1, 1, 1};
	for (int i = 0; i < d->ndim; i++) {
		dim[i] = be32(h + 4 + 4 * i);
		if (dim[i] == 0)
			return gg_fail(err, "%s: dimension %d is 0", path, i + 1);
	}
	if (dim[0] > IDX_MAX_COUNT)
		return gg_fail(err, "%s: implausible item count %lu (at most %d)", path,
			       (unsigned long)dim[0], IDX_MAX_COUNT);
	if (dim[1] > IDX_MAX_SIDE || dim[2] > IDX_MAX_SIDE)
		return gg_fail(err, "%s: implausible image size %lux%lu (at most %d per side)", path,
			       (unsigned long)dim[1], (unsigned long)dim[2], IDX_MAX_SIDE);
	/* Bounded by 10^7 · 4096², which fits a 64-bit size_t but not a 32-bit one. */
	if ((uint64_t)dim[0] * dim[1] * dim[2] > (uint64_t)(SIZE_MAX / 2))
		return gg_fail(err, "%s: %lu x %lu x %lu bytes do not fit in memory", path,
			       (unsigned long)dim[0], (unsigned long)dim[1], (unsigned long)dim[2]);
	for (int i = 0; i < 3; i++)
		d->dims[i] = (int)dim[i];
	d->size = (size_t)dim[0] * dim[1] * dim[2];
	return 0;
}

/* Reads the d->size data bytes, growing the buffer only as data arrives. */
static int read_data(gzFile gz, const char *path, data_idx *d, size_t fsize, char *err)
{
	size_t cap = fsize < IDX_MIN_ALLOC ? IDX_MIN_ALLOC
		     : fsize > IDX_FIRST_ALLOC ? IDX_FIRST_ALLOC : fsize;
	if (cap > d->size)
		cap = d->size;
	uint8_t *buf = gg_xmalloc(cap);
	size_t have = 0;
	for (;;) {
		long long got = gz_read_full(gz, path, buf + have, cap - have, err);
		if (got < 0) {
			free(buf);
			return -1;
		}
		have += (size_t)got;
		data_progress_at((long long)gzoffset(gz));
		if (have < cap || have == d->size)
			break;
		cap = cap > d->size / 2 ? d->size : cap * 2;
		buf = gg_xrealloc(buf, cap);
	}
	if (have < d->size) {
		free(buf);
		return gg_fail(err, "%s: truncated: expected %zu bytes of data, got %zu", path,
			       d->size, have);
	}
	uint8_t extra;
	long long more = gz_read_full(gz, path, &extra, 1, err);
	if (more != 0) {
		free(buf);
		if (more < 0)
			return -1;
		return gg_fail(err, "%s: unexpected bytes after the %zu bytes of data the header "
			       "announces (wrong dimensions?)", path, d->size);
	}
	d->data = buf;
	return 0;
}

int data_idx_read(const char *path, data_idx *out, char *err)
{
	struct stat st;
	size_t fsize = stat(path, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
	errno = 0;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return gg_fail(err, "%s: %s", path,
			       errno ? strerror(errno) : "cannot open (out of memory in zlib)");
	/* A large input buffer lets inflate run in long stretches; 60000 images load in well
	 * under a second. */
	gzbuffer(gz, fsize < 8192 ? 8192u : fsize > (1u << 20) ? 1u << 20 : (unsigned)fsize);

	data_idx d = {0};
	int rc = read_header(gz, path, &d, err);
	if (rc == 0)
		rc = read_data(gz, path, &d, fsize, err);
	gzclose(gz);
	if (rc == 0)
		*out = d;
	return rc;
}

void data_idx_free(data_idx *d)
{
	if (!d)
		return;
	free(d->data);
	d->data = NULL;
	d->size = 0;
}
