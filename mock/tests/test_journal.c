/* Unit tests: the request journal (every deviation, redaction, the ring's
 * bound, filters, issued cursors, coming back too soon after a rate limit,
 * the JSON of an entry, threads) and verify_run's expectations over real
 * pulls answered by api_handle, without sockets. */
#include <check.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "journal.h"
#include "testutil.h"
#include "verify.h"

#define APP_A TU_APP              /* UserSig checked; cursors above 2^53 */
#define APP_B 1400000005ULL       /* 2 calls per second */
#define APP_C 1400000007ULL       /* every third call gets 10002 */
#define KEY_A STORE_FIRST_BIG_KEY /* keys of A: KEY_A + i (step 1) */
#define KEY_C STORE_FIRST_KEY     /* keys of C: KEY_C + i */
#define T0    1750000000000LL     /* unix ms of mono 0 */

static const char fixture_json[] =
    "{\"apps\":["
    "{\"sdkappid\":1400000000,\"admins\":[\"administrator\",\"admin2\"],"
    "\"key\":\"" TU_KEY "\",\"cursors\":{\"big\":true,\"max_step\":1},"
    "\"groups\":[{\"id\":\"pub-1\",\"type\":\"Public\"},"
    "{\"id\":\"priv-1\",\"type\":\"Private\"},"
    "{\"id\":\"pub-2\",\"type\":\"Public\"},"
    "{\"id\":\"pub-3\",\"type\":\"Public\"},"
    "{\"id\":\"priv-2\",\"type\":\"Private\"},"
    "{\"id\":\"pub-4\",\"type\":\"Public\"},"
    "{\"id\":\"priv-3\",\"type\":\"Private\"}]},"
    "{\"sdkappid\":1400000005,\"admins\":[\"administrator\",\"admin2\"],"
    "\"check_usersig\":false,\"rate_limit\":{\"calls_per_second\":2},"
    "\"groups\":[{\"id\":\"g1\",\"type\":\"Public\"}]},"
    "{\"sdkappid\":1400000007,\"admins\":[\"administrator\"],"
    "\"check_usersig\":false,\"cursors\":{\"max_step\":1},"
    "\"groups\":[{\"id\":\"c1\",\"type\":\"Public\"},"
    "{\"id\":\"c2\",\"type\":\"Public\"},{\"id\":\"c3\",\"type\":\"Public\"},"
    "{\"id\":\"c4\",\"type\":\"Public\"},{\"id\":\"c5\",\"type\":\"Public\"},"
    "{\"id\":\"c6\",\"type\":\"Public\"}]}],"
    "\"faults\":[{\"match\":{\"sdkappid\":1400000007,\"every_nth\":3},"
    "\"action\":{\"error_code\":10002}}]}";

static struct fixture fx;
static struct api api;
static struct journal *jr;

static void setup(void)
{
    tu_fixture(&fx, fixture_json);
    api = (struct api){fx.store, &fx.faults, TU_NOW};
    jr = journal_new(1000);
    ck_assert_ptr_nonnull(jr);
}

static void teardown(void)
{
    journal_free(jr);
    fixture_release(&fx);
}

/* "sdkappid=..&identifier=..&usersig=<valid>" followed by tail (malloc'd). */
static char *query(uint64_t app, const char *identifier, const char *tail)
{
    char *sig = tu_sig(TU_KEY, app, identifier, TU_NOW);
    /* snprintf twice, not asprintf: GCC's -Wdangling-pointer takes the
     * address asprintf is given for one that outlives the call */
#define QUERY_FORMAT "sdkappid=%llu&identifier=%s&usersig=%s%s"
    int n = snprintf(NULL, 0, QUERY_FORMAT, (unsigned long long)app, identifier,
                     sig, tail);
    ck_assert_int_ge(n, 0);
    char *q = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(q);
    snprintf(q, (size_t)n + 1, QUERY_FORMAT, (unsigned long long)app,
             identifier, sig, tail);
#undef QUERY_FORMAT
    free(sig);
    return q;
}

/* One request through api_handle at monotonic time mono (unix time T0 +
 * mono), recorded in j with the app's rate limit, as the server does.
 * Returns the ErrorCode (-1: none); *next gets the answer's Next. */
static int send_to(struct journal *j, const char *method, const char *query,
                   const char *ctype, const char *body, uint64_t mono,
                   uint64_t *next)
{
    char q[4096];
    /* "random=@": a fresh random, as a client sends each time */
    if (query && strstr(query, "random=@"))
        tu_fresh_random(q, sizeof q, query);
    else
        snprintf(q, sizeof q, "%s", query ? query : "");
    struct api_request req = {
        .method = method ? method : "POST",
        .path = API_PATH,
        .query = q,
        .host = "127.0.0.1",
        .body = body,
        .body_len = strlen(body),
        .now = TU_NOW,
        .now_ms = mono,
    };
    struct api_answer ans;
    api_answer_init(&ans);
    api_handle(&api, &req, &ans);
    const struct app *a = store_find_app(fx.store, ans.trace.sdkappid);
    journal_record(j, &req, ctype, &ans, a ? a->rate_limit : 0,
                   T0 + (int64_t)mono, mono);
    if (next)
        *next = ans.trace.answer_next;
    int code = ans.error_code;
    api_answer_release(&ans);
    return code;
}

static int send(const char *q, const char *body, uint64_t mono, uint64_t *next)
{
    return send_to(jr, NULL, q, "application/json", body, mono, next);
}

/* The newest entry of j. */
static struct journal_entry last_entry(struct journal *j)
{
    struct journal_entry *all = NULL, e;
    long n = journal_copy(j, NULL, &all);
    ck_assert_int_gt(n, 0);
    e = all[n - 1];
    free(all);
    return e;
}

/* ---- deviations ---- */

