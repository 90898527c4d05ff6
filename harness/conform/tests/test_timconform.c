/*
 * Tests of timconform itself: a case whose expectation is wrong must be
 * reported failed, and the property checks must catch a server that repeats
 * a group, skips a group, or cycles its cursor.  The misbehaving servers are
 * a tiny HTTP server inside this test, on 127.0.0.1 and a free port.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The build tree's cases, fixtures and timock: the runner has none compiled
 * in (a later --cases wins). */
#define TREE_ARGS                                                              \
    " --cases " CASES_DIR " --fixtures " FIXTURES_DIR " --timock " TIMOCK " "

/* Runs timconform with args; returns its exit code and its TAP report. */
static int run_conform(const char *args, char *tap, size_t n)
{
    char cmd[4096], path[] = "/tmp/timconform-tap-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s" TREE_ARGS "%s --tap %s >/dev/null 2>&1",
             TIMCONFORM, args, path);
    int status = system(cmd);
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(tap, 1, n - 1, f) : 0;
    tap[got] = '\0';
    if (f)
        fclose(f);
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Does the TAP report say case id passed (1), failed (0), or not at all? */
static int verdict(const char *tap, const char *id)
{
    char pattern[256];
    snprintf(pattern, sizeof pattern, " - %s: ", id);
    const char *p = strstr(tap, pattern);
    if (!p)
        return -1;
    while (p > tap && p[-1] != '\n')
        p--;
    return strncmp(p, "ok ", 3) == 0 ? 1 : 0;
}

START_TEST(wrong_case_is_reported)
{
    char tap[8192];
    int code = run_conform("--mock --cases " TESTS_DIR "/wrong-cases", tap,
                           sizeof tap);
    ck_assert_int_eq(code, 1);
    ck_assert_int_eq(verdict(tap, "deliberately-wrong-code"), 0);
    ck_assert_int_eq(verdict(tap, "right-code"), 1);
    ck_assert_ptr_nonnull(strstr(tap, "ErrorCode 10004, expected 0"));
}
END_TEST

/* Every expectation key: each right case passes and each deliberately wrong
 * one is reported failed, with its reason; a key on a member the answer
 * lacks fails too. */
