/*
 * test_usersig: unit tests of the usersig module (TLSSigAPIv2 UserSigs).
 *
 * The SPEC section 5 vector, round trips at every zlib level, UserSigs
 * built by hand here (JSON text, zlib, OpenSSL's base64, the character
 * mapping) so the module is checked against an independent encoder, one
 * table of failures walked by a loop test, and the size caps (input length,
 * inflated size, decompression bombs) tested at their exact boundaries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "errors.h"
#include "jsonint.h"
#include "usersig.h"

/* The vector of SPEC section 5. */
#define KEY   "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define APPID UINT64_C(1400000000)
#define ID    "xiaojun"
#define T     INT64_C(1700000000)
#define E     INT64_C(15552000)
#define SIG   "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="

#define OTHER_KEY                                                              \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* The members of the vector's document, and documents made of them. */
#define J_VER                  "\"TLS.ver\":\"2.0\""
#define J_ID                   "\"TLS.identifier\":\"xiaojun\""
#define J_APPID                "\"TLS.sdkappid\":1400000000"
#define J_EXPIRE               "\"TLS.expire\":15552000"
#define J_TIME                 "\"TLS.time\":1700000000"
#define J_SIG                  "\"TLS.sig\":\"" SIG "\""
#define DOC5(a, b, c, d, e)    "{" a "," b "," c "," d "," e "}"
#define DOC6(a, b, c, d, e, f) "{" a "," b "," c "," d "," e "," f "}"

/* The vector's whole document. */
#define DOC_OK DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME, J_SIG)

/* ------------------------------------------------------------------------ */
/* An independent encoder: zlib, OpenSSL's base64, the vendor's mapping.     */

/* The UserSig text of the bytes p[0..n): base64 and the character mapping.
 * Returns a malloc'd string. */
static char *encode_bytes(const void *p, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    size_t i;

    ck_assert_ptr_nonnull(s);
    EVP_EncodeBlock((unsigned char *)s, p, (int)n);
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] == '+')
            s[i] = '*';
        else if (s[i] == '/')
            s[i] = '-';
        else if (s[i] == '=')
            s[i] = '_';
    }
    return s;
}

/* The UserSig text of the document text[0..n) compressed at level. */
static char *encode_doc(const char *text, size_t n, int level)
{
    uLongf z_len = compressBound((uLong)n);
    unsigned char *z = malloc(z_len);
    char *s;

    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(compress2(z, &z_len, (const Bytef *)text, (uLong)n, level),
                     Z_OK);
    s = encode_bytes(z, z_len);
    free(z);
    return s;
}

/* A document text made of json followed by spaces, n bytes in all. */
static char *padded_doc(const char *json, size_t n)
{
    size_t len = strlen(json);
    char *text = malloc(n);

    ck_assert_ptr_nonnull(text);
    ck_assert_uint_ge(n, len);
    memcpy(text, json, len);
    memset(text + len, ' ', n - len);
    return text;
}

/* base64(HMAC-SHA256(key, content)) into out (45 bytes at least). */
static void hmac_b64(const char *key, const char *content, char *out)
{
    unsigned char md[32];
    unsigned int md_len = 0;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)strlen(key),
                               (const unsigned char *)content, strlen(content),
                               md, &md_len));
    ck_assert_uint_eq(md_len, 32);
    EVP_EncodeBlock((unsigned char *)out, md, 32);
}

/* ------------------------------------------------------------------------ */
/* The SPEC vector                                                            */

START_TEST(test_sign_vector)
{
    struct usersig_doc f;
    char out[64];

    memset(&f, 0, sizeof(f));
    strcpy(f.identifier, ID);
    f.sdkappid = APPID;
    f.time = T;
    f.expire = E;
    ck_assert_int_eq(usersig_sign(KEY, &f, out), 0);
    ck_assert_str_eq(out, SIG);
}
END_TEST

