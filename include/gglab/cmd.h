/* cmd.h — the command language: one table, one tokenizer, one parser.
 *
 * The prompt, scripts (`source`, `-x`, `--batch`), `-c` and `--check` all go through here.
 * A line is tokenized (whitespace-separated words, '…' and "…" quoting with \-escapes in
 * double quotes, `#` comments, `;` between commands), each command name is resolved by
 * exact name, alias or unique prefix, and its words are parsed once, against the entry's
 * declaration (its forms, positional arguments and key=value options), into a call that
 * holds typed values. Check mode is that parse; an exec reads the call and never the words.
 * Usage text, `help CMD` and completion are generated from the same declaration.
 *
 * Commands flagged CMD_UI act on the screen (in batch mode only the CMD_BATCH ones act:
 * help prints); all others run on the trainer thread, which is the only place lab state
 * changes. Those flagged CMD_JOURNAL change the lab and are journaled, in canonical form,
 * with the step they took effect at. */
#ifndef GGLAB_CMD_H
#define GGLAB_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "gglab/util.h"

struct lab;
struct ui;

/* What the rest of the program decides about a command, as flags of its entry. */
enum {
	CMD_JOURNAL = 1 << 0,  /* changes the lab: journaled, replayed */
	CMD_UI = 1 << 1,       /* executes on the UI thread (screen commands, quit) */
	CMD_WAIT = 1 << 2,     /* in a script, the next command waits until training stops */
	CMD_NOSCHED = 1 << 3,  /* may not be given to `at` / `every` */
	CMD_TAKEOVER = 1 << 5, /* typed at the prompt while a script runs: the script stops */
	CMD_SYNC = 1 << 6,     /* a journal's hold: the trainer waits until the runs reach it */
	CMD_QUIT = 1 << 7,     /* in a script: ends the script and the session */
	CMD_SOURCE = 1 << 8,   /* expanded by the parser into the file's commands */
	CMD_BATCH = 1 << 9,    /* a screen command that also acts in batch mode (help prints) */
	CMD_VIEW = 1 << 10,    /* a screen command that changes what the figures picture: in
				* batch mode it changes the view export svg and report draw */
};

/* The kind of a key=value option's value, or of a positional word. */
typedef enum {
	CMD_K_WORD,    /* any word */
	CMD_K_INT,     /* a whole number in [lo, hi] */
	CMD_K_NUM,     /* a number in [lo, hi] */
	CMD_K_ONOFF,   /* on|off (1 yes / 0 no): num 1 or 0 */
	CMD_K_ENUM,    /* one of `values`: num is its index */
	CMD_K_RUN,     /* a run name */
	CMD_K_FILE,    /* a file name (not empty) */
	CMD_K_DATA,    /* a data set name */
	CMD_K_SIZE,    /* WIDTHxDEPTH: num width, num2 depth */
	CMD_K_SETTING, /* KEY VALUE pairs of the settings table (the rest of the words) */
	CMD_K_COMMAND, /* a command name (help), or a whole command (at, every: the rest) */
	CMD_K_SERIES,  /* a series name */
	CMD_K_RUNSTEP, /* RUN=STEP: word the run, num the step */
	CMD_K_LIST,    /* increasing numbers in [lo, hi], comma-separated: list, nlist */
	CMD_K_INTS,    /* whole numbers in [lo, hi], comma-separated, in any order: list, nlist */
} cmd_kind;

/* An enum's values are space-separated words; after a '|', hidden aliases as alias=word
 * ("loss err|error=err"). */
typedef struct {
	const char *key;
	cmd_kind kind;
	double lo, hi;
	const char *values;  /* CMD_K_ENUM */
	const char *meta;    /* the value in usage text ("N"); enums show their values */
	const char *setting; /* range from this row of the settings table instead of lo, hi */
} opt_spec;

