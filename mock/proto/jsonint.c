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

size_t jsonint_skip_ws(const char *s, size_t n, size_t i)
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

int jsonint_hexval(char c)
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
                    int h = i < end ? jsonint_hexval(s[i++]) : -1;
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

int jsonint_object(const char *json, size_t n)
{
    size_t i = jsonint_skip_ws(json, n, 0);
    return i < n && json[i] == '{';
}

/* Where the next item of the object or array that opens with `open` at the
 * text's start begins: pos is 0 for the first item, else just past the
 * previous one.  n when the text does not open with `open`. */
static size_t item_start(const char *s, size_t n, size_t pos, char open)
{
    size_t i = pos;
    if (i == 0) {
        i = jsonint_skip_ws(s, n, 0);
        if (i >= n || s[i] != open)
            return n;
        i++;
    }
    i = jsonint_skip_ws(s, n, i);
    if (i < n && s[i] == ',')
        i = jsonint_skip_ws(s, n, i + 1);
    return i;
}

/* The value that starts at s[start]: stores where it ends, without
 * trailing whitespace, in *end, and returns the index just past it. */
static size_t value_span(const char *s, size_t n, size_t start, size_t *end)
{
    size_t i = skip_value(s, n, start), e = i;
    while (e > start && strchr(" \t\n\r", s[e - 1]))
        e--;
    *end = e;
    return i;
}

int jsonint_member_next(const char *json, size_t n, size_t *pos,
                        const char **name, size_t *namelen, const char **val,
                        size_t *vlen)
{
    size_t i = item_start(json, n, *pos, '{'), end;
    if (i >= n || json[i] != '"')
        return 0;
    size_t start = i;
    i = skip_string(json, n, i);
    *name = json + start;
    *namelen = i - start;
    i = jsonint_skip_ws(json, n, i);
    if (i >= n || json[i] != ':')
        return 0;
    start = jsonint_skip_ws(json, n, i + 1);
    *pos = value_span(json, n, start, &end);
    *val = json + start;
    *vlen = end - start;
    return 1;
}

int jsonint_members(const char *json, size_t n, const char *const *keys,
                    size_t n_keys, const char **vals, size_t *vlens)
{
    size_t found = 0, pos = 0, namelen, vlen;
    const char *name, *val;
    for (size_t k = 0; k < n_keys; k++)
        vals[k] = NULL;
    while (found < n_keys &&
           jsonint_member_next(json, n, &pos, &name, &namelen, &val, &vlen)) {
        for (size_t k = 0; k < n_keys; k++) {
            if (vals[k] || namelen < 2 ||
                !name_equals(json, (size_t)(name - json) + 1,
                             (size_t)(name - json) + namelen - 1, keys[k]))
                continue;
            vals[k] = val;
            vlens[k] = vlen;
            found++;
            break;
        }
    }
    return (int)found;
}

int jsonint_member(const char *json, size_t n, const char *key,
                   const char **val, size_t *vlen)
{
    const char *v;
    size_t len;
    if (jsonint_members(json, n, &key, 1, &v, &len) != 1)
        return 0;
    *val = v;
    *vlen = len;
    return 1;
}

