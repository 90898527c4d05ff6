/*
 * timgroups: pulls every group ID of an app from the mock or a real region,
 * through the client library only.  IDs are streamed, never held: one per
 * line (or JSON, or NDJSON); --count prints TotalCount per type.  A progress
 * bar shows on stderr when it is a terminal.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "snapshot.h"
#include "timclient.h"

enum format { FMT_LINES, FMT_JSON, FMT_NDJSON };

struct options {
    struct tim_config cfg;
    const char *app; /* --sdkappid, checked once the environment is read */
    const char *key_file;
    const char *type;
    uint64_t limit;
    int format; /* enum format */
    int count;
    int verbose;
    const char *snapshot; /* --snapshot FILE */
    uint64_t rate;        /* --rate, calls a second */
    int rate_given;
    int anonymize;
};

/* The target: the last of --region and --url wins, and either wins over
 * the environment's TIM_REGION and TIM_URL. */
static void set_region(void *opts, const char *arg, uint64_t n)
{
    struct options *o = opts;
    (void)n;
    o->cfg.region = arg;
    o->cfg.base_url = NULL;
}

static void set_url(void *opts, const char *arg, uint64_t n)
{
    struct options *o = opts;
    (void)n;
    o->cfg.base_url = arg;
    o->cfg.region = NULL;
}

static void set_retries(void *opts, const char *arg, uint64_t n)
{
    (void)arg;
    ((struct options *)opts)->cfg.max_attempts = (unsigned)n + 1;
}

static void set_timeout(void *opts, const char *arg, uint64_t n)
{
    (void)arg;
    ((struct options *)opts)->cfg.timeout_ms = (long)n * 1000;
}

static void set_max_time(void *opts, const char *arg, uint64_t n)
{
    (void)arg;
    ((struct options *)opts)->cfg.max_time_ms = (long)n * 1000;
}

static void set_rate(void *opts, const char *arg, uint64_t n)
{
    struct options *o = opts;
    (void)arg;
    o->rate = n;
    o->rate_given = 1;
}

static const char *const formats[] = {"lines", "json", "ndjson", NULL};

#define AT(field) offsetof(struct options, field)

static const struct cli_option options[] = {
    {.name = "region",
     .kind = CLI_STRING,
     .set = set_region,
     .arg = "NAME",
     .help = "china, singapore (sgp), seoul (kr), tokyo (jpn),\n"
             "frankfurt (ger), mumbai (ind), siliconvalley (usa),\n"
             "jakarta (idn)                      [TIM_REGION]"},
    {.name = "url",
     .kind = CLI_STRING,
     .set = set_url,
     .arg = "URL",
     .help = "a base URL instead, e.g. http://127.0.0.1:8080\n"
             "                                   [TIM_URL]"},
    {.name = "sdkappid",
     .kind = CLI_STRING,
     .offset = AT(app),
     .arg = "N",
     .help = "the app                            [TIM_SDKAPPID]"},
    {.name = "identifier",
     .kind = CLI_STRING,
     .offset = AT(cfg.identifier),
     .arg = "ID",
     .help = "an admin of the app                [TIM_IDENTIFIER]"},
    {.name = "key-file",
     .kind = CLI_STRING,
     .offset = AT(key_file),
     .arg = "F",
     .help = "a file holding the secret key      [TIM_SECRET_KEY]"},
    {.name = "usersig",
     .kind = CLI_STRING,
     .offset = AT(cfg.usersig),
     .arg = "S",
     .help = "a ready UserSig instead of the key"},
    {.name = "type",
     .kind = CLI_STRING,
     .offset = AT(type),
     .arg = "T",
     .help = "Public, Private, ChatRoom, AVChatRoom, BChatRoom,\n"
             "Community (default: every type)"},
    {.name = "limit",
     .kind = CLI_NUMBER,
     .offset = AT(limit),
     .min = 1,
     .max = 10000,
     .expected = "1 to 10000",
     .arg = "N",
     .help = "IDs per page, 1 to 10000 (default 10000)"},
    {.name = "format",
     .kind = CLI_CHOICE,
     .offset = AT(format),
     .choices = formats,
     .expected = "lines, json or ndjson",
     .arg = "F",
     .help = "lines (default), json (one array), ndjson"},
    {.name = "count",
     .kind = CLI_FLAG,
     .offset = AT(count),
     .help = "print TotalCount of each type and the total"},
    {.name = "connect-to",
     .kind = CLI_STRING,
     .offset = AT(cfg.connect_to),
     .arg = "H:P:H2:P2",
     .help =
         " connect to H2:P2 when the URL says H:P\n(several joined by commas)"},
    {.name = "cacert",
     .kind = CLI_STRING,
     .offset = AT(cfg.cacert),
     .arg = "F",
     .help = "CA bundle for TLS; --insecure skips verification"},
    {.name = "insecure", .kind = CLI_FLAG, .offset = AT(cfg.insecure)},
    {.name = "retries",
     .kind = CLI_NUMBER,
     .max = 100,
     .expected = "0 to 100",
     .set = set_retries,
     .arg = "N",
     .help = "tries again after a transient failure (default 4)"},
    {.name = "timeout",
     .kind = CLI_NUMBER,
     .min = 1,
     .max = 3600,
     .expected = "1 to 3600 seconds",
     .set = set_timeout,
     .arg = "SECONDS",
     .help = "per request (default 10)"},
    {.name = "max-pages",
     .kind = CLI_NUMBER,
     .offset = AT(cfg.max_pages),
     .min = 1,
     .max = UINT64_MAX,
     .expected = "a number of pages from 1",
     .arg = "N",
     .help = "stop after N pages (default: no bound)"},
    {.name = "max-time",
     .kind = CLI_NUMBER,
     .min = 1,
     .max = 31 * 86400,
     .expected = "1 to 2678400 seconds",
     .set = set_max_time,
     .arg = "SECONDS",
     .help = "stop the pull after this long (default: no "
             "bound)"},
    {.name = "snapshot",
     .kind = CLI_STRING,
     .offset = AT(snapshot),
     .arg = "FILE",
     .help = "write the app's groups as a fixture for timock\n"
             "(each type pulled, and the Next values kept)"},
    {.name = "rate",
     .kind = CLI_NUMBER,
     .max = 100000,
     .expected = "0 to 100000 calls a second",
     .set = set_rate,
     .arg = "N",
     .help = "--snapshot: N calls a second at most (default 1,\n"
             "the API's documented limit; 0: no bound)"},
    {.name = "anonymize",
     .kind = CLI_FLAG,
     .offset = AT(anonymize),
     .help = "--snapshot: stand-ins for group IDs, SDKAppID and\n"
             "identifier, of the same shape"},
    {.name = "verbose",
     .kind = CLI_FLAG,
     .offset = AT(verbose),
     .help = "every request on stderr (UserSig redacted)"},
    {.name = "help", .kind = CLI_HELP},
    {.name = "version", .kind = CLI_VERSION},
};

