/* Integration tests: the real timock on 127.0.0.1, a free port, over HTTP
 * with libcurl: full pulls, every error code of SPEC section 4, each fault
 * action, 16 clients at once, and the command line. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include "errors.h"
#include "jsonint.h"
#include "testutil.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pulls a whole app over HTTP, page after page, checking each page; returns
 * the number of IDs, checks there is no duplicate and that it equals
 * TotalCount. */
static size_t pull_all(const struct tu_timock *t, const char *query,
                       const char *type, unsigned limit)
{
    size_t n = 0, cap = 1024;
    char **ids = malloc(cap * sizeof *ids);
    uint64_t next = 0, total = UINT64_MAX;
    int pages = 0;
    do {
        char body[128];
        long status;
        struct buf ans;
        snprintf(body, sizeof body, "{\"Limit\":%u,\"Next\":%llu%s%s%s}", limit,
                 (unsigned long long)next, type ? ",\"GroupType\":\"" : "",
                 type ? type : "", type ? "\"" : "");
        ck_assert_int_eq(tu_post(t, API_PATH, query, body, &status, &ans), 0);
        ck_assert_int_eq(status, 200);
        ck_assert_msg(tu_error_code(ans.data) == 0, "%s", ans.data);
        const char *raw;
        size_t rawlen;
        uint64_t count, prev = next;
        ck_assert(
            jsonint_member(ans.data, ans.len, "TotalCount", &raw, &rawlen));
        ck_assert_int_eq(jsonint_parse_u64(raw, rawlen, &count), 0);
        ck_assert(total == UINT64_MAX || total == count);
        total = count;
        ck_assert(jsonint_member(ans.data, ans.len, "Next", &raw, &rawlen));
        ck_assert_int_eq(jsonint_parse_u64(raw, rawlen, &next), 0);
        ck_assert(next == 0 || next > prev);
        size_t on_page = 0;
        for (const char *p = strstr(ans.data, "{\"GroupId\":\""); p;
             p = strstr(p, "{\"GroupId\":\"")) {
            p += 12;
            size_t len = strcspn(p, "\"");
            if (n == cap)
                ids = realloc(ids, (cap *= 2) * sizeof *ids);
            ids[n++] = strndup(p, len);
            on_page++;
        }
        ck_assert_uint_le(on_page, limit);
        buf_release(&ans);
        ck_assert_msg((uint64_t)++pages <= total / limit + 2,
                      "%d pages of %u for %llu groups, and no end", pages,
                      limit, (unsigned long long)total);
    } while (next);
    ck_assert_uint_eq(n, total);
    qsort(ids, n, sizeof *ids, cmp_str);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(ids[i - 1], ids[i]) != 0, "%s came twice", ids[i]);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return n;
}

static const struct {
    const char *type;
    size_t count;
} types[] = {{NULL, 25000},      {"Public", 8000},     {"Private", 6000},
             {"ChatRoom", 5000}, {"AVChatRoom", 3000}, {"BChatRoom", 1000},
             {"Community", 2000}};

START_TEST(full_pull_of_default)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    ck_assert_uint_eq(pull_all(&t, q, types[_i].type, 1000), types[_i].count);
    ck_assert_uint_eq(pull_all(&t, q, types[_i].type, 10000), types[_i].count);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

static const char codes_fixture[] =
    "{\"apps\":["
    "{\"sdkappid\":1400000000,\"region\":\"singapore\","
    "\"admins\":[\"administrator\"],\"identifiers\":[\"user1\"],"
    "\"key\":\"" TU_KEY "\",\"answer_limit\":2000,"
    "\"generate\":{\"seed\":1,\"counts\":{\"Public\":500}}},"
    "{\"sdkappid\":1400000001,\"admins\":[\"administrator\"],"
    "\"check_usersig\":false,\"rate_limit\":{\"calls_per_second\":1}},"
    "{\"sdkappid\":1400000002,\"admins\":[\"administrator\"],"
    "\"check_usersig\":false,"
    "\"rate_limit\":{\"calls_per_second\":1,\"error_code\":60011}}],"
    "\"faults\":[{\"match\":{\"group_type\":\"BChatRoom\"},"
    "\"action\":{\"error_code\":10002}}]}";

enum sig { GOOD, NONE, EMPTY, JUNK, OTHER_APP, OTHER_ID, OTHER_KEY, OLD };

