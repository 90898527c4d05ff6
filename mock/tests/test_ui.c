/* Integration tests of the dashboard's side of the mock: the real timock
 * on a free port serves the page's files (exactly the sources in mock/ui/,
 * with their types and a strict Content-Security-Policy) under the admin
 * API's rules but the token, and the admin API gives what the page shows:
 * each app's settings (never its key) and the journal filtered by seq,
 * ErrorCode and deviation. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* A file's bytes (malloc'd, NUL-terminated), or the test fails. */
static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    ck_assert_int_ge(len, 0);
    rewind(f);
    char *p = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    p[len] = '\0';
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* The value of header name in the header lines h, into out; NULL when it
 * is not there. */
static const char *header(const struct buf *h, const char *name, char *out,
                          size_t n)
{
    size_t k = strlen(name);
    for (const char *p = h->data; p && *p;) {
        size_t line = strcspn(p, "\r\n");
        if (line > k && strncasecmp(p, name, k) == 0 && p[k] == ':') {
            const char *v = p + k + 1 + strspn(p + k + 1, " ");
            snprintf(out, n, "%.*s", (int)(line - (size_t)(v - p)), v);
            return out;
        }
        p += line + strspn(p + line, "\r\n");
    }
    return NULL;
}

/* ---- the page's files ---------------------------------------------------- */

static const struct {
    const char *path;
    long status;
    const char *type; /* the Content-Type it starts with */
    const char *file; /* the source it must equal, or NULL */
} file_rows[] = {
    {"/__admin/ui/", 200, "text/html", "index.html"},
    {"/__admin/ui/index.html", 200, "text/html", "index.html"},
    {"/__admin/ui/app.js", 200, "text/javascript", "app.js"},
    {"/__admin/ui/style.css", 200, "text/css", "style.css"},
    {"/__admin/ui/favicon.svg", 200, "image/svg+xml", "favicon.svg"},
    {"/__admin/ui", 302, "text/plain", NULL},
    {"/__admin/ui/nope.js", 404, "text/plain", NULL},
    {"/__admin/ui/%2e%2e/apps", 404, "text/plain", NULL},
    {"/__admin/uix", 404, "application/json", NULL},
};

START_TEST(ui_files)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    struct buf ans, heads;
    struct tu_http r = {
        .method = "GET", .path = file_rows[_i].path, .answer_headers = &heads};
    char v[512];
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_msg(r.status == file_rows[_i].status, "%s: HTTP %ld",
                  file_rows[_i].path, r.status);
    ck_assert_ptr_nonnull(header(&heads, "Content-Type", v, sizeof v));
    ck_assert_msg(strncmp(v, file_rows[_i].type, strlen(file_rows[_i].type)) ==
                      0,
                  "%s: Content-Type %s", file_rows[_i].path, v);
    if (file_rows[_i].file) {
        char path[512];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", UI_DIR, file_rows[_i].file);
        char *want = read_file(path, &n);
        ck_assert_uint_eq(ans.len, n);
        ck_assert_int_eq(memcmp(ans.data, want, n), 0);
        free(want);
    }
    if (strncmp(file_rows[_i].path, "/__admin/ui", 11) == 0 &&
        file_rows[_i].path[11] != 'x') {
        /* every answer of the page: no cache, no sniffing, and a policy
         * that runs no inline script and reaches no other origin */
        ck_assert_ptr_nonnull(header(&heads, "Cache-Control", v, sizeof v));
        ck_assert_str_eq(v, "no-store");
        ck_assert_ptr_nonnull(
            header(&heads, "X-Content-Type-Options", v, sizeof v));
        ck_assert_str_eq(v, "nosniff");
        ck_assert_ptr_nonnull(
            header(&heads, "Content-Security-Policy", v, sizeof v));
        ck_assert_ptr_nonnull(strstr(v, "default-src 'none'"));
        ck_assert_ptr_nonnull(strstr(v, "script-src 'self';"));
        ck_assert_ptr_nonnull(strstr(v, "connect-src 'self';"));
        ck_assert_ptr_nonnull(strstr(v, "frame-ancestors 'none'"));
        ck_assert_ptr_null(strstr(v, "unsafe"));
    }
    if (file_rows[_i].status == 302) {
        ck_assert_ptr_nonnull(header(&heads, "Location", v, sizeof v));
        ck_assert_str_eq(v, "/__admin/ui/");
    }
    buf_release(&heads);
    buf_release(&ans);
    tu_timock_stop(&t);
}
END_TEST

