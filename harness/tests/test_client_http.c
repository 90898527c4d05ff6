/*
 * Integration tests of the client library (timclient.h) against the real
 * timock on 127.0.0.1 and a free port, and against a listener of the test's
 * own that never answers:
 *
 *   - full pulls (every type and none; empty and multi-region fixtures):
 *     every ID once, as many as TotalCount, in the expected number of pages;
 *   - chaos.json: a pull through 10002 and 60007 that still gets every ID
 *     once; Next above 2^53 read and sent back exactly;
 *   - limit-10018.json: 10018 halves Limit until the pages fit;
 *   - errors that are not retried reach the caller with their ErrorCode
 *     after exactly one request; transient ones are retried just enough;
 *   - a server that never answers: a timeout within the configured time;
 *   - secrets: neither the key nor the UserSig in a log line or a message;
 *   - connect_to: a URL's host mapped to the mock;
 *   - one kept-alive connection for a whole pull.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "testlog.h"
#include "testutil.h"
#include "timclient.h"
#include "usersig.h"

#define TWO_TO_53 (1ULL << 53)

/* What the tests share: a client on a running timock, and the lines it
 * logged. */

/* A configuration for app on t, signing with the key as the admin. */
static struct tim_config config_for(const struct tu_timock *t, char *url,
                                    size_t n, uint64_t app,
                                    struct tl_lines *log)
{
    snprintf(url, n, "http://127.0.0.1:%d", t->port);
    return (struct tim_config){.base_url = url,
                               .sdkappid = app,
                               .identifier = TU_ADMIN,
                               .secret_key = TU_KEY,
                               .backoff_base_ms = 20,
                               .backoff_max_ms = 500,
                               .log = log ? tl_collect : NULL,
                               .log_data = log};
}

static tim_client *client_new(const struct tim_config *cfg)
{
    tim_client *c = NULL;
    struct tim_error err;
    int rc = tim_client_new(cfg, &c, &err);
    ck_assert_msg(rc == TIM_OK, "tim_client_new: %s", err.message);
    return c;
}

/* The IDs a pull gave, to find duplicates. */
struct ids {
    char **v;
    size_t n, cap;
};

static int collect_id(void *data, const char *id, size_t len)
{
    struct ids *s = data;
    ck_assert_uint_eq(strlen(id), len);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        ck_assert_ptr_nonnull(s->v);
    }
    s->v[s->n] = strndup(id, len);
    ck_assert_ptr_nonnull(s->v[s->n]);
    s->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fails the test when an ID came twice (sorts a copy). */
static void ids_assert_unique(const struct ids *s)
{
    char **sorted = malloc((s->n ? s->n : 1) * sizeof *sorted);
    ck_assert_ptr_nonnull(sorted);
    if (s->n)
        memcpy(sorted, s->v, s->n * sizeof *sorted);
    qsort(sorted, s->n, sizeof *sorted, cmp_str);
    for (size_t i = 1; i < s->n; i++)
        ck_assert_msg(strcmp(sorted[i - 1], sorted[i]) != 0, "%s came twice",
                      sorted[i]);
    free(sorted);
}

