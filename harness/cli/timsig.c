/*
 * timsig: makes a UserSig, or decodes one and says whether the mock would
 * take it, with the same module the mock uses.  The key comes from
 * --key-file or TIM_SECRET_KEY, never from the command line.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "errors.h"
#include "timclient.h"
#include "usersig.h"

struct options {
    int verify;
    uint64_t sdkappid;
    int have_app;
    const char *identifier;
    uint64_t time;
    uint64_t expire;
    const char *userbuf;
    int level;
    const char *key_file;
    const char *usersig;
};

static void set_sdkappid(void *opts, const char *arg, uint64_t n)
{
    struct options *o = opts;
    (void)arg;
    o->sdkappid = n;
    o->have_app = 1;
}

static void set_level(void *opts, const char *arg, uint64_t n)
{
    (void)arg;
    ((struct options *)opts)->level = (int)n;
}

#define AT(field) offsetof(struct options, field)

static const struct cli_option options[] = {
    {.name = "sdkappid",
     .kind = CLI_NUMBER,
     .max = UINT32_MAX,
     .expected = "a number",
     .set = set_sdkappid,
     .arg = "N",
     .help = "the app"},
    {.name = "identifier",
     .kind = CLI_STRING,
     .offset = AT(identifier),
     .arg = "ID",
     .help = "the user the UserSig is for"},
    {.name = "expire",
     .kind = CLI_NUMBER,
     .offset = AT(expire),
     .max = 1ULL << 40,
     .expected = "seconds",
     .arg = "SECONDS",
     .help = "gen: how long it lives (default 86400)"},
    {.name = "time",
     .kind = CLI_NUMBER,
     .offset = AT(time),
     .max = 1ULL << 40,
     .expected = "unix seconds",
     .arg = "UNIX",
     .help = "when it is made, or checked (default: now)"},
    {.name = "userbuf",
     .kind = CLI_STRING,
     .offset = AT(userbuf),
     .arg = "TEXT",
     .help = "gen: the UserBuf it carries"},
    {.name = "level",
     .kind = CLI_NUMBER,
     .max = 9,
     .expected = "0 to 9",
     .set = set_level,
     .arg = "0-9",
     .help = "gen: zlib's compression level"},
    {.name = "key-file",
     .kind = CLI_STRING,
     .offset = AT(key_file),
     .arg = "F",
     .help = "a file holding the secret key"},
    {.name = "help", .kind = CLI_HELP},
    {.name = "version", .kind = CLI_VERSION},
};

static const struct cli_tool tool = {
    "timsig",
    TIMCLIENT_VERSION,
    options,
    sizeof options / sizeof options[0],
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
    "\n",
    "\n"
    "The secret key comes from --key-file F or TIM_SECRET_KEY.\n"
    "Exit codes: 0 made, or valid; 1 invalid; 2 usage.\n"};

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int next;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        cli_help(&tool, stdout);
        return cli_written(&tool);
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", tool.name, tool.version);
        return cli_written(&tool);
    }
    if (argc < 2 || (strcmp(argv[1], "gen") && strcmp(argv[1], "verify")))
        return cli_bad_usage(&tool, "expected 'gen' or 'verify'");
    o->verify = strcmp(argv[1], "verify") == 0;
    o->time = (uint64_t)time(NULL);
    o->expire = 86400;
    o->level = -1;
    int rc = cli_parse(&tool, argc, argv, 2, o, &next);
    if (rc >= 0)
        return rc;
    if (!o->have_app)
        return cli_bad_usage(&tool, "give --sdkappid");
    if (!o->identifier || !o->identifier[0])
        return cli_bad_usage(&tool, "give --identifier");
    if (o->verify) {
        if (next != argc - 1)
            return cli_bad_usage(&tool, "verify takes one USERSIG");
        o->usersig = argv[next];
    } else if (next < argc) {
        return cli_bad_usage(&tool, "unexpected argument '%s'", argv[next]);
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
                              (int64_t)o->time, NULL);
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
        if (usersig_make(key, o.sdkappid, o.identifier, (int64_t)o.time,
                         (int64_t)o.expire, buf, buf ? strlen(o.userbuf) : 0,
                         o.level, &sig) != 0) {
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
    if (cli_written(&tool) != CLI_OK)
        return CLI_USAGE;
    return rc;
}
