/*
 * retry: when to ask again, and how long to wait first.
 *
 * Pure policy, no clock of its own: the caller says how long it has spent
 * so far, so the policy can be tested with a fake clock.  Backoff is
 * exponential with jitter (half of it random), bounded in attempts and in
 * the total time spent.  Transport failures are worth asking again unless
 * libcurl's code says the next try would fail the same way.
 */
#ifndef TIM_RETRY_H
#define TIM_RETRY_H

#include <stdint.h>

struct retry_policy {
    unsigned max_attempts; /* tries in all, the first one included */
    long budget_ms;        /* time from the first try after which none more */
    long base_ms;          /* the first backoff */
    long max_ms;           /* the longest backoff */
};

/* retry_is_transient: 1 when a failure is worth asking again: an ErrorCode
 * of 10002 or a rate-limit code (60007), an HTTP 5xx, or a transport
 * failure (transport set).  10004, 10007, 10018, the 70xxx codes and the
 * rest are not. */
int retry_is_transient(long error_code, long http_status, int transport);

/* retry_transport_final: 1 when libcurl's code curl_code says that asking
 * again cannot help: a certificate or TLS verification failure (the peer's
 * certificate, the CA bundle, a pinned key), out of memory, a bad URL or an
 * unsupported protocol, a feature libcurl lacks.  0 for the rest: name
 * lookup, connect, timeouts, resets, a send or receive cut short. */
int retry_transport_final(int curl_code);

/* retry_backoff: the wait before try number attempt + 1 (attempt >= 1):
 * min(max_ms, base_ms * 2^(attempt-1)), of which the upper half is random
 * (from *rng). */
long retry_backoff(const struct retry_policy *p, unsigned attempt,
                   uint64_t *rng);

/* retry_next: after try number attempt failed transiently, with spent_ms
 * spent since the first try: returns 1 and the wait in *wait_ms when
 * another try fits the policy, else 0. */
int retry_next(const struct retry_policy *p, unsigned attempt, long spent_ms,
               uint64_t *rng, long *wait_ms);

#endif