static void ids_free(struct ids *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Full pulls.  The mock's default quirk gives the last page with groups a
 * non-zero Next, so a pull of n > 0 groups takes ceil(n / limit) + 1 pages;
 * an empty app takes one. */

static const struct {
    const char *fixture; /* NULL: the embedded default */
    uint64_t app;
    const char *type;
    unsigned limit;
    uint64_t count;
} pull_rows[] = {
    {NULL, TU_APP, NULL, 0, 25000},
    {NULL, TU_APP, NULL, 1000, 25000},
    {NULL, TU_APP, "Public", 1000, 8000},
    {NULL, TU_APP, "Private", 1000, 6000},
    {NULL, TU_APP, "ChatRoom", 1000, 5000},
    {NULL, TU_APP, "AVChatRoom", 1000, 3000},
    {NULL, TU_APP, "BChatRoom", 1000, 1000},
    {NULL, TU_APP, "Community", 1000, 2000},
    {NULL, TU_APP, "Community", 10000, 2000},
    {NULL, TU_APP, "BChatRoom", 333, 1000},
    {"empty.json", 1400000001, NULL, 100, 0},
    {"empty.json", 1400000001, "Public", 100, 0},
    {"regions.json", 1400000105, NULL, 100, 210}, /* mumbai, by address */
};

START_TEST(full_pull)
{
    struct tu_timock t;
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s/%s", FIXTURES_DIR,
             pull_rows[_i].fixture ? pull_rows[_i].fixture : "");
    const char *args[] = {"--fixture", fixture, NULL};
    tu_timock_start(&t, pull_rows[_i].fixture ? args : NULL);
    char url[64];
    struct tim_config cfg =
        config_for(&t, url, sizeof url, pull_rows[_i].app, NULL);
    tim_client *c = client_new(&cfg);
    struct ids got = {0};
    struct tim_pull_stats st;
    struct tim_error err;
    int rc = tim_pull_groups(c, pull_rows[_i].type, pull_rows[_i].limit,
                             collect_id, &got, NULL, NULL, &st, &err);
    ck_assert_msg(rc == TIM_OK, "pull: %s", err.message);
    unsigned limit = pull_rows[_i].limit ? pull_rows[_i].limit : 10000;
    uint64_t n = pull_rows[_i].count;
    ck_assert_uint_eq(got.n, n);
    ck_assert_uint_eq(st.ids, n);
    ck_assert_uint_eq(st.total_count, n);
    ck_assert_uint_eq(st.limit, limit);
    ck_assert_uint_eq(st.retries, 0);
    ck_assert_uint_eq(st.pages, n ? (n + limit - 1) / limit + 1 : 1);
    ids_assert_unique(&got);
    /* the default fixture's server-made IDs carry their type's character */
    static const char *const type_char[][2] = {
        {"Public", "2"},     {"Private", "1"},   {"ChatRoom", "3"},
        {"AVChatRoom", "a"}, {"BChatRoom", "b"}, {"Community", "_"}};
    for (size_t k = 0; !pull_rows[_i].fixture && pull_rows[_i].type && k < 6;
         k++) {
        if (strcmp(pull_rows[_i].type, type_char[k][0]) != 0)
            continue;
        for (size_t i = 0; i < got.n; i++)
            ck_assert_msg(strncmp(got.v[i], "@TGS#", 5) == 0 &&
                              got.v[i][5] == type_char[k][1][0],
                          "%s in a %s pull", got.v[i], type_char[k][0]);
    }
    ids_free(&got);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* The IDs of all six types' pulls are the IDs of the unfiltered pull. */
START_TEST(types_partition_the_app)
{
    static const char *const types[] = {"Public",     "Private",   "ChatRoom",
                                        "AVChatRoom", "BChatRoom", "Community"};
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64];
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, NULL);
    tim_client *c = client_new(&cfg);
    struct ids all = {0}, typed = {0};
    struct tim_error err;
    ck_assert_int_eq(
        tim_pull_groups(c, NULL, 0, collect_id, &all, NULL, NULL, NULL, &err),
        TIM_OK);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(tim_pull_groups(c, types[i], 5000, collect_id, &typed,
                                         NULL, NULL, NULL, &err),
                         TIM_OK);
    ck_assert_uint_eq(all.n, 25000);
    ck_assert_uint_eq(typed.n, 25000);
    qsort(all.v, all.n, sizeof *all.v, cmp_str);
    qsort(typed.v, typed.n, sizeof *typed.v, cmp_str);
    for (size_t i = 0; i < all.n; i++)
        ck_assert_str_eq(all.v[i], typed.v[i]);
    ids_free(&all);
    ids_free(&typed);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* Progress and stopping: on_page sees every page; a non-zero return of
 * on_id stops the pull at once with TIM_E_ABORTED. */

struct progress {
    uint64_t pages, last_ids, last_next, nexts;
};

/* Each page's own count and Next reach on_page with the running sums. */
static void on_page(void *data, const struct tim_pull_stats *s)
{
    struct progress *p = data;
    p->pages++;
    ck_assert_uint_eq(s->pages, p->pages);
    ck_assert_uint_ge(s->ids, p->last_ids);
    ck_assert_uint_eq(s->count, s->ids - p->last_ids);
    p->last_ids = s->ids;
    p->last_next = s->next;
    p->nexts += s->next != 0;
}

static int stop_at_1500(void *data, const char *id, size_t len)
{
    (void)id;
    (void)len;
    return ++*(int *)data == 1500;
}

START_TEST(progress_and_abort)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64];
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, NULL);
    tim_client *c = client_new(&cfg);
    struct progress p = {0};
    struct tim_pull_stats st;
    struct tim_error err;
    ck_assert_int_eq(
        tim_pull_groups(c, "Public", 1000, NULL, NULL, on_page, &p, &st, &err),
        TIM_OK);
    ck_assert_uint_eq(p.pages, 9);
    ck_assert_uint_eq(p.last_ids, 8000);
    /* 8 full pages, each with a Next; the 9th is empty with Next 0 */
    ck_assert_uint_eq(p.nexts, 8);
    ck_assert_uint_eq(p.last_next, 0);
    ck_assert_uint_eq(st.count, 0);
    int seen = 0;
    ck_assert_int_eq(tim_pull_groups(c, NULL, 1000, stop_at_1500, &seen, NULL,
                                     NULL, &st, &err),
                     TIM_E_ABORTED);
    ck_assert_int_eq(err.status, TIM_E_ABORTED);
    ck_assert_int_eq(seen, 1500);
    ck_assert_uint_eq(st.pages, 2);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* chaos.json: 10002 on every 5th valid request and 20 calls a second; the
 * pull still gets all 3000 IDs once each. */
