/* commands.c — the command table and every command's exec.
 *
 * Each exec parses and validates its words first; when ctx->lab is NULL (check mode, used
 * to validate a script before it runs) it stops there. Otherwise it calls into the lab —
 * these run on the trainer thread — or acts on the screen (CMD_UI). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/ui.h"

/* Splits "key=value"; -1 with a message when there is no '='. */
static int kv(const char *arg, char *key, size_t klen, const char **val, char *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return gg_fail(err, "expected key=value, got '%s'", arg);
	snprintf(key, klen, "%.*s", (int)(eq - arg), arg);
	*val = eq + 1;
	return 0;
}

static int unknown_key(const char *key, const char *known, char *err)
{
	return gg_fail(err, "unknown option '%s' (known: %s)", key, known);
}

static int on_off(const char *key, const char *v, int *out, char *err)
{
	if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes"))
		*out = 1;
	else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
		*out = 0;
	else
		return gg_fail(err, "%s must be on or off, got '%s'", key, v);
	return 0;
}

/* One key=value option of a command: a number in a range, or a word (act=tanh) for the
 * command to interpret. Every command's options go through parse_opts, so the messages
 * for a missing '=', an unknown key or a value out of range are the same everywhere. */
typedef struct {
	const char *key;
	double lo, hi;     /* the allowed range of a number */
	int integer;       /* whole numbers only */
	double *num;       /* where a number goes; NULL for a word */
	const char **word; /* where a word goes */
} opt_spec;

#define OPT_NUM(k, lo, hi, p) { k, lo, hi, 0, p, NULL }
#define OPT_INT(k, lo, hi, p) { k, lo, hi, 1, p, NULL }
#define OPT_WORD(k, p) { k, 0, 0, 0, NULL, p }

