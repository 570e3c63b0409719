/* scripts.c — the commands about scripts and time: at, every, sync, source. */
#include "gglab/cmd.h"
#include "gglab/lab.h"

/* `at STEP CMD...` and `every N CMD...`: the inner command was parsed with the outer one
 * (a command flagged CMD_NOSCHED is refused there, before its words are parsed). */
static int exec_at(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_schedule(ctx->lab, (long)c->pos[0].num, 0, c->inner, err);
}

static int exec_every(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_schedule(ctx->lab, -1, (long)c->pos[0].num, c->inner, err);
}

const cmd_entry cmd_entry_at = {
	.name = "at",
	.help = "run a command when the current run reaches STEP",
	.flags = CMD_NOSCHED,
	.args = (const cmd_arg[]){
		{ .meta = "STEP", .kind = CMD_K_INT, .lo = 0, .hi = 1L << 50 },
		{ .meta = "COMMAND ...", .kind = CMD_K_COMMAND, .repeat = 1 },
		{ 0 } },
	.exec = exec_at,
};

const cmd_entry cmd_entry_every = {
	.name = "every",
	.help = "run a command every N steps of the current run",
	.flags = CMD_NOSCHED,
	.args = (const cmd_arg[]){
		{ .meta = "N", .kind = CMD_K_INT, .lo = 1, .hi = 1L << 50 },
		{ .meta = "COMMAND ...", .kind = CMD_K_COMMAND, .repeat = 1 },
		{ 0 } },
	.exec = exec_every,
};

/* `sync RUN=STEP ...` holds a replayed journal until the runs reach those steps; the
 * trainer carries that out (CMD_SYNC) and never calls this at a script's turn. */
static int exec_sync(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	if (!ctx->script)
		return gg_fail(err, "sync belongs in a replayed journal, not at the prompt");
	return 0;
}

const cmd_entry cmd_entry_sync = {
	.name = "sync",
	.help = "in a replayed journal: wait until the runs reach these steps",
	.flags = CMD_SYNC | CMD_NOSCHED,
	.args = (const cmd_arg[]){ { .meta = "RUN=STEP", .kind = CMD_K_RUNSTEP, .repeat = 1 }, { 0 } },
	.exec = exec_sync,
};

/* `source` is expanded by the parser; a call of it never reaches the lab. */
static int exec_source(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)ctx;
	(void)c;
	(void)err;
	return 0;
}

const cmd_entry cmd_entry_source = {
	.name = "source",
	.help = "run the commands in a script file",
	.flags = CMD_SOURCE | CMD_NOSCHED,
	.args = (const cmd_arg[]){ { .meta = "PATH", .kind = CMD_K_FILE }, { 0 } },
	.exec = exec_source,
};