START_TEST(test_make_vector)
{
    struct usersig_doc d;
    char *s = NULL;

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, -1, &s), 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(usersig_decode(s, &d), 0);
    ck_assert_str_eq(d.sig, SIG);
    ck_assert_str_eq(d.identifier, ID);
    ck_assert_uint_eq(d.sdkappid, APPID);
    ck_assert_int_eq(d.time, T);
    ck_assert_int_eq(d.expire, E);
    ck_assert_int_eq(d.has_userbuf, 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + 100, NULL), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + E, NULL), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + E + 1, NULL),
                     TIM_ERR_SIG_EXPIRED);
    /* The made text uses only the mapped alphabet. */
    ck_assert_ptr_null(strpbrk(s, "+/="));
    free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Round trips                                                                */

static const int levels[] = {-1, 0, 1, 6, 9};

START_TEST(test_round_trip_level)
{
    static const unsigned char ub[] = {0x00, 0xff, 'a', '\n', 0x80};
    struct usersig_doc d;
    char *s = NULL;
    int level = levels[_i];

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, level, &s), 0);
    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + 100, &d), 0);
    ck_assert_str_eq(d.sig, SIG);
    free(s);

    s = NULL;
    ck_assert_int_eq(
        usersig_make(KEY, APPID, ID, T, E, ub, sizeof(ub), level, &s), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + 100, &d), 0);
    ck_assert_int_eq(d.has_userbuf, 1);
    ck_assert_uint_eq(d.userbuf_len, sizeof(ub));
    ck_assert_mem_eq(d.userbuf, ub, sizeof(ub));
    ck_assert_str_ne(d.sig, SIG); /* the userbuf is signed */
    free(s);
}
END_TEST

START_TEST(test_levels_differ_both_verify)
{
    char *s0 = NULL, *s9 = NULL;

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, 0, &s0), 0);
    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, 9, &s9), 0);
    ck_assert_str_ne(s0, s9);
    ck_assert_int_eq(usersig_verify(s0, KEY, APPID, ID, T + 100, NULL), 0);
    ck_assert_int_eq(usersig_verify(s9, KEY, APPID, ID, T + 100, NULL), 0);
    free(s0);
    free(s9);
}
END_TEST

START_TEST(test_empty_userbuf)
{
    static const unsigned char none[1];
    struct usersig_doc d;
    char *s = NULL;

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, none, 0, 6, &s), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, &d), 0);
    ck_assert_int_eq(d.has_userbuf, 1);
    ck_assert_uint_eq(d.userbuf_len, 0);
    ck_assert_str_ne(d.sig, SIG); /* "TLS.userbuf:\n" is in the content */
    free(s);
}
END_TEST

START_TEST(test_extreme_values)
{
    const uint64_t appid = UINT64_C(9007199254740992); /* 2^53 */
    const int64_t expire = INT64_C(9007199254740992);
    struct usersig_doc d;
    char *s = NULL;

    ck_assert_int_eq(
        usersig_make(KEY, appid, "", -expire, expire, NULL, 0, 6, &s), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, appid, "", INT64_MIN, &d), 0);
    ck_assert_uint_eq(d.sdkappid, appid);
    ck_assert_int_eq(d.time, -expire);
    ck_assert_int_eq(d.expire, expire);
    ck_assert_int_eq(usersig_verify(s, KEY, appid, "", 0, NULL), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, appid, "", 1, NULL),
                     TIM_ERR_SIG_EXPIRED);
    free(s);

    s = NULL;
    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, expire, NULL, 0, 6, &s),
                     0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, INT64_MAX, NULL),
                     TIM_ERR_SIG_EXPIRED);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + expire, NULL), 0);
    free(s);
}
END_TEST

START_TEST(test_identifier_length)
{
    char id[257], json[512];
    struct usersig_doc d;
    char *s = NULL;

    memset(id, 'x', 255);
    id[255] = '\0';
    ck_assert_int_eq(usersig_make(KEY, APPID, id, T, E, NULL, 0, 6, &s), 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, id, T, &d), 0);
    ck_assert_str_eq(d.identifier, id);
    free(s);

    memset(id, 'x', 256);
    id[256] = '\0';
    s = NULL;
    ck_assert_int_eq(usersig_make(KEY, APPID, id, T, E, NULL, 0, 6, &s), -1);
    ck_assert_ptr_null(s);
    snprintf(json, sizeof(json),
             DOC6(J_VER, "\"TLS.identifier\":\"%s\"", J_APPID, J_EXPIRE, J_TIME,
                  J_SIG),
             id);
    s = encode_doc(json, strlen(json), 6);
    ck_assert_int_eq(usersig_decode(s, &d), TIM_ERR_SIG_DECODE);
    free(s);
}
END_TEST

