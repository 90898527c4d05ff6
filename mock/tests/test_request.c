/* Unit tests: the query string and the body rules of SPEC section 2. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "request.h"
#include "store.h"

#define E_OK    TIM_ERR_OK
#define E_JSON  TIM_ERR_BAD_JSON
#define E_PARAM TIM_ERR_BAD_PARAM

/* The app's rules for a row: R_CONSOLE takes Work and Meeting, R_NULL and
 * R_EMPTY restore v1's 10004 for null fields and an empty GroupType. */
#define R_CONSOLE 1
#define R_NULL    2
#define R_EMPTY   4

static const struct {
    const char *body;
    int rules;
    int code;
    uint32_t limit;
    int type;
} body_rows[] = {
    /* the body itself */
    {"{}", 0, E_OK, 10000, GT_ALL},
    {" {} \n", 0, E_OK, 10000, GT_ALL},
    {"", 0, E_JSON, 0, 0},
    {"   ", 0, E_JSON, 0, 0},
    {"[]", 0, E_JSON, 0, 0},
    {"null", 0, E_JSON, 0, 0},
    {"\"Limit\"", 0, E_JSON, 0, 0},
    {"{\"Limit\":", 0, E_JSON, 0, 0},
    {"{\"Limit\":1}}", 0, E_JSON, 0, 0},
    {"{\"Limit\":1} x", 0, E_JSON, 0, 0},
    {"{'Limit':1}", 0, E_JSON, 0, 0},
    /* Limit */
    {"{\"Limit\":1}", 0, E_OK, 1, GT_ALL},
    {"{\"Limit\":20}", 0, E_OK, 20, GT_ALL},
    {"{\"Limit\":10000}", 0, E_OK, 10000, GT_ALL},
    {"{\"Limit\":10001}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":0}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":-1}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":20.0}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":2.5}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":1e3}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":\"20\"}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":true}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":null}", 0, E_OK, 10000, GT_ALL}, /* v2: absent (S10) */
    {"{\"Limit\":null}", R_NULL, E_PARAM, 0, 0},
    {"{\"Limit\":{}}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":[20]}", 0, E_PARAM, 0, 0},
    {"{\"limit\":0}", 0, E_OK, 10000, GT_ALL}, /* unknown: ignored */
    /* Next (exact values are in test_cursor) */
    {"{\"Next\":true}", 0, E_PARAM, 0, 0},
    {"{\"Next\":null}", 0, E_OK, 10000, GT_ALL},
    {"{\"Next\":null}", R_NULL, E_PARAM, 0, 0},
    {"{\"Next\":{}}", 0, E_PARAM, 0, 0},
    {"{\"next\":\"x\"}", 0, E_OK, 10000, GT_ALL},
    /* GroupType */
    {"{\"GroupType\":\"Public\"}", 0, E_OK, 10000, GT_PUBLIC},
    {"{\"GroupType\":\"Private\"}", 0, E_OK, 10000, GT_PRIVATE},
    {"{\"GroupType\":\"ChatRoom\"}", 0, E_OK, 10000, GT_CHATROOM},
    {"{\"GroupType\":\"AVChatRoom\"}", 0, E_OK, 10000, GT_AVCHATROOM},
    {"{\"GroupType\":\"BChatRoom\"}", 0, E_OK, 10000, GT_BCHATROOM},
    {"{\"GroupType\":\"Community\"}", 0, E_OK, 10000, GT_COMMUNITY},
    {"{\"GroupType\":\"public\"}", 0, E_PARAM, 0, 0},
    {"{\"GroupType\":\"\"}", 0, E_OK, 10000, GT_ALL}, /* v2: no filter (S11) */
    {"{\"GroupType\":\"\"}", R_EMPTY, E_PARAM, 0, 0},
    {"{\"GroupType\":\"\"}", R_NULL, E_OK, 10000, GT_ALL},
    {"{\"GroupType\":\"Work\"}", 0, E_PARAM, 0, 0},
    {"{\"GroupType\":\"Meeting\"}", 0, E_PARAM, 0, 0},
    {"{\"GroupType\":\"Work\"}", R_CONSOLE, E_OK, 10000, GT_PRIVATE},
    {"{\"GroupType\":\"Meeting\"}", R_CONSOLE, E_OK, 10000, GT_CHATROOM},
    {"{\"GroupType\":1}", 0, E_PARAM, 0, 0},
    {"{\"GroupType\":null}", 0, E_OK, 10000, GT_ALL},
    {"{\"GroupType\":null}", R_NULL, E_PARAM, 0, 0},
    {"{\"GroupType\":null}", R_EMPTY, E_OK, 10000, GT_ALL},
    {"{\"GroupType\":\"Public\\u0000\"}", 0, E_PARAM, 0, 0},
    {"{\"GroupType\":\"AVChatRoomAVChatRoom\"}", 0, E_PARAM, 0, 0},
    {"{\"Type\":\"Nope\"}", 0, E_OK, 10000, GT_ALL},
    /* the vendor's 2016 PHP SDK's default call (S10) */
    {"{\"Limit\":50,\"Offset\":null,\"GroupType\":null}", 0, E_OK, 50, GT_ALL},
    {"{\"Limit\":50,\"Offset\":null,\"GroupType\":null}", R_NULL, E_PARAM, 0,
     0},
    /* one reader: a byte-order mark is skipped, nothing else is */
    {"\xef\xbb\xbf{\"Limit\":2}", 0, E_OK, 2, GT_ALL},
    {"\xef\xbb\xbf \xef\xbb\xbf{}", 0, E_JSON, 0, 0},
    {"\xef\xbb{}", 0, E_JSON, 0, 0},
    {"{\"Limit\":2,\x0c\"Next\":4454690250}", 0, E_JSON, 0, 0},
    {"{\"Limit\":2,\x1a\"Next\":\"\"}", 0, E_JSON, 0, 0},
    {"{\"Limit\":2}\x0b", 0, E_JSON, 0, 0},
    {"\x1c{\"Limit\":2}", 0, E_JSON, 0, 0},
    {"{\"Limit\":2}\r\n\t ", 0, E_OK, 2, GT_ALL},
    /* duplicate keys: the first wins, for validity as for the value */
    {"{\"Limit\":2,\"Limit\":3}", 0, E_OK, 2, GT_ALL},
    {"{\"Limit\":\"x\",\"Limit\":3}", 0, E_PARAM, 0, 0},
    {"{\"Limit\":3,\"Limit\":\"x\"}", 0, E_OK, 3, GT_ALL},
    {"{\"Limit\":null,\"Limit\":3}", 0, E_OK, 10000, GT_ALL},
    {"{\"L\\u0069mit\":5}", 0, E_OK, 5, GT_ALL}, /* an escaped name */
    /* found by fuzz_jsonint: cJSON read this name as "Limit"; it is not */
    {"{\"Limit\\u0000\":5}", 0, E_OK, 10000, GT_ALL},
    /* found by fuzz_jsonint: a lone surrogate escape is not JSON that
     * unescapes to UTF-8 (cJSON refused it too) */
    {"{\"Limit\":5,\"x\":\"\\ud83d\"}", 0, E_JSON, 0, 0},
    {"{\"Limit\":5,\"x\":\"\\ude00\\ud83d\"}", 0, E_JSON, 0, 0},
    {"{\"Limit\":5,\"x\":\"\\ud83d\\ude00\"}", 0, E_OK, 5, GT_ALL},
    {"{\"limit\":5,\"Limit\":6}", 0, E_OK, 6, GT_ALL},
    /* nesting: at most 32 levels, wherever they are */
    {"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     0, E_OK, 10000, GT_ALL},
    {"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     0, E_JSON, 0, 0},
    /* all three */
    {"{\"Limit\":7,\"Next\":9,\"GroupType\":\"Community\",\"x\":[1]}", 0, E_OK,
     7, GT_COMMUNITY},
};

START_TEST(body_rules)
{
    struct body b = {.limit = 4242};
    char why[160] = "";
    const char *t = body_rows[_i].body;
    int r = body_rows[_i].rules;
    struct body_rules rules = {r & R_CONSOLE, !!(r & R_NULL), !!(r & R_EMPTY)};
    int rc = body_parse(t, strlen(t), &rules, &b, why, sizeof why, NULL);
    ck_assert_msg(rc == body_rows[_i].code, "row %d '%s': got %d", _i, t, rc);
    if (rc != E_OK) {
        ck_assert_uint_eq(b.limit, 4242); /* untouched on failure */
        ck_assert_str_ne(why, "");
        return;
    }
    ck_assert_uint_eq(b.limit, body_rows[_i].limit);
    ck_assert_int_eq(b.type, body_rows[_i].type);
}
END_TEST

START_TEST(body_with_nul_byte)
{
    struct body b;
    char why[160];
    ck_assert_int_eq(body_parse("{}\0", 3, NULL, &b, why, sizeof why, NULL),
                     E_JSON);
}
END_TEST

/* Every body in a buffer of its exact size: under AddressSanitizer a field
 * read from past the text (or from anywhere but the one parse) fails. */
static char *exact_copy(const char *text, size_t n)
{
    char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, text, n);
    return p;
}

