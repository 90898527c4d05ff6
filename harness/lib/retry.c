/* retry: backoff with jitter, bounded in attempts and time (retry.h). */
#include "retry.h"

#include <curl/curl.h>
#include <stddef.h>

#include "errors.h"
#include "rng.h"

int retry_is_transient(long error_code, long http_status, int transport)
{
    if (transport)
        return 1;
    if (http_status >= 500 && http_status <= 599)
        return 1;
    return error_code == TIM_ERR_INTERNAL || error_code == TIM_ERR_RATE_LIMIT;
}

/* libcurl's codes after which the same request fails the same way */
static const CURLcode final_codes[] = {
    CURLE_UNSUPPORTED_PROTOCOL,
    CURLE_FAILED_INIT,
    CURLE_URL_MALFORMAT,
    CURLE_NOT_BUILT_IN,
    CURLE_OUT_OF_MEMORY,
    CURLE_BAD_FUNCTION_ARGUMENT,
    CURLE_UNKNOWN_OPTION,
    CURLE_SSL_ENGINE_NOTFOUND,
    CURLE_SSL_ENGINE_SETFAILED,
    CURLE_SSL_CERTPROBLEM,
    CURLE_SSL_CIPHER,
    CURLE_PEER_FAILED_VERIFICATION,
    CURLE_SSL_ENGINE_INITFAILED,
    CURLE_SSL_CACERT_BADFILE,
    CURLE_SSL_CRL_BADFILE,
    CURLE_SSL_ISSUER_ERROR,
    CURLE_SSL_PINNEDPUBKEYNOTMATCH,
    CURLE_SSL_INVALIDCERTSTATUS,
    CURLE_SSL_CLIENTCERT,
};

int retry_transport_final(int curl_code)
{
    for (size_t i = 0; i < sizeof final_codes / sizeof final_codes[0]; i++)
        if ((int)final_codes[i] == curl_code)
            return 1;
    return 0;
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
    return d - half + (half ? (long)(rng_next(rng) % (uint64_t)(half + 1)) : 0);
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
