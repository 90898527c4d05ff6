/* percent: the one percent-decoder of query strings (percent.h). */
#include "percent.h"

#include <string.h>

#include "jsonint.h"

size_t percent_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        /* a run of bytes that stand for themselves is copied at once */
        size_t run = 0;
        while (i + run < n && s[i + run] != '%' && s[i + run] != '+')
            run++;
        if (run) {
            memcpy(out + o, s + i, run);
            o += run;
            i += run;
            if (i == n)
                break;
        }
        int hi = s[i] == '%' && n - i > 2 ? jsonint_hexval(s[i + 1]) : -1;
        int lo = hi >= 0 ? jsonint_hexval(s[i + 2]) : -1;
        if (lo >= 0 && (hi || lo)) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
    return o;
}
