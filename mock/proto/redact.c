/* redact: query strings with their secrets taken out (redact.h). */
#include "redact.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "percent.h"
#include "usersig.h"

/* Appends s[0..n) to out, cut to fit. */
static void put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (size == 0 || *len >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

/* The shortest text that can decode to a UserSig document. */
#define REDACT_SIG_MIN 16

/* 1 when the parameter name[0..nn) = value[0..vn) holds a secret. */
static int secret(const char *name, size_t nn, const char *value, size_t vn)
{
    static const char usersig[] = "usersig";
    char small[32], *v;
    int found;
    if (vn == 0)
        return 0;
    /* "usersig" encoded takes at most 3 bytes a letter */
    if (nn <= 3 * (sizeof usersig - 1) &&
        percent_decode(name, nn, small) == sizeof usersig - 1 &&
        strcasecmp(small, usersig) == 0)
        return 1;
    /* a UserSig is zlib (6 bytes of frame) holding at least "TLS.sig" (7),
     * in base64: a value under 16 characters cannot hold one */
    if (vn < REDACT_SIG_MIN)
        return 0;
    if (!(v = malloc(vn + 1)))
        return 1; /* cannot tell: keep nothing */
    percent_decode(value, vn, v);
    found = usersig_holds_sig(v);
    free(v);
    return found;
}

void redact_query(const char *q, size_t n, char *out, size_t size, size_t *len)
{
    size_t i = 0;
    while (i < n) {
        const char *p = q + i, *amp = memchr(p, '&', n - i);
        size_t plen = amp ? (size_t)(amp - p) : n - i;
        const char *eq = memchr(p, '=', plen);
        if (eq &&
            secret(p, (size_t)(eq - p), eq + 1, plen - (size_t)(eq - p) - 1)) {
            put(out, size, len, p, (size_t)(eq - p) + 1);
            put(out, size, len, REDACT_TEXT, sizeof REDACT_TEXT - 1);
        } else if (!eq && secret("", 0, p, plen)) { /* a bare UserSig */
            put(out, size, len, REDACT_TEXT, sizeof REDACT_TEXT - 1);
        } else {
            put(out, size, len, p, plen);
        }
        i += plen;
        if (i < n) /* the '&' */
            put(out, size, len, q + i++, 1);
    }
}
