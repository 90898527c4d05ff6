/*
 * timclient: a client for Tencent Cloud Chat's REST API, aimed at the mock
 * (timock) or any real region.
 *
 * One handle holds one configuration and one kept-alive connection.  Under
 * the group-list calls sits a generic call (service, command, JSON body), so
 * another API of the vendor is a few lines away.  Every request carries a
 * fresh `random`, `contenttype=json`, a JSON body and a UserSig made from the
 * secret key (renewed before it expires) or given as it is.
 *
 * The group list is pulled page after page with `Next` handled as an exact
 * unsigned 64-bit integer.  A pull ends on `Next` 0 and copes with both
 * quirks of the service (a non-zero `Next` on the last page with groups; no
 * `Next` in the answer when the request had none).  A cursor that repeats or
 * cycles, a page longer than Limit, far more IDs than TotalCount, or far
 * more pages than TotalCount or the IDs pulled need at Limit is an error,
 * never an endless loop; the caller may bound a pull in pages and in time
 * too.  10002, the rate-limit codes, HTTP 5xx, connection failures and
 * timeouts are retried with exponential backoff and jitter, bounded in
 * attempts and in time; a certificate or TLS verification failure, a bad URL
 * and running out of memory are not.  10018 makes a pull halve Limit.
 *
 * The secret key and the UserSig never appear in a log line or an error
 * message; URLs are shown with `usersig` redacted.
 *
 * A handle is used by one thread at a time; different handles are
 * independent.  Call tim_global_init once before any thread starts.
 */
#ifndef TIMCLIENT_H
#define TIMCLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIMCLIENT_VERSION "0.1.0"

/* The opaque client handle. */
typedef struct tim_client tim_client;

/* What a failed call reports. */
enum tim_status {
    TIM_OK = 0,
    TIM_E_USAGE = 1,     /* bad configuration or arguments */
    TIM_E_API = 2,       /* the service answered an ErrorCode */
    TIM_E_HTTP = 3,      /* an HTTP status other than 200 */
    TIM_E_TRANSPORT = 4, /* name lookup, connect, TLS, timeout, ... */
    TIM_E_PROTOCOL = 5,  /* an answer that breaks the API's contract */
    TIM_E_ABORTED = 6,   /* the caller's callback asked to stop */
    TIM_E_BOUND = 7      /* a pull reached max_pages or max_time_ms */
};

struct tim_error {
    enum tim_status status;
    long error_code;      /* the vendor's ErrorCode (TIM_E_API) */
    char error_info[256]; /* the vendor's ErrorInfo (TIM_E_API) */
    long http_status;     /* the last HTTP status seen, 0 if none */
    int transport_code;   /* libcurl's code (TIM_E_TRANSPORT) */
    char message[512];    /* one line for a human; never holds secrets */
};

/* A log callback receives one line at a time, secrets redacted. */
typedef void (*tim_log_fn)(void *data, const char *line);

struct tim_config {
    /* the target: a region name ("singapore" or "sgp"), or a base URL
     * ("http://127.0.0.1:8080"); one of the two */
    const char *region;
    const char *base_url;
    uint64_t sdkappid;
    const char *identifier;
    /* the secret key that UserSigs are made from, or a fixed UserSig */
    const char *secret_key;
    const char *usersig;
    long usersig_ttl; /* seconds a made UserSig lives; 0: 86400 */
    /* unix seconds now, for making UserSigs and renewing them; NULL:
     * time() (a test passes its own clock) */
    int64_t (*clock)(void *data);
    void *clock_data;
    long connect_timeout_ms; /* 0: 5000 */
    long timeout_ms;         /* the whole request; 0: 10000 */
    const char *cacert;      /* CA bundle file, or NULL for the system's */
    int insecure;            /* 1: do not verify TLS (default 0) */
    const char *connect_to;  /* as curl's: "H:P:H2:P2[,H:P:H2:P2...]" */
    unsigned max_attempts;   /* tries of one request; 0: 5 */
    long retry_budget_ms;    /* total time spent retrying; 0: 30000 */
    long backoff_base_ms;    /* first backoff; 0: 200 */
    long backoff_max_ms;     /* longest backoff; 0: 5000 */
    /* the caller's bounds on one tim_pull_groups: after max_pages pages
     * without the end, or once max_time_ms have passed since it began (a
     * request under way is cut short, no retry starts), the pull stops with
     * TIM_E_BOUND.  0: no such bound (the default); the bounds against a
     * misbehaving server (see tim_pull_groups) hold either way. */
    uint64_t max_pages;
    long max_time_ms;
    tim_log_fn log; /* verbose lines, or NULL */
    void *log_data;
};

