/* rng.h — explicit-state pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 *
 * Every consumer of randomness (initialization, shuffling, synthetic data, label noise,
 * probes) owns a gg_rng; there is no global generator, so a run's stream depends only on
 * its seed and on how many numbers it has drawn — which is what makes replay exact. */
#ifndef GGLAB_RNG_H
#define GGLAB_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} gg_rng;

void gg_rng_seed(gg_rng *r, uint64_t seed);
uint64_t gg_rng_next(gg_rng *r);
/* Uniform in [0, 1). */
float gg_rng_uniform(gg_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t gg_rng_below(gg_rng *r, uint32_t n);
/* Standard normal (Box–Muller, no cached second value so the state is the whole story). */
float gg_rng_normal(gg_rng *r);
/* Fisher–Yates shuffle of idx[0..n). */
void gg_rng_shuffle(gg_rng *r, int *idx, int n);
/* Derive an independent seed for a named sub-stream (e.g. "init", "data") from a seed. */
uint64_t gg_rng_derive(uint64_t seed, const char *stream);

#endif
