/* rng.c — xoshiro256** (Blackman & Vigna), seeded with splitmix64. */
#include "gglab/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void gg_rng_seed(gg_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t gg_rng_next(gg_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

float gg_rng_uniform(gg_rng *r)
{
	return (float)(gg_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

uint32_t gg_rng_below(gg_rng *r, uint32_t n)
{
	/* Lemire's multiply-and-reject: exact and branch-light. */
	uint64_t m = (uint64_t)(uint32_t)(gg_rng_next(r) >> 32) * n;
	uint32_t lo = (uint32_t)m;
	if (lo < n) {
		uint32_t t = -n % n;
		while (lo < t) {
			m = (uint64_t)(uint32_t)(gg_rng_next(r) >> 32) * n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

float gg_rng_normal(gg_rng *r)
{
	/* u1 in (0, 1] so the log is finite. */
	double u1 = ((double)(gg_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double u2 = (double)(gg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void gg_rng_shuffle(gg_rng *r, int *idx, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)gg_rng_below(r, (uint32_t)i + 1);
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

uint64_t gg_rng_derive(uint64_t seed, const char *stream)
{
	/* FNV-1a of the stream name, mixed with the seed through splitmix64. */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)stream; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	uint64_t x = seed ^ h;
	return splitmix64(&x);
}
