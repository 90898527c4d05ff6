/*
 * timock: the mock server's command line.
 *
 * Loads a fixture (or the embedded default), starts the server, prints one
 * line when it accepts connections, and stops cleanly on SIGINT or SIGTERM.
 * Exit codes: 0 stopped by a signal, 1 could not serve (e.g. the port is
 * taken), 2 bad option or bad fixture.
 */
#include <civetweb.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "fixture.h"
#include "server.h"

/* Worker threads: CivetWeb serves one connection per thread.  The default
 * gives each MEMORY_PER_THREAD of the machine's memory: its 100 KiB stack,
 * its request buffer, a busy request's body and answer, and room to spare. */
#define THREADS_MIN         64
#define THREADS_MAX         8192
#define THREADS_DEFAULT_MAX 1024
#define MEMORY_PER_THREAD   (4u << 20)

#ifndef TIMOCK_VERSION
#define TIMOCK_VERSION "0.0.0"
#endif

/*
 * How long a stop may take.  server_stop ends every wait of a handler and
 * shuts every connection at once; then CivetWeb joins each worker thread,
 * about 0.2 ms apiece here, 0.2 s for the default 1024.  Past the deadline
 * the process exits instead, which ends the idle workers all at once.  The
 * builds that check leaks and races at exit (TIM_FULL_TEARDOWN) always wait
 * for the whole teardown.
 */
#define STOP_DEADLINE_MS 20

static int stopped[2]; /* a pipe: the stop's thread writes when done */

static void *stopper_run(void *data)
{
    server_stop(data);
    (void)!write(stopped[1], "", 1);
    return NULL;
}

/* Stops the server; returns 0 once it has stopped, or -1 when ms passed
 * first (the stop goes on in its thread).  Waits for the whole stop under
 * TIM_FULL_TEARDOWN. */
static int stop_within(struct server *s, int ms)
{
    pthread_t t;
    if (pipe(stopped) != 0) {
        server_stop(s);
        return 0;
    }
    if (pthread_create(&t, NULL, stopper_run, s) != 0) {
        server_stop(s);
        close(stopped[0]);
        close(stopped[1]);
        return 0;
    }
#ifndef TIM_FULL_TEARDOWN
    struct pollfd done = {stopped[0], POLLIN, 0};
    if (poll(&done, 1, ms) == 0)
        return -1;
#else
    (void)ms;
#endif
    pthread_join(t, NULL);
    close(stopped[0]);
    close(stopped[1]);
    return 0;
}

struct options {
    const char *fixture;
    const char *admin_token;
    char admin_hosts[1024]; /* "name,name" */
    int no_admin;
    long long journal_size;
    const char *tls_cert, *tls_key;
    int http_port;
    char listen[128];
    int listen_set; /* --listen or --port was given */
    long long threads;
    long long clock;
    int quiet;
};

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "timock: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'timock --help'.\n");
    va_end(ap);
    return 2;
}

/* A decimal number in [min, max], or -1. */
static long long number(const char *s, long long min, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

/* The default number of worker threads: one per MEMORY_PER_THREAD of
 * memory, from THREADS_MIN to THREADS_DEFAULT_MAX, and fewer than the open
 * files the process may have (each connection is one). */
static unsigned default_threads(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned long long n =
        pages > 0 && page > 0 ? (unsigned long long)pages *
                                    (unsigned long long)page / MEMORY_PER_THREAD
                              : THREADS_MIN;
    struct rlimit fds;
    if (n > THREADS_DEFAULT_MAX)
        n = THREADS_DEFAULT_MAX;
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY &&
        n + 64 > fds.rlim_cur)
        n = fds.rlim_cur > 64 ? fds.rlim_cur - 64 : 1;
    return n < THREADS_MIN ? THREADS_MIN : (unsigned)n;
}

/* Lets the process open as many files as its hard limit allows: one
 * connection is one descriptor, and there may be a thousand. */
static void raise_file_limit(void)
{
    struct rlimit fds;
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &fds); /* else the limit stays */
    }
}

/*
 * The options, one row each: its name, its argument's name (NULL: it takes
 * none), how the argument is read and checked (take), where it goes, and
 * its help.  A take function stores the argument, or writes why it cannot
 * and returns the exit code; -1 to go on.  (The harness's tools share such
 * a walker in harness/cli; the mock does not depend on the harness, so it
 * has this one.)
 */
