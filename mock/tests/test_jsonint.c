/* Unit tests: the strict JSON validator, array elements, members found in
 * one pass, and string unescaping of the jsonint module. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jsonint.h"

static const struct {
    const char *text;
    int valid;
} valid_rows[] = {
    {"{}", 1},
    {" [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"] ", 1},
    {"{\"a\":{\"b\":[{}]}}", 1},
    {"0", 1},
    {"-0.0E-0", 1},
    {"\"\\ud83d\\ude00\"", 1},
    {"", 0},
    {" ", 0},
    {"{", 0},
    {"{\"a\"}", 0},
    {"{\"a\":1,}", 0},
    {"[1,]", 0},
    {"01", 0},
    {"1.", 0},
    {".5", 0},
    {"+1", 0},
    {"1e", 0},
    {"tru", 0},
    {"nul", 0},
    {"{'a':1}", 0},
    {"\"tab\there\"", 0},
    {"\"bad \\x escape\"", 0},
    {"\"\\u12\"", 0},
    {"{} {}", 0},
    {"[1] x", 0},
    {"{\"a\":1}}", 0},
    /* a surrogate escape only as a high one, then a low one */
    {"\"\\uD83D\\uDE00\"", 1},
    {"\"\\ud83d\"", 0},
    {"\"\\ude00\"", 0},
    {"\"\\ude00\\ud83d\"", 0},
    {"\"\\ud83dx\"", 0},
    {"\"\\ud83d\\u0041\"", 0},
    {"\"\\ud83d\\ud83d\"", 0},
    {"\"\\ud83d\\\"", 0},
    /* \u0000 is valid JSON (cJSON would read "a\u0000b" as "a") */
    {"\"a\\u0000b\"", 1},
    {"\"\\u0000\"", 1},
    /* found by fuzz_jsonint: cJSON refused it, jsonint_valid took it */
    {"{\"\\u004ciiiimit\":0,\"Ne\\u0078t\":2,\"GroupType\":"
     "\"\\ud83d18446744073709551616\\r\"}",
     0},
};

START_TEST(validator)
{
    const char *t = valid_rows[_i].text;
    ck_assert_msg(jsonint_valid(t, strlen(t)) == valid_rows[_i].valid,
                  "row %d: %s", _i, t);
}
END_TEST

/* Found by fuzz_jsonint: cJSON finds a member "Limit" in this text;
 * jsonint rightly does not (that name is "Limit" and a NUL). */
START_TEST(name_with_nul_is_another_name)
{
    static const char t[] = " \r\n\t{ \"Himit\" :\t1 \r , "
                            "\"Limit\\u0000\":\t\r \t \t0\r \r}\n ";
    const char *v = NULL;
    size_t len = 0;
    ck_assert_int_eq(jsonint_valid(t, sizeof t - 1), 1);
    ck_assert_int_eq(jsonint_member(t, sizeof t - 1, "Limit", &v, &len), 0);
}
END_TEST

START_TEST(deep_nesting_refused)
{
    char deep[600];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    ck_assert_int_eq(jsonint_valid(deep, 600), 0);
    ck_assert_int_eq(jsonint_valid(deep + 200, 200), 1); /* 100 deep */
}
END_TEST

START_TEST(elements)
{
    const char *arr = " [ {\"GroupId\":\"a\"} , [1,[2]],\"s,t\" ,3 ] ";
    const char *want[] = {"{\"GroupId\":\"a\"}", "[1,[2]]", "\"s,t\"", "3"};
    size_t pos = 0, n, i = 0;
    const char *el;
    while (jsonint_element(arr, strlen(arr), &pos, &el, &n)) {
        ck_assert_uint_lt(i, 4);
        ck_assert_uint_eq(n, strlen(want[i]));
        ck_assert_int_eq(memcmp(el, want[i], n), 0);
        i++;
    }
    ck_assert_uint_eq(i, 4);
    pos = 0;
    ck_assert_int_eq(jsonint_element("[]", 2, &pos, &el, &n), 0);
    pos = 0;
    ck_assert_int_eq(jsonint_element("{}", 2, &pos, &el, &n), 0);
}
END_TEST

