/*
 * Integration tests of profiles over HTTP: a fixture that names a profile
 * answers byte for byte as the same fixture with the profile's settings
 * written out (each kind of request a setting changes: successes with and
 * without Next, null and "" fields, errors of the app and of the service,
 * GET, other paths); an app's own key overrides its profile; an unknown
 * profile stops timock with the JSON path and the known names; the admin
 * API's app view names the profile.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define APP_ID 1400000077ULL

/* The app, its settings (or profile) filled in by each row. */
#define FIXTURE(service, app)                                                  \
    "{\"service\":{" service "},\"apps\":[{\"sdkappid\":1400000077,"           \
    "\"admins\":[\"administrator\"],\"key\":\"" TU_KEY "\"," app               \
    "\"generate\":{\"seed\":7,\"counts\":{\"Public\":30,\"Community\":3}}}]}"

#define FLAGS3(a, b, c)                                                        \
    "\"use_70020\":" a ",\"method_first\":" b ",\"unknown_path_404\":" c
#define QUIRKS(last, omit)                                                     \
    "\"quirks\":{\"next_on_last_page\":" last ",\"omit_next\":" omit           \
    ",\"console_type_names\":false,\"get_like_post\":false}"
#define STRICT(n, e)                                                           \
    "\"strict\":{\"null_fields\":" n ",\"empty_grouptype\":" e "}"
#define ENVELOPE(oei, alpha, oas, before)                                      \
    "\"envelope\":{\"omit_error_info_on_success\":" oei                        \
    ",\"alphabetical\":" alpha ",\"omit_action_status\":" oas                  \
    ",\"request_id\":false,\"cors\":false,\"error_info_before_code\":" before  \
    "}"
#define DOC_TEXTS                                                              \
    "\"error_texts\":{\"60002\":\"HTTP request cannot be parsed\","            \
    "\"70003\":\"UserSig cannot be decoded\",\"70009\":\"UserSig signature "   \
    "does not match the key\"}"

/* Each profile, and the fixture with its settings written out. */
static const struct {
    const char *name, *with_profile, *written_out;
} pairs[] = {
    {"capture-2015",
     FIXTURE("\"profile\":\"capture-2015\"", "\"profile\":\"capture-2015\","),
     FIXTURE(
         FLAGS3("false", "false", "false") "," ENVELOPE(
             "true", "true", "false", "false") ",\"error_texts\":{\"70032\":"
                                               "\"\"}",
         QUIRKS("true", "true") "," STRICT("false", "false") "," ENVELOPE(
             "true", "true", "false",
             "false") ",\"error_texts\":{\"70032\":\"\"},")},
    {"documented",
     FIXTURE("\"profile\":\"documented\"", "\"profile\":\"documented\","),
     FIXTURE(FLAGS3("false", "false", "false") "," ENVELOPE(
                 "false", "false", "false", "true") "," DOC_TEXTS,
             QUIRKS("true", "false") "," STRICT("true", "true") "," ENVELOPE(
                 "false", "false", "false", "true") "," DOC_TEXTS ",")},
    {"reports-2023",
     FIXTURE("\"profile\":\"reports-2023\"", "\"profile\":\"reports-2023\","),
     FIXTURE(FLAGS3("false", "false", "false") "," ENVELOPE("false", "true",
                                                            "true", "false"),
             QUIRKS("true", "true") "," STRICT("false", "false") "," ENVELOPE(
                 "false", "true", "true", "false") ",")},
    /* the app's own key over its profile: capture-2015 in its own order */
    {"capture-2015 with alphabetical off",
     FIXTURE("", "\"profile\":\"capture-2015\",\"envelope\":{"
                 "\"alphabetical\":false},"),
     FIXTURE("", "\"envelope\":{\"omit_error_info_on_success\":true},")},
    /* the app takes the service's profile when it names none */
    {"documented through the service",
     FIXTURE("\"profile\":\"documented\"", ""),
     FIXTURE("\"profile\":\"documented\"", "\"profile\":\"documented\",")},
};

