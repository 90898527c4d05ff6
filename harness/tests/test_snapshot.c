/*
 * Integration tests of timgroups --snapshot against the real timock, over
 * HTTP and over TLS: a snapshot of a mock running a fixture of every type,
 * escaped IDs and cursors past 2^53 is served by a second timock, which
 * must answer the same pulls (all types and each type, at the Limit of the
 * snapshot) page for page, byte for byte; with --anonymize, identical but
 * for the replaced IDs, which map one to one and keep their shape.  Misuse
 * (a bad --rate, --rate without --snapshot, a file that cannot be written,
 * an error or a dead server mid-pull) gives its message and exit code and
 * leaves no file behind.  A canned server inside the test gives cursors
 * that do not fit one order, and a type's pull with a group the pull of
 * all types did not have: the first is named and dropped, the second
 * refused.
 */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "testutil.h"

#define CA_PEM     CERTS_DIR "/ca.pem"
#define SERVER_PEM CERTS_DIR "/server.pem"
#define SERVER_KEY CERTS_DIR "/server.key"

#define KEY "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define APP 1400000050ULL

/* Every type, more than a page of each at a small Limit, IDs that need
 * escaping, listed keys past 2^53 and generated ones after them. */
#define FIXTURE_FMT                                                            \
    "{\"apps\":[{\"sdkappid\":1400000050,\"admins\":[\"administrator\"],"      \
    "\"key\":\"" KEY "\",\"quirks\":{\"next_on_last_page\":%s},"               \
    "\"cursors\":{\"big\":true,\"max_step\":40,\"seed\":3},"                   \
    "\"groups\":[{\"id\":\"quote\\\"d\",\"type\":\"Public\","                  \
    "\"cursor\":\"9007199254740993\"},"                                        \
    "{\"id\":\"back\\\\slash\",\"type\":\"Private\"},"                         \
    "{\"id\":\"@TGS#_esc\\\"aped\",\"type\":\"Community\","                    \
    "\"cursor\":\"18000000000000000000\"}],"                                   \
    "\"generate\":{\"seed\":8,\"counts\":{\"Public\":23,\"Private\":17,"       \
    "\"ChatRoom\":11,\"AVChatRoom\":9,\"BChatRoom\":8,\"Community\":12}}}]"    \
    "%s}"

/* The fixture, with the quirk on or off and the faults given. */
static const char *fixture_text(const char *quirk, const char *faults)
{
    static char text[4096];
    snprintf(text, sizeof text, FIXTURE_FMT, quirk, faults);
    return text;
}

static const char *const pulls[] = {NULL,       "Public",     "Private",
                                    "ChatRoom", "AVChatRoom", "BChatRoom",
                                    "Community"};

/* What a run of timgroups left behind. */
struct run {
    int code;
    char err[4096];
};

static void run(struct run *r, const char *cmd)
{
    char full[4096];
    char errpath[] = "/tmp/snapshot-err-XXXXXX";
    int fd = mkstemp(errpath);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(full, sizeof full, "TIM_SECRET_KEY=" KEY " %s 2>%s </dev/null",
             cmd, errpath);
    int status = system(full);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    FILE *f = fopen(errpath, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(r->err, 1, sizeof r->err - 1, f);
    r->err[n] = '\0';
    fclose(f);
    unlink(errpath);
}

/* The entries of dir, . and .. aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static char *fresh_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/snapshot-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

/* One page's answer from t, into out (released first: tu_post gives it a
 * buffer of its own). */
static void page(const struct tu_timock *t, uint64_t app, const char *admin,
                 const char *type, unsigned limit, const char *next,
                 struct buf *out)
{
    char body[256], query[4096];
    char *q = tu_query_now(app, admin);
    tu_fresh_random(query, sizeof query, q);
    free(q);
    snprintf(body, sizeof body, "{\"Limit\":%u,\"Next\":%s%s%s%s}", limit, next,
             type ? ",\"GroupType\":\"" : "", type ? type : "",
             type ? "\"" : "");
    long status = 0;
    buf_release(out);
    ck_assert_int_eq(tu_post(t, NULL, query, body, &status, out), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_int_eq(buf_puts(out, ""), 0);
    out->data[out->len] = '\0';
}

/* The Next of an answer, as its digits. */
static void next_of(const char *answer, char *out, size_t n)
{
    const char *p = strstr(answer, "\"Next\":");
    ck_assert_msg(p != NULL, "no Next in %s", answer);
    p += 7;
    size_t k = strspn(p, "0123456789");
    ck_assert(k > 0 && k < n);
    memcpy(out, p, k);
    out[k] = '\0';
}

/* The real -> stand-in pairs seen so far. */
struct pairs {
    char real[256][64], fake[256][64];
    int n;
};

/* Checks that fake stands in for real alone, of its shape. */
static void pair(struct pairs *m, const char *real, const char *fake)
{
    ck_assert_uint_eq(strlen(real), strlen(fake));
    ck_assert_str_ne(real, fake);
    ck_assert_int_eq(strncmp(real, "@TGS#", 5) == 0,
                     strncmp(fake, "@TGS#", 5) == 0);
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->real[i], real) == 0 || strcmp(m->fake[i], fake) == 0) {
            ck_assert_str_eq(m->real[i], real);
            ck_assert_str_eq(m->fake[i], fake);
            return;
        }
    }
    ck_assert_int_lt(m->n, 256);
    snprintf(m->real[m->n], sizeof m->real[0], "%s", real);
    snprintf(m->fake[m->n], sizeof m->fake[0], "%s", fake);
    m->n++;
}

