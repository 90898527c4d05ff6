/* Unit tests: every fixture-loading error and its message, the shipped
 * fixtures, and the embedded default. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "profile.h"
#include "jsonint.h"
#include "testutil.h"

/* An app whose last members are filled in by each row. */
#define APPS(extra)                                                            \
    "\"apps\":[{\"sdkappid\":5,\"admins\":[\"a\"],\"key\":\"k\"" extra "}]}"
#define APP(extra) "{" APPS(extra)

static const struct {
    const char *json;
    const char *message;
} bad_rows[] = {
    {"", "t: $: not valid JSON (near byte 0)"},
    {"{\"apps\":[}", "t: $: not valid JSON (near byte 9)"},
    {"{} x", "t: $: not valid JSON (near byte 3)"},
    {"[]", "t: $: must be an object"},
    {"{}", "t: $.apps: must be a non-empty array of apps"},
    {"{\"apps\":[]}", "t: $.apps: must be a non-empty array of apps"},
    {"{\"apps\":[{}],\"extra\":1}", "t: $.extra: unknown key"},
    {"{\"apps\":[1]}", "t: $.apps[0]: must be an object"},
    {"{\"apps\":[{}]}", "t: $.apps[0].sdkappid: is required"},
    {"{\"apps\":[{\"sdkappid\":0}]}",
     "t: $.apps[0].sdkappid: must be an integer from 1 to 4294967295"},
    {"{\"apps\":[{\"sdkappid\":1.5}]}",
     "t: $.apps[0].sdkappid: must be an integer from 1 to 4294967295"},
    {"{\"apps\":[{\"sdkappid\":\"5\"}]}",
     "t: $.apps[0].sdkappid: must be an integer from 1 to 4294967295"},
    {"{\"apps\":[{\"sdkappid\":5,\"sdkappid\":6}]}",
     "t: $.apps[0].sdkappid: the key appears twice"},
    {"{\"apps\":[{\"sdkappid\":5,\"admins\":[\"a\"],\"key\":\"k\"},"
     "{\"sdkappid\":5}]}",
     "t: $.apps[1].sdkappid: 5: another app has this sdkappid"},
    {"{\"apps\":[{\"sdkappid\":5,\"key\":\"k\"}]}",
     "t: $.apps[0].admins: is required"},
    {"{\"apps\":[{\"sdkappid\":5,\"key\":\"k\",\"admins\":[]}]}",
     "t: $.apps[0].admins: must be a non-empty array of strings"},
    {"{\"apps\":[{\"sdkappid\":5,\"key\":\"k\",\"admins\":[\"\"]}]}",
     "t: $.apps[0].admins[0]: must be a non-empty string"},
    {"{\"apps\":[{\"sdkappid\":5,\"admins\":[\"a\"]}]}",
     "t: $.apps[0].key: is required"},
    {APP(",\"identifiers\":\"u\""),
     "t: $.apps[0].identifiers: must be an array of strings"},
    {APP(",\"check_usersig\":1"),
     "t: $.apps[0].check_usersig: must be true or false"},
    {APP(",\"region\":\"mars\""),
     "t: $.apps[0].region: unknown region \"mars\""},
    {APP(",\"answer_limit\":10"),
     "t: $.apps[0].answer_limit: must be an integer from 64 to 1073741824"},
    {APP(",\"rate_limit\":{}"),
     "t: $.apps[0].rate_limit.calls_per_second: is required"},
    {APP(",\"rate_limit\":{\"calls_per_second\":1,\"code\":1}"),
     "t: $.apps[0].rate_limit.code: unknown key"},
    {APP(",\"quirks\":{\"omit_next\":\"no\"}"),
     "t: $.apps[0].quirks.omit_next: must be true or false"},
    {APP(",\"quirks\":{\"omitnext\":false}"),
     "t: $.apps[0].quirks.omitnext: unknown key"},
    {APP(",\"cursors\":{\"big\":true,\"max_step\":0}"),
     "t: $.apps[0].cursors.max_step: must be an integer from 1 to 1000000"},
    {APP(",\"groups\":{}"),
     "t: $.apps[0].groups: must be an array of {\"id\", \"type\"}"},
    {APP(",\"groups\":[{\"id\":\"g\"}]"),
     "t: $.apps[0].groups[0].type: is required"},
    {APP(",\"groups\":[{\"id\":\"g\",\"type\":\"Work\"}]"),
     "t: $.apps[0].groups[0].type: unknown group type \"Work\" (Public, "
     "Private, ChatRoom, AVChatRoom, BChatRoom, Community)"},
    {APP(",\"groups\":[{\"id\":\"g\",\"type\":\"Public\",\"name\":\"x\"}]"),
     "t: $.apps[0].groups[0].name: unknown key"},
    {APP(",\"groups\":[{\"id\":\"\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: must be a non-empty string"},
    {APP(",\"groups\":[{\"id\":\"0123456789012345678901234567890123456789"
         "012345678\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: \"012345678901234567890123456789012345678"
     "9012345678\": a group ID is at most 48 bytes"},
    {APP(",\"groups\":[{\"id\":\"tab\\there\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: \"tab\there\": a group ID is printable "
     "ASCII (0x20 to 0x7e)"},
    {APP(",\"groups\":[{\"id\":\"caf\\u00e9\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: \"caf\xc3\xa9\": a group ID is printable "
     "ASCII (0x20 to 0x7e)"},
    {APP(",\"groups\":[{\"id\":\"my-community\",\"type\":\"Community\"}]"),
     "t: $.apps[0].groups[0].id: \"my-community\": a Community group ID "
     "starts with @TGS#_"},
    {APP(",\"groups\":[{\"id\":\"@TGS#_x\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: \"@TGS#_x\": only Community group IDs "
     "start with @TGS#_"},
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\"},"
         "{\"id\":\"b\",\"type\":\"Public\"},{\"id\":\"a\",\"type\":"
         "\"Private\"}]"),
     "t: $.apps[0].groups[2].id: duplicate group ID \"a\""},
    {APP(",\"groups\":[{\"id\":\"pub-00\",\"type\":\"Public\"}],"
         "\"generate\":{\"ids\":\"custom\",\"id_length\":6,"
         "\"counts\":{\"Public\":1296}}"),
     "t: $.apps[0].generate: duplicate group ID \"pub-00\""},
    {APP(",\"generate\":{}"), "t: $.apps[0].generate.counts: is required"},
    {APP(",\"generate\":{\"counts\":{\"Work\":1}}"),
     "t: $.apps[0].generate.counts.Work: unknown key"},
    {APP(",\"generate\":{\"counts\":{\"Public\":-1}}"),
     "t: $.apps[0].generate.counts.Public: must be an integer from 0 to "
     "100000000"},
    {APP(",\"generate\":{\"ids\":\"mine\",\"counts\":{}}"),
     "t: $.apps[0].generate.ids: must be \"server\" or \"custom\""},
    {APP(",\"generate\":{\"ids\":\"custom\",\"id_length\":6,"
         "\"counts\":{\"Public\":1297}}"),
     "t: $.apps[0].generate: id_length is too short for that many unique "
     "IDs"},
    {APP(",\"generate\":{\"ids\":\"custom\",\"id_length\":8,"
         "\"counts\":{\"Community\":1}}"),
     "t: $.apps[0].generate: id_length is too short for the type's prefix"},
    {APP(",\"generate\":{\"ids\":\"custom\",\"id_length\":49,\"counts\":{}}"),
     "t: $.apps[0].generate.id_length: must be an integer from 1 to 48"},
    {"{\"clock\":-1," APPS(""),
     "t: $.clock: must be an integer from 1 to 1099511627776"},
    {"{\"faults\":{}," APPS(""),
     "t: $.faults: must be an array of fault rules"},
    {"{\"faults\":[{}]," APPS(""), "t: $.faults[0].action: is required"},
    {"{\"faults\":[{\"action\":{}}]," APPS(""),
     "t: $.faults[0].action: needs error_code, http_status, delay_ms, "
     "delay, close, reset, cut_body, malformed_json or slow_body"},
    {"{\"faults\":[{\"action\":{\"http_status\":99}}]," APPS(""),
     "t: $.faults[0].action.http_status: must be an integer from 100 to 599"},
    {"{\"faults\":[{\"action\":{\"reset\":true}}]," APPS(""),
     "t: $.faults[0].action.reset: must be a non-empty string"},
    {"{\"faults\":[{\"action\":{\"reset\":\"now\"}}]," APPS(""),
     "t: $.faults[0].action.reset: must be \"before_headers\" or "
     "\"after_headers\""},
    {"{\"faults\":[{\"action\":{\"explode\":true}}]," APPS(""),
     "t: $.faults[0].action.explode: unknown key"},
    {"{\"faults\":[{\"action\":{\"delay\":{\"uniform\":[5,1]}}}]," APPS(""),
     "t: $.faults[0].action.delay.uniform: must be [MIN, MAX], integers in "
     "ms, 0 <= MIN <= MAX <= 600000"},
    {"{\"faults\":[{\"action\":{\"delay\":{\"uniform\":[0.5,1]}}}]," APPS(""),
     "t: $.faults[0].action.delay.uniform: must be [MIN, MAX], integers in "
     "ms, 0 <= MIN <= MAX <= 600000"},
    {"{\"faults\":[{\"action\":{\"delay\":{\"uniform\":[-1e300,1e300]}}}]"
     "," APPS(""),
     "t: $.faults[0].action.delay.uniform: must be [MIN, MAX], integers in "
     "ms, 0 <= MIN <= MAX <= 600000"},
    {"{\"clock\":1e300," APPS(""),
     "t: $.clock: must be an integer from 1 to 1099511627776"},
    {APP(",\"groups\":[{\"id\":\"a\\u0000b\",\"type\":\"Public\"}]"),
     "t: $: a string holds \\u0000 (NUL) at byte 66"},
    {APP(",\"groups\":[{\"id\":\"a\\u007f\",\"type\":\"Public\"}]"),
     "t: $.apps[0].groups[0].id: \"a\x7f\": a group ID is printable ASCII "
     "(0x20 to 0x7e)"},
    {"{\"faults\":[{\"action\":{\"delay\":{\"lognormal\":{\"sigma\":1}}}}]"
     "," APPS(""),
     "t: $.faults[0].action.delay.lognormal: needs median_ms (0 to 600000] "
     "and sigma [0, 5]"},
    {"{\"faults\":[{\"action\":{\"slow_body\":{\"bytes\":0,\"every_ms\":5}}}]"
     "," APPS(""),
     "t: $.faults[0].action.slow_body.bytes: must be an integer from 1 to "
     "1048576"},
    {"{\"faults\":[{\"match\":{\"next\":\"x\"},\"action\":{\"close\":true}}]"
     "," APPS(""),
     "t: $.faults[0].match.next: must be an unsigned 64-bit integer"},
    {"{\"faults\":[{\"match\":{\"next\":1,\"next_nonzero\":true},\"action\":{"
     "\"close\":true}}]," APPS(""),
     "t: $.faults[0].match: give next or next_nonzero, not both"},
    {"{\"faults\":[{\"period_ms\":0,\"action\":{\"close\":true}}]," APPS(""),
     "t: $.faults[0].period_ms: must be an integer from 1 to 1099511627776"},
    {"{\"faults\":[{\"match\":{\"probability\":1.5},\"action\":{\"close\":"
     "true}}]," APPS(""),
     "t: $.faults[0].match.probability: must be a number from 0 to 1"},
    {"{\"faults\":[{\"match\":{\"group_type\":\"x\"},\"action\":{\"close\":"
     "true}}]," APPS(""),
     "t: $.faults[0].match.group_type: unknown group type \"x\" (Public, "
     "Private, ChatRoom, AVChatRoom, BChatRoom, Community)"},
    {"{\"faults\":[{\"match\":{\"every_nth\":0},\"action\":{\"close\":"
     "true}}]," APPS(""),
     "t: $.faults[0].match.every_nth: must be an integer from 1 to "
     "9007199254740992"},
    {"{\"faults\":[{\"times\":1,\"match\":{},\"action\":{\"delay_ms\":"
     "600001}}]," APPS(""),
     "t: $.faults[0].action.delay_ms: must be an integer from 0 to 600000"},
    /* the settings of v2 */
    {"{\"service\":{\"method_first\":1}," APPS(""),
     "t: $.service.method_first: must be true or false"},
    {"{\"service\":{\"use_7002\":true}," APPS(""),
     "t: $.service.use_7002: unknown key"},
    {"{\"service\":{\"envelope\":{\"cors\":\"yes\"}}," APPS(""),
     "t: $.service.envelope.cors: must be true or false"},
    {"{" APPS(",\"strict\":{\"null_field\":true}"),
     "t: $.apps[0].strict.null_field: unknown key"},
    {"{" APPS(",\"envelope\":{\"request_ids\":true}"),
     "t: $.apps[0].envelope.request_ids: unknown key"},
    {"{" APPS(",\"error_texts\":{\"abc\":\"x\"}"),
     "t: $.apps[0].error_texts.abc: the key must be an error code from 1 to "
     "99999"},
    {"{" APPS(",\"error_texts\":{\"100000\":\"x\"}"),
     "t: $.apps[0].error_texts.100000: the key must be an error code from 1 "
     "to 99999"},
    {"{" APPS(",\"error_texts\":{\"60002\":1}"),
     "t: $.apps[0].error_texts.60002: must be a string"},
    {"{" APPS(",\"error_texts\":[]"),
     "t: $.apps[0].error_texts: must be an object of code: text"},
    {"{" APPS(",\"profile\":\"capture2015\""),
     "t: $.apps[0].profile: unknown profile \"capture2015\" (known: "
     "capture-2015, current, documented, reports-2023)"},
    {"{\"service\":{\"profile\":\"v9\"}," APPS(""),
     "t: $.service.profile: unknown profile \"v9\" (known: capture-2015, "
     "current, documented, reports-2023)"},
    {"{" APPS(",\"profile\":\"\""),
     "t: $.apps[0].profile: must be a non-empty string"},
    {"{\"service\":{\"profile\":1}," APPS(""),
     "t: $.service.profile: must be a non-empty string"},
    {"{" APPS(",\"quirks\":{\"get_like_post\":null}"),
     "t: $.apps[0].quirks.get_like_post: must be true or false"},
    /* listed cursor keys */
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\",\"cursor\":7},"
         "{\"id\":\"b\",\"type\":\"Public\",\"cursor\":\"7\"}]"),
     "t: $.apps[0].groups[1].cursor: 7 is not greater than the key before "
     "it (7): keys increase in the order listed"},
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\",\"cursor\":9},"
         "{\"id\":\"b\",\"type\":\"Public\",\"cursor\":8}]"),
     "t: $.apps[0].groups[1].cursor: 8 is not greater than the key before "
     "it (9): keys increase in the order listed"},
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\","
         "\"cursor\":\"18446744073709551616\"}]"),
     "t: $.apps[0].groups[0].cursor: must be a cursor key from 1 to "
     "18446744073709551615 (a number, or a string of digits past 2^53)"},
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\",\"cursor\":0}]"),
     "t: $.apps[0].groups[0].cursor: must be a cursor key from 1 to "
     "18446744073709551615 (a number, or a string of digits past 2^53)"},
    {APP(",\"groups\":[{\"id\":\"a\",\"type\":\"Public\",\"cursor\":1.5}]"),
     "t: $.apps[0].groups[0].cursor: must be a cursor key from 1 to "
     "18446744073709551615 (a number, or a string of digits past 2^53)"},
    {APP(",\"group_columns\":{\"types\":\"PX\",\"ids\":\"a\\nb\\n\"}"),
     "t: $.apps[0].group_columns.types: letter 1 is 'X': the letters are "
     "P(ublic), (Pri)V(ate), C(hatRoom), A(VChatRoom), B(ChatRoom), "
     "(Com)M(unity)"},
    {APP(",\"group_columns\":{\"types\":\"PP\",\"ids\":\"a\\n\"}"),
     "t: $.apps[0].group_columns.ids: has 1 lines, types 2 letters: one ID "
     "a line, each ending in a newline"},
    {APP(",\"group_columns\":{\"types\":\"P\",\"ids\":\"a\\nb\\n\"}"),
     "t: $.apps[0].group_columns.ids: has more lines than types has "
     "letters (1)"},
    {APP(",\"group_columns\":{\"types\":\"PP\",\"ids\":\"a\\na\\n\"}"),
     "t: $.apps[0].group_columns.ids line 1: duplicate group ID \"a\""},
    {APP(",\"group_columns\":{\"types\":\"PM\",\"ids\":\"a\\nb\\n\"}"),
     "t: $.apps[0].group_columns.ids line 1: \"b\": a Community group ID "
     "starts with @TGS#_"},
    {APP(",\"group_columns\":{\"types\":\"PP\",\"ids\":\"a\\nb\\n\","
         "\"cursors\":[[0,5],[2,9]]}"),
     "t: $.apps[0].group_columns.cursors[1][0]: must be a row from 0 to 1, "
     "the rows of ids"},
    {APP(",\"group_columns\":{\"types\":\"PP\",\"ids\":\"a\\nb\\n\","
         "\"cursors\":[[1,5],[1,9]]}"),
     "t: $.apps[0].group_columns.cursors[1][0]: row 1 is not after the row "
     "before it (1)"},
    {APP(",\"cursors\":{\"max_step\":1},"
         "\"group_columns\":{\"types\":\"PPP\",\"ids\":\"a\\nb\\nc\\n\","
         "\"cursors\":[[0,5],[2,6]]}"),
     "t: $.apps[0].group_columns.cursors[1][1]: 6 is not greater than the "
     "key before it (6): keys increase in the order listed"},
    {APP(",\"group_columns\":{\"types\":\"P\",\"ids\":\"a\\n\","
         "\"cursors\":[[0,-1]]}"),
     "t: $.apps[0].group_columns.cursors[0][1]: must be a cursor key from 1 "
     "to 18446744073709551615 (a number, or a string of digits past 2^53)"},
