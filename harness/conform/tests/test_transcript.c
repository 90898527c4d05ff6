/*
 * Tests of timconform's transcripts over real HTTP and TLS: a run recorded
 * from a timock started here (HTTPS, acting as Singapore) keeps the answers
 * byte for byte and no UserSig, replays on the same fixture without a
 * difference; --anonymize gives one stand-in per real value, of the same
 * shape; the shipped transcript replayed on the default fixture reports
 * exactly the expected differences; a deliberately wrong answer is reported
 * failed with its reason; bad use and an oversized file are refused.  The
 * closest shipped profile: the shipped transcript (recorded on
 * capture-2015.json) names capture-2015 with no difference, whatever the
 * fixture's own settings, and the others with some; --profile replays on
 * one profile.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TREE_ARGS                                                              \
    " --cases " CASES_DIR " --fixtures " FIXTURES_DIR " --timock " TIMOCK " "
#define APP_ENV                                                                \
    "TIM_SDKAPPID=1400000007 TIM_IDENTIFIER=administrator "                    \
    "TIM_NONADMIN_IDENTIFIER=user1 "                                           \
    "TIM_SECRET_KEY="                                                          \
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e "
#define SHIPPED CASES_DIR "/transcripts/sgp-capture-2015"

static pid_t g_mock;
static int g_port;

/* timock on capture-2015.json over TLS, on a free port. */
static void mock_start(void)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    g_mock = fork();
    ck_assert_int_ge(g_mock, 0);
    if (g_mock == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(TIMOCK, TIMOCK, "--fixture", FIXTURES_DIR "/capture-2015.json",
              "--port", "0", "--quiet", "--tls-cert", CERTS_DIR "/server.pem",
              "--tls-key", CERTS_DIR "/server.key", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256] = "";
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_int_eq(
        sscanf(line, "timock listening on https://127.0.0.1:%d", &g_port), 1);
}

static void mock_stop(void)
{
    if (g_mock > 0) {
        kill(g_mock, SIGTERM);
        waitpid(g_mock, NULL, 0);
    }
    g_mock = 0;
}

static int run(const char *cmd)
{
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Records cases (--case ...) from the TLS mock as Singapore into path. */
static int record(const char *cases, const char *extra, const char *path)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             APP_ENV "%s" TREE_ARGS "--region sgp --connect-to "
                     "adminapisgp.im.qcloud.com:443:127.0.0.1:%d --cacert "
                     "%s %s %s --record %s >/dev/null 2>&1",
             TIMCONFORM, g_port, CERTS_DIR "/ca.pem", cases, extra, path);
    return run(cmd);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *copy = strdup(buf);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

static cJSON *load(const char *path)
{
    char *text = slurp(path);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

/* The exchange of case id, and its answer body. */
static const char *body_of(const cJSON *doc, const char *id)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "exchanges"))
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "case")), id))
            continue;
        return cJSON_GetStringValue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(x, "answer"), "body"));
    }
    return NULL;
}

/* The n-th GroupId of an answer body. */
static void group_id(const char *body, int n, char *out, size_t size)
{
    cJSON *b = cJSON_Parse(body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(b, "GroupIdList"), n),
        "GroupId"));
    ck_assert_ptr_nonnull(id);
    snprintf(out, size, "%s", id);
    cJSON_Delete(b);
}

