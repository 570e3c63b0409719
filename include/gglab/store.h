/* store.h — files gglab writes: metrics exports (and, later, checkpoints).
 *
 * Every write is atomic: a temporary file in the target's directory, flushed and fsync'd,
 * then renamed over the target, so a crash or a full disk never leaves a half-written file
 * and never damages the previous one. */
#ifndef GGLAB_STORE_H
#define GGLAB_STORE_H

#include <stdio.h>

#include "gglab/series.h"

/* Opens a temporary file beside path; tmp receives its name (PATH_MAX bytes). */
FILE *store_atomic_open(const char *path, char *tmp, size_t tmplen, char *err);
/* Flushes, fsyncs and renames tmp over path; on any failure removes tmp and keeps path. */
int store_atomic_commit(FILE *f, const char *tmp, const char *path, char *err);

/* Checkpoint files: gzip through zlib holding the magic "GGLABCKP", the format version, a
 * byte-order mark, the configuration as readable text, the binary payload, and a CRC-32
 * over text and payload. Written atomically. Reading refuses a wrong magic, a newer
 * version, another byte order, a truncation or a bad CRC, each with its own message. */
#define STORE_CKPT_VERSION 1
int store_ckpt_write(const char *path, const char *text, const void *payload, size_t n,
		     char *err);
/* On success *text and *payload are allocated (free them). */
int store_ckpt_read(const char *path, char **text, unsigned char **payload, size_t *n,
		    char *err);

/* One CSV for all runs: header "run,step,<every column>", then one row per run and
 * evaluation; a value that was not computed is empty. */
int store_export_csv(series_store *s, const char *path, char *err);
/* JSON lines: one object per run and evaluation ({"run":…,"step":…, metric: value|null}),
 * then one per event ({"run":…,"step":…,"event":"…"}). */
int store_export_jsonl(series_store *s, const char *path, char *err);

/* Adds the runs of a metrics file (JSON lines from --log or export jsonl, gzip'd or plain)
 * to the store, for viewing: rows, run descriptions and events. A run whose name an
 * earlier file already used is shown as "file:name". */
int store_view_load(series_store *s, const char *path, char *err);

#endif
