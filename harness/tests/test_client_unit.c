/*
 * Unit tests of the client library's pure modules, without sockets:
 *
 *   - url: percent-encoding, the exact URL of a call, and the redacted form
 *     that logs show (the usersig value hidden, nothing else touched);
 *   - regions: the table of SPEC section 1, looked up by name, short name
 *     and Host header;
 *   - usersig: a UserSig made the way the client makes one (zlib level -1)
 *     is taken by the mock's check, and its TLS.sig is SPEC section 5's
 *     vector;
 *   - retry: which failures are retried, the backoff's bounds, and when a
 *     fake clock says the budget is spent;
 *   - cursorwatch: a cursor that comes again, at once or later;
 *   - sink: an answer taken up to its cap, refused one byte past it;
 *   - reader: answers read as envelopes and pages, without a JSON tree,
 *     in one pass that judges a text valid exactly when jsonint_valid
 *     does; a page's IDs left in the answer's buffer, unescaped in place,
 *     however the answer came in pieces;
 *   - tim_client_new and tim_client_url: configuration checks and the URL a
 *     region resolves to (a handle opens no connection until it calls);
 *   - tim_raw_header: a header's value found in a raw answer's header block.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursorwatch.h"
#include "sink.h"
#include "errors.h"
#include "jsonint.h"
#include "reader.h"
#include "regions.h"
#include "retry.h"
#include "timclient.h"
#include "url.h"
#include "usersig.h"

#define KEY      "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define API_CALL "group_open_http_svc", "get_appid_group_list"

/* url_escape */

static const struct {
    const char *in, *out;
} escape_rows[] = {
    {"", ""},
    {"administrator", "administrator"},
    {"AZaz09", "AZaz09"},
    {"-_.~", "-_.~"}, /* RFC 3986 unreserved: kept */
    {"*", "%2A"},     /* UserSig's '+' stand-in is reserved */
    {"a b", "a%20b"}, /* never '+' */
    {"a+b", "a%2Bb"}, /* '+' would read as a space */
    {"&=?#/:@", "%26%3D%3F%23%2F%3A%40"},
    {"100%", "100%25"},
    {"\"<>\\", "%22%3C%3E%5C"},
    {"\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9"}, /* "été" in UTF-8 */
    {"\xe7\xbe\xa4", "%E7%BE%A4"},          /* a CJK character */
    {"\xf0\x9f\x98\x80", "%F0%9F%98%80"},   /* an emoji */
    {"\x01\x7f\xff", "%01%7F%FF"},          /* controls, high byte */
    {"eJyr*-_", "eJyr%2A-_"},               /* a UserSig's tail */
};

START_TEST(url_escape_rows)
{
    char out[256];
    int n = url_escape(escape_rows[_i].in, out, sizeof out);
    ck_assert_str_eq(out, escape_rows[_i].out);
    ck_assert_int_eq(n, (int)strlen(escape_rows[_i].out));
}
END_TEST

/* The output must fit with its NUL: exactly len + 1 bytes is enough, one
 * less is -1. */
START_TEST(url_escape_buffer_size)
{
    char out[16];
    ck_assert_int_eq(url_escape("abc", out, 4), 3);
    ck_assert_str_eq(out, "abc");
    ck_assert_int_eq(url_escape("abc", out, 3), -1);
    ck_assert_int_eq(url_escape("\xc3\xa9", out, 7), 6);
    ck_assert_str_eq(out, "%C3%A9");
    ck_assert_int_eq(url_escape("\xc3\xa9", out, 6), -1);
    ck_assert_int_eq(url_escape("", out, 1), 0);
    ck_assert_int_eq(url_escape("", out, 0), -1);
}
END_TEST

/* url_build */

static const struct {
    const char *base, *identifier, *usersig;
    uint64_t sdkappid;
    uint32_t random;
    const char *url;
} build_rows[] = {
    {"http://127.0.0.1:8080", "administrator", "abc", 1400000000, 42,
     "http://127.0.0.1:8080/v4/group_open_http_svc/get_appid_group_list"
     "?sdkappid=1400000000&identifier=administrator&usersig=abc&random=42"
     "&contenttype=json"},
    {"http://127.0.0.1:8080/", "administrator", "abc", 1400000000, 42,
     "http://127.0.0.1:8080/v4/group_open_http_svc/get_appid_group_list"
     "?sdkappid=1400000000&identifier=administrator&usersig=abc&random=42"
     "&contenttype=json"},
    {"https://console.tim.qq.com///", "admin", "s", 1, 0,
     "https://console.tim.qq.com/v4/group_open_http_svc/get_appid_group_list"
     "?sdkappid=1&identifier=admin&usersig=s&random=0&contenttype=json"},
    {"https://adminapisgp.im.qcloud.com", "a b&c", "eJy*-_", 4294967295u,
     4294967295u,
     "https://adminapisgp.im.qcloud.com/v4/group_open_http_svc/"
     "get_appid_group_list?sdkappid=4294967295&identifier=a%20b%26c"
     "&usersig=eJy%2A-_&random=4294967295&contenttype=json"},
    {"http://h:1", "\xe7\xbe\xa4", "x", 18446744073709551615u, 7,
     "http://h:1/v4/group_open_http_svc/get_appid_group_list"
     "?sdkappid=18446744073709551615&identifier=%E7%BE%A4&usersig=x"
     "&random=7&contenttype=json"},
};

START_TEST(url_build_rows)
{
    char out[1024];
    int n = url_build(out, sizeof out, build_rows[_i].base, API_CALL,
                      build_rows[_i].sdkappid, build_rows[_i].identifier,
                      build_rows[_i].usersig, build_rows[_i].random);
    ck_assert_str_eq(out, build_rows[_i].url);
    ck_assert_int_eq(n, (int)strlen(build_rows[_i].url));
}
END_TEST

START_TEST(url_build_too_small)
{
    char out[1024];
    int n = url_build(out, sizeof out, "http://h:1", API_CALL, 1, "a", "b", 2);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(
        url_build(out, (size_t)n + 1, "http://h:1", API_CALL, 1, "a", "b", 2),
        n);
    ck_assert_int_eq(
        url_build(out, (size_t)n, "http://h:1", API_CALL, 1, "a", "b", 2), -1);
}
END_TEST