/* Who may load the page: the admin API's rules, but no token for the
 * files (they hold no data); the data itself still needs it. */
static const struct {
    const char *option, *value; /* the server's; NULL: none */
    const char *method, *path;
    const char *host, *origin; /* NULL: curl's own, none */
    long status;
} access_rows[] = {
    {NULL, NULL, "GET", "/__admin/ui/", NULL, NULL, 200},
    {"--admin-token", "s3cret", "GET", "/__admin/ui/", NULL, NULL, 200},
    {"--admin-token", "s3cret", "GET", "/__admin/ui/app.js", NULL, NULL, 200},
    {"--admin-token", "s3cret", "GET", "/__admin/apps", NULL, NULL, 401},
    {"--admin-token", "s3cret", "GET", "/__admin/journal", NULL, NULL, 401},
    {"--no-admin", NULL, "GET", "/__admin/ui/", NULL, NULL, 404},
    {"--no-admin", NULL, "GET", "/__admin/ui", NULL, NULL, 404},
    {NULL, NULL, "GET", "/__admin/ui/", "evil.test", NULL, 403},
    {NULL, NULL, "GET", "/__admin/ui/", "evil.test:8080", NULL, 403},
    {NULL, NULL, "GET", "/__admin/ui/", NULL, "http://evil.test", 403},
    {NULL, NULL, "GET", "/__admin/ui/", NULL, "null", 403},
    {NULL, NULL, "GET", "/__admin/ui/", "localhost:1", "http://localhost:1",
     200},
    {"--admin-host", "dash.test", "GET", "/__admin/ui/", "dash.test", NULL,
     200},
    {NULL, NULL, "POST", "/__admin/ui/", NULL, NULL, 405},
    {NULL, NULL, "DELETE", "/__admin/ui/app.js", NULL, NULL, 405},
};

START_TEST(ui_access)
{
    struct tu_timock t;
    const char *args[] = {access_rows[_i].option, access_rows[_i].value, NULL};
    tu_timock_start(&t, args);
    char origin[128];
    const char *headers[] = {origin, NULL};
    snprintf(origin, sizeof origin, "Origin: %s",
             access_rows[_i].origin ? access_rows[_i].origin : "");
    struct buf ans;
    struct tu_http r = {.method = access_rows[_i].method,
                        .path = access_rows[_i].path,
                        .host = access_rows[_i].host,
                        .headers = access_rows[_i].origin ? headers : NULL};
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_msg(r.status == access_rows[_i].status,
                  "%s %s %s (Host %s, Origin %s): HTTP %ld: %.200s",
                  access_rows[_i].option ? access_rows[_i].option : "",
                  access_rows[_i].method, access_rows[_i].path,
                  access_rows[_i].host ? access_rows[_i].host : "-",
                  access_rows[_i].origin ? access_rows[_i].origin : "-",
                  r.status, ans.data ? ans.data : "");
    if (r.status == 200) /* the file itself */
        ck_assert_ptr_nonnull(strstr(
            ans.data, strstr(access_rows[_i].path, ".js") ? "'use strict';"
                                                          : "<title>timock"));
    buf_release(&ans);
    tu_timock_stop(&t);
}
END_TEST

/* ---- what the admin API gives the page ---------------------------------- */

/* GET of an admin path that must answer want; the JSON (caller deletes). */
static cJSON *get(const struct tu_timock *t, const char *path,
                  const char *query, long want)
{
    struct buf ans;
    struct tu_http r = {.method = "GET", .path = path, .query = query};
    ck_assert_int_eq(tu_request(t, &r, &ans), 0);
    ck_assert_msg(r.status == want, "GET %s?%s: HTTP %ld, wanted %ld: %s", path,
                  query ? query : "", r.status, want, ans.data ? ans.data : "");
    cJSON *j = cJSON_ParseWithLength(ans.data ? ans.data : "", ans.len);
    ck_assert_msg(j != NULL, "GET %s: not JSON: %s", path,
                  ans.data ? ans.data : "");
    buf_release(&ans);
    return j;
}

