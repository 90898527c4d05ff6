/* retry: backoff with jitter, bounded in attempts and time (retry.h). */
#include "retry.h"

#include "errors.h"

int retry_is_transient(long error_code, long http_status, int transport)
{
    if (transport)
        return 1;
    if (http_status >= 500 && http_status <= 599)
        return 1;
    return error_code == TIM_ERR_INTERNAL || error_code == TIM_ERR_RATE_LIMIT;
}

static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

long retry_backoff(const struct retry_policy *p, unsigned attempt,
                   uint64_t *rng)
{
    long d = p->base_ms;
    for (unsigned i = 1; i < attempt && d < p->max_ms; i++)
        d *= 2;
    if (d > p->max_ms)
        d = p->max_ms;
    long half = d / 2;
    return d - half +
           (half ? (long)(next_random(rng) % (uint64_t)(half + 1)) : 0);
}

int retry_next(const struct retry_policy *p, unsigned attempt, long spent_ms,
               uint64_t *rng, long *wait_ms)
{
    if (attempt >= p->max_attempts)
        return 0;
    long w = retry_backoff(p, attempt, rng);
    if (spent_ms + w > p->budget_ms)
        return 0;
    *wait_ms = w;
    return 1;
}