static const struct cli_tool tool = {
    "timgroups",
    TIMCLIENT_VERSION,
    options,
    sizeof options / sizeof options[0],
    "usage: timgroups (--region NAME | --url URL) --sdkappid N --identifier "
    "ID\n"
    "                 (--key-file F | --usersig S) [--type T] [--limit N]\n"
    "                 [--format lines|json|ndjson] [--count]\n"
    "                 [--connect-to HOST:PORT:HOST2:PORT2] [--cacert F]\n"
    "                 [--insecure] [--retries N] [--timeout SECONDS]\n"
    "                 [--max-pages N] [--max-time SECONDS] [--verbose]\n"
    "                 [--snapshot FILE [--rate N] [--anonymize]]\n"
    "\n"
    "Pulls every group ID of an app with get_appid_group_list, page after\n"
    "page, and prints one per line.  With --snapshot, pulls the app once\n"
    "with no GroupType and once per type, and writes a fixture on which\n"
    "timock answers the same pulls at the same Limit with the same pages\n"
    "and Next values; it holds no key (check_usersig is false).\n"
    "\n",
    "\n"
    "Options win over the environment. The key is never taken on the command\n"
    "line. Exit codes: 0 done, 1 the API answered an error, 2 usage,\n"
    "3 transport failure, 4 stopped by --max-pages or --max-time.\n"
    "A snapshot that is not written whole leaves no file.\n"
    "A server that breaks the API's contract (a cursor that comes again, a\n"
    "page over Limit, far more IDs or pages than TotalCount or the IDs\n"
    "need) is an error of exit code 1.\n"};

static void log_line(void *data, const char *line)
{
    (void)data;
    fprintf(stderr, "timgroups: %s\n", line);
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int next;
    o->app = cli_env("TIM_SDKAPPID");
    o->cfg.region = cli_env("TIM_REGION");
    o->cfg.base_url = cli_env("TIM_URL");
    o->cfg.identifier = cli_env("TIM_IDENTIFIER");
    int rc = cli_parse(&tool, argc, argv, 1, o, &next);
    if (rc >= 0)
        return rc;
    if (next < argc)
        return cli_bad_usage(&tool, "unexpected argument '%s'", argv[next]);
    if (!o->cfg.region && !o->cfg.base_url)
        return cli_bad_usage(&tool,
                             "give --region or --url (or TIM_REGION, TIM_URL)");
    if (!o->app)
        return cli_bad_usage(&tool, "give --sdkappid (or TIM_SDKAPPID)");
    if (cli_u64(o->app, 1, UINT32_MAX, &o->cfg.sdkappid))
        return cli_bad_usage(&tool, "--sdkappid: expected a number, got '%s'",
                             o->app);
    if (!o->cfg.identifier)
        return cli_bad_usage(&tool, "give --identifier (or TIM_IDENTIFIER)");
    if (o->cfg.usersig && o->key_file)
        return cli_bad_usage(&tool, "give --key-file or --usersig, not both");
    if (!o->snapshot && (o->rate_given || o->anonymize))
        return cli_bad_usage(&tool, "--%s goes with --snapshot",
                             o->rate_given ? "rate" : "anonymize");
    if (o->snapshot && (o->count || o->type || o->format != FMT_LINES))
        return cli_bad_usage(&tool, "--snapshot pulls every type and writes "
                                    "a fixture: no --count, --type or "
                                    "--format");
    if (o->snapshot && !o->snapshot[0])
        return cli_bad_usage(&tool, "--snapshot: give a file name");
    if (o->verbose)
        o->cfg.log = log_line;
    return -1;
}

