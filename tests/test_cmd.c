/* test_cmd.c — the command language: tokenizer, name lookup, validation, scripts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/cmd.h"
#include "gglab/ui.h"
#include "gglab/data.h"
#include "gglab/lab.h"
#include "test.h"

static char errors[8192];
static int nerrors;

static void collect(void *arg, const char *msg)
{
	(void)arg;
	size_t n = strlen(errors);
	snprintf(errors + n, sizeof errors - n, "%s\n", msg);
	nerrors++;
}

static int parse(const char *line, cmd_list *out)
{
	errors[0] = 0;
	nerrors = 0;
	return cmd_parse_line(line, "t.gg:7", out, collect, NULL);
}

static void test_tokenizer(void)
{
	char err[GG_ERRLEN];
	cmd_tokens t;
	CHECK(cmd_tokenize("  set lr 0.1 ;train 10 steps;; # a comment; pause", &t, err) == 0, "%s", err);
	CHECK(t.n == 2, "n=%d", t.n);
	CHECK(t.n == 2 && t.cmds[0].argc == 3 && !strcmp(t.cmds[0].argv[2], "0.1"), "first");
	CHECK(t.n == 2 && t.cmds[1].argc == 3 && !strcmp(t.cmds[1].argv[2], "steps"), "second");
	cmd_tokens_free(&t);

	CHECK(cmd_tokenize("export csv 'my file;#.csv' \"a \\\"q\\\" b\" x\\ y ''", &t, err) == 0, "%s", err);
	CHECK(t.n == 1 && t.cmds[0].argc == 6, "argc=%d", t.n ? t.cmds[0].argc : -1);
	if (t.n == 1 && t.cmds[0].argc == 6) {
		CHECK(!strcmp(t.cmds[0].argv[2], "my file;#.csv"), "[%s]", t.cmds[0].argv[2]);
		CHECK(!strcmp(t.cmds[0].argv[3], "a \"q\" b"), "[%s]", t.cmds[0].argv[3]);
		CHECK(!strcmp(t.cmds[0].argv[4], "x y"), "[%s]", t.cmds[0].argv[4]);
		CHECK(!strcmp(t.cmds[0].argv[5], ""), "[%s]", t.cmds[0].argv[5]);
	}
	cmd_tokens_free(&t);

	CHECK(cmd_tokenize("a#b c", &t, err) == 0 && t.n == 1 && t.cmds[0].argc == 2 &&
		      !strcmp(t.cmds[0].argv[0], "a#b"), "# inside a word is not a comment");
	cmd_tokens_free(&t);
	CHECK(cmd_tokenize("   # only a comment", &t, err) == 0 && t.n == 0, "comment line is empty");
	cmd_tokens_free(&t);
	CHECK(cmd_tokenize("", &t, err) == 0 && t.n == 0, "empty line");
	cmd_tokens_free(&t);
	CHECK(cmd_tokenize("set lr 'unterminated", &t, err) < 0 && strstr(err, "unterminated single quote"),
	      "%s", err);
	CHECK(cmd_tokenize("x \\", &t, err) < 0 && strstr(err, "backslash"), "%s", err);
}

static void test_find(void)
{
	char err[GG_ERRLEN];
	const cmd_entry *e = cmd_find("tr", err);
	CHECK(e && !strcmp(e->name, "train"), "unique prefix");
	CHECK(cmd_find("q", err) && !strcmp(cmd_find("q", err)->name, "quit"), "alias");
	CHECK(!cmd_find("e", err) && strstr(err, "ambiguous command 'e': could be eval, export, every"), "%s", err);
	CHECK(!cmd_find("frobnicate", err) && strstr(err, "unknown command 'frobnicate'") &&
		      strstr(err, "help"), "%s", err);
	CHECK(!cmd_find("s", err) && strstr(err, "set") && strstr(err, "show") && strstr(err, "source"),
	      "%s", err);
	/* every table entry has usage and help, and names are unique */
	for (int i = 0; i < cmd_count; i++) {
		CHECK(cmd_table[i]->help && *cmd_table[i]->help && cmd_table[i]->exec, "%s",
		      cmd_table[i]->name);
		CHECK(cmd_find(cmd_table[i]->name, err) == cmd_table[i], "%s resolves to itself",
		      cmd_table[i]->name);
	}
}

