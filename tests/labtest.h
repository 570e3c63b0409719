/* labtest.h — for tests that play the trainer thread themselves: run commands on this
 * thread, then step every running run (firing scheduled commands and twin agreement at
 * round boundaries, as the trainer does) until each goal is reached. Exact and quick. */
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

static void labtest_fire(lab *L)
{
	for (int k = 0; k < L->nsched; k++) {
		if (L->sched[k].r->step < L->sched[k].step)
			continue;
		cmd_call c;
		cmd_call_copy(&c, &L->sched[k].call);
		if (L->sched[k].every > 0) {
			L->sched[k].step += L->sched[k].every;
		} else {
			cmd_call_free(&L->sched[k].call);
			L->sched[k] = L->sched[--L->nsched];
			k--;
		}
		char e[GG_ERRLEN];
		cmd_ctx cx = { .lab = L, .script = 1 };
		cmd_exec(&cx, &c, e);
		cmd_call_free(&c);
	}
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
		for (int guard = 0; rc == 0 && guard < 10000000; guard++) {
			int any = 0;
			inst_phdim_collect(L);
			labtest_fire(L);
			for (int k = 0; k < L->nruns; k++)
				if (L->runs[k]->state == RUN_RUNNING && L->runs[k]->goal_kind != GOAL_NONE) {
					run_step(L, L->runs[k]);
					any = 1;
				}
			if (!any)
				break;
			inst_twins(L);
		}
	}
	cmd_list_free(&l);
	return rc;
}

static lab *new_lab_opts(int batch, const char *journal)
{
	char err[GG_ERRLEN];
	lab_options o = { .seed = 1, .threads = 1, .batch = batch, .journal_path = journal };
	lab *L = lab_new(&o, err);
	CHECK(L != NULL, "lab_new: %s", err);
	return L;
}

#endif