/* Two answers that differ only in their GroupIdList's IDs, which must
 * pair up one to one. */
static void same_but_ids(const char *a, const char *b, struct pairs *m)
{
    const char *la = strstr(a, "\"GroupIdList\":["),
               *lb = strstr(b, "\"GroupIdList\":[");
    ck_assert(la && lb && la - a == lb - b);
    ck_assert_int_eq(memcmp(a, b, (size_t)(la - a)), 0);
    /* the list is the only array: its end is the last ']' */
    const char *ea = strrchr(a, ']'), *eb = strrchr(b, ']');
    ck_assert_str_eq(ea, eb);
    cJSON *ja = cJSON_Parse(a), *jb = cJSON_Parse(b);
    ck_assert(ja && jb);
    const cJSON *xa = cJSON_GetObjectItem(ja, "GroupIdList"),
                *xb = cJSON_GetObjectItem(jb, "GroupIdList");
    ck_assert_int_eq(cJSON_GetArraySize(xa), cJSON_GetArraySize(xb));
    for (int i = 0; i < cJSON_GetArraySize(xa); i++)
        pair(m,
             cJSON_GetStringValue(
                 cJSON_GetObjectItem(cJSON_GetArrayItem(xa, i), "GroupId")),
             cJSON_GetStringValue(
                 cJSON_GetObjectItem(cJSON_GetArrayItem(xb, i), "GroupId")));
    cJSON_Delete(ja);
    cJSON_Delete(jb);
}

/* Pulls every type and each type from both mocks at limit, page by page,
 * and compares the answers (m NULL: byte for byte).  Returns the pages. */
static int compare(const struct tu_timock *orig, const struct tu_timock *snap,
                   uint64_t snap_app, const char *snap_admin, unsigned limit,
                   struct pairs *m)
{
    struct buf a, b;
    int pages = 0;
    buf_init(&a, 1 << 20);
    buf_init(&b, 1 << 20);
    for (size_t p = 0; p < sizeof pulls / sizeof *pulls; p++) {
        char next[32] = "0", next_b[32];
        do {
            page(orig, APP, "administrator", pulls[p], limit, next, &a);
            page(snap, snap_app, snap_admin, pulls[p], limit, next, &b);
            if (m)
                same_but_ids(a.data, b.data, m);
            else
                ck_assert_msg(
                    strcmp(a.data, b.data) == 0, "%s page after %s:\n%s\n%s",
                    pulls[p] ? pulls[p] : "all", next, a.data, b.data);
            next_of(a.data, next, sizeof next);
            next_of(b.data, next_b, sizeof next_b);
            ck_assert_str_eq(next, next_b);
            pages++;
        } while (strcmp(next, "0") != 0);
    }
    buf_release(&a);
    buf_release(&b);
    return pages;
}

/* One snapshot round: the mock, its snapshot, the snapshot's mock. */
static const struct {
    const char *quirk; /* next_on_last_page */
    unsigned limit;
    int tls; /* 1: over HTTPS; 2: as Singapore (--region sgp) */
    int anonymize;
} rounds[] = {
    {"true", 4, 0, 0},
    {"false", 5, 2, 0},
    {"true", 3, 1, 1},
    {"false", 10000, 0, 1},
};

