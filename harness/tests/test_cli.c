/*
 * Integration tests of the command-line tools, run as built (TIMGROUPS_PATH,
 * TIMSIG_PATH) with their output and exit code captured:
 *
 *   - timgroups against the real timock: every ID once in each format, the
 *     exact --count output, exit codes 0 (done), 1 (the API said no), 2
 *     (usage) and 3 (transport), the key from a file or TIM_SECRET_KEY, the
 *     TIM_* variables standing in for options (options win), a ready
 *     --usersig, and no secret on stderr with --verbose;
 *   - timsig: gen, then verify at a given time (valid, expired, another
 *     identifier, app or key, junk), and its usage errors.
 */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "usersig.h"

/* What a run of a tool left behind. */
struct run {
    int code; /* exit code, or -1 when it did not exit */
    char *out, *err;
    size_t out_len;
};

static char *slurp(FILE *f, size_t *len)
{
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return s;
}

/* Runs argv (argv[0] the tool's path; NULL-terminated) with stdin from
 * /dev/null, in the current environment. */
static void run(struct run *r, const char *const *argv)
{
    FILE *out = tmpfile(), *err = tmpfile();
    ck_assert(out && err);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->out = slurp(out, &r->out_len);
    r->err = slurp(err, NULL);
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

/* Every TIM_ variable the tools read, cleared; then the key set. */
static void clean_env(int with_key)
{
    static const char *const vars[] = {"TIM_SECRET_KEY", "TIM_REGION",
                                       "TIM_URL", "TIM_SDKAPPID",
                                       "TIM_IDENTIFIER"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    if (with_key)
        setenv("TIM_SECRET_KEY", TU_KEY, 1);
}

/* The lines of s (split in place; the array is malloc'd). */
static char **split_lines(char *s, size_t *n)
{
    size_t cap = 1024;
    char **v = malloc(cap * sizeof *v);
    ck_assert_ptr_nonnull(v);
    *n = 0;
    for (char *p = s; *p;) {
        char *nl = strchr(p, '\n');
        ck_assert_msg(nl != NULL, "the output does not end with a newline");
        *nl = '\0';
        if (*n == cap) {
            v = realloc(v, (cap *= 2) * sizeof *v);
            ck_assert_ptr_nonnull(v);
        }
        v[(*n)++] = p;
        p = nl + 1;
    }
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_unique(char **v, size_t n)
{
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    ck_assert_ptr_nonnull(sorted);
    if (n)
        memcpy(sorted, v, n * sizeof *v);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(sorted[i - 1], sorted[i]) != 0, "%s came twice",
                      sorted[i]);
    free(sorted);
}

/* A timock and the arguments that reach it. */
struct mock {
    struct tu_timock t;
    char url[64];
};

static void mock_start(struct mock *m, const char *fixture)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, fixture ? fixture : "");
    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(&m->t, fixture ? args : NULL);
    snprintf(m->url, sizeof m->url, "http://127.0.0.1:%d", m->t.port);
}

/* A URL whose port refuses connections while *fd stays open (bound, not
 * listening). */
static void closed_port(char *url, size_t n, int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(*fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, n, "http://127.0.0.1:%d", ntohs(sa.sin_port));
}

/* Runs timgroups with args after "--url URL --sdkappid APP --identifier
 * administrator" (args NULL-terminated, at most 12). */
static void timgroups(struct run *r, const struct mock *m, const char *app,
                      const char *const *args)
{
    const char *argv[32] = {TIMGROUPS_PATH, "--url", m->url, "--sdkappid", app,
                            "--identifier", TU_ADMIN};
    size_t n = 7;
    for (; args && *args; args++) {
        ck_assert_uint_lt(n, 31);
        argv[n++] = *args;
    }
    argv[n] = NULL;
    run(r, argv);
}

/* timgroups, lines: every ID once, of the right type. */

static const struct {
    const char *type;
    const char *limit;
    size_t count;
    char type_char; /* after @TGS#; 0: any */
} lines_rows[] = {
    {NULL, NULL, 25000, 0},        {NULL, "3000", 25000, 0},
    {"Public", NULL, 8000, '2'},   {"Private", "999", 6000, '1'},
    {"ChatRoom", NULL, 5000, '3'}, {"AVChatRoom", NULL, 3000, 'a'},
    {"BChatRoom", "1", 1000, 'b'}, {"Community", NULL, 2000, '_'},
};

