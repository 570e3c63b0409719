/* table.c — the command table: every entry, in the order `help` lists them. The entries
 * live beside their execs, by family: setup.c, training.c, files.c, runs.c, scripts.c, and
 * the screen's commands in src/ui/commands.c. */
#include "gglab/cmd.h"

extern const cmd_entry cmd_entry_data, cmd_entry_model, cmd_entry_opt, cmd_entry_set,
	cmd_entry_train, cmd_entry_pause, cmd_entry_eval, cmd_entry_margins, cmd_entry_phdim,
	cmd_entry_show, cmd_entry_export, cmd_entry_run, cmd_entry_fork, cmd_entry_twin,
	cmd_entry_recipe, cmd_entry_fit, cmd_entry_rollback, cmd_entry_at, cmd_entry_every,
	cmd_entry_sync, cmd_entry_save, cmd_entry_load, cmd_entry_source, cmd_entry_view,
	cmd_entry_xaxis, cmd_entry_logx, cmd_entry_logy, cmd_entry_smooth, cmd_entry_metric,
	cmd_entry_zoom, cmd_entry_follow, cmd_entry_plot, cmd_entry_help, cmd_entry_quit;

const cmd_entry *const cmd_table[] = {
	&cmd_entry_data, &cmd_entry_model, &cmd_entry_opt, &cmd_entry_set, &cmd_entry_train,
	&cmd_entry_pause, &cmd_entry_eval, &cmd_entry_margins, &cmd_entry_phdim, &cmd_entry_show,
	&cmd_entry_export, &cmd_entry_run, &cmd_entry_fork, &cmd_entry_twin, &cmd_entry_recipe,
	&cmd_entry_fit, &cmd_entry_rollback, &cmd_entry_at, &cmd_entry_every, &cmd_entry_sync,
	&cmd_entry_save, &cmd_entry_load, &cmd_entry_source, &cmd_entry_view, &cmd_entry_xaxis,
	&cmd_entry_logx, &cmd_entry_logy, &cmd_entry_smooth, &cmd_entry_metric, &cmd_entry_zoom,
	&cmd_entry_follow, &cmd_entry_plot, &cmd_entry_help, &cmd_entry_quit,
};
const int cmd_count = sizeof cmd_table / sizeof cmd_table[0];