#define TC(types, ids, tc)                                                     \
    APP(",\"group_columns\":{\"types\":\"" types "\",\"ids\":\"" ids           \
        "\",\"type_cursors\":" tc "}")
    {TC("PV", "a\\nb\\n", "[]"),
     "t: $.apps[0].group_columns.type_cursors: must be an object of type "
     "letters, each with an array of [ROW, CURSOR]"},
    {TC("PV", "a\\nb\\n", "{\"X\":[[0,5]]}"),
     "t: $.apps[0].group_columns.type_cursors.X: is not a type letter: "
     "P(ublic), (Pri)V(ate), C(hatRoom), A(VChatRoom), B(ChatRoom), "
     "(Com)M(unity)"},
    {TC("PV", "a\\nb\\n", "{\"VV\":[[1,5]]}"),
     "t: $.apps[0].group_columns.type_cursors.VV: is not a type letter: "
     "P(ublic), (Pri)V(ate), C(hatRoom), A(VChatRoom), B(ChatRoom), "
     "(Com)M(unity)"},
    {TC("PV", "a\\nb\\n", "{\"V\":[[1,5]],\"V\":[[1,6]]}"),
     "t: $.apps[0].group_columns.type_cursors.V: type 'V' is given twice"},
    {TC("PV", "a\\nb\\n", "{\"V\":[]}"),
     "t: $.apps[0].group_columns.type_cursors.V: must be a non-empty array "
     "of [ROW, CURSOR]"},
    {TC("PV", "a\\nb\\n", "{\"V\":[[1]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[0]: must be [ROW, CURSOR]"},
    {TC("PV", "a\\nb\\n", "{\"V\":[[2,5]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[0][0]: must be a row from 0 "
     "to 1, the rows of ids"},
    {TC("PV", "a\\nb\\n", "{\"V\":[[0,5]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[0][0]: row 0 is of type "
     "'P', not 'V'"},
    {TC("VV", "a\\nb\\n", "{\"V\":[[1,5],[1,9]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[1][0]: row 1 is not after "
     "the row before it (1)"},
    {TC("VV", "a\\nb\\n", "{\"V\":[[1,0]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[0][1]: must be a cursor key "
     "from 1 to 18446744073709551615 (a number, or a string of digits past "
     "2^53)"},
    /* one V before row 2: it needs a key below 1 */
    {TC("VPV", "a\\nb\\nc\\n", "{\"V\":[[2,1]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[0][1]: 1 leaves no room for "
     "the 1 groups of type 'V' before row 2, which take the keys just below "
     "it"},
    /* row 2 takes 6, so row 3 needs more than 6 */
    {TC("VVVV", "a\\nb\\nc\\nd\\n", "{\"V\":[[1,5],[3,6]]}"),
     "t: $.apps[0].group_columns.type_cursors.V[1][1]: 6 is not greater "
     "than the type key before it (6; rows between take one more each)"},
    /* b, after the type's last key, has none left */
    {TC("VV", "a\\nb\\n", "{\"V\":[[0,\"18446744073709551615\"]]}"),
     "t: $: out of memory or out of cursor keys"},
#undef TC
};

START_TEST(bad_fixtures)
{
    struct fixture fx;
    char err[512] = "";
    const char *json = bad_rows[_i].json;
    int rc = fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err);
    ck_assert_msg(rc == -1, "row %d loaded: %s", _i, json);
    ck_assert_str_eq(err, bad_rows[_i].message);
}
END_TEST

START_TEST(missing_file)
{
    struct fixture fx;
    char err[512];
    ck_assert_int_eq(
        fixture_load_file("/nonexistent/f.json", &fx, err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/f.json: $: cannot open: No such file "
                          "or directory");
}
END_TEST

/* levels nested arrays as the value of the root's "comment": the root
 * object makes one level more.  The text is malloc'd. */
static char *deep_fixture(int levels, size_t *n)
{
    static const char head[] = "{\"comment\":", tail[] = "," APPS("");
    size_t len = sizeof head - 1 + 2 * (size_t)levels + sizeof tail - 1;
    char *t = malloc(len + 1);
    ck_assert_ptr_nonnull(t);
    memcpy(t, head, sizeof head - 1);
    memset(t + sizeof head - 1, '[', (size_t)levels);
    memset(t + sizeof head - 1 + levels, ']', (size_t)levels);
    memcpy(t + len - (sizeof tail - 1), tail, sizeof tail);
    *n = len;
    return t;
}

/* 100,000 levels would exhaust cJSON's stack: refused before it parses. */
START_TEST(deep_fixture_refused)
{
    struct fixture fx;
    char err[512];
    size_t n;
    char *t = deep_fixture(100000, &n);
    ck_assert_int_eq(fixture_load_text(t, n, "t", &fx, err, sizeof err), -1);
    ck_assert_str_eq(err, "t: $: nested deeper than 32 levels");
    free(t);
}
END_TEST

/* Exactly JSON_DEPTH_MAX levels load; one more does not. */
START_TEST(nesting_at_the_bound)
{
    struct fixture fx;
    char err[512];
    size_t n;
    char *t = deep_fixture(JSON_DEPTH_MAX - 1, &n);
    ck_assert_msg(fixture_load_text(t, n, "t", &fx, err, sizeof err) == 0, "%s",
                  err);
    fixture_release(&fx);
    free(t);
    t = deep_fixture(JSON_DEPTH_MAX, &n);
    ck_assert_int_eq(fixture_load_text(t, n, "t", &fx, err, sizeof err), -1);
    ck_assert_str_eq(err, "t: $: nested deeper than 32 levels");
    free(t);
}
END_TEST

/* A FIFO nobody writes, /dev/zero and a directory: each refused at once
 * (the FIFO would block a reader forever, /dev/zero never ends). */
START_TEST(only_regular_files)
{
    struct fixture fx;
    char dir[] = "/tmp/timock-fixture-XXXXXX", fifo[64], err[512], want[600];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo.json", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    const char *const paths[] = {fifo, "/dev/zero", dir};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(fixture_load_file(paths[i], &fx, err, sizeof err), -1);
        snprintf(want, sizeof want,
                 "%s: $: not a regular file (a FIFO, device or directory)",
                 paths[i]);
        ck_assert_str_eq(err, want);
    }
    unlink(fifo);
    rmdir(dir);
}
END_TEST

/* A file over FIXTURE_FILE_MAX is refused by its size (sparse: no disk). */
START_TEST(file_size_bound)
{
    struct fixture fx;
    char err[512], want[600];
    const char *path = tu_write_fixture("{}");
    ck_assert_int_eq(truncate(path, (off_t)FIXTURE_FILE_MAX + 1), 0);
    ck_assert_int_eq(fixture_load_file(path, &fx, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: $: %llu bytes: a fixture file is at most 256 MiB", path,
             (unsigned long long)FIXTURE_FILE_MAX + 1);
    ck_assert_str_eq(err, want);
    tu_remove_fixture(path);
}
END_TEST

static const char *const shipped[] = {
    "default.json", "empty.json",  "regions.json",     "limit-10018.json",
    "chaos.json",   "client.json", "big-cursors.json", "capture-2015.json",
};

/* capture-2015.json turns on the two envelope settings of the 2015 capture
 * and nothing else. */
START_TEST(capture_2015_settings)
{
    struct fixture fx;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/capture-2015.json", FIXTURES_DIR);
    ck_assert_msg(fixture_load_file(path, &fx, err, sizeof err) == 0, "%s",
                  err);
    const struct app *a = fx.store->apps[0];
    ck_assert_int_eq(a->envelope.omit_error_info_on_success, 1);
    ck_assert_int_eq(a->envelope.alphabetical, 1);
    ck_assert_int_eq(a->envelope.omit_action_status + a->envelope.request_id +
                         a->envelope.cors + a->envelope.error_info_before_code,
                     0);
    ck_assert_int_eq(a->strict.null_is_error + a->strict.empty_type_is_error,
                     0);
    ck_assert_str_eq(store_error_text(fx.store, a, 70032), "");
    ck_assert_ptr_null(store_error_text(fx.store, a, 60002));
    ck_assert_str_eq(a->profile, "capture-2015");
    ck_assert_str_eq(fx.store->service.profile, "capture-2015");
    fixture_release(&fx);
}
END_TEST

/* An app's envelope starts as the service's; its own keys override. */
START_TEST(envelope_inherits_the_service)
{
    static const char json[] =
        "{\"service\":{\"envelope\":{\"cors\":true,\"alphabetical\":true},"
        "\"error_texts\":{\"60006\":\"svc\",\"10007\":\"svc\"}},"
        "\"apps\":[{\"sdkappid\":1,\"admins\":[\"a\"],\"check_usersig\":"
        "false,\"envelope\":{\"alphabetical\":false},\"error_texts\":{"
        "\"10007\":\"app\"}}]}";
    struct fixture fx;
    char err[512];
    ck_assert_int_eq(
        fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err), 0);
    const struct app *a = fx.store->apps[0];
    ck_assert_int_eq(a->envelope.cors, 1);
    ck_assert_int_eq(a->envelope.alphabetical, 0);
    ck_assert_int_eq(fx.store->service.envelope.alphabetical, 1);
    ck_assert_str_eq(store_error_text(fx.store, a, 10007), "app");
    ck_assert_str_eq(store_error_text(fx.store, a, 60006), "svc");
    ck_assert_str_eq(store_error_text(fx.store, NULL, 10007), "svc");
    ck_assert_ptr_null(store_error_text(fx.store, a, 70001));
    fixture_release(&fx);
}
END_TEST

/* Layers, the later winning: the service's profile, the service's own
 * keys, the app's profile, the app's own keys.  An app that names no
 * profile takes the service's quirks and strictness. */
START_TEST(profile_precedence)
{
    static const char json[] =
        "{\"service\":{\"profile\":\"documented\",\"method_first\":true,"
        "\"envelope\":{\"cors\":true},\"error_texts\":{\"70003\":\"svc\"}},"
        "\"apps\":[{\"sdkappid\":1,\"admins\":[\"a\"],\"check_usersig\":false,"
        "\"strict\":{\"empty_grouptype\":false}},"
        "{\"sdkappid\":2,\"admins\":[\"a\"],\"check_usersig\":false,"
        "\"profile\":\"capture-2015\",\"envelope\":{\"alphabetical\":false},"
        "\"error_texts\":{\"70032\":\"app\"}}]}";
    struct fixture fx;
    char err[512];
    ck_assert_msg(
        fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err) == 0,
        "%s", err);
    const struct service *sv = &fx.store->service;
    const struct app *a = fx.store->apps[0], *b = fx.store->apps[1];
    /* the service: documented, then its own keys */
    ck_assert_str_eq(sv->profile, "documented");
    ck_assert_int_eq(sv->method_first, 1);
    ck_assert_int_eq(sv->unknown_path_404, 0);
    ck_assert_int_eq(sv->envelope.error_info_before_code, 1);
    ck_assert_int_eq(sv->envelope.cors, 1);
    ck_assert_str_eq(store_error_text(fx.store, NULL, 70003), "svc");
    ck_assert_str_eq(store_error_text(fx.store, NULL, 60002),
                     "HTTP request cannot be parsed");
    /* app 1: the service's profile and keys, its own strictness over them */
    ck_assert_str_eq(a->profile, "documented");
    ck_assert_int_eq(a->strict.null_is_error, 1);
    ck_assert_int_eq(a->strict.empty_type_is_error, 0);
    ck_assert_int_eq(a->quirks.omit_next, 0);
    ck_assert_int_eq(a->envelope.error_info_before_code, 1);
    ck_assert_int_eq(a->envelope.cors, 1);
    ck_assert_str_eq(store_error_text(fx.store, a, 70003), "svc");
    /* app 2: its profile over the service's, its own keys over that */
    ck_assert_str_eq(b->profile, "capture-2015");
    ck_assert_int_eq(b->strict.null_is_error, 0);
    ck_assert_int_eq(b->quirks.omit_next, 1);
    ck_assert_int_eq(b->envelope.omit_error_info_on_success, 1);
    ck_assert_int_eq(b->envelope.alphabetical, 0);
    ck_assert_int_eq(b->envelope.error_info_before_code, 0);
    ck_assert_int_eq(b->envelope.cors, 0);
    ck_assert_str_eq(store_error_text(fx.store, b, 70032), "app");
    ck_assert_str_eq(store_error_text(fx.store, b, 70003), "svc");
    fixture_release(&fx);
}
END_TEST

/* Listed cursor keys land as given; the groups between take the app's next
 * keys (max_step 1: one more than the last), in both listed forms. */
START_TEST(listed_cursor_keys)
{
    static const char json[] =
        "{\"apps\":[{\"sdkappid\":5,\"admins\":[\"a\"],\"key\":\"k\","
        "\"cursors\":{\"max_step\":1},"
        "\"groups\":[{\"id\":\"g0\",\"type\":\"Public\"},"
        "{\"id\":\"g1\",\"type\":\"Private\",\"cursor\":"
        "\"18446744073709551000\"}"
        "],\"group_columns\":{\"types\":\"CMA\",\"ids\":\"c\\\"q\\n@TGS#_m\\n"
        "av\\n\",\"cursors\":[[1,\"18446744073709551500\"]]}}]}";
    static const uint64_t keys[] = {
        4454685361ULL, 18446744073709551000ULL, 18446744073709551001ULL,
        18446744073709551500ULL, 18446744073709551501ULL};
    static const int types[] = {GT_PUBLIC, GT_PRIVATE, GT_CHATROOM,
                                GT_COMMUNITY, GT_AVCHATROOM};
    struct fixture fx;
    char err[512] = "";
    ck_assert_msg(
        fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err) == 0,
        "%s", err);
    const struct groupset *gs = fx.store->apps[0]->gs;
    ck_assert_uint_eq(gs->n_groups, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(gs->groups[i].key, keys[i]);
        ck_assert_int_eq(gs->groups[i].type, types[i]);
    }
    size_t n;
    const char *id = groupset_id(gs, 2, &n);
    ck_assert_int_eq((int)n, 3);
    ck_assert_int_eq(memcmp(id, "c\"q", 3), 0);
    fixture_release(&fx);
}
END_TEST

/* type_cursors: the keys land on the type's groups, those before the first
 * named just below it, those between and after one more each, a listed
 * group and a generated one of the type included; other types have none. */
START_TEST(type_cursor_keys)
{
    static const char json[] =
        "{\"apps\":[{\"sdkappid\":5,\"admins\":[\"a\"],\"key\":\"k\","
        "\"groups\":[{\"id\":\"g0\",\"type\":\"Private\"}],"
        "\"group_columns\":{\"types\":\"VPVVPVV\","
        "\"ids\":\"a\\nb\\nc\\nd\\ne\\nf\\ng\\n\","
        "\"type_cursors\":{\"V\":[[2,100],[5,\"18446744073709551000\"]]}},"
        "\"generate\":{\"counts\":{\"Private\":1}}}]}";
    /* g0, a, c, d, f, g, then the generated one */
    static const uint64_t keys[] = {98,
                                    99,
                                    100,
                                    101,
                                    18446744073709551000ULL,
                                    18446744073709551001ULL,
                                    18446744073709551002ULL};
    struct fixture fx;
    char err[512] = "";
    ck_assert_msg(
        fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err) == 0,
        "%s", err);
    const struct groupset *gs = fx.store->apps[0]->gs;
    ck_assert_uint_eq(gs->n_by_type[GT_PRIVATE], 7);
    ck_assert_ptr_nonnull(gs->type_keys[GT_PRIVATE]);
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(gs->type_keys[GT_PRIVATE][i], keys[i]);
    for (int t = 0; t < GT_COUNT; t++)
        if (t != GT_PRIVATE)
            ck_assert_ptr_null(gs->type_keys[t]);
    fixture_release(&fx);
}
END_TEST

/* 1000 IDs in group_columns ("c0" to "c999") with row [0] given the ID of
 * row [1]: the duplicate is named by its later line, wherever it sits. */
static const struct {
    size_t copy[2];
    const char *message;
} column_dup_rows[] = {
    {{999, 0},
     "t: $.apps[0].group_columns.ids line 999: duplicate group ID "
     "\"c0\""},
    {{0, 999},
     "t: $.apps[0].group_columns.ids line 999: duplicate group ID "
     "\"c999\""},
    {{64, 63},
     "t: $.apps[0].group_columns.ids line 64: duplicate group ID "
     "\"c63\""},
    {{1, 0},
     "t: $.apps[0].group_columns.ids line 1: duplicate group ID "
     "\"c0\""},
};

START_TEST(column_duplicates)
{
    enum { ROWS = 1000 };
    char *json = malloc(128 + ROWS + ROWS * 8);
    ck_assert_ptr_nonnull(json);
    char *p = json + sprintf(json, "{\"apps\":[{\"sdkappid\":5,\"admins\":"
                                   "[\"a\"],\"key\":\"k\",\"group_columns\":"
                                   "{\"types\":\"");
    memset(p, 'P', ROWS);
    p += ROWS;
    p += sprintf(p, "\",\"ids\":\"");
    for (size_t i = 0; i < ROWS; i++) {
        size_t from =
            i == column_dup_rows[_i].copy[0] ? column_dup_rows[_i].copy[1] : i;
        p += sprintf(p, "c%zu\\n", from);
    }
    p += sprintf(p, "\"}}]}");
    struct fixture fx;
    char err[512] = "";
    int rc =
        fixture_load_text(json, (size_t)(p - json), "t", &fx, err, sizeof err);
    free(json);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err, column_dup_rows[_i].message);
}
END_TEST