/* A made UserSig with its characters mapped back to standard base64 is
 * still accepted, as the vendor's decoders (map, then decode) accept it. */
START_TEST(test_standard_alphabet_accepted)
{
    char *s = NULL;
    size_t i;
    int mapped = 0;

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, 9, &s), 0);
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] == '*' || s[i] == '-' || s[i] == '_')
            mapped++;
        if (s[i] == '*')
            s[i] = '+';
        else if (s[i] == '-')
            s[i] = '/';
        else if (s[i] == '_')
            s[i] = '=';
    }
    ck_assert_int_gt(mapped, 0);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL), 0);
    free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A UserSig made by hand, with a userbuf                                     */

START_TEST(test_hand_made_userbuf)
{
    static const unsigned char ub[] = {'r', 'o', 'o', 'm', 0x00, 0x01, 0xfe};
    char ub_b64[16], content[256], sig[64], json[512];
    struct usersig_doc d;
    char *s;

    EVP_EncodeBlock((unsigned char *)ub_b64, ub, sizeof(ub));
    ck_assert_str_eq(ub_b64, "cm9vbQAB/g==");
    snprintf(content, sizeof(content),
             "TLS.identifier:%s\nTLS.sdkappid:%s\nTLS.time:%s\n"
             "TLS.expire:%s\nTLS.userbuf:%s\n",
             ID, "1400000000", "1700000000", "15552000", ub_b64);
    hmac_b64(KEY, content, sig);
    /* The spacing of Python's json.dumps. */
    snprintf(json, sizeof(json),
             "{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"%s\", "
             "\"TLS.sdkappid\": 1400000000, \"TLS.expire\": 15552000, "
             "\"TLS.time\": 1700000000, \"TLS.sig\": \"%s\", "
             "\"TLS.userbuf\": \"%s\"}",
             ID, sig, ub_b64);
    s = encode_doc(json, strlen(json), Z_DEFAULT_COMPRESSION);
    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + 100, &d), 0);
    ck_assert_int_eq(d.has_userbuf, 1);
    ck_assert_uint_eq(d.userbuf_len, sizeof(ub));
    ck_assert_mem_eq(d.userbuf, ub, sizeof(ub));
    ck_assert_str_eq(d.sig, sig);
    free(s);

    /* The same document signed without its userbuf does not verify. */
    snprintf(json, sizeof(json),
             "{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"%s\", "
             "\"TLS.sdkappid\": 1400000000, \"TLS.expire\": 15552000, "
             "\"TLS.time\": 1700000000, \"TLS.sig\": \"%s\", "
             "\"TLS.userbuf\": \"%s\"}",
             ID, SIG, ub_b64);
    s = encode_doc(json, strlen(json), Z_DEFAULT_COMPRESSION);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T + 100, NULL),
                     TIM_ERR_SIG_MISMATCH);
    free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The table of failures                                                      */

enum input_kind {
    RAW,   /* input is the UserSig text itself (may be NULL) */
    BYTES, /* input is bytes: base64 and mapping, no zlib */
    JSON,  /* input is a document: zlib, base64 and mapping */
    MADE   /* made by usersig_make from the vector, at time made_at */
};

struct verify_case {
    const char *name;
    enum input_kind kind;
    const char *input;
    int64_t made_at;
    const char *key;
    uint64_t sdkappid;
    const char *identifier;
    int64_t now;
    int expected;
};

#define VEC KEY, APPID, ID

