/* test_man.c — the man page against the real tables: every command of the command table
 * (src/cmd) has an entry in COMMANDS or THE SCREEN, and that command's entries name every
 * subcommand word and every option (key=) of every form; every key of the screen's key
 * table (src/ui/prompt.c, through ui_key_help) is in "Keys". (The settings table is
 * compared with SETTINGS by test_state.) The page is read as text: font escapes dropped,
 * macro arguments joined as groff would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/util.h"
#include "test.h"
#include "tui.h"

#define MAXLINES 4000

typedef struct {
	char *text; /* the line as it reads, escapes dropped */
	int macro;  /* 'T' for .TP, 'S' for .SH/.SS, 0 for text */
	char sect[64];
} man_line;

static man_line lines[MAXLINES];
static int nlines;

/* A macro line's arguments as groff prints them: .B/.I join with blanks, .BR/.BI/.IR/.RB …
 * alternate fonts without blanks; quotes group. Escapes: \f? \f(?? dropped, \- and \e read. */
static char *clean(const char *line)
{
	int alternate = 0;
	const char *p = line;
	if (*p == '.') {
		const char *m = p + 1;
		while (*p && *p != ' ')
			p++;
		alternate = (p - m) == 2 && strchr("BIR", m[0]) && strchr("BIR", m[1]);
	}
	char *out = gg_xcalloc(1, strlen(line) + 1);
	size_t n = 0;
	int quoted = 0;
	for (; *p && *p != '\n'; p++) {
		if (*p == '\\') {
			p++;
			if (*p == 'f')
				p += p[1] == '(' ? 3 : 1;
			else if (*p == '(')
				p += 2; /* a named glyph: left out */
			else if (*p == '-' || *p == 'e')
				out[n++] = *p == 'e' ? '\\' : '-';
			else if (*p == '&' || *p == 'u' || *p == 'd' || *p == '/' || *p == ',')
				;
			else if (*p)
				out[n++] = *p;
			if (!*p)
				break;
			continue;
		}
		if (line[0] == '.' && *p == '"') {
			quoted = !quoted;
			continue;
		}
		if (line[0] == '.' && *p == ' ' && !quoted) {
			if (!alternate && n)
				out[n++] = ' ';
			continue;
		}
		out[n++] = *p;
	}
	out[n] = 0;
	return out;
}

static int load(void)
{
	char path[4096], buf[2048], sect[64] = "";
	snprintf(path, sizeof path, "%s/man/gglab.1.in", GGLAB_SRCDIR);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "open %s", path);
	if (!f)
		return -1;
	while (fgets(buf, sizeof buf, f) && nlines < MAXLINES) {
		man_line *l = &lines[nlines++];
		l->macro = !strncmp(buf, ".TP", 3) ? 'T' : !strncmp(buf, ".SH ", 4) || !strncmp(buf, ".SS ", 4) ? 'S' : 0;
		if (!strncmp(buf, ".SH ", 4)) {
			snprintf(sect, sizeof sect, "%.63s", buf + 4);
			sect[strcspn(sect, "\n")] = 0;
		}
		snprintf(l->sect, sizeof l->sect, "%s", sect);
		l->text = clean(buf);
	}
	fclose(f);
	return 0;
}

/* The text of every entry (.TP, its head line and its paragraph) whose head begins with
 * the word name, in sections COMMANDS and THE SCREEN; NULL if there is none. */
static char *entries_of(const char *name)
{
	gg_buf b = { 0 };
	size_t nl = strlen(name);
	for (int i = 0; i + 1 < nlines; i++) {
		if (lines[i].macro != 'T' || (strcmp(lines[i].sect, "COMMANDS") && strcmp(lines[i].sect, "THE SCREEN")))
			continue;
		const char *head = lines[i + 1].text;
		if (strncmp(head, name, nl) || (head[nl] && !strchr(" [,", head[nl])))
			continue;
		for (int j = i + 1; j < nlines && !lines[j].macro; j++) {
			gg_buf_put(&b, lines[j].text, strlen(lines[j].text));
			gg_buf_put(&b, " ", 1);
		}
	}
	if (!b.n)
		return NULL;
	gg_buf_put(&b, "", 1);
	return (char *)b.p;
}