/* url_redact */

static const struct {
    const char *what, *in, *out;
} redact_rows[] = {
    {"middle",
     "https://h/v4/s/c?sdkappid=1&identifier=a&usersig=eJy*SECRET-_&random=1"
     "&contenttype=json",
     "https://h/v4/s/c?sdkappid=1&identifier=a&usersig=REDACTED&random=1"
     "&contenttype=json"},
    {"last", "https://h/v4/s/c?sdkappid=1&usersig=SECRET",
     "https://h/v4/s/c?sdkappid=1&usersig=REDACTED"},
    {"first", "https://h/v4/s/c?usersig=SECRET&sdkappid=1",
     "https://h/v4/s/c?usersig=REDACTED&sdkappid=1"},
    {"only", "http://h:1/p?usersig=SECRET", "http://h:1/p?usersig=REDACTED"},
    {"empty value: nothing to hide", "http://h/p?a=1&usersig=&b=2",
     "http://h/p?a=1&usersig=&b=2"},
    {"the name in any case", "http://h/p?UserSig=SECRET&USERSIG=SECRET",
     "http://h/p?UserSig=REDACTED&USERSIG=REDACTED"},
    {"the name percent-encoded", "http://h/p?%75ser%53ig=SECRET",
     "http://h/p?%75ser%53ig=REDACTED"},
    {"before a fragment", "http://h/p?usersig=SECRET#frag",
     "http://h/p?usersig=REDACTED#frag"},
    {"xusersig is another parameter", "http://h/p?xusersig=abc&sdkappid=1",
     "http://h/p?xusersig=abc&sdkappid=1"},
    {"xusersig, then usersig", "http://h/p?xusersig=abc&usersig=SECRET&z=1",
     "http://h/p?xusersig=abc&usersig=REDACTED&z=1"},
    {"usersig_old is another parameter", "http://h/p?usersig_old=abc",
     "http://h/p?usersig_old=abc"},
    {"in the path only", "http://h/usersig=abc/p?a=1",
     "http://h/usersig=abc/p?a=1"},
    {"none", "http://h/p?sdkappid=1&identifier=a",
     "http://h/p?sdkappid=1&identifier=a"},
    {"no query", "http://h/p", "http://h/p"},
};

START_TEST(url_redact_rows)
{
    char out[1024];
    memset(out, 'Z', sizeof out);
    url_redact(redact_rows[_i].in, out, sizeof out);
    ck_assert_msg(strcmp(out, redact_rows[_i].out) == 0, "%s: got '%s'",
                  redact_rows[_i].what, out);
}
END_TEST

/* A short buffer gets a NUL-terminated prefix of the redacted URL, never
 * the secret. */
START_TEST(url_redact_cut_short)
{
    const char *in = "http://h/p?usersig=SECRETSECRET&a=1";
    const char *full = "http://h/p?usersig=REDACTED&a=1";
    char out[64];
    for (size_t n = 1; n <= strlen(full) + 1; n++) {
        memset(out, 'Z', sizeof out);
        url_redact(in, out, n);
        ck_assert_uint_eq(strlen(out), n - 1);
        ck_assert_int_eq(strncmp(out, full, n - 1), 0);
        ck_assert_ptr_null(strstr(out, "SECRET"));
    }
    out[0] = 'Z';
    url_redact(in, out, 0); /* writes nothing */
    ck_assert_int_eq(out[0], 'Z');
}
END_TEST

/* regions: SPEC section 1, row by row. */

static const struct {
    const char *name, *short_name, *primary, *backup;
} region_rows[] = {
    {"china", "cn", "console.tim.qq.com", "adminapi.my-imcloud.com"},
    {"singapore", "sgp", "adminapisgp.im.qcloud.com",
     "adminapisgp.my-imcloud.com"},
    {"seoul", "kr", "adminapikr.im.qcloud.com", "adminapikr.my-imcloud.com"},
    {"tokyo", "jpn", "adminapijpn.im.qcloud.com", "adminapijpn.my-imcloud.com"},
    {"frankfurt", "ger", "adminapiger.im.qcloud.com",
     "adminapiger.my-imcloud.com"},
    {"mumbai", "ind", "adminapiind.im.qcloud.com",
     "adminapiind.my-imcloud.com"},
    {"siliconvalley", "usa", "adminapiusa.im.qcloud.com",
     "adminapiusa.my-imcloud.com"},
    {"jakarta", "idn", "adminapiidn.im.qcloud.com",
     "adminapiidn.my-imcloud.com"},
};

#define N_REGIONS (sizeof region_rows / sizeof region_rows[0])

/* Upper-cases every other letter: "SiNgApOrE". */
static void mixed_case(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)(i % 2 == 0 && in[i] >= 'a' && in[i] <= 'z'
                            ? in[i] - 'a' + 'A'
                            : in[i]);
    out[i] = '\0';
}

START_TEST(region_by_name)
{
    const struct tim_region *r = tim_region_find(region_rows[_i].name);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->name, region_rows[_i].name);
    ck_assert_str_eq(r->short_name, region_rows[_i].short_name);
    ck_assert_str_eq(r->primary, region_rows[_i].primary);
    ck_assert_str_eq(r->backup, region_rows[_i].backup);
    ck_assert_ptr_eq(tim_region_find(region_rows[_i].short_name), r);
    char name[64];
    mixed_case(region_rows[_i].name, name, sizeof name);
    ck_assert_ptr_eq(tim_region_find(name), r);
    mixed_case(region_rows[_i].short_name, name, sizeof name);
    ck_assert_ptr_eq(tim_region_find(name), r);
    ck_assert_ptr_eq(tim_region_find(region_rows[_i].primary), NULL);
}
END_TEST

