/* team.c — a few threads that work on one thing together: the parts of one training step
 * (rows of a product, ranges of an update) or several runs' steps side by side.
 *
 * The caller is part 0; nn_team_run hands the same function to every part and returns
 * when all are done. A step is a few dozen such hand-offs and barriers, some microseconds
 * apart, so waiting threads spin (with a pause) before they sleep on a condition variable:
 * a hand-off to a spinning thread costs about 0.1 µs, a wake-up from sleep tens of µs on
 * bare metal and about a millisecond in the virtual machine this was measured on. So an
 * idle worker spins for SPIN_MS, longer than the lab's work between two steps, before it
 * sleeps: while a lone run trains, its partner core stays awake.
 *
 * What a part computes must be decided by its part number alone (never by which thread
 * came first), so the bits never depend on timing. Workers set the caller's floating-point
 * mode (flush-to-zero is per thread) and inherit its blocked signals. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__SSE__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

#include "gglab/nn.h"
#include "gglab/util.h"

/* Milliseconds an idle worker spins before it sleeps, and pauses (tens of nanoseconds
 * each) a wait inside a job spins before it yields the core (the partner may have lost
 * its own). */
#define SPIN_MS 5.0
enum { SPIN = 20000 };

struct nn_team {
	int parts;
	pthread_t *threads;            /* [parts − 1] */
	pthread_mutex_t mu;            /* only for sleeping and waking */
	pthread_cond_t wake;
	atomic_int sleepers;
	atomic_ulong gen;              /* bumped for each job */
	atomic_int done;               /* parts finished with the current job */
	atomic_int stop;
	/* the current job: written by the caller before gen is bumped */
	void (*fn)(void *ctx, int part, int parts);
	void *ctx;
	/* barrier: arrivals and a phase that flips when the last part arrives */
	atomic_int arrived;
	atomic_int phase;
	/* nn_team_each's next index */
	atomic_int next;
};

static inline void relax(long *spins)
{
	/* Past the spin budget the partner may have lost its core: give it ours. */
	if (++*spins > SPIN)
		sched_yield();
#if defined(__x86_64__) || defined(__i386__)
	else
		__builtin_ia32_pause();
#endif
}

typedef struct {
	nn_team *t;
	int part;
} worker_arg;