struct row;
typedef int take_fn(struct options *o, const struct row *r, const char *arg);

struct row {
    const char *name;
    take_fn *take;
    size_t offset;          /* take_string, take_flag, take_number */
    long long min, max;     /* take_number */
    const char *expected;   /* take_number: what it takes */
    const char *arg, *help; /* help NULL: no line in --help */
};

#define AT(field) offsetof(struct options, field)
#define TEXT(x)   #x
#define DIGITS(x) TEXT(x)

static int take_string(struct options *o, const struct row *r, const char *arg)
{
    *(const char **)((char *)o + r->offset) = arg;
    return -1;
}

static int take_flag(struct options *o, const struct row *r, const char *arg)
{
    (void)arg;
    *(int *)((char *)o + r->offset) = 1;
    return -1;
}

static int take_number(struct options *o, const struct row *r, const char *arg)
{
    long long v = number(arg, r->min, r->max);
    if (v < 0)
        return bad_usage("--%s: expected %s, got '%s'", r->name, r->expected,
                         arg);
    *(long long *)((char *)o + r->offset) = v;
    return -1;
}

static int take_listen(struct options *o, const struct row *r, const char *arg)
{
    if (o->listen_set++)
        return bad_usage("%s", "give --listen or --port once");
    if (!strchr(arg, ':') || strlen(arg) >= sizeof o->listen)
        return bad_usage("--%s: expected ADDR:PORT, got '%s'", r->name, arg);
    snprintf(o->listen, sizeof o->listen, "%s", arg);
    return -1;
}

static int take_port(struct options *o, const struct row *r, const char *arg)
{
    if (o->listen_set++)
        return bad_usage("%s", "give --listen or --port once");
    long long v = number(arg, 0, 65535);
    if (v < 0)
        return bad_usage("--%s: not a port number: '%s'", r->name, arg);
    snprintf(o->listen, sizeof o->listen, "127.0.0.1:%lld", v);
    return -1;
}

static int take_http_port(struct options *o, const struct row *r,
                          const char *arg)
{
    long long v = number(arg, 0, 65535);
    if (v < 0)
        return bad_usage("--%s: not a port number: '%s'", r->name, arg);
    o->http_port = (int)v;
    return -1;
}

static int take_token(struct options *o, const struct row *r, const char *arg)
{
    if (!*arg)
        return bad_usage("--%s: give a token", r->name);
    o->admin_token = arg;
    return -1;
}

/* Appends the comma list to the admin hosts; refuses an empty name, a
 * port, or more than the list holds. */
static int take_hosts(struct options *o, const struct row *r, const char *arg)
{
    size_t have = strlen(o->admin_hosts), n = strlen(arg);
    if (!n || strcspn(arg, ":/ \t") != n || strstr(arg, ",,") ||
        arg[0] == ',' || arg[n - 1] == ',' ||
        have + 1 + n >= sizeof o->admin_hosts)
        return bad_usage("--%s: expected host names without ports, got '%s'",
                         r->name, arg);
    snprintf(o->admin_hosts + have, sizeof o->admin_hosts - have, "%s%s",
             have ? "," : "", arg);
    return -1;
}

static int take_help(struct options *o, const struct row *r, const char *arg);

/* After --help or --version: 0 once stdout has it all, else 1. */
static int written(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    fprintf(stderr, "timock: stdout: %s\n",
            strerror(errno ? errno : EIO)); /* EIO: an earlier write failed */
    return 1;
}

static int take_version(struct options *o, const struct row *r, const char *arg)
{
    (void)o, (void)r, (void)arg;
    printf("timock %s (CivetWeb %s)\n", TIMOCK_VERSION, mg_version());
    return written();
}