static const struct {
    const char *what, *method;
    uint64_t app;
    const char *tail, *ctype, *body;
    uint32_t want;
} dev_rows[] = {
#define RJ "&random=4294967295&contenttype=json"
#define AJ "application/json"
    {"documented", NULL, APP_A, RJ, AJ, "{\"Limit\":2,\"Next\":0}", 0},
    {"random 0, charset", NULL, APP_A, "&random=0&contenttype=json",
     AJ "; charset=utf-8", "{}", 0},
    {"header in other case, spaces", NULL, APP_A, RJ,
     " Application/JSON ;charset=utf-8", "{\"GroupType\":\"Public\"}", 0},
    {"no random", NULL, APP_A, "&contenttype=json", AJ, "{}", JD_NO_RANDOM},
    {"empty random", NULL, APP_A, "&random=&contenttype=json", AJ, "{}",
     JD_RANDOM_RANGE},
    {"random 2^32", NULL, APP_A, "&random=4294967296&contenttype=json", AJ,
     "{}", JD_RANDOM_RANGE},
    {"random -1", NULL, APP_A, "&random=-1&contenttype=json", AJ, "{}",
     JD_RANDOM_RANGE},
    {"random 12a", NULL, APP_A, "&random=12a&contenttype=json", AJ, "{}",
     JD_RANDOM_RANGE},
    {"random 2^64", NULL, APP_A,
     "&random=18446744073709551616&contenttype=json", AJ, "{}",
     JD_RANDOM_RANGE},
    {"no contenttype", NULL, APP_A, "&random=1", AJ, "{}", JD_NO_CONTENTTYPE},
    {"contenttype JSON", NULL, APP_A, "&random=1&contenttype=JSON", AJ, "{}",
     JD_CONTENTTYPE},
    {"contenttype empty", NULL, APP_A, "&random=1&contenttype=", AJ, "{}",
     JD_CONTENTTYPE},
    {"no header", NULL, APP_A, RJ, NULL, "{}", JD_CONTENT_TYPE_HEADER},
    {"text/plain", NULL, APP_A, RJ, "text/plain", "{}", JD_CONTENT_TYPE_HEADER},
    {"application/jsonx", NULL, APP_A, RJ, "application/jsonx", "{}",
     JD_CONTENT_TYPE_HEADER},
    {"empty header", NULL, APP_A, RJ, "", "{}", JD_CONTENT_TYPE_HEADER},
    {"next", NULL, APP_A, RJ, AJ, "{\"next\":0}", JD_FIELD_CASE},
    {"LIMIT", NULL, APP_A, RJ, AJ, "{\"LIMIT\":5}", JD_FIELD_CASE},
    {"grouptype", NULL, APP_A, RJ, AJ, "{\"grouptype\":\"Public\"}",
     JD_FIELD_CASE},
    {"GROUPTYPE after GroupType", NULL, APP_A, RJ, AJ,
     "{\"GroupType\":\"Public\",\"GROUPTYPE\":1}", JD_FIELD_CASE},
    {"Type", NULL, APP_A, RJ, AJ, "{\"Type\":\"Public\"}", JD_TYPE_FIELD},
    {"type in lower case", NULL, APP_A, RJ, AJ, "{\"type\":\"Public\"}", 0},
    {"Next as a string", NULL, APP_A, RJ, AJ, "{\"Next\":\"0\"}",
     JD_NEXT_STRING},
    {"Next escaped, as a string", NULL, APP_A, RJ, AJ, "{\"N\\u0065xt\":\"1\"}",
     JD_NEXT_STRING},
    {"invented Next", NULL, APP_A, RJ, AJ, "{\"Next\":12345}",
     JD_NEXT_NOT_ISSUED},
    {"Next 0", NULL, APP_A, RJ, AJ, "{\"Next\":0}", 0},
    {"Next not an integer", NULL, APP_A, RJ, AJ, "{\"Next\":1.5}", 0},
    {"body not an object", NULL, APP_A, RJ, AJ, "[{\"next\":1}]", 0},
    /* the body is read up to JSON_DEPTH_MAX levels (32), not past it */
    {"next, nested 32 deep", NULL, APP_A, RJ, AJ,
     "{\"next\":0,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]"
     "]]]]]]]}",
     JD_FIELD_CASE},
    {"next, nested 33 deep", NULL, APP_A, RJ, AJ,
     "{\"next\":0,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]"
     "]]]]]]]]]}",
     0},
    {"everything at once", NULL, APP_A, "", "text/plain",
     "{\"Type\":\"Public\",\"next\":7,\"Next\":\"x\"}",
     JD_NO_RANDOM | JD_NO_CONTENTTYPE | JD_CONTENT_TYPE_HEADER | JD_FIELD_CASE |
         JD_TYPE_FIELD | JD_NEXT_STRING},
    /* counted even when the call is refused later (not an admin) */
    {"refused call", NULL, APP_A, "", AJ, "{}",
     JD_NO_RANDOM | JD_NO_CONTENTTYPE},
    /* v2: counted whatever the method */
    {"GET", "GET", APP_A, "", NULL, "{\"next\":1}",
     JD_NO_RANDOM | JD_NO_CONTENTTYPE | JD_CONTENT_TYPE_HEADER | JD_FIELD_CASE |
         JD_METHOD_NOT_POST},
    {"PUT", "PUT", APP_A, RJ, AJ, "{}", JD_METHOD_NOT_POST},
    {"null Limit", NULL, APP_A, RJ, AJ, "{\"Limit\":null}", JD_NULL_FIELD},
    {"the 2016 PHP SDK (S10)", NULL, APP_A, "&contenttype=json", AJ,
     "{\"Limit\":50,\"Offset\":null,\"GroupType\":null}",
     JD_NO_RANDOM | JD_NULL_FIELD | JD_OFFSET_FIELD},
    {"Offset", NULL, APP_A, RJ, AJ, "{\"Offset\":100}", JD_OFFSET_FIELD},
    {"empty GroupType (S11)", NULL, APP_A, RJ, AJ, "{\"GroupType\":\"\"}",
     JD_EMPTY_GROUPTYPE},
    {"a BOM, then null Next", NULL, APP_A, RJ, AJ,
     "\xef\xbb\xbf{\"Next\":null}", JD_NULL_FIELD},
    /* one view of the body: what the API refused has no field deviations */
    {"form feed between members", NULL, APP_A, RJ, AJ,
     "{\"Limit\":2,\x0c\"next\":1,\"Offset\":1}", 0},
    /* not counted: no known app */
    {"unknown app", NULL, 1400000099, "", NULL, "{\"next\":1}", 0},
#undef RJ
#undef AJ
};

START_TEST(deviations)
{
    const char *id =
        strcmp(dev_rows[_i].what, "refused call") == 0 ? "user1" : TU_ADMIN;
    char *q = query(dev_rows[_i].app, id, dev_rows[_i].tail);
    send_to(jr, dev_rows[_i].method, q, dev_rows[_i].ctype, dev_rows[_i].body,
            100, NULL);
    struct journal_entry e = last_entry(jr);
    ck_assert_msg(e.deviations == dev_rows[_i].want,
                  "%s: deviations 0x%x, want 0x%x", dev_rows[_i].what,
                  e.deviations, dev_rows[_i].want);
    free(q);
}
END_TEST

/* Every deviation of the table has a name and a sentence, and its bit. */
START_TEST(deviation_table)
{
    ck_assert_int_eq(JOURNAL_DEVIATION_COUNT, 15);
    ck_assert_uint_eq(JD_NO_RANDOM, 1u);
    ck_assert_uint_eq(JD_TOO_FAST, 1u << 9);
    ck_assert_uint_eq(JD_RANDOM_REPEATED, 1u << 14);
    ck_assert_str_eq(journal_deviation_name(8), "next_not_issued");
    ck_assert_str_eq(journal_deviation_name(10), "method_not_post");
    ck_assert_str_eq(journal_deviation_name(11), "null_field");
    ck_assert_str_eq(journal_deviation_name(12), "empty_grouptype");
    ck_assert_str_eq(journal_deviation_name(13), "offset_field");
    ck_assert_str_eq(journal_deviation_name(14), "random_repeated");
    ck_assert_str_eq(journal_deviation_text(0), "no random parameter");
    ck_assert_ptr_null(journal_deviation_name(15));
    ck_assert_ptr_null(journal_deviation_text(-1));
    ck_assert_uint_eq(journal_deviation_parse("type_instead_of_grouptype"),
                      JD_TYPE_FIELD);
    ck_assert_uint_eq(journal_deviation_parse("Type"), 0);
}
END_TEST

/* ---- what an entry holds ---- */

static const struct {
    const char *query, *want;
} redact_rows[] = {
    {"sdkappid=1&usersig=abc&random=1", "sdkappid=1&usersig=REDACTED&random=1"},
    {"usersig=abc&usersig=def", "usersig=REDACTED&usersig=REDACTED"},
    {"usersig=", "usersig="},
    {"usersig", "usersig"},
    {"xusersig=abc&usersigx=1&UserSig=2",
     "xusersig=abc&usersigx=1&UserSig=REDACTED"},
    {"USERSIG=abc&%75sersig=def&user%53ig=g&usersig%3d=h",
     "USERSIG=REDACTED&%75sersig=REDACTED&user%53ig=REDACTED&usersig%3d=h"},
    {"sdkappid=1400000000&identifier=administrator&random=42&contenttype=json",
     "sdkappid=1400000000&identifier=administrator&random=42&contenttype=json"},
    {"a=1&&usersig=x%2Fy&b", "a=1&&usersig=REDACTED&b"},
    {"", ""},
    {NULL, ""},
};

START_TEST(redaction)
{
    send(redact_rows[_i].query, "{}", 1, NULL);
    struct journal_entry e = last_entry(jr);
    ck_assert_str_eq(e.query, redact_rows[_i].want);
}
END_TEST

/* A real UserSig under another name, or under none, is redacted too: the
 * rows' '@' is a valid UserSig, as it is or percent-encoded. */
static const struct {
    const char *query, *want;
    int encode;
} secret_rows[] = {
    {"UserSig=@&random=1", "UserSig=REDACTED&random=1", 0},
    {"%75sersig=@&random=1", "%75sersig=REDACTED&random=1", 0},
    {"USERSIG=@", "USERSIG=REDACTED", 0},
    {"foo=@&random=1", "foo=REDACTED&random=1", 0},
    {"foo=@&random=1", "foo=REDACTED&random=1", 1},
    {"usersig=x&identifier=@", "usersig=REDACTED&identifier=REDACTED", 0},
    {"random=1&@", "random=1&REDACTED", 1},
};