START_TEST(snapshot_answers_the_same)
{
    const char *fx = tu_write_fixture(fixture_text(rounds[_i].quirk, ""));
    struct tu_timock orig, snap;
    int ports[2];
    const char *plain[] = {"--fixture", fx, "--port", "0", "--quiet", NULL};
    const char *tls[] = {"--fixture",   fx,          "--port",
                         "0",           "--quiet",   "--tls-cert",
                         SERVER_PEM,    "--tls-key", SERVER_KEY,
                         "--http-port", "0",         NULL};
    tu_timock_exec(&orig, rounds[_i].tls ? tls : plain, rounds[_i].tls ? 2 : 1,
                   ports);
    char *dir = fresh_dir(), path[128], cmd[2048], target[256];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    if (rounds[_i].tls == 2)
        snprintf(target, sizeof target,
                 "--region sgp --connect-to "
                 "adminapisgp.im.qcloud.com:443:127.0.0.1:%d",
                 ports[0]);
    else
        snprintf(target, sizeof target, "--url %s://127.0.0.1:%d",
                 rounds[_i].tls ? "https" : "http", ports[0]);
    snprintf(cmd, sizeof cmd,
             TIMGROUPS_PATH " %s --cacert " CA_PEM
                            " --sdkappid %llu --identifier administrator "
                            "--limit %u --rate 0 %s --snapshot %s",
             target, (unsigned long long)APP, rounds[_i].limit,
             rounds[_i].anonymize ? "--anonymize" : "", path);
    struct run r;
    run(&r, cmd);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "83 groups written to"));
    ck_assert_int_eq(entries(dir), 1);

    /* the SDKAppID and admin the snapshot serves */
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 20];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    ck_assert_ptr_null(strstr(text, KEY));
    /* the mock's cursors fit one order: no type keeps its own */
    ck_assert_ptr_null(strstr(text, "type_cursors"));
    cJSON *doc = cJSON_Parse(text);
    ck_assert_ptr_nonnull(doc);
    const cJSON *app0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "apps"), 0);
    uint64_t snap_app =
        (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(app0, "sdkappid"));
    char admin[64];
    snprintf(admin, sizeof admin, "%s",
             cJSON_GetStringValue(
                 cJSON_GetArrayItem(cJSON_GetObjectItem(app0, "admins"), 0)));
    /* the region pulled, when one was named; none for a URL */
    const char *region =
        cJSON_GetStringValue(cJSON_GetObjectItem(app0, "region"));
    if (rounds[_i].tls == 2)
        ck_assert_str_eq(region, "sgp");
    else
        ck_assert_ptr_null(region);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(app0, "check_usersig")));
    ck_assert_ptr_null(cJSON_GetObjectItem(app0, "key"));
    cJSON_Delete(doc);
    if (rounds[_i].anonymize) {
        ck_assert_uint_ne(snap_app, APP);
        ck_assert_uint_eq(snprintf(NULL, 0, "%" PRIu64, snap_app), 10);
        ck_assert_str_ne(admin, "administrator");
        ck_assert_uint_eq(strlen(admin), strlen("administrator"));
    } else {
        ck_assert_uint_eq(snap_app, APP);
        ck_assert_str_eq(admin, "administrator");
    }

    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(&snap, args);
    struct tu_timock orig_plain = orig;
    orig_plain.port = rounds[_i].tls ? ports[1] : ports[0];
    static struct pairs m;
    m.n = 0;
    int pages = compare(&orig_plain, &snap, snap_app, admin, rounds[_i].limit,
                        rounds[_i].anonymize ? &m : NULL);
    /* several pages a pull at a small Limit; one at 10000 */
    if (rounds[_i].limit < 100)
        ck_assert_int_gt(pages, 14);
    else
        ck_assert_int_eq(pages, 7);
    if (rounds[_i].anonymize)
        ck_assert_int_eq(m.n, 83);
    tu_timock_stop(&snap);
    tu_timock_stop(&orig);
    unlink(path);
    rmdir(dir);
    tu_remove_fixture(fx);
}
END_TEST

