/* Integration tests of the control plane: the real timock on a free port,
 * every admin call under /__admin/ over HTTP with libcurl, each fault action
 * as a client meets it, the journal and its bound, verify, who may call the
 * admin API, and paging while another thread creates and deletes groups. */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonint.h"
#include "testutil.h"
#include "verify.h"

/* The default fixture's counts (fixtures/README.md). */
#define DEFAULT_GROUPS 25000

/* ---- HTTP ---------------------------------------------------------------
 * What tu_request cannot do: pick the address to connect to, send an
 * Authorization header, send no body at all. */

struct req {
    const char *addr;   /* NULL: 127.0.0.1 */
    const char *method; /* GET, POST, DELETE */
    const char *target; /* path and query */
    const char *body;   /* NULL: no body */
    const char *auth;   /* the Authorization header, or NULL */
};

static size_t collect(char *p, size_t size, size_t n, void *data)
{
    return buf_append(data, p, size * n) == 0 ? size * n : 0;
}

/* Sends r to port; the answer goes to *ans (released by the caller).
 * Returns the curl result. */
static int send_req(int port, const struct req *r, long *status,
                    struct buf *ans)
{
    char url[8192], auth[512];
    snprintf(url, sizeof url, "http://%s:%d%s", r->addr ? r->addr : "127.0.0.1",
             port, r->target);
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    if (r->auth) {
        snprintf(auth, sizeof auth, "Authorization: %s", r->auth);
        h = curl_slist_append(h, auth);
    }
    buf_init(ans, 64u << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    if (r->body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    int rc = (int)curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

/* An admin call that must answer HTTP want with a JSON body; returns the
 * body parsed (the caller deletes it). */
static cJSON *admin(const struct tu_timock *t, const char *method,
                    const char *target, const char *body, long want)
{
    struct req r = {NULL, method, target, body, NULL};
    long status;
    struct buf ans;
    ck_assert_int_eq(send_req(t->port, &r, &status, &ans), 0);
    ck_assert_msg(status == want, "%s %s: HTTP %ld, wanted %ld: %s", method,
                  target, status, want, ans.data ? ans.data : "");
    cJSON *j = cJSON_ParseWithLength(ans.data ? ans.data : "", ans.len);
    ck_assert_msg(j != NULL, "%s %s: not JSON: %s", method, target,
                  ans.data ? ans.data : "");
    buf_release(&ans);
    return j;
}

/* The "error" text of an admin answer, which must be there. */
static const char *error_text(const cJSON *j)
{
    const char *e =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));
    ck_assert_ptr_nonnull(e);
    return e;
}

static double number(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    ck_assert_msg(cJSON_IsNumber(v), "no number %s", key);
    return v->valuedouble;
}

/* Starts timock with --quiet and exactly these arguments: unlike
 * tu_timock_start it adds no --port 0, so --listen can be given. */
static void start_exact(struct tu_timock *t, const char *const *args)
{
    const char *argv[32] = {"--quiet"};
    size_t n = 1;
    for (; *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    tu_timock_exec(t, argv, 1, &t->port);
}

/* ---- the API ------------------------------------------------------------ */

/* A list of group IDs. */
struct ids {
    char **v;
    size_t n, cap;
};

static void ids_add(struct ids *l, const char *id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        ck_assert_ptr_nonnull(l->v);
    }
    l->v[l->n++] = strdup(id);
}

static void ids_free(struct ids *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts l; returns the first ID that is there twice, or NULL. */
static const char *ids_sort(struct ids *l)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    for (size_t i = 1; i < l->n; i++)
        if (strcmp(l->v[i - 1], l->v[i]) == 0)
            return l->v[i];
    return NULL;
}

static int ids_has(const struct ids *sorted, const char *id)
{
    return bsearch(&id, sorted->v, sorted->n, sizeof *sorted->v, cmp_str) !=
           NULL;
}

/* One page: the ErrorCode, TotalCount and Next (0 when absent) of the
 * answer to body; the IDs go into l when it is not NULL. */
struct page {
    long long code;
    uint64_t total, next;
};

static struct page api_page(const struct tu_timock *t, const char *q,
                            const char *body, struct ids *l)
{
    long status;
    struct buf ans;
    struct page p = {-1, 0, 0};
    ck_assert_int_eq(tu_post(t, API_PATH, q, body, &status, &ans), 0);
    ck_assert_int_eq(status, 200);
    cJSON *j = cJSON_ParseWithLength(ans.data, ans.len);
    ck_assert_msg(j != NULL, "not JSON: %s", ans.data);
    p.code = (long long)number(j, "ErrorCode");
    const char *raw;
    size_t rawlen;
    if (jsonint_member(ans.data, ans.len, "TotalCount", &raw, &rawlen))
        ck_assert_int_eq(jsonint_parse_u64(raw, rawlen, &p.total), 0);
    if (jsonint_member(ans.data, ans.len, "Next", &raw, &rawlen))
        ck_assert_int_eq(jsonint_parse_u64(raw, rawlen, &p.next), 0);
    const cJSON *g, *list = cJSON_GetObjectItemCaseSensitive(j, "GroupIdList");
    cJSON_ArrayForEach(g, list)
    {
        const char *id = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(g, "GroupId"));
        ck_assert_ptr_nonnull(id);
        if (l)
            ids_add(l, id);
    }
    cJSON_Delete(j);
    buf_release(&ans);
    return p;
}

/* Pulls the whole app page after page with this Limit, following Next
 * until 0; every page must succeed, and the pull must end within
 * TotalCount / limit + 2 pages (the largest TotalCount seen, plus slack
 * pages for groups created while it runs).  Returns the last TotalCount. */
/* Pages pull_within has received, in all tests: the writer of
 * paging_while_groups_change keeps pace with them. */
static atomic_uint pages_pulled;

static uint64_t pull_within(const struct tu_timock *t, const char *q,
                            unsigned limit, struct ids *l, uint64_t slack)
{
    uint64_t next = 0, most = 0, pages = 0;
    struct page p;
    do {
        char body[96];
        char fresh[4096];
        snprintf(body, sizeof body, "{\"Limit\":%u,\"Next\":%llu}", limit,
                 (unsigned long long)next);
        tu_fresh_random(fresh, sizeof fresh, q);
        p = api_page(t, fresh, body, l);
        atomic_fetch_add(&pages_pulled, 1);
        ck_assert_msg(p.code == 0, "page %llu: ErrorCode %lld",
                      (unsigned long long)pages, p.code);
        ck_assert_msg(p.next == 0 || p.next > next, "Next went back");
        next = p.next;
        most = p.total > most ? p.total : most;
        ck_assert_msg(++pages <= most / limit + 2 + slack,
                      "%llu pages of %u for %llu groups, and no end",
                      (unsigned long long)pages, limit,
                      (unsigned long long)most);
    } while (next);
    return p.total;
}

/* pull_within without slack: for an app that does not change meanwhile. */
static uint64_t pull(const struct tu_timock *t, const char *q, unsigned limit,
                     struct ids *l)
{
    return pull_within(t, q, limit, l, 0);
}

/* The group count of app in GET /__admin/apps: all types (type NULL) or
 * one; -1 when the app is not listed. */
static double app_count(const cJSON *apps, uint64_t app, const char *type)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(apps, "apps"))
    {
        if ((uint64_t)number(a, "sdkappid") != app)
            continue;
        return type ? number(cJSON_GetObjectItemCaseSensitive(a, "types"), type)
                    : number(a, "groups");
    }
    return -1;
}

/* ---- apps, groups, fixtures --------------------------------------------- */

static const struct {
    const char *type; /* NULL: the whole app */
    double count;
} default_counts[] = {
    {NULL, DEFAULT_GROUPS}, {"Public", 8000},     {"Private", 6000},
    {"ChatRoom", 5000},     {"AVChatRoom", 3000}, {"BChatRoom", 1000},
    {"Community", 2000},
};

static void check_default_counts(const cJSON *apps, double extra_public)
{
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(apps, "apps")), 1);
    for (size_t i = 0; i < sizeof default_counts / sizeof *default_counts;
         i++) {
        const char *type = default_counts[i].type;
        double want = default_counts[i].count;
        if (!type || strcmp(type, "Public") == 0)
            want += extra_public;
        ck_assert_msg(app_count(apps, TU_APP, type) == want,
                      "%s: %.0f groups, wanted %.0f", type ? type : "all",
                      app_count(apps, TU_APP, type), want);
    }
}

START_TEST(apps_lists_the_default)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    const cJSON *a =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(apps, "apps"), 0);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(a, "region")));
    cJSON_Delete(apps);
    tu_timock_stop(&t);
}
END_TEST

#define GROUPS_PATH "/__admin/apps/1400000000/groups"

