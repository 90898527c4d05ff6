/*
 * groupgen: groups generated from a seed.
 *
 * A fixture can ask for N groups of each type instead of listing them.  The
 * types are interleaved in one seeded order, and each ID is a bijective
 * scramble of the group's number within its type, so IDs are unique by
 * construction and the same seed gives the same groups on every run.
 * Server-made IDs look like the vendor's (@TGS# + a type character + 8
 * characters; Community ones start @TGS#_); custom IDs have a fixed length.
 */
#ifndef TIM_GROUPGEN_H
#define TIM_GROUPGEN_H

#include <stdint.h>

#include "groupset.h"

struct groupgen {
    uint64_t seed;
    int custom;         /* 0: server-made @TGS# IDs; 1: custom IDs */
    unsigned id_length; /* length of custom IDs */
    uint64_t counts[GT_COUNT];
};

/* groupgen_problem: NULL when g can be generated, else a static text that
 * says why not (a custom ID length too short for the counts, or over 48). */
const char *groupgen_problem(const struct groupgen *g);

/* groupgen_run: appends the generated groups to gs, each with the cursor
 * key next_key(ctx) gives (0: the key space is used up).  Returns 0, or -1
 * when memory or the key space runs out.  g must have no problem. */
int groupgen_run(struct groupset *gs, const struct groupgen *g,
                 uint64_t (*next_key)(void *ctx), void *ctx);

#endif
