/* columns.c — the registry of the instrument columns (see columns.h). */
#include <stdio.h>
#include <string.h>

#include "gglab/columns.h"

const series_column series_columns[SERIES_NCOLUMNS] = {
	[SERIES_COL_NAIS_MARGIN] = { "nais_margin_", "margin",
		"spectral stability margin 1 - rho(I + hA) of a NAIS block",
		SERIES_COL_MARGIN | SERIES_COL_PER_LAYER },
	[SERIES_COL_NAIS_GERSH] = { "nais_gersh_", "gersh", "Gershgorin margin of a NAIS block",
		SERIES_COL_MARGIN | SERIES_COL_PER_LAYER },
	[SERIES_COL_NAIS_CONTRACT] = { "nais_contract_", "contract",
		"empirical contraction ratio of a NAIS block's last stages", SERIES_COL_PER_LAYER },
	[SERIES_COL_NAIS_RESCALED] = { "nais_rescaled", "rescaled",
		"fraction of steps on which the stability projection rescaled R", 0 },
	[SERIES_COL_NAIS_STAGES] = { "nais_stages", "stages",
		"mean number of stages the probe batch needed (with tol)", 0 },
	[SERIES_COL_NAIS_RTR_MIN] = { "nais_rtr_min_", "lmin RtR",
		"smallest eigenvalue of R'R of a stable NAIS block", SERIES_COL_PER_LAYER },
	[SERIES_COL_NAIS_RTR_MAX] = { "nais_rtr_max_", "lmax RtR",
		"largest eigenvalue of R'R of a stable NAIS block", SERIES_COL_PER_LAYER },
	[SERIES_COL_DISAGREE] = { "disagree", "disagree",
		"mean pairwise disagreement of a twin group's predictions", SERIES_COL_AGREEMENT },
	[SERIES_COL_TWINS_TEST_ERR] = { "twins_test_err", "twins err",
		"the twins' mean error on the held-out points of their disagreement", SERIES_COL_AGREEMENT },
	[SERIES_COL_INCONS] = { "incons", "C", "inconsistency: mean pairwise KL of the twins' outputs",
		SERIES_COL_AGREEMENT },
	[SERIES_COL_INSTAB] = { "instab", "S",
		"instability: KL between the mean outputs of different training sets", SERIES_COL_AGREEMENT },
	[SERIES_COL_INCONS_INSTAB] = { "incons_instab", "C+S", "inconsistency plus instability",
		SERIES_COL_AGREEMENT },
	[SERIES_COL_TWINS_GAP] = { "twins_gap", "gap", "the twins' mean generalization gap",
		SERIES_COL_AGREEMENT },
	[SERIES_COL_PHDIM] = { "phdim", "PH dim", "PH0 dimension of the last iterates", 0 },
	[SERIES_COL_PHDIM_R2] = { "phdim_r2", "PH fit R2", "R2 of the PH dimension's log-log fit", 0 },
	[SERIES_COL_PHDIM_SD] = { "phdim_sd", "PH sd",
		"spread of the PH dimension over its draws of random subsets", 0 },
};

const char *series_column_name(series_column_id id)
{
	return series_columns[id].name;
}

void series_column_layer(series_column_id id, const char *layer, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", series_columns[id].name, layer);
}

const series_column *series_column_find(const char *name, const char **layer)
{
	for (int i = 0; i < SERIES_NCOLUMNS; i++) {
		const series_column *c = &series_columns[i];
		size_t n = strlen(c->name);
		if (c->flags & SERIES_COL_PER_LAYER ? !strncmp(name, c->name, n) : !strcmp(name, c->name)) {
			if (layer)
				*layer = name + (c->flags & SERIES_COL_PER_LAYER ? n : strlen(name));
			return c;
		}
	}
	return NULL;
}
