/* tui.c — placeholder until the terminal screen lands: says so plainly. */
#include <stdio.h>

#include "gglab/ui.h"

int ui_tui(lab *L, cmd_list *script, const ui_options *o)
{
	(void)L, (void)script, (void)o;
	fprintf(stderr, "gglab: the terminal screen is not available in this build; "
			"use --batch FILE or -c 'CMDS'\n");
	return 2;
}

int ui_cmd_view(struct ui *u, ui_view v, char *err) { (void)u, (void)v, (void)err; return 0; }
int ui_cmd_xaxis(struct ui *u, ui_xaxis x, char *err) { (void)u, (void)x, (void)err; return 0; }
int ui_cmd_logy(struct ui *u, int on, char *err) { (void)u, (void)on, (void)err; return 0; }
int ui_cmd_smooth(struct ui *u, double a, char *err) { (void)u, (void)a, (void)err; return 0; }
int ui_cmd_metric(struct ui *u, int e, char *err) { (void)u, (void)e, (void)err; return 0; }
int ui_cmd_zoom(struct ui *u, long n, char *err) { (void)u, (void)n, (void)err; return 0; }
int ui_cmd_follow(struct ui *u, int on, char *err) { (void)u, (void)on, (void)err; return 0; }
int ui_cmd_plot(struct ui *u, int n, char **c, char *err) { (void)u, (void)n, (void)c, (void)err; return 0; }
int ui_cmd_help(struct ui *u, const char *c, char *err) { (void)u, (void)c, (void)err; return 0; }
int ui_cmd_quit(struct ui *u, char *err) { (void)u, (void)err; return 0; }