static void expect_error(const char *line, const char *phrase)
{
	cmd_list l = { 0 };
	int n = parse(line, &l);
	CHECK(n >= 1 && strstr(errors, phrase) && strstr(errors, "t.gg:7: "),
	      "'%s' should fail with '%s', got n=%d: %s", line, phrase, n, errors);
	cmd_list_free(&l);
}

static void expect_ok(const char *line, int ncalls)
{
	cmd_list l = { 0 };
	int n = parse(line, &l);
	CHECK(n == 0 && l.n == ncalls, "'%s' should parse into %d calls: n=%d calls=%d %s", line,
	      ncalls, n, l.n, errors);
	cmd_list_free(&l);
}

static void test_validation(void)
{
	expect_ok("data fashion n=1000 noise=0.2 seed=3", 1);
	expect_ok("data spiral; model mlp 64x2 act=tanh norm=gbn ghost=32", 2);
	expect_ok("model nais width=32 blocks=2 stages=6 h=0.5 eps=0.01 stable=off", 1);
	expect_ok("opt sgd lr=0.1 momentum=0.9 nesterov=on wd=1e-4 clip=5 drops=10,20,30 factor=0.1", 1);
	expect_ok("opt adamw lr=1e-3 wd=0.01", 1);
	expect_ok("set lr 0.2 bs 256 momentum 0.8", 1);
	expect_ok("train; train 100; train 2 epochs; tr 5 steps; pause; eval; show; help set; q", 9);
	expect_ok("export csv /tmp/x.csv", 1);

	expect_error("frob 1", "unknown command 'frob'");
	expect_error("set lr", "missing argument");
	expect_error("set lr 0.1 bs", "set takes KEY VALUE pairs");
	expect_error("set", "missing argument");
	expect_error("set lr 0", "lr=0 is out of range");
	expect_error("set lr -1", "out of range");
	expect_error("set bs 0", "bs=0 is out of range");
	expect_error("set bs 1.5", "not a whole number");
	expect_error("set lr abc", "'abc' is not a number");
	expect_error("set speed 3", "unknown setting 'speed'");
	expect_error("set lr 0.1 lr 0.2", "given twice");
	expect_error("data fashion noise=1.5", "noise=1.5 is out of range");
	expect_error("data fashion noise=-0.1", "out of range");
	expect_error("data imagenet", "unknown data set 'imagenet'");
	expect_error("data fashion n=0", "out of range");
	expect_error("data fashion bogus=1", "unknown option 'bogus'");
	expect_error("data fashion n", "expected key=value");
	expect_error("model mlp 0x3", "width 0 is out of range");
	expect_error("model mlp 64", "WIDTHxDEPTH");
	expect_error("model mlp 64x2 norm=layer", "norm must be none, bn or gbn");
	expect_error("model cnn", "model cnn needs the channels of its conv stages");
	expect_error("model vgg", "unknown model kind 'vgg' (known: mlp nais cnn resnet)");
	expect_ok("model cnn 32,64 fc=128 norm=gbn ghost=64 pool=avg; model cnn 64,32,16,8,8,8,8,8", 2);
	expect_ok("model resnet n=7 width=16 norm=gbn ghost=32; model resnet", 2);
	expect_ok("model nais conv=16 blocks=2 stages=6 stable=off act=relu", 1);
	expect_error("model cnn 32,64,16,8,8,8,8,8,8", "9 conv stages is too many (at most 8)");
	expect_error("model cnn 32,0", "C1,C2,...=0 is out of range");
	expect_error("model cnn 32,,64", "numbers separated by commas");
	expect_error("model cnn 32,64,", "numbers separated by commas");
	expect_error("model cnn 3.5", "not a whole number");
	expect_error("model cnn 32 fc=-1", "fc=-1 is out of range");
	expect_error("model cnn 32 pool=min", "pool must be max or avg");
	expect_error("model cnn 32 ghost=1", "ghost=1 is out of range");
	expect_error("model cnn 32 act=tanh", "unknown option 'act'");
	expect_error("model resnet norm=none", "norm must be bn or gbn");
	expect_error("model resnet n=0", "n=0 is out of range");
	expect_error("model nais conv=0", "conv=0 is out of range");
	expect_ok("data cifar10 path=/tmp/c crop=4 flip=on; data fashion crop=14", 2);
	expect_error("data fashion crop=15", "crop=15 is larger than half the 28x28 image of fashion");
	expect_error("data cifar10 crop=17", "crop=17 is larger than half the 32x32 image");
	expect_error("data spiral crop=2", "crop= augments images; spiral is not an image set");
	expect_error("data xor flip=on", "flip= augments images");
	expect_error("data fashion path=/tmp", "path= is for cifar10");
	expect_error("data cifar10 flip=maybe", "flip must be on or off");
	expect_error("opt sgd drops=10,,20", "epochs separated by commas");
	expect_error("model nais width=0", "out of range");
	expect_error("model nais eps=0.7", "out of range");
	expect_error("model nais stable=maybe", "stable must be on or off");
	expect_error("opt rmsprop", "unknown optimizer");
	expect_error("opt sgd drops=20,10", "increasing");
	expect_error("train 10 hours", "unit must be steps or epochs");
	expect_error("train 1.5", "whole");
	expect_error("train 0", "out of range");
	expect_error("pause now", "too many arguments");
	expect_error("export json x", "unknown export format");
	expect_error("help frob", "unknown command");
	expect_error("source /nonexistent/x.gg", "/nonexistent/x.gg: cannot read the script");

	/* usage lines come with argument errors */
	cmd_list l = { 0 };
	parse("set lr", &l);
	CHECK(strstr(errors, "usage: set [-a] KEY VALUE"), "%s", errors);
	cmd_list_free(&l);
	/* one bad command on a line: the good ones are still reported as parsed, but the
	 * caller sees an error count and runs nothing */
	CHECK(parse("set lr 0.1; set lr 0", &l) == 1, "error count");
	cmd_list_free(&l);
}

