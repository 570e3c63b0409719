/* files.c — the commands that write and read files, and the one that prints the run:
 * save, load, export, report, show. export svg and report picture the screen's panels:
 * they run where the view is (cmd_figure_ops), the rest on the trainer thread. */
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

static int exec_save(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_save(ctx->lab, c->pos[0].word, err);
}

const cmd_entry cmd_entry_save = {
	.name = "save",
	.help = "write a checkpoint of every run (atomically: the old file survives a failure)",
	.args = (const cmd_arg[]){ { .meta = "PATH", .kind = CMD_K_FILE }, { 0 } },
	.exec = exec_save,
};

static int exec_load(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_load(ctx->lab, c->pos[0].word, err);
}

const cmd_entry cmd_entry_load = {
	.name = "load",
	.help = "replace every run by a checkpoint's (a bad file changes nothing)",
	.flags = CMD_JOURNAL | CMD_NOSCHED,
	.args = (const cmd_arg[]){ { .meta = "PATH", .kind = CMD_K_FILE }, { 0 } },
	.exec = exec_load,
};

static int exec_export(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *format = c->form->word;
	if (strcmp(format, "svg") != 0)
		return lab_export(ctx->lab, !strcmp(format, "jsonl"), c->pos[0].word, err);
	if (!ctx->figures)
		return gg_fail(err, "export svg: no panels to picture here");
	return ctx->figures->svg(ctx, c->pos[0].word, c->npos > 1 ? (int)c->pos[1].num : -1, err);
}

#define PATH_ARG (const cmd_arg[]){ { .meta = "PATH", .kind = CMD_K_FILE }, { 0 } }
/* pictures run where the screen's view is (or in batch mode the batch printer) */
#define FIGURE (CMD_UI | CMD_BATCH | CMD_NOSCHED)

const cmd_entry cmd_entry_export = {
	.name = "export",
	.help = "write every run's series, settings and events to one file (csv, jsonl), or a "
		"panel as an SVG figure (the current view's, or PANEL: " CMD_PANELS ")",
	.noun = "export format",
	.forms = (const cmd_form[]){
		{ .word = "csv", .args = PATH_ARG },
		{ .word = "jsonl", .args = PATH_ARG },
		{ .word = "svg", .flags = FIGURE, .args = (const cmd_arg[]){
			{ .meta = "PATH", .kind = CMD_K_FILE },
			{ .meta = "PANEL", .kind = CMD_K_ENUM, .values = CMD_PANELS "|instruments=inst",
			  .optional = 1, .bad = "unknown panel '%s' (known: " CMD_PANELS ")" },
			{ 0 } } },
		{ 0 } },
	.exec = exec_export,
};

static int exec_report(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	if (!ctx->figures)
		return gg_fail(err, "report: no panels to picture here");
	return ctx->figures->report(ctx, c->pos[0].word, err);
}

const cmd_entry cmd_entry_report = {
	.name = "report",
	.help = "write one self-contained HTML page: every panel as a figure, the runs' settings "
		"side by side, and the events",
	.flags = FIGURE,
	.args = (const cmd_arg[]){ { .meta = "PATH.html", .kind = CMD_K_FILE }, { 0 } },
	.exec = exec_report,
};

static int exec_show(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	return lab_show(ctx->lab, err);
}

const cmd_entry cmd_entry_show = {
	.name = "show",
	.help = "print the current run's configuration, settings and last metrics",
	.exec = exec_show,
};