/* Every shipped profile loads, for the service and for an app, and says
 * something about every setting it may decide. */
START_TEST(shipped_profiles_load)
{
    const char *name = profile_table[_i].name;
    char json[512], err[512];
    snprintf(json, sizeof json,
             "{\"service\":{\"profile\":\"%s\"},\"apps\":[{\"sdkappid\":1,"
             "\"admins\":[\"a\"],\"check_usersig\":false,\"profile\":\"%s\"}]}",
             name, name);
    struct fixture fx;
    ck_assert_msg(
        fixture_load_text(json, strlen(json), "t", &fx, err, sizeof err) == 0,
        "%s", err);
    ck_assert_str_eq(fx.store->apps[0]->profile, name);
    ck_assert_str_eq(fx.store->service.profile, name);
    fixture_release(&fx);
    static const char *const keys[] = {"\"use_70020\"",
                                       "\"method_first\"",
                                       "\"unknown_path_404\"",
                                       "\"next_on_last_page\"",
                                       "\"omit_next\"",
                                       "\"console_type_names\"",
                                       "\"get_like_post\"",
                                       "\"null_fields\"",
                                       "\"empty_grouptype\"",
                                       "\"omit_error_info_on_success\"",
                                       "\"alphabetical\"",
                                       "\"omit_action_status\"",
                                       "\"request_id\"",
                                       "\"cors\"",
                                       "\"error_info_before_code\"",
                                       "\"error_texts\""};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        ck_assert_msg(strstr(profile_table[_i].json, keys[k]), "%s: no %s",
                      name, keys[k]);
}
END_TEST

