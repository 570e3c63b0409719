/* store.h — gglab's files: metrics exports (CSV, and the JSON lines that --log streams
 * too), checkpoints, and metrics files read back for --view.
 *
 * Every file written here is written atomically: a temporary file in the target's
 * directory, flushed and fsync'd, then renamed over the target, so a crash or a full disk
 * never leaves a half-written file and never damages the previous one. */
#ifndef GGLAB_STORE_H
#define GGLAB_STORE_H

#include <stdio.h>

#include "gglab/series.h"
#include "gglab/util.h"

/* A file being replaced (src/store/file.c). _open refuses a target that is not a regular
 * file (a symbolic link, FIFO, device node, directory), removes temporary files left there
 * by processes that died while saving, and creates PATH.tmp.PID.N with the user's umask.
 * Write through _stream (it remembers the errno of the first failed write) or, for zlib,
 * a dup of _fd (then say what failed with _fail). _commit flushes, fsyncs, renames over
 * path and fsyncs the directory; on any failure it removes the temporary file, keeps path
 * and names the real reason. _abort gives up. Both free o. */
typedef struct store_out store_out;
store_out *store_out_open(const char *path, char *err);
FILE *store_out_stream(store_out *o);
int store_out_fd(store_out *o);
void store_out_fail(store_out *o, int errnum);
int store_out_commit(store_out *o, char *err);
void store_out_abort(store_out *o);

/* Checkpoint files: gzip through zlib holding the magic "GGLABCKP", the format version, a
 * byte-order mark, the configuration as readable text, the binary payload, and a CRC-32
 * over text and payload. Written atomically. Reading refuses a wrong magic, an older or a
 * newer version, another byte order, a truncation or a bad CRC, each with its own message.
 * Format 2: the payload is a sequence of tagged records (below); format 1 held raw
 * structure dumps and is refused as written by an older gglab. */
#define STORE_CKPT_VERSION 2
int store_ckpt_write(const char *path, const char *text, const void *payload, size_t n,
		     char *err);
/* On success *text and *payload are allocated (free them). The payload's length in the
 * header is bounded by what the file's size can inflate to (deflate: at most 1032 to 1)
 * and by gg_mem_limit(): a gzip bomb is refused with a message before it is read. */
int store_ckpt_read(const char *path, char **text, unsigned char **payload, size_t *n,
		    char *err);

/* Whether path begins like a checkpoint (its magic number), for --check. */
int store_ckpt_probe(const char *path);

/* Tagged records, the payload's grammar (after Redis's RDB opcodes): a tag (a string), the
 * length of the body (8 bytes) and the body, which may hold records itself. A reader skips
 * a record whose tag it does not know, and names one it needs that is missing. */
size_t store_rec_begin(gg_buf *b, const char *tag); /* returns where the length goes */
void store_rec_end(gg_buf *b, size_t at);           /* the body ends here */
void store_rec_put(gg_buf *b, const char *tag, const void *body, size_t n);
void store_rec_u64(gg_buf *b, const char *tag, unsigned long long v);
/* The next record of rd: 1 with its tag (truncated to taglen) and body, 0 at the end of rd,
 * -1 when the record runs past the end. */
int store_rec_next(gg_reader *rd, char *tag, size_t taglen, gg_reader *body);
/* The first record of rd tagged tag (searching from rd's start): 1 with its body, or 0. */
int store_rec_find(const gg_reader *rd, const char *tag, gg_reader *body);
/* An 8-byte record's value: 0, or -1 when the body is not 8 bytes. */
int store_rec_get_u64(const gg_reader *body, unsigned long long *v);

/* One CSV for all runs: header "run,step,<every column>", then one row per run and
 * evaluation; a value that was not computed is empty. */
int store_export_csv(series_store *s, const char *path, char *err);
/* JSON lines (see jsonl.c): for each run a header line, one line per evaluation with every
 * column (null where not computed), then one per event. */
int store_export_jsonl(series_store *s, const char *path, char *err);

/* The JSON-lines writer shared by export jsonl and --log: each appends one line to b. */
void store_jsonl_header(gg_buf *b, const series_status *st);
/* An evaluation: n columns, names[c] = vals[c] (null when not finite). */
void store_jsonl_row(gg_buf *b, const char *run, long step, int n, const char *const *names,
		     const double *vals);
void store_jsonl_event(gg_buf *b, const char *run, const series_event *ev);
/* A whole series as export jsonl writes it: its header, every row, every event. */
void store_jsonl_series(gg_buf *b, series_store *s, int run);

/* Adds the runs of a metrics file (JSON lines from --log or export jsonl, gzip'd or plain)
 * to the store, for viewing: rows, run descriptions and events. A run whose name an
 * earlier file already used is shown as "file:name". */
int store_view_load(series_store *s, const char *path, char *err);

#endif