/* tmpl with each '@' replaced by v, into out. */
static void fill(char *out, size_t n, const char *tmpl, const char *v)
{
    size_t o = 0;
    for (; *tmpl && o + 1 < n; tmpl++) {
        const char *s = *tmpl == '@' ? v : tmpl;
        size_t k = *tmpl == '@' ? strlen(v) : 1;
        ck_assert_uint_lt(o + k, n);
        memcpy(out + o, s, k);
        o += k;
    }
    out[o] = '\0';
}

START_TEST(secrets_under_other_names)
{
    char *sig = tu_sig(TU_KEY, APP_A, TU_ADMIN, TU_NOW), enc[2048], q[4096],
         want[4096];
    size_t o = 0;
    for (const char *c = sig; *c; c++) {
        ck_assert_uint_lt(o + 4, sizeof enc);
        if (*c == '*')
            memcpy(enc + o, "%2A", 3), o += 3;
        else
            enc[o++] = *c;
    }
    enc[o] = '\0';
    ck_assert_ptr_nonnull(strchr(sig, '*')); /* so the two forms differ */
    const char *v = secret_rows[_i].encode ? enc : sig;
    fill(q, sizeof q, secret_rows[_i].query, v);
    fill(want, sizeof want, secret_rows[_i].want, v);
    send(q, "{}", 1, NULL);
    struct journal_entry e = last_entry(jr);
    ck_assert_str_eq(e.query, want);
    free(sig);
}
END_TEST

/* A real UserSig never reaches the journal, however long the query. */
START_TEST(redaction_bounds)
{
    char *q = query(APP_A, TU_ADMIN, "&random=1&contenttype=json");
    char *sig = strstr(q, "usersig=") + 8;
    sig = strndup(sig, strcspn(sig, "&"));
    send(q, "{}", 1, NULL);
    struct journal_entry e = last_entry(jr);
    ck_assert_ptr_null(strstr(e.query, sig));
    ck_assert_ptr_nonnull(strstr(e.query, "&usersig=REDACTED&random=1"));
    ck_assert_int_eq(e.error_code, 0); /* the call itself was fine */
    free(q);

    /* past the entry's size: cut, never a part of the secret */
    char big[3000];
    memset(big, 'b', 1100);
    snprintf(big + 1100, sizeof big - 1100, "&usersig=%s", sig);
    send(big, "{}", 1, NULL);
    e = last_entry(jr);
    ck_assert_uint_eq(strlen(e.query), sizeof e.query - 1);
    ck_assert_ptr_null(strstr(e.query, "usersig"));
    snprintf(big, sizeof big, "usersig=%s%s&random=1", sig, sig);
    send(big, "{}", 1, NULL);
    e = last_entry(jr);
    ck_assert_str_eq(e.query, "usersig=REDACTED&random=1");
    free(sig);
}
END_TEST

START_TEST(entry_fields)
{
    char *q = query(APP_A, TU_ADMIN, "&random=@&contenttype=json");
    uint64_t next;
    send(q, "{\"Limit\":3,\"Next\":0,\"GroupType\":\"Public\"}", 42, &next);
    struct journal_entry e = last_entry(jr);
    ck_assert_uint_eq(e.seq, 1);
    ck_assert_int_eq(e.time_ms, T0 + 42);
    ck_assert_uint_eq(e.mono_ms, 42);
    ck_assert_str_eq(e.host, "127.0.0.1");
    ck_assert_str_eq(e.method, "POST");
    ck_assert_str_eq(e.path, API_PATH);
    ck_assert_str_eq(e.body,
                     "{\"Limit\":3,\"Next\":0,\"GroupType\":\"Public\"}");
    ck_assert_str_eq(e.content_type, "application/json");
    ck_assert_uint_eq(e.sdkappid, APP_A);
    ck_assert_str_eq(e.identifier, TU_ADMIN);
    ck_assert_int_eq(e.body_read, 1);
    ck_assert_int_eq(e.has_limit, 1);
    ck_assert_uint_eq(e.limit, 3);
    ck_assert_int_eq(e.has_next, 1);
    ck_assert_uint_eq(e.next, 0);
    ck_assert_int_eq(e.type, GT_PUBLIC);
    ck_assert_int_eq(e.http_status, 200);
    ck_assert_int_eq(e.error_code, 0);
    /* Public groups are at positions 0, 2, 3 and 5 */
    ck_assert_int_eq(e.has_answer_next, 1);
    ck_assert_uint_eq(e.answer_next, KEY_A + 3);
    ck_assert_uint_eq(next, KEY_A + 3);
    ck_assert_uint_eq(e.count, 3);
    ck_assert_uint_eq(e.first_key, KEY_A);
    ck_assert_uint_eq(e.last_key, KEY_A + 3);
    ck_assert_str_eq(e.fault, "");
    ck_assert_uint_eq(e.deviations, 0);

    /* refused before the body: the fields come from the raw body */
    send_to(jr, NULL, "sdkappid=1400000000", NULL,
            "{\"Next\":18446744073709551615,\"GroupType\":\"Private\"}", 43,
            NULL);
    e = last_entry(jr);
    ck_assert_int_eq(e.error_code, TIM_ERR_NO_IDENTIFIER);
    ck_assert_int_eq(e.body_read, 0);
    ck_assert_int_eq(e.has_limit, 0);
    ck_assert_int_eq(e.has_next, 1);
    ck_assert_uint_eq(e.next, UINT64_MAX);
    ck_assert_int_eq(e.type, GT_PRIVATE);
    ck_assert_int_eq(e.has_answer_next, 0);

    /* a long body: its start, and its length */
    char body[2000];
    memset(body, ' ', sizeof body);
    body[0] = '{';
    body[sizeof body - 2] = '}';
    body[sizeof body - 1] = '\0';
    send(q, body, 44, NULL);
    e = last_entry(jr);
    ck_assert_uint_eq(e.body_len, sizeof body - 1);
    ck_assert_uint_eq(strlen(e.body), sizeof e.body - 1);
    ck_assert_int_eq(e.has_limit, 0);
    ck_assert_int_eq(e.has_next, 0);
    ck_assert_int_eq(e.type, GT_ALL);
    free(q);
}
END_TEST

/* ---- the ring and its filters ---- */

START_TEST(ring_bound)
{
    struct journal *j = journal_new(4);
    struct journal_entry *e = NULL;
    ck_assert_ptr_null(journal_new(0));
    ck_assert_uint_eq(journal_capacity(j), 4);
    for (uint64_t i = 1; i <= 10; i++)
        send_to(j, NULL, "sdkappid=1400000005&identifier=administrator", NULL,
                "{}", i * 1000, NULL);
    long n = journal_copy(j, NULL, &e);
    ck_assert_int_eq(n, 4);
    for (long i = 0; i < n; i++) {
        ck_assert_uint_eq(e[i].seq, (uint64_t)(7 + i));
        ck_assert_uint_eq(e[i].mono_ms, (uint64_t)(7 + i) * 1000);
    }
    free(e);
    /* clear empties the ring; seq goes on */
    journal_clear(j);
    ck_assert_int_eq(journal_copy(j, NULL, &e), 0);
    ck_assert_ptr_null(e);
    send_to(j, NULL, "", NULL, "{}", 1, NULL);
    ck_assert_uint_eq(last_entry(j).seq, 11);
    journal_free(j);
    journal_free(NULL);
}
END_TEST

/* Records one request whose every text is made of n copies of c (the query
 * "identifier=" and n of them), fault included, into j. */
static void record_texts(struct journal *j, char c, size_t n)
{
    char text[64], q[96];
    ck_assert_uint_lt(n, sizeof text);
    memset(text, c, n);
    text[n] = '\0';
    snprintf(q, sizeof q, "identifier=%s", text);
    struct api_request req = {.method = text,
                              .path = text,
                              .query = q,
                              .host = text,
                              .body = text,
                              .body_len = n};
    struct api_answer ans;
    api_answer_init(&ans);
    ck_assert_uint_lt(n, sizeof ans.trace.fault);
    memcpy(ans.trace.fault, text, n + 1);
    journal_record(j, &req, text, &ans, 0, 1, 1);
    api_answer_release(&ans);
}