START_TEST(region_by_host)
{
    const struct tim_region *r = tim_region_find(region_rows[_i].name);
    char host[128];
    ck_assert_ptr_eq(tim_region_by_host(region_rows[_i].primary), r);
    ck_assert_ptr_eq(tim_region_by_host(region_rows[_i].backup), r);
    snprintf(host, sizeof host, "%s:443", region_rows[_i].primary);
    ck_assert_ptr_eq(tim_region_by_host(host), r);
    snprintf(host, sizeof host, "%s:8080", region_rows[_i].backup);
    ck_assert_ptr_eq(tim_region_by_host(host), r);
    mixed_case(region_rows[_i].primary, host, sizeof host);
    ck_assert_ptr_eq(tim_region_by_host(host), r);
    /* a longer or shorter name is another host */
    snprintf(host, sizeof host, "x%s", region_rows[_i].primary);
    ck_assert_ptr_null(tim_region_by_host(host));
    snprintf(host, sizeof host, "%s.evil.example", region_rows[_i].primary);
    ck_assert_ptr_null(tim_region_by_host(host));
    snprintf(host, sizeof host, "%.*s", (int)strlen(region_rows[_i].backup) - 1,
             region_rows[_i].backup);
    ck_assert_ptr_null(tim_region_by_host(host));
}
END_TEST

