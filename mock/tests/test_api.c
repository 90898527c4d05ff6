/* Unit tests: every request rule of SPEC sections 2 and 4 and its code, the
 * order of the checks, the answer's bytes, 10018 at the limit, quirks and
 * faults; all through api_handle, without sockets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "answer.h"
#include "faults.h"
#include "testutil.h"
#include "usersig.h"

static const char fixture_json[] =
    "{\"apps\":["
    "{\"sdkappid\":1400000000,\"region\":\"singapore\","
    "\"admins\":[\"administrator\",\"admin2\"],\"identifiers\":[\"user1\"],"
    "\"key\":\"" TU_KEY "\","
    "\"groups\":[{\"id\":\"@TGS#2J4SZEAEL\",\"type\":\"Public\"},"
    "{\"id\":\"@TGS#2C5SZEAEF\",\"type\":\"Private\"}]},"
    "{\"sdkappid\":1400000005,\"admins\":[\"administrator\"],"
    "\"check_usersig\":false,\"rate_limit\":{\"calls_per_second\":2},"
    "\"quirks\":{\"omit_next\":false,\"next_on_last_page\":false},"
    "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]}]}";

enum sig {
    SIG_VALID,
    SIG_NONE,
    SIG_EMPTY,
    SIG_GARBAGE,
    SIG_OTHER_APP,
    SIG_OTHER_ID,
    SIG_OTHER_KEY,
    SIG_EXPIRED,
    SIG_FUTURE
};

static const struct {
    const char *what;
    const char *method, *path, *sdkappid, *identifier;
    enum sig sig;
    const char *host, *body;
    int code;
} rows[] = {
#define P   API_PATH
#define A   "1400000000"
#define ADM "administrator"
#define OK  TIM_ERR_OK
    {"valid", "POST", P, A, ADM, SIG_VALID, NULL, "{}", OK},
    {"second admin", "POST", P, A, "admin2", SIG_VALID, NULL, "{}", OK},
    {"GET", "GET", P, A, ADM, SIG_VALID, NULL, "{}", TIM_ERR_BAD_HTTP},
    {"PUT", "PUT", P, A, ADM, SIG_VALID, NULL, "{}", TIM_ERR_BAD_HTTP},
    {"other command", "POST", "/v4/group_open_http_svc/get_group_info", A, ADM,
     SIG_VALID, NULL, "{}", TIM_ERR_BAD_RESOURCE},
    {"other service", "POST", "/v4/openim/get_appid_group_list", A, ADM,
     SIG_VALID, NULL, "{}", TIM_ERR_BAD_RESOURCE},
    {"trailing slash", "POST", P "/", A, ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_BAD_RESOURCE},
    {"no sdkappid", "POST", P, NULL, ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_NO_SDKAPPID},
    {"empty sdkappid", "POST", P, "", ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_NO_SDKAPPID},
    {"sdkappid not a number", "POST", P, "14x", ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_BAD_SDKAPPID},
    {"unknown sdkappid", "POST", P, "1400000099", ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_BAD_SDKAPPID},
    {"no identifier", "POST", P, A, NULL, SIG_VALID, NULL, "{}",
     TIM_ERR_NO_IDENTIFIER},
    {"empty identifier", "POST", P, A, "", SIG_VALID, NULL, "{}",
     TIM_ERR_NO_IDENTIFIER},
    {"no usersig", "POST", P, A, ADM, SIG_NONE, NULL, "{}", TIM_ERR_SIG_EMPTY},
    {"empty usersig", "POST", P, A, ADM, SIG_EMPTY, NULL, "{}",
     TIM_ERR_SIG_EMPTY},
    {"garbage usersig", "POST", P, A, ADM, SIG_GARBAGE, NULL, "{}",
     TIM_ERR_SIG_DECODE},
    {"usersig of another app", "POST", P, A, ADM, SIG_OTHER_APP, NULL, "{}",
     TIM_ERR_SIG_SDKAPPID},
    {"usersig of another identifier", "POST", P, A, ADM, SIG_OTHER_ID, NULL,
     "{}", TIM_ERR_SIG_IDENTIFIER},
    {"usersig of another key", "POST", P, A, ADM, SIG_OTHER_KEY, NULL, "{}",
     TIM_ERR_SIG_MISMATCH},
    {"expired usersig", "POST", P, A, ADM, SIG_EXPIRED, NULL, "{}",
     TIM_ERR_SIG_EXPIRED},
    {"usersig made in the future", "POST", P, A, ADM, SIG_FUTURE, NULL, "{}",
     OK},
    {"own region's domain", "POST", P, A, ADM, SIG_VALID,
     "adminapisgp.im.qcloud.com", "{}", OK},
    {"own region's backup, with port", "POST", P, A, ADM, SIG_VALID,
     "ADMINAPISGP.my-imcloud.com:443", "{}", OK},
    {"another region's domain", "POST", P, A, ADM, SIG_VALID,
     "adminapikr.im.qcloud.com", "{}", TIM_ERR_NO_KEY_HERE},
    {"china's domain", "POST", P, A, ADM, SIG_VALID, "console.tim.qq.com", "{}",
     TIM_ERR_NO_KEY_HERE},
    {"non-admin", "POST", P, A, "user1", SIG_VALID, NULL, "{}",
     TIM_ERR_NO_PERMISSION},
    {"unknown identifier", "POST", P, A, "nobody", SIG_VALID, NULL, "{}",
     TIM_ERR_NO_PERMISSION},
    {"an admin's name cut short", "POST", P, A, "admin", SIG_VALID, NULL, "{}",
     TIM_ERR_NO_PERMISSION},
    {"an admin's name and more", "POST", P, A, "administrators", SIG_VALID,
     NULL, "{}", TIM_ERR_NO_PERMISSION},
    {"empty body", "POST", P, A, ADM, SIG_VALID, NULL, "", TIM_ERR_BAD_JSON},
    {"broken JSON", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"Limit\":", TIM_ERR_BAD_JSON},
    {"array body", "POST", P, A, ADM, SIG_VALID, NULL, "[]", TIM_ERR_BAD_JSON},
    {"bad Limit", "POST", P, A, ADM, SIG_VALID, NULL, "{\"Limit\":0}",
     TIM_ERR_BAD_PARAM},
    {"bad Next", "POST", P, A, ADM, SIG_VALID, NULL, "{\"Next\":-5}",
     TIM_ERR_BAD_PARAM},
    {"bad GroupType", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"GroupType\":\"Nope\"}", TIM_ERR_BAD_PARAM},
    /* the order of the checks: the first that fails decides */
    {"path before method (v2)", "GET", "/v4/x/y", NULL, NULL, SIG_NONE, NULL,
     "", TIM_ERR_BAD_RESOURCE},
    {"GET, unknown app: as a POST (S3)", "GET", P, "1400000099", ADM, SIG_VALID,
     NULL, "", TIM_ERR_BAD_SDKAPPID},
    {"GET, bad usersig: as a POST (S3)", "GET", P, A, ADM, SIG_GARBAGE, NULL,
     "", TIM_ERR_SIG_DECODE},
    {"GET, non-admin: as a POST", "GET", P, A, "user1", SIG_VALID, NULL, "",
     TIM_ERR_NO_PERMISSION},
    {"GET, wrong region: as a POST", "GET", P, A, ADM, SIG_VALID,
     "console.tim.qq.com", "", TIM_ERR_NO_KEY_HERE},
    {"method before body", "GET", P, A, ADM, SIG_VALID, NULL, "[",
     TIM_ERR_BAD_HTTP},
    {"HEAD of the API", "HEAD", P, A, ADM, SIG_VALID, NULL, "",
     TIM_ERR_BAD_HTTP},
    /* every other path: the envelope (S2) */
    {"root", "GET", "/", NULL, NULL, SIG_NONE, NULL, "", TIM_ERR_BAD_HTTP},
    {"HEAD root", "HEAD", "/", NULL, NULL, SIG_NONE, NULL, "",
     TIM_ERR_BAD_HTTP},
    {"a file", "GET", "/favicon.ico", NULL, NULL, SIG_NONE, NULL, "",
     TIM_ERR_BAD_HTTP},
    {"v4 alone", "POST", "/v4/", A, ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_BAD_RESOURCE},
    {"v4 without slash", "POST", "/v4", A, ADM, SIG_VALID, NULL, "{}",
     TIM_ERR_BAD_HTTP},
    /* Host: no case, no port, no trailing dot */
    {"own region, trailing dot", "POST", P, A, ADM, SIG_VALID,
     "adminapisgp.im.qcloud.com.", "{}", OK},
    {"china, trailing dot", "POST", P, A, ADM, SIG_VALID, "console.tim.qq.com.",
     "{}", TIM_ERR_NO_KEY_HERE},
    {"china, capitals, dot and port", "POST", P, A, ADM, SIG_VALID,
     "CONSOLE.Tim.QQ.com.:443", "{}", TIM_ERR_NO_KEY_HERE},
    {"two trailing dots: no region", "POST", P, A, ADM, SIG_VALID,
     "console.tim.qq.com..", "{}", OK},
    /* the body as real clients send it (S10, S11) */
    {"null fields", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"Limit\":50,\"Offset\":null,\"GroupType\":null}", OK},
    {"empty GroupType", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"GroupType\":\"\"}", OK},
    {"a byte-order mark", "POST", P, A, ADM, SIG_VALID, NULL,
     "\xef\xbb\xbf{\"Limit\":2}", OK},
    {"a form feed between members", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"Limit\":2,\x0c\"Next\":4454690250}", TIM_ERR_BAD_JSON},
    {"path before sdkappid", "POST", "/v4/x/y", NULL, NULL, SIG_NONE, NULL, "",
     TIM_ERR_BAD_RESOURCE},
    {"sdkappid before identifier", "POST", P, NULL, NULL, SIG_NONE, NULL, "",
     TIM_ERR_NO_SDKAPPID},
    {"unknown app before identifier", "POST", P, "7", NULL, SIG_NONE, NULL, "",
     TIM_ERR_BAD_SDKAPPID},
    {"identifier before usersig", "POST", P, A, NULL, SIG_NONE, NULL, "",
     TIM_ERR_NO_IDENTIFIER},
    {"usersig before region", "POST", P, A, ADM, SIG_GARBAGE,
     "adminapikr.im.qcloud.com", "", TIM_ERR_SIG_DECODE},
    {"region before permission", "POST", P, A, "user1", SIG_VALID,
     "adminapikr.im.qcloud.com", "", TIM_ERR_NO_KEY_HERE},
    {"permission before body", "POST", P, A, "user1", SIG_VALID, NULL, "[",
     TIM_ERR_NO_PERMISSION},
    {"JSON before parameters", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"Limit\":0", TIM_ERR_BAD_JSON},
    {"Limit before GroupType", "POST", P, A, ADM, SIG_VALID, NULL,
     "{\"GroupType\":\"x\",\"Limit\":0}", TIM_ERR_BAD_PARAM},
    {"app without UserSig check", "POST", P, "1400000005", ADM, SIG_NONE, NULL,
     "{}", OK},
