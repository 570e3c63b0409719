/* parse.c — resolving command names, validating whole lines and files before anything
 * runs, and the shared helpers for numeric arguments and help text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"

#define SOURCE_DEPTH_MAX 8

const cmd_entry *cmd_find(const char *name, char *err)
{
	const cmd_entry *hit = NULL;
	int nhits = 0;
	size_t len = strlen(name);
	for (int i = 0; i < cmd_count; i++) {
		const cmd_entry *e = &cmd_table[i];
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
		if (strncmp(cmd_table[i].name, name, len) == 0)
			n += snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", cmd_table[i].name);
	gg_fail(err, "ambiguous command '%s': could be %s", name, list);
	return NULL;
}

void cmd_call_free(cmd_call *c)
{
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->text);
	memset(c, 0, sizeof *c);
}

void cmd_call_copy(cmd_call *dst, const cmd_call *src)
{
	*dst = *src;
	dst->argv = gg_xmalloc((size_t)(src->argc + 1) * sizeof *dst->argv);
	for (int i = 0; i < src->argc; i++)
		dst->argv[i] = gg_xstrdup(src->argv[i]);
	dst->argv[src->argc] = NULL;
	dst->text = gg_xstrdup(src->text);
}

void cmd_list_free(cmd_list *l)
{
	for (int i = 0; i < l->n; i++)
		cmd_call_free(&l->calls[i]);
	free(l->calls);
	memset(l, 0, sizeof *l);
}

static cmd_call *list_add(cmd_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->calls = gg_xrealloc(l->calls, (size_t)l->cap * sizeof *l->calls);
	}
	cmd_call *c = &l->calls[l->n++];
	memset(c, 0, sizeof *c);
	return c;
}

/* The command as one line that tokenizes back to the same words. */
static char *canonical(int argc, char **argv)
{
	size_t cap = 16;
	for (int i = 0; i < argc; i++)
		cap += 2 * strlen(argv[i]) + 3;
	char *s = gg_xmalloc(cap), *p = s;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int plain = *a != 0 && strcspn(a, " \t\r\n;#'\"\\") == strlen(a);
		if (i)
			*p++ = ' ';
		if (plain) {
			p += sprintf(p, "%s", a);
			continue;
		}
		*p++ = '"';
		for (; *a; a++) {
			if (*a == '"' || *a == '\\')
				*p++ = '\\';
			*p++ = *a;
		}
		*p++ = '"';
	}
	*p = 0;
	return s;
}

int cmd_call_make(cmd_call *c, int argc, char **argv, const char *where,
		  const cmd_entry **usage_of, char *err)
{
	memset(c, 0, sizeof *c);
	*usage_of = NULL;
	const cmd_entry *e = cmd_find(argv[0], err);
	if (!e)
		return -1;
	*usage_of = e;
	int nargs = argc - 1;
	if (nargs < e->min_args || (e->max_args >= 0 && nargs > e->max_args))
		return gg_fail(err, nargs < e->min_args ? "missing argument" : "too many arguments");
	cmd_ctx check = { 0 };
	if (e->exec(&check, argc, argv, err) < 0)
		return -1;
	c->entry = e;
	c->argc = argc;
	c->argv = gg_xmalloc((size_t)(argc + 1) * sizeof *c->argv);
	for (int i = 0; i < argc; i++)
		c->argv[i] = gg_xstrdup(argv[i]);
	c->argv[argc] = NULL;
	c->text = canonical(argc, argv);
	snprintf(c->where, sizeof c->where, "%s", where ? where : "");
	return 0;
}

static void report_error(cmd_error_fn report, void *arg, const char *where,
			 const cmd_entry *e, const char *msg)
{
	char buf[GG_ERRLEN * 2];
	int n = snprintf(buf, sizeof buf, "%s%s%s", where && *where ? where : "",
			 where && *where ? ": " : "", msg);
	if (e && n < (int)sizeof buf)
		snprintf(buf + n, sizeof buf - n, "\nusage: %s%s%s", e->name, *e->usage ? " " : "",
			 e->usage);
	report(arg, buf);
}

static int parse_file_depth(const char *path, const char *from, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth);