START_TEST(region_unknown)
{
    ck_assert_uint_eq(tim_region_count, N_REGIONS);
    static const char *const names[] = {
        "mars", "", "sg", "singapore ", "console.tim.qq.com", "china-2"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(tim_region_find(names[i]) == NULL, "'%s' found",
                      names[i]);
    ck_assert_ptr_null(tim_region_find(NULL));
    static const char *const hosts[] = {"127.0.0.1", "127.0.0.1:8080",
                                        "localhost", "",
                                        ":443",      "im.qcloud.com"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
        ck_assert_msg(tim_region_by_host(hosts[i]) == NULL, "'%s' found",
                      hosts[i]);
    ck_assert_ptr_null(tim_region_by_host(NULL));
}
END_TEST

/* usersig: made as the client makes it, checked as the mock checks it. */

static const struct {
    const char *what, *key;
    uint64_t sdkappid;
    const char *identifier;
    int64_t now;
    int code;
} sig_rows[] = {
    {"valid", KEY, 1400000000, "xiaojun", 1700000100, TIM_ERR_OK},
    {"valid when made", KEY, 1400000000, "xiaojun", 1700000000, TIM_ERR_OK},
    {"made in the future", KEY, 1400000000, "xiaojun", 1600000000, TIM_ERR_OK},
    {"last valid second", KEY, 1400000000, "xiaojun", 1715552000, TIM_ERR_OK},
    {"expired", KEY, 1400000000, "xiaojun", 1715552001, TIM_ERR_SIG_EXPIRED},
    {"another key", "not the key", 1400000000, "xiaojun", 1700000100,
     TIM_ERR_SIG_MISMATCH},
    {"another identifier", KEY, 1400000000, "xiaojun2", 1700000100,
     TIM_ERR_SIG_IDENTIFIER},
    {"another app", KEY, 1400000001, "xiaojun", 1700000100,
     TIM_ERR_SIG_SDKAPPID},
};

START_TEST(usersig_client_made)
{
    char *sig = NULL;
    ck_assert_int_eq(usersig_make(KEY, 1400000000, "xiaojun", 1700000000,
                                  15552000, NULL, 0, -1, &sig),
                     0);
    ck_assert_ptr_nonnull(sig);
    /* the URL-safe alphabet only */
    ck_assert_uint_eq(strspn(sig, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                  "qrstuvwxyz0123456789*-_"),
                      strlen(sig));
    struct usersig_doc doc;
    memset(&doc, 0, sizeof doc);
    int code = usersig_verify(sig, sig_rows[_i].key, sig_rows[_i].sdkappid,
                              sig_rows[_i].identifier, sig_rows[_i].now, &doc);
    ck_assert_msg(code == sig_rows[_i].code, "%s: got %d", sig_rows[_i].what,
                  code);
    ck_assert_str_eq(doc.identifier, "xiaojun");
    ck_assert_uint_eq(doc.sdkappid, 1400000000);
    ck_assert_int_eq(doc.time, 1700000000);
    ck_assert_int_eq(doc.expire, 15552000);
    ck_assert_int_eq(doc.has_userbuf, 0);
    /* SPEC section 5's vector */
    ck_assert_str_eq(doc.sig, "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=");
    free(sig);
}
END_TEST

/* retry_is_transient */

static const struct {
    long error_code, http_status;
    int transport, transient;
} transient_rows[] = {
    {10002, 200, 0, 1}, {60007, 200, 0, 1}, {10004, 200, 0, 0},
    {10007, 200, 0, 0}, {10018, 200, 0, 0}, {70001, 200, 0, 0},
    {70002, 200, 0, 0}, {70003, 200, 0, 0}, {70009, 200, 0, 0},
    {70013, 200, 0, 0}, {70014, 200, 0, 0}, {70016, 200, 0, 0},
    {60002, 200, 0, 0}, {60003, 200, 0, 0}, {60006, 200, 0, 0},
    {0, 500, 0, 1},     {0, 502, 0, 1},     {0, 503, 0, 1},
    {0, 504, 0, 1},     {0, 599, 0, 1},     {0, 404, 0, 0},
    {0, 400, 0, 0},     {0, 429, 0, 0},     {0, 600, 0, 0},
    {0, 0, 1, 1},       {0, 200, 1, 1},     {0, 0, 0, 0},
};

START_TEST(retry_transient_rows)
{
    ck_assert_msg(retry_is_transient(transient_rows[_i].error_code,
                                     transient_rows[_i].http_status,
                                     transient_rows[_i].transport) ==
                      transient_rows[_i].transient,
                  "code %ld, HTTP %ld, transport %d: expected %d",
                  transient_rows[_i].error_code, transient_rows[_i].http_status,
                  transient_rows[_i].transport, transient_rows[_i].transient);
}
END_TEST

/* retry_transport_final: what libcurl says cannot mend by asking again. */
static const struct {
    int code, final;
} final_rows[] = {
    {CURLE_PEER_FAILED_VERIFICATION, 1},
    {CURLE_SSL_CACERT_BADFILE, 1},
    {CURLE_SSL_CERTPROBLEM, 1},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, 1},
    {CURLE_SSL_INVALIDCERTSTATUS, 1},
    {CURLE_SSL_ISSUER_ERROR, 1},
    {CURLE_SSL_CRL_BADFILE, 1},
    {CURLE_SSL_CIPHER, 1},
    {CURLE_OUT_OF_MEMORY, 1},
    {CURLE_URL_MALFORMAT, 1},
    {CURLE_UNSUPPORTED_PROTOCOL, 1},
    {CURLE_NOT_BUILT_IN, 1},
    {CURLE_COULDNT_CONNECT, 0},
    {CURLE_COULDNT_RESOLVE_HOST, 0},
    {CURLE_OPERATION_TIMEDOUT, 0},
    {CURLE_RECV_ERROR, 0},
    {CURLE_SEND_ERROR, 0},
    {CURLE_GOT_NOTHING, 0},
    {CURLE_PARTIAL_FILE, 0},
    {CURLE_SSL_CONNECT_ERROR, 0},
    {CURLE_OK, 0},
};

START_TEST(retry_transport_final_rows)
{
    ck_assert_msg(
        retry_transport_final(final_rows[_i].code) == final_rows[_i].final,
        "curl code %d: expected %d", final_rows[_i].code, final_rows[_i].final);
}
END_TEST

/* The codes of 70001 to 70016 are never retried, known to the table or
 * not. */
START_TEST(retry_never_70xxx)
{
    for (long code = 70001; code <= 70016; code++)
        ck_assert_msg(!retry_is_transient(code, 200, 0), "%ld retried", code);
}
END_TEST

/* retry_backoff: base 200, max 5000: d = 200, 400, ..., 3200, then 5000;
 * every wait within [d/2, d], and the jitter really varies. */
START_TEST(retry_backoff_bounds)
{
    static const long want[] = {200,  400,  800,  1600, 3200,
                                5000, 5000, 5000, 5000, 5000};
    struct retry_policy p = {10, 60000, 200, 5000};
    unsigned attempt = (unsigned)_i + 1;
    long d = want[_i], lo = d, hi = 0;
    uint64_t rng = 12345;
    for (int i = 0; i < 2000; i++) {
        long w = retry_backoff(&p, attempt, &rng);
        ck_assert_msg(w >= d / 2 && w <= d, "attempt %u: %ld not in [%ld, %ld]",
                      attempt, w, d / 2, d);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    /* 2000 draws cover both ends of the range to within a tenth */
    ck_assert_int_le(lo, d / 2 + d / 10);
    ck_assert_int_ge(hi, d - d / 10);
}
END_TEST

/* A huge attempt number neither overflows nor passes max_ms. */
START_TEST(retry_backoff_no_overflow)
{
    struct retry_policy p = {1000, 60000, 200, 5000};
    uint64_t rng = 1;
    for (unsigned a = 1; a < 1000; a += 37) {
        long w = retry_backoff(&p, a, &rng);
        ck_assert_int_ge(w, 100);
        ck_assert_int_le(w, 5000);
    }
    ck_assert_int_le(retry_backoff(&p, 4000000000u, &rng), 5000);
}
END_TEST

/* retry_next with a fake clock: max 5 tries, budget 1000 ms, base 100, max
 * 400, so the wait after try 1 is 50..100, after try 2 100..200, after try
 * 3 and 4 200..400. */
static const struct {
    unsigned attempt;
    long spent_ms;
    int again; /* 1 always, 0 never, -1 depends on the jitter */
} next_rows[] = {
    {1, 0, 1},    {1, 900, 1}, {1, 925, -1}, {1, 951, 0},  {2, 800, 1},
    {2, 850, -1}, {2, 901, 0}, {3, 600, 1},  {4, 600, 1},  {4, 801, 0},
    {5, 0, 0},    {6, 0, 0},   {4, 1000, 0}, {1, 5000, 0},
};

START_TEST(retry_next_rows)
{
    struct retry_policy p = {5, 1000, 100, 400};
    uint64_t rng = 99;
    int again = 0, stop = 0;
    /* for -1, both must happen over many draws */
    for (int i = 0; i < 500; i++) {
        long wait = -7;
        int r = retry_next(&p, next_rows[_i].attempt, next_rows[_i].spent_ms,
                           &rng, &wait);
        if (r) {
            again++;
            ck_assert_int_le(next_rows[_i].spent_ms + wait, p.budget_ms);
            ck_assert_int_ge(wait, 50);
        } else {
            stop++;
            ck_assert_int_eq(wait, -7); /* untouched */
        }
    }
    if (next_rows[_i].again == 1)
        ck_assert_int_eq(stop, 0);
    else if (next_rows[_i].again == 0)
        ck_assert_int_eq(again, 0);
    else
        ck_assert(again > 0 && stop > 0);
}
END_TEST

/* A whole retry loop on a fake clock: each try takes try_ms, then the
 * policy's wait passes; tries is the number of tries made.  Base 1 and max 1
 * make every wait exactly 1 ms (no jitter), so the budget's edge is exact. */
static const struct {
    unsigned max_attempts;
    long budget_ms, base_ms, max_ms, try_ms;
    unsigned tries;
} loop_rows[] = {
    {5, 1000000, 100, 400, 0, 5}, /* attempts bound it */
    {1, 1000000, 100, 400, 0, 1}, /* no retry at all */
    {3, 1000000, 100, 400, 10, 3},
    {100, 10, 1, 1, 0, 11},       /* try k starts at k-1 ms: 10 + 1 > 10 */
    {100, 10, 1, 1, 1, 6},        /* try k ends at 2k-1 ms: 11 + 1 > 10 */
    {100, 200, 100, 400, 100, 2}, /* try 2 ends at 250..300 */
};

START_TEST(retry_loop_fake_clock)
{
    struct retry_policy p = {loop_rows[_i].max_attempts,
                             loop_rows[_i].budget_ms, loop_rows[_i].base_ms,
                             loop_rows[_i].max_ms};
    uint64_t rng = 7;
    long clock = 0, wait;
    unsigned attempt = 1;
    for (;; attempt++) {
        clock += loop_rows[_i].try_ms;
        if (!retry_next(&p, attempt, clock, &rng, &wait))
            break;
        clock += wait;
        ck_assert_int_le(clock, p.budget_ms);
    }
    ck_assert_uint_eq(attempt, loop_rows[_i].tries);
}
END_TEST

/* cursorwatch */

START_TEST(cursorwatch_repeats)
{
    struct cursorwatch w;
    cursorwatch_init(&w);
    const uint64_t a = 4454685361ULL, b = 9040992949ULL;
    /* A, A */
    ck_assert_int_eq(cursorwatch_seen(&w, a), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, a), 1);
    cursorwatch_release(&w);
    ck_assert_ptr_null(w.slots);
    ck_assert_uint_eq(w.count, 0);
    /* A, B, A after a release: the watch starts empty again */
    ck_assert_int_eq(cursorwatch_seen(&w, a), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, b), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, a), 1);
    ck_assert_int_eq(cursorwatch_seen(&w, b), 1);
    /* 0 ends a pull and is never seen */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(cursorwatch_seen(&w, 0), 0);
    /* the extremes of the range */
    ck_assert_int_eq(cursorwatch_seen(&w, UINT64_MAX), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, 1), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, (1ULL << 53) + 1), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, 1ULL << 53), 0);
    ck_assert_int_eq(cursorwatch_seen(&w, UINT64_MAX), 1);
    ck_assert_int_eq(cursorwatch_seen(&w, (1ULL << 53) + 1), 1);
    ck_assert_uint_eq(w.count, 6);
    cursorwatch_release(&w);
    cursorwatch_release(&w); /* twice is harmless */
}
END_TEST