START_TEST(chaos_pull)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", FIXTURES_DIR "/chaos.json", NULL};
    tu_timock_start(&t, args);
    char url[64];
    struct tl_lines log = {0};
    struct tim_config cfg = config_for(&t, url, sizeof url, 1400000004, &log);
    cfg.max_attempts = 20;
    cfg.retry_budget_ms = 60000;
    tim_client *c = client_new(&cfg);
    struct ids got = {0};
    struct tim_pull_stats st;
    struct tim_error err;
    int rc =
        tim_pull_groups(c, NULL, 100, collect_id, &got, NULL, NULL, &st, &err);
    ck_assert_msg(rc == TIM_OK, "pull: %s", err.message);
    ck_assert_uint_eq(got.n, 3000);
    ck_assert_uint_eq(st.total_count, 3000);
    ck_assert_uint_eq(st.pages, 31);
    ids_assert_unique(&got);
    /* 31 good answers need at least 6 failed tries of 10002 */
    ck_assert_uint_ge(st.retries, 6);
    ck_assert_uint_eq(tl_starting(&log, "POST "), 31 + st.retries);
    ck_assert_uint_eq(tl_starting(&log, "asking again in "), st.retries);
    ids_free(&got);
    tl_free(&log);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* Returns the digits of the top-level "Next" of a JSON answer (static). */
static const char *raw_next(const char *json)
{
    static char digits[32];
    const char *p = strstr(json, "\"Next\":");
    ck_assert_ptr_nonnull(p);
    p += 7;
    size_t n = strspn(p, "0123456789");
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, sizeof digits);
    memcpy(digits, p, n);
    digits[n] = '\0';
    return digits;
}

/* chaos.json issues cursors above 2^53: page 1's Next is read exactly (it
 * is the text of the answer), and sent back it yields page 2, which is the
 * second half of a page of twice the size. */
START_TEST(exact_next_above_2_53)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", FIXTURES_DIR "/chaos.json", NULL};
    tu_timock_start(&t, args);
    char url[64];
    struct tim_config cfg = config_for(&t, url, sizeof url, 1400000004, NULL);
    cfg.max_attempts = 20;
    tim_client *c = client_new(&cfg);
    struct tim_error err;
    char *answer = NULL;
    size_t len = 0;
    ck_assert_int_eq(tim_call(c, "group_open_http_svc", "get_appid_group_list",
                              "{\"Limit\":100,\"Next\":0}", &answer, &len,
                              &err),
                     TIM_OK);
    ck_assert_uint_eq(strlen(answer), len);
    char want[32];
    snprintf(want, sizeof want, "%s", raw_next(answer));
    free(answer);

    struct tim_page p1, p2, both;
    struct tim_page_request r1 = {100, 1, 0, NULL};
    ck_assert_int_eq(tim_get_group_page(c, &r1, &p1, &err), TIM_OK);
    char got[32];
    snprintf(got, sizeof got, "%" PRIu64, p1.next);
    ck_assert_str_eq(got, want);
    ck_assert(p1.has_next);
    ck_assert_uint_gt(p1.next, TWO_TO_53);
    ck_assert_uint_eq(p1.count, 100);
    ck_assert_uint_eq(p1.total_count, 3000);

    struct tim_page_request r2 = {100, 1, p1.next, NULL};
    ck_assert_int_eq(tim_get_group_page(c, &r2, &p2, &err), TIM_OK);
    ck_assert_uint_eq(p2.count, 100);
    ck_assert_uint_gt(p2.next, p1.next);

    struct tim_page_request r12 = {200, 1, 0, NULL};
    ck_assert_int_eq(tim_get_group_page(c, &r12, &both, &err), TIM_OK);
    ck_assert_uint_eq(both.count, 200);
    for (size_t i = 0; i < 100; i++) {
        ck_assert_str_eq(p1.ids[i], both.ids[i]);
        ck_assert_str_eq(p2.ids[i], both.ids[100 + i]);
    }
    /* both end on the same group, so on the same cursor */
    ck_assert_uint_eq(p2.next, both.next);

    /* a cursor one below p1's is another position: the page then starts
     * with p1's last ID */
    struct tim_page before;
    struct tim_page_request rb = {1, 1, p1.next - 1, NULL};
    ck_assert_int_eq(tim_get_group_page(c, &rb, &before, &err), TIM_OK);
    ck_assert_uint_eq(before.count, 1);
    ck_assert_str_eq(before.ids[0], p1.ids[99]);
    ck_assert_uint_eq(before.next, p1.next);
    tim_page_release(&before);
    tim_page_release(&p1);
    tim_page_release(&p2);
    tim_page_release(&both);
    ck_assert_ptr_null(both.ids);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* A request without Next gets an answer without Next (the default quirk):
 * the page says so. */
