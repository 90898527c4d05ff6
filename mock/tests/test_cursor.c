/* Unit tests: exact reading of Next (and Limit) over the whole unsigned
 * 64-bit range, and the raw member values they are read from. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "jsonint.h"
#include "request.h"
#include "store.h"

static const struct {
    const char *text;
    int ok;
    uint64_t value;
} u64_rows[] = {
    {"0", 1, 0},
    {"1", 1, 1},
    {"4294967296", 1, 4294967296ULL},             /* 2^32 */
    {"9007199254740992", 1, 9007199254740992ULL}, /* 2^53 */
    {"9007199254740993", 1, 9007199254740993ULL}, /* 2^53+1: no double */
    {"18446744073709551615", 1, UINT64_MAX},      /* 2^64-1 */
    {"18446744073709551616", 0, 0},               /* 2^64 */
    {"99999999999999999999", 0, 0},
    {"184467440737095516150", 0, 0},
    {"-1", 0, 0},
    {"-0", 0, 0},
    {"1.0", 0, 0},
    {"1e3", 0, 0},
    {"01", 0, 0},
    {"+1", 0, 0},
    {"", 0, 0},
    {"\"1\"", 0, 0},
    {"true", 0, 0},
    {"null", 0, 0},
    {"0x10", 0, 0},
};

START_TEST(u64_exact)
{
    uint64_t v = 12345;
    const char *t = u64_rows[_i].text;
    int rc = jsonint_parse_u64(t, strlen(t), &v);
    ck_assert_msg((rc == 0) == u64_rows[_i].ok, "row %d: %s", _i, t);
    ck_assert_uint_eq(v, u64_rows[_i].ok ? u64_rows[_i].value : 12345);
}
END_TEST

static const struct {
    const char *json, *key, *raw; /* raw NULL: not found */
} member_rows[] = {
    {"{\"Next\":5}", "Next", "5"},
    {"{ \"Limit\" : 20 , \"Next\" : 18446744073709551615 }", "Next",
     "18446744073709551615"},
    {"{\"Next\":1,\"Next\":2}", "Next", "1"},         /* the first wins */
    {"{\"next\":1}", "Next", NULL},                   /* case-sensitive */
    {"{\"a\":{\"Next\":1},\"Next\":2}", "Next", "2"}, /* top level only */
    {"{\"a\":\"\\\"Next\\\":1\",\"Next\":3}", "Next", "3"},
    {"{\"N\\u0065xt\":7}", "Next", "7"}, /* escaped name */
    {"{\"a\":[1,{\"b\":[2]}],\"Next\":-4}", "Next", "-4"},
    {"{\"Next\":1.5e3 }", "Next", "1.5e3"},
    {"{}", "Next", NULL},
    {"[1]", "Next", NULL},
};

START_TEST(member_raw)
{
    const char *raw = NULL;
    size_t n = 0;
    int found =
        jsonint_member(member_rows[_i].json, strlen(member_rows[_i].json),
                       member_rows[_i].key, &raw, &n);
    if (!member_rows[_i].raw) {
        ck_assert_int_eq(found, 0);
        return;
    }
    ck_assert_int_eq(found, 1);
    ck_assert_uint_eq(n, strlen(member_rows[_i].raw));
    ck_assert_int_eq(memcmp(raw, member_rows[_i].raw, n), 0);
}
END_TEST

/* Next read back exactly through the body parser. */
static const struct {
    const char *body;
    int code;
    uint64_t next;
} next_rows[] = {
    {"{\"Next\":0}", TIM_ERR_OK, 0},
    {"{\"Next\":1}", TIM_ERR_OK, 1},
    {"{\"Next\":4294967296}", TIM_ERR_OK, 4294967296ULL},
    {"{\"Next\":9007199254740992}", TIM_ERR_OK, 9007199254740992ULL},
    {"{\"Next\":9007199254740993}", TIM_ERR_OK, 9007199254740993ULL},
    {"{\"Next\":18446744073709551615}", TIM_ERR_OK, UINT64_MAX},
    {"{\"Next\":18446744073709551616}", TIM_ERR_BAD_PARAM, 0},
    {"{\"Next\":-1}", TIM_ERR_BAD_PARAM, 0},
    {"{\"Next\":1.5}", TIM_ERR_BAD_PARAM, 0},
    {"{\"Next\":\"5\"}", TIM_ERR_BAD_PARAM, 0},
    {"{\"Next\":1e3}", TIM_ERR_BAD_PARAM, 0},
};

START_TEST(next_through_body)
{
    struct body b = {0};
    char why[160];
    const char *t = next_rows[_i].body;
    int rc = body_parse(t, strlen(t), 0, &b, why, sizeof why, NULL);
    ck_assert_msg(rc == next_rows[_i].code, "%s: %d", t, rc);
    if (rc == TIM_ERR_OK) {
        ck_assert_int_eq(b.has_next, 1);
        ck_assert_uint_eq(b.next, next_rows[_i].next);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("exact");
    tcase_add_loop_test(tc, u64_exact, 0, sizeof u64_rows / sizeof u64_rows[0]);
    tcase_add_loop_test(tc, member_raw, 0,
                        sizeof member_rows / sizeof member_rows[0]);
    tcase_add_loop_test(tc, next_through_body, 0,
                        sizeof next_rows / sizeof next_rows[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
