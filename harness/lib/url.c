/* url: building and redacting REST call URLs (url.h). */
#include "url.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

int url_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t need = unreserved(c) ? 1 : 3;
        if (o + need >= n)
            return -1;
        if (need == 1) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (o >= n)
        return -1;
    out[o] = '\0';
    return (int)o;
}

int url_build(char *out, size_t n, const char *base, const char *service,
              const char *command, uint64_t sdkappid, const char *identifier,
              const char *usersig, uint32_t random)
{
    char id[1024], sig[8192];
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    if (url_escape(identifier, id, sizeof id) < 0 ||
        url_escape(usersig, sig, sizeof sig) < 0)
        return -1;
    int len = snprintf(
        out, n,
        "%.*s/v4/%s/%s?sdkappid=%" PRIu64
        "&identifier=%s&usersig=%s&random=%" PRIu32 "&contenttype=json",
        (int)blen, base, service, command, sdkappid, id, sig, random);
    return len < 0 || (size_t)len >= n ? -1 : len;
}

void url_redact(const char *url, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0)
        return;
    /* copies url, replacing the value of every usersig parameter */
    for (const char *p = url; *p && o + 1 < n;) {
        int at_param = (p == url || p[-1] == '?' || p[-1] == '&');
        if (at_param && strncmp(p, "usersig=", 8) == 0) {
            int k = snprintf(out + o, n - o, "usersig=REDACTED");
            o = k < 0 || (size_t)k >= n - o ? n - 1 : o + (size_t)k;
            p += 8 + strcspn(p + 8, "&#");
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}