START_TEST(page_without_next)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64];
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, NULL);
    tim_client *c = client_new(&cfg);
    struct tim_page page;
    struct tim_error err;
    struct tim_page_request r = {5, 0, 0, "Community"};
    ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_OK);
    ck_assert_int_eq(page.has_next, 0);
    ck_assert_uint_eq(page.count, 5);
    ck_assert_uint_eq(page.total_count, 2000);
    tim_page_release(&page);
    r.send_next = 1;
    ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_OK);
    ck_assert_int_eq(page.has_next, 1);
    ck_assert_uint_gt(page.next, 1ULL << 32);
    tim_page_release(&page);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

static int64_t test_clock(void *data)
{
    return *(const int64_t *)data;
}

/* A made UserSig is used until a tenth of its life is left (at most 5
 * minutes), then made anew; the mock takes a UserSig made later than its
 * own clock, so the client's clock may run ahead. */
START_TEST(usersig_renewed_before_expiry)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64];
    struct tl_lines log = {0};
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, &log);
    int64_t now = (int64_t)time(NULL);
    cfg.clock = test_clock;
    cfg.clock_data = &now;
    cfg.usersig_ttl = 3600; /* a tenth is 360 s: renewed 300 s before */
    tim_client *c = client_new(&cfg);
    struct tim_page page;
    struct tim_error err;
    struct tim_page_request r = {1, 0, 0, NULL};
    static const struct {
        int64_t step; /* seconds the clock moves before the call */
        size_t made;  /* UserSigs made so far */
    } steps[] = {{0, 1}, {3299, 1}, {1, 2}, {3299, 2}, {1, 3}, {86400, 4}};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        now += steps[i].step;
        ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_OK);
        tim_page_release(&page);
        ck_assert_msg(tl_starting(&log, "made a UserSig") == steps[i].made,
                      "step %zu: %zu UserSigs made, wanted %zu", i,
                      tl_starting(&log, "made a UserSig"), steps[i].made);
    }
    tim_client_free(c);
    tl_free(&log);
    tu_timock_stop(&t);
}
END_TEST

/* limit-10018.json: a page of 10000 IDs is over the answer limit; the pull
 * halves Limit to 5000, which fits, and gets all 20000 IDs. */
START_TEST(halves_limit_on_10018)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", FIXTURES_DIR "/limit-10018.json", NULL};
    tu_timock_start(&t, args);
    char url[64];
    struct tl_lines log = {0};
    struct tim_config cfg = config_for(&t, url, sizeof url, 1400000003, &log);
    tim_client *c = client_new(&cfg);
    struct ids got = {0};
    struct tim_pull_stats st;
    struct tim_error err;
    int rc = tim_pull_groups(c, NULL, 10000, collect_id, &got, NULL, NULL, &st,
                             &err);
    ck_assert_msg(rc == TIM_OK, "pull: %s", err.message);
    ck_assert_uint_eq(got.n, 20000);
    ck_assert_uint_eq(st.total_count, 20000);
    ck_assert_uint_eq(st.limit, 5000);
    ck_assert_uint_eq(st.pages, 5);
    ck_assert_uint_eq(st.retries, 0); /* 10018 is not retried as it is */
    ids_assert_unique(&got);
    /* one refused request of 10000, then 5 of 5000 */
    ck_assert_uint_eq(tl_starting(&log, "POST "), 6);
    ck_assert_uint_eq(
        tl_starting(&log, "answer too large: asking again with Limit 5000"), 1);
    ids_free(&got);
    tl_free(&log);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* Errors that no retry can mend: one request, and the ErrorCode reaches the
 * caller. */

enum sig_kind { SIG_KEY, SIG_EXPIRED, SIG_OTHER_ID, SIG_JUNK };

static const struct {
    const char *what;
    const char *fixture; /* NULL: default */
    uint64_t app;
    const char *identifier;
    const char *key;
    enum sig_kind sig;
    const char *type;
    unsigned limit;
    long code;
} fatal_rows[] = {
    {"bad GroupType", NULL, TU_APP, TU_ADMIN, TU_KEY, SIG_KEY, "Nope", 10,
     TIM_ERR_BAD_PARAM},
    {"GroupType in lower case", NULL, TU_APP, TU_ADMIN, TU_KEY, SIG_KEY,
     "public", 10, TIM_ERR_BAD_PARAM},
    {"not an admin", NULL, TU_APP, "user1", TU_KEY, SIG_KEY, NULL, 10,
     TIM_ERR_NO_PERMISSION},
    {"wrong key", NULL, TU_APP, TU_ADMIN, "not the key", SIG_KEY, NULL, 10,
     TIM_ERR_SIG_MISMATCH},
    {"unknown app", NULL, 1400000099, TU_ADMIN, TU_KEY, SIG_KEY, NULL, 10,
     TIM_ERR_BAD_SDKAPPID},
    {"expired UserSig", NULL, TU_APP, TU_ADMIN, NULL, SIG_EXPIRED, NULL, 10,
     TIM_ERR_SIG_EXPIRED},
    {"another's UserSig", NULL, TU_APP, TU_ADMIN, NULL, SIG_OTHER_ID, NULL, 10,
     TIM_ERR_SIG_IDENTIFIER},
    {"junk UserSig", NULL, TU_APP, TU_ADMIN, NULL, SIG_JUNK, NULL, 10,
     TIM_ERR_SIG_DECODE},
    {"one page over the limit", "limit-10018.json", 1400000003, TU_ADMIN,
     TU_KEY, SIG_KEY, NULL, 10000, TIM_ERR_TOO_LARGE},
};

