/* sessions.h — what earlier sessions left in the state directory: their journals
 * (journals/DATE-TIME.gg) and the checkpoints written on SIGHUP or SIGTERM
 * (autosave/DATE-TIME-PID.gglab). Finding the autosave to offer at start, pruning old
 * files, and listing them (gglab --sessions). Main thread, before the lab starts. */
#ifndef GGLAB_SESSIONS_H
#define GGLAB_SESSIONS_H

#include <stddef.h>
#include <stdio.h>

#define SESSIONS_KEEP_JOURNALS 50 /* the newest journals kept; older ones are removed */
#define SESSIONS_KEEP_AUTOSAVES 5 /* the newest autosaves kept */

/* One line about the newest autosave: "an autosave of step N (K runs) from DATE TIME
 * exists: continue it with gglab --resume PATH". 1 if there is one, 0 if not. fresh = 1:
 * only if no start has announced it yet (and marks it announced). */
int sessions_autosave_note(char *buf, size_t len, int fresh);
/* Removes all but the newest SESSIONS_KEEP_* journals and autosaves (by name, which
 * begins with the time). */
void sessions_prune(void);
/* The journals and autosaves, newest first, with their time, runs and steps. */
int sessions_list(FILE *out, char *err);

#endif