#undef P
#undef A
#undef ADM
#undef OK
};

static char *make_sig(enum sig kind, uint64_t app, const char *identifier)
{
    switch (kind) {
    case SIG_VALID:
        return tu_sig(TU_KEY, app, identifier, TU_NOW - 10);
    case SIG_EMPTY:
        return strdup("");
    case SIG_GARBAGE:
        return strdup("not*a*usersig");
    case SIG_OTHER_APP:
        return tu_sig(TU_KEY, app + 1, identifier, TU_NOW);
    case SIG_OTHER_ID:
        return tu_sig(TU_KEY, app, "someone-else", TU_NOW);
    case SIG_OTHER_KEY:
        return tu_sig("another key", app, identifier, TU_NOW);
    case SIG_EXPIRED:
        return tu_sig(TU_KEY, app, identifier, TU_NOW - 86401);
    case SIG_FUTURE:
        return tu_sig(TU_KEY, app, identifier, TU_NOW + 3600);
    case SIG_NONE:
        break;
    }
    return NULL;
}

static struct fixture fx;
static struct api api;

static void setup(void)
{
    tu_fixture(&fx, fixture_json);
    api = (struct api){fx.store, &fx.faults, TU_NOW};
}

static void teardown(void)
{
    fixture_release(&fx);
}