static const struct row rows[] = {
    {.name = "fixture",
     .take = take_string,
     .offset = AT(fixture),
     .arg = "FILE",
     .help = "data set to serve (default: the embedded one,\n"
             "the same as fixtures/default.json)"},
    {.name = "listen",
     .take = take_listen,
     .arg = "ADDR:PORT",
     .help = "address to listen on (default 127.0.0.1:8080)"},
    {.name = "port",
     .take = take_port,
     .arg = "N",
     .help = "listen on 127.0.0.1:N; 0 takes a free port"},
    {.name = "threads",
     .take = take_number,
     .offset = AT(threads),
     .min = 1,
     .max = THREADS_MAX,
     .expected = "1 to " DIGITS(THREADS_MAX),
     .arg = "N",
     .help = "worker threads, one per open connection, 1 to " DIGITS(
         THREADS_MAX) "\n"
                      "(default: one per 4 MiB of memory, " DIGITS(
                          THREADS_MIN) " to " DIGITS(THREADS_DEFAULT_MAX) ")"},
    {.name = "clock",
     .take = take_number,
     .offset = AT(clock),
     .min = 1,
     .max = 1LL << 40,
     .expected = "unix seconds",
     .arg = "UNIX",
     .help = "fixed time for UserSig expiry checks"},
    {.name = "quiet",
     .take = take_flag,
     .offset = AT(quiet),
     .help = "print nothing on stderr but errors"},
    {.name = "journal-size",
     .take = take_number,
     .offset = AT(journal_size),
     .min = 1,
     .max = 10000000,
     .expected = "1 to 10000000",
     .arg = "N",
     .help = "API requests the journal keeps (default 10000)"},
    {.name = "admin-token",
     .take = take_token,
     .arg = "T",
     .help = "the admin API (/__admin/) needs\n'Authorization: Bearer T'"},
    {.name = "no-admin",
     .take = take_flag,
     .offset = AT(no_admin),
     .help = "no admin API"},
    {.name = "admin-host",
     .take = take_hosts,
     .arg = "NAME",
     .help = "the admin API also answers this Host (and Origin)\n"
             "name, with any port; repeat it or give a comma\n"
             "list (default: localhost, 127.x.y.z, [::1] only)"},
    {.name = "tls-cert",
     .take = take_string,
     .offset = AT(tls_cert),
     .arg = "FILE",
     .help = "serve HTTPS with this PEM certificate (chain)"},
    {.name = "tls-key",
     .take = take_string,
     .offset = AT(tls_key),
     .arg = "FILE",
     .help = "and its PEM private key"},
    {.name = "http-port",
     .take = take_http_port,
     .arg = "N",
     .help = "with TLS, plain HTTP on this port too (0: free)"},
    {.name = "help", .take = take_help},
    {.name = "version", .take = take_version},
};

#define N_ROWS      (sizeof rows / sizeof rows[0])
#define HELP_COLUMN 21  /* where an option's help starts */
#define OPTION_VAL  256 /* getopt_long's value for row i: OPTION_VAL + i */

