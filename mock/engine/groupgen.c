/* groupgen: seeded, unique group IDs (groupgen.h). */
#include "groupgen.h"

#include <string.h>

#include "rng.h"

static const char type_char[GT_COUNT] = {'2', '1', '3', 'a', 'b', '_'};
static const char *const custom_prefix[GT_COUNT] = {"pub-", "prv-", "room-",
                                                    "av-",  "bc-",  "@TGS#_c-"};
static const char upper36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char lower36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

#define SERVER_DIGITS 8
#define MAX_DIGITS    12 /* 36^12 < 2^63 */

static uint64_t pow36(unsigned d)
{
    uint64_t m = 1;
    while (d--)
        m *= 36;
    return m;
}

/* Digits of the number part of an ID of type t. */
static unsigned digits(const struct groupgen *g, int t)
{
    if (!g->custom)
        return SERVER_DIGITS;
    unsigned d = g->id_length - (unsigned)strlen(custom_prefix[t]);
    return d > MAX_DIGITS ? MAX_DIGITS : d;
}

const char *groupgen_problem(const struct groupgen *g)
{
    if (g->custom && g->id_length > GROUP_ID_MAX)
        return "custom IDs are at most 48 bytes";
    for (int t = 0; t < GT_COUNT; t++) {
        if (!g->counts[t])
            continue;
        if (g->custom && g->id_length <= strlen(custom_prefix[t]))
            return "id_length is too short for the type's prefix";
        if (g->counts[t] > pow36(digits(g, t)))
            return "id_length is too short for that many unique IDs";
    }
    return NULL;
}

/* A bijection of [0, m) for m a power of 36: i * mul + add, mod m, taken
 * for i = 0, 1, 2, ... one step (an addition) at a time in `at`. */
struct scramble {
    uint64_t mul, add, m;
    uint64_t at; /* the value for the next i */
};

static struct scramble scramble_for(uint64_t seed, int t, uint64_t m)
{
    uint64_t s = seed ^ ((uint64_t)t << 56);
    struct scramble sc = {rng_next(&s) % m | 1, rng_next(&s) % m, m, 0};
    while (sc.mul % 3 == 0) /* coprime to 36^d: odd and not a multiple of 3 */
        sc.mul = (sc.mul + 2) % m;
    sc.at = sc.add; /* i = 0 */
    return sc;
}

/* The value for the next i; m < 2^63 keeps at + mul in 64 bits. */
static uint64_t scramble_next(struct scramble *sc)
{
    uint64_t v = sc->at;
    sc->at =
        sc->at + sc->mul >= sc->m ? sc->at + sc->mul - sc->m : sc->at + sc->mul;
    return v;
}
static size_t make_id(const struct groupgen *g, int t, uint64_t v, char *id)
{
    size_t n = 0;
    unsigned d = digits(g, t);
    if (g->custom) {
        size_t p = strlen(custom_prefix[t]);
        memcpy(id, custom_prefix[t], p);
        n = p;
        while (n + d < g->id_length) /* pad long IDs */
            id[n++] = '0';
    } else {
        memcpy(id, "@TGS#", 5);
        id[5] = type_char[t];
        n = 6;
    }
    const char *alphabet = g->custom ? lower36 : upper36;
    for (unsigned i = d; i-- > 0;) {
        id[n + i] = alphabet[v % 36];
        v /= 36;
    }
    return n + d;
}

int groupgen_run(struct groupset *gs, const struct groupgen *g,
                 uint64_t (*next_key)(void *ctx), void *ctx)
{
    struct scramble sc[GT_COUNT];
    uint64_t left[GT_COUNT], total = 0;
    for (int t = 0; t < GT_COUNT; t++) {
        sc[t] = scramble_for(g->seed, t, pow36(digits(g, t)));
        left[t] = g->counts[t];
        total += left[t];
    }
    size_t id_bytes = 0;
    for (int t = 0; t < GT_COUNT; t++)
        id_bytes +=
            g->counts[t] * (g->custom ? g->id_length : 6 + SERVER_DIGITS);
    if (groupset_reserve(gs, total, id_bytes) != 0)
        return -1;
    /* the memory they go into is faulted in meanwhile, on another thread */
    struct groupset_faulter faulter;
    groupset_faulter_start(&faulter, gs, total, id_bytes);
    /* unique by construction: the duplicate check need not compare them */
    gs->unique_from = gs->n_groups;
    gs->unique_to = gs->n_groups + total;
    uint64_t rng = g->seed;
    char id[GROUP_ID_MAX];
    for (; total; total--) {
        uint64_t r = rng_below(&rng, total);
        int t = 0;
        while (r >= left[t])
            r -= left[t++];
        size_t n = make_id(g, t, scramble_next(&sc[t]), id);
        left[t]--;
        uint64_t key = next_key(ctx);
        if (!key || groupset_append(gs, key, id, n, t) != 0)
            break;
    }
    groupset_faulter_join(&faulter);
    return total ? -1 : 0;
}