START_TEST(body_fields_from_the_one_parse)
{
    static const char text[] = "\xef\xbb\xbf{\"Limit\":2,\"Next\":4454690250,"
                               "\"GroupType\":\"Community\"}";
    char *p = exact_copy(text, sizeof text - 1);
    struct body b;
    char why[160];
    ck_assert_int_eq(
        body_parse(p, sizeof text - 1, NULL, &b, why, sizeof why, NULL), E_OK);
    ck_assert_uint_eq(b.limit, 2);
    ck_assert_int_eq(b.has_next, 1);
    ck_assert_uint_eq(b.next, 4454690250ULL);
    ck_assert_int_eq(b.type, GT_COMMUNITY);
    /* the BOM alone, and cut anywhere: never read past the end */
    for (size_t n = 0; n < sizeof text - 1; n++) {
        char *q = exact_copy(text, n);
        ck_assert_int_eq(body_parse(q, n, NULL, &b, why, sizeof why, NULL),
                         E_JSON);
        free(q);
    }
    free(p);
}
END_TEST

/* What the journal sees is what the API read: the same view. */
START_TEST(body_view_fields)
{
    static const char text[] =
        "{\"Limit\":null,\"next\":3,\"Offset\":100,\"Type\":\"Public\","
        "\"GroupType\":\"\",\"Limit\":7,\"GROUPTYPE\":1}";
    struct body_view v;
    ck_assert_int_eq(body_view(text, sizeof text - 1, &v), 0);
    ck_assert_uint_eq(v.present, (1u << BF_LIMIT) | (1u << BF_OFFSET) |
                                     (1u << BF_TYPE) | (1u << BF_GROUPTYPE));
    ck_assert_uint_eq(v.null, 1u << BF_LIMIT);
    ck_assert_uint_eq(v.wrong_case, (1u << BF_NEXT) | (1u << BF_GROUPTYPE));
    ck_assert_uint_eq(v.rawlen[BF_OFFSET], 3);
    ck_assert_int_eq(memcmp(v.raw[BF_OFFSET], "100", 3), 0);
    ck_assert_uint_eq(v.rawlen[BF_GROUPTYPE], 2);
    ck_assert_int_eq(body_view("[1]", 3, &v), -1);
    ck_assert_uint_eq(v.present, 0);
}
END_TEST