/* A slot written again holds the new texts alone, whatever the old ones
 * left behind their ends: method is cut to its 11 bytes. */
START_TEST(slot_reused)
{
    struct journal *j = journal_new(1);
    ck_assert_ptr_nonnull(j);
    record_texts(j, 'L', 60);
    record_texts(j, 's', 3);
    struct journal_entry e = last_entry(j);
    const char *texts[] = {e.host,         e.path,       e.body,
                           e.content_type, e.identifier, e.fault};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        ck_assert_str_eq(texts[i], "sss");
    ck_assert_str_eq(e.method, "sss");
    ck_assert_str_eq(e.query, "identifier=sss");
    ck_assert_uint_eq(e.body_len, 3);
    ck_assert_uint_eq(e.seq, 2);
    journal_free(j);
}
END_TEST

static const struct {
    uint64_t sdkappid;
    const char *identifier;
    int64_t since, until;
    const char *want; /* seqs */
} filter_rows[] = {
    {0, NULL, 0, 0, "1,2,3,4,5,6"},   {APP_A, NULL, 0, 0, "1,2,4"},
    {APP_B, NULL, 0, 0, "3,5"},       {0, "admin2", 0, 0, "2,5"},
    {APP_A, TU_ADMIN, 0, 0, "1,4"},   {0, NULL, T0 + 2000, 0, "2,3,4,5,6"},
    {0, NULL, 0, T0 + 3000, "1,2,3"}, {0, NULL, T0 + 2000, T0 + 4000, "2,3,4"},
    {APP_B, NULL, T0 + 4000, 0, "5"}, {1400000099, NULL, 0, 0, ""},
    {0, "nobody", 0, 0, ""},          {0, NULL, T0 + 7000, 0, ""},
};

START_TEST(filters)
{
    static const struct {
        uint64_t app;
        const char *identifier;
    } calls[] = {{APP_A, TU_ADMIN}, {APP_A, "admin2"}, {APP_B, TU_ADMIN},
                 {APP_A, TU_ADMIN}, {APP_B, "admin2"}, {1400000099, TU_ADMIN}};
    for (int i = 0; i < 6; i++) {
        char *q = query(calls[i].app, calls[i].identifier, "");
        send(q, "{}", (uint64_t)(i + 1) * 1000, NULL);
        free(q);
    }
    struct journal_filter f = {.sdkappid = filter_rows[_i].sdkappid,
                               .identifier = filter_rows[_i].identifier,
                               .since_ms = filter_rows[_i].since,
                               .until_ms = filter_rows[_i].until};
    struct journal_entry *e = NULL;
    long n = journal_copy(jr, &f, &e);
    char got[64] = "";
    for (long i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu",
                 i ? "," : "", (unsigned long long)e[i].seq);
    ck_assert_str_eq(got, filter_rows[_i].want);
    if (n == 0)
        ck_assert_ptr_null(e);
    free(e);
}
END_TEST

/* ---- issued cursors ---- */

START_TEST(next_not_issued)
{
    char *q = query(APP_A, TU_ADMIN, "&random=@&contenttype=json");
    char body[128];
    uint64_t n1, n2;
    ck_assert_int_eq(send(q, "{\"Limit\":2,\"Next\":0}", 1, &n1), 0);
    ck_assert_uint_eq(n1, KEY_A + 1);
    snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
             (unsigned long long)n1);
    ck_assert_int_eq(send(q, body, 2, &n2), 0);
    ck_assert_uint_eq(last_entry(jr).deviations, 0); /* issued */
    ck_assert_int_eq(send(q, body, 3, NULL), 0);     /* and still is */
    ck_assert_uint_eq(last_entry(jr).deviations, 0);
    snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
             (unsigned long long)n2 + 1); /* invented, though it works */
    ck_assert_int_eq(send(q, body, 4, NULL), 0);
    ck_assert_uint_eq(last_entry(jr).deviations, JD_NEXT_NOT_ISSUED);

    /* issued to A, not to B */
    snprintf(body, sizeof body, "{\"Next\":%llu}", (unsigned long long)n1);
    send("sdkappid=1400000005&identifier=administrator&random=@&"
         "contenttype=json",
         body, 5000, NULL);
    ck_assert_uint_eq(last_entry(jr).deviations, JD_NEXT_NOT_ISSUED);

    /* after a clear, nothing was ever issued */
    journal_clear(jr);
    snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
             (unsigned long long)n1);
    ck_assert_int_eq(send(q, body, 6, NULL), 0);
    ck_assert_uint_eq(last_entry(jr).deviations, JD_NEXT_NOT_ISSUED);
    free(q);
}
END_TEST

/* Records a call of app asking for Next asked whose answer carries the
 * Next given (0: none), made up without api_handle. */
static void fake_record(struct journal *j, uint64_t app, uint64_t asked,
                        uint64_t given)
{
    char q[128], body[64];
    snprintf(q, sizeof q,
             "sdkappid=%llu&identifier=a&random=@&contenttype=json",
             (unsigned long long)app);
    snprintf(body, sizeof body, "{\"Next\":%llu}", (unsigned long long)asked);
    struct api_request req = {.method = "POST",
                              .path = API_PATH,
                              .query = q,
                              .body = body,
                              .body_len = strlen(body)};
    struct api_answer ans;
    api_answer_init(&ans);
    ans.status = 200;
    ans.trace.sdkappid = app;
    ans.trace.has_answer_next = given != 0;
    ans.trace.answer_next = given;
    journal_record(j, &req, "application/json", &ans, 0, 1, 1);
    api_answer_release(&ans);
}

/* The ErrorCode an entry keeps is the one the client got whole: -1 when
 * there was no answer, a reset, a body cut short, a gateway page, or a
 * fault that broke the JSON; the answer's own code otherwise. */
enum travel {
    T_WHOLE,
    T_NONE,
    T_RESET_BEFORE,
    T_RESET_AFTER,
    T_CUT,
    T_GATEWAY,
    T_BROKEN,
    T_FAULT_WHOLE
};

static const struct {
    enum travel how;
    int http_status, error_code;
} travel_rows[] = {
    {T_WHOLE, 200, 10002},   {T_NONE, 0, -1},
    {T_RESET_BEFORE, 0, -1}, {T_RESET_AFTER, 200, -1},
    {T_CUT, 200, -1},        {T_GATEWAY, 502, -1},
    {T_BROKEN, 200, -1},     {T_FAULT_WHOLE, 200, 10002},
};

START_TEST(envelope_seen)
{
    static const char env[] =
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10002,\"ErrorInfo\":\"x\"}";
    struct api_request req = {.method = "POST",
                              .path = API_PATH,
                              .query = "sdkappid=1400000005&identifier=a",
                              .body = "{}",
                              .body_len = 2};
    struct api_answer ans;
    api_answer_init(&ans);
    ans.status = 200;
    ans.error_code = 10002;
    ans.trace.sdkappid = APP_B;
    ck_assert_int_eq(buf_puts(&ans.body, env), 0);
    switch (travel_rows[_i].how) {
    case T_WHOLE:
        break;
    case T_NONE:
        ans.no_answer = 1;
        break;
    case T_RESET_BEFORE:
        ans.no_answer = 1;
        ans.reset = RESET_BEFORE_HEADERS;
        break;
    case T_RESET_AFTER:
        ans.reset = RESET_AFTER_HEADERS;
        break;
    case T_CUT:
        ans.cut_body = 1;
        break;
    case T_GATEWAY:
        ans.status = 502;
        ans.error_code = -1;
        break;
    case T_BROKEN:
        snprintf(ans.trace.fault, sizeof ans.trace.fault, "malformed json");
        ans.body.len /= 2;
        ans.body.data[ans.body.len] = '\0';
        break;
    case T_FAULT_WHOLE:
        snprintf(ans.trace.fault, sizeof ans.trace.fault, "error 10002");
        break;
    }
    journal_record(jr, &req, "application/json", &ans, 0, 1, 1);
    api_answer_release(&ans);
    struct journal_entry e = last_entry(jr);
    ck_assert_int_eq(e.http_status, travel_rows[_i].http_status);
    ck_assert_int_eq(e.error_code, travel_rows[_i].error_code);
}
END_TEST

