/* training.c — the commands that train and measure the current run: train, pause, eval,
 * margins, phdim, fit, rollback. */
#include <math.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

static int check_train(const cmd_call *c, char *err)
{
	int epochs = c->npos > 1 && c->pos[1].num == 1;
	if (c->npos && !epochs && c->pos[0].num != floor(c->pos[0].num))
		return gg_fail(err, "a number of steps must be whole, got %s", c->pos[0].word);
	return 0;
}

static int exec_train(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_train(ctx->lab, c->all, c->npos ? c->pos[0].num : 0, c->npos > 1 && c->pos[1].num == 1,
			 err);
}

const cmd_entry cmd_entry_train = {
	.name = "train",
	.help = "train N more steps or epochs (no N: until paused; -a: every run)",
	.flags = CMD_JOURNAL | CMD_WAIT | CMD_NOSCHED,
	.all = 1,
	.args = (const cmd_arg[]){
		{ .meta = "N", .kind = CMD_K_NUM, .lo = 1e-9, .hi = 1e12, .optional = 1 },
		{ .meta = "unit", .kind = CMD_K_ENUM, .values = "steps epochs|step=steps epoch=epochs",
		  .optional = 1 },
		{ 0 } },
	.check = check_train,
	.exec = exec_train,
};

static int exec_pause(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	return lab_pause(ctx->lab, err);
}

const cmd_entry cmd_entry_pause = {
	.name = "pause",
	.help = "stop training after the current step",
	.flags = CMD_JOURNAL | CMD_TAKEOVER,
	.exec = exec_pause,
};

static int exec_eval(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_eval_full(ctx->lab, (int)cmd_opt_num(c, "stages", 0), err);
}

const cmd_entry cmd_entry_eval = {
	.name = "eval",
	.help = "evaluate the current run on the full train and test sets now (a nais model: K stages)",
	.flags = CMD_JOURNAL, /* its results and event land in the export */
	.opts = (const opt_spec[]){ { "stages", CMD_K_INT, 1, 1000, .meta = "K" }, { 0 } },
	.exec = exec_eval,
};

static int exec_margins(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	return lab_margins(ctx->lab, err);
}

const cmd_entry cmd_entry_margins = {
	.name = "margins",
	.help = "print the NAIS-Net stability margins of the current run now",
	.exec = exec_margins,
};

static int exec_phdim(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *w = c->form->word;
	int on = !strcmp(w, "on") ? 1 : !strcmp(w, "off") ? -1 : 0;
	return lab_phdim(ctx->lab, on, (int)cmd_opt_num(c, "n", 1000), (int)cmd_opt_num(c, "k", 128),
			 (int)cmd_opt_num(c, "stride", 1), (int)cmd_opt_num(c, "every", 0),
			 (int)cmd_opt_num(c, "mode", 0) == 1, (int)cmd_opt_num(c, "m", 200), err);
}

const cmd_entry cmd_entry_phdim = {
	.name = "phdim",
	.help = "PH dimension of the trajectory: keep the last N iterates (on), estimate (now)",
	.flags = CMD_JOURNAL,
	.noun = "phdim command",
	.form_optional = 1,
	.forms = (const cmd_form[]){
		{ .word = "now" },
		{ .word = "off" },
		{ .word = "on",
		  .opts = (const opt_spec[]){
			  { "n", CMD_K_INT, 40, 100000, .meta = "N" },
			  { "k", CMD_K_INT, 1, 512, .meta = "K" },
			  { "stride", CMD_K_INT, 1, 1000000, .meta = "S" },
			  { "every", CMD_K_INT, 0, 1000000, .meta = "E" },
			  { "mode", CMD_K_ENUM, .values = "weights loss" },
			  { "m", CMD_K_INT, 2, 2000, .meta = "M" },
			  { 0 } } },
		{ 0 } },
	.exec = exec_phdim,
};

static int check_fit(const cmd_call *c, char *err)
{
	double from = cmd_opt_num(c, "from", 0), to = cmd_opt_num(c, "to", 0);
	if (to > 0 && to <= from)
		return gg_fail(err, "to=%.0f must be after from=%.0f", to, from);
	return 0;
}

static int exec_fit(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_fit(ctx->lab, (long)cmd_opt_num(c, "from", 0), (long)cmd_opt_num(c, "to", 0), err);
}

const cmd_entry cmd_entry_fit = {
	.name = "fit",
	.help = "fit dist = a + b ln t (and a + b sqrt t) over a window of steps; the screen draws it",
	.opts = (const opt_spec[]){
		{ "from", CMD_K_INT, 0, 1L << 50, .meta = "STEP" },
		{ "to", CMD_K_INT, 1, 1L << 50, .meta = "STEP" },
		{ 0 } },
	.check = check_fit,
	.exec = exec_fit,
};

static int exec_rollback(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	(void)c;
	return lab_rollback(ctx->lab, err);
}

const cmd_entry cmd_entry_rollback = {
	.name = "rollback",
	.help = "return the current run to its last good evaluation (after a divergence)",
	.flags = CMD_JOURNAL,
	.exec = exec_rollback,
};