/* word, after a blank, '|' or '[' (a form word in "opt sgd|adamw", "phdim [now]") */
static int has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
		if (p > text && strchr(" |[", p[-1]) && !(p[n] >= 'a' && p[n] <= 'z'))
			return 1;
	return 0;
}

static void check_opts(const char *name, const char *text, const opt_spec *o)
{
	for (; o && o->key; o++) {
		char want[80];
		snprintf(want, sizeof want, "%s=", o->key);
		CHECK(strstr(text, want) != NULL, "the man page's entry for %s names no %s", name, want);
	}
}

static void test_commands(void)
{
	for (int i = 0; i < cmd_count; i++) {
		const cmd_entry *e = cmd_table[i];
		char *text = entries_of(e->name);
		CHECK(text != NULL, "the command %s has no entry in the man page", e->name);
		if (!text)
			continue;
		check_opts(e->name, text, e->opts);
		for (const cmd_form *f = e->forms; f && (f->word || f->args || f->opts); f++) {
			if (f->word)
				CHECK(has_word(text, f->word), "the man page's %s names no %s", e->name, f->word);
			check_opts(e->name, text, f->opts);
		}
		free(text);
	}
}

/* "Shift-PgUp/PgDn" is Shift-PgUp and Shift-PgDn. */
static void test_keys(void)
{
	gg_buf b = { 0 };
	for (int i = 0; i < nlines; i++)
		if (!strcmp(lines[i].sect, "THE SCREEN")) {
			gg_buf_put(&b, lines[i].text, strlen(lines[i].text));
			gg_buf_put(&b, " ", 1);
		}
	gg_buf_put(&b, "", 1);
	const char *keys = strstr((char *)b.p, "Keys");
	CHECK(keys != NULL, "THE SCREEN has a Keys subsection");
	char label[64], what[256];
	int n = 0;
	for (int i = 0; keys && ui_key_help(i, label, sizeof label, what, sizeof what) == 0; i++) {
		if (strchr(label, ' ')) /* "other keys": prose */
			continue;
		char *slash = strchr(label, '/'), *dash = strrchr(label, '-');
		char one[128];
		if (slash)
			*slash = 0;
		CHECK(strstr(keys, label) != NULL, "the key %s is not in the man page's Keys", label);
		if (slash) {
			int pre = dash && dash < slash ? (int)(dash - label) + 1 : 0;
			snprintf(one, sizeof one, "%.*s%s", pre, label, slash + 1);
			CHECK(strstr(keys, one) != NULL, "the key %s is not in the man page's Keys", one);
		}
		n++;
	}
	CHECK(n >= 10, "the key table has its keys (%d)", n);
	/* the function-key bar, as the table makes it, is in THE SCREEN word for word */
	char bar[256] = "";
	const char *key, *word;
	size_t len = 0;
	for (int i = 0; ui_key_bar(i, &key, &word) == 0 && len < sizeof bar; i++)
		len += (size_t)snprintf(bar + len, sizeof bar - len, "%s%s%s", i ? " " : "", key, word);
	CHECK(len > 20, "the key table has a bar (%s)", bar);
	CHECK(strstr((char *)b.p, bar) != NULL, "THE SCREEN does not show the bar '%s'", bar);
	gg_buf_free(&b);
}

int main(void)
{
	ui_commands_register(); /* the screen's commands are in the table, as in gglab */
	if (load() < 0)
		return test_report();
	test_commands();
	test_keys();
	for (int i = 0; i < nlines; i++)
		free(lines[i].text);
	return test_report();
}