static void test_canonical(void)
{
	cmd_list l = { 0 };
	CHECK(parse("export   csv  'a b.csv' ; set   lr 0.5", &l) == 0 && l.n == 2, "%s", errors);
	if (l.n == 2) {
		CHECK(!strcmp(l.calls[0].text, "export csv \"a b.csv\""), "[%s]", l.calls[0].text);
		CHECK(!strcmp(l.calls[1].text, "set lr 0.5"), "[%s]", l.calls[1].text);
		CHECK(!strcmp(l.calls[1].where, "t.gg:7"), "[%s]", l.calls[1].where);
		/* the canonical text parses back to the same words */
		cmd_list again = { 0 };
		CHECK(parse(l.calls[0].text, &again) == 0 && again.n == 1 &&
			      !strcmp(again.calls[0].pos[0].word, "a b.csv"), "round trip");
		cmd_list_free(&again);
	}
	cmd_list_free(&l);
}

static void test_files(void)
{
	char dir[] = "/tmp/gglab-test-cmd-XXXXXX";
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	char a[256], b[256], empty[256], loop[256], buf[1200];
	snprintf(a, sizeof a, "%s/a.gg", dir);
	snprintf(b, sizeof b, "%s/b.gg", dir);
	snprintf(empty, sizeof empty, "%s/empty.gg", dir);
	snprintf(loop, sizeof loop, "%s/loop.gg", dir);
	FILE *f = fopen(b, "w");
	fputs("# b\nset lr 0.3\ntrain 10\n", f);
	fclose(f);
	f = fopen(a, "w");
	fprintf(f, "data spiral\nsource %s\n\n   # comment\nshow\n", b);
	fclose(f);
	cmd_list l = { 0 };
	errors[0] = 0;
	int n = cmd_parse_file(a, &l, collect, NULL);
	CHECK(n == 0 && l.n == 4, "source expanded: n=%d calls=%d %s", n, l.n, errors);
	if (l.n == 4) {
		snprintf(buf, sizeof buf, "%s:2", b);
		CHECK(!strcmp(l.calls[1].where, buf), "where of a sourced command: %s", l.calls[1].where);
		snprintf(buf, sizeof buf, "%s:5", a);
		CHECK(!strcmp(l.calls[3].where, buf), "%s", l.calls[3].where);
	}
	cmd_list_free(&l);

	/* an error on the last line is reported with file:line */
	f = fopen(a, "w");
	fputs("data spiral\ntrain 10\nset bs 0\n", f);
	fclose(f);
	errors[0] = 0;
	n = cmd_parse_file(a, &l, collect, NULL);
	snprintf(buf, sizeof buf, "%s:3: bs=0 is out of range", a);
	CHECK(n == 1 && strstr(errors, buf), "%s", errors);
	cmd_list_free(&l);

	f = fopen(empty, "w");
	fputs("# nothing\n\n   \n", f);
	fclose(f);
	errors[0] = 0;
	CHECK(cmd_parse_file(empty, &l, collect, NULL) == 1 && strstr(errors, "empty"), "%s", errors);
	cmd_list_free(&l);

	f = fopen(loop, "w");
	fprintf(f, "source %s\n", loop);
	fclose(f);
	errors[0] = 0;
	snprintf(buf, sizeof buf, "%s:1: source %s: a cycle (%s is being read already)", loop, loop, loop);
	CHECK(cmd_parse_file(loop, &l, collect, NULL) == 1 && strstr(errors, buf), "%s", errors);
	cmd_list_free(&l);

	/* a script that sources itself 10 times a line: 10 errors, at once */
	f = fopen(loop, "w");
	for (int i = 0; i < 10; i++)
		fprintf(f, "source %s; source %s\n", loop, loop);
	fclose(f);
	errors[0] = 0;
	nerrors = 0;
	CHECK(cmd_parse_file(loop, &l, collect, NULL) == 20 && nerrors == 20 && strstr(errors, "a cycle"),
	      "n=%d: %.200s", nerrors, errors);
	cmd_list_free(&l);

	/* a -> b -> a is a cycle too, named where it closes */
	f = fopen(a, "w");
	fprintf(f, "show\nsource %s\n", b);
	fclose(f);
	f = fopen(b, "w");
	fprintf(f, "source %s\n", a);
	fclose(f);
	errors[0] = 0;
	snprintf(buf, sizeof buf, "%s:1: source %s: a cycle (%s is being read already)", b, a, a);
	CHECK(cmd_parse_file(a, &l, collect, NULL) == 1 && strstr(errors, buf), "%s", errors);
	cmd_list_free(&l);

	/* no cycle, but 10 sources a line through 4 files is 11110 files: bounded */
	char tree[4][300];
	for (int d = 0; d < 4; d++)
		snprintf(tree[d], sizeof tree[d], "%s/t%d.gg", dir, d);
	for (int d = 0; d < 4; d++) {
		f = fopen(tree[d], "w");
		for (int i = 0; i < 10; i++)
			fprintf(f, d < 3 ? "source %s\n" : "show\n", tree[d < 3 ? d + 1 : d]);
		fclose(f);
	}
	errors[0] = 0;
	nerrors = 0;
	CHECK(cmd_parse_file(tree[0], &l, collect, NULL) == 1 && nerrors == 1 &&
		      strstr(errors, "source: more than 1000 files sourced in all; stopping here"),
	      "n=%d %.300s", nerrors, errors);
	cmd_list_free(&l);
	for (int d = 0; d < 4; d++)
		unlink(tree[d]);

	/* a line longer than the limit: reading stops there, with file:line */
	f = fopen(a, "w");
	fputs("show\n", f);
	for (int i = 0; i < (1 << 20) + 1; i++)
		fputc('x', f);
	fputs("\nshow\n", f);
	fclose(f);
	errors[0] = 0;
	snprintf(buf, sizeof buf, "%s:2: line too long (more than 1048576 bytes)", a);
	CHECK(cmd_parse_file(a, &l, collect, NULL) == 1 && strstr(errors, buf), "%s", errors);
	cmd_list_free(&l);
	/* a journal's sync line for 5000 runs of long names (some 150 kB) is read whole */
	f = fopen(a, "w");
	fputs("sync", f);
	for (int i = 0; i < 5000; i++)
		fprintf(f, " run-with-a-long-name-%05d=%d", i, 1000000 + i);
	fputs("\n", f);
	fclose(f);
	errors[0] = 0;
	CHECK(cmd_parse_file(a, &l, collect, NULL) == 0 && l.n == 1 && l.calls[0].npos == 5000 &&
		      l.calls[0].pos[4999].num == 1004999, "%s", errors);
	cmd_list_free(&l);
	/* one of exactly the limit is read */
	f = fopen(a, "w");
	fputs("show #", f);
	for (int i = 6; i < 1 << 20; i++)
		fputc('x', f);
	fputs("\nshow", f);
	fclose(f);
	errors[0] = 0;
	CHECK(cmd_parse_file(a, &l, collect, NULL) == 0 && l.n == 2, "%s", errors);
	cmd_list_free(&l);

	unlink(a);
	unlink(b);
	unlink(empty);
	unlink(loop);
	rmdir(dir);
}

