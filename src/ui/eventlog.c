/* eventlog.c — the event log above the prompt: the newest entries at the bottom, each
 * wrapped to the width (continuation rows indented), scrolled back with Shift-PgUp. */
#include <stdio.h>
#include <string.h>

#include "tui.h"

void ui_draw_log(struct ui *u)
{
	WINDOW *w = u->logw;
	int W = getmaxx(w), H = getmaxy(w);
	werase(w);
	/* from the newest entry (minus the scroll) upwards */
	int row = H;
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
	if (u->log_scroll > 0) {
		char buf[64];
		snprintf(buf, sizeof buf, " %d older ", u->log_scroll);
		wmove(w, H - 1, W - (int)strlen(buf));
		ui_put_text(w, buf, (int)strlen(buf), ROLE_STATUS);
	}
	u->log_dirty = 0;
}
