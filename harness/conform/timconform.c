/*
 * timconform: runs the conformance cases of cases/ against the mock or a
 * real region, on Check.
 *
 * Each case is one Check test case named by its id (a loop test over the
 * loaded cases), so Check's own output, CK_RUN_CASE and fork isolation work
 * as usual.  Cases that cannot run on the target are reported as skipped,
 * with the reason.  The last line is "N passed, N failed, N skipped".
 * Exit codes: 0 every case that ran passed, 1 otherwise, 2 usage.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "profile.h"
#include "regions.h"
#include "replay.h"
#include "report.h"
#include "run.h"
#include "target.h"
#include "timclient.h"
#include "transcript.h"

/* Where the installed cases and fixtures are, from the folder of the
 * installed binary: <bin>/../share/timock by default (CMake sets it). */
#ifndef TIMCONFORM_DATA_REL
#define TIMCONFORM_DATA_REL "../share/timock"
#endif

static const char usage[] =
    "usage: timconform [--mock | --url URL | --region NAME] [--cases DIR]\n"
    "                  [--include LIST] [--exclude LIST] [--case ID]...\n"
    "                  [--junit FILE] [--tap FILE] [--parity FILE]\n"
    "                  [--fixtures DIR] [--timock PATH]\n"
    "                  [--connect-to H:P:H2:P2] [--cacert F] [--insecure]\n"
    "                  [--list] [--client-cmd CMD [--fixture F]]\n"
    "                  [--record FILE [--anonymize]]\n"
    "                  [--replay FILE [--fixture F] [--profile NAME]]\n"
    "\n"
    "Runs the conformance cases against a target:\n"
    "  --mock          (default) a timock per fixture the cases name, each on\n"
    "                  a free port of 127.0.0.1, stopped afterwards\n"
    "  --url URL       any server; credentials from TIM_SDKAPPID,\n"
    "                  TIM_IDENTIFIER, TIM_SECRET_KEY and, for the permission\n"
    "                  cases, TIM_NONADMIN_IDENTIFIER\n"
    "  --region NAME   a real region (china, sgp, kr, jpn, ger, ind, usa, "
    "idn)\n"
    "                  with the same credentials\n"
    "Selection: --include and --exclude take comma lists of labels (D, O, I)\n"
    "and places (anywhere, mock, region); --case ID runs one case (again for\n"
    "more); CK_RUN_CASE=ID works too.\n"
    "Reports: --junit FILE (JUnit XML), --tap FILE, --parity FILE (Markdown\n"
    "table of the observed and inferred rules and their verdicts).\n"
    "Checking a client: --client-cmd CMD starts a fresh mock (fixture F, by\n"
    "default client.json), runs CMD with TIM_URL, TIM_SDKAPPID,\n"
    "TIM_IDENTIFIER and TIM_SECRET_KEY set to reach it, then holds what the\n"
    "client sent to the client cases (--client-timeout SECONDS, default 120).\n"
    "Transcripts: --record FILE (with --url or --region) keeps every request\n"
    "case's request and answer in FILE, the UserSig redacted; --anonymize\n"
    "replaces the SDKAppID, identifiers and group IDs by stand-ins of the\n"
    "same shape.  --replay FILE sends a transcript's requests to a mock on\n"
    "fixture F (default default.json) and compares the answers field by\n"
    "field; --parity FILE then lists each difference with the SPEC rule and\n"
    "the fixture setting that removes it.  It then replays the transcript on\n"
    "each shipped profile (F's groups, the profile in place of F's own\n"
    "settings; one mock each) and names the closest; --profile NAME replays\n"
    "on that profile alone.\n"
    "Exit codes: 0 every case that ran passed, 1 otherwise, 2 usage.\n";

struct options {
    const char *cases_dir;
    const char *include, *exclude;
    const char *only[64];
    size_t n_only;
    const char *junit, *tap, *parity;
    int list;
    const char *client_cmd;
    const char *client_fixture;
    unsigned client_timeout;
    const char *url, *region;
    const char *fixtures_dir, *timock;
    const char *connect_to, *cacert;
    int insecure;
    const char *record, *replay, *profile;
    int anonymize;
};

/* State shared with the Check tests (children of a fork inherit it). */
static struct case_list g_cases;
static struct target g_target;
static int g_client_mode; /* --client-cmd: the client cases only */
static cJSON *g_replay;   /* --replay: the transcript's top level */
static struct replay_diffs g_diffs;

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "timconform: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'timconform --help'.\n");
    va_end(ap);
    return 2;
}

