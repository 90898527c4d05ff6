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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "fixture.h"
#include "server.h"

#ifndef TIMOCK_VERSION
#define TIMOCK_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: timock [--fixture FILE] [--listen ADDR:PORT | --port N]\n"
    "              [--threads N] [--clock UNIX_SECONDS] [--quiet]\n"
    "\n"
    "A mock of Tencent Cloud Chat's REST API get_appid_group_list.\n"
    "\n"
    "  --fixture FILE     data set to serve (default: the embedded one,\n"
    "                     the same as fixtures/default.json)\n"
    "  --listen ADDR:PORT address to listen on (default 127.0.0.1:8080)\n"
    "  --port N           listen on 127.0.0.1:N; 0 takes a free port\n"
    "  --threads N        worker threads, one per open connection "
    "(default 64)\n"
    "  --clock UNIX       fixed time for UserSig expiry checks\n"
    "  --quiet            print nothing on stderr but errors\n"
    "  --help, --version\n"
    "\n"
    "Prints 'timock listening on http://ADDR:PORT' once it accepts\n"
    "connections. Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot serve,\n"
    "2 bad option or fixture.\n";

struct options {
    const char *fixture;
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
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    long long v;
    int c, listen_set = 0;
    snprintf(o->listen, sizeof o->listen, "127.0.0.1:8080");
    o->threads = 64;
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
            if ((v = number(optarg, 1, 1024)) < 0)
                return bad_usage("--threads: expected 1 to 1024, got '%s'",
                                 optarg);
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
    struct fixture fx;
    char err[512];
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
    const char *name = o.fixture ? o.fixture : "embedded default fixture";
    rc = o.fixture
             ? fixture_load_file(o.fixture, &fx, err, sizeof err)
             : fixture_load_text(fixture_default_json, fixture_default_json_len,
                                 name, &fx, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "timock: %s\n", err);
        return 2;
    }
    if (!o.quiet)
        summary(&fx, name, seconds_since(&t0));

    struct api api = {fx.store, &fx.faults, o.clock ? o.clock : fx.clock};
    struct server_options so = {o.listen, o.threads};
    mg_init_library(0);
    struct server *s = server_start(&api, &so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "timock: cannot serve on %s: %s\n", o.listen, err);
        fixture_release(&fx);
        mg_exit_library();
        return 1;
    }
    char host[128];
    snprintf(host, sizeof host, "%.*s", (int)strcspn(o.listen, ":"), o.listen);
    printf("timock listening on http://%s:%d\n", host, server_port(s));
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    if (!o.quiet)
        fprintf(stderr, "timock: stopping on signal %d\n", sig);
    server_stop(s);
    fixture_release(&fx);
    mg_exit_library();
    return 0;
}
