/*
 * client: the libcurl side of timclient (see timclient.h for the contract).
 *
 * The only file of the project that calls libcurl.  A call builds the URL
 * (url.c), POSTs the body on the handle's kept-alive connection, reads the
 * envelope, and asks again when retry.c says so.  The group-list calls and
 * the pull sit on top of tim_call.
 */
#include "timclient.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cursorwatch.h"
#include "errors.h"
#include "reader.h"
#include "regions.h"
#include "retry.h"
#include "rng.h"
#include "sink.h"
#include "url.h"
#include "usersig.h"

#define URL_MAX            16384
#define RATE_LIMIT_WAIT_MS 1000 /* the least wait after a rate-limit error */

struct tim_client {
    char *base_url; /* where calls go now */
    const struct tim_region *region;
    int on_backup; /* the region's backup domain is in use */
    uint64_t sdkappid;
    char *identifier;
    char *key;
    char *sig; /* the UserSig in use */
    int64_t sig_made;
    int sig_fixed;
    long ttl;
    int64_t (*clock)(void *data);
    void *clock_data;
    long connect_timeout_ms, timeout_ms;
    char *cacert;
    int insecure;
    struct curl_slist *connect_to;
    struct retry_policy retry;
    uint64_t rng;
    tim_log_fn log;
    void *log_data;
    CURL *curl;
    struct curl_slist *headers;
    struct sink answer;      /* the last answer's bytes, reused */
    struct reader_store ids; /* the last page's ID pointers, reused */
    uint64_t retries;
    uint64_t max_pages; /* a pull's bounds; 0: none */
    long max_time_ms;
    int has_deadline; /* a pull with max_time_ms is under way */
    long deadline;    /* then: when it must stop (now_ms's clock) */
};

static const char *const status_names[] = {
    "ok", "usage", "api", "http", "transport", "protocol", "aborted", "bound"};

const char *tim_status_name(int status)
{
    return status >= 0 && status <= TIM_E_BOUND ? status_names[status]
                                                : "unknown";
}

int tim_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void tim_global_cleanup(void)
{
    curl_global_cleanup();
}