static int parse_opts(int argc, char **argv, const opt_spec *spec, int n, char *err)
{
	for (int i = 0; i < argc; i++) {
		char key[32];
		const char *v;
		if (kv(argv[i], key, sizeof key, &v, err) < 0)
			return -1;
		const opt_spec *o = NULL;
		for (int j = 0; j < n && !o; j++)
			if (!strcmp(spec[j].key, key))
				o = &spec[j];
		if (!o) {
			char known[256] = "";
			for (int j = 0, len = 0; j < n && len < (int)sizeof known; j++)
				len += snprintf(known + len, sizeof known - len, "%s%s", j ? " " : "", spec[j].key);
			return unknown_key(key, known, err);
		}
		if (o->word) {
			*o->word = v;
		} else if (o->integer) {
			long l;
			if (cmd_parse_long(key, v, (long)o->lo, (long)o->hi, &l, err) < 0)
				return -1;
			*o->num = (double)l;
		} else if (cmd_parse_double(key, v, o->lo, o->hi, o->num, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- data ---------------------------------------------------------------------------- */

static int cmd_data(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	data_spec s;
	data_spec_default(&s);
	int keep = 0;
	const char *names = DATA_NAMES;
	size_t len = strlen(argv[1]);
	int known = 0;
	for (const char *p = names; *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, argv[1], len) == 0 && (p[len] == ' ' || p[len] == 0))
			known = 1;
	if (!known)
		return gg_fail(err, "unknown data set '%s' (known: %s)", argv[1], names);
	snprintf(s.name, sizeof s.name, "%s", argv[1]);
	double n = s.n, noise = s.noise, seed = (double)s.seed, dim = s.dim;
	const char *keep_word = "off";
	const opt_spec spec[] = {
		OPT_INT("n", 1, 10000000, &n), OPT_NUM("noise", 0, 1, &noise),
		OPT_INT("seed", 0, 2147483647L, &seed), OPT_INT("dim", 2, 4096, &dim),
		OPT_WORD("keep", &keep_word),
	};
	if (parse_opts(argc - 2, argv + 2, spec, 5, err) < 0 || on_off("keep", keep_word, &keep, err) < 0)
		return -1;
	s.n = (int)n;
	s.noise = (float)noise;
	s.seed = (uint64_t)seed;
	s.dim = (int)dim;
	if (!ctx->lab)
		return 0;
	return lab_data(ctx->lab, &s, keep, err);
}

/* ---- model ----------------------------------------------------------------------------- */

static int parse_act(const char *v, nn_act *a, char *err)
{
	if (!strcmp(v, "relu"))
		*a = NN_RELU;
	else if (!strcmp(v, "tanh"))
		*a = NN_TANH;
	else
		return gg_fail(err, "act must be relu or tanh, got '%s'", v);
	return 0;
}

static int cmd_model(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	nn_config c;
	int i = 2;
	if (!strcmp(argv[1], "mlp")) {
		nn_config_default(&c, NN_MLP);
		if (argc < 3)
			return gg_fail(err, "model mlp needs its size as WIDTHxDEPTH, e.g. 512x3");
		char *x;
		long w = strtol(argv[2], &x, 10), d;
		if (x == argv[2] || (*x != 'x' && *x != 'X'))
			return gg_fail(err, "size must be WIDTHxDEPTH, e.g. 512x3, got '%s'", argv[2]);
		char *end;
		d = strtol(x + 1, &end, 10);
		if (end == x + 1 || *end)
			return gg_fail(err, "size must be WIDTHxDEPTH, e.g. 512x3, got '%s'", argv[2]);
		if (w < 1 || w > 65536)
			return gg_fail(err, "width %ld is out of range: it must be between 1 and 65536", w);
		if (d < 0 || d > 64)
			return gg_fail(err, "depth %ld is out of range: it must be between 0 and 64", d);
		c.width = (int)w;
		c.depth = (int)d;
		i = 3;
	} else if (!strcmp(argv[1], "nais")) {
		nn_config_default(&c, NN_NAIS);
	} else {
		return gg_fail(err, "unknown model kind '%s' (known: mlp nais)", argv[1]);
	}
	const char *act = NULL, *norm = NULL, *stable = NULL;
	double ghost = c.ghost, width = c.width, blocks = c.blocks, stages = c.stages, h = c.h,
	       eps = c.eps;
	const opt_spec mlp[] = {
		OPT_WORD("act", &act), OPT_WORD("norm", &norm), OPT_INT("ghost", 1, 1 << 20, &ghost),
	};
	const opt_spec nais[] = {
		OPT_INT("width", 1, 65536, &width), OPT_INT("blocks", 1, 64, &blocks),
		OPT_INT("stages", 1, 1000, &stages), OPT_NUM("h", 1e-6, 10, &h),
		OPT_NUM("eps", 1e-6, 0.499999, &eps), OPT_WORD("stable", &stable), OPT_WORD("act", &act),
	};
	if (parse_opts(argc - i, argv + i, c.kind == NN_MLP ? mlp : nais, c.kind == NN_MLP ? 3 : 7,
		       err) < 0)
		return -1;
	if (act && parse_act(act, &c.act, err) < 0)
		return -1;
	if (norm && !strcmp(norm, "none"))
		c.norm = NN_NORM_NONE;
	else if (norm && !strcmp(norm, "bn"))
		c.norm = NN_NORM_BN;
	else if (norm && !strcmp(norm, "gbn"))
		c.norm = NN_NORM_GBN;
	else if (norm)
		return gg_fail(err, "norm must be none, bn or gbn, got '%s'", norm);
	if (stable && on_off("stable", stable, &c.stable, err) < 0)
		return -1;
	c.ghost = (int)ghost;
	if (c.kind == NN_NAIS) {
		c.width = (int)width;
		c.blocks = (int)blocks;
		c.stages = (int)stages;
		c.h = (float)h;
		c.eps = (float)eps;
	}
	if (!ctx->lab)
		return 0;
	return lab_model(ctx->lab, &c, err);
}

/* ---- opt ------------------------------------------------------------------------------- */

static int cmd_opt(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	nn_opt_config c;
	nn_schedule s = { .factor = 0.1f };
	if (!strcmp(argv[1], "sgd"))
		nn_opt_config_default(&c, NN_SGD);
	else if (!strcmp(argv[1], "adamw"))
		nn_opt_config_default(&c, NN_ADAMW);
	else
		return gg_fail(err, "unknown optimizer '%s' (known: sgd adamw)", argv[1]);
	const lab_setting *lr = lab_setting_find("lr"), *mom = lab_setting_find("momentum"),
			  *wd = lab_setting_find("wd"), *clip = lab_setting_find("clip");
	double vlr = c.lr, vmom = c.kind == NN_SGD ? c.momentum : c.beta1, vwd = c.wd, vclip = c.clip,
	       beta2 = c.beta2, factor = s.factor;
	const char *nesterov = NULL, *drops = NULL;
	const opt_spec sgd[] = {
		OPT_NUM("lr", lr->min, lr->max, &vlr), OPT_NUM("momentum", mom->min, mom->max, &vmom),
		OPT_WORD("nesterov", &nesterov), OPT_NUM("wd", wd->min, wd->max, &vwd),
		OPT_NUM("clip", clip->min, clip->max, &vclip), OPT_WORD("drops", &drops),
		OPT_NUM("factor", 1e-6, 1, &factor),
	};
	const opt_spec adamw[] = {
		OPT_NUM("lr", lr->min, lr->max, &vlr), OPT_NUM("momentum", mom->min, mom->max, &vmom),
		OPT_NUM("beta2", 0, 0.999999, &beta2), OPT_NUM("wd", wd->min, wd->max, &vwd),
		OPT_NUM("clip", clip->min, clip->max, &vclip), OPT_WORD("drops", &drops),
		OPT_NUM("factor", 1e-6, 1, &factor),
	};
	if (parse_opts(argc - 2, argv + 2, c.kind == NN_SGD ? sgd : adamw, 7, err) < 0)
		return -1;
	if (nesterov && on_off("nesterov", nesterov, &c.nesterov, err) < 0)
		return -1;
	c.lr = (float)vlr;
	if (c.kind == NN_SGD)
		c.momentum = (float)vmom;
	else
		c.beta1 = (float)vmom;
	c.wd = (float)vwd;
	c.clip = (float)vclip;
	c.beta2 = (float)beta2;
	s.factor = (float)factor;
	if (drops) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", drops);
		for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
			double d;
			if (s.n == NN_MAX_DROPS)
				return gg_fail(err, "drops: at most %d epochs", NN_MAX_DROPS);
			if (cmd_parse_double("drops", tok, 0, 1e9, &d, err) < 0)
				return -1;
			if (s.n && d <= s.at[s.n - 1])
				return gg_fail(err, "drops must be increasing epochs, e.g. drops=10,20,30");
			s.at[s.n++] = d;
		}
	}
	if (!ctx->lab)
		return 0;
	return lab_opt(ctx->lab, &c, &s, err);
}

/* ---- set ------------------------------------------------------------------------------- */

static int cmd_set(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int all = argc > 1 && !strcmp(argv[1], "-a");
	if (all) {
		argc--;
		argv++;
	}
	if (argc < 3)
		return gg_fail(err, "missing argument");
	if ((argc - 1) % 2)
		return gg_fail(err, "set takes KEY VALUE pairs; '%s' has no value", argv[argc - 1]);
	int n = (argc - 1) / 2;
	const char *keys[16];
	double vals[16];
	if (n > 16)
		return gg_fail(err, "at most 16 settings at once");
	for (int i = 0; i < n; i++) {
		const char *k = argv[1 + 2 * i], *v = argv[2 + 2 * i];
		const lab_setting *st = lab_setting_find(k);
		if (!st) {
			char known[256] = "";
			for (int j = 0, len = 0; j < lab_nsettings; j++)
				len += snprintf(known + len, sizeof known - len, "%s%s", j ? " " : "",
						lab_settings[j].name);
			return gg_fail(err, "unknown setting '%s' (known: %s)", k, known);
		}
		if (st->integer) {
			long l;
			if (cmd_parse_long(k, v, (long)st->min, (long)st->max, &l, err) < 0)
				return -1;
			vals[i] = (double)l;
		} else if (cmd_parse_double(k, v, st->min, st->max, &vals[i], err) < 0) {
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(keys[j], k))
				return gg_fail(err, "'%s' is given twice", k);
		keys[i] = st->name;
	}
	if (!ctx->lab)
		return 0;
	return lab_set(ctx->lab, all, n, keys, vals, err);
}

/* ---- train, pause, eval, show, export --------------------------------------------------- */

static int cmd_train(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	double n = 0;
	int epochs = 0;
	int all = argc > 1 && !strcmp(argv[1], "-a");
	if (all) {
		argc--;
		argv++;
	}
	if (argc > 3)
		return gg_fail(err, "too many arguments");
	if (argc >= 2 && cmd_parse_double("N", argv[1], 1e-9, 1e12, &n, err) < 0)
		return -1;
	if (argc >= 3) {
		if (!strcmp(argv[2], "steps") || !strcmp(argv[2], "step"))
			epochs = 0;
		else if (!strcmp(argv[2], "epochs") || !strcmp(argv[2], "epoch"))
			epochs = 1;
		else
			return gg_fail(err, "unit must be steps or epochs, got '%s'", argv[2]);
	}
	if (!epochs && n != floor(n))
		return gg_fail(err, "a number of steps must be whole, got %s", argv[1]);
	if (!ctx->lab)
		return 0;
	return lab_train(ctx->lab, all, n, epochs, err);
}

static int cmd_pause(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return ctx->lab ? lab_pause(ctx->lab, err) : 0;
}

static int cmd_eval(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	double stages = 0;
	const opt_spec spec[] = { OPT_INT("stages", 1, 1000, &stages) };
	if (parse_opts(argc - 1, argv + 1, spec, 1, err) < 0)
		return -1;
	return ctx->lab ? lab_eval_full(ctx->lab, (int)stages, err) : 0;
}

static int cmd_margins(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return ctx->lab ? lab_margins(ctx->lab, err) : 0;
}

static int cmd_phdim(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int on = 0, loss = 0;
	double n = 1000, k = 128, stride = 1, every = 0, m = 200;
	int i = 1;
	if (argc > 1 && !strcmp(argv[1], "on"))
		on = 1, i = 2;
	else if (argc > 1 && !strcmp(argv[1], "off"))
		on = -1, i = 2;
	else if (argc > 1 && !strcmp(argv[1], "now"))
		i = 2;
	if (on <= 0 && i < argc)
		return gg_fail(err, "options go with 'phdim on'");
	const char *mode = "weights";
	const opt_spec spec[] = {
		OPT_INT("n", 40, 100000, &n), OPT_INT("k", 1, 512, &k),
		OPT_INT("stride", 1, 1000000, &stride), OPT_INT("every", 0, 1000000, &every),
		OPT_WORD("mode", &mode), OPT_INT("m", 2, 2000, &m),
	};
	if (parse_opts(argc - i, argv + i, spec, 6, err) < 0)
		return -1;
	if (!strcmp(mode, "loss"))
		loss = 1;
	else if (strcmp(mode, "weights") != 0)
		return gg_fail(err, "mode must be weights or loss, got '%s'", mode);
	return ctx->lab ? lab_phdim(ctx->lab, on, (int)n, (int)k, (int)stride, (int)every, loss, (int)m,
				    err)
			: 0;
}

static int cmd_show(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return ctx->lab ? lab_show(ctx->lab, err) : 0;
}

static int cmd_export(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int csv = !strcmp(argv[1], "csv");
	if (!csv && strcmp(argv[1], "jsonl") != 0)
		return gg_fail(err, "unknown export format '%s' (known: csv jsonl)", argv[1]);
	if (!*argv[2])
		return gg_fail(err, "export needs a file name");
	if (!ctx->lab)
		return 0;
	return lab_export(ctx->lab, !csv, argv[2], err);
}

/* ---- runs ------------------------------------------------------------------------------ */

static int cmd_run(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	const char *sub = argv[1];
	if (!strcmp(sub, "list")) {
		if (argc != 2)
			return gg_fail(err, "run list takes no arguments");
		return ctx->lab ? lab_run_list(ctx->lab, err) : 0;
	}
	if (strcmp(sub, "new") && strcmp(sub, "use") && strcmp(sub, "drop"))
		return gg_fail(err, "unknown run command '%s' (known: new use drop list)", sub);
	if (argc < 3)
		return gg_fail(err, "run %s needs a run name", sub);
	if (lab_check_run_name(argv[2], err) < 0)
		return -1;
	double seed = -1; /* none given: the lab picks one */
	if (!strcmp(sub, "new")) {
		const opt_spec spec[] = { OPT_INT("seed", 0, 2147483647L, &seed) };
		if (parse_opts(argc - 3, argv + 3, spec, 1, err) < 0)
			return -1;
	} else if (argc > 3) {
		return gg_fail(err, "run %s takes one run name", sub);
	}
	if (!ctx->lab)
		return 0;
	if (!strcmp(sub, "new"))
		return lab_run_new(ctx->lab, argv[2], seed >= 0, seed >= 0 ? (uint64_t)seed : 0, err);
	if (!strcmp(sub, "use"))
		return lab_run_use(ctx->lab, argv[2], err);
	return lab_run_drop(ctx->lab, argv[2], err);
}

static int cmd_fork(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	if (argc > 1 && lab_check_run_name(argv[1], err) < 0)
		return -1;
	return ctx->lab ? lab_fork(ctx->lab, argc > 1 ? argv[1] : NULL, err) : 0;
}

static int cmd_twin(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	long k;
	double sets = 1;
	if (cmd_parse_long("K", argv[1], 2, 64, &k, err) < 0)
		return gg_fail(err, "twin needs K ≥ 2 runs to compare (at most 64), got '%s'", argv[1]);
	const opt_spec spec[] = { OPT_INT("sets", 1, k, &sets) };
	if (parse_opts(argc - 2, argv + 2, spec, 1, err) < 0)
		return -1;
	return ctx->lab ? lab_twin(ctx->lab, (int)k, (int)sets, err) : 0;
}

static int cmd_rollback(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return ctx->lab ? lab_rollback(ctx->lab, err) : 0;
}

/* `at STEP CMD...` and `every N CMD...`: the scheduled command is checked now. */
static int schedule(cmd_ctx *ctx, int argc, char **argv, int every, char *err)
{
	long n;
	if (cmd_parse_long(every ? "N" : "STEP", argv[1], every ? 1 : 0, 1L << 50, &n, err) < 0)
		return -1;
	const cmd_entry *e;
	cmd_call c;
	char e2[GG_ERRLEN];
	if (cmd_call_make(&c, argc - 2, argv + 2, NULL, &e, e2) < 0)
		return gg_fail(err, "%s: %s", argv[2], e2);
	int rc = 0;
	static const char *const never[] = { "at", "every", "sync", "run", "load", "source" };
	int bad = (c.entry->flags & (CMD_UI | CMD_WAIT)) != 0;
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		bad |= !strcmp(c.entry->name, never[i]);
	if (bad)
		rc = gg_fail(err, "%s cannot be scheduled (only commands that apply at once)",
			     c.entry->name);
	else if (ctx->lab)
		rc = lab_schedule(ctx->lab, every ? -1 : n, every ? n : 0, &c, err);
	cmd_call_free(&c);
	return rc;
}

static int cmd_at(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return schedule(ctx, argc, argv, 0, err);
}

static int cmd_every(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return schedule(ctx, argc, argv, 1, err);
}

/* `sync NAME=STEP ...` holds a replayed journal until the runs reach those steps; the
 * trainer carries it out. Here it is only checked. */
static int cmd_sync(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	for (int i = 1; i < argc; i++) {
		char name[48];
		const char *v;
		long step;
		if (kv(argv[i], name, sizeof name, &v, err) < 0)
			return -1;
		if (lab_check_run_name(name, err) < 0 ||
		    cmd_parse_long(name, v, 0, 1L << 50, &step, err) < 0)
			return -1;
	}
	if (ctx->lab && !ctx->script)
		return gg_fail(err, "sync belongs in a replayed journal, not at the prompt");
	return 0;
}

static int cmd_recipe(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	double base = 128;
	if (strcmp(argv[1], "hoffer") != 0)
		return gg_fail(err, "unknown recipe '%s' (known: hoffer)", argv[1]);
	const opt_spec spec[] = { OPT_INT("base", 1, 1 << 20, &base) };
	if (parse_opts(argc - 2, argv + 2, spec, 1, err) < 0)
		return -1;
	return ctx->lab ? lab_recipe(ctx->lab, (int)base, err) : 0;
}

static int cmd_fit(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	double from = 0, to = 0;
	const opt_spec spec[] = { OPT_INT("from", 0, 1L << 50, &from), OPT_INT("to", 1, 1L << 50, &to) };
	if (parse_opts(argc - 1, argv + 1, spec, 2, err) < 0)
		return -1;
	if (to > 0 && to <= from)
		return gg_fail(err, "to=%.0f must be after from=%.0f", to, from);
	return ctx->lab ? lab_fit(ctx->lab, (long)from, (long)to, err) : 0;
}

static int cmd_save(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	if (!*argv[1])
		return gg_fail(err, "save needs a file name");
	return ctx->lab ? lab_save(ctx->lab, argv[1], err) : 0;
}

static int cmd_load(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	if (!*argv[1])
		return gg_fail(err, "load needs a file name");
	return ctx->lab ? lab_load(ctx->lab, argv[1], err) : 0;
}

/* `source` is expanded by the parser; reaching exec means the file was already read. */
static int cmd_source(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	if (!*argv[1])
		return gg_fail(err, "source needs a file name");
	return 0;
}

/* ---- screen commands (CMD_UI): validated here, carried out by the UI ---------------- */

/* "on" → 1, "off" → 0, no argument → -1 (toggle). */
static int toggle_arg(int argc, char **argv, int *on, char *err)
{
	if (argc < 2) {
		*on = -1;
		return 0;
	}
	return on_off(argv[0], argv[1], on, err);
}

static int cmd_view(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	static const char *names[] = { "auto", "loss", "gap", "dist", "inst", "boundary" };
	for (int v = 0; v < 6; v++)
		if (!strcmp(argv[1], names[v]) || (v == 4 && !strcmp(argv[1], "instruments")))
			return ctx->ui ? ui_cmd_view(ctx->ui, (ui_view)v, err) : 0;
	return gg_fail(err, "unknown view '%s' (known: auto loss gap dist inst boundary)", argv[1]);
}

static int cmd_xaxis(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	ui_xaxis x;
	if (!strcmp(argv[1], "steps"))
		x = UI_X_STEPS;
	else if (!strcmp(argv[1], "epochs"))
		x = UI_X_EPOCHS;
	else if (!strcmp(argv[1], "log") || !strcmp(argv[1], "logsteps"))
		x = UI_X_LOGSTEPS;
	else
		return gg_fail(err, "x axis must be steps, epochs or log, got '%s'", argv[1]);
	return ctx->ui ? ui_cmd_xaxis(ctx->ui, x, err) : 0;
}

static int cmd_logx(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int on;
	if (toggle_arg(argc, argv, &on, err) < 0)
		return -1;
	/* -1 asks the UI to toggle between log-steps and steps */
	return ctx->ui ? ui_cmd_xaxis(ctx->ui, on < 0 ? (ui_xaxis)-1 : on ? UI_X_LOGSTEPS : UI_X_STEPS, err)
		       : 0;
}

static int cmd_logy(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int on;
	if (toggle_arg(argc, argv, &on, err) < 0)
		return -1;
	return ctx->ui ? ui_cmd_logy(ctx->ui, on, err) : 0;
}

static int cmd_smooth(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	double a;
	if (cmd_parse_double("smooth", argv[1], 0, 0.999, &a, err) < 0)
		return -1;
	return ctx->ui ? ui_cmd_smooth(ctx->ui, a, err) : 0;
}

static int cmd_metric(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int e;
	if (!strcmp(argv[1], "loss"))
		e = 0;
	else if (!strcmp(argv[1], "err") || !strcmp(argv[1], "error"))
		e = 1;
	else
		return gg_fail(err, "metric must be loss or err, got '%s'", argv[1]);
	return ctx->ui ? ui_cmd_metric(ctx->ui, e, err) : 0;
}

static int cmd_zoom(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	long n = 0;
	if (strcmp(argv[1], "all") != 0 && cmd_parse_long("zoom", argv[1], 2, 1L << 40, &n, err) < 0)
		return -1;
	return ctx->ui ? ui_cmd_zoom(ctx->ui, n, err) : 0;
}

static int cmd_follow(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	int on;
	if (toggle_arg(argc, argv, &on, err) < 0)
		return -1;
	return ctx->ui ? ui_cmd_follow(ctx->ui, on, err) : 0;
}

static int cmd_plot(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	for (int i = 1; i < argc; i++)
		if (!*argv[i] || strcspn(argv[i], " \t,=") != strlen(argv[i]))
			return gg_fail(err, "'%s' is not a series name", argv[i]);
	return ctx->ui ? ui_cmd_plot(ctx->ui, argc - 1, argv + 1, err) : 0;
}

static int cmd_help(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	const cmd_entry *e = NULL;
	if (argc > 1 && !(e = cmd_find(argv[1], err)))
		return -1;
	return ctx->ui ? ui_cmd_help(ctx->ui, e ? e->name : NULL, err) : 0;
}

static int cmd_quit(cmd_ctx *ctx, int argc, char **argv, char *err)
{
	return ctx->ui ? ui_cmd_quit(ctx->ui, err) : 0;
}

const cmd_entry cmd_table[] = {
	{ .name = "data", .usage = "NAME [n=N] [noise=P] [seed=S] [dim=D] [keep=on]",
	  .help = "choose the data set (" DATA_NAMES "); the run restarts (keep=on: keeps its weights)",
	  .min_args = 1, .max_args = 6, .flags = CMD_JOURNAL, .exec = cmd_data,
	  .args = DATA_NAMES " n= noise= seed= dim= keep=" },
	{ .name = "model",
	  .usage = "mlp WIDTHxDEPTH [act=relu|tanh] [norm=none|bn|gbn] [ghost=G] | "
		   "nais width=W blocks=B stages=K [h=H] [eps=E] [stable=on|off]",
	  .help = "choose the network; the run restarts from fresh weights",
	  .min_args = 1, .max_args = 8, .flags = CMD_JOURNAL, .exec = cmd_model,
	  .args = "mlp nais act= norm= ghost= width= blocks= stages= h= eps= stable=" },
	{ .name = "opt",
	  .usage = "sgd|adamw [lr=X] [momentum=M] [nesterov=on|off] [wd=W] [clip=C] "
		   "[drops=E1,E2,...] [factor=F]",
	  .help = "choose the optimizer and its learning-rate schedule; keeps the weights",
	  .min_args = 1, .max_args = 9, .flags = CMD_JOURNAL, .exec = cmd_opt,
	  .args = "sgd adamw lr= momentum= nesterov= wd= clip= drops= factor= beta2=" },
	{ .name = "set", .usage = "[-a] KEY VALUE [KEY VALUE ...]",
	  .help = "change a setting (lr bs momentum wd clip ghost eval tol kmax base scale regime) between "
		  "two steps, all or nothing (-a: every run)",
	  .min_args = 2, .max_args = -1, .flags = CMD_JOURNAL, .exec = cmd_set, .args = "<setting>" },
	{ .name = "train", .usage = "[-a] [N [steps|epochs]]",
	  .help = "train N more steps or epochs (no N: until paused; -a: every run)",
	  .min_args = 0, .max_args = 3, .flags = CMD_JOURNAL | CMD_WAIT, .exec = cmd_train,
	  .args = "steps epochs" },
	{ .name = "pause", .usage = "", .help = "stop training after the current step",
	  .min_args = 0, .max_args = 0, .flags = CMD_JOURNAL, .exec = cmd_pause },
	{ .name = "eval", .usage = "[stages=K]",
	  .help = "evaluate the current run on the full train and test sets now (a nais model: K stages)",
	  .min_args = 0, .max_args = 1, .flags = 0, .exec = cmd_eval, .args = "stages=" },
	{ .name = "margins", .usage = "",
	  .help = "print the NAIS-Net stability margins of the current run now",
	  .min_args = 0, .max_args = 0, .flags = 0, .exec = cmd_margins },
	{ .name = "phdim", .usage = "[now | off | on [n=N] [k=K] [stride=S] [every=E] [mode=weights|loss] [m=M]]",
	  .help = "PH dimension of the trajectory: keep the last N iterates (on), estimate (now)",
	  .min_args = 0, .max_args = 7, .flags = CMD_JOURNAL, .exec = cmd_phdim,
	  .args = "on off now n= k= stride= every= mode= m=" },
	{ .name = "show", .usage = "", .help = "print the current run's configuration, settings and last metrics",
	  .min_args = 0, .max_args = 0, .flags = 0, .exec = cmd_show },
	{ .name = "export", .usage = "csv|jsonl PATH",
	  .help = "write every run's series, settings and events to one file",
	  .min_args = 2, .max_args = 2, .flags = 0, .exec = cmd_export, .args = "csv jsonl <file>" },
	{ .name = "run", .usage = "new NAME [seed=S] | use NAME | drop NAME | list",
	  .help = "make a run of the current configuration with fresh weights, switch, drop, list",
	  .min_args = 1, .max_args = 3, .flags = CMD_JOURNAL, .exec = cmd_run,
	  .args = "new use drop list <run> seed=" },
	{ .name = "fork", .usage = "[NAME]",
	  .help = "an exact copy of the current run, which becomes current (default name: RUN.fK)",
	  .min_args = 0, .max_args = 1, .flags = CMD_JOURNAL, .exec = cmd_fork },
	{ .name = "twin", .usage = "K [sets=S]",
	  .help = "K runs of the current configuration differing only in seed (S disjoint training sets)",
	  .min_args = 1, .max_args = 2, .flags = CMD_JOURNAL, .exec = cmd_twin, .args = "sets=" },
	{ .name = "recipe", .usage = "hoffer [base=B]",
	  .help = "the large-batch recipe for this batch size: sqrt lr scaling, ghost BN, regime, clip 5",
	  .min_args = 1, .max_args = 2, .flags = CMD_JOURNAL, .exec = cmd_recipe, .args = "hoffer base=" },
	{ .name = "fit", .usage = "[from=STEP] [to=STEP]",
	  .help = "fit dist = a + b ln t (and a + b sqrt t) over a window of steps; the screen draws it",
	  .min_args = 0, .max_args = 2, .flags = 0, .exec = cmd_fit, .args = "from= to=" },
	{ .name = "rollback", .usage = "",
	  .help = "return the current run to its last good evaluation (after a divergence)",
	  .min_args = 0, .max_args = 0, .flags = CMD_JOURNAL, .exec = cmd_rollback },
	{ .name = "at", .usage = "STEP COMMAND ...",
	  .help = "run a command when the current run reaches STEP",
	  .min_args = 2, .max_args = -1, .flags = 0, .exec = cmd_at, .args = "<command>" },
	{ .name = "every", .usage = "N COMMAND ...",
	  .help = "run a command every N steps of the current run",
	  .min_args = 2, .max_args = -1, .flags = 0, .exec = cmd_every, .args = "<command>" },
	{ .name = "sync", .usage = "RUN=STEP [RUN=STEP ...]",
	  .help = "in a replayed journal: wait until the runs reach these steps",
	  .min_args = 1, .max_args = -1, .flags = 0, .exec = cmd_sync, .args = "<run>" },
	{ .name = "save", .usage = "PATH",
	  .help = "write a checkpoint of every run (atomically: the old file survives a failure)",
	  .min_args = 1, .max_args = 1, .flags = 0, .exec = cmd_save, .args = "<file>" },
	{ .name = "load", .usage = "PATH",
	  .help = "replace every run by a checkpoint's (a bad file changes nothing)",
	  .min_args = 1, .max_args = 1, .flags = CMD_JOURNAL, .exec = cmd_load, .args = "<file>" },
	{ .name = "source", .usage = "PATH", .help = "run the commands in a script file",
	  .min_args = 1, .max_args = 1, .flags = 0, .exec = cmd_source, .args = "<file>" },
	{ .name = "view", .usage = "auto|loss|gap|dist|inst|boundary",
	  .help = "choose the panel to show large (auto: as many as fit; boundary: 2-D data sets)",
	  .min_args = 1, .max_args = 1, .flags = CMD_UI, .exec = cmd_view,
	  .args = "auto loss gap dist inst boundary" },
	{ .name = "xaxis", .usage = "steps|epochs|log", .help = "plot against steps, epochs or log-steps",
	  .min_args = 1, .max_args = 1, .flags = CMD_UI, .exec = cmd_xaxis, .args = "steps epochs log" },
	{ .name = "logx", .usage = "[on|off]", .help = "log-steps on the x axis (no argument: toggle)",
	  .min_args = 0, .max_args = 1, .flags = CMD_UI, .exec = cmd_logx, .args = "on off" },
	{ .name = "logy", .usage = "[on|off]", .help = "logarithmic y axis for losses (no argument: toggle)",
	  .min_args = 0, .max_args = 1, .flags = CMD_UI, .exec = cmd_logy, .args = "on off" },
	{ .name = "smooth", .usage = "ALPHA",
	  .help = "EMA weight of the smoothed curves drawn over the raw ones (0 = off)",
	  .min_args = 1, .max_args = 1, .flags = CMD_UI, .exec = cmd_smooth },
	{ .name = "metric", .usage = "loss|err", .help = "plot losses or error rates",
	  .min_args = 1, .max_args = 1, .flags = CMD_UI, .exec = cmd_metric, .args = "loss err" },
	{ .name = "zoom", .usage = "N|all", .help = "show only the last N steps (all: everything)",
	  .min_args = 1, .max_args = 1, .flags = CMD_UI, .exec = cmd_zoom, .args = "all" },
	{ .name = "follow", .usage = "[on|off]", .help = "keep the newest step in view (no argument: toggle)",
	  .min_args = 0, .max_args = 1, .flags = CMD_UI, .exec = cmd_follow, .args = "on off" },
	{ .name = "plot", .usage = "SERIES [SERIES ...] | auto",
	  .help = "choose the series the instruments panel plots, by name (e.g. grad_norm wnorm); "
		  "auto: its own choice",
	  .min_args = 1, .max_args = 8, .flags = CMD_UI, .exec = cmd_plot, .args = "<series>" },
	{ .name = "help", .usage = "[COMMAND]", .help = "list the commands, or explain one",
	  .min_args = 0, .max_args = 1, .flags = CMD_UI, .exec = cmd_help, .args = "<command>" },
	{ .name = "quit", .alias = "q", .usage = "", .help = "leave gglab",
	  .min_args = 0, .max_args = 0, .flags = CMD_UI, .exec = cmd_quit },
};
const int cmd_count = sizeof cmd_table / sizeof cmd_table[0];
