/* columns.h — the registry of the instrument columns (after htop's Process_fields[]): each
 * column's name, its short title on the screen, what it measures, and flags. The lab's
 * instruments write them by these names (src/lab/instruments.c), the screen's instruments
 * panel and the batch summary read them (src/ui): none of them spells a name itself. The
 * training columns every run has (epoch, losses, dist, ...) are the lab's (lab_col_names). */
#ifndef GGLAB_COLUMNS_H
#define GGLAB_COLUMNS_H

#include <stddef.h>

enum {
	SERIES_COL_AGREEMENT = 1, /* on a twin group's agreement series, not on a trained run */
	SERIES_COL_MARGIN = 2,    /* a stability margin: its sign is the point (y = 0 shown) */
	SERIES_COL_PER_LAYER = 4, /* name is a prefix: one column per block ("nais_margin_nais1") */
};

typedef enum {
	SERIES_COL_NAIS_MARGIN, SERIES_COL_NAIS_GERSH, SERIES_COL_NAIS_CONTRACT,
	SERIES_COL_NAIS_RESCALED, SERIES_COL_NAIS_STAGES, SERIES_COL_NAIS_RTR_MIN,
	SERIES_COL_NAIS_RTR_MAX,
	SERIES_COL_DISAGREE, SERIES_COL_TWINS_TEST_ERR, SERIES_COL_INCONS, SERIES_COL_INSTAB,
	SERIES_COL_INCONS_INSTAB, SERIES_COL_TWINS_GAP,
	SERIES_COL_PHDIM, SERIES_COL_PHDIM_R2, SERIES_COL_PHDIM_SD,
	SERIES_NCOLUMNS
} series_column_id;

typedef struct {
	const char *name;   /* the column's name, or the prefix of a per-layer column's */
	const char *title;  /* its label on the screen ("PH dim"; a per-layer one adds the layer) */
	const char *help;   /* one line: what it measures */
	unsigned flags;     /* SERIES_COL_* */
} series_column;

extern const series_column series_columns[SERIES_NCOLUMNS];

/* The name of column id (a per-layer one: of its column for layer). */
const char *series_column_name(series_column_id id);
void series_column_layer(series_column_id id, const char *layer, char *buf, size_t len);
/* The registry's entry of a column name (a per-layer one by its prefix; *layer, when
 * given, then points at the layer's part of name), or NULL when it is not an instrument. */
const series_column *series_column_find(const char *name, const char **layer);

#endif
