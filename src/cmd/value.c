/* value.c — what an exec reads from its call: an option by its key. (A leaf: the command
 * families use it, and it uses nothing of theirs.) */
#include <string.h>

#include "gglab/cmd.h"

static const opt_spec *opts_of(const cmd_call *c)
{
	return c->form ? c->form->opts : c->entry->opts;
}

const cmd_value *cmd_opt(const cmd_call *c, const char *key)
{
	const opt_spec *o = opts_of(c);
	for (int i = 0; o && o[i].key; i++)
		if (!strcmp(o[i].key, key))
			return c->opt[i].word ? &c->opt[i] : NULL;
	return NULL;
}

double cmd_opt_num(const cmd_call *c, const char *key, double dflt)
{
	const cmd_value *v = cmd_opt(c, key);
	return v ? v->num : dflt;
}