START_TEST(cursorwatch_many)
{
    struct cursorwatch w;
    cursorwatch_init(&w);
    /* 100000 distinct values above 2^53, as big cursors are, with steps
     * that collide in the low bits */
    const uint64_t base = (1ULL << 53) + 1;
    for (uint64_t i = 0; i < 100000; i++)
        ck_assert_int_eq(cursorwatch_seen(&w, base + i * 4096), 0);
    ck_assert_uint_eq(w.count, 100000);
    ck_assert_int_eq(cursorwatch_seen(&w, base), 1);                /* first */
    ck_assert_int_eq(cursorwatch_seen(&w, base + 7 * 4096), 1);     /* early */
    ck_assert_int_eq(cursorwatch_seen(&w, base + 99999 * 4096), 1); /* last */
    ck_assert_int_eq(cursorwatch_seen(&w, base + 4095), 0); /* in between */
    ck_assert_uint_eq(w.count, 100001);
    cursorwatch_release(&w);
    /* every cursor is still there after the table grew 11 times, those
     * that sat in its last slot included: 1, 2, 3, ... fill the slots */
    for (uint64_t v = 1; v <= 100000; v++)
        ck_assert_int_eq(cursorwatch_seen(&w, v), 0);
    for (uint64_t v = 1; v <= 100000; v++)
        ck_assert_msg(cursorwatch_seen(&w, v) == 1, "%llu was lost",
                      (unsigned long long)v);
    ck_assert_uint_eq(w.count, 100000);
    cursorwatch_release(&w);
}
END_TEST

/* sink: an answer of SINK_MAX bytes is taken whole; one byte more stops
 * the transfer. */
START_TEST(sink_cap)
{
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    struct sink s = {0};
    for (size_t i = 0; i < SINK_MAX / sizeof chunk; i++)
        ck_assert_uint_eq(sink_write(chunk, 1, sizeof chunk, &s), sizeof chunk);
    ck_assert_uint_eq(s.len, SINK_MAX);
    ck_assert_int_eq(s.too_big, 0);
    ck_assert_uint_eq(sink_write(chunk, 1, 1, &s), 0);
    ck_assert_int_eq(s.too_big, 1);
    ck_assert_uint_eq(s.len, SINK_MAX);
    free(s.data);
}
END_TEST

/* tim_client_new: what a configuration must hold. */

static const struct {
    const char *what;
    struct tim_config cfg;
    const char *message;
} config_rows[] = {
    {"neither region nor URL",
     {.sdkappid = 1, .identifier = "a", .secret_key = KEY},
     "give a region or a base URL"},
    {"both region and URL",
     {.region = "sgp",
      .base_url = "http://h",
      .sdkappid = 1,
      .identifier = "a",
      .secret_key = KEY},
     "give a region or a base URL"},
    {"no app",
     {.region = "sgp", .identifier = "a", .secret_key = KEY},
     "give the SDKAppID"},
    {"no identifier",
     {.region = "sgp", .sdkappid = 1, .secret_key = KEY},
     "give the admin identifier"},
    {"empty identifier",
     {.region = "sgp", .sdkappid = 1, .identifier = "", .secret_key = KEY},
     "give the admin identifier"},
    {"neither key nor UserSig",
     {.region = "sgp", .sdkappid = 1, .identifier = "a"},
     "give the secret key or a UserSig (one of the two)"},
    {"both key and UserSig",
     {.region = "sgp",
      .sdkappid = 1,
      .identifier = "a",
      .secret_key = KEY,
      .usersig = "x"},
     "give the secret key or a UserSig (one of the two)"},
    {"unknown region",
     {.region = "mars", .sdkappid = 1, .identifier = "a", .secret_key = KEY},
     "unknown region 'mars'"},
    {"not http",
     {.base_url = "ftp://h", .sdkappid = 1, .identifier = "a", .usersig = "x"},
     "the URL must start with http:// or https://"},
};

START_TEST(client_config_rows)
{
    tim_client *c = (tim_client *)&c; /* must stay untouched */
    tim_client *const before = c;
    struct tim_error err;
    ck_assert_int_eq(tim_client_new(&config_rows[_i].cfg, &c, &err),
                     TIM_E_USAGE);
    ck_assert_ptr_eq(c, before);
    ck_assert_int_eq(err.status, TIM_E_USAGE);
    ck_assert_msg(strcmp(err.message, config_rows[_i].message) == 0,
                  "%s: got '%s'", config_rows[_i].what, err.message);
    ck_assert_ptr_null(strstr(err.message, KEY));
}
END_TEST

/* A region resolves to its primary domain over HTTPS; the shown URL hides
 * the UserSig. */
