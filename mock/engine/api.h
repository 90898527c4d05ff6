/*
 * api: where a call is answered and its error code chosen.
 *
 * api_handle takes one HTTP request, already copied out of the web server,
 * and produces the whole answer: status, body, and what the connection must
 * do (wait, close).  The checks run in the order of SPEC section 4, and the
 * first that fails decides the answer.  No sockets here: the web layer only
 * copies in and out.  Thread-safe: the store is read-only, and the fault
 * rules and rate counters have their own locks.
 */
#ifndef TIM_API_H
#define TIM_API_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "faults.h"
#include "request.h"
#include "store.h"

#define API_PATH     "/v4/group_open_http_svc/get_appid_group_list"
#define API_BODY_MAX 1048576u /* request bodies over 1 MiB get 60002 */

struct api {
    struct store *store;
    struct faults *faults;
    int64_t clock; /* fixed unix time for UserSig expiry; 0: real time */
};

struct api_request {
    const char *method;
    const char *path;  /* without the query */
    const char *query; /* after '?', or NULL */
    const char *host;  /* Host header, or NULL */
    const char *body;
    size_t body_len;
    int body_too_large; /* the body was longer than API_BODY_MAX */
    int64_t now;        /* unix seconds (used when api->clock is 0) */
    uint64_t now_ms;    /* monotonic milliseconds, for the rate limit */
};

/* What api_handle found and decided about a call, for the journal. */
struct api_trace {
    uint64_t sdkappid;   /* 0 when the request named no known app */
    char identifier[96]; /* "" when none */
    int body_read;       /* 1: the body was valid and `body` holds it */
    struct body body;
    int has_answer_next; /* the answer carries Next */
    uint64_t answer_next;
    uint32_t count; /* IDs on the page */
    /* the keys the page was cut by (page.h) of its first and last group */
    uint64_t first_key, last_key;
    char fault[64]; /* the fault applied, "" for none */
    /* the query as the api read it (query_parsed), so that the journal
     * reads it from here rather than parsing it again; freed with the
     * answer */
    int query_parsed;
    struct query query;
    /* the body as the api read it (view_read; a body that is not an object
     * reads as one with no field), for the journal likewise; it points
     * into the request's body, valid while the request is */
    int view_read;
    struct body_view view;
};

/* A page's answer is sent as body[0 .. items_at), items, then the rest of
 * body: the items are the page's slice of its snapshot's rendered items,
 * which the answer holds a reference to (api_answer_release drops it). */
struct api_answer {
    int status;               /* HTTP status */
    const char *content_type; /* static */
    struct buf body;
    const char *items; /* NULL: the body is all of the answer */
    size_t items_len, items_at;
    struct groupset *held; /* the snapshot items point into */
    int error_code;        /* the envelope's ErrorCode; -1 when there is none */
    uint32_t delay_ms;     /* wait this long before answering */
    int close;             /* close the connection after (or instead of) it */
    int no_answer;         /* send nothing at all, just close */
    int reset;             /* enum fault_reset: reset the connection */
    int cut_body;          /* send half the body, then close */
    uint32_t slow_bytes, slow_ms; /* send the body this slowly */
    const char *headers; /* static header lines ("Name: v\r\n"...) or "" */
    char request_id[64]; /* the RequestId, when the envelope has one */
    struct api_trace trace;
};

/* api_answer_init / api_answer_release: an empty answer, and its end. */
void api_answer_init(struct api_answer *a);
void api_answer_release(struct api_answer *a);

/* api_answer_len: the length of the whole answer, items included. */
static inline size_t api_answer_len(const struct api_answer *a)
{
    return a->body.len + a->items_len;
}

/* api_answer_flatten: copies the items into the body, which is then all of
 * the answer (for a fault that acts on its bytes, and for tests).  Returns
 * 0, or -1 when memory runs out (the answer is then unchanged). */
int api_answer_flatten(struct api_answer *a);

/* api_handle: answers req into ans (initialized by the caller; its previous
 * contents are replaced).  Never fails: running out of memory gives 10002.
 * Thread-safe. */
void api_handle(struct api *api, const struct api_request *req,
                struct api_answer *ans);

/* api_unparsable: the answer to a request the web layer could not parse
 * (an unknown method, a malformed request line or header): 60002 in the
 * envelope, HTTP 200, and the connection closed.  No fixture is consulted
 * (the request named nothing), so the envelope and text are the defaults.
 * ans comes from api_answer_init.  Thread-safe. */
void api_unparsable(struct api_answer *ans);

#endif
