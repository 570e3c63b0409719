/* internal.h — what the files of src/remote share beyond remote.h.
 *
 * The files, in an order where each calls only files above it:
 *   proto.c   frames: writing, splitting a stream, decoding (into a mirror)
 *   sync.c    a store's increments for one viewer
 *   sock.c    the socket directory, binding and connecting, the user's running labs
 *   server.c  --listen: the thread that serves the viewers
 *   client.c  gglab attach: the connection, the mirror, the screen's view of the lab */
#ifndef GGLAB_REMOTE_INTERNAL_H
#define GGLAB_REMOTE_INTERNAL_H

#include <sys/types.h>

#include "gglab/remote.h"

/* proto.c: the store-data frames (vals[c][i] is column c of row i) */
void remote_put_cols(gg_buf *out, int first, int n, char (*names)[48]);
void remote_put_run(gg_buf *out, int id, const char *name);
void remote_put_rows(gg_buf *out, int run, size_t from, int ncols, size_t n, const long *steps,
		     double *const *vals);
void remote_put_events(gg_buf *out, int run, size_t from, size_t n, const series_event *ev);
void remote_put_status(gg_buf *out, int run, const series_status *st);
void remote_put_current(gg_buf *out, int run);
void remote_put_grid(gg_buf *out, int run, const series_grid *g);

/* sock.c */
/* The peer's user and process (SO_PEERCRED); -1 with errno. */
int remote_peer_uid(int fd, uid_t *uid, pid_t *pid);
/* A listening, non-blocking socket at path (0600), replacing only a dead lab's; the file's
 * device and inode, so that remote_close removes it only while it is still this one. */
int remote_bind(const char *path, dev_t *dev, ino_t *ino, char *err);
/* A lab listening on a path of its own writes it, absolute, to DIR/PID.where (remote_dir),
 * so that `gglab attach` alone finds it as it finds DIR/PID.sock; the note's path goes to
 * note ("" when none could be written: the lab is then found only by its path). */
int remote_note_path(const char *path, char *note, size_t len);
/* A connected, blocking socket to the user's own lab at path (checked both ways). */
int remote_dial(const char *path, char *err);
/* Sends all of buf on a blocking socket (never SIGPIPE); -1 with errno. */
int remote_send_all(int fd, const void *buf, size_t n);

#endif