/* Misuse: message, exit code, and no file left. */
static const struct {
    const char *args;    /* after the target; PATH is the snapshot */
    const char *fixture; /* fault rules, or NULL: no server at all */
    int code;
    const char *message;
} misuse[] = {
    {"--rate x --snapshot PATH", "", 2,
     "timgroups: --rate: expected 0 to 100000 calls a second, got 'x'"},
    {"--rate 100001 --snapshot PATH", "", 2,
     "timgroups: --rate: expected 0 to 100000 calls a second, got '100001'"},
    {"--rate 5", "", 2, "timgroups: --rate goes with --snapshot"},
    {"--anonymize", "", 2, "timgroups: --anonymize goes with --snapshot"},
    {"--count --snapshot PATH", "", 2,
     "timgroups: --snapshot pulls every type and writes a fixture: no "
     "--count, --type or --format"},
    {"--rate 0 --snapshot /nonexistent-dir/snap.json", "", 2,
     "timgroups: snapshot: cannot write /nonexistent-dir/snap.json: No such "
     "file or directory"},
    {"--rate 0 --limit 5 --snapshot PATH",
     ",\"faults\":[{\"match\":{\"group_type\":\"ChatRoom\","
     "\"next_nonzero\":true},\"action\":{\"error_code\":90001}}]",
     1,
     "timgroups: snapshot: the ChatRoom pull: the API answered ErrorCode "
     "90001: "},
    {"--rate 0 --limit 5 --retries 0 --snapshot PATH",
     ",\"faults\":[{\"match\":{\"group_type\":\"BChatRoom\"},"
     "\"action\":{\"http_status\":502}}]",
     3, "timgroups: snapshot: the BChatRoom pull: http error: "},
    {"--rate 0 --retries 0 --snapshot PATH", NULL, 3,
     "timgroups: snapshot: the all types pull: transport error: "},
};

START_TEST(snapshot_misuse)
{
    const char *fx = NULL;
    struct tu_timock t = {0};
    int port = 1; /* nothing listens on port 1 */
    if (misuse[_i].fixture) {
        fx = tu_write_fixture(fixture_text("true", misuse[_i].fixture));
        const char *args[] = {"--fixture", fx, NULL};
        tu_timock_start(&t, args);
        port = t.port;
    }
    char *dir = fresh_dir(), args[1024], cmd[2048];
    const char *at = strstr(misuse[_i].args, "PATH");
    if (at)
        snprintf(args, sizeof args, "%.*s%s/snap.json%s",
                 (int)(at - misuse[_i].args), misuse[_i].args, dir, at + 4);
    else
        snprintf(args, sizeof args, "%s", misuse[_i].args);
    snprintf(cmd, sizeof cmd,
             TIMGROUPS_PATH " --url http://127.0.0.1:%d --sdkappid %llu "
                            "--identifier administrator %s",
             port, (unsigned long long)APP, args);
    struct run r;
    run(&r, cmd);
    ck_assert_msg(r.code == misuse[_i].code, "exit %d: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, misuse[_i].message) != NULL, "stderr: %s",
                  r.err);
    ck_assert_int_eq(entries(dir), 0);
    rmdir(dir);
    if (fx) {
        tu_timock_stop(&t);
        tu_remove_fixture(fx);
    }
}
END_TEST

/* A canned server: the answer to each (GroupType, Next) of a pull at
 * Limit 2 of four groups, a, c, d (Public) and b (Private); in the changed
 * app the Public pull gives "x".  The Public pull gives Next 15 after c,
 * whose key must be above 20, b's in the pull of all types: a cursor that
 * does not fit one order, kept as a Public key of its own. */
struct canned {
    const char *type, *next, *answer;
};

#define PAGE(total, ids, next)                                                 \
    "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"             \
    "\"TotalCount\":" total ",\"GroupIdList\":[" ids "],\"Next\":" next "}"
#define G(id) "{\"GroupId\":\"" id "\"}"

static const struct canned misfit[] = {
    {"", "0", PAGE("4", G("a") "," G("b"), "20")},
    {"", "20", PAGE("4", G("c") "," G("d"), "0")},
    {"Public", "0", PAGE("3", G("a") "," G("c"), "15")},
    {"Public", "15", PAGE("3", G("d"), "0")},
    {"Private", "0", PAGE("1", G("b"), "0")},
    {NULL, NULL, NULL},
};

/* At Limit 1 the Public pull gives Next 5 after a, then 3 after c: a
 * cursor that does not fit even the type's own order. */
static const struct canned misorder[] = {
    {"", "0", PAGE("4", G("a"), "1")},
    {"", "1", PAGE("4", G("b"), "20")},
    {"", "20", PAGE("4", G("c"), "21")},
    {"", "21", PAGE("4", G("d"), "0")},
    {"Public", "0", PAGE("3", G("a"), "5")},
    {"Public", "5", PAGE("3", G("c"), "3")},
    {"Public", "3", PAGE("3", G("d"), "0")},
    {"Private", "0", PAGE("1", G("b"), "0")},
    {NULL, NULL, NULL},
};