START_TEST(client_url_of_region)
{
    struct tim_config cfg = {.region = region_rows[_i].short_name,
                             .sdkappid = 1400000000,
                             .identifier = "administrator",
                             .secret_key = KEY};
    tim_client *c = NULL;
    struct tim_error err;
    ck_assert_int_eq(tim_client_new(&cfg, &c, &err), TIM_OK);
    char buf[1024], want[1024];
    snprintf(want, sizeof want,
             "https://%s/v4/group_open_http_svc/get_appid_group_list"
             "?sdkappid=1400000000&identifier=administrator&usersig=REDACTED"
             "&random=0&contenttype=json",
             region_rows[_i].primary);
    ck_assert_ptr_eq(tim_client_url(c, API_CALL, buf, sizeof buf), buf);
    ck_assert_str_eq(buf, want);
    tim_client_free(c);
}
END_TEST

START_TEST(client_url_of_base)
{
    struct tim_config cfg = {.base_url = "http://127.0.0.1:8080/",
                             .sdkappid = 1400000004,
                             .identifier = "admin one",
                             .usersig = "eJy*fixed-sig_"};
    tim_client *c = NULL;
    ck_assert_int_eq(tim_client_new(&cfg, &c, NULL), TIM_OK);
    char buf[1024];
    tim_client_url(c, "svc", "cmd", buf, sizeof buf);
    ck_assert_str_eq(buf, "http://127.0.0.1:8080/v4/svc/cmd?sdkappid="
                          "1400000004&identifier=admin%20one&usersig=REDACTED"
                          "&random=0&contenttype=json");
    tim_client_free(c);
    tim_client_free(NULL); /* does nothing */
}
END_TEST

START_TEST(status_names)
{
    static const char *const names[] = {"ok",      "usage",     "api",
                                        "http",    "transport", "protocol",
                                        "aborted", "bound"};
    for (int i = 0; i <= TIM_E_BOUND; i++)
        ck_assert_str_eq(tim_status_name(i), names[i]);
    ck_assert_str_eq(tim_status_name(-1), "unknown");
    ck_assert_str_eq(tim_status_name(TIM_E_BOUND + 1), "unknown");
}
END_TEST

/* tim_raw_header */

#define HEADERS                                                                \
    "HTTP/1.1 200 OK\r\n"                                                      \
    "Content-Type: application/json\r\n"                                       \
    "access-control-allow-origin:*\r\n"                                        \
    "X-Twice: first\r\n"                                                       \
    "X-Twice: second\r\n"                                                      \
    "X-Spaces: \t a b \t\r\n"                                                  \
    "X-Empty:\r\n"                                                             \
    "X-Long: 0123456789\r\n"                                                   \
    "\r\n"

static const struct {
    const char *name;
    int there;
    const char *value; /* into 8 bytes */
} header_rows[] = {
    {"Content-Type", 1, "applica"},          /* truncated to fit */
    {"Access-Control-Allow-Origin", 1, "*"}, /* any case, no space */
    {"X-Twice", 1, "first"},                 /* the first counts */
    {"X-Spaces", 1, "a b"},                  /* white space trimmed */
    {"X-Empty", 1, ""},
    {"X-Long", 1, "0123456"},
    {"Content", 0, ""}, /* a prefix of a name is not the name */
    {"Server", 0, ""},
    {"HTTP/1.1 200 OK", 0, ""},
};

START_TEST(raw_header_rows)
{
    char out[8] = "junk";
    ck_assert_int_eq(
        tim_raw_header(HEADERS, header_rows[_i].name, out, sizeof out),
        header_rows[_i].there);
    ck_assert_str_eq(out, header_rows[_i].value);
    ck_assert_int_eq(
        tim_raw_header(NULL, header_rows[_i].name, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

/* An answer read as the library reads it: the envelope, then the page. */
static const struct {
    const char *text;
    int envelope;   /* reader_envelope's status */
    long code;      /* error_code, for TIM_E_API */
    int page;       /* reader_page's status, when the envelope is TIM_OK */
    size_t count;   /* IDs on the page */
    const char *id; /* the last ID, or NULL */
} reader_rows[] = {
    {"{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"
     "\"TotalCount\":8000,\"GroupIdList\":[{\"GroupId\":\"@TGS#217R09BJG\"},"
     "{\"GroupId\":\"@TGS#2FX3E0QZ3\"}],\"Next\":4454690250}",
     TIM_OK, 0, TIM_OK, 2, "@TGS#2FX3E0QZ3"},
    {" {\"ErrorCode\":0,\"TotalCount\":0,\"GroupIdList\":[]}\n", TIM_OK, 0,
     TIM_OK, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":"
     "\"caf\\u00e9\\\"\"}]}",
     TIM_OK, 0, TIM_OK, 1, "caf\xc3\xa9\""},
    {"{\"ErrorCode\":10004,\"ErrorInfo\":\"invalid parameter\"}", TIM_E_API,
     10004, 0, 0, NULL},
    {"<html>502</html>", TIM_E_PROTOCOL, 0, 0, 0, NULL},
    {"[{\"ErrorCode\":0}]", TIM_E_PROTOCOL, 0, 0, 0, NULL},
    {"{\"ErrorCode\":-1}", TIM_E_PROTOCOL, 0, 0, 0, NULL},
    {"{\"ErrorCode\":0", TIM_E_PROTOCOL, 0, 0, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":-1,\"GroupIdList\":[]}", TIM_OK, 0,
     TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":{}}", TIM_OK, 0,
     TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":1}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[],\"Next\":1.5}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    /* Next before the list; names with escapes; the first of a name counts,
     * in the answer and in an element, nested members do not */
    {"{\"Next\":3,\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{"
     "\"GroupId\":\"x\"}]}",
     TIM_OK, 0, TIM_OK, 1, "x"},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"Group\\u0049dList\":[{"
     "\"Group\\u0049d\""
     ":\"b\"}]}",
     TIM_OK, 0, TIM_OK, 1, "b"},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":\"a\"}],"
     "\"GroupIdList\":5}",
     TIM_OK, 0, TIM_OK, 1, "a"},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":5,\"GroupIdList\":[{"
     "\"GroupId\":\"a\"}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":\"a\","
     "\"GroupId\":1}]}",
     TIM_OK, 0, TIM_OK, 1, "a"},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":1,"
     "\"GroupId\":\"a\"}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"X\":{\"GroupId\":"
     "\"z\"},\"GroupId\":\"a\"}]}",
     TIM_OK, 0, TIM_OK, 1, "a"},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"X\":{\"GroupId\":"
     "\"z\"}}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":2,\"GroupIdList\":[{\"GroupId\":\"a\"},"
     "\"b\"]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\\u0000\":"
     "\"a\"}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
    /* an ID with \u0000 would be read cut short ("a"): the page is refused */
    {"{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{\"GroupId\":"
     "\"a\\u0000b\"}]}",
     TIM_OK, 0, TIM_E_PROTOCOL, 0, NULL},
};

