/*
 * timgroups: pulls every group ID of an app from the mock or a real region,
 * through the client library only.  IDs are streamed, never held: one per
 * line (or JSON, or NDJSON); --count prints TotalCount per type.  A progress
 * bar shows on stderr when it is a terminal.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "timclient.h"

static const char usage[] =
    "usage: timgroups (--region NAME | --url URL) --sdkappid N --identifier "
    "ID\n"
    "                 (--key-file F | --usersig S) [--type T] [--limit N]\n"
    "                 [--format lines|json|ndjson] [--count]\n"
    "                 [--connect-to HOST:PORT:HOST2:PORT2] [--cacert F]\n"
    "                 [--insecure] [--retries N] [--timeout SECONDS]\n"
    "                 [--max-pages N] [--max-time SECONDS] [--verbose]\n"
    "\n"
    "Pulls every group ID of an app with get_appid_group_list, page after\n"
    "page, and prints one per line.\n"
    "\n"
    "  --region NAME      china, singapore (sgp), seoul (kr), tokyo (jpn),\n"
    "                     frankfurt (ger), mumbai (ind), siliconvalley (usa),\n"
    "                     jakarta (idn)                      [TIM_REGION]\n"
    "  --url URL          a base URL instead, e.g. http://127.0.0.1:8080\n"
    "                                                        [TIM_URL]\n"
    "  --sdkappid N       the app                            [TIM_SDKAPPID]\n"
    "  --identifier ID    an admin of the app                [TIM_IDENTIFIER]\n"
    "  --key-file F       a file holding the secret key      [TIM_SECRET_KEY]\n"
    "  --usersig S        a ready UserSig instead of the key\n"
    "  --type T           Public, Private, ChatRoom, AVChatRoom, BChatRoom,\n"
    "                     Community (default: every type)\n"
    "  --limit N          IDs per page, 1 to 10000 (default 10000)\n"
    "  --format F         lines (default), json (one array), ndjson\n"
    "  --count            print TotalCount of each type and the total\n"
    "  --connect-to H:P:H2:P2  connect to H2:P2 when the URL says H:P\n"
    "                     (several joined by commas)\n"
    "  --cacert F         CA bundle for TLS; --insecure skips verification\n"
    "  --retries N        tries again after a transient failure (default 4)\n"
    "  --timeout SECONDS  per request (default 10)\n"
    "  --max-pages N      stop after N pages (default: no bound)\n"
    "  --max-time SECONDS stop the pull after this long (default: no bound)\n"
    "  --verbose          every request on stderr (UserSig redacted)\n"
    "\n"
    "Options win over the environment. The key is never taken on the command\n"
    "line. Exit codes: 0 done, 1 the API answered an error, 2 usage,\n"
    "3 transport failure, 4 stopped by --max-pages or --max-time.\n"
    "A server that breaks the API's contract (a cursor that comes again, a\n"
    "page over Limit, far more IDs or pages than TotalCount or the IDs\n"
    "need) is an error of exit code 1.\n";

enum format { FMT_LINES, FMT_JSON, FMT_NDJSON };

struct options {
    struct tim_config cfg;
    const char *key_file;
    const char *type;
    unsigned limit;
    enum format format;
    int count;
    int verbose;
};

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "timgroups: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'timgroups --help'.\n");
    va_end(ap);
    return CLI_USAGE;
}

static void log_line(void *data, const char *line)
{
    (void)data;
    fprintf(stderr, "timgroups: %s\n", line);
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"region", required_argument, NULL, 'r'},
        {"url", required_argument, NULL, 'u'},
        {"sdkappid", required_argument, NULL, 'a'},
        {"identifier", required_argument, NULL, 'i'},
        {"key-file", required_argument, NULL, 'k'},
        {"usersig", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"count", no_argument, NULL, 'c'},
        {"connect-to", required_argument, NULL, 'C'},
        {"cacert", required_argument, NULL, 'A'},
        {"insecure", no_argument, NULL, 'I'},
        {"retries", required_argument, NULL, 'R'},
        {"timeout", required_argument, NULL, 'T'},
        {"max-pages", required_argument, NULL, 'P'},
        {"max-time", required_argument, NULL, 'M'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *app = cli_env("TIM_SDKAPPID");
    uint64_t v;
    int c;
    o->cfg.region = cli_env("TIM_REGION");
    o->cfg.base_url = cli_env("TIM_URL");
    o->cfg.identifier = cli_env("TIM_IDENTIFIER");
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->cfg.region = optarg;
            o->cfg.base_url = NULL;
            break;
        case 'u':
            o->cfg.base_url = optarg;
            o->cfg.region = NULL;
            break;
        case 'a':
            app = optarg;
            break;
        case 'i':
            o->cfg.identifier = optarg;
            break;
        case 'k':
            o->key_file = optarg;
            break;
        case 's':
            o->cfg.usersig = optarg;
            break;
        case 't':
            o->type = optarg;
            break;
        case 'l':
            if (cli_u64(optarg, 1, 10000, &v))
                return bad_usage("--limit: expected 1 to 10000, got '%s'",
                                 optarg);
            o->limit = (unsigned)v;
            break;
        case 'f':
            if (strcmp(optarg, "lines") == 0)
                o->format = FMT_LINES;
            else if (strcmp(optarg, "json") == 0)
                o->format = FMT_JSON;
            else if (strcmp(optarg, "ndjson") == 0)
                o->format = FMT_NDJSON;
            else
                return bad_usage("--format: expected lines, json or ndjson, "
                                 "got '%s'",
                                 optarg);
            break;
        case 'c':
            o->count = 1;
            break;
        case 'C':
            o->cfg.connect_to = optarg;
            break;
        case 'A':
            o->cfg.cacert = optarg;
            break;
        case 'I':
            o->cfg.insecure = 1;
            break;
        case 'R':
            if (cli_u64(optarg, 0, 100, &v))
                return bad_usage("--retries: expected 0 to 100, got '%s'",
                                 optarg);
            o->cfg.max_attempts = (unsigned)v + 1;
            break;
        case 'T':
            if (cli_u64(optarg, 1, 3600, &v))
                return bad_usage("--timeout: expected 1 to 3600 seconds, "
                                 "got '%s'",
                                 optarg);
            o->cfg.timeout_ms = (long)v * 1000;
            break;
        case 'P':
            if (cli_u64(optarg, 1, UINT64_MAX, &v))
                return bad_usage("--max-pages: expected a number of pages "
                                 "from 1, got '%s'",
                                 optarg);
            o->cfg.max_pages = v;
            break;
        case 'M':
            if (cli_u64(optarg, 1, 31 * 86400, &v))
                return bad_usage("--max-time: expected 1 to 2678400 seconds, "
                                 "got '%s'",
                                 optarg);
            o->cfg.max_time_ms = (long)v * 1000;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case 'V':
            printf("timgroups %s\n", TIMCLIENT_VERSION);
            return CLI_OK;
        default:
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (!o->cfg.region && !o->cfg.base_url)
        return bad_usage("give --region or --url (or TIM_REGION, TIM_URL)");
    if (!app)
        return bad_usage("give --sdkappid (or TIM_SDKAPPID)");
    if (cli_u64(app, 1, UINT32_MAX, &o->cfg.sdkappid))
        return bad_usage("--sdkappid: expected a number, got '%s'", app);
    if (!o->cfg.identifier)
        return bad_usage("give --identifier (or TIM_IDENTIFIER)");
    if (o->cfg.usersig && o->key_file)
        return bad_usage("give --key-file or --usersig, not both");
    if (o->verbose)
        o->cfg.log = log_line;
    return -1;
}

/* Writes s as a JSON string. */
static void put_json_string(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

struct output {
    enum format format;
    uint64_t written;
};

static int print_id(void *data, const char *id, size_t n)
{
    struct output *out = data;
    switch (out->format) {
    case FMT_LINES:
        fwrite(id, 1, n, stdout);
        putchar('\n');
        break;
    case FMT_JSON:
        fputs(out->written ? ",\n" : "[\n", stdout);
        put_json_string(id, n);
        break;
    case FMT_NDJSON:
        fputs("{\"GroupId\":", stdout);
        put_json_string(id, n);
        fputs("}\n", stdout);
        break;
    }
    out->written++;
    return ferror(stdout) ? 1 : 0;
}

struct progress {
    struct timespec start;
    int shown;
};

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_progress(void *data, const struct tim_pull_stats *s)
{
    struct progress *p = data;
    double secs = elapsed(&p->start);
    double frac = s->total_count ? (double)s->ids / (double)s->total_count : 1;
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr,
            "\r[%s] %3.0f%%  pages %" PRIu64 "  IDs %" PRIu64 " of %" PRIu64
            "  %.0f IDs/s ",
            bar, frac * 100, s->pages, s->ids, s->total_count,
            secs > 0 ? (double)s->ids / secs : 0.0);
    p->shown = 1;
}