static const struct {
    const char *query;
    const char *sdkappid, *identifier, *usersig, *random, *contenttype;
} query_rows[] = {
    {"sdkappid=1&identifier=admin&usersig=abc&random=9&contenttype=json", "1",
     "admin", "abc", "9", "json"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
    {"", NULL, NULL, NULL, NULL, NULL},
    {"sdkappid=&identifier", "", "", NULL, NULL, NULL},
    {"identifier=a%40b%2Fc&identifier=second", NULL, "a@b/c", NULL, NULL, NULL},
    {"usersig=eJx*-_&x=1&&sdkappid=5", "5", NULL, "eJx*-_", NULL, NULL},
    {"identifier=bad%zz%4", NULL, "bad%zz%4", NULL, NULL, NULL},
    {"identifier=a+b", NULL, "a b", NULL, NULL, NULL},
    {"SDKAPPID=1", NULL, NULL, NULL, NULL, NULL}, /* case-sensitive */
    /* no NUL in a value: %00 stays as it is */
    {"sdkappid=1400000000%00x&identifier=admin%00", "1400000000%00x",
     "admin%00", NULL, NULL, NULL},
    {"identifier=%2500", NULL, "%00", NULL, NULL, NULL},
    /* escapes and pluses mixed, in either order, and back to back */
    {"identifier=%41+%42++%2b%2B+", NULL, "A B  ++ ", NULL, NULL, NULL},
    {"identifier=+%+%%41&usersig=a+%", NULL, " % %A", "a %", NULL, NULL},
};

static void same(const char *got, const char *want)
{
    if (!want)
        ck_assert_ptr_null(got);
    else
        ck_assert_str_eq(got, want);
}

START_TEST(query_rules)
{
    struct query q;
    ck_assert_int_eq(query_parse(query_rows[_i].query, &q), 0);
    same(q.sdkappid, query_rows[_i].sdkappid);
    same(q.identifier, query_rows[_i].identifier);
    same(q.usersig, query_rows[_i].usersig);
    same(q.random, query_rows[_i].random);
    same(q.contenttype, query_rows[_i].contenttype);
    query_release(&q);
}
END_TEST

static const struct {
    const char *text;
    int ok;
    uint64_t value;
} u64_rows[] = {
    {"1400000000", 1, 1400000000ULL},
    {"0", 1, 0},
    {"", 0, 0},
    {"14a", 0, 0},
    {"-1", 0, 0},
    {" 1", 0, 0},
    {"18446744073709551616", 0, 0},
};

START_TEST(query_numbers)
{
    uint64_t v = 7;
    int rc = query_u64(u64_rows[_i].text, &v);
    ck_assert_int_eq(rc == 0, u64_rows[_i].ok);
    ck_assert_uint_eq(v, u64_rows[_i].ok ? u64_rows[_i].value : 7);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("rules");
    tcase_add_loop_test(tc, body_rules, 0,
                        sizeof body_rows / sizeof body_rows[0]);
    tcase_add_test(tc, body_with_nul_byte);
    tcase_add_test(tc, body_fields_from_the_one_parse);
    tcase_add_test(tc, body_view_fields);
    tcase_add_loop_test(tc, query_rules, 0,
                        sizeof query_rows / sizeof query_rows[0]);
    tcase_add_loop_test(tc, query_numbers, 0,
                        sizeof u64_rows / sizeof u64_rows[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
