/* call.c — parsing one command's words into a call, once, against its entry's declaration
 * (form, positional arguments, key=value options), and printing a call canonically.
 *
 * The messages for a missing '=', an unknown key, a value out of range or a word not in a
 * list are made here, so they are the same for every command. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/data.h"
#include "gglab/lab.h"

const cmd_entry *cmd_find(const char *name, char *err)
{
	const cmd_entry *hit = NULL;
	int nhits = 0;
	size_t len = strlen(name);
	for (int i = 0; i < cmd_count; i++) {
		const cmd_entry *e = cmd_table[i];
		if (strcmp(e->name, name) == 0 || (e->alias && strcmp(e->alias, name) == 0))
			return e;
		if (len && strncmp(e->name, name, len) == 0) {
			hit = e;
			nhits++;
		}
	}
	if (nhits == 1)
		return hit;
	if (nhits == 0) {
		gg_fail(err, "unknown command '%s' (type 'help' for the list)", name);
		return NULL;
	}
	char list[256] = "";
	size_t n = 0;
	for (int i = 0; i < cmd_count && n < sizeof list; i++)
		if (strncmp(cmd_table[i]->name, name, len) == 0)
			n += snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", cmd_table[i]->name);
	gg_fail(err, "ambiguous command '%s': could be %s", name, list);
	return NULL;
}

/* ---- values ----------------------------------------------------------------------------- */

/* The index of word among the visible words of an enum (or of the word a hidden alias
 * names), -1 if none; the canonical word goes to canon. */
static int enum_index(const char *values, const char *word, char *canon, size_t len)
{
	size_t wl = strlen(word);
	const char *bar = strchr(values, '|');
	const char *vis_end = bar ? bar : values + strlen(values);
	int i = 0;
	for (const char *p = values; p < vis_end; i++) {
		size_t n = strcspn(p, " |");
		if (n == wl && strncmp(p, word, wl) == 0) {
			snprintf(canon, len, "%.*s", (int)n, p);
			return i;
		}
		p += n;
		p += *p == ' ';
	}
	for (const char *p = bar ? bar + 1 : vis_end; *p;) {
		size_t n = strcspn(p, " ");
		const char *eq = memchr(p, '=', n);
		if (eq && (size_t)(eq - p) == wl && strncmp(p, word, wl) == 0) {
			char target[64];
			snprintf(target, sizeof target, "%.*s", (int)(n - (size_t)(eq + 1 - p)), eq + 1);
			return enum_index(values, target, canon, len);
		}
		p += n;
		p += *p == ' ';
	}
	return -1;
}

/* "a, b or c" from the visible words of an enum. */
static void enum_list(const char *values, char *buf, size_t len)
{
	const char *bar = strchr(values, '|');
	int total = 0, n = 0;
	size_t at = 0;
	const char *end = bar ? bar : values + strlen(values);
	for (const char *p = values; p < end; p += strcspn(p, " |"), p += *p == ' ')
		total++;
	buf[0] = 0;
	for (const char *p = values; p < end && at < len; n++) {
		size_t w = strcspn(p, " |");
		at += (size_t)snprintf(buf + at, len - at, "%s%.*s",
				       n == 0 ? "" : n == total - 1 ? " or " : ", ", (int)w, p);
		p += w;
		p += *p == ' ';
	}
}

static int parse_size(const char *s, cmd_value *v, char *err)
{
	char *x, *end;
	long w = strtol(s, &x, 10);
	if (x == s || (*x != 'x' && *x != 'X'))
		return gg_fail(err, "size must be WIDTHxDEPTH, e.g. 512x3, got '%s'", s);
	long d = strtol(x + 1, &end, 10);
	if (end == x + 1 || *end)
		return gg_fail(err, "size must be WIDTHxDEPTH, e.g. 512x3, got '%s'", s);
	if (w < 1 || w > 65536)
		return gg_fail(err, "width %ld is out of range: it must be between 1 and 65536", w);
	if (d < 0 || d > 64)
		return gg_fail(err, "depth %ld is out of range: it must be between 0 and 64", d);
	v->num = (double)w;
	v->num2 = (double)d;
	return 0;
}

/* A comma-separated list: increasing epochs (CMD_K_LIST) or whole numbers (CMD_K_INTS),
 * each in [lo, hi], at most CMD_MAXLIST of them; every item must be there ("1,,2" and a
 * trailing comma are refused). */