START_TEST(rules_and_codes)
{
    char query[4096] = "";
    size_t n = 0;
    uint64_t app = TU_APP;
    if (rows[_i].sdkappid) {
        n += (size_t)snprintf(query + n, sizeof query - n, "sdkappid=%s&",
                              rows[_i].sdkappid);
        app = strtoull(rows[_i].sdkappid, NULL, 10);
    }
    if (rows[_i].identifier)
        n += (size_t)snprintf(query + n, sizeof query - n, "identifier=%s&",
                              rows[_i].identifier);
    char *sig = make_sig(rows[_i].sig, app,
                         rows[_i].identifier ? rows[_i].identifier : "x");
    if (sig)
        n += (size_t)snprintf(query + n, sizeof query - n, "usersig=%s&", sig);
    snprintf(query + n, sizeof query - n, "random=7&contenttype=json");
    free(sig);

    struct api_request req = {
        .method = rows[_i].method,
        .path = rows[_i].path,
        .query = query,
        .host = rows[_i].host,
        .body = rows[_i].body,
        .body_len = strlen(rows[_i].body),
        .now = 1, /* the api's fixed clock must win over this */
        .now_ms = 5000,
    };
    struct api_answer ans;
    api_answer_init(&ans);
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.status, 200);
    ck_assert_str_eq(ans.content_type, "application/json");
    ck_assert_str_eq(ans.headers, "");
    ck_assert_msg(tu_error_code(ans.body.data) == rows[_i].code,
                  "%s: expected %d, got %s", rows[_i].what, rows[_i].code,
                  ans.body.data);
    ck_assert_int_eq(ans.error_code, rows[_i].code);
    if (rows[_i].code) {
        /* the order of every real capture (S2, S3, S9) */
        char head[64];
        snprintf(head, sizeof head,
                 "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":%d,\"ErrorInfo\":\"",
                 rows[_i].code);
        ck_assert_msg(strncmp(ans.body.data, head, strlen(head)) == 0, "%s",
                      ans.body.data);
        ck_assert_str_eq(ans.body.data + ans.body.len - 2, "\"}");
        ck_assert(strstr(ans.body.data, "\"ErrorInfo\":\"\"") == NULL);
    }
    api_answer_release(&ans);
}
END_TEST

/* A body over the limit is refused as HTTP before anything else is read,
 * the path included. */
static const char *const over_limit_paths[] = {API_PATH, "/v4/x/y", "/"};

START_TEST(body_over_limit)
{
    char *q = tu_query(TU_APP, TU_ADMIN);
    struct api_request req = {.method = "POST",
                              .path = over_limit_paths[_i],
                              .query = q,
                              .body = "",
                              .body_too_large = 1};
    struct api_answer ans;
    api_answer_init(&ans);
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.error_code, TIM_ERR_BAD_HTTP);
    ck_assert_int_eq(ans.close, 1);
    api_answer_release(&ans);
    free(q);
}
END_TEST

START_TEST(success_bytes)
{
    char *q = tu_query(TU_APP, TU_ADMIN);
    struct api_answer ans;
    tu_call(&api, q, "{\"Limit\":1,\"Next\":0}", &ans);
    ck_assert_str_eq(
        ans.body.data,
        "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"
        "\"TotalCount\":2,\"GroupIdList\":[{\"GroupId\":\"@TGS#2J4SZEAEL\"}],"
        "\"Next\":4454685361}");
    api_answer_release(&ans);
    /* no Next in the request: no Next in the answer (quirk on) */
    tu_call(&api, q, "{\"Limit\":1}", &ans);
    ck_assert_ptr_null(strstr(ans.body.data, "Next"));
    ck_assert_ptr_nonnull(strstr(ans.body.data, "@TGS#2J4SZEAEL"));
    api_answer_release(&ans);
    /* a filter, a later page, and the last-page quirk */
    tu_call(&api, q,
            "{\"Next\":4454685361,\"GroupType\":\"Private\",\"Limit\":5}",
            &ans);
    ck_assert_ptr_nonnull(strstr(ans.body.data,
                                 "\"TotalCount\":1,\"GroupIdList\":[{"
                                 "\"GroupId\":\"@TGS#2C5SZEAEF\"}],\"Next\":"));
    ck_assert_ptr_null(strstr(ans.body.data, "\"Next\":0}"));
    api_answer_release(&ans);
    tu_call(&api, q, "{\"Next\":18446744073709551615}", &ans);
    ck_assert_str_eq(ans.body.data,
                     "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\","
                     "\"ErrorCode\":0,\"TotalCount\":2,\"GroupIdList\":[],"
                     "\"Next\":0}");
    api_answer_release(&ans);
    free(q);
}
END_TEST

