/* commands.c — the screen's commands (CMD_UI): view, xaxis, logx, logy, smooth, metric,
 * zoom, follow, plot, help, quit. They run on the UI thread and call the ui_cmd_*
 * functions; in batch mode `help` prints and those that change what the figures picture
 * (CMD_VIEW) change batch mode's view (ui_view_new). ui_commands_register adds them to
 * the command table (the command layer does not know the screen), in every mode, so that
 * scripts, --check, help and completion know them. */
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/ui.h"

#define SCREEN (CMD_UI | CMD_NOSCHED)
#define VIEW (SCREEN | CMD_VIEW) /* what the figures picture: batch mode's view too */

static const cmd_entry cmd_entry_view, cmd_entry_xaxis, cmd_entry_logx, cmd_entry_logy,
	cmd_entry_smooth, cmd_entry_metric, cmd_entry_zoom, cmd_entry_follow, cmd_entry_plot,
	cmd_entry_help, cmd_entry_quit, cmd_entry_cursor;

void ui_commands_register(void)
{
	static const cmd_entry *const screen[] = {
		&cmd_entry_view, &cmd_entry_xaxis, &cmd_entry_logx, &cmd_entry_logy,
		&cmd_entry_smooth, &cmd_entry_metric, &cmd_entry_zoom, &cmd_entry_follow,
		&cmd_entry_plot, &cmd_entry_cursor, &cmd_entry_help, &cmd_entry_quit,
	};
	cmd_table_add(screen, sizeof screen / sizeof screen[0]);
}

static int exec_view(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_view(ctx->ui, (ui_view)c->pos[0].num, err);
}

static const cmd_entry cmd_entry_view = {
	.name = "view",
	.help = "choose the panel to show large (auto: as many as fit; boundary: 2-D data sets)",
	.flags = VIEW,
	.args = (const cmd_arg[]){
		{ .meta = "view", .kind = CMD_K_ENUM,
		  .values = UI_VIEW_WORDS "|" UI_VIEW_ALIASES,
		  .bad = "unknown view '%s' (known: " UI_VIEW_WORDS ")" },
		{ 0 } },
	.exec = exec_view,
};

static int exec_xaxis(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_xaxis(ctx->ui, (ui_xaxis)c->pos[0].num, err);
}

static const cmd_entry cmd_entry_xaxis = {
	.name = "xaxis",
	.help = "plot against steps, epochs or log-steps",
	.flags = VIEW,
	.args = (const cmd_arg[]){
		{ .meta = "x axis", .kind = CMD_K_ENUM, .values = "steps epochs log|logsteps=log" }, { 0 } },
	.exec = exec_xaxis,
};

#define ON_OFF (const cmd_arg[]){ { .meta = "on|off", .kind = CMD_K_ONOFF, .optional = 1 }, { 0 } }

/* on 1, off 0, no argument -1 (toggle) */
static int toggle(const cmd_call *c)
{
	return c->npos ? (int)c->pos[0].num : -1;
}

static int exec_logx(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	int on = toggle(c);
	/* -1 asks the UI to toggle between log-steps and steps */
	return ui_cmd_xaxis(ctx->ui, on < 0 ? (ui_xaxis)-1 : on ? UI_X_LOGSTEPS : UI_X_STEPS, err);
}

static const cmd_entry cmd_entry_logx = {
	.name = "logx",
	.help = "log-steps on the x axis (no argument: toggle)",
	.flags = VIEW,
	.args = ON_OFF,
	.exec = exec_logx,
};

static int exec_logy(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_logy(ctx->ui, toggle(c), err);
}

static const cmd_entry cmd_entry_logy = {
	.name = "logy",
	.help = "logarithmic y axis for losses (no argument: toggle)",
	.flags = VIEW,
	.args = ON_OFF,
	.exec = exec_logy,
};

static int exec_smooth(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_smooth(ctx->ui, c->pos[0].num, err);
}