static int exit_code(int status)
{
    switch (status) {
    case TIM_OK:
        return CLI_OK;
    case TIM_E_USAGE:
        return CLI_USAGE;
    case TIM_E_HTTP:
    case TIM_E_TRANSPORT:
        return CLI_TRANSPORT;
    case TIM_E_BOUND:
        return CLI_BOUND;
    default:
        return CLI_API;
    }
}

static void report(const struct tim_error *err, const struct options *o,
                   const struct tim_pull_stats *s)
{
    if (err->status == TIM_E_BOUND && o->cfg.max_pages &&
        s->pages >= o->cfg.max_pages)
        fprintf(stderr,
                "timgroups: stopped by --max-pages %" PRIu64 " after %" PRIu64
                " IDs of TotalCount %" PRIu64 "\n",
                o->cfg.max_pages, s->ids, s->total_count);
    else if (err->status == TIM_E_BOUND)
        fprintf(stderr,
                "timgroups: stopped by --max-time %ld after %" PRIu64
                " pages, %" PRIu64 " IDs of TotalCount %" PRIu64 "\n",
                o->cfg.max_time_ms / 1000, s->pages, s->ids, s->total_count);
    else if (err->status == TIM_E_API)
        fprintf(stderr, "timgroups: the API answered ErrorCode %ld: %s\n",
                err->error_code, err->error_info);
    else
        fprintf(stderr, "timgroups: %s error: %s\n",
                tim_status_name(err->status), err->message);
}