static const struct canned changed[] = {
    {"", "0", PAGE("4", G("a") "," G("b"), "20")},
    {"", "20", PAGE("4", G("c") "," G("d"), "0")},
    {"Public", "0", PAGE("3", G("a") "," G("x"), "0")},
    {NULL, NULL, NULL},
};

struct canned_server {
    int fd, port;
    const struct canned *rows;
    pthread_t thread;
};

/* The answer to body: its row's, or an empty page for another type. */
static const char *canned_answer(const struct canned *rows, const char *body)
{
    static const char empty[] = PAGE("0", "", "0");
    char type[32] = "", next[32] = "0";
    const char *t = strstr(body, "\"GroupType\":\""),
               *n = strstr(body, "\"Next\":");
    if (t)
        sscanf(t + 13, "%31[^\"]", type);
    if (n)
        sscanf(n + 7, "%31[0-9]", next);
    for (const struct canned *r = rows; r->type; r++)
        if (strcmp(r->type, type) == 0 && strcmp(r->next, next) == 0)
            return r->answer;
    return empty;
}

static void *canned_serve(void *data)
{
    struct canned_server *m = data;
    static char req[1 << 16];
    for (int c; (c = accept(m->fd, NULL, NULL)) >= 0; close(c)) {
        size_t len = 0;
        for (;;) { /* one request a turn, kept alive */
            char *end = memmem(req, len, "\r\n\r\n", 4);
            const char *cl = end ? strcasestr(req, "Content-Length:") : NULL;
            size_t head = end ? (size_t)(end + 4 - req) : 0,
                   blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
            if (!end || len < head + blen) {
                ssize_t got = len + 1 < sizeof req
                                  ? read(c, req + len, sizeof req - 1 - len)
                                  : 0;
                if (got <= 0)
                    break;
                len += (size_t)got;
                req[len] = '\0';
                continue;
            }
            char saved = req[head + blen];
            req[head + blen] = '\0';
            const char *a = canned_answer(m->rows, req + head);
            req[head + blen] = saved;
            char out[1024];
            int k =
                snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nContent-Type: "
                         "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                         strlen(a), a);
            if (write(c, out, (size_t)k) != k)
                break;
            memmove(req, req + head + blen, len - head - blen);
            len -= head + blen;
            req[len] = '\0';
        }
    }
    return NULL;
}

static void canned_start(struct canned_server *m, const struct canned *rows)
{
    m->rows = rows;
    m->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(m->fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(m->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(m->fd, 8), 0);
    ck_assert_int_eq(getsockname(m->fd, (struct sockaddr *)&sa, &len), 0);
    m->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&m->thread, NULL, canned_serve, m), 0);
}

static void canned_stop(struct canned_server *m)
{
    shutdown(m->fd, SHUT_RDWR);
    ck_assert_int_eq(pthread_join(m->thread, NULL), 0);
    close(m->fd);
}

/* Cursors that do not fit one order: named, kept per type, and the file
 * serves every pull as the server did, page for page, byte for byte, Next
 * values included. */