static int parse_list(const char *name, cmd_kind kind, double lo, double hi, const char *s,
		      cmd_value *v, char *err)
{
	const char *what = kind == CMD_K_LIST ? "epochs" : "numbers";
	v->list = gg_xcalloc(CMD_MAXLIST, sizeof *v->list);
	for (const char *p = s;; p++) {
		size_t n = strcspn(p, ",");
		char item[64];
		if (v->nlist == CMD_MAXLIST)
			return gg_fail(err, "%s: at most %d %s", name, CMD_MAXLIST, what);
		if (n == 0 || n >= sizeof item)
			return gg_fail(err, "%s must be %s separated by commas, e.g. %s=%s, got '%s'", name,
				       what, name, kind == CMD_K_LIST ? "10,20,30" : "32,64", s);
		snprintf(item, sizeof item, "%.*s", (int)n, p);
		double d;
		long l;
		if (kind == CMD_K_INTS) {
			if (cmd_parse_long(name, item, (long)lo, (long)hi, &l, err) < 0)
				return -1;
			d = (double)l;
		} else if (cmd_parse_double(name, item, lo, hi, &d, err) < 0) {
			return -1;
		}
		if (kind == CMD_K_LIST && v->nlist && d <= v->list[v->nlist - 1])
			return gg_fail(err, "%s must be increasing epochs, e.g. %s=10,20,30", name, name);
		v->list[v->nlist++] = d;
		p += n;
		if (!*p)
			return 0;
	}
}

/* Parses one value of the given kind; name is what messages call it. */
static int parse_value1(const cmd_entry *e, const char *name, cmd_kind kind, double lo, double hi,
		       const char *values, const char *s, cmd_value *v, char *err)
{
	char canon[64];
	const char *word = s;
	long l;
	switch (kind) {
	case CMD_K_WORD:
	case CMD_K_SETTING:
		break;
	case CMD_K_INT:
		if (cmd_parse_long(name, s, (long)lo, (long)hi, &l, err) < 0)
			return -1;
		v->num = (double)l;
		break;
	case CMD_K_NUM:
		if (cmd_parse_double(name, s, lo, hi, &v->num, err) < 0)
			return -1;
		break;
	case CMD_K_ONOFF:
		if ((v->num = enum_index("off on|0=off 1=on no=off yes=on", s, canon, sizeof canon)) < 0)
			return gg_fail(err, "%s must be on or off, got '%s'", name, s);
		word = canon;
		break;
	case CMD_K_ENUM: {
		if ((v->num = enum_index(values, s, canon, sizeof canon)) < 0) {
			char list[256];
			enum_list(values, list, sizeof list);
			return gg_fail(err, "%s must be %s, got '%s'", name, list, s);
		}
		word = canon;
		break;
	}
	case CMD_K_DATA:
		if (enum_index(DATA_NAMES, s, canon, sizeof canon) < 0)
			return gg_fail(err, "unknown data set '%s' (known: %s)", s, DATA_NAMES);
		break;
	case CMD_K_RUN:
		if (lab_check_run_name(s, err) < 0)
			return -1;
		break;
	case CMD_K_FILE:
		if (!*s)
			return gg_fail(err, "%s needs a file name", e->name);
		break;
	case CMD_K_SIZE:
		if (parse_size(s, v, err) < 0)
			return -1;
		break;
	case CMD_K_SERIES:
		if (!*s || strcspn(s, " \t,=") != strlen(s))
			return gg_fail(err, "'%s' is not a series name", s);
		break;
	case CMD_K_COMMAND: {
		const cmd_entry *c = cmd_find(s, err);
		if (!c)
			return -1;
		word = c->name;
		break;
	}
	case CMD_K_LIST:
	case CMD_K_INTS:
		if (parse_list(name, kind, lo, hi, s, v, err) < 0)
			return -1;
		break;
	case CMD_K_RUNSTEP: {
		const char *eq = strchr(s, '=');
		if (!eq || eq == s)
			return gg_fail(err, "expected key=value, got '%s'", s);
		snprintf(canon, sizeof canon, "%.*s", (int)(eq - s), s);
		if (lab_check_run_name(canon, err) < 0 || cmd_parse_long(canon, eq + 1, 0, 1L << 50, &l, err) < 0)
			return -1;
		v->num = (double)l;
		word = canon;
		break;
	}
	}
	v->word = gg_xstrdup(word);
	return 0;
}

/* ---- calls -------------------------------------------------------------------------------- */

static void value_free(cmd_value *v);

static int parse_value(const cmd_entry *e, const char *name, cmd_kind kind, double lo, double hi,
		       const char *values, const char *s, cmd_value *v, char *err)
{
	if (parse_value1(e, name, kind, lo, hi, values, s, v, err) == 0)
		return 0;
	value_free(v);
	return -1;
}

