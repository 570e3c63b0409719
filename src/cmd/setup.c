/* setup.c — the commands that set a run up: data, model, opt, set, recipe. Each entry
 * declares its grammar; each exec reads the parsed call and calls into the lab (on the
 * trainer thread). */
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

/* The data spec a call names; data_spec_check's refusals (crop= larger than half the
 * image, path= for a set that is not cifar10) come at parse time. */
static int data_spec_of(const cmd_call *c, data_spec *s, char *err)
{
	data_spec_default(s);
	snprintf(s->name, sizeof s->name, "%s", c->pos[0].word);
	s->n = (int)cmd_opt_num(c, "n", s->n);
	s->noise = (float)cmd_opt_num(c, "noise", s->noise);
	s->seed = (uint64_t)cmd_opt_num(c, "seed", (double)s->seed);
	s->dim = (int)cmd_opt_num(c, "dim", s->dim);
	s->crop = (int)cmd_opt_num(c, "crop", s->crop);
	s->flip = (int)cmd_opt_num(c, "flip", s->flip);
	const cmd_value *path = cmd_opt(c, "path");
	if (path && strlen(path->word) >= sizeof s->path)
		return gg_fail(err, "path: longer than %zu characters", sizeof s->path - 1);
	if (path)
		snprintf(s->path, sizeof s->path, "%s", path->word);
	return data_spec_check(s, err);
}

static int check_data(const cmd_call *c, char *err)
{
	data_spec s;
	return data_spec_of(c, &s, err);
}

static int exec_data(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	data_spec s;
	if (data_spec_of(c, &s, err) < 0)
		return -1;
	return lab_data(ctx->lab, &s, (int)cmd_opt_num(c, "keep", 0), err);
}

const cmd_entry cmd_entry_data = {
	.name = "data",
	.help = "choose the data set (" DATA_NAMES "); the run restarts (keep=on: keeps its weights; "
		"crop=, flip=on: augment images)",
	.flags = CMD_JOURNAL,
	.args = (const cmd_arg[]){ { .meta = "NAME", .kind = CMD_K_DATA }, { 0 } },
	.opts = (const opt_spec[]){
		{ "n", CMD_K_INT, 1, 10000000, .meta = "N" },
		{ "noise", CMD_K_NUM, 0, 1, .meta = "P" },
		{ "seed", CMD_K_INT, 0, 2147483647L, .meta = "S" },
		{ "dim", CMD_K_INT, 2, 4096, .meta = "D" },
		{ .key = "keep", .kind = CMD_K_ONOFF },
		{ "path", CMD_K_FILE, .meta = "DIR" },
		{ "crop", CMD_K_INT, 0, 1024, .meta = "PAD" },
		{ .key = "flip", .kind = CMD_K_ONOFF },
		{ 0 } },
	.check = check_data,
	.exec = exec_data,
};

#define NORMS "none bn gbn"
#define GHOST { "ghost", CMD_K_INT, 2, 1 << 20, .meta = "G" }

static nn_norm norm_of(const cmd_call *c, nn_norm dflt)
{
	const cmd_value *v = cmd_opt(c, "norm");
	if (!v)
		return dflt;
	return !strcmp(v->word, "bn") ? NN_NORM_BN : !strcmp(v->word, "gbn") ? NN_NORM_GBN : NN_NORM_NONE;
}