int jsonint_depth_ok(const char *json, size_t n, int max)
{
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < n; i++) {
        char c = json[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return 0;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

/* ---- a strict validator: recursive descent over the RFC 8259 grammar */

struct scan {
    const char *s;
    size_t n, i;
    int depth;
};

static int scan_value(struct scan *sc);

static void scan_ws(struct scan *sc)
{
    sc->i = jsonint_skip_ws(sc->s, sc->n, sc->i);
}

/* ---- the one lexer of scalar tokens (jsonint_scalar) */

static size_t lex_literal(const char *s, size_t n, size_t i, const char *word)
{
    size_t len = strlen(word);
    return n - i >= len && memcmp(s + i, word, len) == 0 ? i + len : 0;
}

static size_t lex_digits(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* RFC 8259 number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static size_t lex_number(const char *s, size_t n, size_t i)
{
    size_t j;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if ((j = lex_digits(s, n, i)) > i)
        i = j;
    else
        return 0;
    if (i < n && s[i] == '.') {
        if ((j = lex_digits(s, n, i + 1)) == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((j = lex_digits(s, n, i)) == i)
            return 0;
        i = j;
    }
    return i;
}

/* The four hex digits after the 'u' at s[i], as a number, or -1. */
static long lex_hex4(const char *s, size_t n, size_t i)
{
    long v = 0;
    if (n - i < 5)
        return -1;
    for (size_t k = 1; k <= 4; k++) {
        int h = jsonint_hexval(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A \u escape whose 'u' is at s[i]: the index of its last byte, or 0.  A
 * surrogate must come as a high one followed at once by an escaped low
 * one, so that every string unescapes to UTF-8 (RFC 8259 section 8.2;
 * cJSON refuses the rest too). */
static size_t lex_escape_u(const char *s, size_t n, size_t i)
{
    long cp = lex_hex4(s, n, i);
    if (cp < 0 || (cp >= 0xdc00 && cp < 0xe000))
        return 0;
    if (cp < 0xd800 || cp >= 0xdc00)
        return i + 4;
    if (n - i < 7 || s[i + 5] != '\\' || s[i + 6] != 'u')
        return 0;
    long lo = lex_hex4(s, n, i + 6);
    return lo >= 0xdc00 && lo < 0xe000 ? i + 10 : 0;
}

/* A string token at s[i] == '"'; *escaped: whether it holds an escape. */
static size_t lex_string(const char *json, size_t n, size_t i, int *escaped)
{
    const unsigned char *s = (const unsigned char *)json;
    for (i++; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (c == '"')
            return i + 1;
        if (c < 0x20 || ++i >= n)
            return 0;
        *escaped = 1;
        c = s[i];
        if (c == 'u') {
            if (!(i = lex_escape_u(json, n, i)))
                return 0;
        } else if (c == 0 || !strchr("\"\\/bfnrt", c)) {
            return 0;
        }
    }
    return 0;
}

size_t jsonint_scalar(const char *s, size_t n, size_t i, int *escaped)
{
    int esc = 0;
    size_t end = 0;
    if (i >= n)
        return 0;
    switch (s[i]) {
    case '"':
        end = lex_string(s, n, i, &esc);
        break;
    case 't':
        end = lex_literal(s, n, i, "true");
        break;
    case 'f':
        end = lex_literal(s, n, i, "false");
        break;
    case 'n':
        end = lex_literal(s, n, i, "null");
        break;
    default:
        end = lex_number(s, n, i);
    }
    if (escaped)
        *escaped = esc;
    return end;
}

/* The scalar token at sc->i, which must start with first (0: any). */
static int scan_scalar(struct scan *sc, char first)
{
    size_t end = sc->i < sc->n && (!first || sc->s[sc->i] == first)
                     ? jsonint_scalar(sc->s, sc->n, sc->i, NULL)
                     : 0;
    sc->i = end ? end : sc->i;
    return end != 0;
}

/* Members of an object or elements of an array, after the opening mark. */
static int scan_items(struct scan *sc, char close, int members)
{
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == close) {
        sc->i++;
        return 1;
    }
    for (;;) {
        scan_ws(sc);
        if (members) {
            if (!scan_scalar(sc, '"'))
                return 0;
            scan_ws(sc);
            if (sc->i >= sc->n || sc->s[sc->i++] != ':')
                return 0;
        }
        if (!scan_value(sc))
            return 0;
        scan_ws(sc);
        if (sc->i >= sc->n)
            return 0;
        char c = sc->s[sc->i++];
        if (c == close)
            return 1;
        if (c != ',')
            return 0;
    }
}

static int scan_value(struct scan *sc)
{
    scan_ws(sc);
    if (sc->i >= sc->n)
        return 0;
    switch (sc->s[sc->i]) {
    case '{':
    case '[': {
        int members = sc->s[sc->i] == '{';
        if (++sc->depth > 128)
            return 0;
        sc->i++;
        int ok = scan_items(sc, members ? '}' : ']', members);
        sc->depth--;
        return ok;
    }
    default:
        return scan_scalar(sc, 0);
    }
}

int jsonint_valid(const char *json, size_t n)
{
    struct scan sc = {json, n, 0, 0};
    if (!scan_value(&sc))
        return 0;
    scan_ws(&sc);
    return sc.i == n;
}

int jsonint_element(const char *arr, size_t n, size_t *pos, const char **el,
                    size_t *ellen)
{
    size_t start = item_start(arr, n, *pos, '['), end;
    if (start >= n || arr[start] == ']')
        return 0;
    *pos = value_span(arr, n, start, &end);
    *el = arr + start;
    *ellen = end - start;
    return 1;
}

/* Appends code point cp as UTF-8; returns the bytes written or -1. */
static int put_utf8(char *out, size_t room, unsigned long cp)
{
    unsigned char b[4];
    int len;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        len = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 4;
    }
    if ((size_t)len > room)
        return -1;
    memcpy(out, b, (size_t)len);
    return len;
}

static unsigned long hex4(const char *s)
{
    unsigned long v = 0;
    for (int k = 0; k < 4; k++)
        v = v * 16 + (unsigned long)jsonint_hexval(s[k]);
    return v;
}

long jsonint_string(const char *raw, size_t n, char *out, size_t outsize)
{
    if (n < 2 || raw[0] != '"' || raw[n - 1] != '"' || outsize == 0)
        return -1;
    size_t o = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        char c = raw[i];
        if (c != '\\') {
            if (o + 1 >= outsize)
                return -1;
            out[o++] = c;
            continue;
        }
        c = raw[++i];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
            if (o + 1 >= outsize)
                return -1;
            out[o++] = to[k - from];
            continue;
        }
        if (c != 'u' || i + 4 >= n)
            return -1;
        unsigned long cp = hex4(raw + i + 1);
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
            unsigned long lo = hex4(raw + i + 3);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }
        int len = put_utf8(out + o, outsize - o - 1, cp);
        if (len < 0)
            return -1;
        o += (size_t)len;
    }
    out[o] = '\0';
    return (long)o;
}
