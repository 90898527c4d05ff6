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

static const char usage[] =
    "usage: timock [--fixture FILE] [--listen ADDR:PORT | --port N]\n"
    "              [--threads N] [--clock UNIX_SECONDS] [--quiet]\n"
    "              [--journal-size N] [--admin-token T | --no-admin]\n"
    "              [--admin-host NAME[,NAME...]]...\n"
    "              [--tls-cert FILE --tls-key FILE [--http-port N]]\n"
    "\n"
    "A mock of Tencent Cloud Chat's REST API get_appid_group_list.\n"
    "\n"
    "  --fixture FILE     data set to serve (default: the embedded one,\n"
    "                     the same as fixtures/default.json)\n"
    "  --listen ADDR:PORT address to listen on (default 127.0.0.1:8080)\n"
    "  --port N           listen on 127.0.0.1:N; 0 takes a free port\n"
    "  --threads N        worker threads, one per open connection, 1 to 8192\n"
    "                     (default: one per 4 MiB of memory, 64 to 1024)\n"
    "  --clock UNIX       fixed time for UserSig expiry checks\n"
    "  --quiet            print nothing on stderr but errors\n"
    "  --journal-size N   API requests the journal keeps (default 10000)\n"
    "  --admin-token T    the admin API (/__admin/) needs\n"
    "                     'Authorization: Bearer T'\n"
    "  --no-admin         no admin API\n"
    "  --admin-host NAME  the admin API also answers this Host (and Origin)\n"
    "                     name, with any port; repeat it or give a comma\n"
    "                     list (default: localhost, 127.x.y.z, [::1] only)\n"
    "  --tls-cert FILE    serve HTTPS with this PEM certificate (chain)\n"
    "  --tls-key FILE     and its PEM private key\n"
    "  --http-port N      with TLS, plain HTTP on this port too (0: free)\n"
    "  --help, --version\n"
    "\n"
    "Prints 'timock listening on http://ADDR:PORT' once it accepts\n"
    "connections. Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot serve,\n"
    "2 bad option or fixture.\n";

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
    if (pipe(stopped) != 0 || pthread_create(&t, NULL, stopper_run, s) != 0) {
        server_stop(s);
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
    size_t journal_size;
    const char *tls_cert, *tls_key;
    int http_port;
    char listen[128];
    unsigned threads;
    int64_t clock;
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
        setrlimit(RLIMIT_NOFILE, &fds);
    }
}

/* Appends the comma list names to the admin hosts; -1 when one is empty,
 * has a port, or there are too many. */
static int add_admin_hosts(struct options *o, const char *names)
{
    size_t have = strlen(o->admin_hosts);
    if (!*names || strcspn(names, ":/ \t") != strlen(names) ||
        strstr(names, ",,") || names[0] == ',' ||
        names[strlen(names) - 1] == ',' ||
        have + 1 + strlen(names) >= sizeof o->admin_hosts)
        return -1;
    snprintf(o->admin_hosts + have, sizeof o->admin_hosts - have, "%s%s",
             have ? "," : "", names);
    return 0;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"fixture", required_argument, NULL, 'f'},
        {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'},
        {"threads", required_argument, NULL, 't'},
        {"clock", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"journal-size", required_argument, NULL, 'j'},
        {"admin-token", required_argument, NULL, 'T'},
        {"no-admin", no_argument, NULL, 'N'},
        {"admin-host", required_argument, NULL, 'A'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"http-port", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    long long v;
    int c, listen_set = 0;
    snprintf(o->listen, sizeof o->listen, "127.0.0.1:8080");
    o->http_port = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->fixture = optarg;
            break;
        case 'l':
        case 'p':
            if (listen_set++)
                return bad_usage("%s", "give --listen or --port once");
            if (c == 'p' && (v = number(optarg, 0, 65535)) < 0)
                return bad_usage("--port: not a port number: '%s'", optarg);
            if (c == 'l' &&
                (!strchr(optarg, ':') || strlen(optarg) >= sizeof o->listen))
                return bad_usage("--listen: expected ADDR:PORT, got '%s'",
                                 optarg);
            if (c == 'p')
                snprintf(o->listen, sizeof o->listen, "127.0.0.1:%lld", v);
            else
                snprintf(o->listen, sizeof o->listen, "%s", optarg);
            break;
        case 't':
            if ((v = number(optarg, 1, THREADS_MAX)) < 0)
                return bad_usage("--threads: expected 1 to %d, got '%s'",
                                 THREADS_MAX, optarg);
            o->threads = (unsigned)v;
            break;
        case 'c':
            if ((v = number(optarg, 1, 1LL << 40)) < 0)
                return bad_usage("--clock: expected unix seconds, got '%s'",
                                 optarg);
            o->clock = v;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'j':
            if ((v = number(optarg, 1, 10000000)) < 0)
                return bad_usage("--journal-size: expected 1 to 10000000, "
                                 "got '%s'",
                                 optarg);
            o->journal_size = (size_t)v;
            break;
        case 'T':
            if (!*optarg)
                return bad_usage("%s", "--admin-token: give a token");
            o->admin_token = optarg;
            break;
        case 'N':
            o->no_admin = 1;
            break;
        case 'A':
            if (add_admin_hosts(o, optarg) != 0)
                return bad_usage("--admin-host: expected host names without "
                                 "ports, got '%s'",
                                 optarg);
            break;
        case 'C':
            o->tls_cert = optarg;
            break;
        case 'K':
            o->tls_key = optarg;
            break;
        case 'H':
            if ((v = number(optarg, 0, 65535)) < 0)
                return bad_usage("--http-port: not a port number: '%s'",
                                 optarg);
            o->http_port = (int)v;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("timock %s (CivetWeb %s)\n", TIMOCK_VERSION, mg_version());
            return 0;
        default:
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        }
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
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct control_options co = {
        o.fixture,   o.clock,       o.journal_size,
        !o.no_admin, o.admin_token, o.admin_hosts[0] ? o.admin_hosts : NULL};
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

    struct server_options so = {o.listen, o.threads, o.tls_cert, o.tls_key,
                                o.http_port};
    mg_init_library(o.tls_cert ? MG_FEATURES_TLS : 0);
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
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
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