START_TEST(fatal_error_not_retried)
{
    struct tu_timock t;
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s/%s", FIXTURES_DIR,
             fatal_rows[_i].fixture ? fatal_rows[_i].fixture : "");
    const char *args[] = {"--fixture", fixture, NULL};
    tu_timock_start(&t, fatal_rows[_i].fixture ? args : NULL);
    char url[64], *sig = NULL;
    struct tl_lines log = {0};
    struct tim_config cfg =
        config_for(&t, url, sizeof url, fatal_rows[_i].app, &log);
    cfg.identifier = fatal_rows[_i].identifier;
    cfg.secret_key = fatal_rows[_i].key;
    switch (fatal_rows[_i].sig) {
    case SIG_KEY:
        break;
    case SIG_EXPIRED: /* valid from 2023-11-14 for one day */
        ck_assert_int_eq(usersig_make(TU_KEY, TU_APP, TU_ADMIN, 1700000000,
                                      86400, NULL, 0, -1, &sig),
                         0);
        break;
    case SIG_OTHER_ID:
        ck_assert_int_eq(usersig_make(TU_KEY, TU_APP, "user1",
                                      (int64_t)time(NULL), 86400, NULL, 0, -1,
                                      &sig),
                         0);
        break;
    case SIG_JUNK:
        sig = strdup("eJwrSS0u0cvMK0hNycxLBwAc6gR-");
        break;
    }
    cfg.usersig = sig;
    tim_client *c = client_new(&cfg);
    struct tim_page page = {.count = 12345};
    struct tim_page_request r = {fatal_rows[_i].limit, 1, 0,
                                 fatal_rows[_i].type};
    struct tim_error err;
    ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_E_API);
    ck_assert_int_eq(err.status, TIM_E_API);
    ck_assert_msg(err.error_code == fatal_rows[_i].code, "%s: got %ld (%s)",
                  fatal_rows[_i].what, err.error_code, err.message);
    const char *text = tim_error_text((int)err.error_code);
    ck_assert_int_eq(strncmp(err.error_info, text, strlen(text)), 0);
    ck_assert_int_eq(err.http_status, 200);
    char want[64];
    snprintf(want, sizeof want, "ErrorCode %ld: ", fatal_rows[_i].code);
    ck_assert_ptr_nonnull(strstr(err.message, want));
    ck_assert_uint_eq(page.count, 12345); /* untouched */
    ck_assert_uint_eq(tl_starting(&log, "POST "), 1);
    ck_assert_uint_eq(tl_starting(&log, "asking again"), 0);

    /* a pull stops on it too, without a retry (10018 aside: it halves) */
    if (fatal_rows[_i].code != TIM_ERR_TOO_LARGE) {
        struct tim_pull_stats st;
        ck_assert_int_eq(tim_pull_groups(c, fatal_rows[_i].type, 10, NULL, NULL,
                                         NULL, NULL, &st, &err),
                         TIM_E_API);
        ck_assert_int_eq(err.error_code, fatal_rows[_i].code);
        ck_assert_uint_eq(st.retries, 0);
        ck_assert_uint_eq(st.pages, 0);
        ck_assert_uint_eq(tl_starting(&log, "POST "), 2);
    }
    free(sig);
    tl_free(&log);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* Transient failures are retried until a try succeeds, or the tries run
 * out; others are not.  The fault fires on the first `times` requests. */
static const struct {
    const char *action;
    int times; /* 0: every request */
    unsigned max_attempts;
    int status;
    long code_or_http; /* ErrorCode (TIM_E_API) or HTTP status (TIM_E_HTTP) */
    size_t posts;
} transient_rows[] = {
    {"{\"error_code\":10002}", 2, 5, TIM_OK, 0, 3},
    {"{\"error_code\":60007}", 4, 5, TIM_OK, 0, 5},
    {"{\"http_status\":503}", 2, 5, TIM_OK, 0, 3},
    {"{\"http_status\":502}", 1, 5, TIM_OK, 0, 2},
    {"{\"close\":true}", 1, 5, TIM_OK, 0, 2},
    {"{\"error_code\":10002}", 0, 3, TIM_E_API, 10002, 3},
    {"{\"error_code\":60007}", 5, 5, TIM_E_API, 60007, 5},
    {"{\"http_status\":504}", 0, 2, TIM_E_HTTP, 504, 2},
    {"{\"http_status\":404}", 0, 5, TIM_E_HTTP, 404, 1},
    {"{\"error_code\":10004}", 0, 5, TIM_E_API, 10004, 1},
};