START_TEST(lines_every_id_once)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, NULL);
    const char *args[6] = {NULL};
    size_t a = 0;
    if (lines_rows[_i].type) {
        args[a++] = "--type";
        args[a++] = lines_rows[_i].type;
    }
    if (lines_rows[_i].limit) {
        args[a++] = "--limit";
        args[a++] = lines_rows[_i].limit;
    }
    struct run r;
    timgroups(&r, &m, "1400000000", args);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_str_eq(r.err, "");
    size_t n;
    char **v = split_lines(r.out, &n);
    ck_assert_uint_eq(n, lines_rows[_i].count);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(strlen(v[i]), 14); /* @TGS#, type, 8 more */
        ck_assert_int_eq(strncmp(v[i], "@TGS#", 5), 0);
        if (lines_rows[_i].type_char)
            ck_assert_int_eq(v[i][5], lines_rows[_i].type_char);
    }
    assert_unique(v, n);
    free(v);
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* --format json: one array of strings; ndjson: one object a line. */
START_TEST(json_formats)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, NULL);
    struct run r;
    const char *json[] = {"--type",  "BChatRoom", "--format", "json",
                          "--limit", "300",       NULL};
    timgroups(&r, &m, "1400000000", json);
    ck_assert_int_eq(r.code, 0);
    ck_assert_int_eq(strncmp(r.out, "[\n\"@TGS#b", 9), 0);
    ck_assert_str_eq(r.out + r.out_len - 3, "\n]\n");
    cJSON *arr = cJSON_Parse(r.out);
    ck_assert(cJSON_IsArray(arr));
    ck_assert_int_eq(cJSON_GetArraySize(arr), 1000);
    char **v = malloc(1000 * sizeof *v);
    size_t n = 0;
    for (const cJSON *e = arr->child; e; e = e->next) {
        ck_assert(cJSON_IsString(e));
        v[n++] = e->valuestring;
    }
    assert_unique(v, n);
    free(v);
    cJSON_Delete(arr);
    run_free(&r);

    const char *ndjson[] = {"--type", "Community", "--format", "ndjson", NULL};
    timgroups(&r, &m, "1400000000", ndjson);
    ck_assert_int_eq(r.code, 0);
    char **lines = split_lines(r.out, &n);
    ck_assert_uint_eq(n, 2000);
    /* {"GroupId":"@TGS#_XXXXXXXX"} */
    ck_assert_uint_eq(strlen(lines[0]), 12 + 14 + 2);
    ck_assert_int_eq(strncmp(lines[0], "{\"GroupId\":\"@TGS#_", 18), 0);
    ck_assert_str_eq(lines[0] + 26, "\"}");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_Parse(lines[i]);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "GroupId");
        ck_assert(cJSON_IsObject(o) && cJSON_GetArraySize(o) == 1);
        ck_assert(cJSON_IsString(id) && strlen(id->valuestring) == 14);
        cJSON_Delete(o);
    }
    free(lines);
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* IDs that the answer escapes (a quote, a backslash) come out as they are
 * in lines, and escaped again in json and ndjson; 25002 IDs of 48 bytes
 * are more than the tool's output buffer holds, in every format. */
START_TEST(escaped_and_long_ids)
{
    clean_env(1);
    char path[] = "/tmp/test_cli_ids_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"apps\":[{\"sdkappid\":1400000009,\"admins\":[\"%s\"],"
            "\"key\":\"%s\",\"groups\":[{\"id\":\"q\\\"uote\","
            "\"type\":\"Public\"},{\"id\":\"back\\\\slash\",\"type\":"
            "\"Public\"}],\"generate\":{\"seed\":9,\"ids\":\"custom\","
            "\"id_length\":48,\"counts\":{\"Private\":25000}}}]}",
            TU_ADMIN, TU_KEY);
    ck_assert_int_eq(fclose(f), 0);
    struct mock m;
    const char *margs[] = {"--fixture", path, NULL};
    tu_timock_start(&m.t, margs);
    unlink(path); /* read at start: a failed assertion leaves nothing */
    snprintf(m.url, sizeof m.url, "http://127.0.0.1:%d", m.t.port);

    struct run lines, json, ndjson;
    const char *a_lines[] = {"--limit", "999", NULL};
    const char *a_json[] = {"--format", "json", NULL};
    const char *a_ndjson[] = {"--format", "ndjson", NULL};
    timgroups(&lines, &m, "1400000009", a_lines);
    timgroups(&json, &m, "1400000009", a_json);
    timgroups(&ndjson, &m, "1400000009", a_ndjson);
    ck_assert_int_eq(lines.code + json.code + ndjson.code, 0);
    ck_assert_uint_gt(lines.out_len, 1u << 20);
    size_t n, nd, quote = 0, backslash = 0;
    char **v = split_lines(lines.out, &n);
    char **w = split_lines(ndjson.out, &nd);
    ck_assert_uint_eq(n, 25002);
    ck_assert_uint_eq(nd, n);
    cJSON *arr = cJSON_Parse(json.out);
    ck_assert(cJSON_IsArray(arr));
    ck_assert_int_eq(cJSON_GetArraySize(arr), (int)n);
    const cJSON *e = arr->child;
    for (size_t i = 0; i < n; i++, e = e->next) {
        quote += strcmp(v[i], "q\"uote") == 0;
        backslash += strcmp(v[i], "back\\slash") == 0;
        ck_assert_msg(strlen(v[i]) == 48 || strchr(v[i], '"') ||
                          strchr(v[i], '\\'),
                      "line %zu: '%s'", i, v[i]);
        ck_assert(cJSON_IsString(e));
        ck_assert_str_eq(e->valuestring, v[i]);
        cJSON *o = cJSON_Parse(w[i]);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "GroupId");
        ck_assert(cJSON_IsString(id));
        ck_assert_str_eq(id->valuestring, v[i]);
        cJSON_Delete(o);
    }
    ck_assert_uint_eq(quote, 1);
    ck_assert_uint_eq(backslash, 1);
    assert_unique(v, n);
    cJSON_Delete(arr);
    free(v);
    free(w);
    run_free(&lines);
    run_free(&json);
    run_free(&ndjson);
    tu_timock_stop(&m.t);
}
END_TEST

