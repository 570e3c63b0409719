/* labtest.h — for tests that play the trainer thread themselves: run commands on this
 * thread, then run the trainer's own rounds (lab_round: scheduled commands, steps, twin
 * agreement) until every goal is reached. Exact and quick. */
#ifndef GGLAB_LABTEST_H
#define GGLAB_LABTEST_H

#include <stdio.h>
#include <string.h>

#include "../src/lab/internal.h"
#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "test.h"

static char last_err[GG_ERRLEN];

static void labtest_parse_error(void *arg, const char *msg)
{
	fprintf(stderr, "parse error: %s\n", msg);
	(*(int *)arg)++;
}

/* Whether a run is training towards a goal (one training "until paused" never ends). */
static int labtest_goal(lab *L)
{
	for (int k = 0; k < L->nruns; k++)
		if (L->runs[k]->state == RUN_RUNNING && L->runs[k]->goal_kind != GOAL_NONE)
			return 1;
	return 0;
}

/* Returns 0, or -1 with the message in last_err (the first command that failed). */
static int run_cmds(lab *L, const char *line)
{
	cmd_list l = { 0 };
	int nerr = 0;
	cmd_parse_line(line, "test", &l, labtest_parse_error, &nerr);
	CHECK(nerr == 0, "parse '%s'", line);
	int rc = 0;
	last_err[0] = 0;
	for (int i = 0; i < l.n && rc == 0; i++) {
		cmd_ctx ctx = { .lab = L, .script = 1 };
		rc = cmd_exec(&ctx, &l.calls[i], last_err);
		for (int guard = 0; rc == 0 && guard < 10000000 && lab_round(L); guard++)
			if (!labtest_goal(L))
				break;
	}
	cmd_list_free(&l);
	return rc;
}

static lab *new_lab_opts(int batch, const char *journal)
{
	char err[GG_ERRLEN];
	lab_options o = { .seed = 1, .threads = 1, .batch = batch, .journal_path = journal,
			.ops = &cmd_lab_ops };
	lab *L = lab_new(&o, err);
	CHECK(L != NULL, "lab_new: %s", err);
	lab_first_run(L);
	return L;
}

#endif