/* The form's word is the kind; what a form does not give keeps nn_config_default's value. */
static int exec_model(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	static const char *const kinds[] = { [NN_MLP] = "mlp", [NN_NAIS] = "nais", [NN_CNN] = "cnn",
					     [NN_RESNET] = "resnet" };
	nn_kind kind = NN_MLP;
	for (int k = 0; k < (int)(sizeof kinds / sizeof *kinds); k++)
		if (!strcmp(c->form->word, kinds[k]))
			kind = (nn_kind)k;
	nn_config m;
	nn_config_default(&m, kind);
	m.ghost = (int)cmd_opt_num(c, "ghost", m.ghost);
	m.norm = norm_of(c, m.norm);
	if (cmd_opt(c, "act"))
		m.act = cmd_opt(c, "act")->num == 0 ? NN_RELU : NN_TANH;
	switch (kind) {
	case NN_MLP:
		m.width = (int)c->pos[0].num;
		m.depth = (int)c->pos[0].num2;
		break;
	case NN_NAIS:
		m.width = (int)cmd_opt_num(c, "width", m.width);
		m.blocks = (int)cmd_opt_num(c, "blocks", m.blocks);
		m.stages = (int)cmd_opt_num(c, "stages", m.stages);
		m.h = (float)cmd_opt_num(c, "h", m.h);
		m.eps = (float)cmd_opt_num(c, "eps", m.eps);
		m.stable = (int)cmd_opt_num(c, "stable", m.stable);
		m.channels = (int)cmd_opt_num(c, "conv", 0);
		break;
	case NN_CNN:
		m.nconv = c->pos[0].nlist;
		for (int i = 0; i < m.nconv; i++)
			m.conv[i] = (int)c->pos[0].list[i];
		m.fc = (int)cmd_opt_num(c, "fc", m.fc);
		if (cmd_opt(c, "pool"))
			m.pool = cmd_opt(c, "pool")->num == 0 ? NN_POOL_MAX : NN_POOL_AVG;
		break;
	case NN_RESNET:
		m.blocks = (int)cmd_opt_num(c, "n", m.blocks);
		m.width = (int)cmd_opt_num(c, "width", m.width);
		break;
	}
	return lab_model(ctx->lab, &m, err);
}

/* What the declaration cannot say: how many conv stages a cnn may have. */
static int check_model(const cmd_call *c, char *err)
{
	if (!strcmp(c->form->word, "cnn") && c->pos[0].nlist > NN_MAX_CONV)
		return gg_fail(err, "model cnn: %d conv stages is too many (at most %d)", c->pos[0].nlist,
			       NN_MAX_CONV);
	return 0;
}

const cmd_entry cmd_entry_model = {
	.name = "model",
	.help = "choose the network; the run restarts from fresh weights (cnn, resnet and nais "
		"conv=C need image data)",
	.flags = CMD_JOURNAL,
	.noun = "model kind",
	.forms = (const cmd_form[]){
		{ .word = "mlp",
		  .args = (const cmd_arg[]){ { .meta = "WIDTHxDEPTH", .kind = CMD_K_SIZE,
				       .need = "its size as WIDTHxDEPTH, e.g. 512x3" }, { 0 } },
		  .opts = (const opt_spec[]){
			  { "act", CMD_K_ENUM, .values = "relu tanh" },
			  { "norm", CMD_K_ENUM, .values = NORMS },
			  { "ghost", CMD_K_INT, 1, 1 << 20, .meta = "G" },
			  { 0 } } },
		{ .word = "nais",
		  .opts = (const opt_spec[]){
			  { "width", CMD_K_INT, 1, 65536, .meta = "W" },
			  { "blocks", CMD_K_INT, 1, 64, .meta = "B" },
			  { "stages", CMD_K_INT, 1, 1000, .meta = "K" },
			  { "h", CMD_K_NUM, 1e-6, 10, .meta = "H" },
			  { "eps", CMD_K_NUM, 1e-6, 0.499999, .meta = "E" },
			  { .key = "stable", .kind = CMD_K_ONOFF },
			  { "act", CMD_K_ENUM, .values = "relu tanh" },
			  { "conv", CMD_K_INT, 1, 1024, .meta = "C" },
			  { 0 } } },
		{ .word = "cnn",
		  .args = (const cmd_arg[]){ { .meta = "C1,C2,...", .kind = CMD_K_INTS, .lo = 1, .hi = 4096,
				       .need = "the channels of its conv stages, e.g. 32,64" }, { 0 } },
		  .opts = (const opt_spec[]){
			  { "fc", CMD_K_INT, 0, 65536, .meta = "F" },
			  { "norm", CMD_K_ENUM, .values = NORMS },
			  GHOST,
			  { "pool", CMD_K_ENUM, .values = "max avg" },
			  { 0 } } },
		{ .word = "resnet",
		  .opts = (const opt_spec[]){
			  { "n", CMD_K_INT, 1, 64, .meta = "N" },
			  { "width", CMD_K_INT, 1, 1024, .meta = "W" },
			  { "norm", CMD_K_ENUM, .values = "bn gbn" },
			  GHOST,
			  { 0 } } },
		{ 0 } },
	.check = check_model,
	.exec = exec_model,
};