/* An app without groups: nothing, or an empty array. */
static const struct {
    const char *format;
    const char *out;
} empty_rows[] = {{"lines", ""}, {"json", "[]\n"}, {"ndjson", ""}};

START_TEST(empty_app)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, "empty.json");
    struct run r;
    const char *args[] = {"--format", empty_rows[_i].format, NULL};
    timgroups(&r, &m, "1400000001", args);
    ck_assert_int_eq(r.code, 0);
    ck_assert_str_eq(r.out, empty_rows[_i].out);
    ck_assert_str_eq(r.err, "");
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* --count: exact output. */
static const struct {
    const char *args[6];
    int code;
    const char *out;
} count_rows[] = {
    {{"--count"},
     0,
     "Public 8000\nPrivate 6000\nChatRoom 5000\nAVChatRoom 3000\n"
     "BChatRoom 1000\nCommunity 2000\ntotal 25000\n"},
    {{"--count", "--format", "json"},
     0,
     "{\"Public\":8000,\"Private\":6000,\"ChatRoom\":5000,\"AVChatRoom\":3000,"
     "\"BChatRoom\":1000,\"Community\":2000,\"total\":25000}\n"},
    {{"--count", "--format", "ndjson"},
     0,
     "{\"Public\":8000,\"Private\":6000,\"ChatRoom\":5000,\"AVChatRoom\":3000,"
     "\"BChatRoom\":1000,\"Community\":2000,\"total\":25000}\n"},
    {{"--count", "--type", "Public"}, 0, "Public 8000\n"},
    {{"--count", "--type", "AVChatRoom", "--format", "json"},
     0,
     "{\"AVChatRoom\":3000}\n"},
    /* a type the service refuses is its error, not an empty count */
    {{"--count", "--type", "Nope"}, 1, ""},
    {{"--count", "--type", "public"}, 1, ""},
};

START_TEST(count_output)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, NULL);
    struct run r;
    timgroups(&r, &m, "1400000000", count_rows[_i].args);
    ck_assert_msg(r.code == count_rows[_i].code, "exit %d: %s", r.code, r.err);
    ck_assert_str_eq(r.out, count_rows[_i].out);
    if (r.code)
        ck_assert_str_eq(r.err, "timgroups: the API answered ErrorCode 10004: "
                                "invalid parameter: GroupType must be one of "
                                "Public, Private, ChatRoom, AVChatRoom, "
                                "BChatRoom, Community\n");
    else
        ck_assert_str_eq(r.err, "");
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* Exit codes.  "@URL" stands for the mock's URL, "@CLOSED" for a port that
 * refuses connections; key 0 leaves TIM_SECRET_KEY unset. */
