/*
 * timsig: makes a UserSig, or decodes one and says whether the mock would
 * take it, with the same module the mock uses.  The key comes from
 * --key-file or TIM_SECRET_KEY, never from the command line.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "errors.h"
#include "timclient.h"
#include "usersig.h"

static const char usage[] =
    "usage: timsig gen --sdkappid N --identifier ID [--expire SECONDS]\n"
    "                  [--time UNIX] [--userbuf TEXT] [--level 0-9]\n"
    "                  [--key-file F]\n"
    "       timsig verify --sdkappid N --identifier ID [--time UNIX]\n"
    "                  [--key-file F] USERSIG\n"
    "\n"
    "gen prints a UserSig (TLSSigAPIv2) made at --time (default: now) that\n"
    "lives --expire seconds (default 86400). verify prints the UserSig's\n"
    "fields and the verdict the mock would give at --time (default: now),\n"
    "with its ErrorCode.\n"
    "\n"
    "The secret key comes from --key-file F or TIM_SECRET_KEY.\n"
    "Exit codes: 0 made, or valid; 1 invalid; 2 usage.\n";

struct options {
    int verify;
    uint64_t sdkappid;
    const char *identifier;
    int64_t time;
    int64_t expire;
    const char *userbuf;
    int level;
    const char *key_file;
    const char *usersig;
};

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "timsig: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'timsig --help'.\n");
    va_end(ap);
    return CLI_USAGE;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"sdkappid", required_argument, NULL, 'a'},
        {"identifier", required_argument, NULL, 'i'},
        {"expire", required_argument, NULL, 'e'},
        {"time", required_argument, NULL, 't'},
        {"userbuf", required_argument, NULL, 'b'},
        {"level", required_argument, NULL, 'l'},
        {"key-file", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    uint64_t v;
    int c, have_app = 0;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("timsig %s\n", TIMCLIENT_VERSION);
        return CLI_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "gen") && strcmp(argv[1], "verify")))
        return bad_usage("expected 'gen' or 'verify'");
    o->verify = strcmp(argv[1], "verify") == 0;
    o->time = (int64_t)time(NULL);
    o->expire = 86400;
    o->level = -1;
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (cli_u64(optarg, 0, UINT32_MAX, &o->sdkappid))
                return bad_usage("--sdkappid: expected a number, got '%s'",
                                 optarg);
            have_app = 1;
            break;
        case 'i':
            o->identifier = optarg;
            break;
        case 'e':
            if (cli_u64(optarg, 0, 1ULL << 40, &v))
                return bad_usage("--expire: expected seconds, got '%s'",
                                 optarg);
            o->expire = (int64_t)v;
            break;
        case 't':
            if (cli_u64(optarg, 0, 1ULL << 40, &v))
                return bad_usage("--time: expected unix seconds, got '%s'",
                                 optarg);
            o->time = (int64_t)v;
            break;
        case 'b':
            o->userbuf = optarg;
            break;
        case 'l':
            if (cli_u64(optarg, 0, 9, &v))
                return bad_usage("--level: expected 0 to 9, got '%s'", optarg);
            o->level = (int)v;
            break;
        case 'k':
            o->key_file = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case 'V':
            printf("timsig %s\n", TIMCLIENT_VERSION);
            return CLI_OK;
        default:
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        }
    }
    if (!have_app)
        return bad_usage("give --sdkappid");
    if (!o->identifier || !o->identifier[0])
        return bad_usage("give --identifier");
    if (o->verify) {
        if (optind != argc - 1)
            return bad_usage("verify takes one USERSIG");
        o->usersig = argv[optind];
    } else if (optind < argc) {
        return bad_usage("unexpected argument '%s'", argv[optind]);
    }
    return -1;
}

static void print_time(const char *label, int64_t t)
{
    char when[64] = "?";
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%-11s %" PRId64 " (%s)\n", label, t, when);
}

static int verify(const struct options *o, const char *key)
{
    struct usersig_doc doc;
    int decoded = usersig_decode(o->usersig, &doc) == 0;
    int code = usersig_verify(o->usersig, key, o->sdkappid, o->identifier,
                              o->time, NULL);
    if (decoded) {
        printf("identifier  %s\n", doc.identifier);
        printf("sdkappid    %" PRIu64 "\n", doc.sdkappid);
        print_time("time", doc.time);
        printf("expire      %" PRId64 " s\n", doc.expire);
        print_time("expires at", doc.time + doc.expire);
        if (doc.has_userbuf)
            printf("userbuf     %.*s\n", (int)doc.userbuf_len,
                   (const char *)doc.userbuf);
    }
    if (code == TIM_ERR_OK) {
        printf("verdict     valid\n");
        return CLI_OK;
    }
    printf("verdict     invalid: ErrorCode %d, %s\n", code,
           tim_error_text(code));
    return CLI_API;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    char key[1024], why[512];
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (cli_read_key(o.key_file, key, sizeof key, why, sizeof why) != 0) {
        fprintf(stderr, "timsig: %s\n", why);
        return CLI_USAGE;
    }
    if (o.verify) {
        rc = verify(&o, key);
    } else {
        char *sig = NULL;
        const unsigned char *buf = (const unsigned char *)o.userbuf;
        if (usersig_make(key, o.sdkappid, o.identifier, o.time, o.expire, buf,
                         buf ? strlen(o.userbuf) : 0, o.level, &sig) != 0) {
            fprintf(stderr, "timsig: cannot make a UserSig from these "
                            "fields\n");
            rc = CLI_USAGE;
        } else {
            puts(sig);
            free(sig);
            rc = CLI_OK;
        }
    }
    memset(key, 0, sizeof key);
    return rc;
}