START_TEST(shipped_fixtures_load)
{
    struct fixture fx;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, shipped[_i]);
    ck_assert_msg(fixture_load_file(path, &fx, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_uint_ge(fx.store->n_apps, 1);
    fixture_release(&fx);
}
END_TEST

START_TEST(embedded_default_is_the_file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/default.json", FIXTURES_DIR);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    ck_assert_uint_eq(n, fixture_default_json_len);
    ck_assert_int_eq(memcmp(text, fixture_default_json, n), 0);

    struct fixture fx;
    char err[256];
    ck_assert_int_eq(
        fixture_load_text(fixture_default_json, n, "d", &fx, err, sizeof err),
        0);
    const struct app *a = store_find_app(fx.store, 1400000000);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(fx.store->n_apps, 1);
    ck_assert_str_eq(a->admins[0], "administrator");
    ck_assert_uint_eq(a->n_admins, 1);
    ck_assert_str_eq(a->identifiers[0], "user1");
    ck_assert_str_eq(a->key, TU_KEY);
    ck_assert_int_eq(a->check_usersig, 1);
    ck_assert_uint_eq(a->rate_limit, 0);
    ck_assert_uint_eq(fx.faults.n, 0);
    static const size_t counts[GT_COUNT] = {8000, 6000, 5000, 3000, 1000, 2000};
    for (int t = 0; t < GT_COUNT; t++)
        ck_assert_uint_eq(a->gs->n_by_type[t], counts[t]);
    fixture_release(&fx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fixture");
    TCase *tc = tcase_create("fixture");
    tcase_add_loop_test(tc, bad_fixtures, 0,
                        sizeof bad_rows / sizeof bad_rows[0]);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, listed_cursor_keys);
    tcase_add_test(tc, type_cursor_keys);
    tcase_add_loop_test(tc, column_duplicates, 0,
                        sizeof column_dup_rows / sizeof column_dup_rows[0]);
    tcase_add_test(tc, capture_2015_settings);
    tcase_add_test(tc, envelope_inherits_the_service);
    tcase_add_test(tc, profile_precedence);
    tcase_add_loop_test(tc, shipped_profiles_load, 0, (int)profile_count);
    tcase_add_test(tc, deep_fixture_refused);
    tcase_add_test(tc, nesting_at_the_bound);
    tcase_add_test(tc, only_regular_files);
    tcase_add_test(tc, file_size_bound);
    tcase_add_loop_test(tc, shipped_fixtures_load, 0,
                        sizeof shipped / sizeof shipped[0]);
    tcase_add_test(tc, embedded_default_is_the_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
