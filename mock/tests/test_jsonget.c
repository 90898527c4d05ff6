/* Unit tests: jsonget, the one way JSON from outside becomes a cJSON tree
 * (the nesting bound, NUL bytes and \u0000, trailing text) and the one way
 * a JSON number becomes an integer. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonget.h"
#include "jsonint.h"

static const struct {
    const char *text;
    const char *why; /* NULL: parses; else the start of the reason */
} parse_rows[] = {
    {"{\"a\":[1,2,{\"b\":\"x\"}]}", NULL},
    {" {} \r\n\t", NULL},
    {"\"a\\\\u0000\"", NULL}, /* an escaped backslash, then text */
    {"\"\\u0001\"", NULL},
    {"{\"id\":\"a\\u0000b\"}", "a string holds \\u0000 (NUL) at byte 8"},
    {"[\"\\\"\", \"\\u0000\"]", "a string holds \\u0000 (NUL) at byte 8"},
    {"{} x", "not valid JSON (near byte 3)"},
    {"{\"a\":", "not valid JSON"},
    {"", "not valid JSON"},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
     "nested deeper than 32 levels"},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", NULL},
};

START_TEST(parse)
{
    char why[128] = "";
    const char *t = parse_rows[_i].text;
    cJSON *j = jsonget_parse(t, strlen(t), why, sizeof why);
    if (!parse_rows[_i].why) {
        ck_assert_msg(j != NULL, "row %d: %s: %s", _i, t, why);
    } else {
        ck_assert_msg(j == NULL, "row %d: %s parsed", _i, t);
        ck_assert_msg(
            strncmp(why, parse_rows[_i].why, strlen(parse_rows[_i].why)) == 0,
            "row %d: \"%s\", wanted \"%s\"", _i, why, parse_rows[_i].why);
    }
    cJSON_Delete(j);
}
END_TEST

START_TEST(nul_byte_refused)
{
    static const char t[] = "{\"a\":\"x\0y\"}";
    char why[128];
    ck_assert_ptr_null(jsonget_parse(t, sizeof t - 1, why, sizeof why));
    ck_assert_str_eq(why, "a NUL byte at byte 7");
}
END_TEST

/* 100,000 levels: refused at once, and no stack is spent on it. */
START_TEST(very_deep_refused)
{
    size_t n = 200000;
    char *t = malloc(n), why[128];
    ck_assert_ptr_nonnull(t);
    memset(t, '[', n / 2);
    memset(t + n / 2, ']', n / 2);
    ck_assert_ptr_null(jsonget_parse(t, n, why, sizeof why));
    ck_assert_str_eq(why, "nested deeper than 32 levels");
    free(t);
}
END_TEST

static const struct {
    const char *text;
    int64_t min, max;
    int ok;
    int64_t want;
} int_rows[] = {
    {"0", 0, 10, 1, 0},
    {"10", 0, 10, 1, 10},
    {"11", 0, 10, 0, 0},
    {"-1", 0, 10, 0, 0},
    {"-1", -1, 10, 1, -1},
    {"1.5", 0, 10, 0, 0},
    {"1e300", 0, JSONGET_INT_MAX, 0, 0},
    {"-1e300", -JSONGET_INT_MAX, JSONGET_INT_MAX, 0, 0},
    {"1e999", 0, JSONGET_INT_MAX, 0, 0}, /* infinity */
    {"9007199254740992", 0, JSONGET_INT_MAX, 1, JSONGET_INT_MAX},
    {"-9007199254740992", -JSONGET_INT_MAX, 0, 1, -JSONGET_INT_MAX},
    {"1e2", 0, 1000, 1, 100},
    {"-0", 0, 1, 1, 0},
    {"\"5\"", 0, 10, 0, 0},
    {"true", 0, 10, 0, 0},
    {"null", 0, 10, 0, 0},
};

START_TEST(integers)
{
    cJSON *v = cJSON_Parse(int_rows[_i].text);
    int64_t got = 42;
    int rc = jsonget_i64(v, int_rows[_i].min, int_rows[_i].max, &got);
    ck_assert_msg(rc == (int_rows[_i].ok ? 0 : -1), "row %d: %s: %d", _i,
                  int_rows[_i].text, rc);
    ck_assert_int_eq(got, int_rows[_i].ok ? int_rows[_i].want : 42);
    cJSON_Delete(v);
}
END_TEST

START_TEST(integers_nan_and_null)
{
    cJSON *nan = cJSON_CreateNumber(NAN);
    int64_t got = 7;
    uint64_t u = 7;
    ck_assert_int_eq(jsonget_i64(nan, -5, 5, &got), -1);
    ck_assert_int_eq(jsonget_i64(NULL, -5, 5, &got), -1);
    ck_assert_int_eq(got, 7);
    ck_assert_int_eq(jsonget_u64(nan, 0, 5, &u), -1);
    cJSON_Delete(nan);
}
END_TEST

START_TEST(unsigned_integers)
{
    cJSON *v = cJSON_Parse("4294967295"), *neg = cJSON_Parse("-1");
    uint64_t got = 3;
    ck_assert_int_eq(jsonget_u64(v, 1, UINT32_MAX, &got), 0);
    ck_assert_uint_eq(got, UINT32_MAX);
    ck_assert_int_eq(jsonget_u64(v, 1, UINT32_MAX - 1, &got), -1);
    ck_assert_int_eq(jsonget_u64(neg, 0, UINT32_MAX, &got), -1);
    ck_assert_int_eq(jsonget_u64(v, 0, UINT64_MAX, &got), -1); /* bad range */
    ck_assert_uint_eq(got, UINT32_MAX);
    cJSON_Delete(v);
    cJSON_Delete(neg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonget");
    TCase *tc = tcase_create("jsonget");
    tcase_add_loop_test(tc, parse, 0, sizeof parse_rows / sizeof parse_rows[0]);
    tcase_add_test(tc, nul_byte_refused);
    tcase_add_test(tc, very_deep_refused);
    tcase_add_loop_test(tc, integers, 0, sizeof int_rows / sizeof int_rows[0]);
    tcase_add_test(tc, integers_nan_and_null);
    tcase_add_test(tc, unsigned_integers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