START_TEST(create_then_delete_a_group)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    const char *id = "@TGS#_admin-test room";

    cJSON *j = admin(&t, "POST", GROUPS_PATH,
                     "{\"create\":[{\"id\":\"@TGS#_admin-test room\","
                     "\"type\":\"Community\"}]}",
                     200);
    ck_assert_double_eq(number(j, "created"), 1);
    ck_assert_double_eq(number(j, "deleted"), 0);
    ck_assert_double_eq(number(j, "groups"), DEFAULT_GROUPS + 1);
    cJSON_Delete(j);

    /* a pull serves it, once, and counts it */
    struct ids l = {0};
    ck_assert_uint_eq(pull(&t, q, 10000, &l), DEFAULT_GROUPS + 1);
    ck_assert_uint_eq(l.n, DEFAULT_GROUPS + 1);
    ck_assert_ptr_null(ids_sort(&l));
    ck_assert(ids_has(&l, id));
    ids_free(&l);
    struct page p = api_page(&t, q, "{\"GroupType\":\"Community\"}", NULL);
    ck_assert_uint_eq(p.total, 2001);

    /* the same ID again: 409; the count stays */
    j = admin(&t, "POST", GROUPS_PATH,
              "{\"create\":[{\"id\":\"@TGS#_admin-test room\","
              "\"type\":\"Community\"}]}",
              409);
    ck_assert_ptr_nonnull(strstr(error_text(j), "already"));
    cJSON_Delete(j);

    /* deleted: the pull no longer has it */
    j = admin(&t, "POST", GROUPS_PATH,
              "{\"delete\":[\"@TGS#_admin-test room\"]}", 200);
    ck_assert_double_eq(number(j, "deleted"), 1);
    ck_assert_double_eq(number(j, "groups"), DEFAULT_GROUPS);
    cJSON_Delete(j);
    ck_assert_uint_eq(pull(&t, q, 10000, &l), DEFAULT_GROUPS);
    ck_assert_uint_eq(l.n, DEFAULT_GROUPS);
    ck_assert_ptr_null(ids_sort(&l));
    ck_assert(!ids_has(&l, id));
    ids_free(&l);

    /* and deleting it again: 404 */
    j = admin(&t, "POST", GROUPS_PATH,
              "{\"delete\":[\"@TGS#_admin-test room\"]}", 404);
    ck_assert_ptr_nonnull(strstr(error_text(j), "admin-test room"));
    cJSON_Delete(j);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(generate_groups)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    cJSON *j =
        admin(&t, "POST", GROUPS_PATH,
              "{\"generate\":{\"seed\":99,\"counts\":{\"Public\":1000}}}", 200);
    ck_assert_double_eq(number(j, "created"), 1000);
    ck_assert_double_eq(number(j, "groups"), DEFAULT_GROUPS + 1000);
    cJSON_Delete(j);
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 1000);
    cJSON_Delete(apps);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    struct ids l = {0};
    ck_assert_uint_eq(pull(&t, q, 10000, &l), DEFAULT_GROUPS + 1000);
    ck_assert_uint_eq(l.n, DEFAULT_GROUPS + 1000);
    ck_assert_ptr_null(ids_sort(&l));
    ids_free(&l);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* Admin calls refused, one a row: the HTTP status and a piece of the
 * error. */
static const struct {
    const char *method, *target, *body;
    long status;
    const char *error;
} refused_rows[] = {
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"my-community\",\"type\":\"Community\"}]}", 400,
     "\"my-community\": "},
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"@TGS#_not-public\",\"type\":\"Public\"}]}", 400,
     "@TGS#_not-public"},
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"x\",\"type\":\"Public\"},"
     "{\"id\":\"x\",\"type\":\"Public\"}]}",
     409, "\"x\" already"},
    {"POST", GROUPS_PATH, "{\"create\":[{\"id\":\"x\",\"type\":\"Work\"}]}",
     400, "$.create[0]"},
    {"POST", GROUPS_PATH, "{\"delete\":[\"no such group\"]}", 404,
     "no such group"},
    {"POST", GROUPS_PATH, "{\"delete\":[7]}", 400, "$.delete[0]"},
    {"POST", GROUPS_PATH, "{}", 400, "give create, generate or delete"},
    {"POST", GROUPS_PATH, "[]", 400, "JSON object"},
    {"POST", GROUPS_PATH, "{\"generate\":{\"counts\":{\"Pub\":1}}}", 400,
     "generate"},
    {"POST", "/__admin/apps/1400000099/groups",
     "{\"delete\":[\"@TGS#2AAAAAAAA\"]}", 404, "1400000099"},
    {"POST", "/__admin/apps/1400000000/members", "{}", 404, "SDKAPPID/groups"},
    {"POST", "/__admin/fixture", "{\"file\":\"x\"}", 400, "path"},
    {"POST", "/__admin/fixture", "{\"path\":\"/nonexistent.json\"}", 400,
     "/nonexistent.json: $: cannot open"},
    {"PUT", "/__admin/faults", "{}", 405, "GET, POST, DELETE"},
    {"DELETE", "/__admin/faults/7", NULL, 404, "no fault rule"},
    {"DELETE", "/__admin/faults/x", NULL, 404, "no fault rule"},
    {"POST", "/__admin/journal", "{}", 405, "GET and DELETE"},
    {"POST", "/__admin/verify", "{\"sdkappid\":1400000099,\"expect\":[]}", 400,
     "an app of the fixture"},
    {"POST", "/__admin/verify",
     "{\"sdkappid\":1400000000,\"expect\":[{\"pulled\":{}}]}", 400, "$[0]"},
    /* numbers: only an integer in range becomes one */
    {"POST", "/__admin/verify",
     "{\"sdkappid\":-1,\"expect\":[{\"within_rate_limit\":true}]}", 400,
     "$.sdkappid: must be an integer from 1 to 4294967295"},
    {"POST", "/__admin/verify",
     "{\"sdkappid\":1e300,\"expect\":[{\"within_rate_limit\":true}]}", 400,
     "$.sdkappid: must be an integer"},
    /* found by fuzz_admin (as a cast, it was undefined behaviour) */
    {"POST", "/__admin/verify",
     "{\"sdkappid\":140000000184467440737095516150,\"expect\":[{\"within_"
     "rate_limit\":true}]}",
     400, "$.sdkappid: must be an integer"},
    {"POST", "/__admin/verify",
     "{\"sdkappid\":1400000000.5,\"expect\":[{\"within_rate_limit\":true}]}",
     400, "$.sdkappid: must be an integer"},
    {"POST", "/__admin/verify",
     "{\"sdkappid\":1400000000,\"expect\":[{\"retried_after\":"
     "{\"error_code\":1e300}}]}",
     400, "$[0].retried_after: \"error_code\""},
    {"POST", "/__admin/verify",
     "{\"sdkappid\":1400000000,\"expect\":[{\"retried_after\":"
     "{\"error_code\":10002,\"min_wait_ms\":-5}}]}",
     400, "\"min_wait_ms\" must be an integer"},
    {"POST", "/__admin/faults", "{\"action\":{\"delay_ms\":-1e300}}", 400,
     "$.action.delay_ms: must be an integer from 0 to 600000"},
    {"POST", "/__admin/faults",
     "{\"action\":{\"delay\":{\"uniform\":[-1e300,1e300]}}}", 400,
     "$.action.delay.uniform: must be [MIN, MAX]"},
    /* group IDs are taken whole and held to SPEC section 3 */
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"a\\u0000b\",\"type\":\"Public\"}]}", 400,
     "a string holds \\u0000 (NUL)"},
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"a\\u007fb\",\"type\":\"Public\"}]}", 400,
     "printable ASCII"},
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"a\\u00e9b\",\"type\":\"Public\"}]}", 400,
     "printable ASCII"},
    {"POST", GROUPS_PATH,
     "{\"create\":[{\"id\":\"0123456789012345678901234567890123456789"
     "012345678\",\"type\":\"Public\"}]}",
     400, "at most 48 bytes"},
    {"POST", GROUPS_PATH,
     "{\"generate\":{\"counts\":{\"Public\":5000000,\"Private\":5000001}}}",
     400, "generate: 10000001 groups, at most 10000000 in one change"},
    {"POST", "/__admin/fixture", "{\"path\":\"/dev/null\\u0000x\"}", 400,
     "\\u0000"},
    {"GET", "/__admin/nothing", NULL, 404, "no such admin call"},
    {"DELETE", "/__admin/apps", NULL, 404, "no such admin call"},
};

