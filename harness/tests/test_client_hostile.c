/*
 * The client library and timgroups against servers that misbehave or
 * cannot be trusted:
 *
 *   - a small HTTP server of the test's own, on 127.0.0.1 and a free port,
 *     that pages from a script: fresh cursors for ever (one ID a page,
 *     TotalCount 2^62), full pages past TotalCount, a cursor cycle A, B, A,
 *     a page of Limit + 1 IDs, TotalCounts near 2^64.  Every pull must end
 *     by itself with the bound's error, after an exact number of requests,
 *     and honest pulls with huge TotalCounts must not be cut;
 *   - the caller's bounds: max_pages and max_time_ms in the library (the
 *     time bound also cuts a request under way short), --max-pages and
 *     --max-time in timgroups (exit code 4);
 *   - failures that asking again cannot mend (a certificate the client does
 *     not trust, a missing CA file, a bad URL) get one try, while a refused
 *     connection is retried;
 *   - a region's backup domain: used when the primary refuses connections,
 *     not when the primary answers an error.
 *
 * The script server ends any pull after its request cap, so a bound that a
 * planted bug removes makes a test fail on a count, never hang.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlog.h"
#include "testutil.h"
#include "timclient.h"

#define CA_PEM      CERTS_DIR "/ca.pem"
#define SERVER_PEM  CERTS_DIR "/server.pem"
#define SERVER_KEY  CERTS_DIR "/server.key"
#define SGP_APP     1400000101ULL /* fixtures/regions.json: singapore */
#define SGP_GROUPS  210
#define TWO_TO_62   "4611686018427387904"
#define TWO_TO_63   "9223372036854775808"
#define U64_MAX_TXT "18446744073709551615"

/* The lines a client logged. */

/* The script server.  Each request's Next (0 when absent) is `after`; the
 * answer's Next is after + 1, or, in a cycle, 101 after 0, 102 after 101
 * and 101 again after 102.  Next is 0 once `end` requests were answered,
 * or when the cap is reached. */
struct script {
    const char *total;     /* TotalCount, as JSON text */
    unsigned ids;          /* IDs a page */
    unsigned long end;     /* the request that answers Next 0; 0: never */
    int cycle;             /* cursors 101, 102, 101, ... */
    unsigned long long_at; /* the request answered with Limit + 1 IDs */
};

#define SCRIPT_CAP 100000 /* requests after which any pull ends */

struct script_server {
    int fd, port;
    struct script s;
    atomic_ulong requests;
    pthread_t thread;
};

/* Reads one request of connection c into req (size n); returns the length
 * of head and body, with the body at *body, or 0 when the peer closed. */
static size_t read_request(int c, char *req, size_t n, size_t *len,
                           const char **body)
{
    for (;;) {
        char *end = *len ? memmem(req, *len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t head = (size_t)(end + 4 - req);
            const char *cl = strcasestr(req, "Content-Length:");
            size_t blen = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
            if (*len >= head + blen) {
                *body = req + head;
                return head + blen;
            }
        }
        if (*len + 1 >= n)
            return 0;
        ssize_t got = read(c, req + *len, n - 1 - *len);
        if (got <= 0)
            return 0;
        *len += (size_t)got;
        req[*len] = '\0';
    }
}