static const struct {
    const char *args[12];
    int key;
    int code;
    const char *err; /* the start of stderr */
} exit_rows[] = {
    {{"--url", "@URL", "--sdkappid", "1400000000", "--identifier", "user1"},
     1,
     1,
     "timgroups: the API answered ErrorCode 10007: no permission: only the "
     "app admin may call this API\n"},
    {{"--url", "@URL", "--sdkappid", "1400000099", "--identifier",
      "administrator"},
     1,
     1,
     "timgroups: the API answered ErrorCode 60006: "},
    {{"--url", "@URL", "--sdkappid", "1400000000", "--identifier",
      "administrator", "--type", "Nope"},
     1,
     1,
     "timgroups: the API answered ErrorCode 10004: "},
    {{"--url", "@CLOSED", "--sdkappid", "1400000000", "--identifier",
      "administrator", "--retries", "0"},
     1,
     3,
     "timgroups: transport error: Failed to connect to 127.0.0.1 port "},
    {{"--sdkappid", "1400000000", "--identifier", "administrator"},
     1,
     2,
     "timgroups: give --region or --url (or TIM_REGION, TIM_URL)\n"
     "Try 'timgroups --help'.\n"},
    {{"--url", "@URL", "--identifier", "administrator"},
     1,
     2,
     "timgroups: give --sdkappid (or TIM_SDKAPPID)\n"},
    {{"--url", "@URL", "--sdkappid", "1400000000"},
     1,
     2,
     "timgroups: give --identifier (or TIM_IDENTIFIER)\n"},
    {{"--url", "@URL", "--sdkappid", "14e8", "--identifier", "a"},
     1,
     2,
     "timgroups: --sdkappid: expected a number, got '14e8'\n"},
    {{"--url", "@URL", "--sdkappid", "4294967296", "--identifier", "a"},
     1,
     2,
     "timgroups: --sdkappid: expected a number, got '4294967296'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--limit", "0"},
     1,
     2,
     "timgroups: --limit: expected 1 to 10000, got '0'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--limit",
      "10001"},
     1,
     2,
     "timgroups: --limit: expected 1 to 10000, got '10001'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--limit", "-5"},
     1,
     2,
     "timgroups: --limit: expected 1 to 10000, got '-5'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--limit"},
     1,
     2,
     "timgroups: unknown or incomplete option '--limit'\n"},
    {{"--bogus"}, 1, 2, "timgroups: unknown or incomplete option '--bogus'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "stray"},
     1,
     2,
     "timgroups: unexpected argument 'stray'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--format",
      "xml"},
     1,
     2,
     "timgroups: --format: expected lines, json or ndjson, got 'xml'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--retries",
      "101"},
     1,
     2,
     "timgroups: --retries: expected 0 to 100, got '101'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--timeout",
      "0"},
     1,
     2,
     "timgroups: --timeout: expected 1 to 3600 seconds, got '0'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--max-pages",
      "0"},
     1,
     2,
     "timgroups: --max-pages: expected a number of pages from 1, got '0'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--max-time",
      "0"},
     1,
     2,
     "timgroups: --max-time: expected 1 to 2678400 seconds, got '0'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--max-time",
      "1.5"},
     1,
     2,
     "timgroups: --max-time: expected 1 to 2678400 seconds, got '1.5'\n"},
    {{"--region", "mars", "--sdkappid", "1", "--identifier", "a"},
     1,
     2,
     "timgroups: unknown region 'mars'\n"},
    /* the last of --region and --url wins */
    {{"--url", "@URL", "--region", "mars", "--sdkappid", "1", "--identifier",
      "a"},
     1,
     2,
     "timgroups: unknown region 'mars'\n"},
    {{"--region", "mars", "--url", "ftp://127.0.0.1", "--sdkappid", "1",
      "--identifier", "a"},
     1,
     2,
     "timgroups: the URL must start with http:// or https://\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--retries",
      "x"},
     1,
     2,
     "timgroups: --retries: expected 0 to 100, got 'x'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--timeout",
      "3601"},
     1,
     2,
     "timgroups: --timeout: expected 1 to 3600 seconds, got '3601'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--max-pages",
      "18446744073709551616"},
     1,
     2,
     "timgroups: --max-pages: expected a number of pages from 1, got "
     "'18446744073709551616'\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--format"},
     1,
     2,
     "timgroups: unknown or incomplete option '--format'\n"},
    /* a flag takes no argument */
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--count=1"},
     1,
     2,
     "timgroups: unknown or incomplete option '--count=1'\n"},
    {{"--url", "ftp://127.0.0.1", "--sdkappid", "1", "--identifier", "a"},
     1,
     2,
     "timgroups: the URL must start with http:// or https://\n"},
    {{"--url", "@URL", "--sdkappid", "1400000000", "--identifier",
      "administrator"},
     0,
     2,
     "timgroups: no secret key: give --key-file FILE or set TIM_SECRET_KEY\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--key-file",
      "/nonexistent/key"},
     1,
     2,
     "timgroups: /nonexistent/key: No such file or directory\n"},
    /* opened, but it cannot be read */
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--key-file",
      "/"},
     1,
     2,
     "timgroups: /: Is a directory\n"},
    {{"--url", "@URL", "--sdkappid", "1", "--identifier", "a", "--key-file",
      "/dev/null", "--usersig", "x"},
     1,
     2,
     "timgroups: give --key-file or --usersig, not both\n"},
};

START_TEST(exit_codes)
{
    clean_env(exit_rows[_i].key);
    struct mock m;
    mock_start(&m, NULL);
    char closed[64];
    int fd;
    closed_port(closed, sizeof closed, &fd);
    const char *argv[16] = {TIMGROUPS_PATH};
    size_t n = 1;
    for (const char *const *a = exit_rows[_i].args; *a; a++)
        argv[n++] = strcmp(*a, "@URL") == 0      ? m.url
                    : strcmp(*a, "@CLOSED") == 0 ? closed
                                                 : *a;
    argv[n] = NULL;
    struct run r;
    run(&r, argv);
    ck_assert_msg(r.code == exit_rows[_i].code, "exit %d, expected %d: %s",
                  r.code, exit_rows[_i].code, r.err);
    ck_assert_msg(
        strncmp(r.err, exit_rows[_i].err, strlen(exit_rows[_i].err)) == 0,
        "stderr: %s", r.err);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_null(strstr(r.err, TU_KEY));
    run_free(&r);
    close(fd);
    tu_timock_stop(&m.t);
}
END_TEST

START_TEST(help_and_version)
{
    clean_env(0);
    struct run r;
    const char *help[] = {TIMGROUPS_PATH, "--help", NULL};
    run(&r, help);
    ck_assert_int_eq(r.code, 0);
    const char *first = "usage: timgroups (--region NAME | --url URL) ";
    ck_assert_int_eq(strncmp(r.out, first, strlen(first)), 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Exit codes: 0 done, 1 the API "
                                        "answered an error, 2 usage,\n3 "
                                        "transport failure, 4 stopped by "
                                        "--max-pages or --max-time.\n"));
    ck_assert_str_eq(r.err, "");
    run_free(&r);
    const char *version[] = {TIMGROUPS_PATH, "--version", NULL};
    run(&r, version);
    ck_assert_int_eq(r.code, 0);
    ck_assert_str_eq(r.out, "timgroups 0.1.0\n");
    run_free(&r);
}
END_TEST