START_TEST(admin_refuses)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    cJSON *j = admin(&t, refused_rows[_i].method, refused_rows[_i].target,
                     refused_rows[_i].body, refused_rows[_i].status);
    ck_assert_msg(strstr(error_text(j), refused_rows[_i].error) != NULL,
                  "%s %s: \"%s\" not in \"%s\"", refused_rows[_i].method,
                  refused_rows[_i].target, refused_rows[_i].error,
                  error_text(j));
    cJSON_Delete(j);
    /* nothing changed */
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(fixture_then_reset)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    /* a change that the reset must undo */
    cJSON_Delete(admin(&t, "POST", GROUPS_PATH,
                       "{\"create\":[{\"id\":\"gone after reset\","
                       "\"type\":\"Private\"}]}",
                       200));

    cJSON *apps = admin(&t, "POST", "/__admin/fixture",
                        "{\"path\":\"" FIXTURES_DIR "/empty.json\"}", 200);
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(apps, "apps")), 1);
    ck_assert_double_eq(app_count(apps, 1400000001, NULL), 0);
    ck_assert_double_eq(app_count(apps, TU_APP, NULL), -1);
    cJSON_Delete(apps);
    apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    ck_assert_double_eq(app_count(apps, 1400000001, NULL), 0);
    ck_assert_double_eq(app_count(apps, TU_APP, NULL), -1);
    cJSON_Delete(apps);
    /* the API serves the new fixture: the default app is unknown */
    ck_assert_int_eq(api_page(&t, q, "{}", NULL).code, 60006);
    char *q1 = tu_query_now(1400000001, TU_ADMIN);
    struct page p = api_page(&t, q1, "{\"Next\":0}", NULL);
    ck_assert_int_eq(p.code, 0);
    ck_assert_uint_eq(p.total, 0);
    free(q1);

    apps = admin(&t, "POST", "/__admin/reset", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    ck_assert_uint_eq(api_page(&t, q, "{\"Limit\":1}", NULL).total,
                      DEFAULT_GROUPS);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- hostile bodies ----------------------------------------------------- */

/* levels nested arrays around inner: "[[...inner...]]" (malloc'd). */
static char *nest(int levels, const char *inner)
{
    size_t n = strlen(inner);
    char *s = malloc(2 * (size_t)levels + n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, '[', (size_t)levels);
    memcpy(s + levels, inner, n);
    memset(s + levels + n, ']', (size_t)levels);
    s[2 * (size_t)levels + n] = '\0';
    return s;
}

static const char *const deep_paths[] = {"/__admin/faults", "/__admin/fixture",
                                         GROUPS_PATH, "/__admin/verify"};

/* 810 nested arrays once killed timock inside cJSON: every admin body is
 * refused at JSON_DEPTH_MAX before it is parsed, and timock goes on. */
START_TEST(deep_body_refused)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *deep = nest(810, "");
    cJSON *j = admin(&t, "POST", deep_paths[_i], deep, 400);
    ck_assert_str_eq(error_text(j), "the body must be a JSON object: nested "
                                    "deeper than 32 levels");
    cJSON_Delete(j);
    free(deep);
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    tu_timock_stop(&t);
}
END_TEST

/* At the bound a valid rule is taken; one level more is refused. */
START_TEST(nesting_at_the_bound)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char rule[512];
    for (int depth = JSON_DEPTH_MAX; depth <= JSON_DEPTH_MAX + 1; depth++) {
        /* the rule object is one level, the comment's arrays the rest */
        char *comment = nest(depth - 1, "");
        snprintf(rule, sizeof rule,
                 "{\"comment\":%s,\"action\":{\"error_code\":10002}}", comment);
        free(comment);
        cJSON *j = admin(&t, "POST", "/__admin/faults", rule,
                         depth <= JSON_DEPTH_MAX ? 200 : 400);
        if (depth > JSON_DEPTH_MAX)
            ck_assert_ptr_nonnull(strstr(error_text(j), "nested deeper"));
        cJSON_Delete(j);
    }
    tu_timock_stop(&t);
}
END_TEST

/* A fixture path that is not a regular file is refused at once, without
 * reading it: a FIFO would block the loader forever, /dev/zero would never
 * end, a directory cannot be read. */
START_TEST(fixture_must_be_a_regular_file)
{
    struct tu_timock t;
    char dir[] = "/tmp/timock-fifo-XXXXXX", fifo[64], body[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fixture.json", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    const char *const paths[] = {fifo, "/dev/zero", dir};
    tu_timock_start(&t, NULL);
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "{\"path\":\"%s\"}", paths[i]);
        cJSON *j = admin(&t, "POST", "/__admin/fixture", body, 400);
        ck_assert_msg(strstr(error_text(j), "not a regular file") != NULL,
                      "%s: %s", paths[i], error_text(j));
        cJSON_Delete(j);
    }
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    tu_timock_stop(&t);
    unlink(fifo);
    rmdir(dir);
}
END_TEST

/* A verify call asks for at most VERIFY_EXPECT_MAX expectations, and gets
 * at most VERIFY_REASONS_MAX reasons each. */
START_TEST(verify_is_bounded)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    /* 25 requests without contenttype: 25 deviations */
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    char *cut = strstr(q, "&contenttype=json");
    ck_assert_ptr_nonnull(cut);
    *cut = '\0';
    for (int i = 0; i < 25; i++) {
        char fresh[4096]; /* a fresh random each time: one deviation each */
        tu_fresh_random(fresh, sizeof fresh, q);
        ck_assert_int_eq(api_page(&t, fresh, "{\"Limit\":1}", NULL).code, 0);
    }
    free(q);

    /* a body near 1 MiB of expectations is refused, not worked through */
    static const char head[] = "{\"sdkappid\":1400000000,\"expect\":[",
                      one[] = "{\"no_deviation\":true},";
    size_t n = (API_BODY_MAX - sizeof head - 8) / (sizeof one - 1);
    struct buf body;
    buf_init(&body, API_BODY_MAX);
    ck_assert_int_eq(buf_puts(&body, head), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(buf_puts(&body, one), 0);
    body.data[--body.len] = '\0'; /* the last comma */
    ck_assert_int_eq(buf_puts(&body, "]}"), 0);
    char want[96];
    snprintf(want, sizeof want, "$: %zu expectations, at most %d in one call",
             n, VERIFY_EXPECT_MAX);
    cJSON *j = admin(&t, "POST", "/__admin/verify", body.data, 400);
    ck_assert_str_eq(error_text(j), want);
    cJSON_Delete(j);

    /* VERIFY_EXPECT_MAX is taken, each result cut at VERIFY_REASONS_MAX */
    buf_reset(&body);
    ck_assert_int_eq(buf_puts(&body, head), 0);
    for (int i = 0; i < VERIFY_EXPECT_MAX; i++)
        ck_assert_int_eq(buf_puts(&body, one), 0);
    body.data[--body.len] = '\0';
    ck_assert_int_eq(buf_puts(&body, "]}"), 0);
    struct req r = {NULL, "POST", "/__admin/verify", body.data, NULL};
    long status;
    struct buf ans;
    ck_assert_int_eq(send_req(t.port, &r, &status, &ans), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_uint_le(ans.len, VERIFY_ANSWER_MAX);
    j = cJSON_ParseWithLength(ans.data, ans.len);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(j, "results");
    ck_assert_int_eq(cJSON_GetArraySize(results), VERIFY_EXPECT_MAX);
    const cJSON *res;
    cJSON_ArrayForEach(res, results)
    {
        const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(res, "reasons");
        ck_assert_int_eq(cJSON_GetArraySize(reasons), VERIFY_REASONS_MAX);
        ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(
                             reasons, VERIFY_REASONS_MAX - 1)),
                         "... and 6 more");
    }
    cJSON_Delete(j);
    buf_release(&ans);
    buf_release(&body);
    tu_timock_stop(&t);
}
END_TEST

/* ---- fault rules through the admin API ---------------------------------- */

/* POSTs a fault rule; returns its id. */
static uint64_t add_rule(const struct tu_timock *t, const char *rule)
{
    cJSON *j = admin(t, "POST", "/__admin/faults", rule, 200);
    uint64_t id = (uint64_t)number(j, "id");
    ck_assert_uint_gt(id, 0);
    cJSON_Delete(j);
    return id;
}