static void test_help(void)
{
	char *buf = cmd_help_text(NULL);
	for (int i = 0; i < cmd_count; i++)
		CHECK(strstr(buf, cmd_table[i]->name), "help lists %s", cmd_table[i]->name);
	free(buf);
	buf = cmd_help_text("set");
	CHECK(strstr(buf, "usage: set [-a] KEY VALUE"), "%s", buf);
	free(buf);
}

/* ---- the call: parsed once, printed canonically, generated help and completion ---------- */

static const char *text_of(const char *line)
{
	static char buf[512];
	cmd_list l = { 0 };
	buf[0] = 0;
	if (parse(line, &l) == 0 && l.n == 1)
		snprintf(buf, sizeof buf, "%s", l.calls[0].text);
	cmd_list_free(&l);
	return buf;
}

static void test_canonical_calls(void)
{
	/* the full name, never the prefix typed; options in the entry's order */
	CHECK(!strcmp(text_of("mod mlp 8x1"), "model mlp 8x1"), "[%s]", text_of("mod mlp 8x1"));
	CHECK(!strcmp(text_of("tr 20"), "train 20"), "[%s]", text_of("tr 20"));
	CHECK(!strcmp(text_of("da xor seed=3 n=50"), "data xor n=50 seed=3"), "[%s]",
	      text_of("da xor seed=3 n=50"));
	CHECK(!strcmp(text_of("o sgd factor=0.5 lr=0.1"), "opt sgd lr=0.1 factor=0.5"), "[%s]",
	      text_of("o sgd factor=0.5 lr=0.1"));
	CHECK(!strcmp(text_of("tr -a 2 epoch"), "train -a 2 epochs"), "[%s]", text_of("tr -a 2 epoch"));
	CHECK(!strcmp(text_of("at 30 se lr 0.2"), "at 30 set lr 0.2"), "[%s]", text_of("at 30 se lr 0.2"));
	CHECK(!strcmp(text_of("mo nais stable=yes"), "model nais stable=on"), "[%s]",
	      text_of("mo nais stable=yes"));
	CHECK(!strcmp(text_of("he tr"), "help train"), "[%s]", text_of("he tr"));
	CHECK(!strcmp(text_of("sync r1=20 b=3"), "sync r1=20 b=3"), "[%s]", text_of("sync r1=20 b=3"));
	CHECK(!strcmp(text_of("q"), "quit"), "[%s]", text_of("q"));

	/* canonical text parses back to the same call */
	static const char *const lines[] = {
		"data spiral noise=0.1 n=300 keep=1", "model mlp 64x2 norm=gbn act=tanh ghost=32",
		"model nais eps=0.01 width=32 h=0.5", "opt sgd drops=10,20 nesterov=on lr=0.1",
		"opt adamw beta2=0.99", "set -a lr 0.2 bs 64", "train", "train 3 epochs", "phdim",
		"phdim on mode=loss n=100", "run new b seed=4", "run use b", "fork", "twin 3 sets=3",
		"at 100 opt sgd lr=0.01", "every 50 eval stages=3", "export jsonl 'a b.jsonl'",
		"view instruments", "zoom all", "zoom 200", "logy", "follow off", "plot grad_norm wnorm",
		"fit to=100 from=10", "recipe hoffer base=64", "help set",
		"model cnn 32,64 pool=avg norm=gbn ghost=16 fc=0", "model resnet width=8 n=2 norm=gbn",
		"model nais conv=8 stages=3 blocks=2", "data cifar10 flip=on crop=4 path='a dir'",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		cmd_list a = { 0 }, b = { 0 };
		CHECK(parse(lines[i], &a) == 0 && a.n == 1, "%s: %s", lines[i], errors);
		if (a.n != 1)
			continue;
		CHECK(parse(a.calls[0].text, &b) == 0 && b.n == 1, "%s → %s: %s", lines[i], a.calls[0].text,
		      errors);
		if (b.n == 1) {
			CHECK(cmd_call_equal(&a.calls[0], &b.calls[0]), "%s → %s parses to another call", lines[i],
			      a.calls[0].text);
			CHECK(!strcmp(a.calls[0].text, b.calls[0].text), "%s: %s vs %s", lines[i],
			      a.calls[0].text, b.calls[0].text);
		}
		cmd_call copy;
		cmd_call_copy(&copy, &a.calls[0]);
		CHECK(cmd_call_equal(&copy, &a.calls[0]), "a copy of %s is the same call", lines[i]);
		cmd_call_free(&copy);
		cmd_list_free(&a);
		cmd_list_free(&b);
	}
}