__attribute__((format(printf, 2, 3))) static void logf_(tim_client *c,
                                                        const char *fmt, ...)
{
    if (!c->log)
        return;
    char line[URL_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->log(c->log_data, line);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The list of "HOST:PORT:HOST2:PORT2" entries of a comma-separated
 * connect_to; NULL when memory runs out. */
static struct curl_slist *connect_to_list(const char *spec)
{
    struct curl_slist *list = NULL;
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return NULL;
    for (char *e = strtok_r(copy, ",", &save); e;
         e = strtok_r(NULL, ",", &save)) {
        struct curl_slist *l = curl_slist_append(list, e);
        if (!l) {
            curl_slist_free_all(list);
            list = NULL;
            break;
        }
        list = l;
    }
    free(copy);
    return list;
}

static int set_base(tim_client *c, const char *base)
{
    char *b = strdup(base);
    if (!b)
        return -1;
    free(c->base_url);
    c->base_url = b;
    return 0;
}

static int region_base(tim_client *c)
{
    char base[256];
    snprintf(base, sizeof base, "https://%s",
             c->on_backup ? c->region->backup : c->region->primary);
    return set_base(c, base);
}

int tim_client_new(const struct tim_config *cfg, tim_client **out,
                   struct tim_error *err)
{
    if (!cfg || (!cfg->region == !cfg->base_url))
        return tim_fail(err, TIM_E_USAGE, "give a region or a base URL");
    if (!cfg->sdkappid)
        return tim_fail(err, TIM_E_USAGE, "give the SDKAppID");
    if (!cfg->identifier || !cfg->identifier[0])
        return tim_fail(err, TIM_E_USAGE, "give the admin identifier");
    if (!cfg->secret_key == !cfg->usersig)
        return tim_fail(err, TIM_E_USAGE,
                        "give the secret key or a UserSig (one of the two)");
    const struct tim_region *region = NULL;
    if (cfg->region && !(region = tim_region_find(cfg->region)))
        return tim_fail(err, TIM_E_USAGE, "unknown region '%s'", cfg->region);
    if (cfg->base_url && strncmp(cfg->base_url, "http://", 7) != 0 &&
        strncmp(cfg->base_url, "https://", 8) != 0)
        return tim_fail(err, TIM_E_USAGE,
                        "the URL must start with http:// or https://");
    if (cfg->max_time_ms < 0)
        return tim_fail(err, TIM_E_USAGE, "max_time_ms is negative");

    tim_client *c = calloc(1, sizeof *c);
    if (!c)
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    c->region = region;
    c->sdkappid = cfg->sdkappid;
    c->identifier = strdup(cfg->identifier);
    c->key = dup_or_null(cfg->secret_key);
    c->sig = dup_or_null(cfg->usersig);
    c->sig_fixed = cfg->usersig != NULL;
    c->ttl = cfg->usersig_ttl > 0 ? cfg->usersig_ttl : 86400;
    c->clock = cfg->clock;
    c->clock_data = cfg->clock_data;
    c->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
    c->cacert = dup_or_null(cfg->cacert);
    c->insecure = cfg->insecure;
    c->retry = (struct retry_policy){
        cfg->max_attempts ? cfg->max_attempts : 5,
        cfg->retry_budget_ms > 0 ? cfg->retry_budget_ms : 30000,
        cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 200,
        cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 5000,
    };
    c->max_pages = cfg->max_pages;
    c->max_time_ms = cfg->max_time_ms;
    c->log = cfg->log;
    c->log_data = cfg->log_data;
    if (getrandom(&c->rng, sizeof c->rng, 0) != sizeof c->rng)
        c->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    int map = cfg->connect_to && cfg->connect_to[strspn(cfg->connect_to, ",")];
    if (map)
        c->connect_to = connect_to_list(cfg->connect_to);
    int base = region ? region_base(c) : set_base(c, cfg->base_url);
    if (!c->identifier || (cfg->secret_key && !c->key) ||
        (cfg->usersig && !c->sig) || (cfg->cacert && !c->cacert) || !c->curl ||
        !c->headers || (map && !c->connect_to) || base != 0) {
        tim_client_free(c);
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    }
    *out = c;
    return TIM_OK;
}

void tim_client_free(tim_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->connect_to);
    free(c->base_url);
    free(c->identifier);
    if (c->key)
        memset(c->key, 0, strlen(c->key));
    free(c->key);
    free(c->sig);
    free(c->cacert);
    free(c->answer.data);
    reader_store_release(&c->ids);
    free(c);
}

/* The UserSig to send: made anew when none is made yet or when the current
 * one has less than a tenth of its life (at most 5 minutes) left. */
static int current_sig(tim_client *c, struct tim_error *err)
{
    if (c->sig_fixed)
        return TIM_OK;
    int64_t now = c->clock ? c->clock(c->clock_data) : (int64_t)time(NULL);
    long margin = c->ttl / 10 < 300 ? c->ttl / 10 : 300;
    if (c->sig && now < c->sig_made + c->ttl - margin)
        return TIM_OK;
    char *sig = NULL;
    if (usersig_make(c->key, c->sdkappid, c->identifier, now, c->ttl, NULL, 0,
                     -1, &sig) != 0)
        return tim_fail(err, TIM_E_USAGE, "cannot make a UserSig");
    free(c->sig);
    c->sig = sig;
    c->sig_made = now;
    logf_(c, "made a UserSig for %s, valid %ld s", c->identifier, c->ttl);
    return TIM_OK;
}

const char *tim_client_url(tim_client *c, const char *service,
                           const char *command, char *buf, size_t n)
{
    char url[URL_MAX];
    if (url_build(url, sizeof url, c->base_url, service, command, c->sdkappid,
                  c->identifier, "x", 0) < 0)
        url[0] = '\0';
    url_redact(url, buf, n);
    return buf;
}

/* One HTTP exchange; the answer lands in c->answer.  Returns the curl code
 * and the HTTP status in *http. */
static CURLcode perform(tim_client *c, const char *url, const char *body,
                        long *http, char *curl_error)
{
    CURL *h = c->curl;
    sink_reset(&c->answer);
    curl_error[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* a pull's time bound cuts the request short (1 ms at least: 0 would
     * mean no timeout to libcurl) */
    long timeout = c->timeout_ms;
    if (c->has_deadline && c->deadline - now_ms() < timeout)
        timeout = c->deadline - now_ms() > 0 ? c->deadline - now_ms() : 1;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->connect_to)
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
    CURLcode rc = curl_easy_perform(h);
    *http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    return rc;
}

/* How a call reads an answer of HTTP status 200 (in c->answer): TIM_OK,
 * or a status with err filled. */