/* What goes to stdout, gathered in one large buffer and written a block
 * at a time: a pull writes millions of short lines. */
struct output {
    enum format format;
    uint64_t written; /* IDs */
    int failed;       /* stdout has failed */
    size_t len;
    char buf[1 << 20];
};

/* Writes the buffer out; 0, or -1 once stdout has failed. */
static int out_flush(struct output *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
        o->failed = 1;
    o->len = 0;
    return o->failed ? -1 : 0;
}

static void out_put(struct output *o, const char *s, size_t n)
{
    if (n > sizeof o->buf - o->len) {
        out_flush(o);
        if (n > sizeof o->buf) {
            if (fwrite(s, 1, n, stdout) != n)
                o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(struct output *o, const char *s)
{
    out_put(o, s, strlen(s));
}

/* Writes s as a JSON string. */
static void out_json_string(struct output *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0; /* bytes that need no escape, not yet written */
    out_put(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20) {
            run++;
            continue;
        }
        char esc[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
        if (c < 0x20)
            esc[1] = 'u';
        out_put(o, s + i - run, run);
        out_put(o, esc, c < 0x20 ? 6 : 2);
        run = 0;
    }
    out_put(o, s + n - run, run);
    out_put(o, "\"", 1);
}

static int print_id(void *data, const char *id, size_t n)
{
    struct output *out = data;
    switch (out->format) {
    case FMT_LINES:
        if (n < sizeof out->buf - out->len) { /* the common case */
            memcpy(out->buf + out->len, id, n);
            out->buf[out->len + n] = '\n';
            out->len += n + 1;
        } else {
            out_put(out, id, n);
            out_put(out, "\n", 1);
        }
        break;
    case FMT_JSON:
        out_str(out, out->written ? ",\n" : "[\n");
        out_json_string(out, id, n);
        break;
    case FMT_NDJSON:
        out_str(out, "{\"GroupId\":");
        out_json_string(out, id, n);
        out_str(out, "}\n");
        break;
    }
    out->written++;
    return out->failed;
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
                        struct output *out, struct tim_error *err)
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
        char number[32];
        snprintf(number, sizeof number, json ? ":%" PRIu64 : " %" PRIu64 "\n",
                 counts[i]);
        if (json) {
            out_str(out, i ? "," : "{");
            out_json_string(out, names[i], strlen(names[i]));
        } else {
            out_str(out, names[i]);
        }
        out_str(out, number);
    }
    if (json)
        out_str(out, "}\n");
    return TIM_OK;
}

int main(int argc, char **argv)
{
    struct options o = {.limit = 10000, .rate = 1};
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

    static struct output out;
    out.format = o.format;
    struct tim_pull_stats stats = {0};
    if (o.snapshot) {
        struct snapshot_options so = {
            .path = o.snapshot,
            .region = o.cfg.region,
            .target = o.cfg.region ? o.cfg.region : o.cfg.base_url,
            .sdkappid = o.cfg.sdkappid,
            .identifier = o.cfg.identifier,
            .limit = (unsigned)o.limit,
            .rate = o.rate,
            .anonymize = o.anonymize,
            .bar = isatty(STDERR_FILENO) && !o.verbose,
        };
        int code = snapshot_take(c, &so);
        tim_client_free(c);
        tim_global_cleanup();
        return code;
    }
    if (o.count) {
        rc = count_groups(c, &o, &out, &err);
    } else {
        struct progress p = {.shown = 0};
        clock_gettime(CLOCK_MONOTONIC, &p.start);
        int tty = isatty(STDERR_FILENO) && !o.verbose;
        rc = tim_pull_groups(c, o.type, (unsigned)o.limit, print_id, &out,
                             tty ? show_progress : NULL, &p, &stats, &err);
        if (p.shown)
            fputc('\n', stderr);
        /* a failed pull leaves the array open: no consumer takes it whole */
        if (o.format == FMT_JSON && rc == TIM_OK)
            out_str(&out, out.written ? "\n]\n" : "[]\n");
        if (o.verbose)
            fprintf(stderr,
                    "timgroups: %" PRIu64 " IDs in %" PRIu64 " pages, %" PRIu64
                    " asked again, %.3f s\n",
                    stats.ids, stats.pages, stats.retries, elapsed(&p.start));
    }
    if ((out_flush(&out) != 0 || fflush(stdout) != 0 || ferror(stdout)) &&
        rc == TIM_OK) {
        perror("timgroups: stdout");
        rc = TIM_E_USAGE;
    }
    if (rc != TIM_OK && err.status != TIM_OK)
        report(&err, &o, &stats);
    tim_client_free(c);
    tim_global_cleanup();
    return rc == TIM_E_ABORTED ? CLI_USAGE : exit_code(rc);
}