/* The requests: each kind of answer a profile's setting changes. */
enum who { ADMIN, BAD_SIG, NO_APP };
static const struct {
    const char *method, *path, *body;
    enum who who;
} requests[] = {
    {NULL, NULL, "{\"Limit\":5,\"Next\":0}", ADMIN},
    {NULL, NULL, "{\"Limit\":2}", ADMIN},
    {NULL, NULL, "{\"Limit\":10000,\"GroupType\":\"Community\"}", ADMIN},
    {NULL, NULL, "{\"Limit\":2,\"GroupType\":null,\"Next\":null}", ADMIN},
    {NULL, NULL, "{\"Limit\":2,\"GroupType\":\"\"}", ADMIN},
    {NULL, NULL, "{\"Limit\":0}", ADMIN},
    {NULL, NULL, "{\"Limit\":", ADMIN},
    {NULL, NULL, "{}", BAD_SIG},
    {NULL, NULL, "{}", NO_APP},
    {"GET", NULL, "", ADMIN},
    {NULL, "/v4/group_open_http_svc/nope", "{}", ADMIN},
    {"GET", "/", "", NO_APP},
};

/* The answer's status, header lines but Date, and body, as one text. */
static char *answer_of(const struct tu_timock *t, size_t i)
{
    char *q = NULL;
    if (requests[i].who == ADMIN)
        q = tu_query_now(APP_ID, "administrator");
    else if (requests[i].who == BAD_SIG)
        q = strdup("sdkappid=1400000077&identifier=administrator&usersig=xx&"
                   "random=1&contenttype=json");
    else
        q = strdup("sdkappid=1400000078&identifier=administrator&usersig=xx&"
                   "random=1&contenttype=json");
    ck_assert_ptr_nonnull(q);
    struct buf headers, body;
    struct tu_http r = {.method = requests[i].method,
                        .path = requests[i].path,
                        .query = q,
                        .body = requests[i].body,
                        .answer_headers = &headers};
    ck_assert_int_eq(tu_request(t, &r, &body), 0);
    size_t n = headers.len + body.len + 64;
    char *out = malloc(n), *o = out;
    ck_assert_ptr_nonnull(out);
    o += sprintf(o, "%ld\n", r.status);
    for (const char *h = headers.data, *end = h + headers.len; h < end;) {
        const char *nl = memchr(h, '\n', (size_t)(end - h));
        size_t len = nl ? (size_t)(nl - h + 1) : (size_t)(end - h);
        if (strncasecmp(h, "Date:", 5) != 0) {
            memcpy(o, h, len);
            o += len;
        }
        h += len;
    }
    memcpy(o, body.data, body.len);
    o[body.len] = '\0';
    buf_release(&headers);
    buf_release(&body);
    free(q);
    return out;
}

static void start(struct tu_timock *t, const char *json, char *path, size_t n)
{
    snprintf(path, n, "%s", tu_write_fixture(json));
    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(t, args);
}

START_TEST(profile_answers_as_written_out)
{
    struct tu_timock a, b;
    char pa[512], pb[512];
    start(&a, pairs[_i].with_profile, pa, sizeof pa);
    start(&b, pairs[_i].written_out, pb, sizeof pb);
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        char *x = answer_of(&a, i), *y = answer_of(&b, i);
        ck_assert_msg(strcmp(x, y) == 0,
                      "%s, request %zu:\nwith the profile:\n%s\nwritten "
                      "out:\n%s",
                      pairs[_i].name, i, x, y);
        free(x);
        free(y);
    }
    tu_timock_stop(&a);
    tu_timock_stop(&b);
    tu_remove_fixture(pa);
    tu_remove_fixture(pb);
}
END_TEST

/* The shipped capture-2015.json answers as it did when it wrote every
 * setting out (its text before it named the profile). */