START_TEST(faults_add_list_delete)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    uint64_t every2 = add_rule(
        &t, "{\"match\":{\"every_nth\":2},\"action\":{\"error_code\":10002}}");
    long long want[] = {0, 10002, 0, 10002, 0};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, want[i]);

    uint64_t other = add_rule(&t, "{\"match\":{\"sdkappid\":1400000001},"
                                  "\"action\":{\"http_status\":503}}");
    ck_assert_uint_gt(other, every2);
    cJSON *j = admin(&t, "GET", "/__admin/faults", NULL, 200);
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(j, "faults");
    ck_assert_int_eq(cJSON_GetArraySize(rules), 2);
    const cJSON *r = cJSON_GetArrayItem(rules, 0);
    ck_assert_double_eq(number(r, "id"), (double)every2);
    ck_assert_double_eq(number(r, "seen"), 5);
    ck_assert_double_eq(number(r, "fired"), 2);
    ck_assert_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "action")),
        "error 10002");
    ck_assert_double_eq(
        number(cJSON_GetObjectItemCaseSensitive(r, "match"), "every_nth"), 2);
    r = cJSON_GetArrayItem(rules, 1);
    ck_assert_double_eq(number(r, "id"), (double)other);
    ck_assert_double_eq(number(r, "seen"), 0);
    cJSON_Delete(j);

    /* one deleted: the API answers normally again */
    char path[64];
    snprintf(path, sizeof path, "/__admin/faults/%llu",
             (unsigned long long)every2);
    cJSON_Delete(admin(&t, "DELETE", path, NULL, 200));
    cJSON_Delete(admin(&t, "DELETE", path, NULL, 404));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, 0);
    j = admin(&t, "GET", "/__admin/faults", NULL, 200);
    rules = cJSON_GetObjectItemCaseSensitive(j, "faults");
    ck_assert_int_eq(cJSON_GetArraySize(rules), 1);
    ck_assert_double_eq(number(cJSON_GetArrayItem(rules, 0), "id"),
                        (double)other);
    cJSON_Delete(j);

    /* all deleted */
    add_rule(&t, "{\"action\":{\"error_code\":10002}}");
    ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, 10002);
    cJSON_Delete(admin(&t, "DELETE", "/__admin/faults", NULL, 200));
    j = admin(&t, "GET", "/__admin/faults", NULL, 200);
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "faults")), 0);
    cJSON_Delete(j);
    ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, 0);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* Bad rules: 400 with the JSON path of the problem. */
static const struct {
    const char *rule, *error;
} bad_rule_rows[] = {
    {"{}", "$.action: is required"},
    {"[]", "JSON object"},
    {"{\"action\":{}}", "$.action: needs error_code"},
    {"{\"action\":{\"error_code\":10002},\"when\":1}", "$.when"},
    {"{\"match\":{\"nth\":2},\"action\":{\"error_code\":10002}}",
     "$.match.nth"},
    {"{\"match\":{\"probability\":2},\"action\":{\"error_code\":1}}",
     "$.match.probability"},
    {"{\"match\":{\"next\":\"12x\"},\"action\":{\"error_code\":1}}",
     "$.match.next"},
    {"{\"match\":{\"next\":1,\"next_nonzero\":true},"
     "\"action\":{\"error_code\":1}}",
     "$.match: give next or next_nonzero"},
    {"{\"match\":{\"group_type\":\"Work\"},\"action\":{\"error_code\":1}}",
     "$.match.group_type"},
    {"{\"action\":{\"http_status\":600}}", "$.action.http_status"},
    {"{\"action\":{\"reset\":\"sometimes\"}}", "$.action.reset"},
    {"{\"action\":{\"delay\":{\"uniform\":[300,200]}}}",
     "$.action.delay.uniform"},
    {"{\"action\":{\"delay\":{\"lognormal\":{\"median_ms\":0,\"sigma\":1}}}}",
     "$.action.delay.lognormal"},
    {"{\"action\":{\"delay_ms\":5,\"delay\":{\"uniform\":[1,2]}}}",
     "$.action: give delay_ms or delay"},
    {"{\"action\":{\"slow_body\":{\"bytes\":0,\"every_ms\":5}}}",
     "$.action.slow_body.bytes"},
    {"{\"action\":{\"slow_body\":{\"bytes\":10}}}",
     "$.action.slow_body.every_ms"},
    {"{\"action\":{\"error_code\":10002},\"period_ms\":0}", "$.period_ms"},
};

START_TEST(bad_rule_names_its_path)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    cJSON *j =
        admin(&t, "POST", "/__admin/faults", bad_rule_rows[_i].rule, 400);
    ck_assert_msg(strstr(error_text(j), bad_rule_rows[_i].error) != NULL,
                  "%s: \"%s\" not in \"%s\"", bad_rule_rows[_i].rule,
                  bad_rule_rows[_i].error, error_text(j));
    cJSON_Delete(j);
    j = admin(&t, "GET", "/__admin/faults", NULL, 200);
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "faults")), 0);
    cJSON_Delete(j);
    tu_timock_stop(&t);
}
END_TEST

/* ---- each fault action, as a client meets it ---------------------------- */

enum body_want {
    ENVELOPE,  /* a JSON envelope with this ErrorCode */
    GATEWAY,   /* an HTML gateway page */
    NOT_JSON,  /* something that is not JSON */
    DONT_CARE, /* the transfer failed: whatever arrived */
};

static const struct {
    const char *what, *action;
    int curl[2]; /* accepted curl results (0: success) */
    long status; /* the HTTP status; -1: any */
    enum body_want body;
    long long code;   /* with ENVELOPE */
    double min_s;     /* the answer takes at least this long */
    const char *text; /* the journal's "fault" */
} action_rows[] = {
    {"error code",
     "{\"error_code\":10002}",
     {0, 0},
     200,
     ENVELOPE,
     10002,
     0,
     "error 10002"},
    {"other error code",
     "{\"error_code\":60007}",
     {0, 0},
     200,
     ENVELOPE,
     60007,
     0,
     "error 60007"},
    {"502", "{\"http_status\":502}", {0, 0}, 502, GATEWAY, 0, 0, "http 502"},
    {"503", "{\"http_status\":503}", {0, 0}, 503, GATEWAY, 0, 0, "http 503"},
    {"504", "{\"http_status\":504}", {0, 0}, 504, GATEWAY, 0, 0, "http 504"},
    {"status and code",
     "{\"http_status\":500,\"error_code\":10002}",
     {0, 0},
     500,
     ENVELOPE,
     10002,
     0,
     "error 10002, http 500"},
    {"fixed delay",
     "{\"delay_ms\":300}",
     {0, 0},
     200,
     ENVELOPE,
     0,
     0.3,
     "delay 300 ms"},
    {"uniform delay",
     "{\"delay\":{\"uniform\":[200,400]}}",
     {0, 0},
     200,
     ENVELOPE,
     0,
     0.2,
     "delay 200-400 ms"},
    /* sigma 0: every draw is the median */
    {"log-normal delay",
     "{\"delay\":{\"lognormal\":{\"median_ms\":250,\"sigma\":0}}}",
     {0, 0},
     200,
     ENVELOPE,
     0,
     0.25,
     "delay lognormal 250 ms"},
    {"log-normal spread",
     "{\"delay\":{\"lognormal\":{\"median_ms\":20,\"sigma\":1}}}",
     {0, 0},
     200,
     ENVELOPE,
     0,
     0,
     "delay lognormal 20 ms"},
    {"delay then error",
     "{\"delay_ms\":200,\"error_code\":10002}",
     {0, 0},
     200,
     ENVELOPE,
     10002,
     0.2,
     "delay 200 ms, error 10002"},
    {"close",
     "{\"close\":true}",
     {CURLE_GOT_NOTHING, CURLE_GOT_NOTHING},
     0,
     DONT_CARE,
     0,
     0,
     "close"},
    {"reset before headers",
     "{\"reset\":\"before_headers\"}",
     {CURLE_RECV_ERROR, CURLE_RECV_ERROR},
     0,
     DONT_CARE,
     0,
     0,
     "reset before headers"},
    {"reset after headers",
     "{\"reset\":\"after_headers\"}",
     {CURLE_RECV_ERROR, CURLE_RECV_ERROR},
     -1,
     DONT_CARE,
     0,
     0,
     "reset after headers"},
    {"body cut short",
     "{\"cut_body\":true}",
     {CURLE_PARTIAL_FILE, CURLE_PARTIAL_FILE},
     200,
     DONT_CARE,
     0,
     0,
     "cut body"},
    {"malformed JSON",
     "{\"malformed_json\":true}",
     {0, 0},
     200,
     NOT_JSON,
     0,
     0,
     "malformed json"},
    {"slow body",
     "{\"slow_body\":{\"bytes\":100,\"every_ms\":20}}",
     {0, 0},
     200,
     ENVELOPE,
     0,
     0,
     "slow body 100 B/20 ms"},
};

