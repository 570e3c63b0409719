/* panels.c — the table of panel kinds (panel.h): what each panel shows and how it behaves,
 * in one place. The layout (layout.c) places them, the frame loop re-renders them when
 * their data changed, and the chart (chart.c) draws the plot kinds from their rows, each
 * through its panel's pointer to its row (ui_panels_init); and the view the screen starts
 * in (ui_state_defaults), which a figure in batch mode takes too. */
#include "panel.h"

const ui_panel_kind ui_panel_kinds[UI_NKINDS] = {
	[UI_P_LOSS] = { .title = "loss", .build = ui_build_loss, .render = ui_render_plot,
			.zoomable = 1, .smoothable = 1, .events = 1, .note_role = ROLE_BEST },
	[UI_P_GAP] = { .title = "generalization gap", .build = ui_build_gap, .render = ui_render_plot,
		       .zoomable = 1, .smoothable = 1, .zero_line = 1, .events = 1, .note_role = ROLE_DIM },
	[UI_P_DIST] = { .title = "distance from init", .build = ui_build_dist, .overlay = ui_draw_fit,
			.render = ui_render_plot, .fixed_logx = 1, .events = 1, .note_role = ROLE_DIM },
	[UI_P_INST] = { .title = "instruments", .build = ui_build_inst, .render = ui_render_plot,
			.zoomable = 1, .zero_line = 1, .events = 1, .note_role = ROLE_DIM, .late = 1 },
	[UI_P_BOUNDARY] = { .title = "decision boundary", .render = ui_render_boundary,
			    .key = ui_boundary_key, .throttled = 1, .main_only = 1 },
};

void ui_panels_init(struct ui *u)
{
	for (int k = 0; k < UI_NKINDS; k++)
		u->panels[k].kind = &ui_panel_kinds[k];
}

/* What the screen shows at start (and a figure in batch mode, which has no screen): every
 * panel, against steps, log y, EMA 0.6, following the newest step, the instruments the
 * current run has. */
void ui_state_defaults(struct ui *u)
{
	u->view = UI_VIEW_AUTO;
	u->xaxis = UI_X_STEPS;
	u->logy = 1;
	u->smooth = 0.6;
	u->follow = 1;
	u->ninst = 0; /* the instruments panel picks what the current run has */
	u->cursor_step = -1; /* the cursor starts at the newest evaluation */
	ui_panels_init(u);
}