static int list_ok(const char *list)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save))
        if (strcmp(t, "D") && strcmp(t, "O") && strcmp(t, "I") &&
            strcmp(t, "anywhere") && strcmp(t, "mock") && strcmp(t, "region"))
            return 0;
    return 1;
}

/* Does a comma list name the case's label or place?  *has_label and
 * *has_place say whether the list names any label or place at all. */
static int list_names(const char *list, const struct tcase_data *c,
                      int *has_label, int *has_place, int *label_hit,
                      int *place_hit)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    *has_label = *has_place = *label_hit = *place_hit = 0;
    for (char *save, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (strlen(t) == 1) {
            *has_label = 1;
            *label_hit |= t[0] == c->label;
        } else {
            *has_place = 1;
            *place_hit |= strcmp(t, case_where_name(c->where)) == 0;
        }
    }
    return *label_hit || *place_hit;
}

static int selected(const struct options *o, const struct tcase_data *c)
{
    int hl, hp, lh, ph;
    if (g_client_mode && c->where != WHERE_CLIENT)
        return 0;
    if (o->n_only) {
        for (size_t i = 0; i < o->n_only; i++)
            if (strcmp(o->only[i], c->id) == 0)
                return 1;
        return 0;
    }
    if (o->include) {
        list_names(o->include, c, &hl, &hp, &lh, &ph);
        if ((hl && !lh) || (hp && !ph))
            return 0;
    }
    if (o->exclude && list_names(o->exclude, c, &hl, &hp, &lh, &ph))
        return 0;
    return 1;
}

/* The fixture a case runs on: client cases use the one --client-cmd got. */
static const char *g_client_fixture = "client.json";

static const char *fixture_of(const struct tcase_data *c)
{
    return c->where == WHERE_CLIENT ? g_client_fixture : c->fixture;
}

/* Why a case cannot run on this target, or NULL. */
static const char *skip_reason(const struct tcase_data *c)
{
    if (c->where == WHERE_CLIENT && !g_client_mode)
        return "checks a client: runs with --client-cmd only";
    if (g_target.mock && c->where == WHERE_REGION)
        return "runs against a real region only";
    if (!g_target.mock && c->where == WHERE_MOCK)
        return "needs the mock: it knows the fixture's data";
    if (!g_target.mock && run_needs_nonadmin(c) &&
        !g_target.remote.creds.nonadmin[0])
        return "TIM_NONADMIN_IDENTIFIER is not set";
    return NULL;
}

START_TEST(conformance_case)
{
    const struct tcase_data *c = &g_cases.v[_i];
    struct endpoint e;
    char why[1024] = "";
    ck_assert_msg(target_endpoint(&g_target, fixture_of(c), c->app, &e, why,
                                  sizeof why) == 0,
                  "%s", why);
    int rc = g_replay
                 ? replay_exchange(c, g_replay, &e, &g_diffs, why, sizeof why)
                 : run_case(c, &e, why, sizeof why);
    ck_assert_msg(rc == 0, "%s (%s): %s", c->id, c->file, why);
}
END_TEST

/* ---- the closest profile ---- */

/* The profiles a replay is held to: every shipped one, or --profile's. */
struct profiles {
    char dir[64]; /* the temporary folder of their fixtures; "" none yet */
    struct replay_profile *v;
    size_t n;
};

/* The fixture on profile name (fixture's groups, the profile in place of
 * its settings), written once into the temporary folder: its path in out. */
static int profile_fixture(struct profiles *ps, const char *fixture,
                           const char *name, char *out, size_t n, char *err,
                           size_t errlen)
{
    char in[PATH_MAX];
    if (!ps->dir[0]) {
        snprintf(ps->dir, sizeof ps->dir, "/tmp/timconform-XXXXXX");
        if (!mkdtemp(ps->dir)) {
            ps->dir[0] = '\0';
            snprintf(err, errlen, "cannot make a temporary folder: %s",
                     strerror(errno));
            return -1;
        }
    }
    snprintf(out, n, "%s/%s.json", ps->dir, name);
    if (access(out, F_OK) == 0)
        return 0;
    target_fixture_path(&g_target, fixture, in, sizeof in);
    return replay_profile_fixture(in, name, out, err, errlen);
}

/* Replays the exchanges that ran (results) on each profile, one mock
 * each, and counts the differences. */