START_TEST(each_action)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN), rule[512];
    snprintf(rule, sizeof rule, "{\"action\":%s,\"times\":1}",
             action_rows[_i].action);
    add_rule(&t, rule);

    struct tu_http r = {.query = q, .body = "{\"Limit\":40,\"Next\":0}"};
    struct buf ans;
    int rc = tu_request(&t, &r, &ans);
    const char *what = action_rows[_i].what;
    ck_assert_msg(
        rc == action_rows[_i].curl[0] || rc == action_rows[_i].curl[1],
        "%s: curl %d (%s)", what, rc, curl_easy_strerror((CURLcode)rc));
    if (action_rows[_i].status >= 0)
        ck_assert_msg(r.status == action_rows[_i].status, "%s: HTTP %ld", what,
                      r.status);
    ck_assert_msg(r.seconds >= action_rows[_i].min_s, "%s: %.3f s < %.3f s",
                  what, r.seconds, action_rows[_i].min_s);
    cJSON *j = ans.data ? cJSON_ParseWithLength(ans.data, ans.len) : NULL;
    switch (action_rows[_i].body) {
    case ENVELOPE:
        ck_assert_msg(j != NULL, "%s: not JSON: %s", what, ans.data);
        ck_assert_double_eq(number(j, "ErrorCode"), action_rows[_i].code);
        break;
    case GATEWAY:
        ck_assert_ptr_null(j);
        ck_assert_ptr_nonnull(strstr(ans.data, "<html>"));
        ck_assert_ptr_nonnull(strstr(ans.data, "Gateway"));
        break;
    case NOT_JSON:
        ck_assert_msg(j == NULL && ans.len > 0, "%s: JSON: %s", what, ans.data);
        ck_assert_ptr_nonnull(strstr(ans.data, "\"ActionStatus\""));
        break;
    case DONT_CARE:
        break;
    }
    cJSON_Delete(j);
    if (strstr(action_rows[_i].action, "slow_body")) {
        /* ceil(len / 100) pieces, 20 ms apart */
        double pieces = (double)((ans.len + 99) / 100);
        ck_assert_uint_gt(ans.len, 500);
        ck_assert_msg(r.seconds >= (pieces - 1) * 0.020, "%zu bytes in %.3f s",
                      ans.len, r.seconds);
    }
    buf_release(&ans);

    /* the journal names the fault */
    cJSON *jr = admin(&t, "GET", "/__admin/journal", NULL, 200);
    const cJSON *e =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(jr, "entries"), 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "fault")),
        action_rows[_i].text);
    cJSON_Delete(jr);

    /* once only (times 1): the server still serves, normally */
    r.body = "{\"Limit\":40,\"Next\":0}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* When a rule fires: a rule, then requests in order with the ErrorCode
 * each must get.  NEXT1 in a rule or a body stands for the Next of the
 * first page of {"Limit":10}. */
#define STEPS 6
static const struct {
    const char *what, *rule;
    struct {
        const char *body; /* NULL: the end */
        long long code;
    } steps[STEPS];
} when_rows[] = {
    {"every 2nd",
     "{\"match\":{\"every_nth\":2},\"action\":{\"error_code\":10002}}",
     {{"{}", 0}, {"{}", 10002}, {"{}", 0}, {"{}", 10002}, {"{}", 0}}},
    {"times 2",
     "{\"action\":{\"error_code\":10002},\"times\":2}",
     {{"{}", 10002}, {"{}", 10002}, {"{}", 0}, {"{}", 0}}},
    {"every 2nd, twice",
     "{\"match\":{\"every_nth\":2},\"action\":{\"error_code\":10002},"
     "\"times\":2}",
     {{"{}", 0},
      {"{}", 10002},
      {"{}", 0},
      {"{}", 10002},
      {"{}", 0},
      {"{}", 0}}},
    {"match.next",
     "{\"match\":{\"next\":NEXT1},\"action\":{\"error_code\":1}}",
     {{"{\"Limit\":10,\"Next\":0}", 0},
      {"{\"Limit\":10,\"Next\":NEXT1}", 1},
      {"{\"Limit\":10}", 0},
      {"{\"Limit\":10,\"Next\":NEXT1}", 1}}},
    {"match.next as text",
     "{\"match\":{\"next\":\"NEXT1\"},\"action\":{\"error_code\":1}}",
     {{"{\"Limit\":10,\"Next\":0}", 0}, {"{\"Limit\":10,\"Next\":NEXT1}", 1}}},
    {"match.next 0",
     "{\"match\":{\"next\":0},\"action\":{\"error_code\":1}}",
     {{"{\"Limit\":10,\"Next\":0}", 1},
      {"{\"Limit\":10}", 0},
      {"{\"Limit\":10,\"Next\":NEXT1}", 0}}},
    {"match.next_nonzero",
     "{\"match\":{\"next_nonzero\":true},\"action\":{\"error_code\":1}}",
     {{"{\"Limit\":10,\"Next\":0}", 0},
      {"{\"Limit\":10}", 0},
      {"{\"Limit\":10,\"Next\":NEXT1}", 1},
      {"{\"Limit\":10,\"Next\":1}", 1}}},
    /* a period: fires while it lasts (its end: test_api's fault_period,
     * on a clock the test sets) */
    {"period_ms",
     "{\"action\":{\"error_code\":10002},\"period_ms\":600000}",
     {{"{}", 10002}, {"{}", 10002}}},
    {"group_type",
     "{\"match\":{\"group_type\":\"BChatRoom\"},"
     "\"action\":{\"error_code\":1}}",
     {{"{}", 0},
      {"{\"GroupType\":\"BChatRoom\"}", 1},
      {"{\"GroupType\":\"Public\"}", 0}}},
    {"another app",
     "{\"match\":{\"sdkappid\":1400000001},\"action\":{\"error_code\":1}}",
     {{"{}", 0}, {"{}", 0}}},
    {"another identifier",
     "{\"match\":{\"identifier\":\"admin2\"},\"action\":{\"error_code\":1}}",
     {{"{}", 0}}},
    {"probability 0",
     "{\"match\":{\"probability\":0,\"seed\":3},\"action\":{\"error_code\":1}}",
     {{"{}", 0}, {"{}", 0}, {"{}", 0}}},
};

/* s with every NEXT1 replaced by next, into out (n bytes). */
static const char *with_next(const char *s, uint64_t next, char *out, size_t n)
{
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)next);
    size_t o = 0;
    while (*s && o + 24 < n) {
        if (strncmp(s, "NEXT1", 5) == 0) {
            o += (size_t)snprintf(out + o, n - o, "%s", num);
            s += 5;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    return out;
}

START_TEST(when_a_rule_fires)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN), rule[512], body[256];
    uint64_t next1 = api_page(&t, q, "{\"Limit\":10,\"Next\":0}", NULL).next;
    ck_assert_uint_gt(next1, 1ULL << 32);
    add_rule(&t, with_next(when_rows[_i].rule, next1, rule, sizeof rule));
    for (int s = 0; s < STEPS && when_rows[_i].steps[s].body; s++) {
        with_next(when_rows[_i].steps[s].body, next1, body, sizeof body);
        long long code = api_page(&t, q, body, NULL).code;
        ck_assert_msg(code == when_rows[_i].steps[s].code,
                      "%s, request %d (%s): ErrorCode %lld, wanted %lld",
                      when_rows[_i].what, s + 1, body, code,
                      when_rows[_i].steps[s].code);
    }
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- the journal --------------------------------------------------------- */

static cJSON *journal(const struct tu_timock *t, const char *filter)
{
    char target[2048];
    snprintf(target, sizeof target, "/__admin/journal%s%s", filter ? "?" : "",
             filter ? filter : "");
    return admin(t, "GET", target, NULL, 200);
}

static const cJSON *entries(const cJSON *j)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "entries");
    ck_assert(cJSON_IsArray(e));
    return e;
}

static const char *str(const cJSON *j, const char *key)
{
    const char *s =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
    ck_assert_msg(s != NULL, "no string %s", key);
    return s;
}

/* A reset reads again the fixture timock started with (not the embedded
 * default, nor the one loaded last), and a load or a reset empties the
 * journal: its entries were of the groups served before. */
START_TEST(reset_reads_the_started_fixture)
{
    struct tu_timock t;
    const char *const args[] = {"--fixture", FIXTURES_DIR "/empty.json", NULL};
    tu_timock_start(&t, args);
    char *q1 = tu_query_now(1400000001, TU_ADMIN);
    ck_assert_int_eq(api_page(&t, q1, "{}", NULL).code, 0);
    cJSON *j = journal(&t, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(entries(j)), 1);
    cJSON_Delete(j);

    cJSON_Delete(admin(&t, "POST", "/__admin/fixture",
                       "{\"path\":\"" FIXTURES_DIR "/default.json\"}", 200));
    j = journal(&t, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(entries(j)), 0);
    cJSON_Delete(j);
    ck_assert_int_eq(api_page(&t, q1, "{}", NULL).code, 60006);

    cJSON *apps = admin(&t, "POST", "/__admin/reset", NULL, 200);
    ck_assert_double_eq(app_count(apps, 1400000001, NULL), 0);
    ck_assert_double_eq(app_count(apps, TU_APP, NULL), -1);
    cJSON_Delete(apps);
    j = journal(&t, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(entries(j)), 0);
    cJSON_Delete(j);
    ck_assert_int_eq(api_page(&t, q1, "{}", NULL).code, 0);
    free(q1);
    tu_timock_stop(&t);
}
END_TEST

/* Only /__admin/apps/ID/groups changes groups: a longer or a shorter name
 * is no admin call. */
static const char *const not_groups_paths[] = {
    "/__admin/apps/1400000000/groupsX", "/__admin/apps/1400000000/groups/",
    "/__admin/apps/1400000000/group", "/__admin/apps/1400000000"};

