/*
 * cli: what the command-line tools share: reading the secret key (from a
 * file or TIM_SECRET_KEY, never from the command line), numbers, and the
 * exit codes.
 */
#ifndef TIM_CLI_H
#define TIM_CLI_H

#include <stddef.h>
#include <stdint.h>

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

#endif