START_TEST(capture_2015_fixture_unchanged)
{
    static const char before[] =
        "{\"service\":{\"use_70020\":false,\"method_first\":false,"
        "\"unknown_path_404\":false},\"apps\":[{\"sdkappid\":1400000007,"
        "\"admins\":[\"administrator\"],\"identifiers\":[\"user1\"],"
        "\"key\":\"" TU_KEY "\",\"envelope\":{\"omit_error_info_on_success\":"
        "true,\"alphabetical\":true,\"omit_action_status\":false,"
        "\"request_id\":false,\"cors\":false,\"error_info_before_code\":"
        "false},\"strict\":{\"null_fields\":false,\"empty_grouptype\":false},"
        "\"error_texts\":{\"70032\":\"\"},\"generate\":{\"seed\":2015,"
        "\"ids\":\"server\",\"counts\":{\"Public\":2000,\"Private\":1500,"
        "\"ChatRoom\":1000,\"AVChatRoom\":800,\"BChatRoom\":300,"
        "\"Community\":253}}}]}";
    struct tu_timock a, b;
    char pb[512];
    const char *args[] = {"--fixture", FIXTURES_DIR "/capture-2015.json", NULL};
    tu_timock_start(&a, args);
    start(&b, before, pb, sizeof pb);
    char *q = tu_query_now(1400000007, "administrator");
    static const char *const bodies[] = {
        "{\"Limit\":5,\"Next\":0}", "{\"Limit\":1}",
        "{\"Limit\":3,\"GroupType\":null}", "{\"Limit\":0}"};
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct buf x, y;
        long sx, sy;
        ck_assert_int_eq(tu_post(&a, NULL, q, bodies[i], &sx, &x), 0);
        ck_assert_int_eq(tu_post(&b, NULL, q, bodies[i], &sy, &y), 0);
        ck_assert_int_eq(sx, sy);
        ck_assert_uint_eq(x.len, y.len);
        ck_assert_msg(memcmp(x.data, y.data, x.len) == 0, "%.*s\n%.*s",
                      (int)x.len, x.data, (int)y.len, y.data);
        buf_release(&x);
        buf_release(&y);
    }
    free(q);
    tu_timock_stop(&a);
    tu_timock_stop(&b);
    tu_remove_fixture(pb);
}
END_TEST

/* An unknown profile: timock exits 2 with the path and the known names
 * (its first line; a timock that serves instead is stopped, and fails). */
START_TEST(unknown_profile_refused)
{
    char path[512], line[1024] = "", want[1024];
    int fds[2], status = 0;
    snprintf(path, sizeof path, "%s",
             tu_write_fixture(FIXTURE("", "\"profile\":\"capture2015\",")));
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(TIMOCK_PATH, TIMOCK_PATH, "--fixture", path, "--port", "0",
              "--quiet", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    ck_assert_ptr_nonnull(f);
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    if (strncmp(line, "timock listening", 16) == 0)
        kill(pid, SIGTERM);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    snprintf(want, sizeof want,
             "timock: %s: $.apps[0].profile: unknown profile \"capture2015\" "
             "(known: capture-2015, current, documented, reports-2023)\n",
             path);
    ck_assert_str_eq(line, want);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 2);
    tu_remove_fixture(path);
}
END_TEST

/* GET /__admin/apps names each app's profile (null for none). */
START_TEST(admin_view_names_the_profile)
{
    static const char json[] =
        "{\"apps\":[{\"sdkappid\":1,\"admins\":[\"a\"],\"check_usersig\":false,"
        "\"profile\":\"reports-2023\"},{\"sdkappid\":2,\"admins\":[\"a\"],"
        "\"check_usersig\":false}]}";
    struct tu_timock t;
    char path[512];
    start(&t, json, path, sizeof path);
    struct buf body;
    struct tu_http r = {.method = "GET", .path = "/__admin/apps"};
    ck_assert_int_eq(tu_request(&t, &r, &body), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(buf_append(&body, "", 1), 0);
    ck_assert_msg(strstr(body.data, "{\"sdkappid\":1,\"region\":null,"
                                    "\"profile\":\"reports-2023\",") &&
                      strstr(body.data, "{\"sdkappid\":2,\"region\":null,"
                                        "\"profile\":null,"),
                  "%s", body.data);
    buf_release(&body);
    tu_timock_stop(&t);
    tu_remove_fixture(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("profile");
    tcase_add_loop_test(tc, profile_answers_as_written_out, 0,
                        (int)(sizeof pairs / sizeof *pairs));
    tcase_add_test(tc, capture_2015_fixture_unchanged);
    tcase_add_test(tc, unknown_profile_refused);
    tcase_add_test(tc, admin_view_names_the_profile);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