static const struct verify_case verify_cases[] = {
    {"NULL", RAW, NULL, 0, VEC, T, TIM_ERR_SIG_EMPTY},
    {"empty", RAW, "", 0, VEC, T, TIM_ERR_SIG_EMPTY},
    {"!!!", RAW, "!!!", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"bad base64 character", RAW, "eJz@AAAA", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"length not a multiple of 4", RAW, "eJw", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"padding in the middle", RAW, "eJ__eJxx", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"space inside", RAW, "eJw SQ==", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"base64 of non-zlib bytes", BYTES, "hello, world", 0, VEC, T,
     TIM_ERR_SIG_DECODE},
    {"zlib of non-JSON", JSON, "hello, world", 0, VEC, T, TIM_ERR_SIG_DECODE},
    {"zlib of nothing", JSON, "", 0, VEC, T, TIM_ERR_SIG_DECODE},
    /* The control: the hand-made vector document is valid. */
    {"vector document", JSON, DOC_OK, 0, VEC, T + 100, TIM_ERR_OK},
    {"no TLS.ver", JSON, DOC5(J_ID, J_APPID, J_EXPIRE, J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"no TLS.identifier", JSON, DOC5(J_VER, J_APPID, J_EXPIRE, J_TIME, J_SIG),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"no TLS.sdkappid", JSON, DOC5(J_VER, J_ID, J_EXPIRE, J_TIME, J_SIG), 0,
     VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"no TLS.expire", JSON, DOC5(J_VER, J_ID, J_APPID, J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"no TLS.time", JSON, DOC5(J_VER, J_ID, J_APPID, J_EXPIRE, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"no TLS.sig", JSON, DOC5(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.ver 1.0", JSON,
     DOC6("\"TLS.ver\":\"1.0\"", J_ID, J_APPID, J_EXPIRE, J_TIME, J_SIG), 0,
     VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.ver a number", JSON,
     DOC6("\"TLS.ver\":2.0", J_ID, J_APPID, J_EXPIRE, J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.identifier a number", JSON,
     DOC6(J_VER, "\"TLS.identifier\":7", J_APPID, J_EXPIRE, J_TIME, J_SIG), 0,
     VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.sdkappid a string", JSON,
     DOC6(J_VER, J_ID, "\"TLS.sdkappid\":\"1400000000\"", J_EXPIRE, J_TIME,
          J_SIG),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.sdkappid negative", JSON,
     DOC6(J_VER, J_ID, "\"TLS.sdkappid\":-1", J_EXPIRE, J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.sdkappid past 2^53", JSON,
     DOC6(J_VER, J_ID, "\"TLS.sdkappid\":9007199254740994", J_EXPIRE, J_TIME,
          J_SIG),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.time fractional", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, "\"TLS.time\":1700000000.5", J_SIG),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.time a string", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, "\"TLS.time\":\"1700000000\"", J_SIG),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.time null", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, "\"TLS.time\":null", J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.expire negative", JSON,
     DOC6(J_VER, J_ID, J_APPID, "\"TLS.expire\":-1", J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.expire fractional", JSON,
     DOC6(J_VER, J_ID, J_APPID, "\"TLS.expire\":0.25", J_TIME, J_SIG), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.sig a number", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME, "\"TLS.sig\":1"), 0, VEC,
     T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.sig too long", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"" SIG SIG "\""),
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf a number", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":1}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf not base64", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"a!==\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with stray bits (1 byte)", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"YR==\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with stray bits (2 bytes)", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"YWJ=\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with padding first", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"=AAA\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with padding second", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"A=AA\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with padding then data", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"AA=A\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"TLS.userbuf with padding not at the end", JSON,
     "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME "," J_SIG
     ",\"TLS.userbuf\":\"YQ==YQ==\"}",
     0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"an array", JSON, "[" DOC_OK "]", 0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"trailing garbage", JSON, DOC_OK "x", 0, VEC, T + 100, TIM_ERR_SIG_DECODE},
    {"trailing whitespace", JSON, DOC_OK " \r\n\t", 0, VEC, T + 100,
     TIM_ERR_OK},
    {"truncated", JSON, "{" J_VER "," J_ID, 0, VEC, T + 100,
     TIM_ERR_SIG_DECODE},
    {"TLS.sig not base64", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME, "\"TLS.sig\":\"!!!\""), 0,
     VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"TLS.sig of 31 bytes", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\""),
     0, VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"TLS.sig tampered", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"MvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=\""),
     0, VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"TLS.sig one character shorter", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4\""),
     0, VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"TLS.sig one character longer", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=A\""),
     0, VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"TLS.sig with more base64", JSON,
     DOC6(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME,
          "\"TLS.sig\":\"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4AAAA\""),
     0, VEC, T + 100, TIM_ERR_SIG_MISMATCH},
    {"valid", MADE, NULL, T, VEC, T + 100, TIM_ERR_OK},
    {"last valid second", MADE, NULL, T, VEC, T + E, TIM_ERR_OK},
    {"expired", MADE, NULL, T, VEC, T + E + 1, TIM_ERR_SIG_EXPIRED},
    {"time in the future", MADE, NULL, T + 1000, VEC, T, TIM_ERR_OK},
    {"other sdkappid", MADE, NULL, T, KEY, APPID + 1, ID, T + 100,
     TIM_ERR_SIG_SDKAPPID},
    {"other identifier", MADE, NULL, T, KEY, APPID, "xiaojuN", T + 100,
     TIM_ERR_SIG_IDENTIFIER},
    {"identifier prefix", MADE, NULL, T, KEY, APPID, "xiaoju", T + 100,
     TIM_ERR_SIG_IDENTIFIER},
    {"NULL identifier", MADE, NULL, T, KEY, APPID, NULL, T + 100,
     TIM_ERR_SIG_IDENTIFIER},
    {"other key", MADE, NULL, T, OTHER_KEY, APPID, ID, T + 100,
     TIM_ERR_SIG_MISMATCH},
    {"NULL key", MADE, NULL, T, NULL, APPID, ID, T + 100, TIM_ERR_INTERNAL},
    /* The order of the checks. */
    {"sdkappid before identifier", MADE, NULL, T, KEY, APPID + 1, "other",
     T + 100, TIM_ERR_SIG_SDKAPPID},
    {"identifier before key", MADE, NULL, T, OTHER_KEY, APPID, "other", T + 100,
     TIM_ERR_SIG_IDENTIFIER},
    {"key before expiry", MADE, NULL, T, OTHER_KEY, APPID, ID, T + E + 1,
     TIM_ERR_SIG_MISMATCH},
};