static void value_free(cmd_value *v)
{
	free(v->word);
	free(v->list);
	memset(v, 0, sizeof *v);
}

static void value_copy(cmd_value *dst, const cmd_value *src)
{
	*dst = *src;
	dst->word = src->word ? gg_xstrdup(src->word) : NULL;
	if (src->list) {
		dst->list = gg_xcalloc(CMD_MAXLIST, sizeof *dst->list);
		memcpy(dst->list, src->list, (size_t)src->nlist * sizeof *src->list);
	}
}

void cmd_call_free(cmd_call *c)
{
	for (int i = 0; i < c->npos; i++)
		value_free(&c->pos[i]);
	free(c->pos);
	for (int i = 0; i < CMD_MAXOPTS; i++)
		value_free(&c->opt[i]);
	if (c->inner) {
		cmd_call_free(c->inner);
		free(c->inner);
	}
	free(c->text);
	memset(c, 0, sizeof *c);
}

void cmd_call_copy(cmd_call *dst, const cmd_call *src)
{
	*dst = *src;
	dst->pos = gg_xcalloc((size_t)src->npos + 1, sizeof *dst->pos);
	for (int i = 0; i < src->npos; i++)
		value_copy(&dst->pos[i], &src->pos[i]);
	for (int i = 0; i < CMD_MAXOPTS; i++)
		value_copy(&dst->opt[i], &src->opt[i]);
	if (src->inner) {
		dst->inner = gg_xmalloc(sizeof *dst->inner);
		cmd_call_copy(dst->inner, src->inner);
	}
	dst->text = src->text ? gg_xstrdup(src->text) : NULL;
}

void cmd_list_free(cmd_list *l)
{
	for (int i = 0; i < l->n; i++)
		cmd_call_free(&l->calls[i]);
	free(l->calls);
	memset(l, 0, sizeof *l);
}

static const opt_spec *call_opts(const cmd_call *c)
{
	return c->form ? c->form->opts : c->entry->opts;
}

static cmd_value *add_pos(cmd_call *c)
{
	c->pos = gg_xrealloc(c->pos, (size_t)(c->npos + 1) * sizeof *c->pos);
	cmd_value *v = &c->pos[c->npos++];
	memset(v, 0, sizeof *v);
	return v;
}

static int looks_like_option(const char *w)
{
	const char *eq = strchr(w, '=');
	return eq && eq != w;
}

/* `set`'s KEY VALUE pairs: each key a row of the settings table, each value in its range. */
static int parse_settings(cmd_call *c, int argc, char **argv, char *err)
{
	if (argc < 2)
		return gg_fail(err, "missing argument");
	if (argc % 2)
		return gg_fail(err, "set takes KEY VALUE pairs; '%s' has no value", argv[argc - 1]);
	if (argc / 2 > 16)
		return gg_fail(err, "at most 16 settings at once");
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *s = argv[i + 1];
		const lab_setting *st = lab_setting_find(k);
		if (!st) {
			char known[256] = "";
			for (int j = 0, len = 0; j < lab_nsettings; j++)
				len += snprintf(known + len, sizeof known - len, "%s%s", j ? " " : "",
						lab_settings[j].name);
			return gg_fail(err, "unknown setting '%s' (known: %s)", k, known);
		}
		cmd_value v = { 0 };
		if (parse_value(c->entry, k, st->integer ? CMD_K_INT : CMD_K_NUM, st->min, st->max, NULL, s,
				&v, err) < 0)
			return -1;
		for (int j = 0; j < i; j += 2)
			if (!strcmp(c->pos[j].word, k)) {
				value_free(&v);
				return gg_fail(err, "'%s' is given twice", k);
			}
		add_pos(c)->word = gg_xstrdup(st->name);
		*add_pos(c) = v;
	}
	return 0;
}

static int parse_opts(cmd_call *c, const opt_spec *o, int argc, char **argv, char *err)
{
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i])
			return gg_fail(err, "expected key=value, got '%s'", argv[i]);
		char key[32];
		snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
		int j = 0;
		while (o && o[j].key && strcmp(o[j].key, key))
			j++;
		if (!o || !o[j].key) {
			char known[256] = "";
			for (int k = 0, len = 0; o && o[k].key && len < (int)sizeof known; k++)
				len += snprintf(known + len, sizeof known - len, "%s%s", k ? " " : "", o[k].key);
			return gg_fail(err, "unknown option '%s' (known: %s)", key, known);
		}
		double lo = o[j].lo, hi = o[j].hi;
		if (o[j].setting) {
			const lab_setting *st = lab_setting_find(o[j].setting);
			lo = st->min;
			hi = st->max;
		}
		cmd_value v = { 0 };
		if (parse_value(c->entry, key, o[j].kind, lo, hi, o[j].values, eq + 1, &v, err) < 0)
			return -1;
		value_free(&c->opt[j]); /* given twice: the last one holds, as it always did */
		c->opt[j] = v;
	}
	return 0;
}