static void replay_profiles(struct profiles *ps, const char *fixture,
                            const struct result *results)
{
    for (size_t k = 0; k < ps->n; k++) {
        struct replay_profile *p = &ps->v[k];
        struct replay_diffs d = {0};
        char path[PATH_MAX], why[1024];
        if (profile_fixture(ps, fixture, p->name, path, sizeof path, p->why,
                            sizeof p->why) != 0 ||
            target_start_mock(&g_target, path, p->why, sizeof p->why) != 0)
            continue;
        p->ran = 1;
        for (size_t i = 0; i < g_cases.n; i++) {
            const struct tcase_data *c = &g_cases.v[i];
            struct endpoint e;
            size_t before = d.n;
            if (results[i].verdict != V_PASS && results[i].verdict != V_FAIL)
                continue;
            /* an exchange that cannot be compared counts once */
            if (target_endpoint(&g_target, path, c->app, &e, why, sizeof why) !=
                    0 ||
                (replay_exchange(c, g_replay, &e, &d, why, sizeof why) != 0 &&
                 d.n == before))
                p->differences++;
        }
        replay_profile_add(p, &d);
        replay_diffs_release(&d);
    }
}

/* profiles_new: the rows for every shipped profile, or only for name. */
static int profiles_new(struct profiles *ps, const char *name)
{
    memset(ps, 0, sizeof *ps);
    ps->n = name ? 1 : profile_count;
    if (!(ps->v = calloc(ps->n, sizeof *ps->v)))
        return -1;
    for (size_t k = 0; k < ps->n; k++)
        ps->v[k].name = name ? name : profile_table[k].name;
    return 0;
}

/* profiles_release: removes the temporary fixtures and frees the rows. */
static void profiles_release(struct profiles *ps)
{
    char path[PATH_MAX];
    for (size_t k = 0; ps->dir[0] && k < ps->n; k++) {
        snprintf(path, sizeof path, "%s/%s.json", ps->dir, ps->v[k].name);
        unlink(path);
    }
    if (ps->dir[0])
        rmdir(ps->dir);
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

/* ---- options ---- */

/* An option's action: -1 to go on, or the exit code to stop with. */
typedef int opt_fn(struct options *o, const char *arg);

static int opt_mock(struct options *o, const char *arg)
{
    (void)arg;
    o->url = o->region = NULL;
    return -1;
}

static int opt_url(struct options *o, const char *arg)
{
    o->url = arg;
    o->region = NULL;
    return -1;
}

static int opt_region(struct options *o, const char *arg)
{
    o->region = arg;
    o->url = NULL;
    return -1;
}

static int opt_case(struct options *o, const char *arg)
{
    if (o->n_only == sizeof o->only / sizeof o->only[0])
        return bad_usage("too many --case options");
    o->only[o->n_only++] = arg;
    return -1;
}

static int opt_insecure(struct options *o, const char *arg)
{
    (void)arg;
    o->insecure = 1;
    return -1;
}

static int opt_anonymize(struct options *o, const char *arg)
{
    (void)arg;
    o->anonymize = 1;
    return -1;
}

static int opt_list(struct options *o, const char *arg)
{
    (void)arg;
    o->list = 1;
    return -1;
}

static int opt_client_timeout(struct options *o, const char *arg)
{
    char *end = NULL;
    errno = 0;
    unsigned long t = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || t < 1 || t > 86400)
        return bad_usage("--client-timeout: expected 1 to 86400 seconds, "
                         "got '%s'",
                         arg);
    o->client_timeout = (unsigned)t;
    return -1;
}

static int opt_help(struct options *o, const char *arg)
{
    (void)o;
    (void)arg;
    fputs(usage, stdout);
    return 0;
}

static int opt_version(struct options *o, const char *arg)
{
    (void)o;
    (void)arg;
    printf("timconform %s\n", TIMCLIENT_VERSION);
    return 0;
}

#define FIELD(f) offsetof(struct options, f)
#define NO_FIELD ((size_t)-1)