START_TEST(test_verify_table)
{
    const struct verify_case *c = &verify_cases[_i];
    char *s = NULL;
    int rc;

    switch (c->kind) {
    case RAW:
        break;
    case BYTES:
        s = encode_bytes(c->input, strlen(c->input));
        break;
    case JSON:
        s = encode_doc(c->input, strlen(c->input), 6);
        break;
    case MADE:
        ck_assert_int_eq(
            usersig_make(KEY, APPID, ID, c->made_at, E, NULL, 0, 6, &s), 0);
        break;
    }
    rc = usersig_verify(c->kind == RAW ? c->input : s, c->key, c->sdkappid,
                        c->identifier, c->now, NULL);
    ck_assert_msg(rc == c->expected, "%s: got %d, expected %d", c->name, rc,
                  c->expected);
    free(s);
}
END_TEST

/* The vector's document whose TLS.sig is base64 of md[0..n), verified
 * with the vector's key, app and identifier. */
static int verify_with_sig(const unsigned char *md, size_t n)
{
    char sig[64], doc[512], *s;
    int rc;

    ck_assert_uint_le(n, 40);
    EVP_EncodeBlock((unsigned char *)sig, md, (int)n);
    snprintf(doc, sizeof doc,
             "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME
             ",\"TLS.sig\":\"%s\"}",
             sig);
    s = encode_doc(doc, strlen(doc), 6);
    rc = usersig_verify(s, KEY, APPID, ID, T + 100, NULL);
    free(s);
    return rc;
}

/* Every byte of the HMAC counts: one bit changed at any position, in the
 * lowest or the highest bit, and the HMAC one byte shorter or longer (the
 * right bytes otherwise), are each refused with 70009. */