static void *worker_loop(void *arg)
{
	worker_arg a = *(worker_arg *)arg;
	free(arg);
	nn_team *t = a.t;
	nn_fast_float_mode();
	unsigned long seen = 0;
	for (;;) {
		double until = gg_now() + SPIN_MS * 1e-3;
		for (long spins = 0; atomic_load(&t->gen) == seen && !atomic_load(&t->stop); spins++) {
			if (spins % 256 == 255) {
				if (gg_now() > until)
					break;
				sched_yield(); /* to anyone else who wants this core */
			}
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
		if (atomic_load(&t->gen) == seen && !atomic_load(&t->stop)) {
			pthread_mutex_lock(&t->mu);
			atomic_fetch_add(&t->sleepers, 1);
			while (atomic_load(&t->gen) == seen && !atomic_load(&t->stop))
				pthread_cond_wait(&t->wake, &t->mu);
			atomic_fetch_sub(&t->sleepers, 1);
			pthread_mutex_unlock(&t->mu);
		}
		if (atomic_load(&t->stop))
			return NULL;
		seen = atomic_load(&t->gen);
		t->fn(t->ctx, a.part, t->parts);
		atomic_fetch_add(&t->done, 1);
	}
}

nn_team *nn_team_new(int parts)
{
	if (parts < 2)
		return NULL;
	if (parts > NN_TEAM_MAX) /* the split step's and the optimizer's cuts hold this many */
		parts = NN_TEAM_MAX;
	nn_team *t = gg_xcalloc(1, sizeof *t);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->threads = gg_xcalloc((size_t)parts - 1, sizeof *t->threads);
	t->parts = 1;
	for (int i = 1; i < parts; i++) {
		worker_arg *a = gg_xmalloc(sizeof *a);
		*a = (worker_arg){ t, i };
		if (pthread_create(&t->threads[i - 1], NULL, worker_loop, a) != 0) {
			free(a);
			break; /* fewer parts is slower, never wrong */
		}
		t->parts++;
	}
	if (t->parts < 2) {
		nn_team_free(t);
		return NULL;
	}
	return t;
}

int nn_team_size(const nn_team *t)
{
	return t ? t->parts : 1;
}

void nn_team_run(nn_team *t, void (*fn)(void *ctx, int part, int parts), void *ctx)
{
	if (!t) {
		fn(ctx, 0, 1);
		return;
	}
	t->fn = fn;
	t->ctx = ctx;
	atomic_store(&t->done, 0);
	atomic_fetch_add(&t->gen, 1); /* publishes fn and ctx (sequentially consistent) */
	if (atomic_load(&t->sleepers)) {
		pthread_mutex_lock(&t->mu);
		pthread_cond_broadcast(&t->wake);
		pthread_mutex_unlock(&t->mu);
	}
	fn(ctx, 0, t->parts);
	long spins = 0;
	while (atomic_load(&t->done) < t->parts - 1)
		relax(&spins);
}

void nn_team_barrier(nn_team *t)
{
	if (!t)
		return;
	int phase = atomic_load(&t->phase);
	if (atomic_fetch_add(&t->arrived, 1) == t->parts - 1) {
		atomic_store(&t->arrived, 0);
		atomic_store(&t->phase, !phase);
		return;
	}
	long spins = 0;
	while (atomic_load(&t->phase) == phase)
		relax(&spins);
}

typedef struct {
	nn_team *t;
	void (*fn)(void *ctx, int i);
	void *ctx;
	int n;
} each_job;

static void each_part(void *ctx, int part, int parts)
{
	(void)part;
	(void)parts;
	each_job *j = ctx;
	int i;
	while ((i = atomic_fetch_add(&j->t->next, 1)) < j->n)
		j->fn(j->ctx, i);
}

void nn_team_each(nn_team *t, int n, void (*fn)(void *ctx, int i), void *ctx)
{
	if (!t || n < 2) {
		for (int i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	each_job j = { t, fn, ctx, n };
	atomic_store(&t->next, 0);
	nn_team_run(t, each_part, &j);
}

void nn_team_free(nn_team *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->stop, 1);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->mu);
	for (int i = 0; i < t->parts - 1; i++)
		pthread_join(t->threads[i], NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->wake);
	free(t->threads);
	free(t);
}

/* ---- alone or on the team ------------------------------------------------------------ */

/* Trials of each way, TRIALS steps alone and then TRIALS on the team; the fastest of each
 * counts (a first step also sizes buffers and plans its cuts, and the team's first may
 * wake a sleeping worker). */
enum { TRIALS = 3 };

int nn_pick_mode(nn_pick *p, uint64_t key)
{
	/* A new key is measured at once, then again after NN_PICK_FIRST steps, eight times as
	 * many, …, up to every NN_PICK_EVERY: a choice made in a slow moment of the machine
	 * (another process on the other core, a busy host) does not hold for long. */
	int fresh = key != p->key || !p->every;
	if (fresh || p->steps >= p->every) {
		p->every = fresh ? NN_PICK_FIRST : p->every * 8 < NN_PICK_EVERY ? p->every * 8 : NN_PICK_EVERY;
		p->key = key;
		p->steps = 0;
		p->trial = 0;
		p->best[0] = p->best[1] = 1e30;
		p->fresh = fresh;
	}
	if (p->trial < 2 * TRIALS)
		return p->trial >= TRIALS;
	return p->use;
}

int nn_pick_done(nn_pick *p, int mode, double seconds)
{
	p->steps++;
	if (p->trial >= 2 * TRIALS)
		return 0;
	if (seconds < p->best[mode])
		p->best[mode] = seconds;
	if (++p->trial < 2 * TRIALS)
		return 0;
	/* once decided, a change needs a clear margin, so that two close times do not flip
	 * the choice at every measurement */
	int was = p->use;
	if (p->fresh)
		p->use = p->best[1] < p->best[0];
	else
		p->use = was ? !(p->best[0] < 0.95 * p->best[1]) : p->best[1] < 0.95 * p->best[0];
	int fresh = p->fresh;
	p->decided = 1;
	p->fresh = 0;
	return fresh || p->use != was;
}

void nn_fast_float_mode(void)
{
#if defined(__SSE__)
	_MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
	_MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}