static void test_parse_once(void)
{
	/* the call holds typed values: the exec reads numbers, not words */
	cmd_list l = { 0 };
	CHECK(parse("tr -a 2 epochs; mo mlp 16x3 norm=bn; o sgd drops=5,9; sync r1=7", &l) == 0 && l.n == 4,
	      "%s", errors);
	if (l.n == 4) {
		const cmd_call *t = &l.calls[0], *m = &l.calls[1], *o = &l.calls[2], *s = &l.calls[3];
		CHECK(t->all && t->npos == 2 && t->pos[0].num == 2 && t->pos[1].num == 1, "train values");
		CHECK(!strcmp(m->form->word, "mlp") && m->pos[0].num == 16 && m->pos[0].num2 == 3 &&
			      cmd_opt_num(m, "norm", -1) == 1 && !cmd_opt(m, "act"), "model values");
		const cmd_value *d = cmd_opt(o, "drops");
		CHECK(d && d->nlist == 2 && d->list[0] == 5 && d->list[1] == 9, "drops list");
		CHECK(s->npos == 1 && !strcmp(s->pos[0].word, "r1") && s->pos[0].num == 7, "sync values");
	}
	cmd_list_free(&l);

	/* an exec given a call built by hand, with no words at all, runs */
	char path[] = "/tmp/gglab-test-exec-XXXXXX";
	int fd = mkstemp(path);
	FILE *out = fdopen(fd, "w+");
	cmd_value which = { .word = (char *)"model" };
	cmd_call c = { .entry = cmd_find("help", errors), .npos = 1, .pos = &which };
	cmd_ctx ctx = { .out = out, .script = 1 };
	char err[GG_ERRLEN], got[4096] = "";
	CHECK(c.entry && cmd_exec(&ctx, &c, err) == 0, "help exec: %s", err);
	rewind(out);
	size_t n = fread(got, 1, sizeof got - 1, out);
	got[n] = 0;
	CHECK(strstr(got, "usage: model mlp") && strstr(got, "[stable=on|off]"), "%s", got);
	fclose(out);
	unlink(path);
}