static int parse_args(cmd_call *c, const cmd_arg *a, int argc, char **argv, char *err)
{
	const opt_spec *o = call_opts(c);
	int w = 0;
	for (; a && a->meta; a++) {
		if (a->kind == CMD_K_SETTING) {
			if (parse_settings(c, argc - w, argv + w, err) < 0)
				return -1;
			w = argc;
			continue;
		}
		if (a->kind == CMD_K_COMMAND && a->repeat) { /* at, every: the rest is a command */
			const cmd_entry *ue;
			char e2[GG_ERRLEN];
			if (w >= argc)
				return gg_fail(err, "missing argument");
			/* refused before its words are parsed, so `at 1 at 1 ...` never nests */
			if ((ue = cmd_find(argv[w], e2)) && (ue->flags & CMD_NOSCHED))
				return gg_fail(err, "%s cannot be scheduled (only commands that apply at once)",
					       ue->name);
			c->inner = gg_xcalloc(1, sizeof *c->inner);
			if (cmd_call_make(c->inner, argc - w, argv + w, NULL, &ue, e2) < 0)
				return gg_fail(err, "%s: %s", argv[w], e2);
			if (CMD_FLAGS(c->inner) & CMD_NOSCHED) /* a form of its own (export svg) */
				return gg_fail(err, "%s %s cannot be scheduled (only commands that apply at once)",
					       c->inner->entry->name, c->inner->form->word);
			w = argc;
			continue;
		}
		int first = 1;
		while (w < argc && (first || a->repeat)) {
			if (a->optional && o && looks_like_option(argv[w]))
				break;
			cmd_value v = { 0 };
			int rc;
			if (a->or_word && !strcmp(argv[w], a->or_word)) {
				v.word = gg_xstrdup(a->or_word);
				rc = 0;
			} else {
				rc = parse_value(c->entry, a->meta, a->kind, a->lo, a->hi, a->values, argv[w], &v, err);
			}
			if (rc < 0) {
				if (a->bad) { /* the entry's own words, with the value where it says %s */
					const char *at = strstr(a->bad, "%s");
					gg_fail(err, "%.*s%s%s", (int)(at - a->bad), a->bad, argv[w], at + 2);
				}
				return -1;
			}
			*add_pos(c) = v;
			w++;
			first = 0;
		}
		if (first && !a->optional) {
			if (a->need)
				return gg_fail(err, "%s%s%s needs %s", c->entry->name, c->form ? " " : "",
					       c->form ? c->form->word : "", a->need);
			return gg_fail(err, "missing argument");
		}
		if (first)
			break; /* an optional argument left out: so are the ones after it */
	}
	if (w < argc && !o) {
		for (const cmd_form *f = c->entry->forms; f && f->word; f++)
			if (f->opts && looks_like_option(argv[w])) /* phdim now n=5: the options are on's */
				return gg_fail(err, "options go with '%s %s'", c->entry->name, f->word);
		return gg_fail(err, "too many arguments");
	}
	return parse_opts(c, o, argc - w, argv + w, err);
}

char *cmd_print(const cmd_call *c);

int cmd_call_make(cmd_call *c, int argc, char **argv, const char *where,
		  const cmd_entry **usage_of, char *err)
{
	memset(c, 0, sizeof *c);
	*usage_of = NULL;
	const cmd_entry *e = cmd_find(argv[0], err);
	if (!e)
		return -1;
	*usage_of = e;
	c->entry = e;
	int w = 1;
	if (e->all && w < argc && !strcmp(argv[w], "-a")) {
		c->all = 1;
		w++;
	}
	if (e->forms) {
		if (w == argc && e->form_optional) {
			c->form = &e->forms[0];
		} else if (w == argc) {
			return gg_fail(err, "missing argument");
		} else {
			for (const cmd_form *f = e->forms; f->word && !c->form; f++)
				if (!strcmp(f->word, argv[w]))
					c->form = f;
			if (!c->form) {
				char known[256] = "";
				for (int k = 0, len = 0; e->forms[k].word; k++)
					len += snprintf(known + len, sizeof known - len, "%s%s", k ? " " : "",
							e->forms[k].word);
				gg_fail(err, "unknown %s '%s' (known: %s)", e->noun, argv[w], known);
				memset(c, 0, sizeof *c);
				return -1;
			}
			w++;
		}
	}
	if (parse_args(c, c->form ? c->form->args : e->args, argc - w, argv + w, err) < 0 ||
	    (e->check && e->check(c, err) < 0)) {
		cmd_call_free(c);
		return -1;
	}
	c->text = cmd_print(c);
	snprintf(c->where, sizeof c->where, "%s", where ? where : "");
	return 0;
}

