/* settings.c — the typed table of what `set` may change between two steps. Parsing,
 * range errors, `show` and the man page's list all come from here. */
#include <string.h>

#include "gglab/lab.h"

const lab_setting lab_settings[] = {
	{ "lr", 1e-8, 100, 0, "base learning rate (the schedule's drops multiply it)" },
	{ "bs", 1, 1 << 20, 1, "batch size; keeps the weights, optimizer state and epoch position" },
	{ "momentum", 0, 0.9999, 0, "SGD momentum (AdamW: beta1)" },
	{ "wd", 0, 1, 0, "weight decay (SGD: L2 on the gradient; AdamW: decoupled)" },
	{ "clip", 0, 1e6, 0, "global gradient-norm clip; 0 turns it off" },
	{ "ghost", 1, 1 << 20, 1, "ghost-batch size G of a norm=gbn model" },
	{ "eval", 0, 1 << 30, 1, "steps between evaluations; 0 = automatic (about 15% of compute)" },
	{ "tol", 0, 1, 0, "NAIS depth probe: a stage counts until |dx| <= tol(1+|x|); 0 off" },
	{ "kmax", 0, 1000, 1, "NAIS probes unroll at most this many stages (0: the training depth)" },
	{ "base", 0, 1 << 20, 1, "base batch size of the large-batch recipe; 0 turns scaling off" },
	{ "scale", 0, 2, 0, "lr is multiplied by (bs/base)^scale: 0.5 square root, 1 linear" },
	{ "regime", 0, 1, 1, "1: drop epochs and 'train N epochs' are multiplied by bs/base" },
};
const int lab_nsettings = sizeof lab_settings / sizeof lab_settings[0];

const lab_setting *lab_setting_find(const char *name)
{
	for (int i = 0; i < lab_nsettings; i++)
		if (strcmp(lab_settings[i].name, name) == 0)
			return &lab_settings[i];
	return NULL;
}