typedef struct {
	const char *meta;    /* usage and messages: "N", "PATH"; the name in "X must be …" */
	cmd_kind kind;
	double lo, hi;
	const char *values;  /* CMD_K_ENUM */
	int optional;        /* may be left out (then so may every one after it) */
	int repeat;          /* takes every remaining positional word (at least one) */
	const char *need;    /* when missing: "CMD needs <need>"; NULL: "missing argument" */
	const char *or_word; /* a word accepted instead of a number ("all"): num 0 */
	const char *bad;     /* the message (with %s for the word) when the value is refused */
} cmd_arg;

/* One form of a command: `model mlp …` and `model nais …` take different arguments.
 * Written with designated initializers (.word = …), so a field added here breaks none. */
typedef struct {
	const char *word;     /* the subcommand; NULL: the command's only form */
	const cmd_arg *args;  /* terminated by a { 0 } row (meta NULL), or NULL */
	const opt_spec *opts; /* terminated by a { 0 } row (key NULL), or NULL */
	int readonly;         /* this form changes nothing: not journaled though the entry is */
	unsigned flags;       /* added to the entry's for this form (CMD_UI: `run hide` and
			       * `export svg` act on the screen although `run` and `export` are
			       * the lab's); see CMD_FLAGS */
} cmd_form;

/* One typed value of a call: the word (canonical for enums and commands) and its number. */
typedef struct {
	char *word;
	double num, num2;
	double *list; /* CMD_K_LIST */
	int nlist;
} cmd_value;

#define CMD_MAXLIST 16

#define CMD_MAXOPTS 12

typedef struct cmd_call cmd_call;
typedef struct cmd_entry cmd_entry;

/* The panels a figure can show, in the screen's order (src/ui: UI_P_*, and the views'
 * names): export svg's PANEL. */
#define CMD_PANELS "loss gap dist inst boundary"

struct cmd_ctx;
/* What the file commands that picture the screen's panels (export svg, report) need of the
 * layer above: the screen or the batch printer, which carry those out on their own thread,
 * give these in cmd_ctx (after lab_cmd_ops: this layer calls nothing above it). panel is
 * an index into CMD_PANELS, or -1: the current view's. */
typedef struct {
	int (*svg)(struct cmd_ctx *ctx, const char *path, int panel, char *err);
	int (*report)(struct cmd_ctx *ctx, const char *path, char *err);
} cmd_figure_ops;

typedef struct cmd_ctx {
	struct lab *lab; /* trainer thread: the lab to change; batch mode: the lab pictured */
	struct ui *ui;   /* UI thread: the screen; NULL in batch mode */
	FILE *out;       /* batch mode: where a CMD_BATCH command prints */
	int script;      /* 1 when the command comes from a script rather than the prompt */
	/* UI thread: what the screen's forms of this layer's commands call (`run hide NAME`,
	 * `run show NAME`), given by the screen, which this layer cannot call; NULL elsewhere */
	int (*run_shown)(struct ui *u, const char *name, int shown, char *err);
	const cmd_figure_ops *figures; /* UI thread and batch mode: export svg, report */
	struct ui *view; /* batch mode: the view the figures picture (ui_view_new); NULL: the
			  * screen's when there is one, else the screen's defaults */
} cmd_ctx;

/* Carries out a parsed call. Returns 0, or -1 with a message in err. */
typedef int (*cmd_exec_fn)(cmd_ctx *ctx, const cmd_call *c, char *err);
/* Checks what the declaration cannot say (to= after from=, steps whole); -1 with a message. */
typedef int (*cmd_check_fn)(const cmd_call *c, char *err);

struct cmd_entry {
	const char *name;
	const char *alias;   /* NULL or a short form that always wins (e.g. "q") */
	const char *help;    /* one line */
	unsigned flags;
	int all;             /* takes a leading -a (every run) */
	const cmd_form *forms; /* terminated by { 0 }: the first word picks one (see noun) */
	const char *noun;    /* what that first word is: "unknown <noun> 'x' (known: …)" */
	int form_optional;   /* no first word at all is allowed (then forms[0] without its word) */
	const cmd_arg *args; /* the only form, when forms is NULL */
	const opt_spec *opts;
	cmd_check_fn check;
	cmd_exec_fn exec;
};