START_TEST(test_every_sig_byte_counts)
{
    unsigned char md[33];
    static const unsigned char masks[] = {0x01, 0x80};

    ck_assert_int_eq(
        EVP_DecodeBlock(md, (const unsigned char *)SIG, (int)strlen(SIG)),
        33); /* 32 bytes and the padding's zero */
    ck_assert_int_eq(verify_with_sig(md, 32), TIM_ERR_OK);
    for (size_t i = 0; i < 32; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            md[i] ^= masks[m];
            ck_assert_msg(verify_with_sig(md, 32) == TIM_ERR_SIG_MISMATCH,
                          "byte %zu ^ 0x%02x accepted", i, masks[m]);
            md[i] ^= masks[m];
        }
    ck_assert_int_eq(verify_with_sig(md, 31), TIM_ERR_SIG_MISMATCH);
    for (unsigned extra = 0; extra < 256; extra += 255) {
        md[32] = (unsigned char)extra;
        ck_assert_msg(verify_with_sig(md, 33) == TIM_ERR_SIG_MISMATCH,
                      "33 bytes ending in 0x%02x accepted", extra);
    }
    ck_assert_int_eq(verify_with_sig(md, 0), TIM_ERR_SIG_MISMATCH);
}
END_TEST

/* A valid zlib stream followed by more bytes is refused. */
START_TEST(test_zlib_trailing_bytes)
{
    const char *json = DOC_OK;
    uLongf z_len = compressBound((uLong)strlen(json)) + 1;
    unsigned char *z = malloc(z_len);
    char *s;

    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(
        compress2(z, &z_len, (const Bytef *)json, (uLong)strlen(json), 6),
        Z_OK);
    s = encode_bytes(z, z_len);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL), 0);
    free(s);
    z[z_len] = 0;
    s = encode_bytes(z, z_len + 1);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                     TIM_ERR_SIG_DECODE);
    free(s);
    free(z);
}
END_TEST

/* A NUL byte inside the document is refused, not taken as the end of the
 * identifier (which would make "xiaojun\0x" pass as "xiaojun"). */
START_TEST(test_nul_in_document)
{
    static const char json[] = DOC6(J_VER, "\"TLS.identifier\":\"xiaojun\0x\"",
                                    J_APPID, J_EXPIRE, J_TIME, J_SIG);
    static const char control[] = DOC6(J_VER, "\"TLS.identifier\":\"xiaojun\"",
                                       J_APPID, J_EXPIRE, J_TIME, J_SIG);
    char *s;

    s = encode_doc(control, sizeof(control) - 1, 6);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL), 0);
    free(s);
    s = encode_doc(json, sizeof(json) - 1, 6);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                     TIM_ERR_SIG_DECODE);
    free(s);
}
END_TEST

/* A document nested deeper than JSON_DEPTH_MAX is refused before cJSON
 * parses it: 900 levels fit in USERSIG_MAX_JSON and under cJSON's own limit
 * of 1000, and once overflowed a server thread's stack.  At the bound it
 * decodes (unknown members are ignored). */
START_TEST(test_deep_document)
{
    static const int depths[] = {JSON_DEPTH_MAX - 1, 900};
    char json[4096];
    for (int i = 0; i < 2; i++) {
        int n = snprintf(json, sizeof json,
                         "{" J_VER "," J_ID "," J_APPID "," J_EXPIRE "," J_TIME
                         "," J_SIG ",\"x\":");
        memset(json + n, '[', (size_t)depths[i]);
        memset(json + n + depths[i], ']', (size_t)depths[i]);
        memcpy(json + n + 2 * depths[i], "}", 2);
        char *s = encode_doc(json, strlen(json), 6);
        ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                         i == 0 ? TIM_ERR_OK : TIM_ERR_SIG_DECODE);
        free(s);
    }
}
END_TEST

/* usersig_holds_sig: whatever decodes to a document with TLS.sig, even one
 * usersig_decode refuses, is a secret; nothing else is. */
static const struct {
    const char *doc; /* NULL: the text itself is the input */
    const char *text;
    int holds;
} holds_rows[] = {
    {DOC_OK, NULL, 1},
    {"{" J_SIG "}", NULL, 1},                        /* no TLS.ver */
    {"{" J_SIG ",\"x\":[[[[[[[[]]]]]]]]}", NULL, 1}, /* any shape */
    {DOC5(J_VER, J_ID, J_APPID, J_EXPIRE, J_TIME), NULL, 0},
    {"TLS.sig", NULL, 0}, /* the name only, not a member */
    {NULL, "hello", 0},
    {NULL, "1400000000", 0},
    {NULL, "", 0},
    {NULL, NULL, 0},
};