START_TEST(groups_path_is_exact)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    cJSON *j = admin(&t, "POST", not_groups_paths[_i],
                     "{\"create\":[{\"id\":\"x\",\"type\":\"Public\"}]}", 404);
    ck_assert_ptr_nonnull(error_text(j));
    cJSON_Delete(j);
    cJSON *apps = admin(&t, "GET", "/__admin/apps", NULL, 200);
    check_default_counts(apps, 0);
    cJSON_Delete(apps);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(journal_filters_and_clear)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *admin_q = tu_query_now(TU_APP, TU_ADMIN);
    char *user_q = tu_query_now(TU_APP, "user1");
    char *other_q = tu_query_now(1400000099, TU_ADMIN);
    /* three requests, one after the other (their times may be equal) */
    ck_assert_int_eq(api_page(&t, admin_q, "{\"Limit\":5}", NULL).code, 0);
    ck_assert_int_eq(api_page(&t, user_q, "{\"Limit\":5}", NULL).code, 10007);
    ck_assert_int_eq(api_page(&t, other_q, "{}", NULL).code, 60006);

    cJSON *all = journal(&t, NULL);
    ck_assert_double_eq(number(all, "capacity"), 10000);
    ck_assert_int_eq(cJSON_GetArraySize(entries(all)), 3);
    const cJSON *e0 = cJSON_GetArrayItem(entries(all), 0),
                *e1 = cJSON_GetArrayItem(entries(all), 1),
                *e2 = cJSON_GetArrayItem(entries(all), 2);
    ck_assert_str_eq(str(e0, "identifier"), TU_ADMIN);
    ck_assert_double_eq(number(e0, "error_code"), 0);
    ck_assert_double_eq(number(e0, "limit"), 5);
    ck_assert_double_eq(number(e0, "count"), 5);
    ck_assert_ptr_nonnull(strstr(str(e0, "query"), "usersig=REDACTED"));
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e0, "deviations")),
        0);
    ck_assert_str_eq(str(e1, "identifier"), "user1");
    ck_assert_double_eq(number(e1, "error_code"), 10007);
    ck_assert_double_eq(number(e2, "sdkappid"), 0);
    ck_assert_double_eq(number(e2, "error_code"), 60006);
    ck_assert_double_eq(number(e1, "seq"), number(e0, "seq") + 1);
    double t0 = number(e0, "time_ms"), t1 = number(e1, "time_ms"),
           t2 = number(e2, "time_ms");
    ck_assert(t0 <= t1 && t1 <= t2);
    ck_assert(t0 > 1.7e12); /* unix ms */

    /* each filter, one a row: the filter, then the seqs it must give:
     * since_ms and until_ms both inclusive, of the times recorded */
    const double at[3] = {t0, t1, t2};
    char f[10][128];
    int want[10][3];
    snprintf(f[0], sizeof f[0], "sdkappid=1400000000");
    snprintf(f[1], sizeof f[1], "identifier=user1");
    snprintf(f[2], sizeof f[2], "sdkappid=1400000000&identifier=%s", TU_ADMIN);
    snprintf(f[3], sizeof f[3], "since_ms=%.0f", t1);
    snprintf(f[4], sizeof f[4], "until_ms=%.0f", t1);
    snprintf(f[5], sizeof f[5], "since_ms=%.0f&until_ms=%.0f", t1, t1);
    snprintf(f[6], sizeof f[6], "since_ms=%.0f", t2 + 60000);
    snprintf(f[7], sizeof f[7], "identifier=nobody");
    snprintf(f[8], sizeof f[8], "since_ms=%.0f", t1 + 1);
    snprintf(f[9], sizeof f[9], "until_ms=%.0f", t1 - 1);
    for (int k = 0; k < 3; k++) {
        want[0][k] = k < 2;
        want[1][k] = k == 1;
        want[2][k] = k == 0;
        want[3][k] = at[k] >= t1;
        want[4][k] = at[k] <= t1;
        want[5][k] = at[k] == t1;
        want[6][k] = 0;
        want[7][k] = 0;
        want[8][k] = at[k] > t1;
        want[9][k] = at[k] < t1;
    }
    for (int i = 0; i < 10; i++) {
        cJSON *j = journal(&t, f[i]);
        const cJSON *e;
        int got[3] = {0, 0, 0}, n = 0;
        cJSON_ArrayForEach(e, entries(j))
        {
            int k = (int)(number(e, "seq") - number(e0, "seq"));
            ck_assert(k >= 0 && k < 3);
            got[k]++;
            n++;
        }
        ck_assert_msg(got[0] == want[i][0] && got[1] == want[i][1] &&
                          got[2] == want[i][2],
                      "%s: got %d %d %d", f[i], got[0], got[1], got[2]);
        ck_assert_int_eq(n, want[i][0] + want[i][1] + want[i][2]);
        cJSON_Delete(j);
    }

    /* cleared; seq goes on */
    double last = number(e2, "seq");
    cJSON_Delete(all);
    cJSON *j = admin(&t, "DELETE", "/__admin/journal", NULL, 200);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "cleared")));
    cJSON_Delete(j);
    all = journal(&t, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(entries(all)), 0);
    cJSON_Delete(all);
    ck_assert_int_eq(api_page(&t, admin_q, "{\"Limit\":5}", NULL).code, 0);
    all = journal(&t, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(entries(all)), 1);
    ck_assert_double_eq(number(cJSON_GetArrayItem(entries(all), 0), "seq"),
                        last + 1);
    cJSON_Delete(all);
    free(admin_q);
    free(user_q);
    free(other_q);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(journal_keeps_the_last_n)
{
    struct tu_timock t;
    const char *args[] = {"--journal-size", "5", NULL};
    tu_timock_start(&t, args);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, 0);
    cJSON *j = journal(&t, NULL);
    ck_assert_double_eq(number(j, "capacity"), 5);
    ck_assert_int_eq(cJSON_GetArraySize(entries(j)), 5);
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq(number(cJSON_GetArrayItem(entries(j), i), "seq"),
                            8 + i);
    cJSON_Delete(j);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- verify -------------------------------------------------------------- */

static const char verify_all[] =
    "{\"sdkappid\":1400000000,\"identifier\":\"administrator\",\"expect\":["
    "{\"pulled_all\":{}},{\"followed_next\":true},"
    "{\"stopped_at_zero\":true},{\"no_deviation\":true}]}";

/* The result of expectation name in a verify answer. */
static const cJSON *result(const cJSON *v, const char *name)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(v, "results"))
    {
        if (strcmp(str(r, "expect"), name) == 0)
            return r;
    }
    ck_abort_msg("no result for %s", name);
    return NULL;
}

START_TEST(verify_a_clean_pull)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    /* random, contenttype=json, Content-Type application/json, Next from 0
     * until 0 */
    ck_assert_uint_eq(pull(&t, q, 3000, NULL), DEFAULT_GROUPS);
    cJSON *v = admin(&t, "POST", "/__admin/verify", verify_all, 200);
    char *text = cJSON_PrintUnformatted(v);
    ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "pass")),
                  "%s", text);
    static const char *const names[] = {"pulled_all", "followed_next",
                                        "stopped_at_zero", "no_deviation"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                          result(v, names[i]), "pass")),
                      "%s: %s", names[i], text);
    free(text);
    cJSON_Delete(v);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(verify_a_pull_that_stops_early)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    struct page p = api_page(&t, q, "{\"Limit\":3000,\"Next\":0}", NULL);
    ck_assert_int_eq(p.code, 0);
    ck_assert_uint_ne(p.next, 0);
    cJSON *v = admin(&t, "POST", "/__admin/verify", verify_all, 200);
    char *text = cJSON_PrintUnformatted(v);
    ck_assert_msg(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "pass")),
                  "%s", text);
    const cJSON *r = result(v, "pulled_all");
    ck_assert_msg(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "pass")),
                  "%s", text);
    const char *why = cJSON_GetStringValue(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "reasons"), 0));
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "22000 groups") && strstr(why, "never served"),
                  "%s", why);
    r = result(v, "stopped_at_zero");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "pass")));
    /* what it did do was right */
    r = result(v, "followed_next");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "pass")));
    r = result(v, "no_deviation");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "pass")));
    free(text);
    cJSON_Delete(v);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- who may call the admin API ----------------------------------------- */

static const struct {
    const char *option, *value; /* the server's; option NULL: none */
    const char *method, *target, *auth;
    long status;
} access_rows[] = {
    {"--admin-token", "s3cret", "GET", "/__admin/apps", NULL, 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "Bearer nope", 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "Bearer s3cre", 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "Bearer s3cret2", 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "s3cret", 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "Basic s3cret", 401},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", "Bearer s3cret", 200},
    {"--admin-token", "s3cret", "POST", "/__admin/reset", NULL, 401},
    {"--admin-token", "s3cret", "DELETE", "/__admin/faults", "Bearer x", 401},
    {"--admin-token", "s3cret", "DELETE", "/__admin/faults", "Bearer s3cret",
     200},
    {"--no-admin", NULL, "GET", "/__admin/apps", NULL, 404},
    {"--no-admin", NULL, "POST", "/__admin/reset", NULL, 404},
    {"--no-admin", NULL, "GET", "/__admin", NULL, 404},
    {NULL, NULL, "GET", "/__admin/apps", NULL, 200},
    {NULL, NULL, "GET", "/__admin/apps", "Bearer anything", 200},
};