/* tim_global_init: initializes libcurl; call once, before threads start.
 * Returns 0, or -1. */
int tim_global_init(void);

/* tim_global_cleanup: the end of tim_global_init. */
void tim_global_cleanup(void);

/* tim_client_new: checks cfg and makes a handle (no connection is opened
 * yet).  The strings of cfg are copied.  Returns TIM_OK and stores the
 * handle in *out, or TIM_E_USAGE with err filled (*out untouched). */
int tim_client_new(const struct tim_config *cfg, tim_client **out,
                   struct tim_error *err);

/* tim_client_free: closes the connection and frees the handle; NULL does
 * nothing. */
void tim_client_free(tim_client *c);

/* tim_client_url: the URL the client would call for service/command, with
 * the usersig redacted, into buf (size n).  Returns buf. */
const char *tim_client_url(tim_client *c, const char *service,
                           const char *command, char *buf, size_t n);

/* tim_call: POSTs json_body ("{}" when NULL) to v4/service/command, with
 * retries as described above.  On TIM_OK the answer's JSON text (ErrorCode
 * 0) is stored in *answer (malloc'd, NUL-terminated; the caller frees) and
 * its length in *len.  On failure *answer is untouched and err says why. */
int tim_call(tim_client *c, const char *service, const char *command,
             const char *json_body, char **answer, size_t *len,
             struct tim_error *err);

/* One page request of get_appid_group_list. */
struct tim_page_request {
    unsigned limit; /* 1 to 10000; 0: leave Limit out */
    int send_next;  /* 1: send Next (the first page sends 0) */
    uint64_t next;
    const char *group_type; /* NULL: all types */
};

/* One page of get_appid_group_list. */
struct tim_page {
    uint64_t total_count;
    int has_next;  /* the answer had a Next field */
    uint64_t next; /* exact */
    size_t count;
    char **ids;    /* count NUL-terminated group IDs */
    char *storage; /* where the IDs are; internal */
};

/* tim_get_group_page: one call of get_appid_group_list (with retries).
 * Returns TIM_OK and fills *page (release with tim_page_release), or a
 * status with err filled and *page untouched. */
int tim_get_group_page(tim_client *c, const struct tim_page_request *req,
                       struct tim_page *page, struct tim_error *err);

/* tim_page_release: frees a page's IDs. */
void tim_page_release(struct tim_page *page);

/* What a pull has done so far. */
struct tim_pull_stats {
    uint64_t pages;
    uint64_t ids;
    uint64_t total_count;
    uint64_t retries; /* requests asked again */
    unsigned limit;   /* the Limit in use (halved on 10018) */
    uint64_t next;    /* the Next of the last page received */
    uint64_t count;   /* the IDs of the last page received */
};

/* Called for each group ID of a pull: group_id is len bytes and a NUL,
 * valid during the call only (it lies in the answer's buffer).  Return
 * non-zero to stop the pull (tim_pull_groups then returns
 * TIM_E_ABORTED). */
typedef int (*tim_group_fn)(void *data, const char *group_id, size_t len);

/* Called after each page of a pull that passed the pull's checks, after
 * on_id was called for each of its IDs: s->total_count, s->next and
 * s->count are that page's. */
typedef void (*tim_progress_fn)(void *data, const struct tim_pull_stats *s);

/* tim_pull_groups: pulls every group ID of the app (or of group_type),
 * Limit limit (0: 10000) per page, calling on_id for each ID, in order,
 * without holding them.  Returns TIM_OK when the pull ended on Next 0, else
 * a status with err filled; stats (optional) says how far it got.
 *
 * A server that would keep a pull going for ever is stopped with
 * TIM_E_PROTOCOL when a cursor comes again, a page holds more than Limit
 * IDs, more than 10 empty pages come in a row, the IDs pulled pass
 * 2 * TotalCount + 2 * Limit + 100, or the pages pass
 * 4 * ceil(TotalCount / Limit) + 100 or 4 * ceil(IDs pulled / Limit) + 100
 * (pages a quarter full on average; the service's are full but the last).
 * TotalCount is the largest seen so far and Limit the one in use; the
 * sums saturate at 2^64 - 1, so no TotalCount makes a bound wrap.  The
 * configuration's max_pages and max_time_ms stop it with TIM_E_BOUND. */
