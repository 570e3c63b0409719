/* runs.c — the commands that make, switch and compare runs: run, fork, twin. */
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

static int exec_run(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *sub = c->form->word;
	if (!strcmp(sub, "list"))
		return lab_run_list(ctx->lab, err);
	const char *name = c->pos[0].word;
	if (c->form->flags & CMD_UI) /* hide, show: the screen's, or batch mode's view */
		return ctx->run_shown ? ctx->run_shown(ctx->ui, name, !strcmp(sub, "show"), err) : 0;
	if (!strcmp(sub, "new")) {
		const cmd_value *seed = cmd_opt(c, "seed");
		return lab_run_new(ctx->lab, name, seed != NULL, seed ? (uint64_t)seed->num : 0, err);
	}
	if (!strcmp(sub, "use"))
		return lab_run_use(ctx->lab, name, err);
	return lab_run_drop(ctx->lab, name, err);
}

#define RUN_NAME (const cmd_arg[]){ { .meta = "NAME", .kind = CMD_K_RUN, .need = "a run name" }, { 0 } }

const cmd_entry cmd_entry_run = {
	.name = "run",
	.help = "make a run of the current configuration with fresh weights, switch, drop, list "
		"them with the settings in which they differ, hide or show a run's curves",
	.flags = CMD_JOURNAL | CMD_NOSCHED,
	.noun = "run command",
	.forms = (const cmd_form[]){
		{ .word = "new", .args = RUN_NAME, .opts = (const opt_spec[]){ { "seed", CMD_K_INT, 0, 2147483647L, .meta = "S" }, { 0 } } },
		{ .word = "use", .args = RUN_NAME },
		{ .word = "drop", .args = RUN_NAME },
		{ .word = "list", .readonly = 1 },
		/* the screen's: which runs the plots overlay (not journaled, as `view` is not) */
		{ .word = "hide", .args = RUN_NAME, .readonly = 1, .flags = CMD_UI | CMD_VIEW },
		{ .word = "show", .args = RUN_NAME, .readonly = 1, .flags = CMD_UI | CMD_VIEW },
		{ 0 } },
	.exec = exec_run,
};

static int exec_fork(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_fork(ctx->lab, c->npos ? c->pos[0].word : NULL, err);
}

const cmd_entry cmd_entry_fork = {
	.name = "fork",
	.help = "an exact copy of the current run, which becomes current (default name: RUN.fK)",
	.flags = CMD_JOURNAL,
	.args = (const cmd_arg[]){ { .meta = "NAME", .kind = CMD_K_RUN, .optional = 1 }, { 0 } },
	.exec = exec_fork,
};

static int check_twin(const cmd_call *c, char *err)
{
	const cmd_value *sets = cmd_opt(c, "sets");
	if (sets && sets->num > c->pos[0].num)
		return gg_fail(err, "sets=%s is out of range: sets must be between 1 and %.0f", sets->word,
			       c->pos[0].num);
	return 0;
}

static int exec_twin(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const cmd_value *name = cmd_opt(c, "name");
	return lab_twin(ctx->lab, (int)c->pos[0].num, (int)cmd_opt_num(c, "sets", 1),
			(uint64_t)cmd_opt_num(c, "seed", 0), name ? name->word : NULL, err);
}

const cmd_entry cmd_entry_twin = {
	.name = "twin",
	.help = "K runs of the current configuration differing only in seed; 'train' trains the group",
	.flags = CMD_JOURNAL,
	.args = (const cmd_arg[]){
		{ .meta = "K", .kind = CMD_K_INT, .lo = 2, .hi = 64,
		  .bad = "twin needs K ≥ 2 runs to compare (at most 64), got '%s'" },
		{ 0 } },
	.opts = (const opt_spec[]){
		{ "sets", CMD_K_INT, 1, 64, .meta = "S" },
		{ "seed", CMD_K_INT, 1, 2147483647L, .meta = "S0" },
		{ "name", CMD_K_RUN, .meta = "PREFIX" },
		{ 0 } },
	.check = check_twin,
	.exec = exec_twin,
};