START_TEST(quirks_off)
{
    const char *q = "sdkappid=1400000005&identifier=administrator";
    struct api_answer ans;
    tu_call(&api, q, "{}", &ans);
    ck_assert_str_eq(ans.body.data,
                     "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\","
                     "\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{"
                     "\"GroupId\":\"g1\"}],\"Next\":0}");
    api_answer_release(&ans);
}
END_TEST

START_TEST(rate_limit)
{
    struct api_request req = {.method = "POST",
                              .path = API_PATH,
                              .query = "sdkappid=1400000005",
                              .body = "{}",
                              .body_len = 2,
                              .now_ms = 7000};
    struct api_answer ans;
    api_answer_init(&ans);
    /* calls without an identifier count too */
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.error_code, TIM_ERR_NO_IDENTIFIER);
    req.query = "sdkappid=1400000005&identifier=administrator";
    req.now_ms = 7500;
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.error_code, 0);
    req.now_ms = 7999;
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.error_code, TIM_ERR_RATE_LIMIT);
    req.now_ms = 8000; /* a new second */
    tu_handle(&api, &req, &ans);
    ck_assert_int_eq(ans.error_code, 0);
    /* another app has no limit */
    char *q = tu_query(TU_APP, TU_ADMIN);
    req.query = q;
    for (int i = 0; i < 10; i++) {
        tu_handle(&api, &req, &ans);
        ck_assert_int_eq(ans.error_code, 0);
    }
    free(q);
    api_answer_release(&ans);
}
END_TEST

/* The fixture's rate_limit.error_code is the code over the limit, whichever
 * it is (60007 only when it names none), with that code's text. */
static const struct {
    const char *error_code; /* the member's text in the fixture; "" none */
    int code;
    const char *info; /* the ErrorInfo: the table's text, "error" outside it */
} rate_rows[] = {
    {"", TIM_ERR_RATE_LIMIT, "REST API call rate is over the limit"},
    {",\"error_code\":60007", TIM_ERR_RATE_LIMIT,
     "REST API call rate is over the limit"},
    {",\"error_code\":60011", TIM_ERR_APP_RATE,
     "SDKAppID request rate is over the limit"},
    {",\"error_code\":10002", TIM_ERR_INTERNAL,
     "internal server error, please try again"},
    {",\"error_code\":1", 1, "error"},
    {",\"error_code\":99999", 99999, "error"},
};

START_TEST(rate_limit_code)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"apps\":[{\"sdkappid\":1400000005,"
             "\"admins\":[\"administrator\"],\"check_usersig\":false,"
             "\"rate_limit\":{\"calls_per_second\":1%s},"
             "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]}]}",
             rate_rows[_i].error_code);
    struct fixture f;
    tu_fixture(&f, json);
    struct api a = {f.store, &f.faults, TU_NOW};
    struct api_request req = {
        .method = "POST",
        .path = API_PATH,
        .query = "sdkappid=1400000005&identifier=administrator",
        .body = "{}",
        .body_len = 2,
        .now_ms = 3000};
    struct api_answer ans;
    api_answer_init(&ans);
    tu_handle(&a, &req, &ans);
    ck_assert_int_eq(ans.error_code, 0);
    req.now_ms = 3999;
    tu_handle(&a, &req, &ans);
    ck_assert_int_eq(ans.error_code, rate_rows[_i].code);
    char want[160];
    snprintf(want, sizeof want,
             "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":%d,"
             "\"ErrorInfo\":\"%s\"}",
             rate_rows[_i].code, rate_rows[_i].info);
    ck_assert_str_eq(ans.body.data, want);
    req.now_ms = 4000;
    tu_handle(&a, &req, &ans);
    ck_assert_int_eq(ans.error_code, 0);
    api_answer_release(&ans);
    fixture_release(&f);
}
END_TEST

/* 10018 when the answer passes the limit by one byte, not at the limit. */
START_TEST(size_limit_exact)
{
    static const char tmpl[] =
        "{\"apps\":[{\"sdkappid\":1400000000,\"admins\":[\"administrator\"],"
        "\"key\":\"" TU_KEY "\",\"answer_limit\":%zu,"
        "\"generate\":{\"seed\":1,\"counts\":{\"Public\":3000}}}]}";
    char json[512];
    struct fixture f;
    char *q = tu_query(TU_APP, TU_ADMIN);
    struct api_answer ans;
    size_t size;

    snprintf(json, sizeof json, tmpl, (size_t)1048576);
    tu_fixture(&f, json);
    struct api a = {f.store, &f.faults, TU_NOW};
    tu_call(&a, q, "{\"Limit\":2000,\"Next\":0}", &ans);
    ck_assert_int_eq(ans.error_code, 0);
    size = ans.body.len;
    ck_assert_uint_gt(size, 2000 * 29);
    api_answer_release(&ans);
    fixture_release(&f);

    size_t limits[] = {size, size - 1};
    for (int i = 0; i < 2; i++) {
        snprintf(json, sizeof json, tmpl, limits[i]);
        tu_fixture(&f, json);
        a.store = f.store;
        tu_call(&a, q, "{\"Limit\":2000,\"Next\":0}", &ans);
        ck_assert_int_eq(ans.error_code, i == 0 ? 0 : TIM_ERR_TOO_LARGE);
        ck_assert_int_eq(tu_error_code(ans.body.data), ans.error_code);
        if (i == 0)
            ck_assert_uint_eq(ans.body.len, size);
        /* a smaller page still fits */
        api_answer_release(&ans);
        tu_call(&a, q, "{\"Limit\":1000,\"Next\":0}", &ans);
        ck_assert_int_eq(ans.error_code, 0);
        api_answer_release(&ans);
        fixture_release(&f);
    }
    free(q);
}
END_TEST

