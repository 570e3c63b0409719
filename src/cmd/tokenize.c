/* tokenize.c — the one tokenizer: words, quotes, comments and `;`.
 *
 * Outside quotes: whitespace separates words, `;` ends a command (also when glued to a
 * word: "train 100;pause"), `#` at the start of a word starts a comment that runs to the
 * end of the line, and a backslash takes the next character literally. '…' is literal;
 * "…" allows \" and \\. An empty pair of quotes is an empty word. */
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"

typedef struct {
	char *buf;
	size_t len, cap;
} strbuf;

static void sb_put(strbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->cap = b->cap ? 2 * b->cap : 32;
		b->buf = gg_xrealloc(b->buf, b->cap);
	}
	b->buf[b->len++] = c;
	b->buf[b->len] = 0;
}

static void add_word(cmd_tokens *t, strbuf *w)
{
	cmd_words *c = &t->cmds[t->n - 1];
	c->argv = gg_xrealloc(c->argv, (size_t)(c->argc + 2) * sizeof *c->argv);
	c->argv[c->argc++] = w->buf ? w->buf : gg_xstrdup("");
	c->argv[c->argc] = NULL;
	memset(w, 0, sizeof *w);
}

static void add_cmd(cmd_tokens *t)
{
	if (t->n && t->cmds[t->n - 1].argc == 0)
		return; /* reuse an empty slot: ";;" and leading ";" make no empty commands */
	t->cmds = gg_xrealloc(t->cmds, (size_t)(t->n + 1) * sizeof *t->cmds);
	memset(&t->cmds[t->n++], 0, sizeof *t->cmds);
}

int cmd_tokenize(const char *line, cmd_tokens *out, char *err)
{
	memset(out, 0, sizeof *out);
	add_cmd(out);
	strbuf w = { 0 };
	int inword = 0;
	const char *p = line;
	for (; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (inword)
				add_word(out, &w);
			inword = 0;
		} else if (c == ';') {
			if (inword)
				add_word(out, &w);
			inword = 0;
			add_cmd(out);
		} else if (c == '#' && !inword) {
			break;
		} else if (c == '\\') {
			if (!p[1]) {
				free(w.buf);
				cmd_tokens_free(out);
				return gg_fail(err, "trailing backslash at the end of the line");
			}
			sb_put(&w, *++p);
			inword = 1;
		} else if (c == '\'' || c == '"') {
			const char *start = p++;
			for (; *p && *p != c; p++) {
				if (c == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				sb_put(&w, *p);
			}
			if (!*p) {
				free(w.buf);
				cmd_tokens_free(out);
				return gg_fail(err, "unterminated %s quote starting at column %d",
					       c == '"' ? "double" : "single", (int)(start - line) + 1);
			}
			if (!w.buf)
				w.buf = gg_xstrdup(""), w.cap = 1;
			inword = 1;
		} else {
			sb_put(&w, c);
			inword = 1;
		}
	}
	if (inword)
		add_word(out, &w);
	if (out->n && out->cmds[out->n - 1].argc == 0)
		out->n--; /* drop the trailing empty command (its argv is NULL) */
	return 0;
}

void cmd_tokens_free(cmd_tokens *t)
{
	for (int i = 0; i < t->n; i++) {
		for (int j = 0; j < t->cmds[i].argc; j++)
			free(t->cmds[i].argv[j]);
		free(t->cmds[i].argv);
	}
	/* a dropped trailing slot was never given an argv, so there is nothing else to free */
	free(t->cmds);
	memset(t, 0, sizeof *t);
}