/* fake_record, then whether the asked Next counted as issued. */
static int fake_call(struct journal *j, uint64_t app, uint64_t asked,
                     uint64_t given)
{
    fake_record(j, app, asked, given);
    return !(last_entry(j).deviations & JD_NEXT_NOT_ISSUED);
}

/* The set keeps exactly the values among the last JOURNAL_ISSUED_MAX
 * issuances of the app, with values issued again and again. */
START_TEST(issued_bound)
{
    enum { RANGE = 40000, ISSUES = 100000 };
    struct journal *j = journal_new(1);
    static uint32_t last[RANGE + 1]; /* 1 + index of the last issuance */
    uint64_t x = 12345;
    memset(last, 0, sizeof last);
    for (uint32_t k = 0; k < ISSUES; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t v = 1 + (x >> 33) % RANGE;
        last[v] = k + 1;
        fake_call(j, APP_A, 0, v);
    }
    int known = 0;
    for (uint64_t v = 1; v <= RANGE; v++) {
        int want = last[v] > ISSUES - JOURNAL_ISSUED_MAX;
        ck_assert_msg(fake_call(j, APP_A, v, 0) == want, "value %llu",
                      (unsigned long long)v);
        known += want;
    }
    ck_assert_int_gt(known, 10000); /* both kinds were checked */
    ck_assert_int_lt(known, RANGE - 1000);
    ck_assert_int_eq(fake_call(j, APP_B, 1 + (x >> 33) % RANGE, 0), 0);
    journal_free(j);
}
END_TEST

/* ---- too fast after a rate-limit error ---- */

static const struct {
    const char *identifier;
    uint64_t mono;
    unsigned rate; /* passed to journal_record */
    int code;
    int too_fast;
} fast_rows[] = {
    {TU_ADMIN, 10000, 2, 0, 0},
    {TU_ADMIN, 10100, 2, 0, 0},
    {TU_ADMIN, 10200, 2, TIM_ERR_RATE_LIMIT, 0},
    {TU_ADMIN, 10300, 2, TIM_ERR_RATE_LIMIT, 1}, /* 100 ms < 1000 / 2 */
    {"admin2", 10301, 2, TIM_ERR_RATE_LIMIT, 0}, /* another client */
    {TU_ADMIN, 11000, 2, 0, 0},                  /* 700 ms later */
    {TU_ADMIN, 11001, 2, 0, 0},
    {TU_ADMIN, 11800, 2, TIM_ERR_RATE_LIMIT, 0},
    {TU_ADMIN, 12000, 2, 0, 1}, /* passed, but only 200 ms later */
    {"admin2", 12001, 2, 0, 0}, /* 1700 ms after its error */
    {TU_ADMIN, 12002, 2, TIM_ERR_RATE_LIMIT, 0}, /* its last answer was 0 */
    {TU_ADMIN, 12003, 2, TIM_ERR_RATE_LIMIT, 1},
    {TU_ADMIN, 12503, 2, TIM_ERR_RATE_LIMIT, 0}, /* exactly 500 ms */
    /* no rate given: 1 s */
    {TU_ADMIN, 13502, 0, 0, 1}, /* 999 ms after #13 */
    {TU_ADMIN, 13600, 0, 0, 0},
    {TU_ADMIN, 13601, 0, TIM_ERR_RATE_LIMIT, 0},
    {TU_ADMIN, 14600, 0, 0, 1}, /* 999 ms */
    {TU_ADMIN, 14601, 0, 0, 0},
};

START_TEST(too_fast)
{
    for (size_t i = 0; i < sizeof fast_rows / sizeof fast_rows[0]; i++) {
        char q[128];
        snprintf(
            q, sizeof q,
            "sdkappid=1400000005&identifier=%s&random=%zu&contenttype=json",
            fast_rows[i].identifier, i);
        struct api_request req = {.method = "POST",
                                  .path = API_PATH,
                                  .query = q,
                                  .body = "{}",
                                  .body_len = 2,
                                  .now = TU_NOW,
                                  .now_ms = fast_rows[i].mono};
        struct api_answer ans;
        api_answer_init(&ans);
        api_handle(&api, &req, &ans);
        journal_record(jr, &req, "application/json", &ans, fast_rows[i].rate,
                       T0, fast_rows[i].mono);
        ck_assert_msg(ans.error_code == fast_rows[i].code, "row %zu: code %d",
                      i, ans.error_code);
        api_answer_release(&ans);
        uint32_t want = fast_rows[i].too_fast ? JD_TOO_FAST : 0;
        ck_assert_msg(last_entry(jr).deviations == want,
                      "row %zu: deviations 0x%x", i, last_entry(jr).deviations);
    }
    /* a clear forgets the last error */
    journal_clear(jr);
    ck_assert_int_eq(send("sdkappid=1400000005&identifier=administrator&"
                          "random=@&contenttype=json",
                          "{}", 15000, NULL),
                     0);
    ck_assert_uint_eq(last_entry(jr).deviations, 0);
}
END_TEST

/* ---- the same random again ---- */

static const struct {
    uint64_t app;
    const char *identifier, *random;
    int repeated;
} random_rows[] = {
    {APP_A, TU_ADMIN, "7", 0},  {APP_A, TU_ADMIN, "8", 0},
    {APP_A, TU_ADMIN, "7", 1},  /* the same client, the same random */
    {APP_A, "admin2", "7", 0},  /* another client of the app */
    {APP_C, TU_ADMIN, "7", 0},  /* the same identifier in another app */
    {APP_A, "admin2", "7", 1},  /* now it repeats too */
    {APP_A, TU_ADMIN, "07", 1}, /* the same number */
    {APP_A, TU_ADMIN, "9", 0},
};

START_TEST(random_repeated)
{
    for (size_t i = 0; i < sizeof random_rows / sizeof random_rows[0]; i++) {
        char tail[64];
        snprintf(tail, sizeof tail, "&random=%s&contenttype=json",
                 random_rows[i].random);
        char *q = query(random_rows[i].app, random_rows[i].identifier, tail);
        send(q, "{}", 100 + i, NULL);
        uint32_t d = last_entry(jr).deviations & JD_RANDOM_REPEATED;
        ck_assert_msg(d == (random_rows[i].repeated ? JD_RANDOM_REPEATED : 0),
                      "row %zu: deviations 0x%x", i, last_entry(jr).deviations);
        free(q);
    }
    /* a clear forgets them */
    journal_clear(jr);
    char *q = query(APP_A, TU_ADMIN, "&random=7&contenttype=json");
    send(q, "{}", 200, NULL);
    ck_assert_uint_eq(last_entry(jr).deviations, 0);
    free(q);
}
END_TEST

START_TEST(null_fields_named)
{
    char *q = query(APP_A, TU_ADMIN, "&random=5&contenttype=json");
    struct buf b;
    send(q, "{\"Limit\":null,\"Next\":null,\"GroupType\":\"Public\"}", 1, NULL);
    struct journal_entry e = last_entry(jr);
    ck_assert_uint_eq(e.deviations, JD_NULL_FIELD);
    buf_init(&b, 1 << 20);
    ck_assert_int_eq(journal_entry_json(&b, &e), 0);
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"deviations\":[\"null_field\"],"
                                 "\"null_fields\":[\"Limit\",\"Next\"]}"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"limit\":null,\"next\":null,"));
    buf_release(&b);
    free(q);
}
END_TEST

/* ---- the JSON of an entry ---- */

