/*
 * rng: the one seeded generator of the project (splitmix64), shared by the
 * mock and the client library.
 *
 * Everything the mock makes "at random" (generated groups, cursor gaps,
 * fault probabilities) comes from here, so the same seed always gives the
 * same fixture and the same sequence of faults.
 */
#ifndef TIM_RNG_H
#define TIM_RNG_H

#include <stdint.h>

#include "hash.h"

/* rng_next: advances *state and returns the next 64-bit value. */
static inline uint64_t rng_next(uint64_t *state)
{
    return hash_mix64(*state += 0x9e3779b97f4a7c15ULL);
}

/* rng_below: a value in [0, n) for n > 0 (the tiny modulo bias is fine). */
static inline uint64_t rng_below(uint64_t *state, uint64_t n)
{
    return rng_next(state) % n;
}

#endif
