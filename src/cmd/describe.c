/* describe.c — what is generated from the entries' declarations: usage text, `help`,
 * `help CMD` (with every setting for `set`), and completion by position. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/data.h"
#include "gglab/lab.h"

typedef struct {
	char *s;
	size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->n;
		int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		b->cap = 2 * (b->n + (size_t)k + 1);
		b->s = gg_xrealloc(b->s, b->cap);
	}
}

static char *sb_take(sbuf *b)
{
	if (!b->s)
		return gg_xstrdup("");
	return b->s;
}

/* The visible words of an enum joined by '|'. */
static void put_values(sbuf *b, const char *values)
{
	size_t n = strcspn(values, "|");
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%c", values[i] == ' ' ? '|' : values[i]);
}

static void put_value_meta(sbuf *b, cmd_kind kind, const char *values, const char *meta)
{
	if (kind == CMD_K_ENUM)
		put_values(b, values);
	else if (kind == CMD_K_ONOFF)
		sb_printf(b, "on|off");
	else
		sb_printf(b, "%s", meta ? meta : "X");
}

static void put_form(sbuf *b, const char *word, const cmd_arg *a, const opt_spec *o)
{
	int open = 0;
	size_t start = b->n;
#define SEP() (b->n > start ? " " : "")
	if (word)
		sb_printf(b, "%s", word);
	for (; a && a->meta; a++) {
		sb_printf(b, "%s", SEP());
		if (a->optional) {
			sb_printf(b, "[");
			open++;
		}
		put_value_meta(b, a->kind, a->values, a->meta);
		if (a->or_word)
			sb_printf(b, "|%s", a->or_word);
		if (a->repeat && a->kind != CMD_K_COMMAND)
			sb_printf(b, " [%s ...]", a->meta);
	}
	for (; open; open--)
		sb_printf(b, "]");
	for (; o && o->key; o++) {
		sb_printf(b, "%s[%s=", SEP(), o->key);
		put_value_meta(b, o->kind, o->values, o->meta);
		sb_printf(b, "]");
	}
#undef SEP
}

char *cmd_usage(const cmd_entry *e)
{
	sbuf b = { 0 };
	sb_printf(&b, "%s", e->all ? "[-a]" : "");
	if (!e->forms) {
		if ((e->args && e->args->meta) || (e->opts && e->opts->key))
			sb_printf(&b, "%s", e->all ? " " : "");
		put_form(&b, NULL, e->args, e->opts);
		return sb_take(&b);
	}
	sb_printf(&b, "%s%s", e->all ? " " : "", e->form_optional ? "[" : "");
	for (const cmd_form *f = e->forms; f->word; f++) {
		sb_printf(&b, "%s", f == e->forms ? "" : " | ");
		put_form(&b, f->word, f->args, f->opts);
	}
	sb_printf(&b, "%s", e->form_optional ? "]" : "");
	return sb_take(&b);
}

/* The range of each numeric option; form is the form's word ("" for an entry's only one). */
static void put_ranges(sbuf *b, const char *form, const opt_spec *o)
{
	for (; o && o->key; o++) {
		double lo = o->lo, hi = o->hi;
		if (o->setting) {
			const lab_setting *st = lab_setting_find(o->setting);
			lo = st->min;
			hi = st->max;
		}
		if (o->kind == CMD_K_INT || o->kind == CMD_K_NUM)
			sb_printf(b, "  %s%s%s=%s: %s %.10g to %.10g\n", form, *form ? " " : "", o->key,
				  o->meta ? o->meta : "X",
				  o->kind == CMD_K_INT ? "a whole number from" : "from", lo, hi);
	}
}

char *cmd_help_text(const char *name)
{
	sbuf b = { 0 };
	for (int i = 0; i < cmd_count; i++) {
		const cmd_entry *e = cmd_table[i];
		if (name && strcmp(e->name, name) != 0)
			continue;
		char *u = cmd_usage(e);
		if (!name) {
			char head[512];
			snprintf(head, sizeof head, "%s%s%s", e->name, *u ? " " : "", u);
			if (strlen(head) > 44) /* a long usage gets a line of its own */
				sb_printf(&b, "  %s\n      %s\n", head, e->help);
			else
				sb_printf(&b, "  %-44s %s\n", head, e->help);
			free(u);
			continue;
		}
		sb_printf(&b, "usage: %s%s%s\n  %s\n", e->name, *u ? " " : "", u, e->help);
		free(u);
		if (e->alias)
			sb_printf(&b, "  alias: %s\n", e->alias);
		put_ranges(&b, "", e->opts);
		for (const cmd_form *f = e->forms; f && f->word; f++)
			put_ranges(&b, f->word, f->opts);
		for (const cmd_arg *a = e->args; a && a->meta; a++)
			if (a->kind == CMD_K_SETTING)
				for (int k = 0; k < lab_nsettings; k++) {
					const lab_setting *s = &lab_settings[k];
					sb_printf(&b, "  %-8s %s %.10g to %.10g: %s\n", s->name,
						  s->integer ? "a whole number from" : "from", s->min, s->max,
						  s->help);
				}
	}
	return sb_take(&b);
}

/* ---- completion ----------------------------------------------------------------------- */

typedef struct {
	char **v;
	int n;
	const char *prefix; /* what the whole word typed so far is */
	size_t cut;         /* candidates are returned without their first cut bytes */
} cands;

static void add(cands *c, const char *word)
{
	size_t pl = strlen(c->prefix);
	if (strncmp(word, c->prefix, pl) != 0)
		return;
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], word + c->cut))
			return;
	c->v = gg_xrealloc(c->v, (size_t)(c->n + 2) * sizeof *c->v);
	c->v[c->n++] = gg_xstrdup(word + c->cut);
	c->v[c->n] = NULL;
}

