/* jsonint: exact integers and raw member values in JSON text (jsonint.h). */
#include "jsonint.h"

#include <string.h>

int jsonint_parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Index just past the string that opens at s[i] == '"'. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

/* Index just past the value that starts at s[i]. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (depth == 0)
                return i;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return i;
            if (--depth == 0)
                return i + 1;
        } else if (c == ',' && depth == 0) {
            return i;
        }
        i++;
    }
    return i;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Does the JSON string s[i..end) (quotes excluded) unescape to key? */
static int name_equals(const char *s, size_t i, size_t end, const char *key)
{
    size_t k = 0;
    while (i < end) {
        unsigned c = (unsigned char)s[i++];
        if (c == '\\' && i < end) {
            char e = s[i++];
            switch (e) {
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                c = 0;
                for (int j = 0; j < 4; j++) {
                    int h = i < end ? hexval(s[i++]) : -1;
                    if (h < 0)
                        return 0;
                    c = c * 16 + (unsigned)h;
                }
                /* The names we look for are ASCII: anything else differs. */
                if (c > 0x7f)
                    return 0;
                break;
            }
            default:
                c = (unsigned char)e;
                break;
            }
        }
        if (key[k] == '\0' || (unsigned char)key[k] != c)
            return 0;
        k++;
    }
    return key[k] == '\0';
}

int jsonint_member(const char *json, size_t n, const char *key,
                   const char **val, size_t *vlen)
{
    size_t i = skip_ws(json, n, 0);
    if (i >= n || json[i] != '{')
        return 0;
    i++;
    for (;;) {
        i = skip_ws(json, n, i);
        if (i >= n || json[i] != '"')
            return 0;
        size_t name = i + 1;
        i = skip_string(json, n, i);
        int match = i <= n && i > name && name_equals(json, name, i - 1, key);
        i = skip_ws(json, n, i);
        if (i >= n || json[i] != ':')
            return 0;
        i = skip_ws(json, n, i + 1);
        size_t start = i;
        i = skip_value(json, n, i);
        if (match) {
            size_t end = i;
            while (end > start && strchr(" \t\n\r", json[end - 1]))
                end--;
            *val = json + start;
            *vlen = end - start;
            return 1;
        }
        i = skip_ws(json, n, i);
        if (i >= n || json[i] != ',')
            return 0;
        i++;
    }
}
