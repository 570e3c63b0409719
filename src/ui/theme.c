/* theme.c — colours by role. Code elsewhere names what a thing is (train curve, error
 * message, status bar); this one table says how each role looks in the colour scheme and in
 * the monochrome one (--no-color, NO_COLOR, or a terminal without colours). In monochrome,
 * series differ by pattern, not by bold and dim alone: each curve's role has a dash pattern
 * here (train solid, test dashed, minibatch sparse dots, …), and the chart puts each
 * curve's legend glyph on every few cells of it (chart.c). */
#include "tui.h"

typedef struct {
	short fg, bg;    /* -1: the terminal's default */
	attr_t color;    /* attributes on top of the pair in the colour scheme */
	attr_t mono;     /* attributes in the monochrome scheme */
	short fg256;     /* fg on a 256-colour terminal, where 8 colours run out (0: fg) */
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
	/* Overlaid runs: eight basic colours run out after six usable ones, so the last two
	 * add an underline there and take 256-colour hues where the terminal has them. In
	 * monochrome the runs differ by the glyphs at their curves' ends and in the legend. */
	[ROLE_RUN0] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ROLE_RUN1] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_RUN2] = { COLOR_MAGENTA, -1, A_BOLD, A_NORMAL },
	[ROLE_RUN3] = { COLOR_GREEN, -1, A_BOLD, A_UNDERLINE },
	[ROLE_RUN4] = { COLOR_BLUE, -1, A_BOLD, A_BOLD, 75 },
	[ROLE_RUN5] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_RUN6] = { COLOR_WHITE, -1, A_BOLD, A_NORMAL, 208 },
	[ROLE_RUN7] = { COLOR_CYAN, -1, A_BOLD | A_UNDERLINE, A_UNDERLINE, 141 },
	[ROLE_RUN0_TR] = { COLOR_CYAN, -1, A_NORMAL, A_DIM },
	[ROLE_RUN1_TR] = { COLOR_YELLOW, -1, A_NORMAL, A_DIM | A_UNDERLINE },
	[ROLE_RUN2_TR] = { COLOR_MAGENTA, -1, A_NORMAL, A_DIM },
	[ROLE_RUN3_TR] = { COLOR_GREEN, -1, A_NORMAL, A_DIM | A_UNDERLINE },
	[ROLE_RUN4_TR] = { COLOR_BLUE, -1, A_NORMAL, A_DIM, 75 },
	[ROLE_RUN5_TR] = { COLOR_RED, -1, A_NORMAL, A_DIM | A_UNDERLINE },
	[ROLE_RUN6_TR] = { COLOR_WHITE, -1, A_NORMAL, A_DIM, 208 },
	[ROLE_RUN7_TR] = { COLOR_CYAN, -1, A_UNDERLINE, A_DIM | A_UNDERLINE, 141 },
	[ROLE_INST4] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_INST5] = { COLOR_BLUE, -1, A_BOLD, A_DIM | A_UNDERLINE, 75 },
	[ROLE_ZERO] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_WINDOW] = { COLOR_RED, -1, A_NORMAL, A_DIM },
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
	[ROLE_CURSOR] = { COLOR_WHITE, -1, A_BOLD, A_BOLD },
};

/* The strokes of the monochrome scheme (plot.h's patterns; 0: solid). Runs overlaid share
 * train solid and test dashed, and differ by their glyphs on the curves. */
static const unsigned char mono_dash[ROLE_COUNT] = {
	[ROLE_TRAIN_RAW] = PLOT_DOTTED, [ROLE_TEST] = PLOT_DASHED, [ROLE_TEST_RAW] = PLOT_SPARSE,
	[ROLE_BATCH] = PLOT_SPARSE, [ROLE_GAP_RAW] = PLOT_DOTTED, [ROLE_FIT] = PLOT_DASHED,
	[ROLE_INST1] = PLOT_DASHED, [ROLE_INST2] = PLOT_DOTTED, [ROLE_INST3] = 0x3F,
	[ROLE_INST4] = 0x33, [ROLE_INST5] = PLOT_SPARSE,
	[ROLE_RUN0] = PLOT_DASHED, [ROLE_RUN1] = PLOT_DASHED, [ROLE_RUN2] = PLOT_DASHED,
	[ROLE_RUN3] = PLOT_DASHED, [ROLE_RUN4] = PLOT_DASHED, [ROLE_RUN5] = PLOT_DASHED,
	[ROLE_RUN6] = PLOT_DASHED, [ROLE_RUN7] = PLOT_DASHED,
};

static int use_color, defaults;
static short pairs[ROLE_COUNT];

/* Every pair made so far, so roles and heatmap colours share them. */
#define MAXPAIRS 256
static struct { short fg, bg; } made[MAXPAIRS];
static short nmade;

short ui_pair(short fg, short bg)
{
	if (!use_color)
		return 0;
	if (fg < 0 && bg < 0)
		return 0;
	for (short i = 1; i <= nmade; i++)
		if (made[i - 1].fg == fg && made[i - 1].bg == bg)
			return i;
	if (nmade + 1 >= COLOR_PAIRS || nmade >= MAXPAIRS)
		return 0;
	/* Without default colours, -1 means the usual white on black. */
	init_pair((short)(nmade + 1), fg < 0 && !defaults ? COLOR_WHITE : fg,
		  bg < 0 && !defaults ? COLOR_BLACK : bg);
	made[nmade].fg = fg;
	made[nmade].bg = bg;
	return ++nmade;
}

int ui_colors(void)
{
	return use_color ? COLORS : 0;
}

void ui_theme_init(int color)
{
	use_color = color && has_colors() && start_color() == OK;
	nmade = 0;
	if (!use_color)
		return;
	/* The terminal's own background and text colour, so the screen fits its theme. */
	defaults = use_default_colors() == OK;
	for (int r = 0; r < ROLE_COUNT; r++) {
		short fg = styles[r].fg256 && COLORS >= 256 ? styles[r].fg256 : styles[r].fg;
		pairs[r] = ui_pair(fg, styles[r].bg);
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

unsigned char ui_role_dash(ui_role r)
{
	if (use_color || r < 0 || r >= ROLE_COUNT || !mono_dash[r])
		return PLOT_SOLID;
	return mono_dash[r];
}