int tim_pull_groups(tim_client *c, const char *group_type, unsigned limit,
                    tim_group_fn on_id, void *data, tim_progress_fn on_page,
                    void *progress_data, struct tim_pull_stats *stats,
                    struct tim_error *err);

/*
 * Raw requests, for conformance tests that must send what a correct client
 * never would: any method, any query (parameters left out or changed), any
 * body bytes, any Host header.  No retries, no UserSig made, no checks of
 * the answer.  One connection per call.
 */

/* Where a raw request goes. */
struct tim_raw_target {
    const char *base_url;   /* "http://127.0.0.1:8080" or "https://host" */
    const char *connect_to; /* "HOST:PORT:HOST2:PORT2", or NULL */
    const char *cacert;     /* or NULL */
    int insecure;
    long timeout_ms; /* 0: 10000 */
};

/* One query parameter; a NULL value leaves the parameter out. */
struct tim_param {
    const char *name;
    const char *value;
};

struct tim_raw_request {
    const char *method; /* NULL: POST; "HEAD" asks for no body */
    const char *path;   /* "/v4/group_open_http_svc/get_appid_group_list" */
    const struct tim_param *params; /* percent-encoded in this order */
    size_t n_params;
    const char *body; /* may hold any bytes; NULL: none */
    size_t body_len;
    const char *content_type; /* NULL: application/json; "": none */
    const char *host;         /* Host header, or NULL for the URL's */
};

struct tim_raw_answer {
    long http_status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
    /* the final response's status line and header lines, as received
     * ("HTTP/1.1 200 OK\r\nName: value\r\n...\r\n"); malloc'd,
     * NUL-terminated */
    char *headers;
};

/* tim_raw_request: sends req to t.  Returns TIM_OK with *ans filled
 * (whatever the HTTP status), or TIM_E_TRANSPORT / TIM_E_USAGE with err
 * filled and *ans untouched.  Free a filled answer with
 * tim_raw_answer_release.  Thread-safe (no shared state). */
int tim_raw_request(const struct tim_raw_target *t,
                    const struct tim_raw_request *req,
                    struct tim_raw_answer *ans, struct tim_error *err);

/* tim_raw_answer_release: frees what tim_raw_request put in ans and empties
 * it; NULL does nothing. */
void tim_raw_answer_release(struct tim_raw_answer *ans);

/* tim_raw_header: the value of the header name (compared without regard to
 * case) in a header block such as tim_raw_answer.headers, without the
 * white space around it, copied into out (size n, truncated to fit).
 * Returns 1 when the header is there, 0 when it is not (out then empty).
 * With the header given more than once, the first counts. */
int tim_raw_header(const char *headers, const char *name, char *out, size_t n);

/*
 * Stand-ins, for sharing what a region answered without what identifies
 * the app: the same real value always gets the same stand-in, of the same
 * length and shape ("@TGS#" kept, a digit for a digit, a letter of the same
 * case for a letter, other characters kept), never the real value itself
 * and never one already given to another value.  Stand-ins come from a
 * salt: the same salt and values in the same order give the same ones.
 */
typedef struct tim_alias tim_alias;

/* tim_alias_new: an empty map; NULL when out of memory. */
tim_alias *tim_alias_new(uint64_t salt);

/* tim_alias_free: frees the map and every stand-in it gave; NULL does
 * nothing. */
void tim_alias_free(tim_alias *a);

/* tim_alias_of: the stand-in of real (len bytes, no NUL), made on first
 * use and kept: NUL-terminated, owned by the map, valid until it is
 * freed.  NULL when out of memory or when no free stand-in was found. */
const char *tim_alias_of(tim_alias *a, const char *real, size_t len);

/* tim_alias_set: makes fake (of real's length) the stand-in of real.
 * Returns 0; 1 when real has one already, fake is taken or its length
 * differs (nothing changed); -1 when out of memory. */
int tim_alias_set(tim_alias *a, const char *real, const char *fake);

/* tim_alias_taken: 1 when fake is a stand-in already given, else 0. */
int tim_alias_taken(const tim_alias *a, const char *fake);

/* tim_status_name: "ok", "api", "http", "transport", ... */
const char *tim_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