static const struct {
    const char *what, *method, *path;
    const char *sdkappid, *identifier;
    enum sig sig;
    const char *host, *body;
    int code;
} code_rows[] = {
    {"10002", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL,
     "{\"GroupType\":\"BChatRoom\"}", 10002},
    {"10004", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL,
     "{\"Limit\":10001}", 10004},
    {"10007", NULL, NULL, "1400000000", "user1", GOOD, NULL, "{}", 10007},
    {"10018", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL, "{\"Limit\":100}",
     10018},
    {"under 10018", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL,
     "{\"Limit\":10}", 0},
    {"60002", "GET", NULL, "1400000000", TU_ADMIN, GOOD, NULL, NULL, 60002},
    {"60003", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL, "{", 60003},
    {"60003 empty", NULL, NULL, "1400000000", TU_ADMIN, GOOD, NULL, "", 60003},
    {"60004", NULL, NULL, "1400000000", NULL, GOOD, NULL, "{}", 60004},
    {"60006", NULL, NULL, "1400000099", TU_ADMIN, GOOD, NULL, "{}", 60006},
    {"60009", NULL, "/v4/group_open_http_svc/get_group_info", "1400000000",
     TU_ADMIN, GOOD, NULL, "{}", 60009},
    {"60012", NULL, NULL, NULL, TU_ADMIN, GOOD, NULL, "{}", 60012},
    {"70001", NULL, NULL, "1400000000", TU_ADMIN, OLD, NULL, "{}", 70001},
    {"70002", NULL, NULL, "1400000000", TU_ADMIN, NONE, NULL, "{}", 70002},
    {"70002 empty", NULL, NULL, "1400000000", TU_ADMIN, EMPTY, NULL, "{}",
     70002},
    {"70003", NULL, NULL, "1400000000", TU_ADMIN, JUNK, NULL, "{}", 70003},
    {"70009", NULL, NULL, "1400000000", TU_ADMIN, OTHER_KEY, NULL, "{}", 70009},
    {"70013", NULL, NULL, "1400000000", TU_ADMIN, OTHER_ID, NULL, "{}", 70013},
    {"70014", NULL, NULL, "1400000000", TU_ADMIN, OTHER_APP, NULL, "{}", 70014},
    {"70016", NULL, NULL, "1400000000", TU_ADMIN, GOOD,
     "adminapijpn.im.qcloud.com", "{}", 70016},
    {"own region", NULL, NULL, "1400000000", TU_ADMIN, GOOD,
     "adminapisgp.im.qcloud.com", "{\"Limit\":1}", 0},
};

START_TEST(every_error_code)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", tu_write_fixture(codes_fixture), NULL};
    tu_timock_start(&t, args);
    int64_t now = (int64_t)time(NULL);
    char query[4096] = "", *sig = NULL;
    size_t n = 0;
    uint64_t app = code_rows[_i].sdkappid
                       ? strtoull(code_rows[_i].sdkappid, NULL, 10)
                       : TU_APP;
    const char *id =
        code_rows[_i].identifier ? code_rows[_i].identifier : TU_ADMIN;
    switch (code_rows[_i].sig) {
    case GOOD:
        sig = tu_sig(TU_KEY, app, id, now);
        break;
    case NONE:
        break;
    case EMPTY:
        sig = strdup("");
        break;
    case JUNK:
        sig = strdup("eJwrSS0u0cvMK0hNycxLBwAc6gR-");
        break;
    case OTHER_APP:
        sig = tu_sig(TU_KEY, app + 1, id, now);
        break;
    case OTHER_ID:
        sig = tu_sig(TU_KEY, app, "other", now);
        break;
    case OTHER_KEY:
        sig = tu_sig("not the key", app, id, now);
        break;
    case OLD:
        sig = tu_sig(TU_KEY, app, id, now - 2 * 86400);
        break;
    }
    if (code_rows[_i].sdkappid)
        n += (size_t)snprintf(query + n, sizeof query - n, "sdkappid=%s&",
                              code_rows[_i].sdkappid);
    if (code_rows[_i].identifier)
        n += (size_t)snprintf(query + n, sizeof query - n, "identifier=%s&",
                              code_rows[_i].identifier);
    if (sig)
        n += (size_t)snprintf(query + n, sizeof query - n, "usersig=%s&", sig);
    snprintf(query + n, sizeof query - n, "random=1&contenttype=json");
    free(sig);

    struct tu_http r = {.method = code_rows[_i].method,
                        .path = code_rows[_i].path,
                        .query = query,
                        .body = code_rows[_i].body,
                        .host = code_rows[_i].host};
    struct buf ans;
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(tu_error_code(ans.data) == code_rows[_i].code, "%s: got %s",
                  code_rows[_i].what, ans.data);
    buf_release(&ans);
    tu_timock_stop(&t);
    tu_remove_fixture(args[1]);
}
END_TEST

/* ---- v2 over HTTP: what real clients send, answered as the real service
 * answers it (SPEC v2 rules, evidence S1-S16) ---- */

static const char v2_fixture[] =
    "{\"apps\":["
    "{\"sdkappid\":1400000000,\"region\":\"singapore\","
    "\"admins\":[\"administrator\"],\"identifiers\":[\"user1\"],"
    "\"key\":\"" TU_KEY "\","
    "\"generate\":{\"seed\":1,\"counts\":{\"Public\":60,\"Private\":40}}},"
    "{\"sdkappid\":1400000001,\"admins\":[\"administrator\"],"
    "\"key\":\"" TU_KEY "\",\"quirks\":{\"get_like_post\":true},"
    "\"envelope\":{\"omit_error_info_on_success\":true,"
    "\"alphabetical\":true,\"request_id\":true,\"cors\":true},"
    "\"generate\":{\"seed\":2,\"counts\":{\"Public\":3}}}]}";

enum v2_query {
    V2_VALID,     /* app 0, its admin, a valid UserSig, random, json */
    V2_NO_RANDOM, /* the same without random (S10) */
    V2_BOGUS_APP, /* sdkappid 88888888, usersig xxx (S3) */
    V2_JUNK_SIG,  /* app 0, usersig xxx */
    V2_NON_ADMIN, /* app 0, user1 */
    V2_ENVELOPE   /* app 1, its admin */
};

