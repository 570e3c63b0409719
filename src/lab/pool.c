/* pool.c — the workers that step several runs side by side (one per core).
 *
 * The trainer thread is worker 0; pool_run hands out the indices 0..n-1 one at a time to
 * whichever worker is free and returns when every one is done, so a round still ends
 * when every run has taken its step. What a worker computes must touch only its own run:
 * then the bits never depend on which worker took it or when. Workers set the trainer's
 * floating-point mode (flush-to-zero is per thread) and inherit its blocked signals. */
#include <pthread.h>
#include <stdlib.h>

#include "gglab/nn.h"
#include "gglab/util.h"
#include "internal.h"

struct lab_pool {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	pthread_t *threads;
	int nthreads;
	unsigned long gen;  /* bumped for each batch of work */
	int stop;
	/* the current batch */
	void (*fn)(void *ctx, int i);
	void *ctx;
	int n, next, finished;
};

/* Takes indices until none is left; called with mu held, returns with it held. */
static void work(lab_pool *p)
{
	while (p->next < p->n) {
		int i = p->next++;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->ctx, i);
		pthread_mutex_lock(&p->mu);
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
	}
}

static void *worker_main(void *arg)
{
	lab_pool *p = arg;
	nn_fast_float_mode();
	pthread_mutex_lock(&p->mu);
	unsigned long seen = p->gen;
	while (!p->stop) {
		if (p->gen == seen) {
			pthread_cond_wait(&p->go, &p->mu);
			continue;
		}
		seen = p->gen;
		work(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

lab_pool *pool_new(int workers)
{
	if (workers < 2)
		return NULL;
	lab_pool *p = gg_xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->threads = gg_xcalloc((size_t)workers - 1, sizeof *p->threads);
	for (int i = 0; i < workers - 1; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break; /* fewer workers is slower, never wrong */
		p->nthreads++;
	}
	return p;
}

int pool_size(const lab_pool *p)
{
	return p ? p->nthreads + 1 : 1;
}

void pool_run(lab_pool *p, int n, void (*fn)(void *ctx, int i), void *ctx)
{
	if (!p || n < 2) {
		for (int i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	work(p); /* the caller is a worker too */
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->n = 0;
	pthread_mutex_unlock(&p->mu);
}

void pool_free(lab_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p->threads);
	free(p);
}