START_TEST(transient_retried)
{
    char json[1024], times[32] = "";
    if (transient_rows[_i].times)
        snprintf(times, sizeof times, ",\"times\":%d",
                 transient_rows[_i].times);
    snprintf(json, sizeof json,
             "{\"apps\":[{\"sdkappid\":1400000000,\"admins\":[\"" TU_ADMIN
             "\"],\"key\":\"" TU_KEY "\",\"generate\":{\"seed\":1,"
             "\"counts\":{\"Public\":10}}}],"
             "\"faults\":[{\"action\":%s%s}]}",
             transient_rows[_i].action, times);
    struct tu_timock t;
    const char *args[] = {"--fixture", tu_write_fixture(json), NULL};
    tu_timock_start(&t, args);
    char url[64];
    struct tl_lines log = {0};
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, &log);
    cfg.max_attempts = transient_rows[_i].max_attempts;
    tim_client *c = client_new(&cfg);
    struct tim_page page;
    struct tim_page_request r = {100, 1, 0, NULL};
    struct tim_error err;
    int rc = tim_get_group_page(c, &r, &page, &err);
    ck_assert_msg(rc == transient_rows[_i].status, "%s: got %s (%s)",
                  transient_rows[_i].action, tim_status_name(rc),
                  rc ? err.message : "");
    if (rc == TIM_OK) {
        ck_assert_uint_eq(page.count, 10);
        tim_page_release(&page);
    } else if (rc == TIM_E_API) {
        ck_assert_int_eq(err.error_code, transient_rows[_i].code_or_http);
    } else if (rc == TIM_E_HTTP) {
        ck_assert_int_eq(err.http_status, transient_rows[_i].code_or_http);
    }
    ck_assert_uint_eq(tl_starting(&log, "POST "), transient_rows[_i].posts);
    tl_free(&log);
    tim_client_free(c);
    tu_timock_stop(&t);
    tu_remove_fixture(args[1]);
}
END_TEST

/* A server that accepts and never answers: each connection is read until
 * the client gives up and closes it. */
struct mute_server {
    int fd, port;
    unsigned want; /* connections to take */
    unsigned accepted;
    char first[128]; /* the start of the first request */
    pthread_t thread;
};

static void *mute_serve(void *data)
{
    struct mute_server *m = data;
    for (; m->accepted < m->want; m->accepted++) {
        int conn = accept(m->fd, NULL, NULL);
        if (conn < 0)
            break;
        char buf[4096];
        ssize_t got;
        size_t have = 0;
        while ((got = read(conn, buf, sizeof buf)) > 0)
            if (m->accepted == 0 && have < sizeof m->first - 1) {
                size_t n = (size_t)got < sizeof m->first - 1 - have
                               ? (size_t)got
                               : sizeof m->first - 1 - have;
                memcpy(m->first + have, buf, n);
                have += n;
            }
        close(conn);
    }
    return NULL;
}

static void mute_start(struct mute_server *m, unsigned want)
{
    memset(m, 0, sizeof *m);
    m->want = want;
    m->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(m->fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(m->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(m->fd, 8), 0);
    ck_assert_int_eq(getsockname(m->fd, (struct sockaddr *)&sa, &len), 0);
    m->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&m->thread, NULL, mute_serve, m), 0);
}

static void mute_stop(struct mute_server *m)
{
    ck_assert_int_eq(pthread_join(m->thread, NULL), 0);
    close(m->fd);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static const struct {
    unsigned attempts;
    long timeout_ms;
} timeout_rows[] = {{1, 500}, {3, 300}};

START_TEST(timeout_when_mute)
{
    struct mute_server m;
    unsigned attempts = timeout_rows[_i].attempts;
    long timeout = timeout_rows[_i].timeout_ms;
    mute_start(&m, attempts);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", m.port);
    struct tl_lines log = {0};
    struct tim_config cfg = {.base_url = url,
                             .sdkappid = TU_APP,
                             .identifier = TU_ADMIN,
                             .secret_key = TU_KEY,
                             .timeout_ms = timeout,
                             .max_attempts = attempts,
                             .backoff_base_ms = 20,
                             .backoff_max_ms = 20,
                             .log = tl_collect,
                             .log_data = &log};
    tim_client *c = client_new(&cfg);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct tim_page page;
    struct tim_page_request r = {10, 1, 0, NULL};
    struct tim_error err;
    ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_E_TRANSPORT);
    double secs = seconds_since(&t0);
    ck_assert_int_eq(err.status, TIM_E_TRANSPORT);
    ck_assert_int_eq(err.transport_code, CURLE_OPERATION_TIMEDOUT);
    ck_assert_int_eq(err.http_status, 0);
    ck_assert_double_ge(secs, attempts * (double)timeout / 1000 - 0.05);
    ck_assert_double_lt(secs, attempts * (double)timeout / 1000 + 2.5);
    ck_assert_uint_eq(tl_starting(&log, "POST "), attempts);
    tim_client_free(c); /* closes the last connection: the thread ends */
    mute_stop(&m);
    ck_assert_uint_eq(m.accepted, attempts);
    const char *start = "POST /v4/group_open_http_svc/get_appid_group_list?"
                        "sdkappid=1400000000&";
    ck_assert_int_eq(strncmp(m.first, start, strlen(start)), 0);
    tl_free(&log);
}
END_TEST

