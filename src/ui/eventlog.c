/* eventlog.c — the event log above the prompt: the newest entries at the bottom, each
 * wrapped at word boundaries to the width (continuation rows indented), scrolled back with
 * Shift-PgUp; while scrolled back, the bottom row says so, on a row of its own. */
#include <stdio.h>
#include <string.h>

#include "tui.h"

void ui_draw_log(struct ui *u)
{
	WINDOW *w = u->logw;
	int W = getmaxx(w), H = getmaxy(w);
	werase(w);
	/* from the newest entry (minus the scroll) upwards, above the indicator's row */
	int scrolled = u->log_scroll > 0 && H > 1;
	int row = H - scrolled;
	for (int k = u->log_n - 1 - u->log_scroll; k >= 0 && row > 0; k--) {
		const ui_logline *l = &u->log[(u->log_head + k) % UI_LOGN];
		int r = ui_wrapped_rows(l->text, W);
		int y = row - r, skip = 0;
		if (y < 0) {
			skip = -y;
			y = 0;
		}
		ui_put_wrapped(w, y, skip, r - skip, l->text, W, l->role);
		row -= r;
	}
	if (scrolled) {
		char buf[80];
		snprintf(buf, sizeof buf, " %d newer below (Shift-PgDn) ", u->log_scroll);
		ui_fill_row(w, H - 1, 0, W, ROLE_DIM);
		wmove(w, H - 1, 0);
		ui_put_text(w, buf, W, ROLE_STATUS);
	}
	u->log_dirty = 0;
}
