/* ratelimit: fixed-window calls per second (ratelimit.h). */
#include "ratelimit.h"

int ratelimit_init(struct ratelimit *r)
{
    r->window = 0;
    r->count = 0;
    return pthread_mutex_init(&r->lock, NULL) ? -1 : 0;
}

void ratelimit_release(struct ratelimit *r)
{
    pthread_mutex_destroy(&r->lock);
}

int ratelimit_take(struct ratelimit *r, unsigned limit, uint64_t now_ms)
{
    pthread_mutex_lock(&r->lock);
    uint64_t second = now_ms / 1000;
    if (second != r->window) {
        r->window = second;
        r->count = 0;
    }
    int ok = r->count < limit;
    if (ok)
        r->count++;
    pthread_mutex_unlock(&r->lock);
    return ok;
}