typedef int (*answer_fn)(tim_client *c, void *data, struct tim_error *err);

/* An answer any call may get: its envelope. */
static int read_envelope(tim_client *c, void *data, struct tim_error *err)
{
    (void)data;
    return reader_envelope(c->answer.data ? c->answer.data : "", c->answer.len,
                           err);
}

/* An answer of get_appid_group_list: the envelope and the page (a struct
 * tim_page *), in one pass; the page's IDs stay in c->answer. */
static int read_page(tim_client *c, void *data, struct tim_error *err)
{
    return reader_answer(c->answer.data, c->answer.len, &c->ids, data, err);
}

/* One try of a call: TIM_OK, or a status with err filled. */
static int try_call(tim_client *c, const char *service, const char *command,
                    const char *body, answer_fn read, void *data,
                    struct tim_error *err)
{
    char url[URL_MAX], shown[URL_MAX], curl_error[CURL_ERROR_SIZE];
    long http = 0;
    int rc = current_sig(c, err);
    if (rc != TIM_OK)
        return rc;
    uint32_t random = (uint32_t)(rng_next(&c->rng) >> 32);
    if (url_build(url, sizeof url, c->base_url, service, command, c->sdkappid,
                  c->identifier, c->sig, random) < 0)
        return tim_fail(err, TIM_E_USAGE, "the URL would be too long");
    url_redact(url, shown, sizeof shown);
    logf_(c, "POST %s %s", shown, body);
    long t0 = now_ms();
    CURLcode cc = perform(c, url, body, &http, curl_error);
    if (cc != CURLE_OK && c->answer.no_memory) {
        cc = CURLE_OUT_OF_MEMORY;
        snprintf(curl_error, sizeof curl_error, "out of memory for the answer");
    }
    if (cc != CURLE_OK) {
        if (c->answer.too_big)
            rc = tim_fail(err, TIM_E_PROTOCOL, "the answer is over %u bytes",
                          SINK_MAX);
        else
            rc = tim_fail(err, TIM_E_TRANSPORT, "%s",
                          curl_error[0] ? curl_error : curl_easy_strerror(cc));
        err->transport_code = (int)cc;
        err->http_status = http;
        logf_(c, "failed after %ld ms: %s", now_ms() - t0, err->message);
        return rc;
    }
    logf_(c, "HTTP %ld, %zu bytes, %ld ms", http, c->answer.len, now_ms() - t0);
    if (http != 200) {
        rc = tim_fail(err, TIM_E_HTTP, "HTTP status %ld", http);
        err->http_status = http;
        return rc;
    }
    rc = read(c, data, err);
    if (err)
        err->http_status = http;
    if (rc == TIM_E_API)
        logf_(c, "%s", err->message);
    return rc;
}

/* Name lookup or connect failed on a region's primary domain. */
static int use_backup(tim_client *c, const struct tim_error *err)
{
    if (!c->region || c->on_backup || err->status != TIM_E_TRANSPORT ||
        (err->transport_code != CURLE_COULDNT_RESOLVE_HOST &&
         err->transport_code != CURLE_COULDNT_CONNECT))
        return 0;
    c->on_backup = 1;
    if (region_base(c) != 0)
        return 0;
    logf_(c, "switching to the backup domain %s", c->region->backup);
    return 1;
}

/* The time bound of the pull under way has passed. */
static int past_deadline(const tim_client *c)
{
    return c->has_deadline && now_ms() >= c->deadline;
}

static int time_bound(tim_client *c, struct tim_error *err)
{
    return tim_fail(err, TIM_E_BOUND, "the pull ran out of its time (%ld ms)",
                    c->max_time_ms);
}

/* A call with its retries, read by read (see answer_fn); on TIM_OK the
 * answer is in c->answer. */