static void test_flags(void)
{
	char err[GG_ERRLEN];
	static const char *const nosched[] = { "at", "every", "sync", "run", "load", "source", "train",
					       "view", "help", "quit" };
	for (size_t i = 0; i < sizeof nosched / sizeof *nosched; i++)
		CHECK(cmd_find(nosched[i], err)->flags & CMD_NOSCHED, "%s may not be scheduled", nosched[i]);
	CHECK(cmd_find("pause", err)->flags & CMD_TAKEOVER, "pause takes over from a script");
	CHECK(cmd_find("sync", err)->flags & CMD_SYNC, "sync holds a journal");
	CHECK(cmd_find("quit", err)->flags & CMD_QUIT, "quit ends a script");
	CHECK(cmd_find("source", err)->flags & CMD_SOURCE, "source is expanded");
	CHECK(cmd_find("help", err)->flags & CMD_BATCH, "help prints in batch mode");
	expect_error("at 5 run list", "run cannot be scheduled");
	expect_error("every 5 load x", "load cannot be scheduled");
	expect_error("at 5 smooth 0.5", "smooth cannot be scheduled");
	expect_ok("at 5 save /tmp/x.gglab; every 10 export csv /tmp/x.csv", 2);
	/* at/every never nest: 12 000 deep is refused at once, not by the stack */
	size_t deep = 12000;
	char *line = malloc(deep * 5 + 16);
	strcpy(line, "every 1 ");
	for (size_t i = 0; i < deep; i++)
		memcpy(line + 8 + 5 * i, "at 1 ", 5);
	strcpy(line + 8 + 5 * deep, "pause");
	for (int k = 0; k < 2; k++) {
		cmd_list l = { 0 };
		CHECK(parse(line + 8 * k, &l) == 1 && l.n == 0 && strstr(errors, "t.gg:7: at cannot be scheduled"),
		      "%s 1 at 1 ... 12000 deep: %.100s", k ? "at" : "every", errors);
		cmd_list_free(&l);
	}
	free(line);
	expect_error("every 5 at 3 pause", "at cannot be scheduled");
	expect_error("at 5 every 3 pause", "every cannot be scheduled");
	/* one bound for smooth (the key uses the same one) */
	expect_ok("smooth 0.999", 1);
	expect_error("smooth 0.9995", "out of range");
	/* messages of the declaration */
	expect_error("twin 1", "twin needs K ≥ 2 runs to compare");
	expect_error("twin 3 sets=4", "sets must be between 1 and 3");
	expect_error("view frob", "unknown view 'frob'");
	expect_error("export json x", "unknown export format 'json' (known: csv jsonl svg)");
	expect_error("run use", "run use needs a run name");
	expect_error("model mlp", "model mlp needs its size as WIDTHxDEPTH");
	expect_error("phdim on mode=both", "mode must be weights or loss");
	expect_error("fit from=10 to=5", "to=5 must be after from=10");
	expect_error("sync r1", "expected key=value");
	expect_error("metric acc", "metric must be loss or err");
	expect_error("export csv ''", "export needs a file name");
	expect_error("phdim now n=5", "options go with 'phdim on'");
	expect_error("run list x", "too many arguments");
	/* run hide and run show are the screen's forms of a lab command: they run on the UI
	 * thread (CMD_FLAGS) and are not journaled; run list is the lab's, not journaled either */
	cmd_list l = { 0 };
	CHECK(parse("run hide r1; run show r1; run list; run use r1", &l) == 0 && l.n == 4, "%s", errors);
	for (int i = 0; i < l.n && l.n == 4; i++) {
		int ui = i < 2;
		CHECK(!(CMD_FLAGS(&l.calls[i]) & CMD_UI) == !ui, "%s: on the %s thread", l.calls[i].text,
		      ui ? "UI" : "trainer");
		CHECK(!CMD_JOURNALED(&l.calls[i]) == (i < 3), "%s: journaled only if it changes the lab",
		      l.calls[i].text);
	}
	cmd_list_free(&l);
	expect_error("run hide", "run hide needs a run name");
}