static const struct {
    const char *id;
    int pass;
    const char *reason; /* in the TAP report of a failure */
} key_rows[] = {
    {"headers-right", 1, NULL},
    {"headers-wrong-value", 0,
     "the header Content-Type is \\\"application/json\\\", expected "
     "\\\"text/html\\\""},
    {"headers-wrong-absent", 0,
     "the header Content-Type is there (application/json), expected it "
     "absent"},
    {"headers-wrong-missing", 0, "the header X-No-Such-Header is absent"},
    {"patterns-right", 1, NULL},
    {"patterns-wrong", 0,
     "ActionStatus is \\\"FAIL\\\", expected a string that matches ^OK$"},
    {"patterns-wrong-type", 0, "ErrorCode is not a string"},
    {"deviations-right", 1, NULL},
    {"deviations-wrong", 0,
     "the journal lists the deviations [\\\"no_random\\\"], expected []"},
    {"repeat-wrong", 0,
     "the journal lists the deviations [\\\"random_repeated\\\"], "
     "expected []"},
    {"head-right", 1, NULL},
    {"head-wrong", 0, "HTTP status 200, expected 405"},
    {"errorinfo-empty-wrong", 0,
     "ErrorInfo is not a string: absent, expected it empty"},
    /* a bound on GroupIdList does not hold of an answer without one */
    {"ids-wrong-absent", 0, "GroupIdList is absent, expected an array"},
    {"code-not-wrong", 0,
     "ErrorCode 10004, expected an integer other than 10004"},
    {"code-not-right", 1, NULL},
    {"code-not-missing", 0,
     "ErrorCode missing, expected an integer other than 10004"},
    {"code-wrong", 0, "ErrorCode 10004, expected 0"},
    {"code-wrong-missing", 0, "ErrorCode missing, expected 0"},
    {"action-wrong", 0, "ActionStatus FAIL, expected OK"},
    {"action-missing", 0, "ActionStatus missing, expected OK"},
    {"errorinfo-empty-right", 1, NULL},
    {"errorinfo-empty-wrong-value", 0,
     "ErrorInfo \\\"invalid parameter: Limit must be an integer from 1 to "
     "10000\\\", expected it empty"},
    {"errorinfo-given-wrong", 0, "ErrorInfo \\\"\\\", expected it not empty"},
    {"errorinfo-given-missing", 0,
     "ErrorInfo is not a string: absent, expected it not empty"},
    {"types-right", 1, NULL},
    {"types-wrong", 0, "Next is integer, expected string"},
    {"types-wrong-missing", 0, "Next is absent, expected absent"},
    {"absent-right", 1, NULL},
    {"absent-wrong", 0, "TotalCount is present, expected it absent"},
    {"values-right", 1, NULL},
    /* differs from the answer in the last digit only, past 2^53 */
    {"values-wrong-big-next", 0,
     "Next is 9007199254740993, expected \\\"9007199254740992\\\""},
    {"values-wrong-total", 0, "TotalCount is 25000, expected 25001"},
    {"values-wrong-text", 0, "ErrorInfo is \\\"\\\", expected \\\"x\\\""},
    {"values-wrong-missing", 0, "Next is absent, expected 0"},
    {"key-order-wrong", 0,
     "the keys are not in the order expected (first difference at "
     "TotalCount)"},
    {"key-order-wrong-short", 0,
     "the keys are not in the order expected (first difference at Next)"},
    {"nonzero-wrong", 0, "Next is 0, expected a non-zero integer"},
    {"nonzero-wrong-missing", 0, "Next is absent, expected a non-zero integer"},
    {"group-ids-right", 1, NULL},
    {"group-ids-wrong", 0,
     "GroupIdList[0] is not {\\\"GroupId\\\": \\\"app_...\\\"}"},
    {"group-ids-wrong-missing", 0, "GroupIdList is absent, expected an array"},
    {"max-ids-wrong", 0, "GroupIdList holds 5 IDs, expected at most 4"},
    {"min-ids-wrong", 0, "GroupIdList holds 5 IDs, expected at least 6"},
    {"min-ids-wrong-missing", 0, "GroupIdList is absent, expected an array"},
    {"patterns-wrong-missing", 0,
     "RequestId is absent, expected a string that matches .*"},
    {"status-wrong", 0, "HTTP status 200, expected 404"},
    {"repeat-right", 1, NULL},
    /* never sent without a UserSig: the mock would answer it HTTP 200 */
    {"usersig-unmakeable", 0, "cannot make the UserSig of identifier"},
};