static int call(tim_client *c, const char *service, const char *command,
                const char *body, answer_fn read, void *data,
                struct tim_error *err)
{
    long start = now_ms();
    for (unsigned attempt = 1;; attempt++) {
        if (past_deadline(c))
            return time_bound(c, err);
        int rc = try_call(c, service, command, body, read, data, err);
        if (rc == TIM_OK)
            return TIM_OK;
        if (use_backup(c, err)) {
            attempt = 0; /* the backup domain gets tries of its own */
            continue;
        }
        long wait;
        int transport = rc == TIM_E_TRANSPORT &&
                        !retry_transport_final(err->transport_code);
        if (!retry_is_transient(err->error_code, err->http_status, transport))
            return rc;
        if (!retry_next(&c->retry, attempt, now_ms() - start, &c->rng, &wait))
            return past_deadline(c) ? time_bound(c, err) : rc;
        /* the limit counts calls per second: wait that second out */
        if (err->error_code == TIM_ERR_RATE_LIMIT &&
            wait < RATE_LIMIT_WAIT_MS) {
            if (now_ms() - start + RATE_LIMIT_WAIT_MS > c->retry.budget_ms)
                return rc;
            wait = RATE_LIMIT_WAIT_MS;
        }
        logf_(c, "asking again in %ld ms (try %u of %u failed: %s)", wait,
              attempt, c->retry.max_attempts, err->message);
        c->retries++;
        if (c->has_deadline && c->deadline - now_ms() < wait)
            wait = c->deadline - now_ms() > 0 ? c->deadline - now_ms() : 0;
        sleep_ms(wait);
    }
}

int tim_call(tim_client *c, const char *service, const char *command,
             const char *json_body, char **answer, size_t *len,
             struct tim_error *err)
{
    struct tim_error local;
    if (!err)
        err = &local;
    int rc = call(c, service, command, json_body ? json_body : "{}",
                  read_envelope, NULL, err);
    if (rc != TIM_OK)
        return rc;
    char *copy = malloc(c->answer.len + 1);
    if (!copy)
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    memcpy(copy, c->answer.data, c->answer.len);
    copy[c->answer.len] = '\0';
    *answer = copy;
    *len = c->answer.len;
    return TIM_OK;
}

/* One call of get_appid_group_list: *page is read in place, its IDs in
 * c->answer and its ids array c->ids's, valid until the next call. */
static int get_page(tim_client *c, const struct tim_page_request *req,
                    struct tim_page *page, struct tim_error *err)
{
    char body[256];
    size_t n = 0;
    if (req->limit > 10000)
        return tim_fail(err, TIM_E_USAGE, "Limit is at most 10000");
    if (req->group_type &&
        (strlen(req->group_type) > 64 || strpbrk(req->group_type, "\"\\")))
        return tim_fail(err, TIM_E_USAGE, "not a group type: '%s'",
                        req->group_type);
    n += (size_t)snprintf(body + n, sizeof body - n, "{");
    if (req->limit)
        n += (size_t)snprintf(body + n, sizeof body - n, "\"Limit\":%u,",
                              req->limit);
    if (req->send_next)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "\"Next\":%" PRIu64 ",", req->next);
    if (req->group_type)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "\"GroupType\":\"%s\",", req->group_type);
    if (body[n - 1] == ',')
        n--;
    snprintf(body + n, sizeof body - n, "}");

    return call(c, "group_open_http_svc", "get_appid_group_list", body,
                read_page, page, err);
}

int tim_get_group_page(tim_client *c, const struct tim_page_request *req,
                       struct tim_page *page, struct tim_error *err)
{
    struct tim_error local;
    struct tim_page p;
    if (!err)
        err = &local;
    int rc = get_page(c, req, &p, err);
    if (rc != TIM_OK)
        return rc;
    /* a page of its own: the answer's bytes, and the IDs moved along */
    char *storage = malloc(c->answer.len + 1);
    char **ids = malloc((p.count ? p.count : 1) * sizeof *ids);
    if (!storage || !ids) {
        free(storage);
        free(ids);
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    }
    memcpy(storage, c->answer.data, c->answer.len + 1);
    for (size_t i = 0; i < p.count; i++)
        ids[i] = storage + (p.ids[i] - c->answer.data);
    p.ids = ids;
    p.storage = storage;
    *page = p;
    return TIM_OK;
}

/* The state of one pull. */
struct pull {
    struct tim_pull_stats s;
    struct cursorwatch seen;
    uint64_t max_total;
    unsigned empty_in_a_row;
};

/* Arithmetic for the bounds of a pull: saturating at 2^64 - 1, so that a
 * server's TotalCount can never make a bound wrap to a small number. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* The most pages a pull may take to bring n IDs at Limit limit: 4 times
 * ceil(n / limit), plus 100. */
static uint64_t pages_for(uint64_t n, unsigned limit)
{
    uint64_t full = n / limit + (n % limit != 0);
    return sat_add(sat_mul(4, full), 100);
}

/* Checks a page against the contract; TIM_OK or a protocol error.  The
 * page is the pull's number p->s.pages + 1. */