/* Writes text into a fresh file; returns its path (static). */
static const char *write_temp(const char *text)
{
    static char path[] = "/tmp/timcli-test-XXXXXX";
    strcpy(path, "/tmp/timcli-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* --key-file: the key without surrounding white space, on one line; it
 * wins over TIM_SECRET_KEY. */
static const struct {
    const char *file;
    const char *env;
    int code;
    const char *err; /* the end of stderr's first line */
} key_rows[] = {
    {TU_KEY, NULL, 0, NULL},
    {TU_KEY "\n", NULL, 0, NULL},
    {"  \t" TU_KEY " \r\n\n", NULL, 0, NULL},
    {TU_KEY "\n", "not the key", 0, NULL},
    {"not the key\n", TU_KEY, 1, "ErrorCode 70009: "},
    {"", TU_KEY, 2, ": expected one line holding the secret key\n"},
    {" \n\n", NULL, 2, ": expected one line holding the secret key\n"},
    {TU_KEY "\n" TU_KEY "\n", NULL, 2,
     ": expected one line holding the secret key\n"},
};

START_TEST(key_file)
{
    clean_env(0);
    if (key_rows[_i].env)
        setenv("TIM_SECRET_KEY", key_rows[_i].env, 1);
    struct mock m;
    mock_start(&m, NULL);
    const char *path = write_temp(key_rows[_i].file);
    const char *args[] = {"--key-file", path,      "--count",
                          "--type",     "Private", NULL};
    struct run r;
    timgroups(&r, &m, "1400000000", args);
    unlink(path);
    ck_assert_msg(r.code == key_rows[_i].code, "exit %d: %s", r.code, r.err);
    if (r.code == 0) {
        ck_assert_str_eq(r.out, "Private 6000\n");
        ck_assert_str_eq(r.err, "");
    } else {
        ck_assert_str_eq(r.out, "");
        ck_assert_msg(strstr(r.err, key_rows[_i].err) != NULL, "stderr: %s",
                      r.err);
        ck_assert_ptr_null(strstr(r.err, TU_KEY));
    }
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* TIM_* variables stand in for options; options win.  "@URL" and "@CLOSED"
 * as in exit_rows. */
static const struct {
    const char *url, *app, *identifier, *region;
    const char *args[6];
    int code;
} env_rows[] = {
    {"@URL", "1400000000", "administrator", NULL, {NULL}, 0},
    {"@URL", "1400000000", "user1", NULL, {NULL}, 1},
    {"@URL", "1400000000", "user1", NULL, {"--identifier", "administrator"}, 0},
    {"@CLOSED", "1400000000", "administrator", NULL, {"--url", "@URL"}, 0},
    {"@URL",
     "1400000099",
     "administrator",
     NULL,
     {"--sdkappid", "1400000000"},
     0},
    {NULL, "1400000000", "administrator", "mars", {"--url", "@URL"}, 0},
    {NULL, "1400000000", "administrator", "mars", {NULL}, 2},
    {"@CLOSED", "1400000000", "administrator", NULL, {"--retries", "0"}, 3},
    {"@URL", "not a number", "administrator", NULL, {NULL}, 2},
    {"@URL", "", "administrator", NULL, {NULL}, 2}, /* empty: unset */
};

START_TEST(env_vars)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, NULL);
    char closed[64];
    int fd;
    closed_port(closed, sizeof closed, &fd);
#define SUBST(s)                                                               \
    (strcmp(s, "@URL") == 0 ? m.url : strcmp(s, "@CLOSED") == 0 ? closed : s)
    if (env_rows[_i].url)
        setenv("TIM_URL", SUBST(env_rows[_i].url), 1);
    if (env_rows[_i].app)
        setenv("TIM_SDKAPPID", env_rows[_i].app, 1);
    if (env_rows[_i].identifier)
        setenv("TIM_IDENTIFIER", env_rows[_i].identifier, 1);
    if (env_rows[_i].region)
        setenv("TIM_REGION", env_rows[_i].region, 1);
    const char *argv[16] = {TIMGROUPS_PATH, "--count", "--type", "Public"};
    size_t n = 4;
    for (const char *const *a = env_rows[_i].args; *a; a++)
        argv[n++] = SUBST(*a);
#undef SUBST
    argv[n] = NULL;
    struct run r;
    run(&r, argv);
    ck_assert_msg(r.code == env_rows[_i].code, "exit %d: %s", r.code, r.err);
    ck_assert_str_eq(r.out, r.code ? "" : "Public 8000\n");
    run_free(&r);
    close(fd);
    tu_timock_stop(&m.t);
}
END_TEST

/* --usersig: a ready UserSig, no key needed; --verbose shows every request
 * with the UserSig redacted. */
static const struct {
    int64_t age; /* seconds since the UserSig was made; it lives a day */
    int code;
    const char *err;
} usersig_rows[] = {
    {0, 0, NULL},
    {3600, 0, NULL},
    {86400 + 3600, 1, "timgroups: the API answered ErrorCode 70001: "},
};

START_TEST(usersig_option)
{
    clean_env(0);
    struct mock m;
    mock_start(&m, NULL);
    char *sig = NULL;
    ck_assert_int_eq(usersig_make(TU_KEY, TU_APP, TU_ADMIN,
                                  (int64_t)time(NULL) - usersig_rows[_i].age,
                                  86400, NULL, 0, -1, &sig),
                     0);
    const char *args[] = {"--usersig", sig,         "--type",
                          "Community", "--verbose", NULL};
    struct run r;
    timgroups(&r, &m, "1400000000", args);
    ck_assert_msg(r.code == usersig_rows[_i].code, "exit %d: %s", r.code,
                  r.err);
    ck_assert_ptr_null(strstr(r.err, sig));
    for (const char *p = r.err; (p = strstr(p, "usersig=")) != NULL; p += 8)
        ck_assert_int_eq(strncmp(p + 8, "REDACTED&", 9), 0);
    char want[256];
    snprintf(want, sizeof want,
             "timgroups: POST http://127.0.0.1:%d/v4/group_open_http_svc/"
             "get_appid_group_list?sdkappid=1400000000&identifier="
             "administrator&usersig=REDACTED&random=",
             m.t.port);
    ck_assert_int_eq(strncmp(r.err, want, strlen(want)), 0);
    if (r.code == 0) {
        size_t n;
        char **v = split_lines(r.out, &n);
        ck_assert_uint_eq(n, 2000);
        free(v);
        ck_assert_ptr_nonnull(
            strstr(r.err, "timgroups: 2000 IDs in 2 pages, 0 asked again, "));
    } else {
        ck_assert_str_eq(r.out, "");
        ck_assert_ptr_nonnull(strstr(r.err, usersig_rows[_i].err));
    }
    free(sig);
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* --verbose with the key: neither the key nor a UserSig on stderr. */
START_TEST(verbose_hides_secrets)
{
    clean_env(1);
    struct mock m;
    mock_start(&m, NULL);
    const char *args[] = {"--type", "BChatRoom", "--limit",
                          "400",    "--verbose", NULL};
    struct run r;
    timgroups(&r, &m, "1400000000", args);
    ck_assert_int_eq(r.code, 0);
    ck_assert_ptr_null(strstr(r.err, TU_KEY));
    ck_assert_ptr_nonnull(strstr(
        r.err, "timgroups: made a UserSig for administrator, valid 86400 s\n"));
    ck_assert_ptr_nonnull(
        strstr(r.err, "timgroups: 1000 IDs in 4 pages, 0 asked again, "));
    size_t n, posts = 0;
    char **v = split_lines(r.err, &n); /* cuts r.err into lines */
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(strncmp(v[i], "timgroups: ", 11), 0);
        ck_assert_ptr_null(strstr(v[i], "eJy")); /* a UserSig's start */
        const char *p = strstr(v[i], "usersig=");
        ck_assert(p == NULL || strncmp(p + 8, "REDACTED&", 9) == 0);
        posts += strncmp(v[i], "timgroups: POST ", 16) == 0;
    }
    ck_assert_uint_eq(posts, 4); /* 400 + 400 + 200, then the empty page */
    free(v);
    run_free(&r);
    tu_timock_stop(&m.t);
}
END_TEST

/* timsig */

/* Runs timsig with args (NULL-terminated). */
static void timsig(struct run *r, const char *const *args)
{
    const char *argv[20] = {TIMSIG_PATH};
    size_t n = 1;
    for (; *args; args++) {
        ck_assert_uint_lt(n, 19);
        argv[n++] = *args;
    }
    argv[n] = NULL;
    run(r, argv);
}

/* gen of SPEC section 5's vector; returns the UserSig (malloc'd). */
static char *gen_vector(void)
{
    struct run r;
    const char *args[] = {
        "gen",    "--sdkappid", "1400000000", "--identifier", "xiaojun",
        "--time", "1700000000", "--expire",   "15552000",     NULL};
    timsig(&r, args);
    ck_assert_msg(r.code == 0, "gen: exit %d: %s", r.code, r.err);
    ck_assert_str_eq(r.err, "");
    size_t n = strlen(r.out);
    ck_assert_uint_gt(n, 1);
    ck_assert_int_eq(r.out[n - 1], '\n');
    ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + n - 1); /* one line */
    r.out[n - 1] = '\0';
    char *sig = strdup(r.out);
    run_free(&r);
    return sig;
}