static void test_generated_help(void)
{
	char *h = cmd_help_text("model");
	CHECK(strstr(h, "[stable=on|off]") && strstr(h, "nais") && strstr(h, "act=relu|tanh"),
	      "the whole usage of model: %s", h);
	CHECK(strstr(h, "cnn C1,C2,... [fc=F] [norm=none|bn|gbn] [ghost=G] [pool=max|avg]") &&
		      strstr(h, "resnet [n=N] [width=W] [norm=bn|gbn] [ghost=G]") && strstr(h, "[conv=C]") &&
		      strstr(h, "  cnn fc=F: a whole number from 0 to 65536"),
	      "the conv models in help model: %s", h);
	free(h);
	h = cmd_help_text("set");
	for (int i = 0; i < lab_nsettings; i++) {
		char row[256];
		snprintf(row, sizeof row, "  %-8s ", lab_settings[i].name);
		CHECK(strstr(h, row) && strstr(h, lab_settings[i].help), "help set explains %s",
		      lab_settings[i].name);
	}
	CHECK(strstr(h, "from 1e-08 to 100") && strstr(h, "a whole number from 1 to 1048576"), "%s", h);
	free(h);
	/* every option of every form appears in the usage */
	for (int i = 0; i < cmd_count; i++) {
		const cmd_entry *e = cmd_table[i];
		char *u = cmd_usage(e);
		for (const opt_spec *o = e->opts; o && o->key; o++)
			CHECK(strstr(u, o->key), "%s usage lacks %s", e->name, o->key);
		for (const cmd_form *f = e->forms; f && f->word; f++) {
			CHECK(strstr(u, f->word), "%s usage lacks %s", e->name, f->word);
			for (const opt_spec *o = f->opts; o && o->key; o++)
				CHECK(strstr(u, o->key), "%s %s usage lacks %s", e->name, f->word, o->key);
		}
		free(u);
	}
}

static int fake_runs(void *arg, int i, char *name, size_t len)
{
	static const char *const runs[] = { "r1", "big", "" };
	(void)arg;
	if (i >= 3)
		return -1;
	snprintf(name, len, "%s", runs[i]);
	return 0;
}