static int exec_opt(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	nn_opt_config o;
	nn_schedule s = { .factor = 0.1f };
	int sgd = !strcmp(c->form->word, "sgd");
	nn_opt_config_default(&o, sgd ? NN_SGD : NN_ADAMW);
	o.lr = (float)cmd_opt_num(c, "lr", o.lr);
	if (sgd)
		o.momentum = (float)cmd_opt_num(c, "momentum", o.momentum);
	else
		o.beta1 = (float)cmd_opt_num(c, "momentum", o.beta1);
	o.nesterov = (int)cmd_opt_num(c, "nesterov", o.nesterov);
	o.wd = (float)cmd_opt_num(c, "wd", o.wd);
	o.clip = (float)cmd_opt_num(c, "clip", o.clip);
	o.beta2 = (float)cmd_opt_num(c, "beta2", o.beta2);
	s.factor = (float)cmd_opt_num(c, "factor", s.factor);
	const cmd_value *d = cmd_opt(c, "drops");
	for (int i = 0; d && i < d->nlist && i < NN_MAX_DROPS; i++)
		s.at[s.n++] = d->list[i];
	return lab_opt(ctx->lab, &o, &s, err);
}

#define OPT_COMMON                                                                  \
	{ "lr", CMD_K_NUM, .meta = "X", .setting = "lr" },                          \
	{ "momentum", CMD_K_NUM, .meta = "M", .setting = "momentum" }
#define OPT_TAIL                                                                    \
	{ "wd", CMD_K_NUM, .meta = "W", .setting = "wd" },                          \
	{ "clip", CMD_K_NUM, .meta = "C", .setting = "clip" },                      \
	{ "drops", CMD_K_LIST, 0, 1e9, .meta = "E1,E2,..." },                       \
	{ "factor", CMD_K_NUM, 1e-6, 1, .meta = "F" }

const cmd_entry cmd_entry_opt = {
	.name = "opt",
	.help = "choose the optimizer and its learning-rate schedule; keeps the weights",
	.flags = CMD_JOURNAL,
	.noun = "optimizer",
	.forms = (const cmd_form[]){
		{ .word = "sgd",
		  .opts = (const opt_spec[]){ OPT_COMMON, { .key = "nesterov", .kind = CMD_K_ONOFF }, OPT_TAIL, { 0 } } },
		{ .word = "adamw",
		  .opts = (const opt_spec[]){ OPT_COMMON, { "beta2", CMD_K_NUM, 0, 0.999999, .meta = "B2" },
				      OPT_TAIL, { 0 } } },
		{ 0 } },
	.exec = exec_opt,
};

static int exec_set(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	const char *keys[16];
	double vals[16];
	int n = c->npos / 2;
	for (int i = 0; i < n && i < 16; i++) {
		keys[i] = lab_setting_find(c->pos[2 * i].word)->name;
		vals[i] = c->pos[2 * i + 1].num;
	}
	return lab_set(ctx->lab, c->all, n, keys, vals, err);
}

const cmd_entry cmd_entry_set = {
	.name = "set",
	.help = "change settings between two steps, all or nothing (-a: every run; help set lists "
		"the keys)",
	.flags = CMD_JOURNAL,
	.all = 1,
	.args = (const cmd_arg[]){ { .meta = "KEY VALUE [KEY VALUE ...]", .kind = CMD_K_SETTING }, { 0 } },
	.exec = exec_set,
};

static int exec_recipe(cmd_ctx *ctx, const cmd_call *c, char *err)
{
	return lab_recipe(ctx->lab, (int)cmd_opt_num(c, "base", 128), (int)cmd_opt_num(c, "ghost", 0),
			  err);
}

const cmd_entry cmd_entry_recipe = {
	.name = "recipe",
	.help = "the large-batch recipe for this batch size: sqrt lr scaling, ghost BN (G = base), regime, clip 5",
	.flags = CMD_JOURNAL,
	.noun = "recipe",
	.forms = (const cmd_form[]){
		{ .word = "hoffer",
		  .opts = (const opt_spec[]){ { "base", CMD_K_INT, 1, 1 << 20, .meta = "B" },
					      { "ghost", CMD_K_INT, 2, 1 << 20, .meta = "G" },
					      { 0 } } },
		{ 0 } },
	.exec = exec_recipe,
};
