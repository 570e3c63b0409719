/* test_cmd.c — the command language: tokenizer, name lookup, validation, scripts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/cmd.h"
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
		CHECK(cmd_table[i].usage && cmd_table[i].help && *cmd_table[i].help, "%s", cmd_table[i].name);
		CHECK(cmd_find(cmd_table[i].name, err) == &cmd_table[i], "%s resolves to itself",
		      cmd_table[i].name);
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
	expect_error("model cnn", "unknown model kind 'cnn'");
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
			      !strcmp(again.calls[0].argv[2], "a b.csv"), "round trip");
		cmd_list_free(&again);
	}
	cmd_list_free(&l);
}

static void test_files(void)
{
	char dir[] = "/tmp/gglab-test-cmd-XXXXXX";
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	char a[256], b[256], empty[256], loop[256], buf[600];
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
	CHECK(cmd_parse_file(loop, &l, collect, NULL) >= 1 && strstr(errors, "nested deeper"), "%s", errors);
	cmd_list_free(&l);

	unlink(a);
	unlink(b);
	unlink(empty);
	unlink(loop);
	rmdir(dir);
}

static void test_help(void)
{
	char buf[8192];
	cmd_help_text(NULL, buf, sizeof buf);
	for (int i = 0; i < cmd_count; i++)
		CHECK(strstr(buf, cmd_table[i].name), "help lists %s", cmd_table[i].name);
	cmd_help_text("set", buf, sizeof buf);
	CHECK(strstr(buf, "usage: set [-a] KEY VALUE"), "%s", buf);
}

int main(void)
{
	test_tokenizer();
	test_find();
	test_validation();
	test_canonical();
	test_files();
	test_help();
	return test_report();
}