/* The candidates for the word that ends the line, joined by spaces. */
static const char *completions(const char *line, int *file)
{
	static char buf[1024];
	int end = (int)strlen(line), start = end;
	while (start > 0 && !strchr(" =;", line[start - 1]))
		start--; /* as readline breaks words (at '=' too) */
	cmd_names names = { fake_runs, NULL, NULL };
	char **c = cmd_complete(line, start, end, &names, file);
	buf[0] = 0;
	for (int i = 0; c && c[i]; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", c[i]);
	cmd_complete_free(c);
	return buf;
}

static void test_complete(void)
{
	int file;
	CHECK(!strcmp(completions("he", &file), "help"), "[%s]", completions("he", &file));
	CHECK(!strcmp(completions("q", &file), "quit q"), "[%s]", completions("q", &file));
	CHECK(!strcmp(completions("run use ", &file), "r1 big"), "[%s]", completions("run use ", &file));
	CHECK(!strcmp(completions("run ", &file), "new use drop list hide show"), "[%s]", completions("run ", &file));
	CHECK(!strcmp(completions("data ", &file), DATA_NAMES), "[%s]", completions("data ", &file));
	CHECK(!strcmp(completions("model ", &file), "mlp nais cnn resnet"), "[%s]",
	      completions("model ", &file));
	CHECK(!strcmp(completions("model cnn 32,64 pool=", &file), "max avg"), "[%s]",
	      completions("model cnn 32,64 pool=", &file));
	CHECK(!strcmp(completions("model cnn 32,64 ", &file), "fc= norm= ghost= pool="), "[%s]",
	      completions("model cnn 32,64 ", &file));
	CHECK(!strcmp(completions("model resnet norm=", &file), "bn gbn"), "[%s]",
	      completions("model resnet norm=", &file));
	CHECK(!strcmp(completions("data cifar10 f", &file), "flip="), "[%s]",
	      completions("data cifar10 f", &file));
	CHECK(!strcmp(completions("model mlp 8x1 norm=", &file), "none bn gbn"), "[%s]",
	      completions("model mlp 8x1 norm=", &file));
	CHECK(!strcmp(completions("model mlp 8x1 norm=g", &file), "gbn"), "[%s]",
	      completions("model mlp 8x1 norm=g", &file));
	CHECK(!strcmp(completions("model mlp 8x1 a", &file), "act="), "[%s]",
	      completions("model mlp 8x1 a", &file));
	CHECK(!strcmp(completions("data xor keep=", &file), "on off"), "[%s]",
	      completions("data xor keep=", &file));
	CHECK(strstr(completions("set ", &file), "lr bs momentum"), "[%s]", completions("set ", &file));
	CHECK(!strcmp(completions("set lr ", &file), ""), "no key where a value goes");
	CHECK(!strcmp(completions("at 10 se", &file), "set"), "[%s]", completions("at 10 se", &file));
	CHECK(!strcmp(completions("train 5; view b", &file), "boundary"), "[%s]",
	      completions("train 5; view b", &file));
	CHECK(!strcmp(completions("train 5 ", &file), "steps epochs"), "[%s]", completions("train 5 ", &file));
	completions("export csv ", &file);
	CHECK(file == 1, "a file goes after export csv");
	completions("export ", &file);
	CHECK(file == 0, "no file before the format");
	completions("data cifar10 path=", &file);
	CHECK(file == 1, "a directory goes after path=");
	CHECK(!strcmp(completions("zoom ", &file), "all"), "[%s]", completions("zoom ", &file));
}

int main(void)
{
	/* the command layer knows no screen commands until the screen adds its family */
	char err[256];
	int own = cmd_count;
	CHECK(cmd_find("view", err) == NULL, "view before the screen registers");
	ui_commands_register();
	ui_commands_register();
	CHECK(cmd_count == own + 12, "the screen's 12 commands added once (%d)", cmd_count - own);
	CHECK(cmd_find("view", err) != NULL, "view after: %s", err);
	test_tokenizer();
	test_find();
	test_validation();
	test_canonical();
	test_files();
	test_help();
	test_canonical_calls();
	test_parse_once();
	test_flags();
	test_generated_help();
	test_complete();
	return test_report();
}