static int take_help(struct options *o, const struct row *r, const char *arg)
{
    (void)o, (void)r, (void)arg;
    fputs("usage: timock [--fixture FILE] [--listen ADDR:PORT | --port N]\n"
          "              [--threads N] [--clock UNIX_SECONDS] [--quiet]\n"
          "              [--journal-size N] [--admin-token T | --no-admin]\n"
          "              [--admin-host NAME[,NAME...]]...\n"
          "              [--tls-cert FILE --tls-key FILE [--http-port N]]\n"
          "\n"
          "A mock of Tencent Cloud Chat's REST API get_appid_group_list.\n"
          "\n",
          stdout);
    for (size_t i = 0; i < N_ROWS; i++) {
        if (!rows[i].help)
            continue;
        int n = printf("  --%s%s%s", rows[i].name, rows[i].arg ? " " : "",
                       rows[i].arg ? rows[i].arg : "");
        printf("%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 1, "");
        for (const char *h = rows[i].help; *h; h++) {
            putchar(*h);
            if (*h == '\n')
                printf("%*s", HELP_COLUMN, "");
        }
        putchar('\n');
    }
    fputs("  --help, --version\n"
          "\n"
          "Prints 'timock listening on http://ADDR:PORT' once it accepts\n"
          "connections. Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot "
          "serve,\n"
          "2 bad option or fixture.\n",
          stdout);
    return written();
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    struct option longopts[N_ROWS + 1];
    int c;
    for (size_t i = 0; i < N_ROWS; i++)
        longopts[i] = (struct option){
            rows[i].name, rows[i].arg ? required_argument : no_argument, NULL,
            OPTION_VAL + (int)i};
    longopts[N_ROWS] = (struct option){NULL, 0, NULL, 0};
    snprintf(o->listen, sizeof o->listen, "127.0.0.1:8080");
    o->http_port = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c < OPTION_VAL || c >= OPTION_VAL + (int)N_ROWS)
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        const struct row *r = &rows[c - OPTION_VAL];
        int rc = r->take(o, r, optarg);
        if (rc >= 0)
            return rc;
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (!o->tls_cert != !o->tls_key)
        return bad_usage("%s", "give --tls-cert and --tls-key together");
    if (o->http_port >= 0 && !o->tls_cert)
        return bad_usage("%s", "--http-port goes with --tls-cert");
    if (o->admin_token && o->no_admin)
        return bad_usage("%s", "give --admin-token or --no-admin, not both");
    if (o->admin_hosts[0] && o->no_admin)
        return bad_usage("%s", "give --admin-host or --no-admin, not both");
    if (!o->threads)
        o->threads = default_threads();
    return -1;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void summary(const struct fixture *fx, const char *name, double secs)
{
    fprintf(stderr, "timock: %s: loaded in %.3f s\n", name, secs);
    for (size_t i = 0; i < fx->store->n_apps; i++) {
        const struct app *a = fx->store->apps[i];
        fprintf(stderr, "timock:   app %llu (%s): %zu groups\n",
                (unsigned long long)a->sdkappid,
                a->region ? a->region->name : "every region", a->gs->n_groups);
    }
}

int main(int argc, char **argv)
{
    struct options o = {0};
    char err[512];
    raise_file_limit(); /* before the default thread count is chosen */
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;

    /* Block the stop signals in every thread; main waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0 ||
        signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        fprintf(stderr, "timock: cannot set up its signals\n");
        return 1;
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct control_options co = {
        o.fixture,   (int64_t)o.clock, (size_t)o.journal_size,
        !o.no_admin, o.admin_token,    o.admin_hosts[0] ? o.admin_hosts : NULL};
    struct control *c = control_new(&co, err, sizeof err);
    if (!c) {
        fprintf(stderr, "timock: %s\n", err);
        return 2;
    }
    if (!o.quiet) {
        struct fixture *fx = served_get(control_served(c));
        summary(fx, o.fixture ? o.fixture : "embedded default fixture",
                seconds_since(&t0));
        served_put(control_served(c), fx);
    }

    struct server_options so = {o.listen, (unsigned)o.threads, o.tls_cert,
                                o.tls_key, o.http_port};
    /* CivetWeb loads OpenSSL here; were it to fail, a server started anyway
     * would crash on the first HTTPS connection (libssl_compat.c) */
    unsigned features = o.tls_cert ? MG_FEATURES_TLS : 0;
    if ((mg_init_library(features) & features) != features) {
        fprintf(stderr, "timock: cannot serve HTTPS: CivetWeb cannot load "
                        "OpenSSL\n");
        control_free(c);
        mg_exit_library();
        return 1;
    }
    struct server *s = server_start(c, &so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "timock: cannot serve on %s: %s\n", o.listen, err);
        control_free(c);
        mg_exit_library();
        return 1;
    }
    char host[128];
    snprintf(host, sizeof host, "%.*s", (int)strcspn(o.listen, ":"), o.listen);
    printf("timock listening on %s://%s:%d\n", o.tls_cert ? "https" : "http",
           host, server_port(s));
    if (server_http_port(s) >= 0)
        printf("timock listening on http://%s:%d\n", host, server_http_port(s));
    if (fflush(stdout) != 0 || ferror(stdout)) /* it serves all the same */
        fprintf(stderr, "timock: cannot write the listening line: %s\n",
                strerror(errno));

    int sig = 0;
    if (sigwait(&stop, &sig) != 0)
        sig = 0; /* only for a bad set: stop all the same */
    if (!o.quiet)
        fprintf(stderr, "timock: stopping on signal %d\n", sig);
    if (stop_within(s, STOP_DEADLINE_MS) != 0) {
        /* every wait has ended and every connection is shut; what is left
         * is CivetWeb joining its idle workers, which the process exit
         * does at once */
        fflush(NULL);
        _exit(0);
    }
    control_free(c);
    mg_exit_library();
    return 0;
}