/* A call's flags: its entry's and its form's. */
#define CMD_FLAGS(c) ((c)->entry->flags | ((c)->form ? (c)->form->flags : 0u))
/* Whether a call is journaled: its entry changes the lab and its form is not read-only. */
#define CMD_JOURNALED(c) (((c)->entry->flags & CMD_JOURNAL) && !((c)->form && (c)->form->readonly))

/* The table: every entry, in the order help lists them: the command layer's own, then the
 * families added with cmd_table_add. Filled before any parse (main, or a test's start) and
 * read-only after that. */
extern const cmd_entry *cmd_table[];
extern int cmd_count;
/* Appends a family of entries (one already in the table is not added again). */
void cmd_table_add(const cmd_entry *const *entries, int n);

/* Exact name, alias, or unique prefix. NULL with "unknown command 'x' (try 'help')" or
 * "ambiguous command 'e': could be eval, export" in err. */
const cmd_entry *cmd_find(const char *name, char *err);

/* One parsed command, ready to run. */
struct cmd_call {
	const cmd_entry *entry;
	const cmd_form *form; /* the form chosen (entry->forms), or NULL */
	int all;              /* -a was given */
	int npos;
	cmd_value *pos;                /* the positional values, in order */
	cmd_value opt[CMD_MAXOPTS];    /* by the index of the opt_spec; word NULL: not given */
	cmd_call *inner;      /* at, every: the command to schedule */
	char where[272];      /* "file:line" or "" for the prompt / -c */
	int viewer;           /* typed by the attached viewer N (src/remote); 0: here */
	char *text;           /* the canonical line (full name, canonical option order) */
};

typedef struct {
	int n, cap;
	cmd_call *calls;
} cmd_list;

void cmd_list_free(cmd_list *l);
/* Parses words (argv[0] the command as typed) into a call. -1 with a message (without
 * file:line) on error; *usage_of then names the entry whose usage applies, or NULL. */
int cmd_call_make(cmd_call *c, int argc, char **argv, const char *where,
		  const cmd_entry **usage_of, char *err);
void cmd_call_copy(cmd_call *dst, const cmd_call *src);
void cmd_call_free(cmd_call *c);
/* The option `key` of a call (NULL when not given, or not an option of its form). */
const cmd_value *cmd_opt(const cmd_call *c, const char *key);
/* Its number, or dflt when not given. */
double cmd_opt_num(const cmd_call *c, const char *key, double dflt);
/* The canonical text of a call (as in c->text), into a new string. */
char *cmd_print(const cmd_call *c);
/* Whether two calls are the same: entry, form, -a, every value (word and numbers) and the
 * inner call; not where they come from. The canonical text of a call parses to an equal one. */
int cmd_call_equal(const cmd_call *a, const cmd_call *b);

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

/* The usage of an entry (its arguments, without the name), however long: a new string. */
char *cmd_usage(const cmd_entry *e);
/* Help: the whole table (name, usage, help; name NULL) or one command with its usage,
 * options and (for set) every setting. A new string. */
char *cmd_help_text(const char *name);

/* Completion of the word line[start..end) (end is the cursor; what comes before start says
 * which position that word fills): the candidates that begin with it, a NULL-terminated
 * array of new strings (free with cmd_complete_free). *file is set when a file name goes
 * there (the caller completes file names itself). runs() and series() list the names the
 * screen knows. */
typedef struct {
	int (*runs)(void *arg, int i, char *name, size_t len);   /* 0 while there is an i-th */
	int (*series)(void *arg, int i, char *name, size_t len); /* likewise for series names */
	void *arg;
} cmd_names;
char **cmd_complete(const char *line, int start, int end, const cmd_names *names, int *file);
void cmd_complete_free(char **c);

/* Numeric argument parsing with range checks; messages say what was expected. */
int cmd_parse_double(const char *key, const char *s, double lo, double hi, double *out, char *err);
int cmd_parse_long(const char *key, const char *s, long lo, long hi, long *out, char *err);

/* What the lab needs of the command layer, handed to it in lab_options (the lab holds
 * calls, it does not call into this layer). */
struct lab_cmd_ops;
extern const struct lab_cmd_ops cmd_lab_ops;

#endif