START_TEST(record_over_tls_and_replay)
{
    char path[] = "/tmp/transcript-XXXXXX", cmd[4096];
    close(mkstemp(path));
    mock_start();
    /* cases that fail on a capture-2015 app still record */
    int rc = record("--case success-envelope --case limit-zero --case "
                    "no-usersig --case usersig-garbage",
                    "", path);
    mock_stop();
    ck_assert_int_eq(rc, 1);
    char *text = slurp(path);
    cJSON *doc = load(path);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "exchanges")),
                     4);
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "region")),
                     "singapore");
    /* no UserSig: a made one starts eJ (zlib, base64) */
    ck_assert_ptr_nonnull(strstr(text, "usersig=REDACTED"));
    ck_assert_ptr_null(strstr(text, "usersig=eJ"));
    ck_assert_ptr_null(strstr(text, "5bd2850fff3ecb11"));
    /* the body byte for byte: Content-Length is its length */
    const cJSON *x = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "exchanges"),
                                        0),
                *a = cJSON_GetObjectItem(x, "answer");
    const char *len = cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(a, "headers"), "Content-Length"));
    ck_assert_ptr_nonnull(len);
    ck_assert_uint_eq(
        strtoul(len, NULL, 10),
        strlen(cJSON_GetStringValue(cJSON_GetObjectItem(a, "body"))));
    ck_assert_ptr_nonnull(
        strstr(body_of(doc, "success-envelope"), "\"TotalCount\":5853}"));
    /* replayed on the fixture it came from: no difference */
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay %s --fixture capture-2015.json "
             ">/dev/null 2>&1",
             TIMCONFORM, path);
    ck_assert_int_eq(run(cmd), 0);
    cJSON_Delete(doc);
    free(text);
    unlink(path);
}
END_TEST

START_TEST(anonymize_keeps_shape)
{
    char plain[] = "/tmp/transcript-XXXXXX", anon[] = "/tmp/transcript-XXXXXX";
    char cmd[4096];
    close(mkstemp(plain));
    close(mkstemp(anon));
    mock_start();
    const char *cases = "--case success-envelope --case limit-one";
    int rc1 = record(cases, "", plain),
        rc2 = record(cases, "--anonymize", anon);
    mock_stop();
    ck_assert_int_eq(rc1, 1); /* capture-2015 fails the envelope cases */
    ck_assert_int_eq(rc2, 1);
    cJSON *p = load(plain), *a = load(anon);
    char real[64], fake1[64], fake2[64], real2[64], fake3[64];
    group_id(body_of(p, "success-envelope"), 0, real, sizeof real);
    group_id(body_of(p, "success-envelope"), 1, real2, sizeof real2);
    group_id(body_of(a, "success-envelope"), 0, fake1, sizeof fake1);
    group_id(body_of(a, "limit-one"), 0, fake2, sizeof fake2);
    group_id(body_of(a, "success-envelope"), 1, fake3, sizeof fake3);
    /* the same real ID (the first of both pages), the same stand-in */
    ck_assert_str_eq(fake1, fake2);
    ck_assert_str_ne(fake1, real);
    ck_assert_str_ne(fake1, fake3);
    ck_assert_uint_eq(strlen(fake1), strlen(real));
    ck_assert_uint_eq(strlen(fake3), strlen(real2));
    ck_assert_int_eq(strncmp(fake1, "@TGS#", 5), 0);
    ck_assert_int_eq(strncmp(real, "@TGS#", 5), 0);
    /* the app and the identifiers are gone, stand-ins of their length */
    char *text = slurp(anon);
    ck_assert_ptr_null(strstr(text, "1400000007"));
    ck_assert_ptr_null(strstr(text, "administrator"));
    const char *app = cJSON_GetStringValue(cJSON_GetObjectItem(a, "sdkappid"));
    ck_assert_uint_eq(strlen(app), 10);
    ck_assert_uint_eq(
        strlen(cJSON_GetStringValue(cJSON_GetObjectItem(a, "identifier"))),
        strlen("administrator"));
    /* it still replays on its fixture without a difference */
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay %s --fixture capture-2015.json "
             ">/dev/null 2>&1",
             TIMCONFORM, anon);
    ck_assert_int_eq(run(cmd), 0);
    free(text);
    cJSON_Delete(p);
    cJSON_Delete(a);
    unlink(plain);
    unlink(anon);
}
END_TEST

/* The rows of the parity table's differences. */
static char *difference_rows(const char *parity)
{
    char *text = slurp(parity), *from = strstr(text, "## Differences"),
         *to = strstr(text, "## Exchanges");
    ck_assert_ptr_nonnull(from);
    ck_assert_ptr_nonnull(to);
    *to = '\0';
    /* past the heading, the header row and the rule row */
    for (int i = 0; i < 4 && from; i++)
        from = strchr(from + 1, '\n');
    ck_assert_ptr_nonnull(from);
    char *rows = strdup(from + 1);
    size_t n = strlen(rows);
    while (n && rows[n - 1] == '\n')
        rows[--n] = '\0';
    free(text);
    return rows;
}