START_TEST(timsig_gen_is_the_vector)
{
    clean_env(1);
    char *sig = gen_vector();
    struct usersig_doc doc;
    ck_assert_int_eq(
        usersig_verify(sig, TU_KEY, TU_APP, "xiaojun", 1700000100, &doc), 0);
    ck_assert_str_eq(doc.sig, "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=");
    ck_assert_int_eq(doc.time, 1700000000);
    ck_assert_int_eq(doc.expire, 15552000);
    free(sig);
}
END_TEST

static const char vector_fields[] =
    "identifier  xiaojun\n"
    "sdkappid    1400000000\n"
    "time        1700000000 (2023-11-14T22:13:20Z)\n"
    "expire      15552000 s\n"
    "expires at  1715552000 (2024-05-12T22:13:20Z)\n";

/* verify of the vector; "@SIG" stands for it.  key: 1 TIM_SECRET_KEY, 0
 * none, 2 a key file with another key. */
static const struct {
    const char *args[8];
    int key;
    int code;
    const char *verdict; /* NULL: no verdict (usage) */
    int fields;          /* the fields are shown */
} verify_rows[] = {
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100", "@SIG"},
     1,
     0,
     "verdict     valid\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1715552000", "@SIG"},
     1,
     0,
     "verdict     valid\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1715552001", "@SIG"},
     1,
     1,
     "verdict     invalid: ErrorCode 70001, UserSig has expired\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "@SIG"},
     1,
     1,
     "verdict     invalid: ErrorCode 70001, UserSig has expired\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "bob", "--time", "1700000100",
      "@SIG"},
     1,
     1,
     "verdict     invalid: ErrorCode 70013, the identifier in the URL is not "
     "the one in the UserSig\n",
     1},
    {{"--sdkappid", "1400000001", "--identifier", "xiaojun", "--time",
      "1700000100", "@SIG"},
     1,
     1,
     "verdict     invalid: ErrorCode 70014, the SDKAppID in the URL is not "
     "the one in the UserSig\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100", "@SIG"},
     2,
     1,
     "verdict     invalid: ErrorCode 70009, UserSig verification Failed. The "
     "UserSig in use maybe generated by Secret Key from other SDKAppID. "
     "Please regenerate UserSig by Secret Key from its own SDKAppID.\n",
     1},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100", "eJwrSS0u0cvMK0hNycxLBwAc6gR-"},
     1,
     1,
     "verdict     invalid: ErrorCode 70003, The UserSig in use is illegal. "
     "Please regenerate UserSig through official API. (FYI: "
     "https://cloud.tencent.com/document/product/269/32688 )\n",
     0},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100", ""},
     1,
     1,
     "verdict     invalid: ErrorCode 70002, UserSig is empty\n",
     0},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100"},
     1,
     2,
     NULL,
     0},
    {{"--sdkappid", "1400000000", "--identifier", "xiaojun", "--time",
      "1700000100", "@SIG"},
     0,
     2,
     NULL,
     0},
};

