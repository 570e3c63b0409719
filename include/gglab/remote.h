/* remote.h — watching and steering a lab from another process: `--listen` and `gglab attach`.
 *
 * A lab started with --listen serves a UNIX socket (mode 0600, in a directory only its user
 * can enter) from a thread of its own (server.c). Each viewer that connects — only the
 * socket's owner may (SO_PEERCRED) — gets a hello, then the lab's series store as
 * increments (columns, runs, rows, events, status, the decision boundary) and the lab's
 * messages; it sends command text, which the server parses as the prompt would and hands
 * to lab_submit, so the trainer applies and journals it like the lab's own. `gglab attach`
 * (client.c) mirrors that store into a local one and runs the ordinary screen on it.
 *
 * The protocol (proto.c): every message is a 4-byte little-endian length, then a type
 * byte and its body; numbers are little-endian, doubles IEEE 754, strings a 2-byte length
 * and their bytes. The first message each way is a hello carrying REMOTE_VERSION; a peer
 * speaking another version is told so and closed. A message over REMOTE_MAX_MSG bytes, one
 * that does not decode, or half a message followed by REMOTE_STALL_S seconds of silence
 * closes that connection with a reason in the lab's log; the lab goes on. Types a receiver
 * does not know are skipped, so a later version may add kinds without breaking this one.
 * Increments come from the store, not from a queue: a viewer that falls behind is sent the
 * store as it stands once its socket drains, never a backlog; writes never block the lab. */
#ifndef GGLAB_REMOTE_H
#define GGLAB_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gglab/lab.h"
#include "gglab/series.h"
#include "gglab/ui.h"
#include "gglab/util.h"

#define REMOTE_VERSION 2
#define REMOTE_MAX_MSG (1u << 20) /* bytes of one message's type and body, at most */
#define REMOTE_STALL_S 5          /* a half message (or no hello) for this long closes */
#define REMOTE_PATH_MAX 108       /* sun_path */

/* Message types. Server to viewer: */
enum {
	REMOTE_HELLO = 1, /* both ways first: magic, version, pid, viewer number, a description */
	REMOTE_BYE,       /* why the lab closes the connection */
	REMOTE_COLS,      /* column names, from an index on */
	REMOTE_RUN,       /* a new run */
	REMOTE_ROWS,      /* a run's rows from an index on (what the viewer had there is replaced) */
	REMOTE_EVENTS,    /* a run's events from an index on, likewise */
	REMOTE_STATUS,    /* a run's status */
	REMOTE_CURRENT,   /* the current run */
	REMOTE_GRID,      /* a run's decision boundary */
	REMOTE_MSG,       /* one of the lab's messages */
	/* viewer to server: */
	REMOTE_CMD = 20,  /* a line of lab commands */
	REMOTE_STOP,      /* stop the lab (`quit` in attach, confirmed) */
};

/* ---- proto.c: frames, encoding, the mirror ------------------------------------------- */

/* The first whole frame of buf[0..n): 1 with its type, body and the bytes it took; 0 when
 * more bytes are needed; -1 with why when its length is over max. */
int remote_frame(const unsigned char *buf, size_t n, size_t max, int *type,
		 const unsigned char **body, size_t *len, size_t *used, char *err);

/* Writers append one whole frame to out. */
void remote_put_hello(gg_buf *out, long pid, int viewer, const char *what);
void remote_put_text(gg_buf *out, int type, const char *text); /* BYE, CMD */
void remote_put_stop(gg_buf *out);
void remote_put_msg(gg_buf *out, const lab_msg *m);

/* What a frame that is not store data said. */
typedef struct {
	int type;
	int version;   /* HELLO */
	long pid;      /* HELLO */
	int viewer;    /* HELLO: the number the lab gave this viewer (0 from a viewer) */
	lab_msg msg;   /* MSG */
	char text[1024]; /* HELLO: the lab's description; BYE: the reason; CMD: the line */
} remote_note;

/* Decodes one frame. Store data (COLS … GRID) is applied to mirror, which must be NULL
 * on the lab's side (where it is refused); anything else is described in *note (type 0
 * for a type it does not know, which is skipped). 0, or -1 with what was wrong. */
int remote_decode(series_store *mirror, int type, const unsigned char *body, size_t len,
		  remote_note *note, char *err);

/* ---- sync.c: increments of a store --------------------------------------------------- */

/* What one viewer has of the store (its mirror), kept by the server. */
typedef struct {
	uint64_t version;    /* the store's version at the last sync */
	int ncols, nruns, cap;
	size_t *rows, *evs;  /* [cap] rows and events of each run it has */
	series_status *status; /* [cap] the last status sent */
	long *grid_step;     /* [cap] step of the last grid sent; -1 none */
	int current;         /* the current run sent; -2 none yet */
	int behind;          /* the last step's budget left some out */
} remote_sync;

void remote_sync_init(remote_sync *st);
void remote_sync_free(remote_sync *st);
/* Appends to out what changed in S since the last call, about `budget` bytes at most
 * (the rest follows on the next call). Returns 1 when it is all out, 0 when more is due. */
int remote_sync_step(remote_sync *st, series_store *S, gg_buf *out, size_t budget);

/* ---- sock.c: paths and sockets -------------------------------------------------------- */

/* The directory of the user's lab sockets: $XDG_RUNTIME_DIR/gglab, else /tmp/gglab-UID;
 * created mode 0700 when missing and refused (never used) when it is not a directory the
 * user owns with no access for anyone else. */
int remote_dir(char *buf, size_t len, char *err);
/* DIR/PID.sock for this process. */
int remote_default_path(char *buf, size_t len, char *err);
/* A running lab of the user's: its socket and its process. */
typedef struct {
	char path[REMOTE_PATH_MAX];
	long pid;
} remote_lab;
/* The user's running labs: the sockets in remote_dir whose process lives, and the paths of
 * their own that labs listening elsewhere noted there (PID.where); up to max into labs;
 * returns how many there are. */
int remote_find(remote_lab *labs, int max);
/* A lab's command line (from /proc), for a listing; "" when it cannot be read. */
void remote_describe(long pid, char *buf, size_t len);

/* ---- server.c: --listen ---------------------------------------------------------------- */

typedef struct remote_server remote_server;
/* Creates and binds the socket (before the lab starts, so a refusal writes nothing).
 * A socket of a dead lab there is replaced; anything else there is refused. */
remote_server *remote_listen(const char *path, char *err);
const char *remote_server_path(const remote_server *s);
/* Serves lab L from a thread of its own (after lab_start). what: the hello's description. */
int remote_start(remote_server *s, lab *L, const char *what, char *err);
/* Says goodbye to every viewer, stops the thread, removes the socket (if it is still ours). */
void remote_close(remote_server *s);

/* ---- client.c: gglab attach ------------------------------------------------------------ */

typedef struct remote_client remote_client;
/* Connects (the socket must be the user's and answer with a gglab hello of this version). */
remote_client *remote_connect(const char *path, char *err);
/* The screen's view of the lab: the mirror, and commands sent to the lab. */
ui_lab remote_client_lab(remote_client *c);
const char *remote_client_what(const remote_client *c); /* the lab's own description */
int remote_client_viewer(const remote_client *c);       /* the number the lab gave us */
/* Why the connection ended ("" while it lasts). */
const char *remote_client_ended(const remote_client *c);
void remote_client_free(remote_client *c);

#endif