static unsigned long long number_after(const char *body, const char *key)
{
    const char *p = strstr(body, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* The answer to a request whose body is body, the count-th one, with its
 * HTTP head: one write, so that no answer waits for a delayed ACK. */
static char *script_answer(const struct script *s, const char *body,
                           unsigned long count, size_t *n)
{
    unsigned long long after = number_after(body, "\"Next\":");
    unsigned long long limit = number_after(body, "\"Limit\":");
    unsigned ids = count == s->long_at ? (unsigned)limit + 1 : s->ids;
    unsigned long long next = after + 1;
    if (s->cycle)
        next = after == 0 ? 101 : after == 101 ? 102 : 101;
    if (count == s->end || count >= SCRIPT_CAP)
        next = 0;
    size_t cap = 256 + (size_t)ids * 48, head = 128;
    char *a = malloc(head + cap);
    ck_assert_ptr_nonnull(a);
    size_t o = (size_t)snprintf(
        a + head, cap,
        "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"
        "\"TotalCount\":%s,\"GroupIdList\":[",
        s->total);
    for (unsigned i = 0; i < ids; i++)
        o += (size_t)snprintf(a + head + o, cap - o,
                              "%s{\"GroupId\":\"g%llu-%u\"}", i ? "," : "",
                              after, i);
    o += (size_t)snprintf(a + head + o, cap - o, "],\"Next\":%llu}", next);
    char h[128];
    int k = snprintf(h, sizeof h,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     o);
    memcpy(a + head - (size_t)k, h, (size_t)k);
    memmove(a, a + head - (size_t)k, (size_t)k + o);
    *n = (size_t)k + o;
    return a;
}

static void *script_serve(void *data)
{
    struct script_server *m = data;
    char req[1 << 16];
    for (;;) {
        int c = accept(m->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        size_t len = 0, used;
        const char *body;
        while ((used = read_request(c, req, sizeof req, &len, &body)) > 0) {
            unsigned long count = atomic_fetch_add(&m->requests, 1) + 1;
            size_t n;
            char *answer = script_answer(&m->s, body, count, &n);
            int ok = write(c, answer, n) == (ssize_t)n;
            free(answer);
            if (!ok)
                break;
            memmove(req, req + used, len - used);
            len -= used;
            req[len] = '\0';
        }
        close(c);
    }
}

static void script_start(struct script_server *m, const struct script *s)
{
    memset(m, 0, sizeof *m);
    m->s = *s;
    atomic_init(&m->requests, 0);
    m->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(m->fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(m->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(m->fd, 8), 0);
    ck_assert_int_eq(getsockname(m->fd, (struct sockaddr *)&sa, &len), 0);
    m->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&m->thread, NULL, script_serve, m), 0);
}

/* Stops the server once its clients have closed their connections;
 * returns the requests it answered. */
static unsigned long script_stop(struct script_server *m)
{
    shutdown(m->fd, SHUT_RDWR);
    ck_assert_int_eq(pthread_join(m->thread, NULL), 0);
    close(m->fd);
    return atomic_load(&m->requests);
}

/* A client of base_url that sends a fixed UserSig (the script server reads
 * none). */
static tim_client *client_of(const char *base_url, struct tl_lines *log,
                             uint64_t max_pages, long max_time_ms)
{
    struct tim_config cfg = {.base_url = base_url,
                             .sdkappid = TU_APP,
                             .identifier = TU_ADMIN,
                             .usersig = "fixed",
                             .max_attempts = 1,
                             .max_pages = max_pages,
                             .max_time_ms = max_time_ms,
                             .log = log ? tl_collect : NULL,
                             .log_data = log};
    tim_client *c = NULL;
    struct tim_error err;
    ck_assert_msg(tim_client_new(&cfg, &c, &err) == TIM_OK, "%s", err.message);
    return c;
}

/* Pulls through the library, one row a server: the script, the pull's
 * Limit and bounds, then the status, the start of the message, and the
 * exact number of requests (0: any). */
static const struct {
    const char *what;
    struct script s;
    unsigned limit;
    uint64_t max_pages;
    long max_time_ms;
    int status;
    const char *message;
    unsigned long requests;
    uint64_t ids;
} pull_rows[] = {
    /* 4 * ceil(104 / 10000) + 100 = 104 pages for 104 IDs: page 105 is
     * over */
    {"one ID a page, TotalCount 2^62, for ever",
     {TWO_TO_62, 1, 0, 0, 0},
     10000,
     0,
     0,
     TIM_E_PROTOCOL,
     "105 pages for 105 IDs at Limit 10000: pages this short would never end",
     105,
     104},
    /* 2 * 10 + 2 * 5 + 100 = 130 IDs at most: page 27 brings 135 */
    {"full pages far past TotalCount 10",
     {"10", 5, 0, 0, 0},
     5,
     0,
     0,
     TIM_E_PROTOCOL,
     "135 IDs pulled, far more than TotalCount 10",
     27,
     130},
    /* 4 * ceil(100 / 10) + 100 = 140 pages at most */
    {"one ID a page, TotalCount 100",
     {"100", 1, 0, 0, 0},
     10,
     0,
     0,
     TIM_E_PROTOCOL,
     "141 pages, far more than TotalCount 100 needs at Limit 10",
     141,
     140},
    /* honest pulls whose TotalCount would wrap a bound that does not
     * saturate: 2 * 2^63 is 0, 4 * (2^64 - 1) + 100 is 96 */
    {"150 IDs, TotalCount 2^63",
     {TWO_TO_63, 5, 30, 0, 0},
     5,
     0,
     0,
     TIM_OK,
     NULL,
     30,
     150},
    {"150 IDs, TotalCount 2^64 - 1, Limit 1",
     {U64_MAX_TXT, 1, 150, 0, 0},
     1,
     0,
     0,
     TIM_OK,
     NULL,
     150,
     150},
    /* empty pages, each with a new Next: the eleventh in a row stops */
    {"empty pages with new cursors, TotalCount 10^6",
     {"1000000", 0, 0, 0, 0},
     10,
     0,
     0,
     TIM_E_PROTOCOL,
     "11 empty pages in a row, each with a new Next",
     11,
     0},
    {"a cursor cycle 101, 102, 101",
     {"6", 2, 0, 1, 0},
     2,
     0,
     0,
     TIM_E_PROTOCOL,
     "the cursor 101 came again: the pull would never end",
     3,
     4},
    {"a page of Limit + 1 IDs",
     {"60", 5, 0, 0, 1},
     5,
     0,
     0,
     TIM_E_PROTOCOL,
     "a page of 6 IDs for Limit 5 (Next 0)",
     1,
     0},
    {"Limit + 1 on the third page",
     {"60", 5, 0, 0, 3},
     5,
     0,
     0,
     TIM_E_PROTOCOL,
     "a page of 6 IDs for Limit 5 (Next 2)",
     3,
     10},
    /* the caller's bounds, on full pages of Limit 1 that no bound of the
     * library's would stop */
    {"max_pages 5",
     {TWO_TO_62, 1, 0, 0, 0},
     1,
     5,
     0,
     TIM_E_BOUND,
     "the pull stopped at its bound of 5 pages",
     5,
     5},
    {"max_pages 5, and the pull ends on page 5",
     {TWO_TO_62, 1, 5, 0, 0},
     1,
     5,
     0,
     TIM_OK,
     NULL,
     5,
     5},
    {"max_time_ms 300",
     {TWO_TO_62, 1, 0, 0, 0},
     1,
     0,
     300,
     TIM_E_BOUND,
     "the pull ran out of its time (300 ms)",
     0,
     0},
};

START_TEST(pull_bounds)
{
    struct script_server m;
    script_start(&m, &pull_rows[_i].s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", m.port);
    tim_client *c = client_of(url, NULL, pull_rows[_i].max_pages,
                              pull_rows[_i].max_time_ms);
    struct tim_pull_stats st;
    struct tim_error err = {0};
    int rc = tim_pull_groups(c, NULL, pull_rows[_i].limit, NULL, NULL, NULL,
                             NULL, &st, &err);
    tim_client_free(c);
    unsigned long requests = script_stop(&m);
    ck_assert_msg(rc == pull_rows[_i].status, "%s: %s (%s) after %lu requests",
                  pull_rows[_i].what, tim_status_name(rc),
                  rc ? err.message : "", requests);
    if (pull_rows[_i].message)
        ck_assert_msg(strcmp(err.message, pull_rows[_i].message) == 0,
                      "%s: '%s'", pull_rows[_i].what, err.message);
    if (pull_rows[_i].requests) {
        ck_assert_uint_eq(requests, pull_rows[_i].requests);
        ck_assert_uint_eq(st.ids, pull_rows[_i].ids);
    } else {
        /* max_time: stopped before the server's cap ended the pull */
        ck_assert_uint_gt(requests, 0);
        ck_assert_uint_lt(requests, SCRIPT_CAP);
        ck_assert_uint_eq(st.ids, st.pages);
    }
    ck_assert_uint_le(st.pages, requests);
}
END_TEST

/* A listener that takes one connection and never answers it: it reads
 * until the client closes. */
struct mute {
    int fd, port;
    atomic_uint accepted;
    pthread_t thread;
};

static void *mute_serve(void *data)
{
    struct mute *m = data;
    int c = accept(m->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    atomic_fetch_add(&m->accepted, 1);
    char buf[4096];
    while (read(c, buf, sizeof buf) > 0)
        ;
    close(c);
    return NULL;
}

/* max_time_ms cuts a request under way short: the only request of the
 * pull would wait 10 minutes for its answer, but the pull ends at its time
 * bound of 300 ms.  Without the cut, Check's timeout of this test case (30
 * s) fails it. */
START_TEST(time_bound_cuts_a_request)
{
    struct mute m = {0};
    atomic_init(&m.accepted, 0);
    m.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(m.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(m.fd, 8), 0);
    ck_assert_int_eq(getsockname(m.fd, (struct sockaddr *)&sa, &len), 0);
    ck_assert_int_eq(pthread_create(&m.thread, NULL, mute_serve, &m), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    struct tim_config cfg = {.base_url = url,
                             .sdkappid = TU_APP,
                             .identifier = TU_ADMIN,
                             .usersig = "fixed",
                             .timeout_ms = 600000,
                             .max_attempts = 5,
                             .max_time_ms = 300};
    tim_client *c = NULL;
    struct tim_error err = {0};
    ck_assert_int_eq(tim_client_new(&cfg, &c, &err), TIM_OK);
    struct tim_pull_stats st;
    int rc = tim_pull_groups(c, NULL, 10, NULL, NULL, NULL, NULL, &st, &err);
    ck_assert_msg(rc == TIM_E_BOUND, "%s (%s)", tim_status_name(rc),
                  err.message);
    ck_assert_str_eq(err.message, "the pull ran out of its time (300 ms)");
    ck_assert_uint_eq(st.pages, 0);
    tim_client_free(c); /* closes the connection: the thread ends */
    ck_assert_int_eq(pthread_join(m.thread, NULL), 0);
    close(m.fd);
    ck_assert_uint_eq(atomic_load(&m.accepted), 1);
}
END_TEST

/* Runs a shell command; returns its exit code, and its stdout+stderr in out
 * (size n). */
static int run(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = 0, k;
    while (got < n - 1 && (k = fread(out + got, 1, n - 1 - got, p)) > 0)
        got += k;
    out[got] = '\0';
    char drain[4096];
    while (fread(drain, 1, sizeof drain, p) > 0)
        ;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* timgroups against the script server: the options, then the exit code,
 * the start of stderr and the requests (0: any). */
static const struct {
    struct script s;
    const char *options;
    int code;
    const char *err;
    unsigned long requests;
} cli_rows[] = {
    {{TWO_TO_62, 1, 0, 0, 0},
     "",
     1,
     "timgroups: protocol error: 105 pages for 105 IDs at Limit 10000: pages "
     "this short would never end\n",
     105},
    {{TWO_TO_62, 1, 0, 0, 0},
     "--limit 1 --max-pages 5",
     4,
     "timgroups: stopped by --max-pages 5 after 5 IDs of TotalCount " TWO_TO_62
     "\n",
     5},
    {{TWO_TO_62, 1, 0, 0, 0},
     "--limit 1 --max-time 1",
     4,
     "timgroups: stopped by --max-time 1 after ",
     0},
    {{"3", 1, 3, 0, 0}, "--limit 1 --max-pages 3", 0, "", 3},
};

START_TEST(timgroups_bounds)
{
    struct script_server m;
    script_start(&m, &cli_rows[_i].s);
    char cmd[1024], out[8192];
    /* stderr only; stdout (the IDs) is counted in lines */
    snprintf(cmd, sizeof cmd,
             "'%s' --url http://127.0.0.1:%d --sdkappid 1400000000 "
             "--identifier administrator --usersig fixed %s "
             "2>&1 >/dev/null",
             TIMGROUPS_PATH, m.port, cli_rows[_i].options);
    int code = run(cmd, out, sizeof out);
    unsigned long requests = script_stop(&m);
    ck_assert_msg(code == cli_rows[_i].code, "%s: exit %d: %s",
                  cli_rows[_i].options, code, out);
    ck_assert_msg(strncmp(out, cli_rows[_i].err, strlen(cli_rows[_i].err)) == 0,
                  "%s: stderr: %s", cli_rows[_i].options, out);
    if (cli_rows[_i].requests)
        ck_assert_uint_eq(requests, cli_rows[_i].requests);
    else
        ck_assert_uint_lt(requests, SCRIPT_CAP);
}
END_TEST

/* timock over HTTPS with the test CA's certificate (regions.json), and a
 * plain HTTP port beside. */
static void start_tls(struct tu_timock *t)
{
    const char *args[] = {"--quiet",
                          "--port",
                          "0",
                          "--fixture",
                          FIXTURES_DIR "/regions.json",
                          "--tls-cert",
                          SERVER_PEM,
                          "--tls-key",
                          SERVER_KEY,
                          NULL};
    int port;
    tu_timock_exec(t, args, 1, &port);
}

/* A port of 127.0.0.1 that refuses connections while *fd stays open. */
static int closed_port(int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(*fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&sa, &len), 0);
    return ntohs(sa.sin_port);
}

/* One try or five: "@TLS" stands for timock's HTTPS base URL, "@CLOSED"
 * for a refused port's. */
static const struct {
    const char *what;
    const char *url;
    const char *cacert;
    int status;
    int curl;
    size_t posts; /* of max_attempts 5 */
} final_rows[] = {
    {"a certificate the client does not trust", "@TLS", NULL, TIM_E_TRANSPORT,
     CURLE_PEER_FAILED_VERIFICATION, 1},
    {"a CA file that does not exist", "@TLS", "/nonexistent/ca.pem",
     TIM_E_TRANSPORT, CURLE_SSL_CACERT_BADFILE, 1},
    {"a port out of range", "http://127.0.0.1:99999", NULL, TIM_E_TRANSPORT,
     CURLE_URL_MALFORMAT, 1},
    {"a refused connection", "@CLOSED", NULL, TIM_E_TRANSPORT,
     CURLE_COULDNT_CONNECT, 5},
    {"the test CA trusted", "@TLS", CA_PEM, TIM_OK, CURLE_OK, 1},
};

START_TEST(final_transport_errors)
{
    struct tu_timock t;
    start_tls(&t);
    int fd;
    int closed = closed_port(&fd);
    char tls[64], refused[64];
    snprintf(tls, sizeof tls, "https://127.0.0.1:%d", t.port);
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d", closed);
    const char *url = final_rows[_i].url;
    url = strcmp(url, "@TLS") == 0      ? tls
          : strcmp(url, "@CLOSED") == 0 ? refused
                                        : url;
    struct tl_lines log = {0};
    struct tim_config cfg = {.base_url = url,
                             .sdkappid = SGP_APP,
                             .identifier = TU_ADMIN,
                             .secret_key = TU_KEY,
                             .cacert = final_rows[_i].cacert,
                             .max_attempts = 5,
                             .backoff_base_ms = 10,
                             .backoff_max_ms = 10,
                             .log = tl_collect,
                             .log_data = &log};
    tim_client *c = NULL;
    struct tim_error err = {0};
    ck_assert_int_eq(tim_client_new(&cfg, &c, &err), TIM_OK);
    struct tim_page page;
    struct tim_page_request r = {10, 1, 0, NULL};
    int rc = tim_get_group_page(c, &r, &page, &err);
    ck_assert_msg(rc == final_rows[_i].status, "%s: %s (%s)",
                  final_rows[_i].what, tim_status_name(rc), err.message);
    if (rc == TIM_OK) {
        ck_assert_uint_eq(page.total_count, SGP_GROUPS);
        tim_page_release(&page);
    } else {
        ck_assert_msg(err.transport_code == final_rows[_i].curl,
                      "%s: curl %d (%s)", final_rows[_i].what,
                      err.transport_code, err.message);
        ck_assert_uint_gt(strlen(err.message), 0);
    }
    ck_assert_uint_eq(tl_starting(&log, "POST "), final_rows[_i].posts);
    ck_assert_uint_eq(tl_starting(&log, "asking again in "),
                      final_rows[_i].posts - 1);
    tim_client_free(c);
    tl_free(&log);
    close(fd);
    tu_timock_stop(&t);
}
END_TEST

/* timgroups makes one try of a certificate it does not trust (of five
 * that --retries 4 allows). */
START_TEST(timgroups_one_try_on_bad_certificate)
{
    struct tu_timock t;
    start_tls(&t);
    char cmd[1024], out[8192];
    snprintf(
        cmd, sizeof cmd,
        "TIM_SECRET_KEY=%s '%s' --url https://127.0.0.1:%d --sdkappid %llu "
        "--identifier %s --retries 4 --verbose 2>&1 >/dev/null",
        TU_KEY, TIMGROUPS_PATH, t.port, SGP_APP, TU_ADMIN);
    int code = run(cmd, out, sizeof out);
    ck_assert_msg(code == 3, "exit %d: %s", code, out);
    size_t posts = 0;
    for (const char *p = out; (p = strstr(p, "timgroups: POST ")); p++)
        posts++;
    ck_assert_msg(posts == 1, "%zu tries: %s", posts, out);
    ck_assert_msg(strstr(out, "timgroups: transport error: SSL certificate "
                              "problem") != NULL,
                  "%s", out);
    tu_timock_stop(&t);
}
END_TEST

/* The backup domain.  The region's two domains are mapped (connect_to) to
 * timock's HTTPS port or to a refused port; the client trusts the test
 * CA. */
enum target { TO_MOCK, TO_CLOSED };

static const struct {
    const char *what;
    enum target primary, backup;
    const char *type;
    int status;
    long code;
    size_t on_primary, on_backup; /* POSTs to each domain (210 groups at
                                     Limit 200 take 3 pages) */
} backup_rows[] = {
    {"primary refused: the backup serves the pull", TO_CLOSED, TO_MOCK, NULL,
     TIM_OK, 0, 1, 3},
    {"primary answers 10004: no switch", TO_MOCK, TO_CLOSED, "Nope", TIM_E_API,
     10004, 1, 0},
    {"primary answers: the backup is never used", TO_MOCK, TO_CLOSED, NULL,
     TIM_OK, 0, 3, 0},
    {"both refused: the backup is tried, the primary not again", TO_CLOSED,
     TO_CLOSED, NULL, TIM_E_TRANSPORT, 0, 1, 2},
};

START_TEST(backup_domain)
{
    struct tu_timock t;
    start_tls(&t);
    int fd;
    int closed = closed_port(&fd);
    char map[512];
    snprintf(map, sizeof map,
             "adminapisgp.im.qcloud.com:443:127.0.0.1:%d,"
             "adminapisgp.my-imcloud.com:443:127.0.0.1:%d",
             backup_rows[_i].primary == TO_MOCK ? t.port : closed,
             backup_rows[_i].backup == TO_MOCK ? t.port : closed);
    struct tl_lines log = {0};
    struct tim_config cfg = {.region = "sgp",
                             .connect_to = map,
                             .cacert = CA_PEM,
                             .sdkappid = SGP_APP,
                             .identifier = TU_ADMIN,
                             .secret_key = TU_KEY,
                             .max_attempts = 2,
                             .backoff_base_ms = 10,
                             .backoff_max_ms = 10,
                             .log = tl_collect,
                             .log_data = &log};
    tim_client *c = NULL;
    struct tim_error err = {0};
    ck_assert_int_eq(tim_client_new(&cfg, &c, &err), TIM_OK);
    struct tim_pull_stats st;
    int rc = tim_pull_groups(c, backup_rows[_i].type, 200, NULL, NULL, NULL,
                             NULL, &st, &err);
    ck_assert_msg(rc == backup_rows[_i].status, "%s: %s (%s)",
                  backup_rows[_i].what, tim_status_name(rc), err.message);
    if (rc == TIM_OK)
        ck_assert_uint_eq(st.ids, SGP_GROUPS);
    if (rc == TIM_E_API)
        ck_assert_int_eq(err.error_code, backup_rows[_i].code);
    const char *primary = "POST https://adminapisgp.im.qcloud.com/v4/";
    const char *backup = "POST https://adminapisgp.my-imcloud.com/v4/";
    ck_assert_uint_eq(tl_starting(&log, primary), backup_rows[_i].on_primary);
    ck_assert_uint_eq(tl_starting(&log, backup), backup_rows[_i].on_backup);
    ck_assert_uint_eq(tl_starting(&log, "switching to the backup domain "
                                        "adminapisgp.my-imcloud.com"),
                      backup_rows[_i].on_backup ? 1 : 0);
    /* every try is to one of the two domains, the primary's first */
    ck_assert_uint_eq(tl_starting(&log, "POST "),
                      backup_rows[_i].on_primary + backup_rows[_i].on_backup);
    for (size_t i = 0, seen_backup = 0; i < log.n; i++) {
        if (strncmp(log.v[i], backup, strlen(backup)) == 0)
            seen_backup = 1;
        ck_assert_msg(!seen_backup ||
                          strncmp(log.v[i], primary, strlen(primary)) != 0,
                      "back to the primary: %s", log.v[i]);
    }
    tim_client_free(c);
    tl_free(&log);
    close(fd);
    tu_timock_stop(&t);
}
END_TEST

#define ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    /* the test CA and the server's certificate, made once per build dir */
    if (system("'" CERTS_SCRIPT "' '" CERTS_DIR "'") != 0) {
        fprintf(stderr, "test_client_hostile: %s failed\n", CERTS_SCRIPT);
        return EXIT_FAILURE;
    }
    if (tim_global_init() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("client_hostile");
    TCase *tc = tcase_create("client_hostile");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, pull_bounds, 0, ROWS(pull_rows));
    tcase_add_loop_test(tc, timgroups_bounds, 0, ROWS(cli_rows));
    tcase_add_loop_test(tc, final_transport_errors, 0, ROWS(final_rows));
    tcase_add_test(tc, timgroups_one_try_on_bad_certificate);
    tcase_add_loop_test(tc, backup_domain, 0, ROWS(backup_rows));
    suite_add_tcase(s, tc);
    TCase *cut = tcase_create("time_bound_cut");
    tcase_set_timeout(cut, 30);
    tcase_add_test(cut, time_bound_cuts_a_request);
    suite_add_tcase(s, cut);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tim_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