START_TEST(test_holds_sig)
{
    const char *doc = holds_rows[_i].doc;
    char *s = doc ? encode_doc(doc, strlen(doc), 6) : NULL;
    ck_assert_int_eq(usersig_holds_sig(doc ? s : holds_rows[_i].text),
                     holds_rows[_i].holds);
    free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Out-parameters                                                             */

START_TEST(test_doc_untouched_on_failure)
{
    struct usersig_doc d, before;

    memset(&d, 0xa5, sizeof(d));
    before = d;
    ck_assert_int_eq(usersig_decode("eJw_", &d), TIM_ERR_SIG_DECODE);
    ck_assert_mem_eq(&d, &before, sizeof(d));
    ck_assert_int_eq(usersig_verify("", KEY, APPID, ID, T, &d),
                     TIM_ERR_SIG_EMPTY);
    ck_assert_mem_eq(&d, &before, sizeof(d));
    ck_assert_int_eq(usersig_decode("x", NULL), TIM_ERR_SIG_DECODE);
}
END_TEST

START_TEST(test_doc_filled_after_decoding)
{
    struct usersig_doc d;
    char *s = NULL;

    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, 6, &s), 0);
    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(usersig_verify(s, KEY, APPID + 1, ID, T, &d),
                     TIM_ERR_SIG_SDKAPPID);
    ck_assert_uint_eq(d.sdkappid, APPID);
    ck_assert_str_eq(d.identifier, ID);
    free(s);
}
END_TEST

struct make_case {
    const char *name;
    const char *key;
    uint64_t sdkappid;
    const char *identifier;
    int64_t time;
    int64_t expire;
    const unsigned char *userbuf;
    size_t userbuf_len;
    int level;
};

static const unsigned char big_userbuf[257];

static const struct make_case bad_makes[] = {
    {"NULL key", NULL, APPID, ID, T, E, NULL, 0, 6},
    {"NULL identifier", KEY, APPID, NULL, T, E, NULL, 0, 6},
    {"sdkappid past 2^53", KEY, UINT64_C(9007199254740993), ID, T, E, NULL, 0,
     6},
    {"negative expire", KEY, APPID, ID, T, -1, NULL, 0, 6},
    {"time past 2^53", KEY, APPID, ID, INT64_C(9007199254740993), E, NULL, 0,
     6},
    {"time before -2^53", KEY, APPID, ID, -INT64_C(9007199254740993), E, NULL,
     0, 6},
    {"userbuf of 257 bytes", KEY, APPID, ID, T, E, big_userbuf, 257, 6},
    {"NULL userbuf with a length", KEY, APPID, ID, T, E, NULL, 1, 6},
    {"zlib level 10", KEY, APPID, ID, T, E, NULL, 0, 10},
    {"zlib level -2", KEY, APPID, ID, T, E, NULL, 0, -2},
};

START_TEST(test_make_refuses)
{
    const struct make_case *c = &bad_makes[_i];
    char sentinel[] = "untouched";
    char *s = sentinel;

    ck_assert_msg(usersig_make(c->key, c->sdkappid, c->identifier, c->time,
                               c->expire, c->userbuf, c->userbuf_len, c->level,
                               &s) == -1,
                  "%s: accepted", c->name);
    ck_assert_ptr_eq(s, sentinel);
}
END_TEST

START_TEST(test_make_null_out)
{
    ck_assert_int_eq(usersig_make(KEY, APPID, ID, T, E, NULL, 0, 6, NULL), -1);
}
END_TEST