/* Nothing listens: a connect failure is a transport error, retried. */
START_TEST(connection_refused)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    struct tl_lines log = {0};
    struct tim_config cfg = {.base_url = url,
                             .sdkappid = TU_APP,
                             .identifier = TU_ADMIN,
                             .secret_key = TU_KEY,
                             .max_attempts = 2,
                             .backoff_base_ms = 10,
                             .log = tl_collect,
                             .log_data = &log};
    tim_client *c = client_new(&cfg);
    struct tim_page page;
    struct tim_page_request r = {10, 1, 0, NULL};
    struct tim_error err;
    ck_assert_int_eq(tim_get_group_page(c, &r, &page, &err), TIM_E_TRANSPORT);
    ck_assert_int_eq(err.transport_code, CURLE_COULDNT_CONNECT);
    ck_assert_uint_eq(tl_starting(&log, "POST "), 2);
    tim_client_free(c);
    close(fd);
    tl_free(&log);
}
END_TEST

/* Fails the test if s shows the key, the UserSig sig (when not NULL), or a
 * usersig value other than REDACTED. */
static void assert_no_secret(const char *s, const char *sig)
{
    ck_assert_msg(strstr(s, TU_KEY) == NULL, "the key in: %s", s);
    ck_assert_msg(!sig || strstr(s, sig) == NULL, "the UserSig in: %s", s);
    for (const char *p = s; (p = strstr(p, "usersig=")) != NULL; p += 8)
        ck_assert_msg(strncmp(p + 8, "REDACTED", 8) == 0 &&
                          strchr("& #", p[16]),
                      "a usersig shown in: %s", s);
}

/* Secrets never show: not in the lines of a pull, nor of failures, nor in
 * the messages of failures, whether the UserSig is made or given. */
START_TEST(no_secret_in_logs)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64], *sig = NULL;
    struct tl_lines log = {0};
    struct tim_error err;
    struct tim_pull_stats st;

    /* made from the key: a pull, then a failure of each kind */
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, &log);
    tim_client *c = client_new(&cfg);
    ck_assert_int_eq(tim_pull_groups(c, "Community", 1000, NULL, NULL, NULL,
                                     NULL, &st, &err),
                     TIM_OK);
    ck_assert_int_eq(
        tim_pull_groups(c, "Nope", 10, NULL, NULL, NULL, NULL, &st, &err),
        TIM_E_API);
    assert_no_secret(err.message, NULL);
    tim_client_free(c);
    cfg.secret_key = "not the key but still a secret";
    c = client_new(&cfg);
    ck_assert_int_eq(
        tim_pull_groups(c, NULL, 10, NULL, NULL, NULL, NULL, &st, &err),
        TIM_E_API);
    ck_assert_int_eq(err.error_code, TIM_ERR_SIG_MISMATCH);
    assert_no_secret(err.message, NULL);
    ck_assert_ptr_null(strstr(err.message, cfg.secret_key));
    tim_client_free(c);

    /* given: the exact UserSig string is known */
    ck_assert_int_eq(usersig_make(TU_KEY, TU_APP, TU_ADMIN, (int64_t)time(NULL),
                                  86400, NULL, 0, -1, &sig),
                     0);
    cfg.secret_key = NULL;
    cfg.usersig = sig;
    c = client_new(&cfg);
    ck_assert_int_eq(
        tim_pull_groups(c, "BChatRoom", 500, NULL, NULL, NULL, NULL, &st, &err),
        TIM_OK);
    tim_client_free(c);
    /* and a transport failure, with the URL in curl's message */
    cfg.base_url = "http://127.0.0.1:1";
    cfg.max_attempts = 1;
    c = client_new(&cfg);
    ck_assert_int_eq(
        tim_pull_groups(c, NULL, 10, NULL, NULL, NULL, NULL, &st, &err),
        TIM_E_TRANSPORT);
    assert_no_secret(err.message, sig);
    tim_client_free(c);

    /* 3 + 1 + 1 + 3 + 1 requests, each shown with its URL */
    ck_assert_uint_eq(tl_starting(&log, "POST "), 9);
    size_t redacted = 0;
    for (size_t i = 0; i < log.n; i++) {
        assert_no_secret(log.v[i], sig);
        ck_assert_ptr_null(strstr(log.v[i], "not the key but still a secret"));
        redacted += strstr(log.v[i], "&usersig=REDACTED&") != NULL;
    }
    ck_assert_uint_eq(redacted, 9);
    free(sig);
    tl_free(&log);
    tu_timock_stop(&t);
}
END_TEST

/* connect_to: the URL names a host that does not exist (.invalid); the
 * mapping sends the connection to the mock without a name lookup, and the
 * Host header (no region's domain) reaches the app. */
