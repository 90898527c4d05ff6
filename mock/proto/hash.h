/*
 * hash: the one string hash (FNV-1a) and the one 64-bit mixer (the
 * finalizer of splitmix64) of the project.
 *
 * The hash tables (group IDs, verified UserSigs, the journal's cursors and
 * randoms) and the seeded generator (rng.h) all use these, so there is one
 * of each to read and to test.  Header only: every function is static
 * inline, pure and thread-safe.
 */
#ifndef TIM_HASH_H
#define TIM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* hash_mix64: a bijective mix of x whose every output bit depends on every
 * input bit (splitmix64's finalizer). */
static inline uint64_t hash_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* hash_bytes: FNV-1a of the n bytes at p, continuing from h (start with
 * HASH_SEED). */
#define HASH_SEED 0xcbf29ce484222325ULL
static inline uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* hash_string: FNV-1a of a NUL-terminated string. */
static inline uint64_t hash_string(const char *s)
{
    uint64_t h = HASH_SEED;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

#endif
