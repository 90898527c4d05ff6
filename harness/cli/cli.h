/*
 * cli: what the command-line tools share: their options as a table (one row
 * an option: its name, how its argument is read and checked, where it goes,
 * its line of help) and the one walker of such tables, reading the secret
 * key (from a file or TIM_SECRET_KEY, never from the command line),
 * numbers, and the exit codes.
 */
#ifndef TIM_CLI_H
#define TIM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    CLI_OK = 0,        /* done */
    CLI_API = 1,       /* the API answered an error (or broke its contract) */
    CLI_USAGE = 2,     /* bad usage */
    CLI_TRANSPORT = 3, /* the network failed: connect, TLS, timeout, HTTP */
    CLI_BOUND = 4      /* the user's bound stopped the work (--max-pages) */
};

/* cli_read_key: the secret key from file (when not NULL) or else from the
 * environment variable TIM_SECRET_KEY, without surrounding white space, into
 * out (size n).  Returns 0, or -1 with a reason in why (size whylen) that
 * never holds the key. */
int cli_read_key(const char *file, char *out, size_t n, char *why,
                 size_t whylen);

/* cli_u64: a decimal number of digits only, in [min, max]; 0 or -1. */
int cli_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* cli_env: the environment variable, or NULL when unset or empty. */
const char *cli_env(const char *name);

/* How an option's argument is read, and what it stores at its offset in the
 * tool's options (unless the row has a set function, which then gets it). */
enum cli_kind {
    CLI_FLAG,    /* no argument; stores int 1 */
    CLI_STRING,  /* stores the argument, const char * (into argv) */
    CLI_NUMBER,  /* digits only, in [min, max] (cli_u64); stores uint64_t */
    CLI_CHOICE,  /* one of choices; stores its index, int */
    CLI_HELP,    /* no argument; prints the help on stdout, exit CLI_OK */
    CLI_VERSION, /* no argument; prints "NAME VERSION", exit CLI_OK */
};

/* One option, a row of a tool's table.  A bad argument is refused with
 * "NAME: --OPTION: expected EXPECTED, got 'ARG'" and exit CLI_USAGE. */
struct cli_option {
    const char *name; /* the long name, without "--" */
    enum cli_kind kind;
    size_t offset;              /* where the value goes (offsetof) */
    uint64_t min, max;          /* CLI_NUMBER's bounds */
    const char *const *choices; /* CLI_CHOICE's names, NULL-ended */
    const char *expected;       /* CLI_NUMBER, CLI_CHOICE: what is taken */
    void (*set)(void *opts, const char *arg, uint64_t number); /* or NULL */
    const char *arg;  /* the argument's name in the help, e.g. "N" */
    const char *help; /* its help, lines joined by '\n'; NULL: no line */
};

/* A command-line tool: its name, version, options, and the help around
 * the options' lines. */
struct cli_tool {
    const char *name, *version;
    const struct cli_option *options;
    size_t n_options;
    const char *usage; /* the help before the options' lines */
    const char *notes; /* and after them */
};

/* cli_help: writes the tool's help to f: usage, one line (or more) per
 * option with help, "  --NAME ARG" then its help from column 21, notes. */
void cli_help(const struct cli_tool *t, FILE *f);

/* cli_written: CLI_OK once everything written to stdout is out, else
 * CLI_USAGE with the reason on stderr ("NAME: stdout: ..."). */
int cli_written(const struct cli_tool *t);

/* cli_bad_usage: writes "NAME: MESSAGE" and "Try 'NAME --help'." to stderr
 * and returns CLI_USAGE. */
__attribute__((format(printf, 2, 3))) int
cli_bad_usage(const struct cli_tool *t, const char *fmt, ...);

/* cli_parse: reads the options of argv[first..argc) by the tool's table
 * into opts (the struct the rows' offsets are in); operands are moved to
 * the end, from *next on.  Returns -1 to go on, or the exit code after the
 * help or version (CLI_OK), or after an unknown option, a missing or bad
 * argument (CLI_USAGE, the reason on stderr).  Not thread-safe (getopt). */
int cli_parse(const struct cli_tool *t, int argc, char **argv, int first,
              void *opts, int *next);

#endif