START_TEST(snapshot_misfit_cursor)
{
    struct canned_server m;
    canned_start(&m, misfit);
    char *dir = fresh_dir(), path[128], cmd[1024];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    snprintf(cmd, sizeof cmd,
             TIMGROUPS_PATH " --url http://127.0.0.1:%d --sdkappid %llu "
                            "--identifier administrator --limit 2 --rate 0 "
                            "--snapshot %s",
             m.port, (unsigned long long)APP, path);
    struct run r;
    run(&r, cmd);
    canned_stop(&m);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, "timgroups: snapshot: the Public pull's "
                                "cursors do not fit one increasing order with "
                                "those of the pull of all types (after \"c\" "
                                "the key 15, the key before it 20): they are "
                                "kept per type (type_cursors), so that the "
                                "mock answers that pull the same Next "
                                "values\n"),
                  "stderr: %s", r.err);
    ck_assert_msg(!strstr(r.err, "Private pull's"), "stderr: %s", r.err);
    /* b's key from the pull of all types; c's Public key of its own */
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "\"cursors\": [\n          [0, \"19\"],\n"
                               "          [1, \"20\"]\n        ],\n"
                               "        \"type_cursors\": {\n"
                               "          \"P\": [[2, \"15\"]]\n        }\n"
                               "      }\n"),
                  "%s", text);
    /* every pull, the canned server's pages one after another */
    struct tu_timock t;
    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(&t, args);
    struct buf a;
    buf_init(&a, 1 << 20);
    static const char *const types[] = {"", "Public", "Private", "ChatRoom"};
    int pages = 0;
    for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
        char next[32] = "0";
        do {
            const char *want = PAGE("0", "", "0"); /* a type without groups */
            for (const struct canned *c = misfit; c->type; c++)
                if (!strcmp(c->type, types[k]) && !strcmp(c->next, next))
                    want = c->answer;
            page(&t, APP, "administrator", types[k][0] ? types[k] : NULL, 2,
                 next, &a);
            ck_assert_msg(strcmp(a.data, want) == 0,
                          "%s page after %s:\n%s\n%s", types[k], next, a.data,
                          want);
            next_of(a.data, next, sizeof next);
            pages++;
        } while (strcmp(next, "0") != 0);
    }
    ck_assert_int_eq(pages, 6);
    buf_release(&a);
    tu_timock_stop(&t);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* A type's cursor that does not fit the type's own order either: named
 * and dropped; the rest kept per type, and the file loads. */
START_TEST(snapshot_misorder_cursor)
{
    struct canned_server m;
    canned_start(&m, misorder);
    char *dir = fresh_dir(), path[128], cmd[1024];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    snprintf(cmd, sizeof cmd,
             TIMGROUPS_PATH " --url http://127.0.0.1:%d --sdkappid %llu "
                            "--identifier administrator --limit 1 --rate 0 "
                            "--snapshot %s",
             m.port, (unsigned long long)APP, path);
    struct run r;
    run(&r, cmd);
    canned_stop(&m);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, "timgroups: snapshot: the Next 3 that the "
                                "Public pull gave after \"c\" does not fit "
                                "that type's increasing order (0 groups of "
                                "the type before it, the key before it 5): "
                                "that page's Next will differ\n"),
                  "stderr: %s", r.err);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "\"type_cursors\": {\n"
                               "          \"P\": [[0, \"5\"]]\n        }"),
                  "%s", text);
    /* Public: a 5, c 6, d 7 */
    struct tu_timock t;
    const char *args[] = {"--fixture", path, NULL};
    tu_timock_start(&t, args);
    struct buf a;
    buf_init(&a, 1 << 20);
    page(&t, APP, "administrator", "Public", 1, "5", &a);
    ck_assert_str_eq(a.data, PAGE("3", G("c"), "6"));
    buf_release(&a);
    tu_timock_stop(&t);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* A type's pull with a group the pull of all types did not have. */
START_TEST(snapshot_app_changed)
{
    struct canned_server m;
    canned_start(&m, changed);
    char *dir = fresh_dir(), cmd[1024];
    snprintf(cmd, sizeof cmd,
             TIMGROUPS_PATH " --url http://127.0.0.1:%d --sdkappid %llu "
                            "--identifier administrator --limit 2 --rate 0 "
                            "--snapshot %s/snap.json",
             m.port, (unsigned long long)APP, dir);
    struct run r;
    run(&r, cmd);
    canned_stop(&m);
    ck_assert_int_eq(r.code, 1);
    ck_assert_msg(strstr(r.err, "timgroups: snapshot: the Public pull gave "
                                "\"x\", which the pull of all types did not: "
                                "the app changed during the snapshot; take "
                                "it again\n"),
                  "stderr: %s", r.err);
    ck_assert_int_eq(entries(dir), 0);
    rmdir(dir);
}
END_TEST

int main(void)
{
    if (system("'" CERTS_SCRIPT "' '" CERTS_DIR "' 2>/dev/null") != 0) {
        fprintf(stderr, "test_snapshot: %s failed\n", CERTS_SCRIPT);
        return 1;
    }
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("snapshot");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, snapshot_answers_the_same, 0,
                        sizeof rounds / sizeof rounds[0]);
    tcase_add_test(tc, snapshot_misfit_cursor);
    tcase_add_test(tc, snapshot_misorder_cursor);
    tcase_add_test(tc, snapshot_app_changed);
    tcase_add_loop_test(tc, snapshot_misuse, 0,
                        sizeof misuse / sizeof misuse[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