START_TEST(entry_json)
{
    char *q = query(APP_A, TU_ADMIN, "&contenttype=json");
    struct buf b;
    uint64_t n1, n2;
    char body[128], want[64];
    send(q, "{\"Limit\":1,\"Next\":0,\"GroupType\":\"Private\"}", 1, &n1);
    ck_assert_uint_eq(n1, KEY_A + 1); /* past 2^53 */
    snprintf(body, sizeof body,
             "{\"Limit\":1,\"Next\":%llu,\"GroupType\":\"Private\"}",
             (unsigned long long)n1);
    send(q, body, 2, &n2);
    ck_assert_uint_eq(n2, KEY_A + 4);
    struct journal_entry e = last_entry(jr);

    buf_init(&b, 1 << 20);
    ck_assert_int_eq(journal_entry_json(&b, &e), 0);
    snprintf(want, sizeof want, "\"next\":%llu,", (unsigned long long)n1);
    ck_assert_ptr_nonnull(strstr(b.data, want));
    ck_assert_ptr_nonnull(strstr(b.data, "\"next\":9007199254740994,"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"answer_next\":9007199254740997,"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"first_key\":9007199254740997,"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"type\":\"Private\""));
    ck_assert_ptr_nonnull(
        strstr(b.data, "\"deviations\":[\"no_random\"],\"null_fields\":[]}"));
    ck_assert_ptr_nonnull(strstr(b.data, "usersig=REDACTED"));

    cJSON *o = cJSON_ParseWithLength(b.data, b.len);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "identifier")->valuestring,
                     TU_ADMIN);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "body_read")));
    ck_assert_int_eq(cJSON_GetObjectItem(o, "limit")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "count")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "error_code")->valueint, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "body")->valuestring, body);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "deviations")),
                     1);
    cJSON_Delete(o);

    /* escapes, bytes that are not UTF-8, nulls for what is absent */
    buf_reset(&b);
    send_to(jr, "GET", "usersig=x&\xff", "text/\"x\"\n",
            "{\"a\":\"\xc3\xa9\xe2\x82\xac\"}\xc3", 3, NULL);
    e = last_entry(jr);
    ck_assert_int_eq(journal_entry_json(&b, &e), 0);
    o = cJSON_ParseWithLength(b.data, b.len);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "query")->valuestring,
                     "usersig=REDACTED&\xef\xbf\xbd");
    ck_assert_str_eq(cJSON_GetObjectItem(o, "content_type")->valuestring,
                     "text/\"x\"\n");
    ck_assert_str_eq(cJSON_GetObjectItem(o, "body")->valuestring,
                     "{\"a\":\"\xc3\xa9\xe2\x82\xac\"}\xef\xbf\xbd");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "next")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "limit")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "type")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "answer_next")));
    ck_assert_int_eq(cJSON_GetObjectItem(o, "sdkappid")->valueint, 0);
    /* v2: the method comes after the credentials */
    ck_assert_int_eq(cJSON_GetObjectItem(o, "error_code")->valueint,
                     TIM_ERR_NO_SDKAPPID);
    cJSON_Delete(o);

    /* a cap too small fails */
    struct buf small;
    buf_init(&small, 50);
    ck_assert_int_eq(journal_entry_json(&small, &e), -1);
    buf_release(&small);
    buf_release(&b);
    free(q);
}
END_TEST

/* ---- threads ---- */

static void *record_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 500; i++)
        fake_record(jr, APP_A, 0, (uint64_t)i + 1);
    return NULL;
}

START_TEST(threads)
{
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, record_many, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    struct journal_entry *e = NULL;
    ck_assert_int_eq(journal_copy(jr, NULL, &e), 1000);
    /* the oldest 1000 of 2000 were dropped; seq has no gap */
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(e[i].seq, (uint64_t)(1001 + i));
    free(e);
}
END_TEST

/* ---- verify ---- */

/* A client pulling app's groups of type (NULL: all) with Limit limit from
 * Next 0 until Next 0, at most max_calls requests, starting at *mono, 10 ms
 * apart; after an error it waits wait_ms and asks again with the same Next,
 * or from Next 0 when restart is set. */
static void pull(uint64_t app, const char *type, unsigned limit, int max_calls,
                 uint64_t wait_ms, int restart, uint64_t *mono)
{
    char *q = query(app, TU_ADMIN, "&random=@&contenttype=json");
    char body[160], tail[48] = "";
    uint64_t next = 0, got;
    if (type)
        snprintf(tail, sizeof tail, ",\"GroupType\":\"%s\"", type);
    for (int i = 0; i < max_calls; i++) {
        snprintf(body, sizeof body, "{\"Limit\":%u,\"Next\":%llu%s}", limit,
                 (unsigned long long)next, tail);
        int code = send(q, body, *mono, &got);
        if (code != 0) {
            *mono += wait_ms;
            next = restart ? 0 : next;
            continue;
        }
        *mono += 10;
        next = got;
        if (!next)
            break;
    }
    free(q);
}

enum scenario {
    CLEAN,         /* all of A, Limit 3: 4 requests */
    CLEAN_PUBLIC,  /* A's Public groups, Limit 3: 3 requests */
    STOP_EARLY,    /* all of A, Limit 3, only the first page */
    SKIP,          /* all of A, Limit 2, the second page skipped */
    REPEAT,        /* all of A, Limit 3, the first page twice */
    BACK_ONE,      /* all of A, Limit 2, the first three Nexts sent one
                      less: pages 2 to 4 start with the last group of the
                      page before */
    FAULT_RETRY,   /* all of C, Limit 2: #3 gets 10002, asked again 250 ms on */
    FAULT_RESTART, /* the same, but starting over after the error */
    FAULT_TYPE,    /* the same, but asking again for Public groups only */
    RATE,          /* B: 4 calls within a second, the last two refused */
    DEVIATING,     /* B: 25 calls without random, a second apart */
};

static void run_scenario(enum scenario s)
{
    uint64_t mono = 100000, next;
    char *q = query(APP_A, TU_ADMIN, "&random=@&contenttype=json");
    char body[128];
    switch (s) {
    case CLEAN:
        pull(APP_A, NULL, 3, 100, 0, 0, &mono);
        break;
    case CLEAN_PUBLIC:
        pull(APP_A, "Public", 3, 100, 0, 0, &mono);
        break;
    case STOP_EARLY:
        pull(APP_A, NULL, 3, 1, 0, 0, &mono);
        break;
    case SKIP:
        send(q, "{\"Limit\":2,\"Next\":0}", mono, &next);
        snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
                 (unsigned long long)next + 2);
        for (int i = 0; i < 10 && next; i++) {
            send(q, body, mono += 10, &next);
            snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
                     (unsigned long long)next);
        }
        break;
    case REPEAT:
        send(q, "{\"Limit\":3,\"Next\":0}", mono, &next);
        pull(APP_A, NULL, 3, 100, 0, 0, &mono);
        break;
    case BACK_ONE:
        send(q, "{\"Limit\":2,\"Next\":0}", mono, &next);
        for (int i = 0; i < 40 && next; i++) {
            /* three pages one group back, then the Next as given */
            snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
                     (unsigned long long)next - (i < 3));
            send(q, body, mono += 10, &next);
        }
        ck_assert_msg(!next, "the pull one group back never ended");
        break;
    case FAULT_RETRY:
        pull(APP_C, NULL, 2, 100, 250, 0, &mono);
        break;
    case FAULT_RESTART:
        pull(APP_C, NULL, 2, 8, 250, 1, &mono);
        break;
    case FAULT_TYPE: {
        char *qc = query(APP_C, TU_ADMIN, "&random=@&contenttype=json");
        next = 0;
        for (int i = 0; i < 2; i++) {
            snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
                     (unsigned long long)next);
            ck_assert_int_eq(send(qc, body, mono += 10, &next), 0);
        }
        snprintf(body, sizeof body, "{\"Limit\":2,\"Next\":%llu}",
                 (unsigned long long)next);
        ck_assert_int_eq(send(qc, body, mono += 10, NULL), 10002);
        snprintf(body, sizeof body,
                 "{\"Limit\":2,\"Next\":%llu,\"GroupType\":\"Public\"}",
                 (unsigned long long)next);
        send(qc, body, mono += 250, NULL);
        free(qc);
        break;
    }
    case RATE:
        for (int i = 0; i < 4; i++)
            send("sdkappid=1400000005&identifier=administrator&random=@&"
                 "contenttype=json",
                 "{\"Next\":0}", mono + (uint64_t)i * 100, NULL);
        break;
    case DEVIATING:
        for (int i = 0; i < 25; i++)
            send("sdkappid=1400000005&identifier=administrator&"
                 "contenttype=json",
                 "{\"Next\":0}", mono + (uint64_t)i * 1000, NULL);
        break;
    }
    free(q);
}

