/* ui.h — the two faces of gglab: the terminal screen (tui.c and friends, the only code
 * that touches curses or readline) and the plain line printer that replaces it in batch
 * mode. Both run on the main thread, feed commands to the lab and read its messages. */
#ifndef GGLAB_UI_H
#define GGLAB_UI_H

#include "gglab/cmd.h"
#include "gglab/lab.h"

typedef struct {
	int fps;        /* frames per second, at most (--fps, default 10) */
	int ascii;      /* force the ASCII canvas (--ascii) */
	int color;      /* 0 with --no-color or NO_COLOR */
	long frames;    /* exit after this many frames (tests); 0 = never */
} ui_options;

/* Headless: runs the script to its end, printing plain progress lines (at most one per
 * run per second), every message and a final summary on stderr. Returns the exit status:
 * 0 done, 1 a command failed at run time. */
int ui_batch(lab *L, cmd_list *script);

/* Prints the final per-run summary lines (also used after an interrupted batch run). */
void ui_summary(lab *L, FILE *out);

#endif
