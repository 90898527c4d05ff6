/* percent: the one percent-decoder of query strings (percent.h). */
#include "percent.h"

#include <string.h>

#include "jsonint.h"

/* The next byte at or after s[i] that is c, or NULL: at, the last answer,
 * is searched again only once i has passed it, so that a text is scanned
 * once for each of '%' and '+' however many escapes it holds. */
static const char *next_of(const char *s, size_t i, size_t n, char c,
                           const char *at)
{
    return at && at < s + i ? memchr(s + i, c, n - i) : at;
}

size_t percent_decode(const char *s, size_t n, char *out)
{
    size_t o = 0, i = 0;
    const char *pct = memchr(s, '%', n), *plus = memchr(s, '+', n);
    while (i < n) {
        /* the run of bytes that stand for themselves is copied at once */
        pct = next_of(s, i, n, '%', pct);
        plus = next_of(s, i, n, '+', plus);
        const char *stop = pct ? pct : s + n;
        if (plus && plus < stop)
            stop = plus;
        size_t run = (size_t)(stop - (s + i));
        memcpy(out + o, s + i, run);
        o += run;
        i += run;
        if (i == n)
            break;
        int hi = s[i] == '%' && n - i > 2 ? jsonint_hexval(s[i + 1]) : -1;
        int lo = hi >= 0 ? jsonint_hexval(s[i + 2]) : -1;
        if (lo >= 0 && (hi || lo)) {
            out[o++] = (char)(hi * 16 + lo);
            i += 3;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
            i++;
        }
    }
    out[o] = '\0';
    return o;
}