static const cmd_entry cmd_entry_smooth = {
	.name = "smooth",
	.help = "EMA weight of the smoothed curves drawn over the raw ones (0 = off)",
	.flags = VIEW,
	.args = (const cmd_arg[]){ { .meta = "ALPHA", .kind = CMD_K_NUM, .lo = 0, .hi = UI_SMOOTH_MAX }, { 0 } },
	.exec = exec_smooth,
};

static int exec_metric(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_metric(ctx->ui, (int)c->pos[0].num, err);
}

static const cmd_entry cmd_entry_metric = {
	.name = "metric",
	.help = "plot losses or error rates",
	.flags = VIEW,
	.args = (const cmd_arg[]){ { .meta = "metric", .kind = CMD_K_ENUM, .values = "loss err|error=err" }, { 0 } },
	.exec = exec_metric,
};

static int exec_zoom(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_zoom(ctx->ui, (long)c->pos[0].num, err);
}

static const cmd_entry cmd_entry_zoom = {
	.name = "zoom",
	.help = "show only the last N steps (all: everything)",
	.flags = VIEW,
	.args = (const cmd_arg[]){
		{ .meta = "N", .kind = CMD_K_INT, .lo = 2, .hi = 1e9, .or_word = "all" }, { 0 } },
	.exec = exec_zoom,
};

static int exec_follow(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return ui_cmd_follow(ctx->ui, toggle(c), err);
}

static const cmd_entry cmd_entry_follow = {
	.name = "follow",
	.help = "keep the newest step in view (no argument: toggle)",
	.flags = SCREEN,
	.args = ON_OFF,
	.exec = exec_follow,
};

static int exec_plot(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	char *names[16];
	int n = c->npos < 16 ? c->npos : 16;
	for (int i = 0; i < n; i++)
		names[i] = c->pos[i].word;
	return ui_cmd_plot(ctx->ui, c->npos, names, err);
}

static const cmd_entry cmd_entry_plot = {
	.name = "plot",
	.help = "choose the series the instruments panel plots, by name (e.g. grad_norm wnorm); "
		"auto: its own choice",
	.flags = VIEW,
	.args = (const cmd_arg[]){ { .meta = "SERIES", .kind = CMD_K_SERIES, .repeat = 1 }, { 0 } },
	.exec = exec_plot,
};

static int exec_cursor(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *w = c->npos ? c->pos[0].word : NULL;
	if (!w)
		return ui_cmd_cursor(ctx->ui, -1, -1, err);
	if (!strcmp(w, "on") || !strcmp(w, "off"))
		return ui_cmd_cursor(ctx->ui, !strcmp(w, "on"), -1, err);
	char *end;
	long step = strtol(w, &end, 10);
	if (!*w || *end || step < 0)
		return gg_fail(err, "cursor takes on, off or a step (a whole number >= 0), got '%s'", w);
	return ui_cmd_cursor(ctx->ui, 1, step, err);
}

static const cmd_entry cmd_entry_cursor = {
	.name = "cursor",
	.help = "a line on the plots at a step and every run's values there (no argument: toggle; "
		"F9; Left/Right move it)",
	.flags = SCREEN,
	.args = (const cmd_arg[]){ { .meta = "on|off|STEP", .kind = CMD_K_WORD, .optional = 1 }, { 0 } },
	.exec = exec_cursor,
};

static int exec_help(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *which = c->npos ? c->pos[0].word : NULL;
	if (ctx->ui)
		return ui_cmd_help(ctx->ui, which, err);
	char *text = cmd_help_text(which);
	fputs(text, ctx->out ? ctx->out : stdout);
	free(text);
	return 0;
}

static const cmd_entry cmd_entry_help = {
	.name = "help",
	.help = "list the commands, or explain one",
	.flags = SCREEN | CMD_BATCH,
	.args = (const cmd_arg[]){ { .meta = "COMMAND", .kind = CMD_K_COMMAND, .optional = 1 }, { 0 } },
	.exec = exec_help,
};

static int exec_quit(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	return ctx->ui ? ui_cmd_quit(ctx->ui, err) : 0;
}

static const cmd_entry cmd_entry_quit = {
	.name = "quit",
	.alias = "q",
	.help = "leave gglab",
	.flags = SCREEN | CMD_QUIT,
	.exec = exec_quit,
};
