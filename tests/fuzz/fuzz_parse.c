/* fuzz_parse.c — feeds arbitrary bytes to the command language: the tokenizer, the parser
 * (every entry's declaration, values, options, at/every) and completion.
 *
 * The property: every call parsed from the input prints (cmd_print) as its own canonical
 * text, and that text parses back to one call equal to it (cmd_call_equal) with the same
 * text; a copy is equal too. Every error is reported with the input's file:line. Crashes,
 * leaks and undefined behaviour are found by the sanitizers.
 *
 * The input is split at newlines into script lines (each parsed as "fuzz:N"), as a script
 * would be. A line in which any command names `source` (by any prefix or quoting) is skipped:
 * expanding it would read files from the fuzzing machine (or block on "source -").
 *
 * With libFuzzer: `make fuzz FUZZ_TARGETS=parse` (tests/fuzz/fuzz.mk; inputs cut at 256 bytes).
 * Without it (make check builds it so), a driver runs each file named on the command line
 * through the same entry point: to replay a crash, or to check the seed corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/ui.h"
#include "gglab/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *where_now; /* "fuzz:N" of the line being parsed */

static void on_error(void *arg, const char *msg)
{
	(void)arg;
	size_t n = strlen(where_now);
	if (strncmp(msg, where_now, n) != 0 || strncmp(msg + n, ": ", 2) != 0 || !msg[n + 2]) {
		fprintf(stderr, "an error without its line %s: [%s]\n", where_now, msg);
		abort();
	}
}

static void on_error_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Whether a command of the line is `source` (then parsing it would read files; `at 5
 * source x` is refused before it is expanded). */
static int names_source(const char *line)
{
	char err[GG_ERRLEN];
	cmd_tokens t;
	if (cmd_tokenize(line, &t, err) < 0)
		return 0;
	int found = 0;
	for (int i = 0; i < t.n && !found; i++) {
		const cmd_entry *e = cmd_find(t.cmds[i].argv[0], err);
		found = e && (e->flags & CMD_SOURCE);
	}
	cmd_tokens_free(&t);
	return found;
}

static void check_line(const char *line, const char *where)
{
	if (names_source(line))
		return;
	where_now = where;
	cmd_list l = { 0 };
	cmd_parse_line(line, where, &l, on_error, NULL);
	for (int i = 0; i < l.n; i++) {
		const cmd_call *c = &l.calls[i];
		char *text = cmd_print(c);
		if (!c->text || strcmp(text, c->text) != 0) {
			fprintf(stderr, "cmd_print differs from the call's text: [%s] vs [%s]\n", text,
				c->text ? c->text : "(null)");
			abort();
		}
		cmd_list again = { 0 };
		int nerr = cmd_parse_line(text, NULL, &again, on_error_quiet, NULL);
		if (nerr != 0 || again.n != 1 || !cmd_call_equal(c, &again.calls[0]) ||
		    strcmp(again.calls[0].text, text) != 0) {
			fprintf(stderr, "[%s] parsed to [%s], which parses to %d call(s), %d error(s)%s\n",
				line, text, again.n, nerr,
				again.n == 1 ? (cmd_call_equal(c, &again.calls[0]) ? ", another text"
										    : ", another call")
					     : "");
			abort();
		}
		cmd_call copy;
		cmd_call_copy(&copy, c);
		if (!cmd_call_equal(&copy, c))
			abort();
		cmd_call_free(&copy);
		cmd_list_free(&again);
		free(text);
	}
	cmd_list_free(&l);

	/* completion of the word at the end of the line: each candidate continues that word */
	size_t end = strlen(line), start = end;
	int file;
	while (start > 0 && !strchr(" \t=;", line[start - 1])) /* as readline breaks words */
		start--;
	char **cands = cmd_complete(line, (int)start, (int)end, NULL, &file);
	for (int i = 0; cands && cands[i]; i++)
		if (strncmp(cands[i], line + start, end - start) != 0) {
			fprintf(stderr, "completion '%s' does not begin with '%.*s'\n", cands[i],
				(int)(end - start), line + start);
			abort();
		}
	cmd_complete_free(cands);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ui_commands_register(); /* the screen's commands parse too */
	char *text = gg_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	int lineno = 0;
	for (char *p = text, *next; p; p = next) {
		next = strchr(p, '\n');
		if (next)
			*next++ = 0;
		char where[32];
		snprintf(where, sizeof where, "fuzz:%d", ++lineno);
		check_line(p, where); /* a NUL byte ends the line early, as it would for C */
	}
	free(text);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size_t cap = 1 << 16, n = 0;
		uint8_t *buf = gg_xmalloc(cap);
		size_t r;
		while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
			n += r;
			if (n == cap)
				buf = gg_xrealloc(buf, cap *= 2);
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		printf("%s: ok (%zu bytes)\n", argv[i], n);
	}
	return 0;
}
#endif
