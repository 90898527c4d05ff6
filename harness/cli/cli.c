/* cli: key, numbers and environment for the command-line tools (cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
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
    fclose(f);
    out[got] = '\0';
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