/* Each word of a space-separated list (up to a '|'), with a prefix ("norm=" + "bn"). */
static void add_words(cands *c, const char *pre, const char *list)
{
	char w[128];
	for (const char *p = list; *p && *p != '|';) {
		size_t n = strcspn(p, " |");
		snprintf(w, sizeof w, "%s%.*s", pre, (int)n, p);
		add(c, w);
		p += n;
		p += *p == ' ';
	}
}

static void add_names(cands *c, int (*fn)(void *, int, char *, size_t), void *arg)
{
	char name[128];
	for (int i = 0; fn && fn(arg, i, name, sizeof name) == 0; i++)
		if (name[0])
			add(c, name);
}

static void add_kind(cands *c, const char *pre, cmd_kind kind, const char *values,
		     const cmd_names *names, int *file)
{
	switch (kind) {
	case CMD_K_ENUM:
		add_words(c, pre, values);
		break;
	case CMD_K_ONOFF:
		add_words(c, pre, "on off");
		break;
	case CMD_K_DATA:
		add_words(c, pre, DATA_NAMES);
		break;
	case CMD_K_FILE:
		*file = 1;
		break;
	case CMD_K_RUN:
		if (names && !*pre)
			add_names(c, names->runs, names->arg);
		break;
	case CMD_K_SERIES:
		if (names && !*pre)
			add_names(c, names->series, names->arg);
		break;
	case CMD_K_COMMAND:
		for (int i = 0; i < cmd_count; i++) {
			add(c, cmd_table[i]->name);
			if (cmd_table[i]->alias)
				add(c, cmd_table[i]->alias);
		}
		break;
	default:
		break;
	}
}

/* Completes the word `cur` (whole, up to the cursor) after the words w[0..n) of one command. */
static void complete_in(cands *c, char **w, int n, const char *cur, const cmd_names *names,
			int *file)
{
	char err[GG_ERRLEN];
	if (n == 0) {
		add_kind(c, "", CMD_K_COMMAND, NULL, names, file);
		return;
	}
	const cmd_entry *e = cmd_find(w[0], err);
	if (!e)
		return;
	int i = 1;
	if (e->all && i < n && !strcmp(w[i], "-a"))
		i++;
	const cmd_arg *a = e->args;
	const opt_spec *o = e->opts;
	if (e->forms) {
		if (i == n) {
			for (const cmd_form *f = e->forms; f->word; f++)
				add(c, f->word);
			return;
		}
		const cmd_form *f = e->forms;
		while (f->word && strcmp(f->word, w[i]))
			f++;
		if (!f->word)
			return;
		a = f->args;
		o = f->opts;
		i++;
	}
	const char *eq = strchr(cur, '=');
	if (eq && eq != cur) { /* key=: that option's values */
		char key[64];
		snprintf(key, sizeof key, "%.*s=", (int)(eq - cur), cur);
		for (; o && o->key; o++)
			if (!strncmp(o->key, key, strlen(o->key)) && key[strlen(o->key)] == '=')
				add_kind(c, key, o->kind, o->values, names, file);
		return;
	}
	/* which positional slot the word fills */
	int k = 0, optional = 0;
	for (; i < n && a && a->meta; i++) {
		if (strchr(w[i], '=') && a->kind != CMD_K_RUNSTEP)
			break;
		if (a->kind == CMD_K_COMMAND && a->repeat) {
			complete_in(c, w + i, n - i, cur, names, file);
			return;
		}
		if (a->kind == CMD_K_SETTING) {
			k++;
			continue;
		}
		if (!a->repeat)
			a++;
	}
	if (a && a->meta) {
		optional = a->optional;
		if (a->kind == CMD_K_SETTING && k % 2 == 0) {
			for (int s = 0; s < lab_nsettings; s++)
				add(c, lab_settings[s].name);
		} else if (a->kind == CMD_K_COMMAND && a->repeat) {
			add_kind(c, "", CMD_K_COMMAND, NULL, names, file);
		} else if (a->kind != CMD_K_SETTING) {
			add_kind(c, "", a->kind, a->values, names, file);
			if (a->or_word)
				add(c, a->or_word);
		}
	}
	if (!a || !a->meta || optional)
		for (; o && o->key; o++) {
			char key[64];
			snprintf(key, sizeof key, "%s=", o->key);
			add(c, key);
		}
}

char **cmd_complete(const char *line, int start, int end, const cmd_names *names, int *file)
{
	*file = 0;
	int seg = end;
	while (seg > 0 && line[seg - 1] != ';')
		seg--;
	int ws = end; /* where the word under the cursor starts */
	while (ws > seg && line[ws - 1] != ' ' && line[ws - 1] != '\t')
		ws--;
	if (start < ws)
		start = ws;
	char *before = gg_xmalloc((size_t)(ws - seg) + 1), *cur = gg_xmalloc((size_t)(end - ws) + 1);
	memcpy(before, line + seg, (size_t)(ws - seg));
	before[ws - seg] = 0;
	memcpy(cur, line + ws, (size_t)(end - ws));
	cur[end - ws] = 0;
	cands c = { .prefix = cur, .cut = (size_t)(start - ws) };
	cmd_tokens t;
	char err[GG_ERRLEN];
	if (cmd_tokenize(before, &t, err) == 0) {
		if (t.n <= 1)
			complete_in(&c, t.n ? t.cmds[0].argv : NULL, t.n ? t.cmds[0].argc : 0, cur, names, file);
		cmd_tokens_free(&t);
	}
	free(before);
	free(cur);
	return c.v;
}

void cmd_complete_free(char **c)
{
	for (int i = 0; c && c[i]; i++)
		free(c[i]);
	free(c);
}
