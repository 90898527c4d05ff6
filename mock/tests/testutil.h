/*
 * testutil: what the mock's tests share.
 *
 * For core tests: loading a fixture from text, making UserSigs, building and
 * answering an API request without sockets.  For server tests: starting the
 * real timock on 127.0.0.1 with a free port, and POSTing to it with libcurl.
 * Every helper fails the running Check test on error, never returns one.
 */
#ifndef TIM_TESTUTIL_H
#define TIM_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.h"
#include "buf.h"
#include "fixture.h"

#define TU_KEY                                                                 \
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define TU_APP   1400000000ULL
#define TU_ADMIN "administrator"
#define TU_NOW   1750000000 /* the fixed clock of core tests */

/* tu_fixture: loads fixture text or fails the test. */
void tu_fixture(struct fixture *fx, const char *json);

/* tu_write_fixture: writes json to fixture.json in a fresh folder under
 * /tmp; returns its path (static: the next call replaces it).  Remove it
 * with tu_remove_fixture. */
const char *tu_write_fixture(const char *json);

/* tu_remove_fixture: removes a file of tu_write_fixture and its folder. */
void tu_remove_fixture(const char *path);

/* tu_sig: a UserSig made at time t with a day to live (malloc'd). */
char *tu_sig(const char *key, uint64_t sdkappid, const char *identifier,
             int64_t t);

/* tu_query_at: "sdkappid=..&identifier=..&usersig=<valid>&random=1&
 * contenttype=json" for identifier of app, with a UserSig made at time t
 * (malloc'd). */
char *tu_query_at(uint64_t sdkappid, const char *identifier, int64_t t);

/* tu_query: tu_query_at at TU_NOW (for core tests with the fixed clock). */
char *tu_query(uint64_t sdkappid, const char *identifier);

/* tu_query_now: tu_query_at now (for the real timock's real clock). */
char *tu_query_now(uint64_t sdkappid, const char *identifier);

/* tu_fresh_random: query (at most 4000 bytes) with the value of its first
 * random parameter replaced by one no call of this process used before, as
 * a client that sends a fresh random with each request does; into out. */
void tu_fresh_random(char *out, size_t n, const char *query);

/* tu_call: answers a POST of body to the API path with query, through
 * api_handle, at TU_NOW; the answer must be released by the caller. */
void tu_call(struct api *api, const char *query, const char *body,
             struct api_answer *ans);

/* tu_handle: api_handle, then the answer flattened (api_answer_flatten),
 * so that ans->body holds all of it. */
void tu_handle(struct api *api, const struct api_request *req,
               struct api_answer *ans);

/* tu_error_code: the ErrorCode of a JSON answer text, or -1. */
long long tu_error_code(const char *json);

/* A running timock. */
struct tu_timock {
    pid_t pid;
    int port;
};

/* tu_timock_exec: runs TIMOCK_PATH with exactly args (NULL-terminated) and
 * waits for its n listening lines ("timock listening on SCHEME://ADDR:PORT"),
 * storing their ports in ports[0..n-1] and the first in t->port. */
void tu_timock_exec(struct tu_timock *t, const char *const *args, int n,
                    int *ports);

/* tu_timock_start: tu_timock_exec with --port 0 --quiet --threads 64 and
 * the given extra arguments (NULL-terminated, may be NULL).  64 threads:
 * the default (up to 1024) costs seconds at each start and stop under the
 * sanitizers, and no test needs more. */
void tu_timock_start(struct tu_timock *t, const char *const *args);

/* tu_timock_stop: SIGTERM, then checks that it exited with 0. */
void tu_timock_stop(struct tu_timock *t);

/* tu_timock_stop_within: SIGTERM, then checks that it exited with 0 within
 * ms milliseconds (a bound far above the time it needs, so that only a
 * stop that waits for something fails it); past ms it kills timock and
 * fails the test. */
void tu_timock_stop_within(struct tu_timock *t, int ms);

/* One HTTP request to a running timock. */
struct tu_http {
    const char *method;         /* NULL: POST */
    const char *path;           /* NULL: API_PATH */
    const char *query;          /* NULL: none */
    const char *body;           /* NULL: empty */
    size_t body_len;            /* 0: strlen(body) */
    const char *host;           /* NULL: curl's own Host header */
    const char *const *headers; /* more "Name: value" lines, NULL-ended;
                                   a Content-Type here replaces the
                                   default application/json, and
                                   "Content-Type:" sends none */
    struct buf *answer_headers; /* out, when not NULL: the answer's header
                                   lines (initialized here; the caller
                                   releases it) */
    long status;                /* out: HTTP status */
    double seconds;             /* out: total time */
};

/* tu_request: sends r; stores the answer in *answer (a buf the caller
 * releases).  Returns the curl result code (0 on success). */
int tu_request(const struct tu_timock *t, struct tu_http *r,
               struct buf *answer);

/* tu_post: tu_request of a POST of body to path?query. */
int tu_post(const struct tu_timock *t, const char *path, const char *query,
            const char *body, long *status, struct buf *answer);

/* tu_raw_connect: a TCP connection to t (127.0.0.1), whose reads give up
 * after 60 s; sends the n bytes of text (n 0: strlen) on it.  Returns the
 * socket, for exact bytes the HTTP client would not send. */
int tu_raw_connect(const struct tu_timock *t, const char *text, size_t n);

/* tu_raw_read: reads from fd into b (appending) until the peer closes or b
 * holds at least want bytes (0: until the peer closes); a read that times
 * out fails the test.  b must be initialized. */
void tu_raw_read(int fd, struct buf *b, size_t want);

#endif