#define PULLED_ALL "{\"pulled_all\":{}}"
#define FOLLOWED   "{\"followed_next\":true}"
#define STOPPED    "{\"stopped_at_zero\":true}"
#define NO_DEV     "{\"no_deviation\":true}"
#define IN_RATE    "{\"within_rate_limit\":true}"
#define RESULT(name, pass, reasons)                                            \
    "{\"expect\":\"" name "\",\"pass\":" pass ",\"reasons\":[" reasons "]}"

static const struct {
    enum scenario s;
    uint64_t app;
    const char *expectations;
    int rc;
    const char *want[3]; /* texts the output must hold */
    int n_reasons;       /* of the first result; -1: not checked */
} verify_rows[] = {
    {CLEAN,
     APP_A,
     "[" PULLED_ALL "," FOLLOWED "," STOPPED "," NO_DEV "," IN_RATE "]",
     1,
     {"{\"pass\":true,\"results\":[" RESULT("pulled_all", "true", "") ","},
     0},
    {CLEAN,
     APP_A,
     "[{\"pulled_all\":{\"type\":\"Public\"}}]",
     0,
     {RESULT("pulled_all", "false",
             "\"no request for Public succeeded\","
             "\"4 groups of Public were never served\"")},
     2},
    {CLEAN_PUBLIC,
     APP_A,
     "[{\"pulled_all\":{\"type\":\"Public\"}}," FOLLOWED "," STOPPED "]",
     1,
     {"\"pass\":true"},
     0},
    {CLEAN_PUBLIC,
     APP_A,
     "[" PULLED_ALL "]",
     0,
     {"\"7 groups of all types were never served\""},
     2},
    {STOP_EARLY,
     APP_A,
     "[" PULLED_ALL "," STOPPED "," FOLLOWED "]",
     0,
     {"{\"pass\":false,\"results\":[" RESULT(
          "pulled_all", "false", "\"4 groups of all types were never served\""),
      RESULT("stopped_at_zero", "false",
             "\"the pull of all types stopped at Next 9007199254740995 "
             "without reaching 0\""),
      RESULT("followed_next", "true", "")},
     1},
    {SKIP,
     APP_A,
     "[" FOLLOWED "," PULLED_ALL "," STOPPED "]",
     0,
     {RESULT("followed_next", "false",
             "\"request #2 sent Next 9007199254740996, the previous answer "
             "gave 9007199254740994\""),
      RESULT("pulled_all", "false",
             "\"2 groups of all types were never served\""),
      RESULT("stopped_at_zero", "true", "")},
     1},
    {REPEAT,
     APP_A,
     "[" PULLED_ALL "," FOLLOWED "]",
     0,
     {RESULT("pulled_all", "false",
             "\"pages #1 and #2 overlap (a group served twice)\""),
      RESULT("followed_next", "true", "")},
     1},
    /* pages that share only their boundary group overlap too */
    {BACK_ONE,
     APP_A,
     "[" PULLED_ALL "]",
     0,
     {RESULT("pulled_all", "false",
             "\"pages #1 and #2 overlap (a group served twice)\","
             "\"pages #2 and #3 overlap (a group served twice)\","
             "\"pages #3 and #4 overlap (a group served twice)\"")},
     3},
    {FAULT_RETRY,
     APP_C,
     "[{\"retried_after\":{\"error_code\":10002,\"min_wait_ms\":250}},"
     " " FOLLOWED "," PULLED_ALL "," STOPPED "," NO_DEV "]",
     1,
     {"\"pass\":true"},
     0},
    {FAULT_RETRY,
     APP_C,
     "[{\"retried_after\":{\"error_code\":10002,\"min_wait_ms\":251}}]",
     0,
     {RESULT("retried_after", "false",
             "\"request #3 got 10002; request #4 asked again after 250 ms (at "
             "least 251 ms wanted)\"")},
     1},
    {FAULT_RETRY,
     APP_C,
     "[{\"retried_after\":{\"error_code\":10018}}]",
     0,
     {"\"no answer had ErrorCode 10018, so no retry was tested\""},
     1},
    {FAULT_RESTART,
     APP_C,
     "[{\"retried_after\":{\"error_code\":10002,\"min_wait_ms\":100}}]",
     0,
     {"\"request #3 got 10002; the next request #4 asked for Next 0 instead "
      "of 4454685364\""},
     2},
    {FAULT_TYPE,
     APP_C,
     "[{\"retried_after\":{\"error_code\":10002,\"min_wait_ms\":100}}]",
     0,
     {"\"request #3 got 10002; the next request #4 asked for Public instead "
      "of all types\""},
     1},
    {RATE,
     APP_B,
     "[" IN_RATE "," NO_DEV "]",
     0,
     {RESULT("within_rate_limit", "false",
             "\"request #3 got 60007 (over the rate limit)\","
             "\"request #4 got 60007 (over the rate limit)\""),
      RESULT("no_deviation", "false",
             "\"#4: sent again less than 1 s / rate after a rate-limit "
             "error\"")},
     2},
    {DEVIATING,
     APP_B,
     "[{\"no_deviation\":[\"next_as_string\",\"field_case\"]}]",
     1,
     {"\"pass\":true"},
     0},
    {DEVIATING,
     APP_B,
     "[{\"no_deviation\":[\"no_random\"]}," IN_RATE "]",
     0,
     {"\"reasons\":[\"#1: no random parameter\",\"#2: no random parameter\"",
      "\"#19: no random parameter\",\"... and 6 more\"]}",
      RESULT("within_rate_limit", "true", "")},
     VERIFY_REASONS_MAX},
};

START_TEST(verify_expectations)
{
    run_scenario(verify_rows[_i].s);
    struct journal_filter f = {.sdkappid = verify_rows[_i].app};
    struct journal_entry *e = NULL;
    long n = journal_copy(jr, &f, &e);
    ck_assert_int_gt(n, 0);
    struct groupset *gs = app_groups(store_find_app(fx.store, f.sdkappid));
    cJSON *x = cJSON_Parse(verify_rows[_i].expectations);
    ck_assert_ptr_nonnull(x);
    struct buf out;
    buf_init(&out, 1 << 20);
    int rc = verify_run(x, e, (size_t)n, gs, &out);
    ck_assert_msg(rc == verify_rows[_i].rc, "row %d: rc %d: %s", _i, rc,
                  out.data);
    for (int k = 0; k < 3 && verify_rows[_i].want[k]; k++)
        ck_assert_msg(strstr(out.data, verify_rows[_i].want[k]),
                      "row %d: %s\nnot in %s", _i, verify_rows[_i].want[k],
                      out.data);

    /* the output is JSON and agrees with rc */
    cJSON *o = cJSON_ParseWithLength(out.data, out.len);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(o, "pass")), rc == 1);
    cJSON *results = cJSON_GetObjectItem(o, "results");
    ck_assert_int_eq(cJSON_GetArraySize(results), cJSON_GetArraySize(x));
    if (verify_rows[_i].n_reasons >= 0)
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(
                             cJSON_GetArrayItem(results, 0), "reasons")),
                         verify_rows[_i].n_reasons);
    cJSON_Delete(o);
    cJSON_Delete(x);
    buf_release(&out);
    groupset_release(gs);
    free(e);
}
END_TEST

/* pulled_all over a pull, Limit 1, of A's groups of a type (NULL: all)
 * that leaves out exactly one group, the first, a middle or the last of the
 * type (skip -1: none), asking for it by the Next of the group before, and
 * ends with the empty page after the last group. */
static const struct {
    const char *type;
    int skip;
} miss_rows[] = {
    {NULL, -1},     {NULL, 0},      {NULL, 3},      {NULL, 6},
    {"Public", -1}, {"Public", 0},  {"Public", 2},  {"Public", 3},
    {"Private", 0}, {"Private", 1}, {"Private", 2},
};

