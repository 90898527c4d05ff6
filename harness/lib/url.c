/* url: building and redacting REST call URLs (url.h). */
#include "url.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "redact.h"

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
    out[0] = '\0';
    /* the path as it is; the query (up to a fragment) redacted */
    size_t path = strcspn(url, "?");
    if (url[path] == '?')
        path++;
    size_t query = strcspn(url + path, "#");
    size_t k = path < n - 1 ? path : n - 1;
    memcpy(out, url, k);
    out[o = k] = '\0';
    if (k < path)
        return;
    redact_query(url + path, query, out, n, &o);
    const char *rest = url + path + query;
    k = strlen(rest) < n - 1 - o ? strlen(rest) : n - 1 - o;
    memcpy(out + o, rest, k);
    out[o + k] = '\0';
}