/* The options: each sets a string of struct options (field) or acts. */
static const struct opt {
    const char *name;
    int arg; /* takes an argument */
    size_t field;
    opt_fn *act;
} opts[] = {
    {"mock", 0, NO_FIELD, opt_mock},
    {"url", 1, NO_FIELD, opt_url},
    {"region", 1, NO_FIELD, opt_region},
    {"cases", 1, FIELD(cases_dir), NULL},
    {"include", 1, FIELD(include), NULL},
    {"exclude", 1, FIELD(exclude), NULL},
    {"case", 1, NO_FIELD, opt_case},
    {"junit", 1, FIELD(junit), NULL},
    {"tap", 1, FIELD(tap), NULL},
    {"parity", 1, FIELD(parity), NULL},
    {"fixtures", 1, FIELD(fixtures_dir), NULL},
    {"timock", 1, FIELD(timock), NULL},
    {"connect-to", 1, FIELD(connect_to), NULL},
    {"cacert", 1, FIELD(cacert), NULL},
    {"insecure", 0, NO_FIELD, opt_insecure},
    {"list", 0, NO_FIELD, opt_list},
    {"record", 1, FIELD(record), NULL},
    {"anonymize", 0, NO_FIELD, opt_anonymize},
    {"replay", 1, FIELD(replay), NULL},
    {"profile", 1, FIELD(profile), NULL},
    {"client-cmd", 1, FIELD(client_cmd), NULL},
    {"fixture", 1, FIELD(client_fixture), NULL},
    {"client-timeout", 1, NO_FIELD, opt_client_timeout},
    {"help", 0, NO_FIELD, opt_help},
    {"version", 0, NO_FIELD, opt_version},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

/* The remote target and its credentials (TIM_*), or a usage error. */
static int remote_target(const struct options *o)
{
    struct endpoint *e = &g_target.remote;
    e->connect_to = o->connect_to;
    e->cacert = o->cacert;
    e->insecure = o->insecure;
    if (o->region) {
        const struct tim_region *r = tim_region_find(o->region);
        if (!r)
            return bad_usage("unknown region '%s'", o->region);
        e->region = r->name;
        snprintf(e->base_url, sizeof e->base_url, "https://%s", r->primary);
    } else if ((size_t)snprintf(e->base_url, sizeof e->base_url, "%s",
                                o->url) >= sizeof e->base_url) {
        return bad_usage("--url: too long");
    }
    const char *app = getenv("TIM_SDKAPPID"), *id = getenv("TIM_IDENTIFIER"),
               *key = getenv("TIM_SECRET_KEY"),
               *nonadmin = getenv("TIM_NONADMIN_IDENTIFIER");
    if (!app || !id || !key || !*app || !*id || !*key)
        return bad_usage("a remote target needs TIM_SDKAPPID, "
                         "TIM_IDENTIFIER and TIM_SECRET_KEY");
    char *end = NULL;
    errno = 0;
    e->creds.sdkappid = strtoull(app, &end, 10);
    if (errno || *end || !e->creds.sdkappid)
        return bad_usage("TIM_SDKAPPID is not a number: '%s'", app);
    if ((size_t)snprintf(e->creds.admin, sizeof e->creds.admin, "%s", id) >=
            sizeof e->creds.admin ||
        (size_t)snprintf(e->creds.key, sizeof e->creds.key, "%s", key) >=
            sizeof e->creds.key ||
        (size_t)snprintf(e->creds.nonadmin, sizeof e->creds.nonadmin, "%s",
                         nonadmin ? nonadmin : "") >= sizeof e->creds.nonadmin)
        return bad_usage("TIM_IDENTIFIER, TIM_SECRET_KEY or "
                         "TIM_NONADMIN_IDENTIFIER is too long");
    return -1;
}

/* -1 to run, or the exit code to stop with. */
static int parse_options(int argc, char **argv, struct options *o)
{
    struct option longopts[N_OPTS + 1];
    for (size_t i = 0; i < N_OPTS; i++)
        longopts[i] = (struct option){
            opts[i].name, opts[i].arg ? required_argument : no_argument, NULL,
            256 + (int)i};
    longopts[N_OPTS] = (struct option){NULL, 0, NULL, 0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c < 256 || c >= 256 + (int)N_OPTS)
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        const struct opt *r = &opts[c - 256];
        if (r->act) {
            int rc = r->act(o, optarg);
            if (rc >= 0)
                return rc;
        } else {
            *(const char **)((char *)o + r->field) = optarg;
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if ((o->include && !list_ok(o->include)) ||
        (o->exclude && !list_ok(o->exclude)))
        return bad_usage("--include and --exclude take D, O, I, anywhere, "
                         "mock, region");
    g_target.mock = !o->url && !o->region;
    if (o->client_fixture && !o->client_cmd && !o->replay)
        return bad_usage("--fixture goes with --client-cmd or --replay");
    if (o->replay && (!g_target.mock || o->record || o->client_cmd))
        return bad_usage("--replay runs against the mock, without --record "
                         "or --client-cmd");
    if (o->record && g_target.mock)
        return bad_usage("--record goes with --url or --region");
    if (o->anonymize && !o->record)
        return bad_usage("--anonymize goes with --record");
    if (o->profile && !o->replay)
        return bad_usage("--profile goes with --replay");
    if (o->profile && !profile_find(o->profile)) {
        char known[256];
        profile_list(known, sizeof known);
        return bad_usage("unknown profile '%s' (known: %s)", o->profile, known);
    }
    if (o->client_cmd && !g_target.mock)
        return bad_usage("--client-cmd runs against the mock only");
    return g_target.mock ? -1 : remote_target(o);
}

static int write_report(const char *path, const char *what,
                        int (*fn)(FILE *, const struct result *, size_t,
                                  const char *),
                        const struct result *r, size_t n, const char *target)
{
    FILE *f = fopen(path, "w");
    int rc = f ? fn(f, r, n, target) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "timconform: cannot write the %s report %s\n", what,
                path);
    return rc;
}

/* Runs the user's client against the client fixture's mock, with the
 * variables that reach it, and waits (at most client_timeout seconds). */
static int run_client(const struct options *o)
{
    struct endpoint e;
    char err[512], app[32];
    if (!o->client_cmd)
        return -1;
    if (target_endpoint(&g_target, g_client_fixture, 0, &e, err, sizeof err) !=
        0) {
        fprintf(stderr, "timconform: %s\n", err);
        return -1;
    }
    snprintf(app, sizeof app, "%" PRIu64, e.creds.sdkappid);
    printf("client: %s\n", o->client_cmd);
    fflush(stdout);
    time_t t0 = time(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        setenv("TIM_URL", e.base_url, 1);
        setenv("TIM_SDKAPPID", app, 1);
        setenv("TIM_IDENTIFIER", e.creds.admin, 1);
        setenv("TIM_SECRET_KEY", e.creds.key, 1);
        unsetenv("TIM_REGION");
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execl("/bin/sh", "sh", "-c", o->client_cmd, (char *)NULL);
        _exit(127);
    }
    unsigned limit = o->client_timeout ? o->client_timeout : 120;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (difftime(time(NULL), t0) > limit) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            printf("client: stopped after %u s\n", limit);
            return 0;
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status))
        printf("client: exit %d after %.0f s\n", WEXITSTATUS(status),
               difftime(time(NULL), t0));
    else
        printf("client: killed by signal %d\n", WTERMSIG(status));
    return 0;
}