START_TEST(pulled_all_misses_one)
{
    const char *type = miss_rows[_i].type;
    int gt = type ? group_type_parse(type, strlen(type), 0) : GT_ALL;
    const struct app *a = store_find_app(fx.store, APP_A);
    uint64_t keys[8];
    size_t n = 0;
    for (size_t i = 0; i < a->gs->n_groups; i++)
        if (gt == GT_ALL || a->gs->groups[i].type == gt) {
            ck_assert_uint_lt(n, 8);
            keys[n++] = a->gs->groups[i].key;
        }
    ck_assert_uint_ge(n, 3);
    char *q = query(APP_A, TU_ADMIN, "&random=@&contenttype=json");
    char body[160], tail[48] = "";
    if (type)
        snprintf(tail, sizeof tail, ",\"GroupType\":\"%s\"", type);
    uint64_t mono = 100000, next;
    for (size_t i = 0; i <= n; i++) {
        if ((int)i == miss_rows[_i].skip)
            continue;
        snprintf(body, sizeof body, "{\"Limit\":1,\"Next\":%llu%s}",
                 (unsigned long long)(i ? keys[i - 1] : 0), tail);
        ck_assert_int_eq(send(q, body, mono += 10, &next), 0);
    }
    free(q);

    char x_json[96];
    snprintf(x_json, sizeof x_json, "[{\"pulled_all\":{%s%s%s}}]",
             type ? "\"type\":\"" : "", type ? type : "", type ? "\"" : "");
    cJSON *x = cJSON_Parse(x_json);
    ck_assert_ptr_nonnull(x);
    struct journal_filter f = {.sdkappid = APP_A};
    struct journal_entry *e = NULL;
    long got = journal_copy(jr, &f, &e);
    ck_assert_int_eq(got, (long)n + (miss_rows[_i].skip < 0));
    struct groupset *gs = app_groups(store_find_app(fx.store, APP_A));
    struct buf out;
    buf_init(&out, 1 << 20);
    int rc = verify_run(x, e, (size_t)got, gs, &out);
    char want[256];
    if (miss_rows[_i].skip < 0)
        snprintf(want, sizeof want,
                 "{\"pass\":true,\"results\":[" RESULT("pulled_all", "true",
                                                       "") "]}");
    else
        snprintf(want, sizeof want,
                 "{\"pass\":false,\"results\":[" RESULT(
                     "pulled_all", "false",
                     "\"1 groups of %s were never served\"") "]}",
                 type ? type : "all types");
    ck_assert_int_eq(rc, miss_rows[_i].skip < 0);
    ck_assert_str_eq(out.data, want);
    buf_release(&out);
    groupset_release(gs);
    cJSON_Delete(x);
    free(e);
}
END_TEST

static const struct {
    const char *expectations, *error;
} malformed_rows[] = {
    {"[{\"pulled_al\":{}}]", "$[0]: unknown expectation \"pulled_al\""},
    {"[" FOLLOWED ",{\"x\":true}]", "$[1]: unknown expectation \"x\""},
    {"{}", "$: must be a non-empty array of expectations"},
    {"[]", "$: must be a non-empty array of expectations"},
    {"[{\"followed_next\":true,\"stopped_at_zero\":true}]",
     "$[0]: must be an object with exactly one key"},
    {"[{}]", "$[0]: must be an object with exactly one key"},
    {"[true]", "$[0]: must be an object with exactly one key"},
    {"[{\"followed_next\":false}]", "$[0].followed_next: must be true"},
    {"[{\"within_rate_limit\":1}]", "$[0].within_rate_limit: must be true"},
    {"[{\"pulled_all\":true}]",
     "$[0].pulled_all: must be an object, {} or {\"type\": ...}"},
    {"[{\"pulled_all\":{\"type\":\"Work\"}}]",
     "$[0].pulled_all: \"type\" must be one of Public, Private, ChatRoom, "
     "AVChatRoom, BChatRoom, Community"},
    {"[{\"pulled_all\":{\"Type\":\"Public\"}}]",
     "$[0].pulled_all: unknown key \"Type\""},
    {"[{\"retried_after\":{\"min_wait_ms\":5}}]",
     "$[0].retried_after: \"error_code\" must be a non-zero ErrorCode (-1: "
     "no envelope)"},
    {"[{\"retried_after\":{\"error_code\":10002,\"min_wait_ms\":-1}}]",
     "$[0].retried_after: \"min_wait_ms\" must be an integer from 0"},
    {"[{\"retried_after\":{\"error_code\":10002.5}}]",
     "$[0].retried_after: \"error_code\" must be a non-zero ErrorCode (-1: "
     "no envelope)"},
    {"[{\"no_deviation\":[\"no_random\",\"bogus\"]}]",
     "$[0].no_deviation: element 1: unknown deviation \"bogus\""},
    {"[{\"no_deviation\":[]}]",
     "$[0].no_deviation: must be true or a non-empty array of deviation "
     "names"},
};

START_TEST(verify_malformed)
{
    cJSON *x = cJSON_Parse(malformed_rows[_i].expectations);
    ck_assert_ptr_nonnull(x);
    struct buf out;
    buf_init(&out, 4096);
    ck_assert_int_eq(verify_run(x, NULL, 0, NULL, &out), -1);
    cJSON *o = cJSON_ParseWithLength(out.data, out.len);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "error")->valuestring,
                     malformed_rows[_i].error);
    ck_assert_int_eq(cJSON_GetArraySize(o), 1);
    cJSON_Delete(o);
    cJSON_Delete(x);
    buf_release(&out);
}
END_TEST

/* No entries at all: each expectation that needs a pull fails; an output
 * cap too small gives -2. */
START_TEST(verify_empty)
{
    cJSON *x = cJSON_Parse("[" PULLED_ALL "," FOLLOWED "," STOPPED "," IN_RATE
                           "," NO_DEV "]");
    struct buf out;
    buf_init(&out, 4096);
    ck_assert_int_eq(verify_run(x, NULL, 0, NULL, &out), 0);
    ck_assert_ptr_nonnull(
        strstr(out.data, RESULT("pulled_all", "false",
                                "\"no request for all types succeeded\"")));
    ck_assert_ptr_nonnull(
        strstr(out.data, RESULT("stopped_at_zero", "false",
                                "\"no request succeeded, so no pull was "
                                "finished\"")));
    ck_assert_ptr_nonnull(
        strstr(out.data, RESULT("followed_next", "true", "")));
    buf_release(&out);
    buf_init(&out, 30);
    ck_assert_int_eq(verify_run(x, NULL, 0, NULL, &out), -2);
    buf_release(&out);
    cJSON_Delete(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, deviations, 0,
                        sizeof dev_rows / sizeof dev_rows[0]);
    tcase_add_test(tc, deviation_table);
    tcase_add_loop_test(tc, redaction, 0,
                        sizeof redact_rows / sizeof redact_rows[0]);
    tcase_add_test(tc, redaction_bounds);
    tcase_add_loop_test(tc, secrets_under_other_names, 0,
                        sizeof secret_rows / sizeof secret_rows[0]);
    tcase_add_test(tc, entry_fields);
    tcase_add_test(tc, ring_bound);
    tcase_add_test(tc, slot_reused);
    tcase_add_loop_test(tc, filters, 0,
                        sizeof filter_rows / sizeof filter_rows[0]);
    tcase_add_test(tc, next_not_issued);
    tcase_add_test(tc, issued_bound);
    tcase_add_test(tc, too_fast);
    tcase_add_test(tc, entry_json);
    tcase_add_test(tc, random_repeated);
    tcase_add_test(tc, null_fields_named);
    tcase_add_test(tc, threads);
    tcase_add_loop_test(tc, envelope_seen, 0,
                        sizeof travel_rows / sizeof travel_rows[0]);
    tcase_add_loop_test(tc, verify_expectations, 0,
                        sizeof verify_rows / sizeof verify_rows[0]);
    tcase_add_loop_test(tc, pulled_all_misses_one, 0,
                        sizeof miss_rows / sizeof miss_rows[0]);
    tcase_add_loop_test(tc, verify_malformed, 0,
                        sizeof malformed_rows / sizeof malformed_rows[0]);
    tcase_add_test(tc, verify_empty);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
