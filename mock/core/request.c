/* request: the query string and the JSON body of a call (request.h). */
#include "request.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "jsonint.h"
#include "store.h"

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

/* Decodes n bytes of s into out; returns the decoded length.  A '%' not
 * followed by two hex digits is kept as it is. */
static size_t percent_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
            hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
    return o;
}

static char **query_slot(struct query *q, const char *name, size_t n)
{
    static const struct {
        const char *name;
        size_t offset;
    } slots[] = {
        {"sdkappid", offsetof(struct query, sdkappid)},
        {"identifier", offsetof(struct query, identifier)},
        {"usersig", offsetof(struct query, usersig)},
        {"random", offsetof(struct query, random)},
        {"contenttype", offsetof(struct query, contenttype)},
    };
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        if (strlen(slots[i].name) == n && memcmp(slots[i].name, name, n) == 0)
            return (char **)((char *)q + slots[i].offset);
    return NULL;
}

int query_parse(const char *query, struct query *q)
{
    memset(q, 0, sizeof *q);
    size_t len = query ? strlen(query) : 0;
    q->storage = malloc(len + 1);
    if (!q->storage)
        return -1;
    char *out = q->storage;
    const char *p = query ? query : "";
    while (*p) {
        size_t plen = strcspn(p, "&");
        const char *eq = memchr(p, '=', plen);
        size_t nlen = eq ? (size_t)(eq - p) : plen;
        char **slot = query_slot(q, p, nlen);
        if (slot && !*slot) {
            const char *v = eq ? eq + 1 : p + plen;
            size_t vlen = (size_t)(p + plen - v);
            *slot = out;
            out += percent_decode(v, vlen, out) + 1;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    return 0;
}

char *query_get(const char *query, const char *name, char *out, size_t n)
{
    size_t nlen = strlen(name);
    for (const char *p = query ? query : ""; *p;) {
        size_t plen = strcspn(p, "&");
        if (plen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = plen - nlen - 1;
            char *tmp = malloc(vlen + 1);
            if (!tmp)
                return NULL;
            percent_decode(p + nlen + 1, vlen, tmp);
            snprintf(out, n, "%s", tmp);
            free(tmp);
            return out;
        }
        p += plen + (p[plen] == '&');
    }
    return NULL;
}

void query_release(struct query *q)
{
    free(q->storage);
    memset(q, 0, sizeof *q);
}

int query_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The body must be valid JSON with nothing after the value but space. */
static cJSON *parse_json(const char *body, size_t n)
{
    const char *end = NULL;
    if (n == 0 || memchr(body, '\0', n))
        return NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, n, &end, 0);
    if (!root)
        return NULL;
    for (; end && end < body + n; end++)
        if (!strchr(" \t\r\n", *end)) {
            cJSON_Delete(root);
            return NULL;
        }
    return root;
}

static int bad(char *why, size_t whylen, const char *text)
{
    snprintf(why, whylen, "%s", text);
    return TIM_ERR_BAD_PARAM;
}

int body_parse(const char *body, size_t n, int console_names, struct body *out,
               char *why, size_t whylen)
{
    struct body b = {.limit = BODY_LIMIT_MAX, .type = GT_ALL};
    int rc = TIM_ERR_OK;
    const char *raw;
    size_t rawlen;
    uint64_t v;
    cJSON *root = parse_json(body, n);
    if (!cJSON_IsObject(root)) {
        snprintf(why, whylen, "%s", tim_error_text(TIM_ERR_BAD_JSON));
        rc = TIM_ERR_BAD_JSON;
        goto out;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "Limit")) {
        jsonint_member(body, n, "Limit", &raw, &rawlen);
        if (jsonint_parse_u64(raw, rawlen, &v) || v == 0 ||
            v > BODY_LIMIT_MAX) {
            rc = bad(why, whylen,
                     "invalid parameter: Limit must be an integer from 1 to "
                     "10000");
            goto out;
        }
        b.limit = (uint32_t)v;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "Next")) {
        jsonint_member(body, n, "Next", &raw, &rawlen);
        if (jsonint_parse_u64(raw, rawlen, &b.next)) {
            rc = bad(why, whylen,
                     "invalid parameter: Next must be an integer from 0 to "
                     "18446744073709551615");
            goto out;
        }
        b.has_next = 1;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "GroupType");
    if (type) {
        const char *s = cJSON_GetStringValue(type);
        b.type = s ? group_type_parse(s, strlen(s), console_names) : -1;
        if (b.type < 0) {
            rc = bad(why, whylen,
                     "invalid parameter: GroupType must be one of Public, "
                     "Private, ChatRoom, AVChatRoom, BChatRoom, Community");
            goto out;
        }
    }
    *out = b;
out:
    cJSON_Delete(root);
    return rc;
}
