/* settings.c — the one table of what `set` may change between two steps (after Redis's
 * standardConfig): each row has its name, type, range, help, and the accessors that read,
 * check, change and apply it for a run. `set`, `show`, `help set`, completion, copying
 * settings to new runs, checkpoints and the man page's list (tests/test_state.c compares
 * the two) all come from here. The names and ranges are read by the command layer; the
 * accessors run on the trainer thread only. */
#include <math.h>
#include <string.h>

#include "gglab/util.h"
#include "internal.h"

/* A setting stored in one field of the run: its getter and setter. */
#define FIELD(id, type, field)                                                               \
	static double get_##id(const run *r) { return r->field; }                           \
	static void set_##id(run *r, double v) { r->field = (type)v; }

FIELD(lr, float, ocfg.lr)
FIELD(bs, int, bs) /* the batch buffer grows at the next step */
FIELD(wd, float, ocfg.wd)
FIELD(clip, float, ocfg.clip)
FIELD(ghost, int, mcfg.ghost)
FIELD(eval, int, eval_every)
FIELD(tol, float, nais_tol)
FIELD(kmax, int, nais_kmax)
FIELD(base, int, base_bs)
FIELD(scale, double, lr_scale)
FIELD(regime, int, regime)

/* One name for SGD's momentum and AdamW's beta1, which play the same part. */
static double get_momentum(const run *r)
{
	return r->ocfg.kind == NN_SGD ? r->ocfg.momentum : r->ocfg.beta1;
}

static void set_momentum(run *r, double v)
{
	if (r->ocfg.kind == NN_SGD)
		r->ocfg.momentum = (float)v;
	else
		r->ocfg.beta1 = (float)v;
}

static int check_bs(const run *r, double v, char *err)
{
	if (!r->data)
		return 0;
	int n_train = r->parts > 1 ? r->data->ds->n_train / r->parts : r->data->ds->n_train;
	if (v > n_train)
		return gg_fail(err, "bs=%g is larger than the training set (%d examples%s)", v, n_train,
			       r->parts > 1 ? " in each part" : "");
	return 0;
}

static int check_ghost(const run *r, double v, char *err)
{
	(void)v;
	if (r->mcfg.norm != NN_NORM_GBN)
		return gg_fail(err, "%s: ghost applies only to a model with norm=gbn (this one: %s)",
			       r->name, r->mcfg.norm == NN_NORM_BN ? "bn" : "none");
	return 0;
}

static void apply_opt(run *r)
{
	if (r->built)
		r->opt.cfg = r->ocfg;
}

static void apply_ghost(run *r)
{
	if (r->built)
		nn_model_set_ghost(r->model, r->mcfg.ghost);
}

#define ROW(id, min, max, integer, check, apply, help)                                       \
	{ #id, min, max, integer, help, get_##id, check, set_##id, apply }

const lab_setting lab_settings[] = {
	ROW(lr, 1e-8, 100, 0, NULL, apply_opt, "base learning rate (the schedule's drops multiply it)"),
	ROW(bs, 1, 1 << 20, 1, check_bs, NULL,
	    "batch size; keeps the weights, optimizer state and epoch position"),
	ROW(momentum, 0, 0.9999, 0, NULL, apply_opt, "SGD momentum (AdamW: beta1)"),
	ROW(wd, 0, 1, 0, NULL, apply_opt, "weight decay (SGD: L2 on the gradient; AdamW: decoupled)"),
	ROW(clip, 0, 1e6, 0, NULL, apply_opt, "global gradient-norm clip; 0 turns it off"),
	ROW(ghost, 1, 1 << 20, 1, check_ghost, apply_ghost, "ghost-batch size G of a norm=gbn model"),
	ROW(eval, 0, 1 << 30, 1, NULL, NULL,
	    "steps between evaluations; 0 = automatic (about 15% of compute)"),
	ROW(tol, 0, 1, 0, NULL, NULL,
	    "NAIS depth probe: a stage counts until |dx| <= tol(1+|x|); 0 off"),
	ROW(kmax, 0, 1000, 1, NULL, NULL,
	    "NAIS probes unroll at most this many stages (0: the training depth)"),
	ROW(base, 0, 1 << 20, 1, NULL, NULL,
	    "base batch size of the large-batch recipe; 0 turns scaling off"),
	ROW(scale, 0, 2, 0, NULL, NULL, "lr is multiplied by (bs/base)^scale: 0.5 square root, 1 linear"),
	ROW(regime, 0, 1, 1, NULL, NULL, "1: drop epochs and 'train N epochs' are multiplied by bs/base"),
};
const int lab_nsettings = sizeof lab_settings / sizeof lab_settings[0];

const lab_setting *lab_setting_find(const char *name)
{
	for (int i = 0; i < lab_nsettings; i++)
		if (strcmp(lab_settings[i].name, name) == 0)
			return &lab_settings[i];
	return NULL;
}

int lab_setting_check(const lab_setting *s, const run *r, double v, char *err)
{
	if (!(v >= s->min && v <= s->max) || (s->integer && v != floor(v)))
		return gg_fail(err, "%s=%g is out of range: %s %g to %g", s->name, v,
			       s->integer ? "an integer from" : "from", s->min, s->max);
	return r && s->check ? s->check(r, v, err) : 0;
}

void lab_settings_copy(run *dst, const run *src)
{
	for (int i = 0; i < lab_nsettings; i++)
		lab_settings[i].set(dst, lab_settings[i].get(src));
}

void lab_settings_apply(run *r)
{
	for (int i = 0; i < lab_nsettings; i++)
		if (lab_settings[i].apply)
			lab_settings[i].apply(r);
}
