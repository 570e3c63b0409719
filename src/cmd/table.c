/* table.c — the command table: every entry, in the order `help` lists them. The command
 * layer's own entries live beside their execs, by family: setup.c, training.c, files.c,
 * runs.c, scripts.c. Families above this layer (the screen's commands, src/ui/commands.c)
 * add theirs at start-up with cmd_table_add, after these. */
#include <assert.h>

#include "gglab/cmd.h"

extern const cmd_entry cmd_entry_data, cmd_entry_model, cmd_entry_opt, cmd_entry_set,
	cmd_entry_train, cmd_entry_pause, cmd_entry_eval, cmd_entry_margins, cmd_entry_phdim,
	cmd_entry_show, cmd_entry_export, cmd_entry_run, cmd_entry_fork, cmd_entry_twin,
	cmd_entry_recipe, cmd_entry_fit, cmd_entry_rollback, cmd_entry_at, cmd_entry_every,
	cmd_entry_sync, cmd_entry_save, cmd_entry_load, cmd_entry_source, cmd_entry_report;

#define CMD_MAX 64

const cmd_entry *cmd_table[CMD_MAX] = {
	&cmd_entry_data, &cmd_entry_model, &cmd_entry_opt, &cmd_entry_set, &cmd_entry_train,
	&cmd_entry_pause, &cmd_entry_eval, &cmd_entry_margins, &cmd_entry_phdim, &cmd_entry_show,
	&cmd_entry_export, &cmd_entry_report, &cmd_entry_run, &cmd_entry_fork, &cmd_entry_twin, &cmd_entry_recipe,
	&cmd_entry_fit, &cmd_entry_rollback, &cmd_entry_at, &cmd_entry_every, &cmd_entry_sync,
	&cmd_entry_save, &cmd_entry_load, &cmd_entry_source,
};
int cmd_count = 24;

void cmd_table_add(const cmd_entry *const *entries, int n)
{
	for (int i = 0; i < n; i++) {
		int j = 0;
		while (j < cmd_count && cmd_table[j] != entries[i])
			j++;
		if (j < cmd_count)
			continue; /* already there */
		assert(cmd_count < CMD_MAX);
		cmd_table[cmd_count++] = entries[i];
	}
}