static int parse_line_depth(const char *line, const char *where, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth)
{
	char err[GG_ERRLEN];
	cmd_tokens t;
	if (cmd_tokenize(line, &t, err) < 0) {
		report_error(report, arg, where, NULL, err);
		return 1;
	}
	int nerr = 0;
	for (int i = 0; i < t.n; i++) {
		cmd_words *w = &t.cmds[i];
		const cmd_entry *e = NULL;
		const cmd_entry *src = cmd_find(w->argv[0], err);
		if (src && strcmp(src->name, "source") == 0) {
			cmd_ctx check = { 0 };
			if (w->argc != 2 || src->exec(&check, w->argc, w->argv, err) < 0) {
				report_error(report, arg, where, src, w->argc != 2 ? "source takes one file" : err);
				nerr++;
			} else if (depth >= SOURCE_DEPTH_MAX) {
				snprintf(err, sizeof err, "source nested deeper than %d files", SOURCE_DEPTH_MAX);
				report_error(report, arg, where, NULL, err);
				nerr++;
			} else {
				/* Expanded now, so a tree of scripts is checked before any of it runs. */
				nerr += parse_file_depth(w->argv[1], where, out, report, arg, depth + 1);
			}
			continue;
		}
		cmd_call c;
		if (cmd_call_make(&c, w->argc, w->argv, where, &e, err) < 0) {
			report_error(report, arg, where, e, err);
			nerr++;
			continue;
		}
		*list_add(out) = c;
	}
	cmd_tokens_free(&t);
	return nerr;
}

int cmd_parse_line(const char *line, const char *where, cmd_list *out, cmd_error_fn report,
		   void *arg)
{
	return parse_line_depth(line, where, out, report, arg, 0);
}

/* `from` is the "file:line" of the `source` that named this file, or NULL. */
static int parse_file_depth(const char *path, const char *from, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth)
{
	char err[GG_ERRLEN];
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (is_stdin)
		path = "<stdin>";
	if (!f) {
		snprintf(err, sizeof err, "%s%s%s: cannot read the script: %s", from ? from : "",
			 from ? ": " : "", path, strerror(errno));
		report(arg, err);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, nerr = 0, before = out->n;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		char where[272];
		lineno++;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if ((size_t)got != strlen(line)) {
			snprintf(err, sizeof err, "%s: a NUL byte in the line (is this a text file?)", where);
			report(arg, err);
			nerr++;
			break;
		}
		nerr += parse_line_depth(line, where, out, report, arg, depth);
	}
	int rerr = ferror(f);
	free(line);
	if (!is_stdin)
		fclose(f);
	if (rerr) {
		snprintf(err, sizeof err, "%s: read error", path);
		report(arg, err);
		nerr++;
	} else if (nerr == 0 && out->n == before) {
		snprintf(err, sizeof err, "%s: the script is empty (no commands, only blanks or comments)",
			 path);
		report(arg, err);
		nerr++;
	}
	return nerr;
}

int cmd_parse_file(const char *path, cmd_list *out, cmd_error_fn report, void *arg)
{
	return parse_file_depth(path, NULL, out, report, arg, 0);
}

int cmd_exec(cmd_ctx *ctx, const cmd_call *call, char *err)
{
	char e[GG_ERRLEN];
	if (call->entry->exec(ctx, call->argc, call->argv, e) == 0)
		return 0;
	return gg_fail(err, "%s%s%s", call->where, *call->where ? ": " : "", e);
}

void cmd_help_text(const char *name, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < cmd_count && n < len; i++) {
		const cmd_entry *e = &cmd_table[i];
		if (name && strcmp(e->name, name) != 0)
			continue;
		char head[128];
		snprintf(head, sizeof head, "%s%s%s", e->name, *e->usage ? " " : "", e->usage);
		if (name)
			n += snprintf(buf + n, len - n, "usage: %s\n  %s%s%s\n", head, e->help,
				      e->alias ? "\n  alias: " : "", e->alias ? e->alias : "");
		else
			n += snprintf(buf + n, len - n, "  %-44s %s\n", head, e->help);
	}
}

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
