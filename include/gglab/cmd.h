/* cmd.h — the command language: one table, one tokenizer, one parser.
 *
 * The prompt, scripts (`source`, `-x`, `--batch`), `-c` and `--check` all go through here.
 * A line is tokenized (whitespace-separated words, '…' and "…" quoting with \-escapes in
 * double quotes, `#` comments, `;` between commands), each command name is resolved by
 * exact name, alias or unique prefix, and the arguments are validated by running the
 * command's exec function in check mode (ctx->lab == NULL), which parses and range-checks
 * everything that does not depend on the lab's state. Only a fully valid script runs.
 *
 * Commands flagged CMD_UI act on the screen (and are accepted but ignored in batch mode);
 * all others run on the trainer thread, which is the only place lab state changes. Those
 * flagged CMD_JOURNAL change the lab and are journaled with the step they took effect at. */
#ifndef GGLAB_CMD_H
#define GGLAB_CMD_H

#include <stddef.h>

#include "gglab/util.h"

struct lab;
struct ui;

enum {
	CMD_JOURNAL = 1 << 0, /* changes the lab: journaled, replayed */
	CMD_UI = 1 << 1,      /* executes on the UI thread (screen commands, quit) */
	CMD_WAIT = 1 << 2,    /* in a script, the next command waits until training stops */
};

typedef struct {
	struct lab *lab; /* trainer thread: the lab to change; NULL in check mode */
	struct ui *ui;   /* UI thread: the screen; NULL in batch or check mode */
	int script;      /* 1 when the command comes from a script rather than the prompt */
} cmd_ctx;

/* Parses argv[1..argc) (argv[0] is the command as typed); in check mode (no lab, no ui)
 * only validates. Returns 0, or -1 with a message in err (the caller adds file:line and
 * usage). */
typedef int (*cmd_exec_fn)(cmd_ctx *ctx, int argc, char **argv, char *err);

typedef struct {
	const char *name;
	const char *alias;  /* NULL or a short form that always wins (e.g. "q") */
	const char *usage;  /* arguments only, e.g. "KEY VALUE [KEY VALUE ...]" */
	const char *help;   /* one line */
	int min_args, max_args; /* after the name; max -1 = unlimited */
	unsigned flags;
	cmd_exec_fn exec;
	const char *args;   /* completion hints: space-separated words, or a class in <…> */
} cmd_entry;

extern const cmd_entry cmd_table[];
extern const int cmd_count;

/* Exact name, alias, or unique prefix. NULL with "unknown command 'x' (try 'help')" or
 * "ambiguous command 'e': could be eval, export" in err. */
const cmd_entry *cmd_find(const char *name, char *err);

/* One parsed command, ready to run. */
typedef struct {
	const cmd_entry *entry;
	int argc;
	char **argv;
	char where[272]; /* "file:line" or "" for the prompt / -c */
	char *text;      /* the command as a canonical line (for the journal and messages) */
} cmd_call;

typedef struct {
	int n, cap;
	cmd_call *calls;
} cmd_list;

void cmd_list_free(cmd_list *l);
/* Resolves words into a call: finds the command, checks the argument count and validates
 * in check mode; the words are copied. -1 with a message (without file:line) on error;
 * *usage_of then names the entry whose usage applies, or NULL. */
int cmd_call_make(cmd_call *c, int argc, char **argv, const char *where,
		  const cmd_entry **usage_of, char *err);
void cmd_call_copy(cmd_call *dst, const cmd_call *src);
void cmd_call_free(cmd_call *c);

/* Where parse errors go: each is one line "file:line: message" plus a "usage:" line. */
typedef void (*cmd_error_fn)(void *arg, const char *msg);

/* The words of one command, and the commands of one line. */
typedef struct {
	int argc;
	char **argv;
} cmd_words;
typedef struct {
	int n;
	cmd_words *cmds;
} cmd_tokens;

/* Splits a line into commands and words. Returns -1 with a message on an unterminated
 * quote or a trailing backslash. Free with cmd_tokens_free. */
int cmd_tokenize(const char *line, cmd_tokens *out, char *err);
void cmd_tokens_free(cmd_tokens *t);

/* Parses one line (which may hold several commands) and appends to out. `where` is the
 * "file:line" prefix or NULL. Returns the number of errors reported. `source` is expanded
 * here, so a whole tree of scripts is parsed before anything runs. */
int cmd_parse_line(const char *line, const char *where, cmd_list *out, cmd_error_fn report,
		   void *arg);
/* Parses a whole file ("-" reads standard input); an empty file (nothing but blanks and comments) is an error. */
int cmd_parse_file(const char *path, cmd_list *out, cmd_error_fn report, void *arg);

/* Executes one call in the given context; on error formats "where: msg" into err. */
int cmd_exec(cmd_ctx *ctx, const cmd_call *call, char *err);

/* Help: the whole table (name, usage, help) or one command. */
void cmd_help_text(const char *name, char *buf, size_t len);

/* Numeric argument parsing with range checks; messages say what was expected. */
int cmd_parse_double(const char *key, const char *s, double lo, double hi, double *out, char *err);
int cmd_parse_long(const char *key, const char *s, long lo, long hi, long *out, char *err);

#endif
