/* files.c — the commands that write and read files, and the one that prints the run:
 * save, load, export, show. */
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
	return lab_export(ctx->lab, c->pos[0].num == 1, c->pos[1].word, err);
}

const cmd_entry cmd_entry_export = {
	.name = "export",
	.help = "write every run's series, settings and events to one file",
	.args = (const cmd_arg[]){
		{ .meta = "format", .kind = CMD_K_ENUM, .values = "csv jsonl",
		  .bad = "unknown export format '%s' (known: csv jsonl)" },
		{ .meta = "PATH", .kind = CMD_K_FILE },
		{ 0 } },
	.exec = exec_export,
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