START_TEST(reader_rows_read)
{
    const char *t = reader_rows[_i].text;
    struct tim_error err;
    struct tim_page page;
    int rc = reader_envelope(t, strlen(t), &err);
    ck_assert_int_eq(rc, reader_rows[_i].envelope);
    if (rc == TIM_E_API)
        ck_assert_int_eq(err.error_code, reader_rows[_i].code);
    if (rc != TIM_OK)
        return;
    rc = reader_page(t, strlen(t), &page, &err);
    ck_assert_int_eq(rc, reader_rows[_i].page);
    if (rc != TIM_OK)
        return;
    ck_assert_uint_eq(page.count, reader_rows[_i].count);
    if (reader_rows[_i].id)
        ck_assert_str_eq(page.ids[page.count - 1], reader_rows[_i].id);
    tim_page_release(&page);
}
END_TEST

/* Found by fuzz_page: cJSON takes a member "Next\u0000" for "Next"; the
 * reader rightly finds no Next. */
START_TEST(reader_name_with_nul)
{
    static const char t[] =
        "{\"ErrorCode\":0,\"TotalCount\":18751615,"
        "\"GroupIdList\":[{\"GroupId\":\"a\",\"Extra\":[0]}],"
        "\"Next\\u0000\":1844674407351615}";
    struct tim_error err;
    struct tim_page page;
    ck_assert_int_eq(reader_envelope(t, sizeof t - 1, &err), TIM_OK);
    ck_assert_int_eq(reader_page(t, sizeof t - 1, &page, &err), TIM_OK);
    ck_assert_int_eq(page.has_next, 0);
    ck_assert_uint_eq(page.total_count, 18751615);
    ck_assert_uint_eq(page.count, 1);
    tim_page_release(&page);
}
END_TEST

/* The GroupIds of one page, with what each reads as: the page's text is
 * made of them, Next before the list. */
static const struct {
    const char *raw; /* the GroupId token, quotes included */
    const char *id;
} inplace_rows[] = {
    {"\"@TGS#2U9EXVDHP\"", "@TGS#2U9EXVDHP"},
    {"\"\"", ""},
    {"\"q\\\"uote\"", "q\"uote"},
    {"\"back\\\\slash\\/\"", "back\\slash/"},
    {"\"\\u0041\\u00e9\\ud83d\\ude00!\"", "A\xc3\xa9\xf0\x9f\x98\x80!"},
    {"\"tab\\tnl\\n\"", "tab\tnl\n"},
    {"\"@TGS#23MPKX7LW\"", "@TGS#23MPKX7LW"},
};

#define INPLACE_N (sizeof inplace_rows / sizeof inplace_rows[0])

/* The page's text into t (size n); at[i]: where GroupId i's token is. */
static size_t inplace_text(char *t, size_t n, size_t *at)
{
    size_t len =
        (size_t)snprintf(t, n, "{\"Next\":7,\"ErrorCode\":0,\"GroupIdList\":[");
    for (size_t i = 0; i < INPLACE_N; i++) {
        len +=
            (size_t)snprintf(t + len, n - len, "%s{\"GroupId\":", i ? "," : "");
        at[i] = len;
        len += (size_t)snprintf(t + len, n - len, "%s}", inplace_rows[i].raw);
    }
    len +=
        (size_t)snprintf(t + len, n - len, "],\"TotalCount\":%zu}", INPLACE_N);
    ck_assert_uint_lt(len, n);
    return len;
}

/* Checks a page read from buf: every ID is where its token was, one byte
 * in, and reads as it should. */
static void inplace_check(const struct tim_page *p,
                          const struct reader_store *st, const char *buf,
                          const size_t *at)
{
    ck_assert_uint_eq(p->count, INPLACE_N);
    ck_assert_int_eq(p->has_next, 1);
    ck_assert_uint_eq(p->next, 7);
    ck_assert_uint_eq(p->total_count, INPLACE_N);
    ck_assert_ptr_eq(p->ids, st->ids);
    for (size_t i = 0; i < INPLACE_N; i++) {
        const char *want = inplace_rows[i].id;
        ck_assert_ptr_eq(p->ids[i], buf + at[i] + 1);
        ck_assert_uint_eq(st->lens[i], strlen(want));
        ck_assert_str_eq(p->ids[i], want);
    }
}

START_TEST(reader_ids_in_place)
{
    char text[1024], buf[1024];
    size_t at[INPLACE_N];
    size_t n = inplace_text(text, sizeof text, at);
    struct reader_store st = {0};
    struct tim_page page;
    struct tim_error err;
    memcpy(buf, text, n);
    ck_assert_int_eq(reader_answer(buf, n, &st, &page, &err), TIM_OK);
    inplace_check(&page, &st, buf, at);
    reader_store_release(&st);
}
END_TEST

/* An answer that came in two pieces, split at every byte (so inside every
 * ID and every escape), reads the same; the store is reused throughout. */
START_TEST(reader_ids_split_between_reads)
{
    char text[1024];
    size_t at[INPLACE_N];
    size_t n = inplace_text(text, sizeof text, at);
    struct reader_store st = {0};
    struct sink s = {0};
    for (size_t k = 1; k < n; k++) {
        struct tim_page page;
        struct tim_error err;
        sink_reset(&s);
        ck_assert_uint_eq(sink_write(text, 1, k, &s), k);
        ck_assert_uint_eq(sink_write(text + k, 1, n - k, &s), n - k);
        ck_assert_uint_eq(s.len, n);
        ck_assert_int_eq(reader_answer(s.data, s.len, &st, &page, &err),
                         TIM_OK);
        inplace_check(&page, &st, s.data, at);
    }
    free(s.data);
    reader_store_release(&st);
}
END_TEST