static int tap(FILE *f, const struct result *r, size_t n, const char *t)
{
    (void)t;
    return report_tap(f, r, n);
}

/* The folder of the running binary, from /proc/self/exe; 0 or -1. */
static int self_dir(char *out, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", out, n - 1);
    if (len <= 0 || (size_t)len >= n - 1)
        return -1;
    out[len] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* The defaults of what the options did not name: the environment
 * (TIMCONFORM_CASES, TIMCONFORM_FIXTURES, TIMOCK), else the installed
 * data beside the binary and the timock next to it, else timock on PATH. */
static int find_defaults(struct options *o, char *cases, char *fixtures,
                         char *timock, size_t n)
{
    char dir[PATH_MAX];
    int have_dir = self_dir(dir, sizeof dir) == 0;
    if (!o->cases_dir)
        o->cases_dir = getenv("TIMCONFORM_CASES");
    if (!o->fixtures_dir)
        o->fixtures_dir = getenv("TIMCONFORM_FIXTURES");
    if (!o->timock)
        o->timock = getenv("TIMOCK");
    if (!o->cases_dir || !o->fixtures_dir) {
        if (!have_dir ||
            (size_t)snprintf(cases, n, "%s/" TIMCONFORM_DATA_REL "/cases",
                             dir) >= n ||
            (size_t)snprintf(fixtures, n, "%s/" TIMCONFORM_DATA_REL "/fixtures",
                             dir) >= n) {
            fprintf(stderr, "timconform: cannot tell where the installed "
                            "cases are: give --cases and --fixtures\n");
            return -1;
        }
        if (!o->cases_dir)
            o->cases_dir = cases;
        if (!o->fixtures_dir)
            o->fixtures_dir = fixtures;
    }
    if (!o->timock) {
        o->timock = "timock"; /* on PATH */
        if (have_dir && (size_t)snprintf(timock, n, "%s/timock", dir) < n &&
            access(timock, X_OK) == 0)
            o->timock = timock;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    char err[1024], cases[PATH_MAX], fixtures[PATH_MAX], timock[PATH_MAX];
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (find_defaults(&o, cases, fixtures, timock, PATH_MAX) != 0)
        return 2;
    g_target.fixtures_dir = o.fixtures_dir;
    g_target.timock = o.timock;
    g_client_mode = o.client_cmd != NULL;
    if (o.client_fixture)
        g_client_fixture = o.client_fixture;
    if (o.replay
            ? transcript_load(o.replay, &g_cases, &g_replay, err, sizeof err) !=
                  0
            : cases_load_dir(o.cases_dir, &g_cases, err, sizeof err) != 0) {
        fprintf(stderr, "timconform: %s\n", err);
        cases_release(&g_cases);
        return 2;
    }
    for (size_t i = 0; o.replay && i < g_cases.n; i++) {
        free(g_cases.v[i].fixture);
        g_cases.v[i].fixture =
            strdup(o.client_fixture ? o.client_fixture : "default.json");
        if (!g_cases.v[i].fixture) {
            fprintf(stderr, "timconform: out of memory\n");
            cases_release(&g_cases);
            cJSON_Delete(g_replay);
            return 2;
        }
    }
    for (size_t i = 0; i < o.n_only; i++) {
        size_t k = 0;
        while (k < g_cases.n && strcmp(g_cases.v[k].id, o.only[i]) != 0)
            k++;
        if (k == g_cases.n) {
            cases_release(&g_cases);
            cJSON_Delete(g_replay);
            return bad_usage("no case has the id '%s'", o.only[i]);
        }
    }
    if (o.list) {
        for (size_t i = 0; i < g_cases.n; i++)
            if (selected(&o, &g_cases.v[i]))
                printf("%-40s [%c] %-8s %s\n", g_cases.v[i].id,
                       g_cases.v[i].label, case_where_name(g_cases.v[i].where),
                       g_cases.v[i].title);
        cases_release(&g_cases);
        cJSON_Delete(g_replay);
        return 0;
    }
    /* --profile: the replay's mock serves the profile, not F's settings */
    struct profiles ps = {0};
    const char *fixture = o.client_fixture ? o.client_fixture : "default.json";
    if (o.replay && profiles_new(&ps, o.profile) != 0) {
        fprintf(stderr, "timconform: out of memory\n");
        rc = 2;
    } else if (o.profile) {
        char path[PATH_MAX];
        rc = profile_fixture(&ps, fixture, o.profile, path, sizeof path, err,
                             sizeof err) != 0
                 ? 2
                 : -1;
        if (rc == 2)
            fprintf(stderr, "timconform: %s\n", err);
        for (size_t i = 0; rc < 0 && i < g_cases.n; i++) {
            free(g_cases.v[i].fixture);
            if (!(g_cases.v[i].fixture = strdup(path))) {
                fprintf(stderr, "timconform: out of memory\n");
                rc = 2;
            }
        }
    }
    if (rc == 2) {
        cases_release(&g_cases);
        cJSON_Delete(g_replay);
        profiles_release(&ps);
        return 2;
    }
    if (tim_global_init() != 0) {
        fprintf(stderr, "timconform: cannot initialize libcurl\n");
        profiles_release(&ps);
        return 2;
    }

    char target_name[300];
    snprintf(target_name, sizeof target_name, "%s",
             g_target.mock ? "timock (the mock)" : g_target.remote.base_url);
    transcript *tr_out = NULL;
    if (o.record) {
        struct transcript_who who = {g_target.remote.creds.sdkappid,
                                     g_target.remote.creds.admin,
                                     g_target.remote.creds.nonadmin};
        tr_out = transcript_new(g_target.remote.base_url,
                                g_target.remote.region, &who, o.anonymize);
        if (!tr_out) {
            fprintf(stderr, "timconform: out of memory\n");
            cases_release(&g_cases);
            profiles_release(&ps);
            tim_global_cleanup();
            return 2;
        }
        run_set_transcript(tr_out);
    }
    struct result *results = calloc(g_cases.n, sizeof *results);
    Suite *s = results ? suite_create("timconform") : NULL;
    if (!s) {
        fprintf(stderr, "timconform: out of memory\n");
        free(results);
        cases_release(&g_cases);
        transcript_free(tr_out);
        cJSON_Delete(g_replay);
        profiles_release(&ps);
        tim_global_cleanup();
        return 2;
    }
    size_t skipped = 0, not_started = 0;
    for (size_t i = 0; i < g_cases.n; i++) {
        const struct tcase_data *c = &g_cases.v[i];
        results[i].c = c;
        results[i].verdict = V_NOT_RUN;
        if (!selected(&o, c))
            continue;
        const char *why = skip_reason(c);
        if (why) {
            results[i].verdict = V_SKIP;
            snprintf(results[i].message, sizeof results[i].message, "%s", why);
            skipped++;
            continue;
        }
        if (g_target.mock &&
            target_start_mock(&g_target, fixture_of(c), err, sizeof err) != 0) {
            results[i].verdict = V_FAIL;
            snprintf(results[i].message, sizeof results[i].message, "%.500s",
                     err);
            fprintf(stderr, "timconform: %s: %s\n", c->id, err);
            not_started++;
            continue;
        }
        TCase *tc = tcase_create(c->id);
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, conformance_case, (int)i, (int)i + 1);
        suite_add_tcase(s, tc);
    }

    if (g_client_mode && run_client(&o) != 0)
        fprintf(stderr, "timconform: the client could not be run\n");
    SRunner *sr = srunner_create(s);
    /* a transcript and a replay's differences are gathered in this
     * process */
    if (o.record || o.replay)
        srunner_set_fork_status(sr, CK_NOFORK);
    time_t t0 = time(NULL);
    srunner_run_all(sr, CK_NORMAL);
    double secs = difftime(time(NULL), t0);
    TestResult **tr = srunner_results(sr);
    size_t ran = (size_t)srunner_ntests_run(sr), passed = 0,
           failed = not_started;
    for (size_t k = 0; k < ran; k++) {
        for (size_t i = 0; i < g_cases.n; i++) {
            if (strcmp(g_cases.v[i].id, tr_tcname(tr[k])) != 0)
                continue;
            int ok = tr_rtype(tr[k]) == CK_PASS;
            results[i].verdict = ok ? V_PASS : V_FAIL;
            results[i].seconds = ran ? secs / (double)ran : 0;
            if (!ok)
                snprintf(results[i].message, sizeof results[i].message, "%s",
                         tr_msg(tr[k]));
            passed += ok;
            failed += !ok;
        }
    }
    free(tr); /* the array is ours; its results stay Check's */
    for (size_t i = 0; i < g_cases.n; i++)
        if (results[i].verdict == V_SKIP)
            printf("skipped: %s: %s\n", g_cases.v[i].id, results[i].message);
    if (o.replay) {
        replay_profiles(&ps, fixture, results);
        replay_profiles_print(stdout, ps.v, ps.n, 0);
    }

    int report_failed = 0;
    if (o.junit)
        report_failed |= write_report(o.junit, "JUnit", report_junit, results,
                                      g_cases.n, target_name);
    if (o.tap)
        report_failed |=
            write_report(o.tap, "TAP", tap, results, g_cases.n, target_name);
    if (o.parity && o.replay) {
        FILE *f = fopen(o.parity, "w");
        int prc = f ? replay_parity(f, &g_diffs, results, g_cases.n, o.replay,
                                    target_name, ps.v, ps.n)
                    : -1;
        if (f && fclose(f) != 0)
            prc = -1;
        if (prc != 0)
            fprintf(stderr, "timconform: cannot write the parity report %s\n",
                    o.parity);
        report_failed |= prc;
    } else if (o.parity) {
        report_failed |= write_report(o.parity, "parity", report_parity,
                                      results, g_cases.n, target_name);
    }
    if (tr_out && transcript_write(tr_out, o.record, err, sizeof err) != 0) {
        fprintf(stderr, "timconform: %s\n", err);
        report_failed = 1;
    }
    printf("%zu passed, %zu failed, %zu skipped\n", passed, failed, skipped);

    srunner_free(sr);
    target_stop(&g_target);
    free(results);
    cases_release(&g_cases);
    transcript_free(tr_out);
    cJSON_Delete(g_replay);
    replay_diffs_release(&g_diffs);
    profiles_release(&ps);
    tim_global_cleanup();
    return failed || report_failed ? 1 : 0;
}