/* ---- comparing ----------------------------------------------------------------------------- */

static int same_value(const cmd_value *a, const cmd_value *b)
{
	if (!a->word != !b->word || (a->word && strcmp(a->word, b->word)) || a->num != b->num ||
	    a->num2 != b->num2 || a->nlist != b->nlist)
		return 0;
	for (int i = 0; i < a->nlist; i++)
		if (a->list[i] != b->list[i])
			return 0;
	return 1;
}

int cmd_call_equal(const cmd_call *a, const cmd_call *b)
{
	if (a->entry != b->entry || a->form != b->form || a->all != b->all || a->npos != b->npos ||
	    !a->inner != !b->inner)
		return 0;
	for (int i = 0; i < a->npos; i++)
		if (!same_value(&a->pos[i], &b->pos[i]))
			return 0;
	for (int i = 0; i < CMD_MAXOPTS; i++)
		if (!same_value(&a->opt[i], &b->opt[i]))
			return 0;
	return !a->inner || cmd_call_equal(a->inner, b->inner);
}

/* ---- printing ------------------------------------------------------------------------------ */

typedef struct {
	char *s;
	size_t n, cap;
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = 2 * (b->n + n + 1);
		b->s = gg_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

/* A word, quoted when it would not tokenize back to itself. */
static void put_word(out_buf *b, const char *a)
{
	if (b->n)
		put(b, " ", 1);
	if (*a && strcspn(a, " \t\r\n;#'\"\\") == strlen(a)) {
		put(b, a, strlen(a));
		return;
	}
	put(b, "\"", 1);
	for (; *a; a++) {
		if (*a == '"' || *a == '\\')
			put(b, "\\", 1);
		put(b, a, 1);
	}
	put(b, "\"", 1);
}

static void put_key(out_buf *b, const char *key, const char *value)
{
	size_t n = strlen(key) + strlen(value) + 2;
	char *kv = gg_xmalloc(n);
	snprintf(kv, n, "%s=%s", key, value);
	put_word(b, kv);
	free(kv);
}

/* The entry's name, -a, the form, the positional values, then the options in the order
 * the entry declares them: the same call always prints the same way. */
char *cmd_print(const cmd_call *c)
{
	out_buf b = { 0 };
	put(&b, "", 0);
	put_word(&b, c->entry->name);
	if (c->all)
		put_word(&b, "-a");
	if (c->form && c->form->word)
		put_word(&b, c->form->word);
	const cmd_arg *a = c->form ? c->form->args : c->entry->args;
	int runstep = a && a->meta && a->kind == CMD_K_RUNSTEP;
	for (int i = 0; i < c->npos; i++) {
		if (runstep) {
			char v[32];
			snprintf(v, sizeof v, "%.0f", c->pos[i].num);
			put_key(&b, c->pos[i].word, v);
		} else {
			put_word(&b, c->pos[i].word);
		}
	}
	if (c->inner) {
		char *in = cmd_print(c->inner);
		put(&b, " ", 1);
		put(&b, in, strlen(in));
		free(in);
	}
	const opt_spec *o = call_opts(c);
	for (int i = 0; o && o[i].key; i++)
		if (c->opt[i].word)
			put_key(&b, o[i].key, c->opt[i].word);
	return b.s;
}

/* ---- numbers ------------------------------------------------------------------------------- */

int cmd_parse_double(const char *key, const char *s, double lo, double hi, double *out, char *err)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno == ERANGE || !isfinite(v))
		return gg_fail(err, "%s: '%s' is not a number", key, s);
	if (v < lo || v > hi)
		return gg_fail(err, "%s=%s is out of range: %s must be between %g and %g", key, s, key,
			       lo, hi);
	*out = v;
	return 0;
}

int cmd_parse_long(const char *key, const char *s, long lo, long hi, long *out, char *err)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno == ERANGE)
		return gg_fail(err, "%s: '%s' is not a whole number", key, s);
	if (v < lo || v > hi)
		return gg_fail(err, "%s=%s is out of range: %s must be between %ld and %ld", key, s, key,
			       lo, hi);
	*out = v;
	return 0;
}