static const cJSON *item(const cJSON *j, const char *path)
{
    char key[64];
    const cJSON *v = j;
    for (const char *p = path; v && *p;) {
        size_t k = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)k, p);
        v = cJSON_GetObjectItemCaseSensitive(v, key);
        p += k + (p[k] == '.');
    }
    ck_assert_msg(v != NULL, "no %s", path);
    return v;
}

/* Each app's settings as the fixture sets them, read from the fixture's
 * file; and the key nowhere in the answer. */
static const struct {
    const char *fixture;
    const char *setting;    /* a path in the app's settings */
    const char *in_fixture; /* its path in the fixture's app, NULL: absent */
} settings_rows[] = {
    {"default.json", "check_usersig", "check_usersig"},
    {"default.json", "rate_limit", NULL},
    {"rate-limit.json", "rate_limit.calls_per_second",
     "rate_limit.calls_per_second"},
    {"rate-limit.json", "rate_limit.error_code", "rate_limit.error_code"},
    {"envelope-extras.json", "envelope.omit_action_status",
     "envelope.omit_action_status"},
    {"v1-strict.json", "strict.null_fields", "strict.null_fields"},
};

START_TEST(apps_show_settings_not_keys)
{
    char path[512];
    size_t n;
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR,
             settings_rows[_i].fixture);
    char *text = read_file(path, &n);
    cJSON *fx = cJSON_ParseWithLength(text, n);
    ck_assert_ptr_nonnull(fx);
    const cJSON *app = cJSON_GetArrayItem(item(fx, "apps"), 0);
    struct tu_timock t;
    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(&t, args);
    struct buf ans;
    struct tu_http r = {.method = "GET", .path = "/__admin/apps"};
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    const char *key = cJSON_GetStringValue(item(app, "key"));
    ck_assert_ptr_null(strstr(ans.data, key));
    ck_assert_ptr_null(strstr(ans.data, "\"key\""));
    cJSON *j = cJSON_ParseWithLength(ans.data, ans.len);
    ck_assert_ptr_nonnull(j);
    const cJSON *got = cJSON_GetArrayItem(item(j, "apps"), 0);
    ck_assert_double_eq(item(got, "sdkappid")->valuedouble,
                        item(app, "sdkappid")->valuedouble);
    const cJSON *s = item(got, "settings");
    const cJSON *v = item(s, settings_rows[_i].setting);
    if (!settings_rows[_i].in_fixture)
        ck_assert(cJSON_IsNull(v));
    else
        ck_assert_msg(
            cJSON_Compare(v, item(app, settings_rows[_i].in_fixture), 1),
            "%s: %s differs from the fixture's", settings_rows[_i].fixture,
            settings_rows[_i].setting);
    ck_assert(cJSON_Compare(item(s, "admins"), item(app, "admins"), 1));
    cJSON_Delete(j);
    buf_release(&ans);
    cJSON_Delete(fx);
    free(text);
    tu_timock_stop(&t);
}
END_TEST

/* The seq values of a journal answer's entries, in order, as "1,2,3". */
static void seqs(const cJSON *j, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    const cJSON *e;
    cJSON_ArrayForEach(e, item(j, "entries"))
    {
        k += (size_t)snprintf(out + k, n - k, "%s%.0f", k ? "," : "",
                              item(e, "seq")->valuedouble);
        ck_assert_uint_lt(k, n);
    }
}

