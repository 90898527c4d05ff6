/*
 * ratelimit: an app's calls-per-second limit.
 *
 * A fixed one-second window on the monotonic clock: the first `limit` calls
 * of each second pass, the rest are refused.  The counter sits behind its
 * own lock; ratelimit_take is thread-safe.
 */
#ifndef TIM_RATELIMIT_H
#define TIM_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

struct ratelimit {
    pthread_mutex_t lock;
    uint64_t window; /* the second being counted */
    unsigned count;  /* calls seen in it */
};

/* ratelimit_init / ratelimit_release: a fresh counter, and its end. */
int ratelimit_init(struct ratelimit *r);
void ratelimit_release(struct ratelimit *r);

/* ratelimit_take: counts one call made at now_ms (monotonic milliseconds);
 * returns 1 when it is within limit calls per second, else 0. */
int ratelimit_take(struct ratelimit *r, unsigned limit, uint64_t now_ms);

#endif