/* The one pass judges a text as jsonint_valid does.  Each fragment is the
 * value of a member "X" of an otherwise good page. */
static const struct {
    const char *value;
    int valid;
} valid_rows[] = {
    {"1", 1},
    {"-0.5e+3", 1},
    {"1E5", 1},
    {"\"a\\u00e9\\/\"", 1},
    {"\"\\ud83d\\ude00\"", 1},
    {"[1,[2,{\"a\":null}],true,false]", 1},
    {" { } ", 1},
    {"\"\\u0000\"", 1},
    {"01", 0},
    {"-", 0},
    {"1.", 0},
    {"1e", 0},
    {".5", 0},
    {"+1", 0},
    {"tru", 0},
    {"nul", 0},
    {"NaN", 0},
    {"\"\\x\"", 0},
    {"\"\\ud800\"", 0},
    {"\"\\udc00\"", 0},
    {"\"\\ud800\\u0041\"", 0},
    {"\"\\u12G4\"", 0},
    {"\"\\u12\"", 0},
    {"\"tab\t\"", 0},
    {"\"open", 0},
    {"[1,]", 0},
    {"[1 2]", 0},
    {"{\"a\"}", 0},
    {"{\"a\":1,}", 0},
    {"{1:2}", 0},
    {"1}{", 0},
};

START_TEST(reader_valid_as_jsonint)
{
    char text[256], buf[256];
    int n = snprintf(text, sizeof text,
                     "{\"ErrorCode\":0,\"TotalCount\":1,\"GroupIdList\":[{"
                     "\"GroupId\":\"a\"}],\"X\":%s}",
                     valid_rows[_i].value);
    int valid = valid_rows[_i].valid;
    struct reader_store st = {0};
    struct tim_page page;
    struct tim_error err;
    ck_assert_int_eq(jsonint_valid(text, (size_t)n), valid);
    ck_assert_int_eq(reader_envelope(text, (size_t)n, &err),
                     valid ? TIM_OK : TIM_E_PROTOCOL);
    memcpy(buf, text, (size_t)n);
    ck_assert_int_eq(reader_answer(buf, (size_t)n, &st, &page, &err),
                     valid ? TIM_OK : TIM_E_PROTOCOL);
    if (!valid)
        ck_assert_msg(strstr(err.message, "not a JSON object"), "%s",
                      err.message);
    reader_store_release(&st);
}
END_TEST

/* Nesting: 128 deep is taken, 129 refused, as jsonint_valid does. */
START_TEST(reader_depth_as_jsonint)
{
    static char text[512];
    for (int depth = 127; depth <= 129; depth++) {
        size_t n = 0;
        n += (size_t)snprintf(text, sizeof text, "{\"ErrorCode\":0,\"X\":");
        for (int d = 1; d < depth; d++)
            text[n++] = '[';
        for (int d = 1; d < depth; d++)
            text[n++] = ']';
        text[n++] = '}';
        struct tim_error err;
        ck_assert_int_eq(jsonint_valid(text, n), depth <= 128);
        ck_assert_int_eq(reader_envelope(text, n, &err),
                         depth <= 128 ? TIM_OK : TIM_E_PROTOCOL);
    }
}
END_TEST

#define ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    if (tim_global_init() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("client_unit");
    TCase *url = tcase_create("url");
    tcase_add_loop_test(url, url_escape_rows, 0, ROWS(escape_rows));
    tcase_add_test(url, url_escape_buffer_size);
    tcase_add_loop_test(url, url_build_rows, 0, ROWS(build_rows));
    tcase_add_test(url, url_build_too_small);
    tcase_add_loop_test(url, url_redact_rows, 0, ROWS(redact_rows));
    tcase_add_test(url, url_redact_cut_short);
    suite_add_tcase(s, url);

    TCase *regions = tcase_create("regions");
    tcase_add_loop_test(regions, region_by_name, 0, ROWS(region_rows));
    tcase_add_loop_test(regions, region_by_host, 0, ROWS(region_rows));
    tcase_add_test(regions, region_unknown);
    suite_add_tcase(s, regions);

    TCase *sig = tcase_create("usersig");
    tcase_add_loop_test(sig, usersig_client_made, 0, ROWS(sig_rows));
    suite_add_tcase(s, sig);

    TCase *retry = tcase_create("retry");
    tcase_add_loop_test(retry, retry_transient_rows, 0, ROWS(transient_rows));
    tcase_add_test(retry, retry_never_70xxx);
    tcase_add_loop_test(retry, retry_transport_final_rows, 0, ROWS(final_rows));
    tcase_add_loop_test(retry, retry_backoff_bounds, 0, 10);
    tcase_add_test(retry, retry_backoff_no_overflow);
    tcase_add_loop_test(retry, retry_next_rows, 0, ROWS(next_rows));
    tcase_add_loop_test(retry, retry_loop_fake_clock, 0, ROWS(loop_rows));
    suite_add_tcase(s, retry);

    TCase *watch = tcase_create("cursorwatch");
    tcase_add_test(watch, cursorwatch_repeats);
    tcase_add_test(watch, cursorwatch_many);
    suite_add_tcase(s, watch);

    TCase *sink = tcase_create("sink");
    tcase_add_test(sink, sink_cap);
    suite_add_tcase(s, sink);

    TCase *reader = tcase_create("reader");
    tcase_add_loop_test(reader, reader_rows_read, 0, ROWS(reader_rows));
    tcase_add_test(reader, reader_name_with_nul);
    tcase_add_test(reader, reader_ids_in_place);
    tcase_add_test(reader, reader_ids_split_between_reads);
    tcase_add_loop_test(reader, reader_valid_as_jsonint, 0, ROWS(valid_rows));
    tcase_add_test(reader, reader_depth_as_jsonint);
    suite_add_tcase(s, reader);

    TCase *client = tcase_create("client");
    tcase_add_loop_test(client, client_config_rows, 0, ROWS(config_rows));
    tcase_add_loop_test(client, client_url_of_region, 0, ROWS(region_rows));
    tcase_add_test(client, client_url_of_base);
    tcase_add_test(client, status_names);
    tcase_add_loop_test(client, raw_header_rows, 0, ROWS(header_rows));
    suite_add_tcase(s, client);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tim_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