static const struct {
    const char *query;
    int after_first; /* 1: and after_seq= the first entry's seq */
    long status;
    const char *seqs; /* which of the four requests (1..4), in order */
} filter_rows[] = {
    {"", 1, 200, "2,3,4"},
    {"after_seq=0", 0, 200, "1,2,3,4"},
    {"error_code=0", 0, 200, "1,2"},
    {"error_code=10007", 0, 200, "3"},
    {"error_code=60006", 0, 200, "4"},
    {"error_code=10002", 0, 200, ""},
    {"deviation=no_random", 0, 200, "2"},
    {"deviation=any", 0, 200, "2"},
    {"deviation=no_random&error_code=10007", 0, 200, ""},
    {"deviation=any&identifier=administrator", 1, 200, "2"},
    {"after_seq=x", 0, 400, NULL},
    {"after_seq=-1", 0, 400, NULL},
    {"after_seq=", 0, 400, NULL},
    {"after_seq=+1", 0, 400, NULL},
    {"after_seq=%201", 0, 400, NULL},
    {"after_seq=99999999999999999999", 0, 400, NULL},
    {"error_code=1e3", 0, 400, NULL},
    {"error_code=-2", 0, 400, NULL},
    {"deviation=nope", 0, 400, NULL},
    {"deviation=", 0, 400, NULL},
};

START_TEST(journal_filters_for_the_page)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *admin_q = tu_query_now(TU_APP, TU_ADMIN);
    char *user_q = tu_query_now(TU_APP, "user1");
    char *other_q = tu_query_now(1400000099, TU_ADMIN);
    char q[4096], no_random[4096];
    /* 1: clean; 2: no random; 3: 10007; 4: an unknown app, 60006 */
    snprintf(no_random, sizeof no_random, "%s", admin_q);
    char *at = strstr(no_random, "&random=");
    ck_assert_ptr_nonnull(at);
    memmove(at, at + strcspn(at + 1, "&") + 1,
            strlen(at + strcspn(at + 1, "&") + 1) + 1);
    const char *queries[] = {admin_q, no_random, user_q, other_q};
    for (int i = 0; i < 4; i++) {
        long status;
        struct buf ans;
        tu_fresh_random(q, sizeof q, queries[i]);
        ck_assert_int_eq(tu_post(&t, NULL, q, "{\"Limit\":5}", &status, &ans),
                         0);
        buf_release(&ans);
    }
    cJSON *all = get(&t, "/__admin/journal", NULL, 200);
    const cJSON *first = cJSON_GetArrayItem(item(all, "entries"), 0);
    unsigned long long base =
        (unsigned long long)item(first, "seq")->valuedouble;
    char query[256], got[256], want[256];
    seqs(all, got, sizeof got);
    snprintf(want, sizeof want, "%llu,%llu,%llu,%llu", base, base + 1, base + 2,
             base + 3);
    ck_assert_str_eq(got, want);

    snprintf(query, sizeof query, "%s", filter_rows[_i].query);
    if (filter_rows[_i].after_first)
        snprintf(query + strlen(query), sizeof query - strlen(query),
                 "%safter_seq=%llu", *query ? "&" : "", base);
    cJSON *j = get(&t, "/__admin/journal", query, filter_rows[_i].status);
    if (filter_rows[_i].seqs) {
        /* the rows' request numbers 1..4 as seqs */
        size_t k = 0;
        want[0] = '\0';
        for (const char *p = filter_rows[_i].seqs; *p; p++)
            if (*p != ',')
                k += (size_t)snprintf(want + k, sizeof want - k, "%s%llu",
                                      k ? "," : "",
                                      base + (unsigned long long)(*p - '1'));
        seqs(j, got, sizeof got);
        ck_assert_msg(strcmp(got, want) == 0, "%s: entries %s, wanted %s",
                      query, got, want);
    } else {
        ck_assert_ptr_nonnull(
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error")));
    }
    cJSON_Delete(j);
    cJSON_Delete(all);
    free(admin_q);
    free(user_q);
    free(other_q);
    tu_timock_stop(&t);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("ui");
    TCase *tc = tcase_create("ui");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, ui_files, 0, sizeof file_rows / sizeof *file_rows);
    tcase_add_loop_test(tc, ui_access, 0,
                        sizeof access_rows / sizeof *access_rows);
    tcase_add_loop_test(tc, apps_show_settings_not_keys, 0,
                        sizeof settings_rows / sizeof *settings_rows);
    tcase_add_loop_test(tc, journal_filters_for_the_page, 0,
                        sizeof filter_rows / sizeof *filter_rows);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