START_TEST(admin_access)
{
    struct tu_timock t;
    const char *args[] = {access_rows[_i].option, access_rows[_i].value, NULL};
    tu_timock_start(&t, args);
    struct req r = {NULL, access_rows[_i].method, access_rows[_i].target,
                    strcmp(access_rows[_i].method, "POST") ? NULL : "{}",
                    access_rows[_i].auth};
    long status;
    struct buf ans;
    ck_assert_int_eq(send_req(t.port, &r, &status, &ans), 0);
    ck_assert_msg(status == access_rows[_i].status, "%s %s %s: HTTP %ld: %s",
                  access_rows[_i].option ? access_rows[_i].option : "",
                  access_rows[_i].target,
                  access_rows[_i].auth ? access_rows[_i].auth : "(no auth)",
                  status, ans.data);
    if (status != 200) {
        cJSON *j = cJSON_ParseWithLength(ans.data, ans.len);
        ck_assert_ptr_nonnull(j);
        error_text(j);
        cJSON_Delete(j);
    }
    buf_release(&ans);
    /* the API needs no token */
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    ck_assert_int_eq(api_page(&t, q, "{\"Limit\":1}", NULL).code, 0);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* One of the machine's own IPv4 addresses that is not loopback, or 0. */
static int own_address(char *out, size_t n)
{
    struct ifaddrs *list, *i;
    int found = 0;
    if (getifaddrs(&list) != 0)
        return 0;
    for (i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
            !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        const struct sockaddr_in *sa = (const void *)i->ifa_addr;
        if ((ntohl(sa->sin_addr.s_addr) >> 24) == 127)
            continue;
        found = inet_ntop(AF_INET, &sa->sin_addr, out, (socklen_t)n) != NULL;
    }
    freeifaddrs(list);
    return found;
}

START_TEST(admin_refuses_other_peers)
{
    struct tu_timock t;
    const char *args[] = {"--listen", "0.0.0.0:0", NULL};
    start_exact(&t, args);
    long status;
    struct buf ans;
    struct req r = {"127.0.0.1", "GET", "/__admin/apps", NULL, NULL};
    ck_assert_int_eq(send_req(t.port, &r, &status, &ans), 0);
    ck_assert_int_eq(status, 200);
    buf_release(&ans);

    char addr[INET_ADDRSTRLEN];
    if (!own_address(addr, sizeof addr)) {
        printf("admin_refuses_other_peers: skipped the non-loopback part: "
               "this machine has no IPv4 address but loopback\n");
    } else {
        r.addr = addr;
        ck_assert_int_eq(send_req(t.port, &r, &status, &ans), 0);
        ck_assert_msg(status == 403, "from %s: HTTP %ld: %s", addr, status,
                      ans.data);
        ck_assert_ptr_nonnull(strstr(ans.data, "loopback"));
        buf_release(&ans);
        /* a token does not open it either */
        r.auth = "Bearer anything";
        r.method = "POST";
        r.target = "/__admin/reset";
        ck_assert_int_eq(send_req(t.port, &r, &status, &ans), 0);
        ck_assert_int_eq(status, 403);
        buf_release(&ans);
        /* the API answers everyone */
        char *q = tu_query_now(TU_APP, TU_ADMIN), target[2048];
        snprintf(target, sizeof target, "%s?%s", API_PATH, q);
        struct req api = {addr, "POST", target, "{\"Limit\":1}", NULL};
        ck_assert_int_eq(send_req(t.port, &api, &status, &ans), 0);
        ck_assert_int_eq(status, 200);
        ck_assert_int_eq(tu_error_code(ans.data), 0);
        buf_release(&ans);
        free(q);
    }
    tu_timock_stop(&t);
}
END_TEST

/* ---- what a web page could send ------------------------------------------
 * A page in a browser reaches 127.0.0.1 with a foreign Origin, or with a
 * foreign Host after DNS rebinding, or as a form with text/plain.  Each row
 * POSTs a fault rule with these headers: refused, no rule is added. */

#define RULE                                                                   \
    "{\"match\":{\"group_type\":\"Public\"},\"action\":{\"error_code\":10002}" \
    "}"

static const char *const hosts_option[] = {"--admin-host", "dev.test,Box",
                                           "--admin-host", "ci.internal", NULL};

static const struct {
    int with_admin_hosts;             /* timock runs with hosts_option */
    const char *host, *origin, *type; /* NULL: curl's, none, JSON */
    const char *body;                 /* NULL: RULE */
    long status;
} page_rows[] = {
    {0, "localhost", NULL, NULL, NULL, 200},
    {0, "LocalHost:8080", NULL, NULL, NULL, 200},
    {0, "127.0.0.1", NULL, NULL, NULL, 200},
    {0, "127.1.2.3:99", NULL, NULL, NULL, 200},
    {0, "[::1]:8080", NULL, NULL, NULL, 200},
    {0, "[::1]", NULL, NULL, NULL, 200},
    {0, "evil.example", NULL, NULL, NULL, 403},
    {0, "evil.example:8080", NULL, NULL, NULL, 403},
    {0, "localhost.evil.example", NULL, NULL, NULL, 403},
    {0, "127.0.0.1.evil.example", NULL, NULL, NULL, 403},
    {0, "128.0.0.1", NULL, NULL, NULL, 403},
    {0, "[::2]", NULL, NULL, NULL, 403},
    {0, "localhost:80x", NULL, NULL, NULL, 403},
    {0, "dev.test", NULL, NULL, NULL, 403},
    {0, NULL, "http://localhost:3000", NULL, NULL, 200},
    {0, NULL, "https://127.0.0.1", NULL, NULL, 200},
    {0, NULL, "http://evil.example", NULL, NULL, 403},
    {0, NULL, "http://localhost.evil.example", NULL, NULL, 403},
    {0, NULL, "null", NULL, NULL, 403},
    {0, NULL, "localhost", NULL, NULL, 403},
    {0, NULL, NULL, "Content-Type: application/json; charset=utf-8", NULL, 200},
    {0, NULL, NULL, "Content-Type: Application/JSON", NULL, 200},
    {0, NULL, NULL, "Content-Type: text/plain", NULL, 415},
    {0, NULL, NULL, "Content-Type: application/x-www-form-urlencoded", NULL,
     415},
    {0, NULL, NULL, "Content-Type: multipart/form-data; boundary=x", NULL, 415},
    {0, NULL, NULL, "Content-Type: application/jsonx", NULL, 415},
    {0, NULL, NULL, "Content-Type:", NULL, 415},
    /* the reproducer: all three at once */
    {0, "evil.example", "http://evil.example", "Content-Type: text/plain", NULL,
     403},
    {1, "dev.test", NULL, NULL, NULL, 200},
    {1, "box:8080", "http://DEV.TEST:3000", NULL, NULL, 200},
    {1, "ci.internal", "https://ci.internal", NULL, NULL, 200},
    {1, "localhost", NULL, NULL, NULL, 200},
    {1, "dev.test.evil", NULL, NULL, NULL, 403},
    {1, "dev", NULL, NULL, NULL, 403},
    {1, "localhost", "http://evil.example", NULL, NULL, 403},
};

START_TEST(admin_refuses_web_pages)
{
    struct tu_timock t;
    tu_timock_start(&t, _i ? hosts_option : NULL);
    for (size_t i = 0; i < sizeof page_rows / sizeof page_rows[0]; i++) {
        if (page_rows[i].with_admin_hosts != _i)
            continue;
        char origin[256];
        const char *headers[3] = {NULL};
        int k = 0;
        if (page_rows[i].origin) {
            snprintf(origin, sizeof origin, "Origin: %s", page_rows[i].origin);
            headers[k++] = origin;
        }
        if (page_rows[i].type)
            headers[k++] = page_rows[i].type;
        struct tu_http r = {.path = "/__admin/faults",
                            .body = RULE,
                            .host = page_rows[i].host,
                            .headers = headers};
        struct buf ans;
        ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
        ck_assert_msg(r.status == page_rows[i].status,
                      "row %zu: HTTP %ld, wanted %ld: %s", i, r.status,
                      page_rows[i].status, ans.data);
        if (r.status != 200) {
            cJSON *j = cJSON_ParseWithLength(ans.data, ans.len);
            ck_assert_ptr_nonnull(j);
            error_text(j);
            cJSON_Delete(j);
        }
        buf_release(&ans);
        cJSON *f = admin(&t, "GET", "/__admin/faults", NULL, 200);
        ck_assert_int_eq(
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "faults")),
            r.status == 200);
        cJSON_Delete(f);
        cJSON_Delete(admin(&t, "DELETE", "/__admin/faults", NULL, 200));
    }
    tu_timock_stop(&t);
}
END_TEST

