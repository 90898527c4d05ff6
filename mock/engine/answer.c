/* answer: the JSON answers written into one buffer (answer.h). */
#include "answer.h"

#include <string.h>

#include "errors.h"

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

/* The one JSON string writer: runs of bytes that need no escape are copied
 * at once (the answer's hot path); with utf8 set, a byte that does not
 * start a valid UTF-8 sequence becomes U+FFFD. */
static int json_string(struct buf *b, const char *s, size_t n, int utf8)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    if (buf_append(b, "\"", 1))
        return -1;
    size_t run = 0; /* bytes that need no escape, not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !utf8)) {
            run++;
            i++;
            continue;
        }
        size_t len = c >= 0x80 ? utf8_len(u, n, i) : 1;
        if (c >= 0x80 && len) { /* valid UTF-8: copied as it is */
            run += len;
            i += len;
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
        if (buf_append(b, s + i - run, run) || buf_append(b, esc, esc_len))
            return -1;
        run = 0;
        i++;
    }
    if (buf_append(b, s + n - run, run))
        return -1;
    return buf_append(b, "\"", 1);
}

int answer_json_string(struct buf *b, const char *s, size_t n)
{
    return json_string(b, s, n, 0);
}

int answer_json_text(struct buf *b, const char *s, size_t n)
{
    return json_string(b, s, n, 1);
}

/* The members an answer may have, and the orders they come in. */
enum member { M_ACTION, M_INFO, M_CODE, M_TOTAL, M_LIST, M_NEXT, M_REQID };

static const enum member doc_order[] = {M_ACTION, M_INFO, M_CODE, M_TOTAL,
                                        M_LIST,   M_NEXT, M_REQID};
static const enum member error_order[] = {M_ACTION, M_CODE, M_INFO, M_REQID};
static const enum member v1_error_order[] = {M_ACTION, M_INFO, M_CODE, M_REQID};
static const enum member alphabetical[] = {M_ACTION, M_CODE,  M_INFO, M_LIST,
                                           M_NEXT,   M_REQID, M_TOTAL};

/* One answer being written. */
struct answer {
    struct buf *b;
    const struct envelope *env;
    const char *request_id;
    int code;
    const char *info;
    const struct page *p; /* NULL for an error */
    int with_next;
    int first; /* no member written yet */
};

static int write_ids(struct buf *b, const struct page *p)
{
    static const char item[] = "{\"GroupId\":";
    if (buf_append(b, "[", 1))
        return -1;
    for (size_t i = 0; i < p->count; i++) {
        size_t n;
        const char *id = groupset_id(p->gs, page_group(p, i), &n);
        if ((i && buf_append(b, ",", 1)) ||
            buf_append(b, item, sizeof item - 1) ||
            answer_json_string(b, id, n) || buf_append(b, "}", 1))
            return -1;
    }
    return buf_append(b, "]", 1);
}

/* Writes member m if this answer has it. */
static int write_member(struct answer *a, enum member m)
{
    static const char *const names[] = {
        "ActionStatus", "ErrorInfo", "ErrorCode", "TotalCount",
        "GroupIdList",  "Next",      "RequestId"};
    const struct envelope *e = a->env;
    int has = 1;
    switch (m) {
    case M_ACTION:
        has = !e->omit_action_status;
        break;
    case M_INFO:
        has = a->p ? !e->omit_error_info_on_success : 1;
        break;
    case M_TOTAL:
    case M_LIST:
        has = a->p != NULL;
        break;
    case M_NEXT:
        has = a->p && a->with_next;
        break;
    case M_REQID:
        has = e->request_id && a->request_id;
        break;
    case M_CODE:
        break;
    }
    if (!has)
        return 0;
    if (buf_puts(a->b, a->first ? "{\"" : ",\"") || buf_puts(a->b, names[m]) ||
        buf_append(a->b, "\":", 2))
        return -1;
    a->first = 0;
    switch (m) {
    case M_ACTION:
        return buf_puts(a->b, a->p ? "\"OK\"" : "\"FAIL\"");
    case M_INFO:
        return answer_json_string(a->b, a->info, strlen(a->info));
    case M_CODE:
        return buf_printf(a->b, "%d", a->code);
    case M_TOTAL:
        return buf_put_u64(a->b, a->p->total);
    case M_LIST:
        return write_ids(a->b, a->p);
    case M_NEXT:
        return buf_put_u64(a->b, a->p->next);
    case M_REQID:
        return answer_json_string(a->b, a->request_id, strlen(a->request_id));
    }
    return -1;
}

static int write_answer(struct answer *a)
{
    const enum member *order = a->p ? doc_order : error_order;
    size_t n = a->p ? sizeof doc_order / sizeof doc_order[0]
                    : sizeof error_order / sizeof error_order[0];
    if (a->env->alphabetical) {
        order = alphabetical;
        n = sizeof alphabetical / sizeof alphabetical[0];
    } else if (!a->p && a->env->error_info_before_code) {
        order = v1_error_order;
        n = sizeof v1_error_order / sizeof v1_error_order[0];
    }
    buf_reset(a->b);
    for (size_t i = 0; i < n; i++)
        if (write_member(a, order[i]))
            goto fail;
    if (buf_append(a->b, a->first ? "{}" : "}", a->first ? 2 : 1) == 0)
        return 0;
fail:
    buf_reset(a->b);
    return -1;
}

static const struct envelope default_envelope;

int answer_success(struct buf *b, const struct page *p, int with_next,
                   const struct answer_style *st)
{
    struct answer a = {b,
                       st && st->env ? st->env : &default_envelope,
                       st ? st->request_id : NULL,
                       0,
                       "",
                       p,
                       with_next,
                       1};
    return write_answer(&a);
}

int answer_error(struct buf *b, int code, const char *info,
                 const struct answer_style *st)
{
    struct answer a = {b,
                       st && st->env ? st->env : &default_envelope,
                       st ? st->request_id : NULL,
                       code,
                       info ? info : tim_error_text(code),
                       NULL,
                       0,
                       1};
    return write_answer(&a);
}
