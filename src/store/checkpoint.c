/* checkpoint.c — the checkpoint container (see store.h) and the tagged records its payload
 * is made of. What the records hold is the lab's business (src/lab/save.c, src/lab/state.c);
 * this file only frames them, checks them and writes them safely. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gglab/store.h"
#include "gglab/util.h"

static const char MAGIC[8] = { 'G', 'G', 'L', 'A', 'B', 'C', 'K', 'P' };
static const uint32_t BOM = 0x01020304u;

int store_ckpt_write(const char *path, const char *text, const void *payload, size_t n,
		     char *err)
{
	store_out *o = store_out_open(path, err);
	if (!o)
		return -1;
	/* gzdopen takes a duplicate so that store_out_commit can still fsync and close it. */
	int fd = dup(store_out_fd(o));
	gzFile gz = fd >= 0 ? gzdopen(fd, "wb6") : NULL;
	if (!gz) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		store_out_abort(o);
		return gg_fail(err, "%s: cannot start compressing: %s", path, strerror(e));
	}
	uint32_t version = STORE_CKPT_VERSION;
	uint64_t tlen = strlen(text), plen = n;
	uLong crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, (const Bytef *)text, (uInt)tlen);
	for (size_t off = 0; off < n; off += 1u << 30) /* crc32 takes an unsigned int length */
		crc = crc32(crc, (const Bytef *)payload + off, (uInt)(n - off < (1u << 30) ? n - off : 1u << 30));
	uint32_t crc32v = (uint32_t)crc;
	int ok = gzwrite(gz, MAGIC, sizeof MAGIC) == sizeof MAGIC &&
		 gzwrite(gz, &version, 4) == 4 && gzwrite(gz, &BOM, 4) == 4 &&
		 gzwrite(gz, &tlen, 8) == 8 && (tlen == 0 || gzwrite(gz, text, (unsigned)tlen) == (int)tlen) &&
		 gzwrite(gz, &plen, 8) == 8;
	for (size_t off = 0; ok && off < n; off += 1u << 30) {
		unsigned chunk = (unsigned)(n - off < (1u << 30) ? n - off : 1u << 30);
		ok = gzwrite(gz, (const char *)payload + off, chunk) == (int)chunk;
	}
	ok = ok && gzwrite(gz, &crc32v, 4) == 4;
	int saved_errno = errno, zerr = Z_OK;
	if (!ok)
		gzerror(gz, &zerr);
	errno = 0;
	int zc = gzclose(gz); /* writes what zlib still holds */
	if (zc != Z_OK && ok)
		ok = 0, zerr = zc, saved_errno = errno;
	if (!ok) {
		store_out_fail(o, zerr == Z_ERRNO ? saved_errno : EIO);
		store_out_abort(o);
		return gg_fail(err, "%s: write failed (%s); the previous file, if any, is unchanged",
			       path, zerr == Z_ERRNO && saved_errno ? strerror(saved_errno) : "compression failed");
	}
	return store_out_commit(o, err);
}

int store_ckpt_probe(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	char magic[8];
	int is = gz && gzread(gz, magic, 8) == 8 && memcmp(magic, MAGIC, 8) == 0;
	if (gz)
		gzclose(gz);
	return is;
}

/* Reads exactly n bytes or says why not. */
static int take(gzFile gz, void *out, size_t n, const char *path, const char *what, char *err)
{
	size_t got = 0;
	while (got < n) {
		unsigned chunk = (unsigned)(n - got < (1u << 30) ? n - got : 1u << 30);
		int r = gzread(gz, (char *)out + got, chunk);
		if (r <= 0) {
			int zerr = 0;
			const char *m = gzerror(gz, &zerr);
			if (r < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR))
				return gg_fail(err, "%s: corrupt: %s while reading the %s", path,
					       zerr == Z_ERRNO ? strerror(errno) : m, what);
			return gg_fail(err, "%s: truncated: the file ends inside the %s", path, what);
		}
		got += (size_t)r;
	}
	return 0;
}

