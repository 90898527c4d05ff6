/* request: the query string and the JSON body of a call (request.h). */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "jsonint.h"
#include "percent.h"
#include "store.h"

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

static const char *const field_names[BF_COUNT] = {"Limit", "Next", "GroupType",
                                                  "Offset", "Type"};

/* The field a member's name (its raw JSON string, quotes included) names
 * exactly, or in another case (*wrong_case set); -1 for any other name. */
static int field_of(const char *raw, size_t n, int *wrong_case)
{
    char name[16];
    long len = jsonint_string(raw, n, name, sizeof name);
    *wrong_case = 0;
    if (len < 0 || (size_t)len != strlen(name))
        return -1; /* longer than any field's name, or holds a NUL */
    for (int f = 0; f < BF_COUNT; f++) {
        if (strcmp(name, field_names[f]) == 0)
            return f;
        if (strcasecmp(name, field_names[f]) == 0) {
            *wrong_case = 1;
            return f;
        }
    }
    return -1;
}

int body_view(const char *body, size_t n, struct body_view *v)
{
    static const char bom[] = "\xef\xbb\xbf";
    memset(v, 0, sizeof *v);
    if (n >= 3 && memcmp(body, bom, 3) == 0) {
        body += 3;
        n -= 3;
    }
    /* one decision on the text: bounded nesting, then strict JSON */
    if (!jsonint_depth_ok(body, n, JSON_DEPTH_MAX) || !jsonint_valid(body, n))
        return -1;
    size_t pos = 0;
    const char *name, *val;
    size_t namelen, vallen;
    if (!jsonint_object(body, n))
        return -1;
    while (jsonint_member_next(body, n, &pos, &name, &namelen, &val, &vallen)) {
        int wrong;
        int f = field_of(name, namelen, &wrong);
        if (f < 0)
            continue;
        if (wrong) {
            v->wrong_case |= 1u << f;
            continue;
        }
        if (v->present & (1u << f))
            continue; /* the first occurrence wins */
        v->present |= 1u << f;
        v->raw[f] = val;
        v->rawlen[f] = vallen;
        if (vallen == 4 && memcmp(val, "null", 4) == 0)
            v->null |= 1u << f;
    }
    return 0;
}

static int bad(char *why, size_t whylen, const char *text)
{
    snprintf(why, whylen, "%s", text);
    return TIM_ERR_BAD_PARAM;
}

/* Is field f there, and not a null that counts as absent? */
static int given(const struct body_view *v, enum body_field f,
                 const struct body_rules *r)
{
    unsigned bit = 1u << f;
    return (v->present & bit) && (r->null_is_error || !(v->null & bit));
}

int body_parse(const char *body, size_t n, const struct body_rules *rules,
               struct body *out, char *why, size_t whylen,
               struct body_view *seen)
{
    static const struct body_rules defaults = {0, 0, 0};
    struct body b = {.limit = BODY_LIMIT_MAX, .type = GT_ALL};
    struct body_view v;
    uint64_t u;
    if (!rules)
        rules = &defaults;
    int viewed = body_view(body, n, &v);
    if (seen)
        *seen = v;
    if (viewed != 0) {
        snprintf(why, whylen, "%s", tim_error_text(TIM_ERR_BAD_JSON));
        return TIM_ERR_BAD_JSON;
    }
    if (given(&v, BF_LIMIT, rules)) {
        if (jsonint_parse_u64(v.raw[BF_LIMIT], v.rawlen[BF_LIMIT], &u) ||
            u == 0 || u > BODY_LIMIT_MAX)
            return bad(why, whylen,
                       "invalid parameter: Limit must be an integer from 1 "
                       "to 10000");
        b.limit = (uint32_t)u;
    }
    if (given(&v, BF_NEXT, rules)) {
        if (jsonint_parse_u64(v.raw[BF_NEXT], v.rawlen[BF_NEXT], &b.next))
            return bad(why, whylen,
                       "invalid parameter: Next must be an integer from 0 to "
                       "18446744073709551615");
        b.has_next = 1;
    }
    if (given(&v, BF_GROUPTYPE, rules)) {
        char name[16];
        long len = jsonint_string(v.raw[BF_GROUPTYPE], v.rawlen[BF_GROUPTYPE],
                                  name, sizeof name);
        int empty_ok = len == 0 && !rules->empty_type_is_error;
        int type =
            len > 0 ? group_type_parse(name, (size_t)len, rules->console_names)
                    : -1;
        if (!empty_ok && type < 0)
            return bad(why, whylen,
                       "invalid parameter: GroupType must be one of Public, "
                       "Private, ChatRoom, AVChatRoom, BChatRoom, Community");
        b.type = empty_ok ? GT_ALL : type; /* "" is no filter */
    }
    *out = b;
    return TIM_ERR_OK;
}
