/* lab.c — the lab's life cycle: making it (with its message queue, journal and --log
 * stream), starting and stopping the trainer thread, the autosave on a signal, and freeing
 * it all. lab_new and lab_free run on the UI thread, before the trainer starts and after
 * it stopped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "gglab/util.h"
#include "internal.h"

series_store *lab_series(lab *L)
{
	return L->series;
}

lab *lab_new(const lab_options *o, char *err)
{
	if (!o->ops) {
		gg_fail(err, "lab_new: no command operations (lab_options.ops) given");
		return NULL;
	}
	lab *L = gg_xcalloc(1, sizeof *L);
	L->opt = *o;
	/* runs side by side when each has one BLAS thread; with more, the BLAS threads
	 * already take the cores */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	L->cores = cores > 1 ? (int)cores : 1;
	if (L->opt.workers <= 0)
		L->opt.workers = o->threads <= 1 ? L->cores : 1;
	if (lab_msgs_open(L, err) < 0) {
		free(L);
		return NULL;
	}
	pthread_mutex_init(&L->mu, NULL);
	pthread_cond_init(&L->cv, NULL);
	pthread_mutex_init(&L->ph_mu, NULL); /* inst_phdim_cancel may come before any estimate */
	pthread_cond_init(&L->ph_cv, NULL);
	if ((o->journal_path && journal_open(L, o->journal_path, o->journal_unique, err) < 0) ||
	    (o->log_path && lab_log_open(L, o->log_path, err) < 0)) {
		journal_close(L);
		free(L->journal_path);
		lab_msgs_close(L);
		pthread_mutex_destroy(&L->mu);
		pthread_cond_destroy(&L->cv);
		pthread_mutex_destroy(&L->ph_mu);
		pthread_cond_destroy(&L->ph_cv);
		free(L);
		return NULL;
	}
	L->series = series_new();
	for (int c = 0; c < NCOLS; c++)
		L->cols[c] = series_col(L->series, lab_col_names[c]);
	/* auto (0) starts with one thread; each round picks (see lab_round) */
	L->blas_threads = o->threads > 0 ? o->threads : 1;
	openblas_set_num_threads(L->blas_threads);

	return L;
}

int lab_start(lab *L, char *err)
{
	int rc = pthread_create(&L->thread, NULL, lab_trainer_main, L);
	if (rc != 0)
		return gg_fail(err, "cannot start the trainer thread: %s", strerror(rc));
	L->started = 1;
	return 0;
}

static void stop_thread(lab *L)
{
	if (!L->started)
		return;
	inst_phdim_cancel(L); /* an estimate the trainer waits for would hold it for minutes */
	pthread_mutex_lock(&L->mu);
	L->stop = 1;
	pthread_cond_signal(&L->cv);
	pthread_mutex_unlock(&L->mu);
	pthread_join(L->thread, NULL);
	L->started = 0;
}

int lab_autosave(lab *L, char *path, size_t len, char *err)
{
	stop_thread(L); /* from here this thread is the only one touching the runs */
	char dir[3072];
	if (gg_state_dir("autosave", dir, sizeof dir, err) < 0)
		return -1;
	time_t now = time(NULL);
	char when[32];
	strftime(when, sizeof when, "%Y%m%d-%H%M%S", localtime(&now));
	snprintf(path, len, "%s/%s-%d.gglab", dir, when, (int)getpid());
	return lab_save(L, path, err);
}

int lab_close_files(lab *L, char *err)
{
	stop_thread(L);
	journal_close(L);
	lab_log_close(L);
	if (L->write_err[0])
		return gg_fail(err, "%s", L->write_err);
	return 0;
}

void lab_free(lab *L)
{
	if (!L)
		return;
	stop_thread(L);
	inst_free(L);
	journal_close(L);
	for (int i = 0; i < L->nsched; i++)
		L->opt.ops->free(&L->sched[i].call);
	free(L->sched);
	for (int i = 0; i < L->nruns; i++)
		run_free(L, L->runs[i]);
	free(L->runs);
	free(L->todo);
	while (L->datas) { /* only runs hold references; this frees what none released */
		lab_dataref *d = L->datas;
		L->datas = d->next;
		data_free(d->ds);
		free(d);
	}
	lab_log_close(L);
	lab_calls_free(L, &L->inq);
	lab_calls_free(L, &L->inscript);
	lab_calls_free(L, &L->script);
	series_free(L->series);
	lab_msgs_close(L);
	pthread_mutex_destroy(&L->mu);
	pthread_cond_destroy(&L->cv);
	free(L->journal_path);
	free(L->resume_log);
	free(L);
}