START_TEST(admin_takes_no_body_without_a_type)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    /* curl -X POST .../reset: no body, no Content-Type */
    const char *none[] = {"Content-Type:", NULL};
    struct tu_http r = {.path = "/__admin/reset", .headers = none};
    struct buf ans;
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_msg(r.status == 200, "%s", ans.data);
    buf_release(&ans);
    /* and the API needs none of the admin API's headers */
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    const char *page[] = {"Origin: http://evil.example",
                          "Content-Type: text/plain", NULL};
    struct tu_http api = {.query = q,
                          .body = "{\"Limit\":1}",
                          .host = "evil.example",
                          .headers = page};
    ck_assert_int_eq(tu_request(&t, &api, &ans), 0);
    ck_assert_int_eq(api.status, 200);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- paging while groups change ------------------------------------------ */

/* Makes one change after another until told to stop: each creates three
 * new groups, deletes two of the three it created the time before, and
 * deletes two of the original groups it was given (until none is left).
 * It never re-creates an ID, so no pull may see one twice.  It never fails
 * the test itself: the main thread checks what it counted. */
#define WRITES_A_PAGE 4u

struct writer {
    int port;
    const struct ids *expendable; /* originals it may delete */
    atomic_int stop;
    atomic_int changes;
    atomic_int failures;
    char failure[512];
};

static void *write_loop(void *data)
{
    struct writer *w = data;
    static const char *const types[] = {"Public", "Private", "ChatRoom"};
    size_t gone = 0;
    unsigned start = atomic_load(&pages_pulled);
    for (int i = 0; !atomic_load(&w->stop); i++) {
        char body[2048];
        /* at most WRITES_A_PAGE changes (each one more group) a page
         * pulled, however the machine's load shares it out: a writer that
         * ran ahead would keep a pull from ever reaching the end */
        while (!atomic_load(&w->stop) &&
               (unsigned)i >
                   (atomic_load(&pages_pulled) - start + 1) * WRITES_A_PAGE)
            usleep(200);
        int n = snprintf(body, sizeof body, "{\"create\":[");
        for (int k = 0; k < 3; k++)
            n += snprintf(body + n, sizeof body - (size_t)n,
                          "%s{\"id\":\"writer-%d-%d\",\"type\":\"%s\"}",
                          k ? "," : "", i, k, types[k]);
        n += snprintf(body + n, sizeof body - (size_t)n, "],\"delete\":[");
        const char *sep = "";
        if (i > 0) {
            n += snprintf(body + n, sizeof body - (size_t)n,
                          "\"writer-%d-0\",\"writer-%d-2\"", i - 1, i - 1);
            sep = ",";
        }
        for (int k = 0; k < 2 && gone < w->expendable->n; k++, gone++) {
            n += snprintf(body + n, sizeof body - (size_t)n, "%s\"%s\"", sep,
                          w->expendable->v[gone]);
            sep = ",";
        }
        snprintf(body + n, sizeof body - (size_t)n, "]}");
        struct req r = {NULL, "POST", GROUPS_PATH, body, NULL};
        long status;
        struct buf ans;
        int rc = send_req(w->port, &r, &status, &ans);
        if (rc == 0 && status == 200) {
            atomic_fetch_add(&w->changes, 1);
        } else if (atomic_fetch_add(&w->failures, 1) == 0) {
            snprintf(w->failure, sizeof w->failure, "curl %d, HTTP %ld: %s", rc,
                     status, ans.data ? ans.data : "");
        }
        buf_release(&ans);
    }
    return NULL;
}

START_TEST(paging_while_groups_change)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    struct ids originals = {0}, protected = {0}, expendable = {0};
    ck_assert_uint_eq(pull(&t, q, 10000, &originals), DEFAULT_GROUPS);
    ck_assert_uint_eq(originals.n, DEFAULT_GROUPS);
    /* in the order served (keys), every 10th original may be deleted; the
     * rest exist for the whole test */
    for (size_t i = 0; i < originals.n; i++)
        ids_add(i % 10 ? &protected : &expendable, originals.v[i]);
    ck_assert_ptr_null(ids_sort(&protected));

    struct writer w = {.port = t.port, .expendable = &expendable};
    atomic_init(&w.stop, 0);
    atomic_init(&w.changes, 0);
    atomic_init(&w.failures, 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, write_loop, &w), 0);
    /* the first change lands (or fails) before the pulls start; a writer
     * that never gets there fails the test, after a minute at most */
    for (int waited = 0;
         atomic_load(&w.changes) == 0 && atomic_load(&w.failures) == 0;
         waited++) {
        if (waited == 60000) {
            atomic_store(&w.stop, 1);
            pthread_join(th, NULL);
            ck_abort_msg("no change landed within a minute");
        }
        usleep(1000);
    }
    int changes_before = atomic_load(&w.changes);

    for (int p = 0; p < 20; p++) {
        struct ids got = {0};
        /* groups created during the pull: a few pages' slack */
        pull_within(&t, q, 500, &got, 4);
        const char *twice = ids_sort(&got);
        ck_assert_msg(twice == NULL, "pull %d: %s came twice", p, twice);
        size_t kept = 0;
        for (size_t i = 0; i < got.n; i++)
            kept += ids_has(&protected, got.v[i]);
        ck_assert_msg(kept == protected.n,
                      "pull %d: %zu of the %zu groups that never changed "
                      "came",
                      p, kept, protected.n);
        ids_free(&got);
    }
    int changes_during = atomic_load(&w.changes) - changes_before;
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    ck_assert_msg(atomic_load(&w.failures) == 0,
                  "%d changes failed; the first: %s", atomic_load(&w.failures),
                  w.failure);
    ck_assert_msg(changes_during > 0, "no change landed during the pulls");
    printf("paging_while_groups_change: %d changes during 20 pulls\n",
           changes_during);

    /* after it all: one writer group of each change stays, plus the last
     * change's other two; the originals it deleted are gone */
    uint64_t changes = (uint64_t)atomic_load(&w.changes);
    uint64_t deleted =
        2 * changes < expendable.n ? 2 * changes : (uint64_t)expendable.n;
    struct ids end = {0};
    ck_assert_uint_eq(pull(&t, q, 10000, &end),
                      DEFAULT_GROUPS - deleted + changes + 2);
    ck_assert_ptr_null(ids_sort(&end));
    ck_assert(!ids_has(&end, expendable.v[0]));
    ids_free(&end);
    ids_free(&originals);
    ids_free(&protected);
    ids_free(&expendable);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("admin");
    TCase *tc = tcase_create("admin");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, apps_lists_the_default);
    tcase_add_test(tc, create_then_delete_a_group);
    tcase_add_test(tc, generate_groups);
    tcase_add_loop_test(tc, admin_refuses, 0,
                        sizeof refused_rows / sizeof refused_rows[0]);
    tcase_add_test(tc, fixture_then_reset);
    tcase_add_test(tc, reset_reads_the_started_fixture);
    tcase_add_loop_test(tc, groups_path_is_exact, 0,
                        sizeof not_groups_paths / sizeof *not_groups_paths);
    tcase_add_loop_test(tc, deep_body_refused, 0,
                        sizeof deep_paths / sizeof deep_paths[0]);
    tcase_add_test(tc, nesting_at_the_bound);
    tcase_add_test(tc, fixture_must_be_a_regular_file);
    tcase_add_test(tc, verify_is_bounded);
    tcase_add_test(tc, faults_add_list_delete);
    tcase_add_loop_test(tc, bad_rule_names_its_path, 0,
                        sizeof bad_rule_rows / sizeof bad_rule_rows[0]);
    tcase_add_loop_test(tc, each_action, 0,
                        sizeof action_rows / sizeof action_rows[0]);
    tcase_add_loop_test(tc, when_a_rule_fires, 0,
                        sizeof when_rows / sizeof when_rows[0]);
    tcase_add_test(tc, journal_filters_and_clear);
    tcase_add_test(tc, journal_keeps_the_last_n);
    tcase_add_test(tc, verify_a_clean_pull);
    tcase_add_test(tc, verify_a_pull_that_stops_early);
    tcase_add_loop_test(tc, admin_access, 0,
                        sizeof access_rows / sizeof access_rows[0]);
    tcase_add_test(tc, admin_refuses_other_peers);
    tcase_add_loop_test(tc, admin_refuses_web_pages, 0, 2);
    tcase_add_test(tc, admin_takes_no_body_without_a_type);
    tcase_add_test(tc, paging_while_groups_change);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