START_TEST(new_keys_are_checked)
{
    char tap[1 << 17], args[512], parity[] = "/tmp/timconform-parity-XXXXXX";
    close(mkstemp(parity));
    snprintf(args, sizeof args,
             "--mock --cases " TESTS_DIR "/key-cases --parity %s", parity);
    ck_assert_int_eq(run_conform(args, tap, sizeof tap), 1);
    /* the parity report names a case's source, and leaves the cell empty
     * for a case without one */
    char text[8192];
    FILE *f = fopen(parity, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(parity);
    ck_assert_ptr_nonnull(strstr(text, "| case | label | rule | source | "
                                       "verdict | detail |"));
    ck_assert_ptr_nonnull(
        strstr(text, "| deviations-right | I | test of the runner | S10 | "
                     "pass |"));
    ck_assert_ptr_nonnull(strstr(
        text, "| deviations-wrong | I | test of the runner |  | FAIL |"));
    /* every case of the folder has its row */
    char plan[32];
    snprintf(plan, sizeof plan, "\n1..%zu\n",
             sizeof key_rows / sizeof key_rows[0]);
    ck_assert_msg(strstr(tap, plan) != NULL, "not %s in:\n%.200s", plan, tap);
    for (size_t i = 0; i < sizeof key_rows / sizeof key_rows[0]; i++) {
        ck_assert_msg(verdict(tap, key_rows[i].id) == key_rows[i].pass,
                      "%s: expected %s in:\n%s", key_rows[i].id,
                      key_rows[i].pass ? "a pass" : "a failure", tap);
        if (key_rows[i].reason)
            ck_assert_msg(strstr(tap, key_rows[i].reason) != NULL,
                          "%s: no '%s' in:\n%s", key_rows[i].id,
                          key_rows[i].reason, tap);
    }
}
END_TEST

START_TEST(shipped_cases_pass_on_the_mock)
{
    char tap[1 << 17];
    int code = run_conform("--mock", tap, sizeof tap);
    const char *bad = strstr(tap, "not ok");
    ck_assert_msg(code == 0 && !bad, "exit %d: %.600s", code, bad ? bad : "");
    ck_assert_int_eq(verdict(tap, "pull-no-duplicates"), 1);
}
END_TEST

START_TEST(unknown_option_is_usage)
{
    char tap[256];
    ck_assert_int_eq(run_conform("--bogus", tap, sizeof tap), 2);
    ck_assert_int_eq(run_conform("--case no-such-case", tap, sizeof tap), 2);
    ck_assert_int_eq(run_conform("--include X", tap, sizeof tap), 2);
    /* a case whose expectation has the wrong type is refused */
    ck_assert_int_eq(
        run_conform("--cases " TESTS_DIR "/bad-cases", tap, sizeof tap), 2);
}
END_TEST

/* A case file is read as the mock reads JSON from outside (jsonget): no
 * nesting past 32 levels, numbers that are integers in range.  A case that
 * breaks the rules stops the run before it starts (exit 2); the same case
 * within them runs and passes (exit 0). */
#define CASE_HEAD                                                              \
    "{\"id\":\"c\",\"title\":\"t\",\"label\":\"I\",\"rule\":\"r\","
#define CASE_TAIL "\"expect\":{\"ErrorCode\":10004}}"
static const struct {
    int depth; /* of the comment's arrays: the root object adds one */
    const char *request;
    int code;
} case_file_rows[] = {
    {31, "\"request\":{\"body\":{\"Limit\":0}},", 0},
    {32, "\"request\":{\"body\":{\"Limit\":0}},", 2},
    {1, "\"request\":{\"usersig\":{\"age\":60},\"body\":{\"Limit\":0}},", 0},
    {1, "\"request\":{\"usersig\":{\"age\":1e300},\"body\":{\"Limit\":0}},", 2},
    {1, "\"request\":{\"usersig\":{\"expire\":-1},\"body\":{\"Limit\":0}},", 2},
    {1, "\"request\":{\"usersig\":{\"level\":1.5},\"body\":{\"Limit\":0}},", 2},
    /* a request sent from 1 to 10 times: 0 would check no answer at all */
    {1, "\"request\":{\"repeat\":1,\"body\":{\"Limit\":0}},", 0},
    {1, "\"request\":{\"repeat\":10,\"body\":{\"Limit\":0}},", 0},
    {1, "\"request\":{\"repeat\":0,\"body\":{\"Limit\":0}},", 2},
    {1, "\"request\":{\"repeat\":11,\"body\":{\"Limit\":0}},", 2},
};

START_TEST(case_file_rules)
{
    char dir[] = "/tmp/timconform-cases-XXXXXX", path[128], args[256],
         tap[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(CASE_HEAD "\"comment\":", f);
    for (int i = 0; i < case_file_rows[_i].depth; i++)
        fputc('[', f);
    for (int i = 0; i < case_file_rows[_i].depth; i++)
        fputc(']', f);
    fprintf(f, ",%s" CASE_TAIL, case_file_rows[_i].request);
    fclose(f);
    snprintf(args, sizeof args, "--mock --cases %s", dir);
    ck_assert_int_eq(run_conform(args, tap, sizeof tap),
                     case_file_rows[_i].code);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Rules across a folder of cases: two files (a.json, b.json); exit 2
 * when they break a rule, 0 when they run and pass. */
#define CASE_OK(id)                                                            \
    "{\"id\":\"" id "\",\"title\":\"t\",\"label\":\"I\",\"rule\":\"r\","       \
    "\"request\":{\"body\":{\"Limit\":0}},\"expect\":{\"ErrorCode\":10004}}"
static const struct {
    const char *a, *b;
    int code;
} folder_rows[] = {
    {CASE_OK("one"), CASE_OK("two"), 0},
    /* the same id in two neighbouring files */
    {CASE_OK("same"), CASE_OK("same"), 2},
    /* a client case must have its verify list, and only a client case */
    {CASE_OK("one"),
     "{\"id\":\"c\",\"title\":\"t\",\"label\":\"I\",\"rule\":\"r\","
     "\"where\":\"client\",\"request\":{\"body\":{}},"
     "\"expect\":{\"ErrorCode\":0}}",
     2},
    {CASE_OK("one"),
     "{\"id\":\"c\",\"title\":\"t\",\"label\":\"I\",\"rule\":\"r\","
     "\"request\":{\"body\":{}},\"expect\":{\"ErrorCode\":0},"
     "\"verify\":[{\"no_deviation\":true}]}",
     2},
};

START_TEST(case_folder_rules)
{
    char dir[] = "/tmp/timconform-folder-XXXXXX", a[128], b[128], args[256],
         tap[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    FILE *f = fopen(a, "w");
    ck_assert_ptr_nonnull(f);
    fputs(folder_rows[_i].a, f);
    ck_assert_int_eq(fclose(f), 0);
    f = fopen(b, "w");
    ck_assert_ptr_nonnull(f);
    fputs(folder_rows[_i].b, f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(args, sizeof args, "--mock --cases %s", dir);
    ck_assert_int_eq(run_conform(args, tap, sizeof tap), folder_rows[_i].code);
    unlink(a);
    unlink(b);
    rmdir(dir);
}
END_TEST

/* A fixture past 1 MiB (a long comment before its apps) is read whole: the
 * runner takes the credentials from it as the mock does. */
START_TEST(big_fixture_is_read)
{
    char dir[] = "/tmp/timconform-big-XXXXXX",
         fx[] = "/tmp/timconform-fx-XXXXXX", path[128], args[512], tap[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ptr_nonnull(mkdtemp(fx));
    snprintf(path, sizeof path, "%s/big.json", fx);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"comment\":\"", f);
    for (int i = 0; i < (3 << 19); i++)
        fputc('x', f);
    fputs("\",\"apps\":[{\"sdkappid\":1400000077,\"admins\":[\"adm\"],"
          "\"key\":\"k\",\"check_usersig\":true,"
          "\"generate\":{\"seed\":1,\"counts\":{\"Public\":10}}}]}",
          f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/c.json", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(CASE_HEAD "\"fixture\":\"big.json\",\"where\":\"mock\","
                    "\"request\":{\"body\":{\"Limit\":1}},"
                    "\"expect\":{\"ErrorCode\":0,"
                    "\"values\":{\"TotalCount\":10}}}",
          f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(args, sizeof args, "--mock --cases %s --fixtures %s", dir, fx);
    ck_assert_int_eq(run_conform(args, tap, sizeof tap), 0);
    ck_assert_int_eq(verdict(tap, "c"), 1);
    unlink(path);
    snprintf(path, sizeof path, "%s/big.json", fx);
    unlink(path);
    rmdir(dir);
    rmdir(fx);
}
END_TEST

/* A server that answers get_appid_group_list over six groups, cut by the
 * request's Limit, filtered by its GroupType, with the Next cursor
 * base + offset; each flag makes it break one promise. */
enum {
    M_DUP = 1 << 0,          /* g2 comes twice in the unfiltered list */
    M_SKIP = 1 << 1,         /* g3 is left out of the unfiltered list */
    M_CYCLE = 1 << 2,        /* past the 4th group, Next goes back */
    M_OVER = 1 << 3,         /* a page holds Limit + 1 IDs */
    M_DRIFT = 1 << 4,        /* TotalCount grows after the first page */
    M_TOTAL_LIMIT1 = 1 << 5, /* TotalCount is one more for Limit 1 */
    M_TYPE_TOTAL = 1 << 6,   /* Community's TotalCount is one too many */
    M_TYPE_LEAK = 1 << 7,    /* GroupType Private also gives g6 */
    M_LIMIT_SET = 1 << 8,    /* Limit 1 leaves g6 out */
    M_OVERLAP = 1 << 9,      /* a Next resumes one group early */
    M_NO_END = 1 << 10,      /* never Next 0: empty pages with new cursors */
    M_TYPE_UNDER = 1 << 11,  /* Public's TotalCount is one too few */
    M_LATE = 1 << 12,        /* a Next resumes one group late */
};

struct misbehaving {
    int fd;
    int port;
    unsigned flags;
    unsigned long long base; /* the cursor of offset 0 past the first page */
};

static const struct {
    const char *id, *type;
} groups[] = {{"g1", "Public"},   {"g2", "Public"},     {"g3", "Private"},
              {"g4", "ChatRoom"}, {"g5", "AVChatRoom"}, {"g6", "Community"}};
#define N_GROUPS (sizeof groups / sizeof groups[0])

/* The page the server answers to a request body, in out. */
static void answer_page(const struct misbehaving *m, const char *body,
                        char *out, size_t n)
{
    const char *l = strstr(body, "\"Limit\":"), *x = strstr(body, "\"Next\":"),
               *t = strstr(body, "\"GroupType\":\"");
    unsigned long limit = l ? strtoul(l + 8, NULL, 10) : 1000;
    unsigned long long next = x ? strtoull(x + 7, NULL, 10) : 0;
    char type[32] = "";
    if (t)
        sscanf(t + 13, "%31[^\"]", type);
    const char *list[2 * N_GROUPS];
    size_t len = 0, total = 0;
    for (size_t i = 0; i < N_GROUPS; i++) {
        int mine = !type[0] || strcmp(type, groups[i].type) == 0;
        total += mine;
        if ((m->flags & M_TYPE_LEAK) && strcmp(type, "Private") == 0 &&
            strcmp(groups[i].id, "g6") == 0)
            mine = 1;
        if (!type[0] && (m->flags & M_SKIP) && strcmp(groups[i].id, "g3") == 0)
            mine = 0;
        if ((m->flags & M_LIMIT_SET) && limit == 1 &&
            strcmp(groups[i].id, "g6") == 0)
            mine = 0;
        if (mine)
            list[len++] = groups[i].id;
        if (mine && !type[0] && (m->flags & M_DUP) &&
            strcmp(groups[i].id, "g2") == 0)
            list[len++] = groups[i].id;
    }
    size_t off = next ? (size_t)(next - m->base) : 0;
    if ((m->flags & M_TOTAL_LIMIT1) && limit == 1)
        total++;
    if ((m->flags & M_DRIFT) && off)
        total++;
    if ((m->flags & M_TYPE_TOTAL) && strcmp(type, "Community") == 0)
        total++;
    if ((m->flags & M_TYPE_UNDER) && strcmp(type, "Public") == 0 && total)
        total--;
    size_t start = (m->flags & M_OVERLAP) && off ? off - 1
                   : (m->flags & M_LATE) && off  ? off + 1
                                                 : off;
    size_t count = limit + ((m->flags & M_OVER) ? 1 : 0);
    if (start > len)
        start = len;
    if (count > len - start)
        count = len - start;
    size_t end = start + count;
    unsigned long long to = end < len ? m->base + end : 0;
    if ((m->flags & M_CYCLE) && end >= 4 && to)
        to = m->base + 2;
    if ((m->flags & M_NO_END) && !to)
        to = m->base + (off > end ? off : end) + 1;
    char ids[512] = "";
    for (size_t i = start, o = 0; i < end; i++)
        o += (size_t)snprintf(ids + o, sizeof ids - o, "%s{\"GroupId\":\"%s\"}",
                              i > start ? "," : "", list[i]);
    snprintf(out, n,
             "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"
             "\"TotalCount\":%zu,\"GroupIdList\":[%s],\"Next\":%llu}",
             total, ids, to);
}

/* Answers the requests of one connection until it closes. */
static void serve_connection(const struct misbehaving *m, int c)
{
    char req[65536];
    size_t len = 0;
    for (;;) {
        char *end = len ? memmem(req, len, "\r\n\r\n", 4) : NULL;
        if (!end) {
            ssize_t got = read(c, req + len, sizeof req - 1 - len);
            if (got <= 0)
                return;
            len += (size_t)got;
            req[len] = '\0';
            continue;
        }
        size_t head = (size_t)(end + 4 - req);
        const char *cl = strcasestr(req, "Content-Length:");
        size_t body = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
        if (head + body >= sizeof req)
            return;
        while (len < head + body) {
            ssize_t got = read(c, req + len, sizeof req - 1 - len);
            if (got <= 0)
                return;
            len += (size_t)got;
            req[len] = '\0';
        }
        char answer[1024], out[1200];
        char saved = req[head + body];
        req[head + body] = '\0';
        answer_page(m, req + head, answer, sizeof answer);
        req[head + body] = saved;
        int k = snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         strlen(answer), answer);
        if (write(c, out, (size_t)k) != k)
            return;
        memmove(req, req + head + body, len - head - body);
        len -= head + body;
    }
}

static void *serve(void *data)
{
    struct misbehaving *m = data;
    for (;;) {
        int c = accept(m->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        serve_connection(m, c);
        close(c);
    }
}

static void start(struct misbehaving *m, unsigned flags,
                  unsigned long long base)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->flags = flags;
    m->base = base;
    m->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(m->fd, 0);
    ck_assert_int_eq(bind(m->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(m->fd, 16), 0);
    ck_assert_int_eq(getsockname(m->fd, (struct sockaddr *)&sa, &len), 0);
    m->port = ntohs(sa.sin_port);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, serve, m), 0);
    pthread_detach(t);
}

/* The property cases (tests/property-cases), one per property, each at
 * Limit 2; a case's id is its property. */
static const char *const props[] = {"no_duplicates",      "ends",
                                    "no_cursor_repeat",   "pages_within_limit",
                                    "count_equals_total", "total_stable",
                                    "type_totals_add_up", "types_partition",
                                    "limits_same_set",    "next_exact"};
#define N_PROPS (sizeof props / sizeof props[0])

/* Each server breaks one promise: the property named must fail with the
 * reason given; the properties listed in holds must pass (those the
 * mistake does not touch); a well-behaved server passes every one. */
static const struct {
    const char *name;
    unsigned flags;
    unsigned long long base;
    const char *fails; /* NULL: none */
    const char *reason;
    const char *holds; /* comma list */
} servers[] = {
    {"behaves", 0, 100, NULL, NULL,
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,type_totals_add_up,types_partition,"
     "limits_same_set,next_exact"},
    /* cursors past 2^53, one apart: a Next read as a double repeats or
     * skips */
    {"behaves, cursors past 2^53", 0, 9007199254740993ULL, NULL, NULL,
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,type_totals_add_up,types_partition,"
     "limits_same_set,next_exact"},
    {"repeats a group", M_DUP, 100, "no_duplicates", "g2 came twice",
     "ends,no_cursor_repeat,pages_within_limit,total_stable,"
     "type_totals_add_up"},
    {"skips a group", M_SKIP, 100, "count_equals_total",
     "5 IDs pulled, TotalCount 6",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,total_stable,"
     "type_totals_add_up"},
    {"cycles its cursor", M_CYCLE, 100, "no_cursor_repeat",
     "the cursor 102 came again at page 2", "type_totals_add_up"},
    {"never ends", M_NO_END, 100, "ends", "the pull did not end on Next 0",
     "type_totals_add_up"},
    {"overfills its pages", M_OVER, 100, "pages_within_limit",
     "a page of 3 IDs for Limit 2", "type_totals_add_up"},
    {"changes TotalCount from page to page", M_DRIFT, 100, "total_stable",
     "TotalCount changed from page to page",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,type_totals_add_up,types_partition,"
     "limits_same_set,next_exact"},
    {"counts another TotalCount for Limit 1", M_TOTAL_LIMIT1, 100,
     "total_stable", "TotalCount 7 for Limit 1, 6 for Limit 2",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,types_partition,limits_same_set,next_exact"},
    {"miscounts a type", M_TYPE_TOTAL, 100, "type_totals_add_up",
     "the types' TotalCounts add up to 7, the unfiltered one is 6",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,types_partition,limits_same_set,"
     "next_exact"},
    {"resumes a Next one group late", M_LATE, 100, "next_exact",
     "4 IDs pulled, TotalCount 6: a Next was not read back exactly",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,total_stable,"
     "type_totals_add_up"},
    {"miscounts a type short", M_TYPE_UNDER, 100, "type_totals_add_up",
     "the types' TotalCounts add up to 5, the unfiltered one is 6",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,types_partition,limits_same_set,"
     "next_exact"},
    {"gives a group under two types", M_TYPE_LEAK, 100, "types_partition",
     "g6 is in two types",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,type_totals_add_up,limits_same_set,"
     "next_exact"},
    {"gives another set for Limit 1", M_LIMIT_SET, 100, "limits_same_set",
     "Limit 1 gives 5 IDs, Limit 2 gives 6 (another set)",
     "no_duplicates,ends,no_cursor_repeat,pages_within_limit,"
     "count_equals_total,total_stable,type_totals_add_up,types_partition,"
     "next_exact"},
    {"resumes a Next one group early", M_OVERLAP, 100, "next_exact",
     "a Next was not read back exactly",
     "ends,no_cursor_repeat,pages_within_limit,total_stable,"
     "type_totals_add_up"},
};

/* Is the property named in the comma list? */
static int listed(const char *list, const char *prop)
{
    size_t n = strlen(prop);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t k = comma ? (size_t)(comma - p) : strlen(p);
        if (k == n && strncmp(p, prop, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

START_TEST(properties_catch_a_misbehaving_server)
{
    struct misbehaving m;
    char args[512], tap[1 << 15];
    start(&m, servers[_i].flags, servers[_i].base);
    setenv("TIM_SDKAPPID", "1400000000", 1);
    setenv("TIM_IDENTIFIER", "administrator", 1);
    setenv("TIM_SECRET_KEY", "key", 1);
    snprintf(args, sizeof args,
             "--url http://127.0.0.1:%d --cases " TESTS_DIR "/property-cases",
             m.port);
    int code = run_conform(args, tap, sizeof tap);
    ck_assert_msg(code == (servers[_i].fails ? 1 : 0), "%s: exit %d\n%s",
                  servers[_i].name, code, tap);
    for (size_t i = 0; i < N_PROPS; i++) {
        int v = verdict(tap, props[i]);
        ck_assert_msg(v >= 0, "%s: %s did not run", servers[_i].name, props[i]);
        if (servers[_i].fails && strcmp(props[i], servers[_i].fails) == 0)
            ck_assert_msg(v == 0, "%s: %s passed", servers[_i].name, props[i]);
        else if (listed(servers[_i].holds, props[i]))
            ck_assert_msg(v == 1, "%s: %s failed:\n%s", servers[_i].name,
                          props[i], tap);
    }
    if (servers[_i].reason) {
        /* the reason is the failing property's */
        char pattern[128];
        snprintf(pattern, sizeof pattern, " - %s: ", servers[_i].fails);
        const char *at = strstr(tap, pattern);
        const char *next = at ? strstr(at + 1, "\nok ") : NULL;
        const char *next2 = at ? strstr(at + 1, "\nnot ok ") : NULL;
        if (!next || (next2 && next2 < next))
            next = next2;
        const char *r = at ? strstr(at, servers[_i].reason) : NULL;
        ck_assert_msg(r && (!next || r < next), "%s: no '%s' for %s in:\n%s",
                      servers[_i].name, servers[_i].reason, servers[_i].fails,
                      tap);
    }
    close(m.fd);
}
END_TEST

START_TEST(reports_are_written)
{
    char junit[] = "/tmp/timconform-junit-XXXXXX",
         parity[] = "/tmp/timconform-parity-XXXXXX", cmd[2048], text[8192];
    close(mkstemp(junit));
    close(mkstemp(parity));
    snprintf(cmd, sizeof cmd,
             "%s" TREE_ARGS "--cases %s/wrong-cases --junit %s --parity %s "
             ">/dev/null "
             "2>&1",
             TIMCONFORM, TESTS_DIR, junit, parity);
    ck_assert_int_ne(system(cmd), 0);
    FILE *f = fopen(junit, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    /* the region-only case is skipped: counted, but not as a failure */
    ck_assert_ptr_nonnull(strstr(text, "<testsuites name=\"timconform\" "
                                       "tests=\"3\" failures=\"1\" "
                                       "skipped=\"1\""));
    ck_assert_ptr_nonnull(strstr(text, "<failure message="));
    f = fopen(parity, "r");
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "| deliberately-wrong-code | I | "
                                       "test of the runner |  | FAIL |"));
    ck_assert_ptr_nonnull(
        strstr(text, "| right-code | I | test of the runner |  | pass |"));
    unlink(junit);
    unlink(parity);
}
END_TEST

/* The TAP plan counts the cases that ran or were skipped, not those left
 * out by the selection. */
START_TEST(tap_plan_counts_the_selection)
{
    char tap[8192];
    ck_assert_int_eq(run_conform("--mock --cases " TESTS_DIR "/wrong-cases "
                                 "--case right-code --case region-only",
                                 tap, sizeof tap),
                     0);
    ck_assert_msg(strncmp(tap, "TAP version 13\n1..2\n", 20) == 0, "%s", tap);
    ck_assert_int_eq(verdict(tap, "right-code"), 1);
    ck_assert_ptr_nonnull(strstr(tap, "region-only: "));
    ck_assert_ptr_nonnull(strstr(tap, "# SKIP"));
    ck_assert_int_eq(verdict(tap, "deliberately-wrong-code"), -1);
}
END_TEST

/* --client-cmd: timgroups passes every client case; the faulty client
 * fails exactly the cases its mistake breaks, each with a reason. */
static const struct {
    const char *cmd;
    int every, big_next, quirks, backs_off, query;
    const char *reason;
} clients[] = {
    {TIMGROUPS " --url \"$TIM_URL\" --sdkappid \"$TIM_SDKAPPID\" "
               "--identifier \"$TIM_IDENTIFIER\"",
     1, 1, 1, 1, 1, NULL},
    {FAULTY_CLIENT " first-page", 0, 1, 0, 1, 1,
     "stopped_at_zero: the pull of all types stopped at Next"},
    {FAULTY_CLIENT " next32", 0, 0, 0, 1, 1,
     "followed_next: request #2 sent Next"},
    {FAULTY_CLIENT " no-random", 1, 1, 1, 1, 0, "no random parameter"},
    {FAULTY_CLIENT " same-random", 1, 1, 1, 1, 0,
     "the same random as an earlier request of the same client"},
    {FAULTY_CLIENT " null-fields", 1, 1, 1, 1, 0,
     "Limit, Next or GroupType sent as null"},
};

START_TEST(client_cmd_checks_a_client)
{
    char args[1024], tap[1 << 15];
    snprintf(args, sizeof args, "--client-cmd '%s'", clients[_i].cmd);
    int all = clients[_i].every && clients[_i].big_next && clients[_i].quirks &&
              clients[_i].backs_off && clients[_i].query;
    ck_assert_int_eq(run_conform(args, tap, sizeof tap), all ? 0 : 1);
    ck_assert_int_eq(verdict(tap, "client-pulls-every-group"),
                     clients[_i].every);
    ck_assert_int_eq(verdict(tap, "client-reads-big-next"),
                     clients[_i].big_next);
    ck_assert_int_eq(verdict(tap, "client-handles-quirks"), clients[_i].quirks);
    ck_assert_int_eq(verdict(tap, "client-backs-off"), clients[_i].backs_off);
    ck_assert_int_eq(verdict(tap, "client-documented-query"),
                     clients[_i].query);
    /* only client cases run with --client-cmd */
    ck_assert_int_eq(verdict(tap, "limit-zero"), -1);
    if (clients[_i].reason)
        ck_assert_msg(strstr(tap, clients[_i].reason) != NULL,
                      "no '%s' in:\n%s", clients[_i].reason, tap);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timconform");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, wrong_case_is_reported);
    tcase_add_test(tc, new_keys_are_checked);
    tcase_add_test(tc, shipped_cases_pass_on_the_mock);
    tcase_add_test(tc, unknown_option_is_usage);
    tcase_add_loop_test(tc, case_file_rules, 0,
                        sizeof case_file_rows / sizeof case_file_rows[0]);
    tcase_add_loop_test(tc, case_folder_rules, 0,
                        sizeof folder_rows / sizeof *folder_rows);
    tcase_add_loop_test(tc, properties_catch_a_misbehaving_server, 0,
                        sizeof servers / sizeof servers[0]);
    tcase_add_test(tc, reports_are_written);
    tcase_add_test(tc, tap_plan_counts_the_selection);
    tcase_add_test(tc, big_fixture_is_read);
    tcase_add_loop_test(tc, client_cmd_checks_a_client, 0,
                        sizeof clients / sizeof clients[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