START_TEST(members_in_one_pass)
{
    const char *j = "{\"TotalCount\":3,\"GroupIdList\":[{\"Next\":9}],"
                    "\"Next\":18446744073709551615}";
    const char *keys[] = {"TotalCount", "GroupIdList", "Next", "Missing"};
    const char *v[4];
    size_t len[4];
    ck_assert_int_eq(jsonint_members(j, strlen(j), keys, 4, v, len), 3);
    ck_assert_int_eq(strncmp(v[0], "3", len[0]), 0);
    ck_assert_uint_eq(len[1], strlen("[{\"Next\":9}]"));
    ck_assert_int_eq(strncmp(v[2], "18446744073709551615", len[2]), 0);
    ck_assert_ptr_null(v[3]);
}
END_TEST

static const struct {
    const char *raw;
    long len;
    const char *out;
} string_rows[] = {
    {"\"@TGS#2J4SZEAEL\"", 14, "@TGS#2J4SZEAEL"},
    {"\"\"", 0, ""},
    {"\"a\\\"b\\\\c\\/d\"", 7, "a\"b\\c/d"},
    {"\"\\n\\t\\r\\b\\f\"", 5, "\n\t\r\b\f"},
    {"\"caf\\u00e9\"", 5, "caf\xc3\xa9"},
    {"\"\\u20ac\"", 3, "\xe2\x82\xac"},
    {"\"\\ud83d\\ude00\"", 4, "\xf0\x9f\x98\x80"},
    {"x", -1, NULL},
    {"\"unterminated", -1, NULL},
};

START_TEST(strings)
{
    char out[64];
    const char *raw = string_rows[_i].raw;
    long n = jsonint_string(raw, strlen(raw), out, sizeof out);
    ck_assert_int_eq(n, string_rows[_i].len);
    if (n >= 0)
        ck_assert_int_eq(memcmp(out, string_rows[_i].out, (size_t)n + 1), 0);
}
END_TEST

START_TEST(string_too_long_for_out)
{
    char out[4];
    ck_assert_int_eq(jsonint_string("\"abcd\"", 6, out, sizeof out), -1);
    ck_assert_int_eq(jsonint_string("\"abc\"", 5, out, sizeof out), 3);
}
END_TEST

static const struct {
    const char *text;
    int max, ok;
} depth_rows[] = {
    {"{}", 1, 1},
    {"{\"a\":[]}", 1, 0},
    {"{\"a\":[]}", 2, 1},
    {"[[[]]]", 2, 0},
    {"[[[]]]", 3, 1},
    {"\"[[[[[[\"", 1, 1},           /* brackets in a string do not count */
    {"\"\\\"[[[\"", 1, 1},          /* nor after an escaped quote */
    {"[]]]]][[", 1, 0},             /* stray closers do not earn depth */
    {"{\"a\":{}}{\"b\":{}}", 2, 1}, /* depth is not a running total */
};

START_TEST(depth_bound)
{
    const char *t = depth_rows[_i].text;
    ck_assert_int_eq(jsonint_depth_ok(t, strlen(t), depth_rows[_i].max),
                     depth_rows[_i].ok);
}
END_TEST

START_TEST(depth_bound_long_text)
{
    /* 100,000 levels: refused without recursion, at the first bracket past
     * the bound. */
    size_t n = 200000;
    char *t = malloc(n);
    ck_assert_ptr_nonnull(t);
    memset(t, '[', n / 2);
    memset(t + n / 2, ']', n / 2);
    ck_assert_int_eq(jsonint_depth_ok(t, n, JSON_DEPTH_MAX), 0);
    ck_assert_int_eq(jsonint_depth_ok(t + n / 2 - JSON_DEPTH_MAX,
                                      2 * JSON_DEPTH_MAX, JSON_DEPTH_MAX),
                     1);
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonint");
    TCase *tc = tcase_create("jsonint");
    tcase_add_loop_test(tc, validator, 0,
                        sizeof valid_rows / sizeof valid_rows[0]);
    tcase_add_test(tc, name_with_nul_is_another_name);
    tcase_add_test(tc, deep_nesting_refused);
    tcase_add_test(tc, elements);
    tcase_add_test(tc, members_in_one_pass);
    tcase_add_loop_test(tc, strings, 0,
                        sizeof string_rows / sizeof string_rows[0]);
    tcase_add_test(tc, string_too_long_for_out);
    tcase_add_loop_test(tc, depth_bound, 0,
                        sizeof depth_rows / sizeof depth_rows[0]);
    tcase_add_test(tc, depth_bound_long_text);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
