/* answer: the JSON answers written into one buffer (answer.h). */
#include "answer.h"

#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "jsonesc.h"

/* The one JSON string writer (jsonesc.h), quotes around it: the escaped
 * length is counted first, so the buffer is left as it was when the string
 * does not fit. */
static int json_string(struct buf *b, const char *s, size_t n, int text)
{
    size_t len = jsonesc(NULL, s, n, text);
    if (len > SIZE_MAX - 2 || buf_reserve(b, len + 2) != 0)
        return -1;
    char *at = b->data + b->len;
    at[0] = '"';
    jsonesc(at + 1, s, n, text);
    at[len + 1] = '"';
    b->len += len + 2;
    b->data[b->len] = '\0';
    return 0;
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
    int first;       /* no member written yet */
    size_t items_at; /* where in b the page's items go */
};

/* The list's brackets; the items between them are the page's slice of
 * rendered items, not copied: their place in b is noted in items_at. */
static int write_ids(struct answer *a)
{
    if (buf_append(a->b, "[", 1))
        return -1;
    a->items_at = a->b->len;
    return buf_append(a->b, "]", 1);
}

/* Writes member m if this answer has it. */
static int write_member(struct answer *a, enum member m)
{
    static const char *const names[] = {
        ",\"ActionStatus\":", ",\"ErrorInfo\":",   ",\"ErrorCode\":",
        ",\"TotalCount\":",   ",\"GroupIdList\":", ",\"Next\":",
        ",\"RequestId\":"};
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
    /* the first member's comma is the object's brace */
    size_t at = a->b->len;
    if (buf_puts(a->b, names[m]))
        return -1;
    if (a->first)
        a->b->data[at] = '{';
    a->first = 0;
    switch (m) {
    case M_ACTION:
        return buf_puts(a->b, a->p ? "\"OK\"" : "\"FAIL\"");
    case M_INFO:
        return answer_json_string(a->b, a->info, strlen(a->info));
    case M_CODE:
        return a->code >= 0 ? buf_put_u64(a->b, (uint64_t)a->code)
                            : buf_printf(a->b, "%d", a->code);
    case M_TOTAL:
        return buf_put_u64(a->b, a->p->total);
    case M_LIST:
        return write_ids(a);
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
                   const struct answer_style *st, size_t *items_at)
{
    struct answer a = {b,
                       st && st->env ? st->env : &default_envelope,
                       st ? st->request_id : NULL,
                       0,
                       "",
                       p,
                       with_next,
                       1,
                       0};
    /* the limit of the answer is one of its head and tail, less the items */
    size_t cap = b->cap;
    if (p->items_len > cap) {
        buf_reset(b);
        return -1;
    }
    b->cap = cap - p->items_len;
    int rc = write_answer(&a);
    b->cap = cap;
    *items_at = a.items_at;
    return rc;
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
                       1,
                       0};
    return write_answer(&a);
}