START_TEST(timsig_verify)
{
    clean_env(1);
    char *sig = gen_vector();
    clean_env(verify_rows[_i].key == 1);
    const char *args[12] = {"verify"};
    size_t n = 1;
    const char *path = NULL;
    if (verify_rows[_i].key == 2) {
        path = write_temp("another key\n");
        args[n++] = "--key-file";
        args[n++] = path;
    }
    for (const char *const *a = verify_rows[_i].args; *a; a++)
        args[n++] = strcmp(*a, "@SIG") == 0 ? sig : *a;
    args[n] = NULL;
    struct run r;
    timsig(&r, args);
    if (path)
        unlink(path);
    ck_assert_msg(r.code == verify_rows[_i].code, "exit %d: %s", r.code, r.err);
    if (verify_rows[_i].verdict) {
        char want[1024];
        snprintf(want, sizeof want, "%s%s",
                 verify_rows[_i].fields ? vector_fields : "",
                 verify_rows[_i].verdict);
        ck_assert_str_eq(r.out, want);
        ck_assert_str_eq(r.err, "");
    } else {
        ck_assert_str_eq(r.out, "");
        ck_assert_int_eq(strncmp(r.err, "timsig: ", 8), 0);
    }
    free(sig);
    run_free(&r);
}
END_TEST

/* gen's options: a userbuf shows in verify; every zlib level verifies. */
static const struct {
    const char *level;
    const char *userbuf;
} gen_rows[] = {
    {"0", NULL},
    {"1", NULL},
    {"9", NULL},
    {NULL, "room=42"},
};

START_TEST(timsig_gen_options)
{
    clean_env(1);
    const char *args[16] = {"gen", "--sdkappid", "1400000000", "--identifier",
                            "administrator"};
    size_t n = 5;
    if (gen_rows[_i].level) {
        args[n++] = "--level";
        args[n++] = gen_rows[_i].level;
    }
    if (gen_rows[_i].userbuf) {
        args[n++] = "--userbuf";
        args[n++] = gen_rows[_i].userbuf;
    }
    args[n] = NULL;
    struct run r;
    timsig(&r, args);
    ck_assert_int_eq(r.code, 0);
    r.out[strcspn(r.out, "\n")] = '\0';
    char *sig = strdup(r.out);
    run_free(&r);
    struct usersig_doc doc;
    ck_assert_int_eq(usersig_verify(sig, TU_KEY, TU_APP, TU_ADMIN,
                                    (int64_t)time(NULL), &doc),
                     0);
    ck_assert_int_eq(doc.expire, 86400);
    ck_assert_int_eq(doc.has_userbuf, gen_rows[_i].userbuf != NULL);
    const char *verify[] = {
        "verify",        "--sdkappid", "1400000000", "--identifier",
        "administrator", sig,          NULL};
    timsig(&r, verify);
    ck_assert_int_eq(r.code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "verdict     valid\n"));
    if (gen_rows[_i].userbuf)
        ck_assert_ptr_nonnull(strstr(r.out, "userbuf     room=42\n"));
    else
        ck_assert_ptr_null(strstr(r.out, "userbuf"));
    run_free(&r);
    free(sig);
}
END_TEST