static const char *const types[] = {"Public",     "Private",   "ChatRoom",
                                    "AVChatRoom", "BChatRoom", "Community"};

/* --count: TotalCount of each type and of the whole app, or of --type
 * alone (a name outside the list too: the service judges it). */
static int count_groups(tim_client *c, const struct options *o,
                        struct tim_error *err)
{
    const char *names[7], *query[7];
    uint64_t counts[7];
    size_t n = 0;
    if (o->type) {
        names[n] = query[n] = o->type;
        n++;
    } else {
        for (size_t i = 0; i < 6; i++, n++)
            names[n] = query[n] = types[i];
        names[n] = "total";
        query[n++] = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct tim_page page;
        struct tim_page_request req = {1, 1, 0, query[i]};
        int rc = tim_get_group_page(c, &req, &page, err);
        if (rc != TIM_OK)
            return rc;
        counts[i] = page.total_count;
        tim_page_release(&page);
    }
    int json = o->format != FMT_LINES;
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fputs(i ? "," : "{", stdout);
            put_json_string(names[i], strlen(names[i]));
            printf(":%" PRIu64, counts[i]);
        } else {
            printf("%s %" PRIu64 "\n", names[i], counts[i]);
        }
    }
    if (json)
        puts("}");
    return TIM_OK;
}

int main(int argc, char **argv)
{
    struct options o = {.limit = 10000};
    struct tim_error err = {0};
    char key[1024], why[512];
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.cfg.usersig) {
        if (cli_read_key(o.key_file, key, sizeof key, why, sizeof why) != 0) {
            fprintf(stderr, "timgroups: %s\n", why);
            return CLI_USAGE;
        }
        o.cfg.secret_key = key;
    }
    if (tim_global_init() != 0) {
        fprintf(stderr, "timgroups: cannot initialize libcurl\n");
        return CLI_TRANSPORT;
    }
    tim_client *c = NULL;
    rc = tim_client_new(&o.cfg, &c, &err);
    memset(key, 0, sizeof key);
    if (rc != TIM_OK) {
        fprintf(stderr, "timgroups: %s\n", err.message);
        tim_global_cleanup();
        return CLI_USAGE;
    }

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    struct tim_pull_stats stats = {0};
    if (o.count) {
        rc = count_groups(c, &o, &err);
    } else {
        struct output out = {o.format, 0};
        struct progress p = {.shown = 0};
        clock_gettime(CLOCK_MONOTONIC, &p.start);
        int tty = isatty(STDERR_FILENO) && !o.verbose;
        rc = tim_pull_groups(c, o.type, o.limit, print_id, &out,
                             tty ? show_progress : NULL, &p, &stats, &err);
        if (p.shown)
            fputc('\n', stderr);
        /* a failed pull leaves the array open: no consumer takes it whole */
        if (o.format == FMT_JSON && rc == TIM_OK)
            puts(out.written ? "\n]" : "[]");
        if (o.verbose)
            fprintf(stderr,
                    "timgroups: %" PRIu64 " IDs in %" PRIu64 " pages, %" PRIu64
                    " asked again, %.3f s\n",
                    stats.ids, stats.pages, stats.retries, elapsed(&p.start));
    }
    if (fflush(stdout) != 0 && rc == TIM_OK) {
        perror("timgroups: stdout");
        rc = TIM_E_USAGE;
    }
    if (rc != TIM_OK && err.status != TIM_OK)
        report(&err, &o, &stats);
    tim_client_free(c);
    tim_global_cleanup();
    return rc == TIM_E_ABORTED ? CLI_USAGE : exit_code(rc);
}