START_TEST(shipped_transcript_differences)
{
    char parity[] = "/tmp/parity-XXXXXX", cmd[4096];
    close(mkstemp(parity));
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " SHIPPED ".json --parity %s >/dev/null "
             "2>&1",
             TIMCONFORM, parity);
    ck_assert_int_eq(run(cmd), 1);
    char *got = difference_rows(parity), *want = slurp(SHIPPED ".expected");
    size_t n = strlen(want);
    while (n && want[n - 1] == '\n')
        want[--n] = '\0';
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    /* on the fixture it was recorded from, none */
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " SHIPPED ".json --fixture "
             "capture-2015.json >/dev/null 2>&1",
             TIMCONFORM);
    ck_assert_int_eq(run(cmd), 0);
    unlink(parity);
}
END_TEST

/* A profile's row of the parity table's closest-profile section: its
 * differences and data differences, or -1 when the row is not there. */
static long profile_row(const char *parity, const char *name, long *data)
{
    char row[128];
    const char *section = strstr(parity, "## Closest profile");
    long n = -1;
    *data = -1;
    ck_assert_ptr_nonnull(section);
    snprintf(row, sizeof row, "\n| %s | ", name);
    const char *r = strstr(section, row);
    if (r && sscanf(r + strlen(row), "%ld | %ld |", &n, data) != 2)
        n = -1;
    return n;
}

/* On any fixture's groups and whatever its own settings, capture-2015
 * replays the shipped transcript without a difference, the others with
 * some; the closest is named in the output and the parity table. */
static const char *const closest_fixtures[] = {
    "default.json", "capture-2015.json", "v1-strict.json"};

START_TEST(closest_profile_is_capture_2015)
{
    char parity[] = "/tmp/parity-XXXXXX", out[] = "/tmp/out-XXXXXX";
    char cmd[4096];
    long data;
    close(mkstemp(parity));
    close(mkstemp(out));
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " SHIPPED ".json --fixture %s --parity "
             "%s >%s 2>/dev/null",
             TIMCONFORM, closest_fixtures[_i], parity, out);
    run(cmd);
    char *text = slurp(parity), *printed = slurp(out);
    ck_assert_int_eq(profile_row(text, "capture-2015", &data), 0);
    /* the groups are the data: only the fixture recorded on has them */
    if (_i == 1)
        ck_assert_int_eq(data, 0);
    else
        ck_assert_int_gt(data, 0);
    ck_assert_int_gt(profile_row(text, "current", &data), 0);
    ck_assert_int_gt(profile_row(text, "documented", &data), 0);
    ck_assert_int_gt(profile_row(text, "reports-2023", &data), 0);
    ck_assert_ptr_nonnull(
        strstr(text, "\nclosest profile: capture-2015, 0 differences.\n"));
    ck_assert_ptr_nonnull(
        strstr(printed, "\nclosest profile: capture-2015, 0 differences\n"));
    free(text);
    free(printed);
    unlink(parity);
    unlink(out);
}
END_TEST

/* --profile NAME: the replay runs on that profile alone. */
START_TEST(replay_on_one_profile)
{
    char parity[] = "/tmp/parity-XXXXXX", cmd[4096];
    long data;
    close(mkstemp(parity));
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " SHIPPED ".json --fixture "
             "capture-2015.json --profile documented --parity %s >/dev/null "
             "2>&1",
             TIMCONFORM, parity);
    ck_assert_int_eq(run(cmd), 1);
    char *text = slurp(parity);
    long n = profile_row(text, "documented", &data);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(data, 0);
    ck_assert_int_eq(profile_row(text, "capture-2015", &data), -1);
    /* the table of differences is the profile's: documented's key order */
    ck_assert_ptr_nonnull(strstr(text, "| limit-zero | key order | "
                                       "ActionStatus,ErrorCode,ErrorInfo | "
                                       "ActionStatus,ErrorInfo,ErrorCode |"));
    free(text);
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " SHIPPED ".json --profile capture-2015 "
             "--fixture capture-2015.json >/dev/null 2>&1",
             TIMCONFORM);
    ck_assert_int_eq(run(cmd), 0);
    unlink(parity);
}
END_TEST