START_TEST(test_sign_refuses)
{
    struct usersig_doc f;
    char out[64] = "untouched";

    memset(&f, 'x', sizeof(f)); /* identifier not NUL-terminated */
    f.has_userbuf = 0;
    ck_assert_int_eq(usersig_sign(KEY, &f, out), -1);
    ck_assert_str_eq(out, "untouched");
    memset(&f, 0, sizeof(f));
    f.has_userbuf = 1;
    f.userbuf_len = 257;
    ck_assert_int_eq(usersig_sign(KEY, &f, out), -1);
    ck_assert_int_eq(usersig_sign(NULL, &f, out), -1);
    ck_assert_int_eq(usersig_sign(KEY, NULL, out), -1);
    ck_assert_str_eq(out, "untouched");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Size caps                                                                  */

/* The vector document padded with spaces to exactly the inflate cap is
 * accepted; one byte more is refused. */
START_TEST(test_inflate_cap_boundary)
{
    char *text = padded_doc(DOC_OK, USERSIG_MAX_JSON + 1);
    char *s;

    s = encode_doc(text, USERSIG_MAX_JSON, 9);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL), 0);
    free(s);
    s = encode_doc(text, USERSIG_MAX_JSON + 1, 9);
    ck_assert_uint_le(strlen(s), USERSIG_MAX_LEN);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                     TIM_ERR_SIG_DECODE);
    free(s);
    free(text);
}
END_TEST

/* Stored (level 0) documents: zlib adds 11 bytes to n, so a document of
 * 6133 bytes gives exactly USERSIG_MAX_LEN characters, 6134 more. */
START_TEST(test_input_cap_boundary)
{
    char *text = padded_doc(DOC_OK, 6134);
    char *s;

    s = encode_doc(text, 6133, 0);
    ck_assert_uint_eq(strlen(s), USERSIG_MAX_LEN);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL), 0);
    free(s);
    s = encode_doc(text, 6134, 0);
    ck_assert_uint_gt(strlen(s), USERSIG_MAX_LEN);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                     TIM_ERR_SIG_DECODE);
    free(s);
    free(text);
}
END_TEST

/* Valid documents followed by megabytes of spaces: 1 MB compresses small
 * enough to pass the input cap and must be stopped by the inflate cap;
 * 10 MB is stopped by either. */
static const size_t bomb_sizes[] = {1u << 20, 10u << 20};

START_TEST(test_zlib_bomb)
{
    size_t n = bomb_sizes[_i];
    char *text = padded_doc(DOC_OK, n);
    char *s = encode_doc(text, n, 9);

    if (n == bomb_sizes[0])
        ck_assert_uint_le(strlen(s), USERSIG_MAX_LEN);
    ck_assert_int_eq(usersig_verify(s, KEY, APPID, ID, T, NULL),
                     TIM_ERR_SIG_DECODE);
    free(s);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *usersig_suite(void)
{
    Suite *s = suite_create("usersig");
    TCase *tc;

    tc = tcase_create("vector");
    tcase_add_test(tc, test_sign_vector);
    tcase_add_test(tc, test_make_vector);
    suite_add_tcase(s, tc);

    tc = tcase_create("round trip");
    tcase_add_loop_test(tc, test_round_trip_level, 0,
                        (int)(sizeof(levels) / sizeof(levels[0])));
    tcase_add_test(tc, test_levels_differ_both_verify);
    tcase_add_test(tc, test_empty_userbuf);
    tcase_add_test(tc, test_extreme_values);
    tcase_add_test(tc, test_identifier_length);
    tcase_add_test(tc, test_standard_alphabet_accepted);
    tcase_add_test(tc, test_hand_made_userbuf);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_add_loop_test(tc, test_verify_table, 0,
                        (int)(sizeof(verify_cases) / sizeof(verify_cases[0])));
    tcase_add_loop_test(tc, test_make_refuses, 0,
                        (int)(sizeof(bad_makes) / sizeof(bad_makes[0])));
    tcase_add_test(tc, test_every_sig_byte_counts);
    tcase_add_test(tc, test_zlib_trailing_bytes);
    tcase_add_test(tc, test_nul_in_document);
    tcase_add_test(tc, test_deep_document);
    tcase_add_loop_test(tc, test_holds_sig, 0,
                        (int)(sizeof(holds_rows) / sizeof(holds_rows[0])));
    tcase_add_test(tc, test_make_null_out);
    tcase_add_test(tc, test_sign_refuses);
    tcase_add_test(tc, test_doc_untouched_on_failure);
    tcase_add_test(tc, test_doc_filled_after_decoding);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_inflate_cap_boundary);
    tcase_add_test(tc, test_input_cap_boundary);
    tcase_add_loop_test(tc, test_zlib_bomb, 0,
                        (int)(sizeof(bomb_sizes) / sizeof(bomb_sizes[0])));
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(usersig_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