int store_ckpt_read(const char *path, char **text, unsigned char **payload, size_t *n,
		    char *err)
{
	*text = NULL;
	*payload = NULL;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return gg_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
	char magic[8];
	uint32_t version, bom, crc_file;
	uint64_t tlen, plen;
	int rc = -1;
	int nmagic = gzread(gz, magic, 8);
	if (nmagic < 0 && take(gz, magic, 8, path, "header", err) < 0)
		goto out;
	if (nmagic < 8 || memcmp(magic, MAGIC, 8) != 0) {
		gg_fail(err, "%s: not a gglab checkpoint (wrong magic number)", path);
		goto out;
	}
	if (take(gz, &version, 4, path, "header", err) < 0 || take(gz, &bom, 4, path, "header", err) < 0)
		goto out;
	if (version > STORE_CKPT_VERSION) {
		gg_fail(err, "%s: written by a newer gglab (checkpoint format %u; this one reads up to %d)",
			path, version, STORE_CKPT_VERSION);
		goto out;
	}
	if (version < 1) {
		gg_fail(err, "%s: bad checkpoint format version %u", path, version);
		goto out;
	}
	if (version < STORE_CKPT_VERSION) {
		gg_fail(err, "%s: written by an older gglab (checkpoint format %u; this one reads format "
			     "%d): load it with the gglab that saved it", path, version, STORE_CKPT_VERSION);
		goto out;
	}
	if (bom != BOM) {
		gg_fail(err, "%s: written on a machine with another byte order", path);
		goto out;
	}
	if (take(gz, &tlen, 8, path, "header", err) < 0)
		goto out;
	if (tlen > (1u << 24)) {
		gg_fail(err, "%s: corrupt: a configuration text of %llu bytes", path, (unsigned long long)tlen);
		goto out;
	}
	*text = gg_xmalloc(tlen + 1);
	if (take(gz, *text, tlen, path, "configuration", err) < 0)
		goto out;
	(*text)[tlen] = 0;
	if (take(gz, &plen, 8, path, "header", err) < 0)
		goto out;
	/* The ceiling on what decompression may produce, from the header: deflate packs at
	 * most 1032 bytes into one, so the length the header gives must fit the file's size
	 * (a gzip bomb's does not), and it must fit in the memory there is. */
	struct stat st;
	char have[32], need_b[32];
	gg_format_bytes((double)plen, need_b, sizeof need_b);
	if (stat(path, &st) == 0 && plen > (uint64_t)st.st_size * 1032 + 4096) {
		gg_fail(err, "%s: corrupt: its header gives %s of run data, more than a file of %lld "
			     "bytes can hold", path, need_b, (long long)st.st_size);
		goto out;
	}
	if (plen > gg_mem_limit()) {
		gg_format_bytes((double)gg_mem_limit(), have, sizeof have);
		gg_fail(err, "%s: its run data take %s, more than the memory available (%s; see "
			     "--max-memory)", path, need_b, have);
		goto out;
	}
	/* Grow as data arrives rather than trusting the length. */
	size_t cap = plen < (1u << 20) ? plen : (1u << 20), got = 0;
	*payload = gg_xmalloc(cap ? cap : 1);
	while (got < plen) {
		if (got == cap) {
			cap = cap * 2 < plen ? cap * 2 : plen;
			unsigned char *p = realloc(*payload, cap);
			if (!p) {
				gg_fail(err, "%s: out of memory reading %s of run data", path, need_b);
				goto out;
			}
			*payload = p;
		}
		size_t want = cap - got;
		if (take(gz, *payload + got, want, path, "run data", err) < 0)
			goto out;
		got += want;
	}
	if (take(gz, &crc_file, 4, path, "checksum", err) < 0)
		goto out;
	char extra;
	if (gzread(gz, &extra, 1) > 0) {
		gg_fail(err, "%s: corrupt: data after the end of the checkpoint", path);
		goto out;
	}
	uLong crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, (const Bytef *)*text, (uInt)tlen);
	for (size_t off = 0; off < plen; off += 1u << 30)
		crc = crc32(crc, *payload + off, (uInt)(plen - off < (1u << 30) ? plen - off : 1u << 30));
	if ((uint32_t)crc != crc_file) {
		gg_fail(err, "%s: corrupt: the CRC-32 does not match the contents", path);
		goto out;
	}
	*n = plen;
	rc = 0;
out:
	gzclose(gz);
	if (rc < 0) {
		free(*text);
		free(*payload);
		*text = NULL;
		*payload = NULL;
	}
	return rc;
}

/* ---- tagged records ------------------------------------------------------------------ */

size_t store_rec_begin(gg_buf *b, const char *tag)
{
	gg_buf_str(b, tag);
	size_t at = b->n;
	gg_buf_u64(b, 0);
	return at;
}

void store_rec_end(gg_buf *b, size_t at)
{
	uint64_t len = b->n - at - 8;
	memcpy(b->p + at, &len, 8);
}

void store_rec_put(gg_buf *b, const char *tag, const void *body, size_t n)
{
	size_t at = store_rec_begin(b, tag);
	gg_buf_put(b, body, n);
	store_rec_end(b, at);
}

void store_rec_u64(gg_buf *b, const char *tag, unsigned long long v)
{
	uint64_t x = v;
	store_rec_put(b, tag, &x, 8);
}

int store_rec_next(gg_reader *rd, char *tag, size_t taglen, gg_reader *body)
{
	if (!rd->bad && rd->off == rd->n)
		return 0;
	gg_read_str(rd, tag, taglen);
	uint64_t len = gg_read_u64(rd);
	if (rd->bad || len > rd->n - rd->off) {
		rd->bad = 1;
		return -1;
	}
	*body = (gg_reader){ .p = rd->p + rd->off, .n = (size_t)len };
	rd->off += (size_t)len;
	return 1;
}

int store_rec_find(const gg_reader *rd, const char *tag, gg_reader *body)
{
	gg_reader r = { .p = rd->p, .n = rd->n };
	char t[64];
	while (store_rec_next(&r, t, sizeof t, body) > 0)
		if (!strcmp(t, tag))
			return 1;
	return 0;
}

int store_rec_get_u64(const gg_reader *body, unsigned long long *v)
{
	uint64_t x;
	if (body->n != 8)
		return -1;
	memcpy(&x, body->p, 8);
	*v = x;
	return 0;
}