START_TEST(connect_to_mapping)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char map[128];
    snprintf(map, sizeof map, "example.invalid:1234:127.0.0.1:%d", t.port);
    struct tl_lines log = {0};
    struct tim_config cfg = {.base_url = "http://example.invalid:1234",
                             .connect_to = map,
                             .sdkappid = TU_APP,
                             .identifier = TU_ADMIN,
                             .secret_key = TU_KEY,
                             .max_attempts = 1,
                             .log = tl_collect,
                             .log_data = &log};
    tim_client *c = client_new(&cfg);
    struct ids got = {0};
    struct tim_pull_stats st;
    struct tim_error err;
    int rc = tim_pull_groups(c, "Public", 0, collect_id, &got, NULL, NULL, &st,
                             &err);
    ck_assert_msg(rc == TIM_OK, "pull: %s", err.message);
    ck_assert_uint_eq(got.n, 8000);
    ids_assert_unique(&got);
    ck_assert_uint_eq(tl_starting(&log,
                                  "POST http://example.invalid:1234/v4/"
                                  "group_open_http_svc/get_appid_group_list?"
                                  "sdkappid=1400000000&"),
                      2);
    tim_client_free(c);
    ids_free(&got);
    tl_free(&log);

    /* a closed port of 127.0.0.1 mapped to the mock works; unmapped, it
     * is refused (no name lookup is needed either way) */
    snprintf(map, sizeof map, "127.0.0.1:1:127.0.0.1:%d", t.port);
    cfg.base_url = "http://127.0.0.1:1";
    cfg.log = NULL;
    c = client_new(&cfg);
    ck_assert_int_eq(
        tim_pull_groups(c, "BChatRoom", 0, NULL, NULL, NULL, NULL, &st, &err),
        TIM_OK);
    ck_assert_uint_eq(st.ids, 1000);
    tim_client_free(c);
    cfg.connect_to = NULL;
    c = client_new(&cfg);
    ck_assert_int_eq(
        tim_pull_groups(c, NULL, 10, NULL, NULL, NULL, NULL, &st, &err),
        TIM_E_TRANSPORT);
    ck_assert_int_eq(err.transport_code, CURLE_COULDNT_CONNECT);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

/* The TCP connections of 127.0.0.1 that involve port, from /proc/net/tcp:
 * *to_port counts the client ends connected to it, *time_wait those in
 * TIME_WAIT on either end. */
static void tcp_count(int port, int *to_port, int *time_wait)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    *to_port = *time_wait = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* the header */
    while (fgets(line, sizeof line, f)) {
        unsigned lport, rport, st;
        if (sscanf(line, " %*d: %*8x:%x %*8x:%x %x", &lport, &rport, &st) != 3)
            continue;
        if ((int)rport == port && st == 0x01) /* ESTABLISHED */
            (*to_port)++;
        if (((int)lport == port || (int)rport == port) && st == 0x06)
            (*time_wait)++;
    }
    fclose(f);
}

/* A pull of 26 pages goes over one kept-alive connection: one connection to
 * the mock stays open, and none was closed on the way. */
START_TEST(one_connection_per_pull)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char url[64];
    struct tim_config cfg = config_for(&t, url, sizeof url, TU_APP, NULL);
    tim_client *c = client_new(&cfg);
    int open0, closed0, open1, closed1;
    tcp_count(t.port, &open0, &closed0);
    ck_assert_int_eq(open0, 0);
    struct tim_pull_stats st;
    struct tim_error err;
    ck_assert_int_eq(
        tim_pull_groups(c, NULL, 1000, NULL, NULL, NULL, NULL, &st, &err),
        TIM_OK);
    ck_assert_uint_eq(st.pages, 26);
    tcp_count(t.port, &open1, &closed1);
    ck_assert_int_eq(open1, 1);
    ck_assert_int_eq(closed1, closed0);
    tim_client_free(c);
    tu_timock_stop(&t);
}
END_TEST

#define ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    if (tim_global_init() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("client_http");
    TCase *tc = tcase_create("client_http");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, full_pull, 0, ROWS(pull_rows));
    tcase_add_test(tc, types_partition_the_app);
    tcase_add_test(tc, progress_and_abort);
    tcase_add_test(tc, chaos_pull);
    tcase_add_test(tc, exact_next_above_2_53);
    tcase_add_test(tc, page_without_next);
    tcase_add_test(tc, usersig_renewed_before_expiry);
    tcase_add_test(tc, halves_limit_on_10018);
    tcase_add_loop_test(tc, fatal_error_not_retried, 0, ROWS(fatal_rows));
    tcase_add_loop_test(tc, transient_retried, 0, ROWS(transient_rows));
    tcase_add_loop_test(tc, timeout_when_mute, 0, ROWS(timeout_rows));
    tcase_add_test(tc, connection_refused);
    tcase_add_test(tc, no_secret_in_logs);
    tcase_add_test(tc, connect_to_mapping);
    tcase_add_test(tc, one_connection_per_pull);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tim_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