static const struct {
    const char *what, *method;
    enum v2_query query;
    const char *host, *body;
    int code;
    const char *has, *lacks; /* in the answer's body; NULL: not checked */
    const char *header;      /* in the answer's headers */
} v2_rows[] = {
    /* the method after the credentials (S3) */
    {"GET, bogus app and UserSig", "GET", V2_BOGUS_APP, NULL, "", 60006,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60006,", NULL, NULL},
    {"POST, bogus app and UserSig", "POST", V2_BOGUS_APP, NULL, "{}", 60006,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60006,", NULL, NULL},
    {"GET, junk UserSig: the real text", "GET", V2_JUNK_SIG, NULL, "", 70003,
     "\"ErrorInfo\":\"The UserSig in use is illegal. Please regenerate "
     "UserSig through official API. (FYI: "
     "https://cloud.tencent.com/document/product/269/32688 )\"}",
     NULL, NULL},
    {"GET, not an admin", "GET", V2_NON_ADMIN, NULL, "", 10007, NULL, NULL,
     NULL},
    /* WUWUTech's Python SDK: every call a GET with no body */
    {"GET from the admin", "GET", V2_VALID, NULL, "", 60002,
     "\"ErrorInfo\":\"HTTP parse Error\"}", NULL, NULL},
    {"GET, served like POST by the setting", "GET", V2_ENVELOPE, NULL, "", 0,
     "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"GroupIdList\":[", "ErrorInfo",
     "Access-Control-Allow-Origin: *\r\n"},
    /* the vendor's 2016 PHP SDK (S10): nulls, Offset, no random */
    {"the vendor's 2016 default call", "POST", V2_NO_RANDOM, NULL,
     "{\"Limit\":50,\"Offset\":null,\"GroupType\":null}", 0,
     "\"TotalCount\":100,", "\"Next\"", NULL},
    /* JimChenWYU/TimSDK (S11): GroupType "" */
    {"GroupType \"\"", "POST", V2_VALID, NULL,
     "{\"Next\":0,\"Limit\":10000,\"GroupType\":\"\"}", 0,
     "\"TotalCount\":100,", NULL, NULL},
    /* dobyte/tencent-im: Type for GroupType, no Next (S7) */
    {"dobyte's call", "POST", V2_VALID, NULL,
     "{\"Limit\":20,\"Type\":\"Public\"}", 0, "\"TotalCount\":100,", "\"Next\"",
     NULL},
    /* zishang520/tim: the documented call */
    {"zishang520's call", "POST", V2_VALID, NULL,
     "{\"Limit\":20,\"Next\":0,\"GroupType\":\"Public\"}", 0,
     "\"TotalCount\":60,", NULL, NULL},
    /* one reader of the body */
    {"a byte-order mark", "POST", V2_VALID, NULL,
     "\xef\xbb\xbf{\"Limit\":1,\"Next\":0}", 0, "\"TotalCount\":100,", NULL,
     NULL},
    {"a form feed between members", "POST", V2_VALID, NULL,
     "{\"Limit\":2,\x0c\"Next\":4454690250}", 60003, NULL, NULL, NULL},
    {"a 0x1a between members", "POST", V2_VALID, NULL,
     "{\"Limit\":2,\x1a\"Next\":\"\"}", 60003, NULL, NULL, NULL},
    {"33 levels", "POST", V2_VALID, NULL,
     "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     60003, NULL, NULL, NULL},
    /* Host: a trailing dot is the same host */
    {"own region with a dot", "POST", V2_VALID, "adminapisgp.im.qcloud.com.",
     "{\"Limit\":1}", 0, NULL, NULL, NULL},
    {"China with a dot", "POST", V2_VALID, "Console.Tim.QQ.com.:443",
     "{\"Limit\":1}", 70016, NULL, NULL, NULL},
    /* the envelope settings: RequestId (S14), CORS (S1) */
    {"RequestId and CORS", "POST", V2_ENVELOPE, NULL, "{\"Next\":0}", 0,
     ",\"RequestId\":\"Id-", "ErrorInfo", "Access-Control-Allow-Origin: *\r\n"},
    {"an error, alphabetical", "POST", V2_ENVELOPE, NULL, "[]", 60003,
     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60003,\"ErrorInfo\":", NULL,
     "Access-Control-Allow-Methods: POST\r\n"},
};

static char *v2_query(enum v2_query kind)
{
    static const struct {
        uint64_t app;
        const char *identifier, *sig, *tail;
    } q[] = {
        [V2_VALID] = {TU_APP, TU_ADMIN, NULL, "&random=5&contenttype=json"},
        [V2_NO_RANDOM] = {TU_APP, TU_ADMIN, NULL, "&contenttype=json"},
        [V2_BOGUS_APP] = {88888888, "admin", "xxx",
                          "&random=99999999&contenttype=json"},
        [V2_JUNK_SIG] = {TU_APP, TU_ADMIN, "xxx", "&random=5&contenttype=json"},
        [V2_NON_ADMIN] = {TU_APP, "user1", NULL, "&random=5&contenttype=json"},
        [V2_ENVELOPE] = {TU_APP + 1, TU_ADMIN, NULL,
                         "&random=5&contenttype=json"},
    };
    char *sig = q[kind].sig ? strdup(q[kind].sig)
                            : tu_sig(TU_KEY, q[kind].app, q[kind].identifier,
                                     (int64_t)time(NULL));
    char *out = NULL;
    ck_assert_int_ge(asprintf(&out, "usersig=%s&identifier=%s&sdkappid=%llu%s",
                              sig, q[kind].identifier,
                              (unsigned long long)q[kind].app, q[kind].tail),
                     0);
    free(sig);
    return out;
}

START_TEST(v2_over_http)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", tu_write_fixture(v2_fixture), NULL};
    tu_timock_start(&t, args);
    char *q = v2_query(v2_rows[_i].query);
    struct buf ans, headers;
    struct tu_http r = {.method = v2_rows[_i].method,
                        .query = q,
                        .body = v2_rows[_i].body,
                        .host = v2_rows[_i].host,
                        .answer_headers = &headers};
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    const char *what = v2_rows[_i].what;
    ck_assert_msg(tu_error_code(ans.data) == v2_rows[_i].code, "%s: got %s",
                  what, ans.data);
    if (v2_rows[_i].has)
        ck_assert_msg(strstr(ans.data, v2_rows[_i].has), "%s: no %s in %s",
                      what, v2_rows[_i].has, ans.data);
    if (v2_rows[_i].lacks)
        ck_assert_msg(!strstr(ans.data, v2_rows[_i].lacks), "%s: %s in %s",
                      what, v2_rows[_i].lacks, ans.data);
    if (v2_rows[_i].header)
        ck_assert_msg(strstr(headers.data, v2_rows[_i].header),
                      "%s: no %s in %s", what, v2_rows[_i].header,
                      headers.data);
    else
        ck_assert_msg(!strstr(headers.data, "Access-Control"), "%s: %s", what,
                      headers.data);
    buf_release(&ans);
    buf_release(&headers);
    free(q);
    tu_timock_stop(&t);
    tu_remove_fixture(args[1]);
}
END_TEST

/* The fixture's rate_limit.error_code over HTTP: 60007 when it names none,
 * else its own. */
static const struct {
    const char *query;
    int code;
} rate_rows[] = {
    {"sdkappid=1400000001&identifier=administrator", TIM_ERR_RATE_LIMIT},
    {"sdkappid=1400000002&identifier=administrator", TIM_ERR_APP_RATE},
};

START_TEST(rate_limit_code)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", tu_write_fixture(codes_fixture), NULL};
    tu_timock_start(&t, args);
    int limited = 0, ok = 0, calls = 0;
    /* one call a second: of any three calls within a second two share one,
     * so refusals come long before 20 calls; every answer is 0 or the
     * app's code, never another */
    while (limited < 2) {
        ck_assert_msg(calls++ < 20, "20 calls, %d refused with %d", limited,
                      rate_rows[_i].code);
        long status;
        struct buf ans;
        ck_assert_int_eq(
            tu_post(&t, API_PATH, rate_rows[_i].query, "{}", &status, &ans), 0);
        long long code = tu_error_code(ans.data);
        ck_assert_msg(code == 0 || code == rate_rows[_i].code, "%s", ans.data);
        if (code) {
            char want[160];
            snprintf(want, sizeof want,
                     "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":%d,"
                     "\"ErrorInfo\":\"%s\"}",
                     rate_rows[_i].code, tim_error_text(rate_rows[_i].code));
            ck_assert_str_eq(ans.data, want);
        }
        limited += code != 0;
        ok += code == 0;
        buf_release(&ans);
    }
    ck_assert_int_ge(ok, 1);
    tu_timock_stop(&t);
    tu_remove_fixture(args[1]);
}
END_TEST

START_TEST(body_over_one_mib)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    size_t n = API_BODY_MAX + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    struct tu_http r = {.query = q, .body = big, .body_len = n};
    struct buf ans;
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(tu_error_code(ans.data), TIM_ERR_BAD_HTTP);
    buf_release(&ans);
    /* exactly 1 MiB is still read */
    r.body_len = n - 1;
    big[n - 2] = '}';
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    free(big);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

static const char faults_fixture[] =
    "{\"apps\":[{\"sdkappid\":1400000000,\"admins\":[\"administrator\"],"
    "\"key\":\"" TU_KEY "\","
    "\"generate\":{\"seed\":1,\"counts\":{\"Public\":10,\"Private\":10}}}],"
    "\"faults\":["
    "{\"match\":{\"group_type\":\"Public\"},\"action\":{\"error_code\":"
    "10002}},"
    "{\"match\":{\"group_type\":\"Private\"},\"action\":{\"http_status\":"
    "503}},"
    "{\"match\":{\"group_type\":\"ChatRoom\"},\"action\":{\"delay_ms\":300}},"
    "{\"match\":{\"group_type\":\"AVChatRoom\"},\"action\":{\"close\":true}},"
    "{\"match\":{\"group_type\":\"Community\",\"every_nth\":2},"
    "\"action\":{\"error_code\":60007},\"times\":1}]}";

START_TEST(each_fault_action)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", tu_write_fixture(faults_fixture), NULL};
    tu_timock_start(&t, args);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    struct tu_http r = {.query = q};
    struct buf ans;

    r.body = "{\"GroupType\":\"Public\"}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(tu_error_code(ans.data), 10002);
    buf_release(&ans);

    r.body = "{\"GroupType\":\"Private\"}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(r.status, 503);
    ck_assert_ptr_nonnull(strstr(ans.data, "<html>"));
    buf_release(&ans);

    r.body = "{\"GroupType\":\"ChatRoom\"}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    ck_assert_double_ge(r.seconds, 0.3);
    buf_release(&ans);

    r.body = "{\"GroupType\":\"AVChatRoom\"}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), CURLE_GOT_NOTHING);
    buf_release(&ans);

    r.body = "{\"GroupType\":\"Community\"}";
    long long want[] = {0, 60007, 0, 0};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
        ck_assert_int_eq(tu_error_code(ans.data), want[i]);
        buf_release(&ans);
    }
    /* and it still serves */
    r.body = "{}";
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    free(q);
    tu_timock_stop(&t);
    tu_remove_fixture(args[1]);
}
END_TEST

