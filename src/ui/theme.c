/* theme.c — colours by role. Code elsewhere names what a thing is (train curve, error
 * message, status bar); this one table says how each role looks in the colour scheme and in
 * the monochrome one (--no-color, NO_COLOR, or a terminal without colours). In monochrome,
 * series still differ: smoothed curves are bold, raw ones dim, and legends carry glyphs. */
#include "tui.h"

typedef struct {
	short fg, bg;    /* -1: the terminal's default */
	attr_t color;    /* attributes on top of the pair in the colour scheme */
	attr_t mono;     /* attributes in the monochrome scheme */
} role_style;

static const role_style styles[ROLE_COUNT] = {
	[ROLE_TEXT] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_DIM] = { -1, -1, A_DIM, A_DIM },
	[ROLE_TITLE] = { -1, -1, A_BOLD, A_BOLD },
	[ROLE_AXIS] = { -1, -1, A_DIM, A_DIM },
	[ROLE_LABEL] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TRAIN] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ROLE_TRAIN_RAW] = { COLOR_CYAN, -1, A_NORMAL, A_DIM },
	[ROLE_TEST] = { COLOR_YELLOW, -1, A_BOLD, A_NORMAL },
	[ROLE_TEST_RAW] = { COLOR_YELLOW, -1, A_NORMAL, A_DIM },
	[ROLE_BATCH] = { COLOR_GREEN, -1, A_NORMAL, A_DIM },
	[ROLE_GAP] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[ROLE_GAP_RAW] = { COLOR_MAGENTA, -1, A_NORMAL, A_DIM },
	[ROLE_DIST] = { COLOR_GREEN, -1, A_BOLD, A_NORMAL },
	[ROLE_FIT] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_FIT2] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[ROLE_INST0] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ROLE_INST1] = { COLOR_YELLOW, -1, A_BOLD, A_NORMAL },
	[ROLE_INST2] = { COLOR_GREEN, -1, A_BOLD, A_DIM },
	[ROLE_INST3] = { COLOR_MAGENTA, -1, A_BOLD, A_UNDERLINE },
	[ROLE_RUN1] = { COLOR_BLUE, -1, A_BOLD, A_UNDERLINE },
	[ROLE_RUN2] = { COLOR_RED, -1, A_BOLD, A_UNDERLINE },
	[ROLE_RUN3] = { COLOR_WHITE, -1, A_BOLD, A_UNDERLINE },
	[ROLE_MARKER] = { COLOR_MAGENTA, -1, A_NORMAL, A_DIM },
	[ROLE_MARKER_TEXT] = { COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
	[ROLE_BEST] = { COLOR_YELLOW, -1, A_NORMAL, A_BOLD },
	[ROLE_STATUS] = { -1, -1, A_REVERSE, A_REVERSE },
	[ROLE_STATUS_KEY] = { -1, -1, A_REVERSE | A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_RUNNING] = { COLOR_BLACK, COLOR_GREEN, A_BOLD, A_BOLD },
	[ROLE_PAUSED] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_NORMAL },
	[ROLE_DIVERGED] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_IDLE] = { -1, -1, A_REVERSE, A_REVERSE | A_DIM },
	[ROLE_INFO] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_ECHO] = { -1, -1, A_DIM, A_DIM },
	[ROLE_PROMPT] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ROLE_HINT] = { -1, -1, A_DIM, A_DIM },
	[ROLE_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
};

static int use_color;
static short pairs[ROLE_COUNT];

void ui_theme_init(int color)
{
	use_color = color && has_colors() && start_color() == OK;
	if (!use_color)
		return;
	/* The terminal's own background and text colour, so the screen fits its theme. */
	int defaults = use_default_colors() == OK;
	short next = 1;
	for (int r = 0; r < ROLE_COUNT; r++) {
		short fg = styles[r].fg, bg = styles[r].bg;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (styles[r].fg < 0 && styles[r].bg < 0) {
			pairs[r] = 0;
			continue;
		}
		/* share a pair with an earlier role of the same colours */
		pairs[r] = 0;
		for (int q = 0; q < r; q++)
			if (pairs[q] && styles[q].fg == styles[r].fg && styles[q].bg == styles[r].bg)
				pairs[r] = pairs[q];
		if (!pairs[r] && next < COLOR_PAIRS) {
			init_pair(next, fg, bg);
			pairs[r] = next++;
		}
	}
}

attr_t ui_role_attr(ui_role r)
{
	if (r < 0 || r >= ROLE_COUNT)
		r = ROLE_TEXT;
	return use_color ? styles[r].color : styles[r].mono;
}

short ui_role_pair(ui_role r)
{
	if (r < 0 || r >= ROLE_COUNT || !use_color)
		return 0;
	return pairs[r];
}