static const char fault_fixture[] =
    "{\"apps\":[{\"sdkappid\":1400000000,\"admins\":[\"administrator\"],"
    "\"key\":\"" TU_KEY "\",\"groups\":[{\"id\":\"g\",\"type\":\"Public\"}]}],"
    "\"faults\":[%s]}";

/* Runs n calls with body on a fixture holding the fault rule; writes each
 * answer's ErrorCode (or HTTP status when not 200, or -2 for no answer, or
 * -3 for a delay) into out. */
static void run_faults(const char *rule, const char *body, int n, int *out)
{
    char json[2048];
    struct fixture f;
    snprintf(json, sizeof json, fault_fixture, rule);
    tu_fixture(&f, json);
    struct api a = {f.store, &f.faults, TU_NOW};
    char *q = tu_query(TU_APP, TU_ADMIN);
    for (int i = 0; i < n; i++) {
        struct api_answer ans;
        tu_call(&a, q, body, &ans);
        out[i] = ans.no_answer       ? -2
                 : ans.delay_ms      ? -3
                 : ans.status != 200 ? ans.status
                                     : ans.error_code;
        if (ans.status != 200) {
            ck_assert_str_eq(ans.content_type, "text/html");
            ck_assert_ptr_nonnull(strstr(ans.body.data, "<html>"));
        }
        api_answer_release(&ans);
    }
    free(q);
    fixture_release(&f);
}

static const struct {
    const char *rule, *body;
    int want[8];
} fault_rows[] = {
    {"{\"match\":{\"every_nth\":3},\"action\":{\"error_code\":10002}}",
     "{}",
     {0, 0, 10002, 0, 0, 10002, 0, 0}},
    {"{\"match\":{\"every_nth\":2},\"action\":{\"error_code\":60007},"
     "\"times\":2}",
     "{}",
     {0, 60007, 0, 60007, 0, 0, 0, 0}},
    {"{\"action\":{\"http_status\":503},\"times\":1}",
     "{}",
     {503, 0, 0, 0, 0, 0, 0, 0}},
    {"{\"action\":{\"close\":true},\"times\":2}",
     "{}",
     {-2, -2, 0, 0, 0, 0, 0, 0}},
    {"{\"action\":{\"delay_ms\":5},\"times\":1}",
     "{}",
     {-3, 0, 0, 0, 0, 0, 0, 0}},
    {"{\"match\":{\"identifier\":\"someone\"},\"action\":{\"error_code\":1}}",
     "{}",
     {0, 0, 0, 0, 0, 0, 0, 0}},
    {"{\"match\":{\"sdkappid\":1400000000,\"identifier\":\"administrator\"},"
     "\"action\":{\"error_code\":10002}}",
     "{}",
     {10002, 10002, 10002, 10002, 10002, 10002, 10002, 10002}},
    {"{\"match\":{\"sdkappid\":1400000001},\"action\":{\"error_code\":1}}",
     "{}",
     {0, 0, 0, 0, 0, 0, 0, 0}},
    {"{\"match\":{\"group_type\":\"Public\"},\"action\":{\"error_code\":"
     "10002}}",
     "{}",
     {0, 0, 0, 0, 0, 0, 0, 0}},
    {"{\"match\":{\"group_type\":\"Public\"},\"action\":{\"error_code\":"
     "10002}}",
     "{\"GroupType\":\"Public\"}",
     {10002, 10002, 10002, 10002, 10002, 10002, 10002, 10002}},
    /* the first rule that fires decides */
    {"{\"match\":{\"every_nth\":2},\"action\":{\"error_code\":10002}},"
     "{\"action\":{\"http_status\":502}}",
     "{}",
     {502, 10002, 502, 10002, 502, 10002, 502, 10002}},
};

START_TEST(fault_rules)
{
    int got[8];
    run_faults(fault_rows[_i].rule, fault_rows[_i].body, 8, got);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(got[i] == fault_rows[_i].want[i],
                      "rule %d, call %d: got %d, want %d", _i, i, got[i],
                      fault_rows[_i].want[i]);
}
END_TEST

/* period_ms: a rule fires from when it is added until period_ms later,
 * on the clock the caller gives (the last millisecond in, the next out),
 * whatever times it has fired. */
START_TEST(fault_period)
{
    struct faults f;
    struct fault_rule r;
    struct fault_action act;
    ck_assert_int_eq(faults_init(&f), 0);
    faults_rule_default(&r);
    r.action.error_code = 10002;
    r.period_ms = 500;
    ck_assert_uint_gt(faults_add(&f, &r, 10000), 0);
    static const struct {
        uint64_t now_ms;
        int fires;
    } at[] = {{10000, 1}, {10001, 1}, {10499, 1},
              {10500, 0}, {10501, 0}, {20000, 0}};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        memset(&act, 0, sizeof act);
        int fired = faults_pick(&f, TU_APP, TU_ADMIN, GT_PUBLIC, 0, 0,
                                at[i].now_ms, &act);
        ck_assert_msg(fired == at[i].fires, "at %llu ms: fired %d",
                      (unsigned long long)at[i].now_ms, fired);
        ck_assert_int_eq(act.error_code, fired ? 10002 : 0);
    }
    /* a spent rule is not tried: its counters stand still */
    ck_assert_uint_eq(f.rules[0].seen, 3);
    ck_assert_uint_eq(f.rules[0].fired, 3);
    faults_release(&f);
}
END_TEST