struct puller {
    struct tu_timock *t;
    const char *query;
    size_t got;
};

static void *pull_thread(void *p)
{
    struct puller *pl = p;
    pl->got = pull_all(pl->t, pl->query, NULL, 1000);
    return NULL;
}

START_TEST(sixteen_clients_at_once)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    pthread_t th[16];
    struct puller pl[16];
    for (int i = 0; i < 16; i++) {
        pl[i] = (struct puller){&t, q, 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, pull_thread, &pl[i]), 0);
    }
    for (int i = 0; i < 16; i++) {
        pthread_join(th[i], NULL);
        ck_assert_uint_eq(pl[i].got, 25000);
    }
    free(q);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(not_http_then_serves)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    /* the whole answer, then the close: the envelope of 60002; a read
     * that waits 60 s fails the test */
    const char junk[] = "\x16\x03\x01 this is not HTTP\r\n\r\n";
    int fd = tu_raw_connect(&t, junk, sizeof junk - 1);
    struct buf reply;
    buf_init(&reply, 1u << 16);
    tu_raw_read(fd, &reply, 0);
    close(fd);
    ck_assert_msg(reply.len > 0 &&
                      strncmp(reply.data, "HTTP/1.1 200 ", 13) == 0,
                  "%s", reply.data ? reply.data : "(closed, no answer)");
    const char *body = strstr(reply.data, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(body + 4, "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60002,"
                               "\"ErrorInfo\":\"HTTP parse Error\"}");
    buf_release(&reply);
    char *q = tu_query_now(TU_APP, TU_ADMIN);
    long status;
    struct buf ans;
    ck_assert_int_eq(tu_post(&t, API_PATH, q, "{\"Limit\":1}", &status, &ans),
                     0);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    /* outside /v4/: the envelope too */
    ck_assert_int_eq(tu_post(&t, "/", q, "{}", &status, &ans), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(ans.data, "\"ActionStatus\":\"FAIL\""));
    buf_release(&ans);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* A UserSig is decoded before its signature is checked, so anyone can send
 * one: 160 characters that inflate to 900 nested arrays once overflowed a
 * server thread's stack inside cJSON.  Now 70003, and timock goes on. */
START_TEST(deep_usersig_then_serves)
{
    char doc[4096], sig[4096];
    int n = snprintf(doc, sizeof doc,
                     "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"%s\","
                     "\"TLS.sdkappid\":%llu,\"TLS.expire\":86400,"
                     "\"TLS.time\":%lld,\"TLS.sig\":\"x\",\"x\":",
                     TU_ADMIN, TU_APP, (long long)time(NULL));
    memset(doc + n, '[', 900);
    memset(doc + n + 900, ']', 900);
    strcpy(doc + n + 1800, "}");
    unsigned char z[4096];
    uLongf zlen = sizeof z;
    ck_assert_int_eq(compress(z, &zlen, (const Bytef *)doc, strlen(doc)), Z_OK);
    EVP_EncodeBlock((unsigned char *)sig, z, (int)zlen);
    for (char *c = sig; *c; c++)
        *c = *c == '+' ? '*' : *c == '/' ? '-' : *c == '=' ? '_' : *c;
    char q[8192];
    snprintf(q, sizeof q,
             "sdkappid=%llu&identifier=%s&usersig=%s&random=1&"
             "contenttype=json",
             TU_APP, TU_ADMIN, sig);

    struct tu_timock t;
    tu_timock_start(&t, NULL);
    long status;
    struct buf ans;
    ck_assert_int_eq(tu_post(&t, API_PATH, q, "{}", &status, &ans), 0);
    ck_assert_int_eq(tu_error_code(ans.data), TIM_ERR_SIG_DECODE);
    buf_release(&ans);
    char *ok = tu_query_now(TU_APP, TU_ADMIN);
    ck_assert_int_eq(tu_post(&t, API_PATH, ok, "{\"Limit\":1}", &status, &ans),
                     0);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    free(ok);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(clock_option)
{
    /* the SPEC vector's UserSig, expired by today's clock */
    char *sig = tu_sig(TU_KEY, TU_APP, TU_ADMIN, 1700000000);
    char q[1024];
    snprintf(q, sizeof q, "sdkappid=1400000000&identifier=%s&usersig=%s",
             TU_ADMIN, sig);
    free(sig);
    long status;
    struct buf ans;
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    tu_post(&t, API_PATH, q, "{}", &status, &ans);
    ck_assert_int_eq(tu_error_code(ans.data), TIM_ERR_SIG_EXPIRED);
    buf_release(&ans);
    tu_timock_stop(&t);
    const char *args[] = {"--clock", "1700000100", NULL};
    tu_timock_start(&t, args);
    tu_post(&t, API_PATH, q, "{\"Limit\":1}", &status, &ans);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    buf_release(&ans);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(large_fixture_serves)
{
    struct tu_timock t;
    const char *args[] = {"--fixture", FIXTURES_DIR "/large.json", NULL};
    tu_timock_start(&t, args);
    char *q = tu_query_now(1400000002, TU_ADMIN);
    long status;
    struct buf ans;
    ck_assert_int_eq(
        tu_post(&t, API_PATH, q, "{\"Limit\":20,\"Next\":0}", &status, &ans),
        0);
    ck_assert_ptr_nonnull(strstr(ans.data, "\"TotalCount\":10000000,"));
    buf_release(&ans);
    tu_post(&t, API_PATH, q, "{\"GroupType\":\"Community\",\"Limit\":1}",
            &status, &ans);
    ck_assert_ptr_nonnull(strstr(ans.data, "\"TotalCount\":1000000,"));
    buf_release(&ans);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- every path, every method, HEAD, Expect --------------------------- */

/* The status line and headers of a raw answer, and where its body starts. */
static const char *raw_body(const struct buf *b)
{
    const char *end = strstr(b->data ? b->data : "", "\r\n\r\n");
    ck_assert_msg(end != NULL, "no end of headers in: %s", b->data);
    return end + 4;
}

/* How many times text is in the journal's answer. */
static int in_journal(const struct tu_timock *t, const char *text)
{
    struct tu_http r = {.method = "GET", .path = "/__admin/journal"};
    struct buf ans;
    int n = 0;
    ck_assert_int_eq(tu_request(t, &r, &ans), 0);
    for (const char *p = ans.data; (p = strstr(p, text)); p++)
        n++;
    buf_release(&ans);
    return n;
}

/* An answer that is the API's envelope with ActionStatus FAIL, HTTP 200:
 * what any path but the API's gets (its ErrorCode is the API's choice). */
static void check_fail_envelope(long status, const char *body)
{
    ck_assert_int_eq(status, 200);
    long long code = tu_error_code(body);
    ck_assert_msg(code > 0, "not an error envelope: %s", body);
    ck_assert_ptr_nonnull(strstr(body, "\"ActionStatus\":\"FAIL\""));
}

static const struct {
    const char *method, *path;
} path_rows[] = {
    {"GET", "/"},           {"POST", "/"},
    {"GET", "/index.html"}, {"POST", "/x/y/z"},
    {"DELETE", "/v4"},      {"PUT", "/v4/group_open_http_svc"},
    {"GET", "/__adminx"},   {"OPTIONS", "/favicon.ico"},
};

START_TEST(every_path_answers_the_envelope)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    struct tu_http r = {.method = path_rows[_i].method,
                        .path = path_rows[_i].path};
    struct buf ans;
    ck_assert_int_eq(tu_request(&t, &r, &ans), 0);
    check_fail_envelope(r.status, ans.data);
    buf_release(&ans);
    /* answered by the mock itself, which journals what it answers */
    char path[128];
    snprintf(path, sizeof path, "\"path\":\"%s\"", path_rows[_i].path);
    ck_assert_int_eq(in_journal(&t, path), 1);
    tu_timock_stop(&t);
}
END_TEST

START_TEST(head_gets_headers_only)
{
    /* the admin API has no HEAD route: its 404, headers only */
    static const struct {
        const char *path, *status;
    } heads[] = {{"/", "HTTP/1.1 200 "},
                 {API_PATH, "HTTP/1.1 200 "},
                 {"/__admin/apps", "HTTP/1.1 404 "}};
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\n\r\n",
                 heads[i].path);
        struct buf b;
        buf_init(&b, 1u << 20);
        int fd = tu_raw_connect(&t, req, 0);
        tu_raw_read(fd, &b, 0);
        close(fd);
        long length = -1;
        const char *cl = strstr(b.data ? b.data : "", "Content-Length: ");
        ck_assert_msg(strncmp(b.data ? b.data : "", heads[i].status, 13) == 0,
                      "HEAD %s: %s", heads[i].path, b.data);
        ck_assert_ptr_nonnull(cl);
        sscanf(cl, "Content-Length: %ld", &length);
        ck_assert_int_gt(length, 0); /* the GET answer's length */
        ck_assert_msg(*raw_body(&b) == '\0', "HEAD %s sent a body: %s",
                      heads[i].path, raw_body(&b));
        buf_release(&b);
    }
    tu_timock_stop(&t);
}
END_TEST

START_TEST(unknown_method_gets_the_envelope)
{
    static const char *const requests[] = {
        "FOO " API_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "get / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    };
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        struct buf b;
        buf_init(&b, 1u << 20);
        int fd = tu_raw_connect(&t, requests[i], 0);
        tu_raw_read(fd, &b, 0); /* then timock closes the connection */
        close(fd);
        ck_assert_msg(strncmp(b.data ? b.data : "", "HTTP/1.1 200 ", 13) == 0,
                      "%s: %s", requests[i], b.data);
        ck_assert_int_eq(tu_error_code(raw_body(&b)), TIM_ERR_BAD_HTTP);
        buf_release(&b);
    }
    tu_timock_stop(&t);
}
END_TEST

START_TEST(expect_100_continue)
{
    static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char *q = tu_query_now(TU_APP, TU_ADMIN), req[4096];
    const char *body = "{\"Limit\":1}";
    snprintf(req, sizeof req,
             "POST %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
             "Expect: 100-continue\r\nConnection: close\r\n\r\n",
             API_PATH, q, strlen(body));
    struct buf b;
    buf_init(&b, 1u << 20);
    int fd = tu_raw_connect(&t, req, 0);
    /* the body is not sent until the interim answer comes */
    tu_raw_read(fd, &b, sizeof go_on - 1);
    ck_assert_msg(strncmp(b.data, go_on, sizeof go_on - 1) == 0,
                  "not a 100 Continue first: %s", b.data);
    ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    tu_raw_read(fd, &b, 0);
    close(fd);
    const char *final = b.data + sizeof go_on - 1;
    ck_assert_msg(strncmp(final, "HTTP/1.1 200 ", 13) == 0, "%s", final);
    ck_assert_int_eq(tu_error_code(raw_body(&b)), 0);
    buf_release(&b);
    free(q);
    tu_timock_stop(&t);
}
END_TEST

/* ---- a stop does not wait for what is in flight ------------------------- */

static const struct {
    const char *what, *rule;
} stop_rows[] = {
    {"a 10-minute delay", "{\"action\":{\"delay_ms\":600000}}"},
    {"a body of 1 byte a minute",
     "{\"action\":{\"slow_body\":{\"bytes\":1,\"every_ms\":60000}}}"},
};

START_TEST(stop_ends_a_fault_in_flight)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    long status;
    struct buf ans;
    ck_assert_int_eq(
        tu_post(&t, "/__admin/faults", NULL, stop_rows[_i].rule, &status, &ans),
        0);
    ck_assert_msg(status == 200, "%s", ans.data);
    buf_release(&ans);
    char *q = tu_query_now(TU_APP, TU_ADMIN), req[4096];
    snprintf(req, sizeof req,
             "POST %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
             API_PATH, q);
    int fd = tu_raw_connect(&t, req, 0);
    /* in flight: answered by the core (so in the journal), and waiting */
    for (int i = 0; i < 6000 && in_journal(&t, "\"method\":") == 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    ck_assert_int_eq(in_journal(&t, "\"method\":"), 1);
    if (_i == 1) { /* the headers and the first byte came */
        struct buf b;
        buf_init(&b, 1u << 20);
        while (!b.data || !strstr(b.data, "\r\n\r\n") ||
               *raw_body(&b) == '\0') {
            size_t had = b.len;
            tu_raw_read(fd, &b, b.len + 1);
            ck_assert_msg(b.len > had, "closed before the first byte: %s",
                          b.data ? b.data : "");
        }
        buf_release(&b);
    }
    /* minutes of waiting left; the stop must not see them */
    tu_timock_stop_within(&t, 20000);
    close(fd);
    free(q);
}
END_TEST

/* Runs timock with args; returns its exit code and its stderr's start. */
static int run_timock(const char *const *args, char *err, size_t errlen)
{
    char cmd[1024] = TIMOCK_PATH;
    for (; *args; args++) {
        strcat(cmd, " '");
        strcat(cmd, *args);
        strcat(cmd, "'");
    }
    strcat(cmd, " 2>&1 </dev/null");
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(err, 1, errlen - 1, p);
    err[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Appended to each row of options timock should refuse: were they taken,
 * timock would stop at once on the missing fixture, not serve and leave
 * the test waiting. */
#define TRIPWIRE "--fixture", "/nonexistent.json"

static const struct {
    const char *args[8];
    int code;
    const char *output;
} cli_rows[] = {
    {{"--help"}, 0, "usage: timock [--fixture FILE]"},
    {{"--version"}, 0, "timock 0."},
    {{"--bogus", TRIPWIRE},
     2,
     "timock: unknown or incomplete option '--bogus'"},
    {{"--port", "70000", TRIPWIRE},
     2,
     "timock: --port: not a port number: '70000'"},
    {{"--port", "1", "--listen", "127.0.0.1:2", TRIPWIRE},
     2,
     "timock: give --listen or --port once"},
    {{"--threads", "0", TRIPWIRE}, 2, "timock: --threads: expected 1 to 8192"},
    {{"--threads", "8193", TRIPWIRE},
     2,
     "timock: --threads: expected 1 to 8192"},
    {{"--admin-host", "h:80", TRIPWIRE},
     2,
     "timock: --admin-host: expected host names without ports"},
    {{"--admin-host", "a,,b", TRIPWIRE},
     2,
     "timock: --admin-host: expected host names without ports"},
    {{"--admin-host", "a", "--no-admin", TRIPWIRE},
     2,
     "timock: give --admin-host or --no-admin, not both"},
    {{"--clock", "soon", TRIPWIRE},
     2,
     "timock: --clock: expected unix seconds"},
    {{"--fixture", "/nonexistent.json"},
     2,
     "timock: /nonexistent.json: $: cannot open: No such file"},
    {{"--fixture", FIXTURES_DIR "/README.md"},
     2,
     "timock: " FIXTURES_DIR "/README.md: $: not valid JSON"},
    {{"stray", TRIPWIRE}, 2, "timock: unexpected argument 'stray'"},
    {{"--listen", "nocolon", TRIPWIRE},
     2,
     "timock: --listen: expected ADDR:PORT, got 'nocolon'"},
    {{"--listen", "127.0.0.1:1", "--listen", "127.0.0.1:2", TRIPWIRE},
     2,
     "timock: give --listen or --port once"},
    {{"--port", "x", TRIPWIRE}, 2, "timock: --port: not a port number: 'x'"},
    {{"--port"}, 2, "timock: unknown or incomplete option '--port'"},
    {{"--quiet=1", TRIPWIRE},
     2,
     "timock: unknown or incomplete option '--quiet=1'"},
    {{"--threads", "x", TRIPWIRE},
     2,
     "timock: --threads: expected 1 to 8192, got 'x'"},
    {{"--clock", "0", TRIPWIRE},
     2,
     "timock: --clock: expected unix seconds, got '0'"},
    {{"--clock", "1099511627777", TRIPWIRE},
     2,
     "timock: --clock: expected unix seconds, got '1099511627777'"},
    {{"--journal-size", "0", TRIPWIRE},
     2,
     "timock: --journal-size: expected 1 to 10000000, got '0'"},
    {{"--journal-size", "10000001", TRIPWIRE},
     2,
     "timock: --journal-size: expected 1 to 10000000, got '10000001'"},
    {{"--admin-token", "", TRIPWIRE}, 2, "timock: --admin-token: give a token"},
    {{"--admin-token", "t", "--no-admin", TRIPWIRE},
     2,
     "timock: give --admin-token or --no-admin, not both"},
    {{"--tls-cert", "c.pem", TRIPWIRE},
     2,
     "timock: give --tls-cert and --tls-key together"},
    {{"--tls-key", "k.pem", TRIPWIRE},
     2,
     "timock: give --tls-cert and --tls-key together"},
    {{"--http-port", "0", TRIPWIRE},
     2,
     "timock: --http-port goes with --tls-cert"},
    {{"--http-port", "70000", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
     2,
     "timock: --http-port: not a port number: '70000'"},
};

START_TEST(command_line)
{
    char out[4096];
    int code = run_timock(cli_rows[_i].args, out, sizeof out);
    ck_assert_int_eq(code, cli_rows[_i].code);
    ck_assert_msg(strstr(out, cli_rows[_i].output) != NULL,
                  "expected '%s' in: %s", cli_rows[_i].output, out);
}
END_TEST

START_TEST(port_taken)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    char port[16], out[4096];
    snprintf(port, sizeof port, "%d", t.port);
    const char *args[] = {"--port", port, NULL};
    ck_assert_int_eq(run_timock(args, out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "cannot serve on 127.0.0.1:"));
    tu_timock_stop(&t);
}
END_TEST

START_TEST(sigint_stops_cleanly)
{
    struct tu_timock t;
    tu_timock_start(&t, NULL);
    int status;
    kill(t.pid, SIGINT);
    ck_assert_int_eq(waitpid(t.pid, &status, 0), t.pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("server");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, full_pull_of_default, 0,
                        sizeof types / sizeof types[0]);
    tcase_add_loop_test(tc, v2_over_http, 0,
                        sizeof v2_rows / sizeof v2_rows[0]);
    tcase_add_loop_test(tc, every_error_code, 0,
                        sizeof code_rows / sizeof code_rows[0]);
    tcase_add_loop_test(tc, rate_limit_code, 0,
                        sizeof rate_rows / sizeof rate_rows[0]);
    tcase_add_test(tc, body_over_one_mib);
    tcase_add_test(tc, each_fault_action);
    tcase_add_test(tc, sixteen_clients_at_once);
    tcase_add_test(tc, not_http_then_serves);
    tcase_add_test(tc, deep_usersig_then_serves);
    tcase_add_test(tc, clock_option);
    tcase_add_test(tc, large_fixture_serves);
    tcase_add_loop_test(tc, command_line, 0,
                        sizeof cli_rows / sizeof cli_rows[0]);
    tcase_add_test(tc, port_taken);
    tcase_add_test(tc, sigint_stops_cleanly);
    tcase_add_loop_test(tc, every_path_answers_the_envelope, 0,
                        sizeof path_rows / sizeof path_rows[0]);
    tcase_add_test(tc, head_gets_headers_only);
    tcase_add_test(tc, unknown_method_gets_the_envelope);
    tcase_add_test(tc, expect_100_continue);
    tcase_add_loop_test(tc, stop_ends_a_fault_in_flight, 0,
                        sizeof stop_rows / sizeof stop_rows[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
