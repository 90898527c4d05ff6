/* cli: options, key, numbers and environment for the command-line tools
 * (cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

int cli_read_key(const char *file, char *out, size_t n, char *why,
                 size_t whylen)
{
    if (!file) {
        const char *env = cli_env("TIM_SECRET_KEY");
        if (!env) {
            snprintf(why, whylen,
                     "no secret key: give --key-file FILE or set "
                     "TIM_SECRET_KEY");
            return -1;
        }
        if (strlen(env) >= n) {
            snprintf(why, whylen, "TIM_SECRET_KEY is too long");
            return -1;
        }
        snprintf(out, n, "%s", env);
        trim(out);
        return 0;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(why, whylen, "%s: %s", file, strerror(errno));
        return -1;
    }
    size_t got = fread(out, 1, n - 1, f);
    int too_long = got == n - 1 && fgetc(f) != EOF;
    int failed = ferror(f) ? errno : 0; /* a directory, an I/O error */
    fclose(f);
    out[got] = '\0';
    if (failed) {
        snprintf(why, whylen, "%s: %s", file, strerror(failed));
        memset(out, 0, n);
        return -1;
    }
    trim(out);
    if (too_long || !out[0] || strlen(out) != strcspn(out, "\r\n")) {
        snprintf(why, whylen, "%s: %s", file,
                 too_long ? "too long for a secret key"
                          : "expected one line holding the secret key");
        memset(out, 0, n);
        return -1;
    }
    return 0;
}

int cli_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *cli_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

#define HELP_COLUMN 21  /* where an option's help starts */
#define OPTIONS_MAX 32  /* rows a table may have */
#define OPTION_VAL  256 /* getopt_long's value for row i: OPTION_VAL + i */

void cli_help(const struct cli_tool *t, FILE *f)
{
    fputs(t->usage, f);
    for (size_t i = 0; i < t->n_options; i++) {
        const struct cli_option *o = &t->options[i];
        if (!o->help)
            continue;
        int n = fprintf(f, "  --%s%s%s", o->name, o->arg ? " " : "",
                        o->arg ? o->arg : "");
        fprintf(f, "%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 1, "");
        for (const char *h = o->help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n')
                fprintf(f, "%*s", HELP_COLUMN, "");
        }
        fputc('\n', f);
    }
    fputs(t->notes, f);
}

int cli_written(const struct cli_tool *t)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return CLI_OK;
    fprintf(stderr, "%s: stdout: %s\n", t->name,
            strerror(errno ? errno : EIO)); /* EIO: an earlier write failed */
    return CLI_USAGE;
}

int cli_bad_usage(const struct cli_tool *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", t->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry '%s --help'.\n", t->name);
    va_end(ap);
    return CLI_USAGE;
}

/* Reads one option's argument into opts; -1 to go on, else the exit code. */
static int take(const struct cli_tool *t, const struct cli_option *o,
                const char *arg, void *opts)
{
    char *at = (char *)opts + o->offset;
    uint64_t number = 0;
    switch (o->kind) {
    case CLI_HELP:
        cli_help(t, stdout);
        return cli_written(t);
    case CLI_VERSION:
        printf("%s %s\n", t->name, t->version);
        return cli_written(t);
    case CLI_FLAG:
        if (!o->set)
            *(int *)at = 1;
        break;
    case CLI_STRING:
        if (!o->set)
            *(const char **)at = arg;
        break;
    case CLI_NUMBER:
        if (cli_u64(arg, o->min, o->max, &number) != 0)
            return cli_bad_usage(t, "--%s: expected %s, got '%s'", o->name,
                                 o->expected, arg);
        if (!o->set)
            *(uint64_t *)at = number;
        break;
    case CLI_CHOICE:
        while (o->choices[number] && strcmp(o->choices[number], arg) != 0)
            number++;
        if (!o->choices[number])
            return cli_bad_usage(t, "--%s: expected %s, got '%s'", o->name,
                                 o->expected, arg);
        if (!o->set)
            *(int *)at = (int)number;
        break;
    }
    if (o->set)
        o->set(opts, arg, number);
    return -1;
}

int cli_parse(const struct cli_tool *t, int argc, char **argv, int first,
              void *opts, int *next)
{
    struct option longopts[OPTIONS_MAX + 1];
    int c;
    if (t->n_options > OPTIONS_MAX) {
        fprintf(stderr, "%s: more than %d options\n", t->name, OPTIONS_MAX);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < t->n_options; i++) {
        enum cli_kind k = t->options[i].kind;
        longopts[i] =
            (struct option){t->options[i].name,
                            k == CLI_FLAG || k == CLI_HELP || k == CLI_VERSION
                                ? no_argument
                                : required_argument,
                            NULL, OPTION_VAL + (int)i};
    }
    longopts[t->n_options] = (struct option){NULL, 0, NULL, 0};
    optind = first;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc;
        if (c < OPTION_VAL || c >= OPTION_VAL + (int)t->n_options)
            return cli_bad_usage(t, "unknown or incomplete option '%s'",
                                 argv[optind - 1]);
        rc = take(t, &t->options[c - OPTION_VAL], optarg, opts);
        if (rc >= 0)
            return rc;
    }
    *next = optind;
    return -1;
}