START_TEST(wrong_answer_is_reported)
{
    char tap[] = "/tmp/tap-XXXXXX", cmd[4096];
    close(mkstemp(tap));
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--replay " TESTS_DIR
             "/transcripts/wrong-answer.json --tap %s >/dev/null 2>&1",
             TIMCONFORM, tap);
    ck_assert_int_eq(run(cmd), 1);
    char *text = slurp(tap);
    ck_assert_ptr_nonnull(strstr(text, "ok 1 - limit-over-max"));
    ck_assert_ptr_null(strstr(text, "not ok 1"));
    ck_assert_ptr_nonnull(strstr(text, "not ok 2 - limit-zero"));
    ck_assert_ptr_nonnull(
        strstr(text, "ErrorCode: recorded 10005, the mock 10004"));
    free(text);
    unlink(tap);
}
END_TEST

/* Bad use and bad files: exit 2 with the reason. */
static const struct {
    const char *args, *reason;
} refused[] = {
    {"--record /tmp/x.json", "--record goes with --url or --region"},
    {"--anonymize", "--anonymize goes with --record"},
    {"--replay /dev/null --url http://127.0.0.1:1",
     "--replay runs against the mock"},
    {"--replay /nonexistent.json", "/nonexistent.json: cannot open"},
    {"--replay " TESTS_DIR "/transcripts/wrong-answer.json --record /tmp/x",
     "--replay runs against the mock, without --record"},
    {"--replay BIG", "a transcript is at most 64 MiB"},
    {"--replay " CASES_DIR "/001-success-envelope.json",
     "transcript: expected the format 1"},
    {"--replay " SHIPPED ".json --profile capture2015",
     "unknown profile 'capture2015' (known: capture-2015, current, "
     "documented, reports-2023)"},
    {"--profile current", "--profile goes with --replay"},
};

START_TEST(bad_use_is_refused)
{
    char big[] = "/tmp/big-XXXXXX", out[] = "/tmp/err-XXXXXX", cmd[4096];
    char args[512];
    int fd = mkstemp(big);
    ck_assert_int_eq(ftruncate(fd, (64 << 20) + 1), 0); /* sparse */
    close(fd);
    close(mkstemp(out));
    const char *bigp = strstr(refused[_i].args, "BIG");
    snprintf(args, sizeof args, "%.*s%s",
             bigp ? (int)(bigp - refused[_i].args) : 512, refused[_i].args,
             bigp ? big : "");
    snprintf(cmd, sizeof cmd, APP_ENV "%s" TREE_ARGS "%s >%s 2>&1", TIMCONFORM,
             args, out);
    ck_assert_int_eq(run(cmd), 2);
    char *text = slurp(out);
    ck_assert_msg(strstr(text, refused[_i].reason), "%s: %s", args, text);
    free(text);
    unlink(big);
    unlink(out);
}
END_TEST

int main(void)
{
    if (system("'" CERTS_SCRIPT "' '" CERTS_DIR "' 2>/dev/null") != 0) {
        fprintf(stderr, "test_transcript: %s failed\n", CERTS_SCRIPT);
        return 1;
    }
    Suite *s = suite_create("transcript");
    TCase *tc = tcase_create("transcript");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, record_over_tls_and_replay);
    tcase_add_test(tc, anonymize_keeps_shape);
    tcase_add_test(tc, shipped_transcript_differences);
    tcase_add_loop_test(
        tc, closest_profile_is_capture_2015, 0,
        (int)(sizeof closest_fixtures / sizeof *closest_fixtures));
    tcase_add_test(tc, replay_on_one_profile);
    tcase_add_test(tc, wrong_answer_is_reported);
    tcase_add_loop_test(tc, bad_use_is_refused, 0,
                        (int)(sizeof refused / sizeof *refused));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