/* times: a rule fires that many times, then is spent; its counters (the
 * admin API's seen and fired) count the requests it was tried on. */
START_TEST(fault_times_counters)
{
    struct faults f;
    struct fault_rule r;
    struct fault_action act;
    ck_assert_int_eq(faults_init(&f), 0);
    faults_rule_default(&r);
    r.action.error_code = 10002;
    r.every_nth = 2;
    r.times = 2;
    ck_assert_uint_gt(faults_add(&f, &r, 0), 0);
    static const int want[] = {0, 1, 0, 1, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(faults_pick(&f, TU_APP, TU_ADMIN, GT_PUBLIC, 0, 0, 5,
                                  &act) == want[i],
                      "call %zu", i);
    ck_assert_uint_eq(f.rules[0].seen, 4);
    ck_assert_uint_eq(f.rules[0].fired, 2);
    struct buf b;
    buf_init(&b, 4096);
    ck_assert_int_eq(faults_json(&f, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "\"times\":2,\"period_ms\":0,"
                                         "\"seen\":4,\"fired\":2}"));
    buf_release(&b);
    faults_release(&f);
}
END_TEST

START_TEST(fault_probability_is_seeded)
{
    const char *r1 = "{\"match\":{\"probability\":0.3,\"seed\":42},"
                     "\"action\":{\"error_code\":10002}}";
    const char *r2 = "{\"match\":{\"probability\":0.3,\"seed\":43},"
                     "\"action\":{\"error_code\":10002}}";
    int a[200], b[200], c[200], fired = 0;
    run_faults(r1, "{}", 200, a);
    run_faults(r1, "{}", 200, b);
    run_faults(r2, "{}", 200, c);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ck_assert_int_ne(memcmp(a, c, sizeof a), 0);
    for (int i = 0; i < 200; i++)
        fired += a[i] == 10002;
    ck_assert_int_gt(fired, 30); /* about 60 expected */
    ck_assert_int_lt(fired, 100);
}
END_TEST

/* ---- the settings that restore v1, and the envelope's settings ---- */

/* Service settings (v1's order and 404 page, 70020) and app settings; the
 * second fixture is the same apps under a default service. */
#define SETTINGS_SERVICE                                                       \
    "\"service\":{\"use_70020\":true,\"method_first\":true,"                   \
    "\"unknown_path_404\":true,\"error_texts\":{\"60012\":\"no app\"}},"
#define SETTINGS_APPS                                                          \
    "\"apps\":["                                                               \
    "{\"sdkappid\":1400000000,\"region\":\"singapore\","                       \
    "\"admins\":[\"administrator\"],\"check_usersig\":false,"                  \
    "\"strict\":{\"null_fields\":true,\"empty_grouptype\":true},"              \
    "\"envelope\":{\"error_info_before_code\":true},"                          \
    "\"error_texts\":{\"10007\":\"\",\"60012\":\"not this\"},"                 \
    "\"quirks\":{\"omit_next\":false,\"next_on_last_page\":false},"            \
    "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]},"                       \
    "{\"sdkappid\":1400000001,\"admins\":[\"administrator\"],"                 \
    "\"check_usersig\":false,\"quirks\":{\"get_like_post\":true},"             \
    "\"envelope\":{\"omit_error_info_on_success\":true,"                       \
    "\"alphabetical\":true},"                                                  \
    "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]},"                       \
    "{\"sdkappid\":1400000002,\"admins\":[\"administrator\"],"                 \
    "\"check_usersig\":false,\"envelope\":{\"omit_action_status\":true},"      \
    "\"quirks\":{\"next_on_last_page\":false},"                                \
    "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]}]"

static const char *const settings_fixtures[] = {
    "{" SETTINGS_SERVICE SETTINGS_APPS "}",
    "{" SETTINGS_APPS "}",
};

static const struct {
    int fixture; /* 0: with the service settings, 1: without */
    const char *what, *method, *path, *query, *host, *body;
    int status;
    const char *want; /* the whole answer */
} setting_rows[] = {
#define P  API_PATH
#define Q0 "sdkappid=1400000000&identifier=administrator"
#define Q1 "sdkappid=1400000001&identifier=administrator"
#define Q2 "sdkappid=1400000002&identifier=administrator"
    /* the service: method first, 404 pages, 70020 */
    {0, "method first", "GET", P, "sdkappid=9", NULL, "", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60002,"
     "\"ErrorInfo\":\"HTTP parse Error\"}"},
    {0, "404 page", "POST", "/", "", NULL, "{}", 404, "Error 404: Not Found"},
    {0, "404 under v4", "POST", "/v4/x", "", NULL, "{}", 404,
     "Error 404: Not Found"},
    {0, "unknown app: 70020", "POST", P, "sdkappid=9&identifier=a", NULL, "{}",
     200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":70020,\"ErrorInfo\":"
     "\"SDKAppID does not exist, check that the SDKAppID matches the data "
     "centre\"}"},
    {0, "wrong region: 70020", "POST", P, Q0, "console.tim.qq.com", "{}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorInfo\":\"SDKAppID does not exist, "
     "check that the SDKAppID matches the data centre\",\"ErrorCode\":70020}"},
    {0, "the service's text", "POST", P, "identifier=a", NULL, "{}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60012,"
     "\"ErrorInfo\":\"no app\"}"},
    /* app 0: v1's strict body, v1's error order, its own empty text */
    {0, "null Limit: 10004", "POST", P, Q0, NULL, "{\"Limit\":null}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorInfo\":\"invalid parameter: Limit "
     "must be an integer from 1 to 10000\",\"ErrorCode\":10004}"},
    {0, "empty GroupType: 10004", "POST", P, Q0, NULL, "{\"GroupType\":\"\"}",
     200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorInfo\":\"invalid parameter: "
     "GroupType must be one of Public, Private, ChatRoom, AVChatRoom, "
     "BChatRoom, Community\",\"ErrorCode\":10004}"},
    {0, "the app's own text, empty", "POST", P,
     "sdkappid=1400000000&identifier=nobody", NULL, "{}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorInfo\":\"\",\"ErrorCode\":10007}"},
    /* app 1: GET like POST, the 2015 capture's envelope */
    {1, "GET, no body", "GET", P, Q1, NULL, "", 200,
     "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"GroupIdList\":[{"
     "\"GroupId\":\"g1\"}],\"TotalCount\":1}"},
    {1, "GET, a body", "GET", P, Q1, NULL, "{\"Next\":0}", 200,
     "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"GroupIdList\":[{"
     "\"GroupId\":\"g1\"}],\"Next\":4454685361,\"TotalCount\":1}"},
    {1, "PUT is still refused", "PUT", P, Q1, NULL, "{}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60002,"
     "\"ErrorInfo\":\"HTTP parse Error\"}"},
    {0, "alphabetical error", "POST", P, Q1, NULL, "[]", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60003,\"ErrorInfo\":"
     "\"request body is not a valid JSON object\"}"},
    {1, "GET under the default order", "GET", P, "sdkappid=9", NULL, "", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60006,"
     "\"ErrorInfo\":\"SDKAppID is not valid\"}"},
    {1, "the default path page", "POST", "/", "", NULL, "{}", 200,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60002,"
     "\"ErrorInfo\":\"HTTP parse Error\"}"},
    /* app 2: no ActionStatus */
    {0, "no ActionStatus", "POST", P, Q2, NULL, "{\"Next\":0}", 200,
     "{\"ErrorInfo\":\"\",\"ErrorCode\":0,\"TotalCount\":1,"
     "\"GroupIdList\":[{\"GroupId\":\"g1\"}],\"Next\":0}"},
    {0, "no ActionStatus, error", "POST", P, Q2, NULL, "[]", 200,
     "{\"ErrorCode\":60003,\"ErrorInfo\":\"request body is not a valid JSON "
     "object\"}"},
#undef P
#undef Q0
#undef Q1
#undef Q2
};

START_TEST(settings)
{
    struct fixture f;
    tu_fixture(&f, settings_fixtures[setting_rows[_i].fixture]);
    struct api a = {f.store, &f.faults, TU_NOW};
    struct api_request req = {
        .method = setting_rows[_i].method,
        .path = setting_rows[_i].path,
        .query = setting_rows[_i].query,
        .host = setting_rows[_i].host,
        .body = setting_rows[_i].body,
        .body_len = strlen(setting_rows[_i].body),
        .now_ms = 1000,
    };
    struct api_answer ans;
    api_answer_init(&ans);
    tu_handle(&a, &req, &ans);
    ck_assert_msg(ans.status == setting_rows[_i].status, "%s: status %d",
                  setting_rows[_i].what, ans.status);
    ck_assert_msg(strcmp(ans.body.data, setting_rows[_i].want) == 0,
                  "%s: got %s", setting_rows[_i].what, ans.body.data);
    api_answer_release(&ans);
    fixture_release(&f);
}
END_TEST

/* The RequestId's form, a fresh one each answer, and the CORS headers. */
START_TEST(request_id_and_cors)
{
    static const char json[] =
        "{\"apps\":[{\"sdkappid\":1400000000,\"admins\":[\"administrator\"],"
        "\"check_usersig\":false,\"envelope\":{\"request_id\":true,"
        "\"cors\":true},\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]}]}";
    struct fixture f;
    struct api_answer ans;
    char first[64] = "";
    tu_fixture(&f, json);
    struct api a = {f.store, &f.faults, TU_NOW};
    for (int i = 0; i < 2; i++) {
        tu_call(&a, "sdkappid=1400000000&identifier=administrator",
                i ? "[]" : "{}", &ans);
        const char *id = strstr(ans.body.data, ",\"RequestId\":\"Id-");
        ck_assert_msg(id != NULL, "%s", ans.body.data);
        id += strlen(",\"RequestId\":\"");
        size_t hex = strspn(id + 3, "0123456789abcdef");
        ck_assert_uint_eq(hex, 32);
        char want[32];
        snprintf(want, sizeof want, "-O-Seq-%d\"}", i + 1);
        ck_assert_str_eq(id + 3 + 32, want);
        ck_assert_str_eq(ans.headers, ANSWER_CORS_HEADERS);
        ck_assert_ptr_nonnull(
            strstr(ans.headers, "Access-Control-Allow-Origin: *\r\n"));
        if (i == 0)
            snprintf(first, sizeof first, "%.35s", id);
        else
            ck_assert_str_ne(first, id);
        api_answer_release(&ans);
    }
    fixture_release(&f);
}
END_TEST

/* The one JSON string writer, in both modes: escapes, runs of plain bytes
 * around them, UTF-8 kept, and (text mode) bytes that are not UTF-8 as
 * U+FFFD; raw mode copies them. */
static const struct {
    const char *in;
    size_t n;
    const char *raw, *text;
} escape_rows[] = {
#define R(s) s, sizeof s - 1
    {R(""), "\"\"", "\"\""},
    {R("plain"), "\"plain\"", "\"plain\""},
    {R("a\"b\\c"), "\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\""},
    {R("\"\"\\"), "\"\\\"\\\"\\\\\"", "\"\\\"\\\"\\\\\""},
    {R("\x00x\x1f\n\t\x7f"), "\"\\u0000x\\u001f\\u000a\\u0009\x7f\"",
     "\"\\u0000x\\u001f\\u000a\\u0009\x7f\""},
    {R("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e!"),
     "\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e!\"",
     "\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e!\""},
    {R("a\xff"
       "b"),
     "\"a\xff"
     "b\"",
     "\"a\\ufffd"
     "b\""},
    {R("\xc0\x80"), "\"\xc0\x80\"", "\"\\ufffd\\ufffd\""},
    {R("\xe0\x9f\xbf"), "\"\xe0\x9f\xbf\"", "\"\\ufffd\\ufffd\\ufffd\""},
    {R("\xf0\x8f\xbf\xbf"), "\"\xf0\x8f\xbf\xbf\"",
     "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
    {R("\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
     "\"\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
     "\"\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""},
    {R("\xed\xa0\x80"), "\"\xed\xa0\x80\"", "\"\\ufffd\\ufffd\\ufffd\""},
    {R("\xf4\x90\x80\x80"), "\"\xf4\x90\x80\x80\"",
     "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
    {R("x\xe2\x82"), "\"x\xe2\x82\"", "\"x\\ufffd\\ufffd\""},
    {R("\xe2\x82\xac\"\xe2\x82"), "\"\xe2\x82\xac\\\"\xe2\x82\"",
     "\"\xe2\x82\xac\\\"\\ufffd\\ufffd\""},
#undef R
};

START_TEST(json_string_escapes)
{
    struct buf b;
    buf_init(&b, 1024);
    ck_assert_int_eq(
        answer_json_string(&b, escape_rows[_i].in, escape_rows[_i].n), 0);
    ck_assert_msg(strcmp(b.data, escape_rows[_i].raw) == 0, "raw %d: %s", _i,
                  b.data);
    buf_reset(&b);
    ck_assert_int_eq(
        answer_json_text(&b, escape_rows[_i].in, escape_rows[_i].n), 0);
    ck_assert_msg(strcmp(b.data, escape_rows[_i].text) == 0, "text %d: %s", _i,
                  b.data);
    buf_release(&b);
    /* a cap too small fails */
    buf_init(&b, strlen(escape_rows[_i].raw) - 1);
    ck_assert_int_eq(
        answer_json_string(&b, escape_rows[_i].in, escape_rows[_i].n), -1);
    buf_release(&b);
}
END_TEST

/* The table's texts where the real one is known (SPEC section 1), and the
 * documented codes a fault rule may use. */
static const struct {
    int code;
    const char *text;
} text_rows[] = {
    {60002, "HTTP parse Error"},
    {60008,
     "service timeout or request format error,please check and try again"},
    {70003, "The UserSig in use is illegal. Please regenerate UserSig through "
            "official API. (FYI: https://cloud.tencent.com/document/product/"
            "269/32688 )"},
    {70009, "UserSig verification Failed. The UserSig in use maybe generated "
            "by Secret Key from other SDKAppID. Please regenerate UserSig by "
            "Secret Key from its own SDKAppID."},
    {70032, ""},
};

START_TEST(real_texts)
{
    ck_assert_str_eq(tim_error_text(text_rows[_i].code), text_rows[_i].text);
    ck_assert(tim_error_known(text_rows[_i].code));
}
END_TEST

START_TEST(documented_codes_known)
{
    static const int codes[] = {10002, 10004, 10007, 10018, 60008,
                                70020, 70032, 70050, 70052};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        ck_assert_msg(tim_error_known(codes[i]), "%d", codes[i]);
    for (int c = 60010; c <= 60021; c++)
        ck_assert_msg(tim_error_known(c), "%d", c);
    ck_assert(!tim_error_known(60022));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, rules_and_codes, 0, sizeof rows / sizeof rows[0]);
    tcase_add_loop_test(tc, body_over_limit, 0,
                        sizeof over_limit_paths / sizeof *over_limit_paths);
    tcase_add_test(tc, success_bytes);
    tcase_add_test(tc, quirks_off);
    tcase_add_test(tc, rate_limit);
    tcase_add_loop_test(tc, rate_limit_code, 0,
                        sizeof rate_rows / sizeof rate_rows[0]);
    tcase_add_test(tc, size_limit_exact);
    tcase_add_loop_test(tc, fault_rules, 0,
                        sizeof fault_rows / sizeof fault_rows[0]);
    tcase_add_test(tc, fault_period);
    tcase_add_test(tc, fault_times_counters);
    tcase_add_test(tc, fault_probability_is_seeded);
    tcase_add_loop_test(tc, settings, 0,
                        sizeof setting_rows / sizeof setting_rows[0]);
    tcase_add_test(tc, request_id_and_cors);
    tcase_add_loop_test(tc, real_texts, 0,
                        sizeof text_rows / sizeof text_rows[0]);
    tcase_add_test(tc, documented_codes_known);
    tcase_add_loop_test(tc, json_string_escapes, 0,
                        sizeof escape_rows / sizeof escape_rows[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
