/* jsonesc: the one JSON string escaper (jsonesc.h). */
#include "jsonesc.h"

#include <string.h>

/* The length of the valid UTF-8 sequence at s[i] (n bytes in all), or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n, size_t i)
{
    unsigned char c = s[i];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0; /* no overlong 3-byte forms */
    else if (c == 0xed)
        hi = 0x9f; /* no surrogates */
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f; /* nothing past U+10FFFF */
    if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Copies n bytes to out + at unless out is NULL. */
static void put(char *out, size_t at, const void *p, size_t n)
{
    if (out)
        memcpy(out + at, p, n);
}

size_t jsonesc(char *out, const char *s, size_t n, int text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t len = 0, run = 0; /* bytes that need no escape, not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !text)) {
            run++;
            i++;
            continue;
        }
        size_t seq = c >= 0x80 ? utf8_len(u, n, i) : 1;
        if (c >= 0x80 && seq) { /* valid UTF-8: copied as it is */
            run += seq;
            i += seq;
            continue;
        }
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t esc_len = 2;
        if (c >= 0x80) {
            memcpy(esc, "\\ufffd", 6);
            esc_len = 6;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        put(out, len, s + i - run, run);
        len += run;
        put(out, len, esc, esc_len);
        len += esc_len;
        run = 0;
        i++;
    }
    put(out, len, s + n - run, run);
    return len + run;
}