static int check_page(struct pull *p, const struct tim_page *page,
                      unsigned limit, uint64_t sent_next, struct tim_error *err)
{
    if (page->count > limit)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "a page of %zu IDs for Limit %u (Next %" PRIu64 ")",
                        page->count, limit, sent_next);
    if (page->total_count > p->max_total)
        p->max_total = page->total_count;
    uint64_t ids = sat_add(p->s.ids, page->count), pages = p->s.pages + 1;
    if (ids > sat_add(sat_mul(2, p->max_total), 2ULL * limit + 100))
        return tim_fail(err, TIM_E_PROTOCOL,
                        "%" PRIu64
                        " IDs pulled, far more than TotalCount %" PRIu64,
                        ids, p->max_total);
    if (pages > pages_for(p->max_total, limit))
        return tim_fail(err, TIM_E_PROTOCOL,
                        "%" PRIu64 " pages, far more than TotalCount %" PRIu64
                        " needs at Limit %u",
                        pages, p->max_total, limit);
    if (pages > pages_for(ids, limit))
        return tim_fail(err, TIM_E_PROTOCOL,
                        "%" PRIu64 " pages for %" PRIu64
                        " IDs at Limit %u: pages this short would never end",
                        pages, ids, limit);
    if (!page->has_next)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "an answer without Next, though the request had one");
    int seen = cursorwatch_seen(&p->seen, page->next);
    if (seen < 0)
        return tim_fail(err, TIM_E_USAGE, "out of memory");
    if (seen)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "the cursor %" PRIu64
                        " came again: the pull would never "
                        "end",
                        page->next);
    p->empty_in_a_row = page->count || !page->next ? 0 : p->empty_in_a_row + 1;
    if (p->empty_in_a_row > 10)
        return tim_fail(err, TIM_E_PROTOCOL,
                        "%u empty pages in a row, each with a new Next",
                        p->empty_in_a_row);
    return TIM_OK;
}

int tim_pull_groups(tim_client *c, const char *group_type, unsigned limit,
                    tim_group_fn on_id, void *data, tim_progress_fn on_page,
                    void *progress_data, struct tim_pull_stats *stats,
                    struct tim_error *err)
{
    struct tim_error local;
    struct pull p = {.s.limit = limit ? limit : 10000};
    uint64_t next = 0;
    int rc = TIM_OK;
    if (!err)
        err = &local;
    if (stats)
        *stats = p.s;
    if (p.s.limit > 10000)
        return tim_fail(err, TIM_E_USAGE, "Limit is at most 10000");
    cursorwatch_init(&p.seen);
    uint64_t retries0 = c->retries;
    long start = now_ms();
    c->has_deadline = c->max_time_ms > 0 && c->max_time_ms < LONG_MAX - start;
    c->deadline = c->has_deadline ? start + c->max_time_ms : 0;
    for (;;) {
        if (c->max_pages && p.s.pages >= c->max_pages) {
            rc = tim_fail(err, TIM_E_BOUND,
                          "the pull stopped at its bound of %" PRIu64 " pages",
                          c->max_pages);
            break;
        }
        struct tim_page page;
        struct tim_page_request req = {p.s.limit, 1, next, group_type};
        rc = get_page(c, &req, &page, err);
        p.s.retries = c->retries - retries0;
        if (rc == TIM_E_API && err->error_code == TIM_ERR_TOO_LARGE &&
            p.s.limit > 1) {
            p.s.limit = (p.s.limit + 1) / 2;
            logf_(c, "answer too large: asking again with Limit %u", p.s.limit);
            continue;
        }
        if (rc != TIM_OK)
            break;
        rc = check_page(&p, &page, p.s.limit, next, err);
        size_t given = 0;
        for (; rc == TIM_OK && given < page.count; given++)
            if (on_id && on_id(data, page.ids[given], c->ids.lens[given]))
                rc = tim_fail(err, TIM_E_ABORTED, "stopped by the caller");
        p.s.pages++;
        p.s.ids += given;
        p.s.total_count = page.total_count;
        p.s.next = next = page.next;
        p.s.count = page.count;
        if (rc != TIM_OK)
            break;
        if (on_page)
            on_page(progress_data, &p.s);
        if (!next)
            break;
    }
    c->has_deadline = 0;
    cursorwatch_release(&p.seen);
    if (stats)
        *stats = p.s;
    return rc;
}