static const struct {
    const char *args[10];
    int code;
    const char *out, *err; /* the start of each */
} timsig_usage_rows[] = {
    {{"--help"}, 0, "usage: timsig gen --sdkappid N --identifier ID", ""},
    {{"gen", "--help"}, 0, "usage: timsig gen", ""},
    {{"--version"}, 0, "timsig 0.1.0\n", ""},
    {{NULL}, 2, "", "timsig: expected 'gen' or 'verify'\nTry 'timsig --help'."},
    {{"sign"}, 2, "", "timsig: expected 'gen' or 'verify'\n"},
    {{"gen", "--identifier", "a"}, 2, "", "timsig: give --sdkappid\n"},
    {{"gen", "--sdkappid", "1"}, 2, "", "timsig: give --identifier\n"},
    {{"gen", "--sdkappid", "1", "--identifier", ""},
     2,
     "",
     "timsig: give --identifier\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "--level", "10"},
     2,
     "",
     "timsig: --level: expected 0 to 9, got '10'\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "--time", "-1"},
     2,
     "",
     "timsig: --time: expected unix seconds, got '-1'\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "extra"},
     2,
     "",
     "timsig: unexpected argument 'extra'\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "--bogus"},
     2,
     "",
     "timsig: unknown or incomplete option '--bogus'\n"},
    {{"verify", "--sdkappid", "1", "--identifier", "a", "x", "y"},
     2,
     "",
     "timsig: verify takes one USERSIG\n"},
    {{"gen", "--sdkappid", "4294967296", "--identifier", "a"},
     2,
     "",
     "timsig: --sdkappid: expected a number, got '4294967296'\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "--expire",
      "1099511627777"},
     2,
     "",
     "timsig: --expire: expected seconds, got '1099511627777'\n"},
    {{"verify", "--sdkappid", "1", "--identifier", "a", "--time", "soon", "x"},
     2,
     "",
     "timsig: --time: expected unix seconds, got 'soon'\n"},
    {{"gen", "--sdkappid", "1", "--identifier", "a", "--level"},
     2,
     "",
     "timsig: unknown or incomplete option '--level'\n"},
};

START_TEST(timsig_usage)
{
    clean_env(1);
    struct run r;
    timsig(&r, timsig_usage_rows[_i].args);
    ck_assert_msg(r.code == timsig_usage_rows[_i].code, "exit %d: %s", r.code,
                  r.err);
    ck_assert_msg(strncmp(r.out, timsig_usage_rows[_i].out,
                          strlen(timsig_usage_rows[_i].out)) == 0,
                  "stdout: %s", r.out);
    ck_assert_msg(strncmp(r.err, timsig_usage_rows[_i].err,
                          strlen(timsig_usage_rows[_i].err)) == 0,
                  "stderr: %s", r.err);
    if (r.code)
        ck_assert_str_eq(r.out, "");
    run_free(&r);
}
END_TEST

/* Output that stdout cannot take (/dev/full): the tool says so and fails,
 * rather than exit 0 with nothing written. */
static const struct {
    const char *args[8]; /* args[0]: the tool */
    const char *err;
} full_rows[] = {
    {{TIMGROUPS_PATH, "--help"},
     "timgroups: stdout: No space left on device\n"},
    {{TIMGROUPS_PATH, "--version"},
     "timgroups: stdout: No space left on device\n"},
    {{TIMSIG_PATH, "--help"}, "timsig: stdout: No space left on device\n"},
    {{TIMSIG_PATH, "gen", "--version"},
     "timsig: stdout: No space left on device\n"},
    {{TIMSIG_PATH, "gen", "--sdkappid", "1", "--identifier", "a"},
     "timsig: stdout: No space left on device\n"},
};

START_TEST(stdout_full)
{
    clean_env(1);
    FILE *err = tmpfile();
    ck_assert_ptr_nonnull(err);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY), out = open("/dev/full", O_WRONLY);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(fileno(err), 2);
        execv(full_rows[_i].args[0], (char *const *)full_rows[_i].args);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d",
                  status);
    char *text = slurp(err, NULL);
    ck_assert_str_eq(text, full_rows[_i].err);
    free(text);
}
END_TEST

/* gen without a key: usage, and nothing made. */
START_TEST(timsig_needs_key)
{
    clean_env(0);
    struct run r;
    const char *args[] = {"gen", "--sdkappid", "1", "--identifier", "a", NULL};
    timsig(&r, args);
    ck_assert_int_eq(r.code, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "timsig: no secret key: give --key-file FILE or "
                            "set TIM_SECRET_KEY\n");
    run_free(&r);
}
END_TEST

#define ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *groups = tcase_create("timgroups");
    tcase_set_timeout(groups, 120);
    tcase_add_loop_test(groups, lines_every_id_once, 0, ROWS(lines_rows));
    tcase_add_test(groups, json_formats);
    tcase_add_test(groups, escaped_and_long_ids);
    tcase_add_loop_test(groups, empty_app, 0, ROWS(empty_rows));
    tcase_add_loop_test(groups, count_output, 0, ROWS(count_rows));
    tcase_add_loop_test(groups, exit_codes, 0, ROWS(exit_rows));
    tcase_add_test(groups, help_and_version);
    tcase_add_loop_test(groups, key_file, 0, ROWS(key_rows));
    tcase_add_loop_test(groups, env_vars, 0, ROWS(env_rows));
    tcase_add_loop_test(groups, usersig_option, 0, ROWS(usersig_rows));
    tcase_add_test(groups, verbose_hides_secrets);
    suite_add_tcase(s, groups);

    TCase *sig = tcase_create("timsig");
    tcase_set_timeout(sig, 60);
    tcase_add_test(sig, timsig_gen_is_the_vector);
    tcase_add_loop_test(sig, timsig_verify, 0, ROWS(verify_rows));
    tcase_add_loop_test(sig, timsig_gen_options, 0, ROWS(gen_rows));
    tcase_add_loop_test(sig, timsig_usage, 0, ROWS(timsig_usage_rows));
    tcase_add_test(sig, timsig_needs_key);
    tcase_add_loop_test(sig, stdout_full, 0, ROWS(full_rows));
    suite_add_tcase(s, sig);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
