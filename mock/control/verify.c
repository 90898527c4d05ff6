/* verify: expectations checked against journal entries (verify.h). */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "errors.h"
#include "jsonget.h"
#include "store.h"

/* One parsed expectation. */
struct expect {
    int kind;            /* index in kinds[] */
    int type;            /* pulled_all: enum group_type or GT_ALL */
    int error_code;      /* retried_after */
    uint64_t min_wait;   /* retried_after, ms */
    uint32_t deviations; /* no_deviation: the bits that count */
};

/* What one expectation found wrong: the first reasons, and how many. */
struct reasons {
    size_t n;
    char text[VERIFY_REASONS_MAX][192];
};

static void reason(struct reasons *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reason(struct reasons *r, const char *fmt, ...)
{
    if (r->n < VERIFY_REASONS_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->text[r->n], sizeof r->text[r->n], fmt, ap);
        va_end(ap);
    }
    r->n++;
}

/* The input the checks share. */
struct run {
    const struct journal_entry *e;
    size_t n;
    const struct groupset *gs;
};

typedef unsigned long long ull; /* for printf */

static uint64_t asked_next(const struct journal_entry *e)
{
    return e->has_next ? e->next : 0;
}

/* A page served: the api read the body and answered with success. */
static int served(const struct journal_entry *e)
{
    return e->body_read && e->error_code == 0;
}

/* A type's slot in per-type state: GT_ALL gets the last one. */
static int slot_of(int type)
{
    return type >= 0 && type < GT_COUNT ? type : GT_COUNT;
}

/* "Public", or "all types" for GT_ALL. */
static const char *type_label(int type)
{
    return type >= 0 && type < GT_COUNT ? group_type_name(type) : "all types";
}

/* pulled_all: the groupset's groups of a type, by ascending key. */
static size_t type_total(const struct groupset *gs, int type)
{
    if (!gs)
        return 0;
    return type == GT_ALL ? gs->n_groups : gs->n_by_type[type];
}

static uint64_t type_key(const struct groupset *gs, int type, size_t i)
{
    return groupset_key(gs, type, i);
}

/* The first position of the type's groups whose key is above key (or at or
 * above it, with inclusive). */
static size_t key_bound(const struct groupset *gs, int type, uint64_t key,
                        int inclusive)
{
    size_t lo = 0, hi = type_total(gs, type);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k = type_key(gs, type, mid);
        if (inclusive ? k < key : k <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The groups of the type whose key lies in [first, last]. */
static size_t groups_in(const struct groupset *gs, int type, uint64_t first,
                        uint64_t last)
{
    return key_bound(gs, type, last, 0) - key_bound(gs, type, first, 1);
}

struct range {
    uint64_t first, last, seq;
};

static int by_first(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int check_pulled_all(const struct run *run, const struct expect *x,
                            struct reasons *r)
{
    struct range *ranges = malloc((run->n ? run->n : 1) * sizeof *ranges);
    size_t n_ranges = 0, pages = 0;
    uint64_t sum = 0, in_union = 0;
    int overlap = 0;
    if (!ranges)
        return -1;
    for (size_t i = 0; i < run->n; i++) {
        const struct journal_entry *e = &run->e[i];
        if (!served(e) || e->type != x->type)
            continue;
        pages++;
        sum += e->count;
        if (e->count)
            ranges[n_ranges++] =
                (struct range){e->first_key, e->last_key, e->seq};
    }
    qsort(ranges, n_ranges, sizeof *ranges, by_first);

    /* walk the ranges by first key, merging them into their union */
    const struct range *reach = NULL; /* the range that reaches furthest */
    for (size_t i = 0; i < n_ranges; i++) {
        const struct range *g = &ranges[i];
        if (reach && g->first <= reach->last) {
            overlap = 1;
            reason(r, "pages #%llu and #%llu overlap (a group served twice)",
                   (ull)reach->seq, (ull)g->seq);
            if (g->last <= reach->last)
                continue;
            /* count only the part past what the union holds already */
            in_union += groups_in(run->gs, x->type, reach->last + 1, g->last);
        } else {
            in_union += groups_in(run->gs, x->type, g->first, g->last);
        }
        reach = g;
    }

    size_t total = type_total(run->gs, x->type);
    if (!pages)
        reason(r, "no request for %s succeeded", type_label(x->type));
    if (in_union < total)
        reason(r, "%llu groups of %s were never served",
               (ull)(total - in_union), type_label(x->type));
    if (!overlap && sum != in_union)
        reason(r,
               "the pages served %llu groups, but %llu groups of %s lie in "
               "their ranges now (the groups changed during the pull)",
               (ull)sum, (ull)in_union, type_label(x->type));
    free(ranges);
    return 0;
}

static int check_followed_next(const struct run *run, const struct expect *x,
                               struct reasons *r)
{
    /* per type: the Next of the last successful answer, if any */
    struct {
        int known, has;
        uint64_t next;
    } last[GT_COUNT + 1] = {{0}};
    (void)x;
    for (size_t i = 0; i < run->n; i++) {
        const struct journal_entry *e = &run->e[i];
        if (!e->body_read)
            continue; /* refused before the body: not a step of a pull */
        int s = slot_of(e->type);
        uint64_t asked = asked_next(e);
        if (asked && !last[s].known)
            reason(r,
                   "request #%llu sent Next %llu, but no earlier answer for "
                   "%s gave a Next",
                   (ull)e->seq, (ull)asked, type_label(e->type));
        else if (asked && !last[s].has)
            reason(r,
                   "request #%llu sent Next %llu, the previous answer gave "
                   "no Next",
                   (ull)e->seq, (ull)asked);
        else if (asked && asked != last[s].next)
            reason(r,
                   "request #%llu sent Next %llu, the previous answer gave "
                   "%llu",
                   (ull)e->seq, (ull)asked, (ull)last[s].next);
        if (served(e)) {
            last[s].known = 1;
            last[s].has = e->has_answer_next;
            last[s].next = e->answer_next;
        }
    }
    return 0;
}

static int check_stopped_at_zero(const struct run *run, const struct expect *x,
                                 struct reasons *r)
{
    const struct journal_entry *last[GT_COUNT + 1] = {NULL};
    int pulled = 0;
    (void)x;
    for (size_t i = 0; i < run->n; i++) {
        const struct journal_entry *e = &run->e[i];
        if (!e->body_read)
            continue;
        int s = slot_of(e->type);
        const struct journal_entry *l = last[s];
        if (l && l->has_answer_next && l->answer_next == 0 && asked_next(e))
            reason(r,
                   "request #%llu went on with the pull of %s (Next %llu) "
                   "after it had reached Next 0",
                   (ull)e->seq, type_label(e->type), (ull)asked_next(e));
        if (served(e)) {
            last[s] = e;
            pulled = 1;
        }
    }
    for (int s = 0; s <= GT_COUNT; s++) {
        const struct journal_entry *l = last[s];
        if (!l)
            continue;
        if (!l->has_answer_next)
            reason(r,
                   "the pull of %s ended on an answer without Next (request "
                   "#%llu sent no Next)",
                   type_label(l->type), (ull)l->seq);
        else if (l->answer_next)
            reason(r, "the pull of %s stopped at Next %llu without reaching 0",
                   type_label(l->type), (ull)l->answer_next);
    }
    if (!pulled)
        reason(r, "no request succeeded, so no pull was finished");
    return 0;
}

static int check_retried_after(const struct run *run, const struct expect *x,
                               struct reasons *r)
{
    size_t seen = 0;
    for (size_t i = 0; i < run->n; i++) {
        const struct journal_entry *e = &run->e[i];
        if (e->error_code != x->error_code)
            continue;
        seen++;
        if (i + 1 == run->n) {
            reason(r, "request #%llu got %d and was never asked again",
                   (ull)e->seq, x->error_code);
            continue;
        }
        const struct journal_entry *f = &run->e[i + 1];
        uint64_t wait = f->mono_ms > e->mono_ms ? f->mono_ms - e->mono_ms : 0;
        if (asked_next(f) != asked_next(e))
            reason(r,
                   "request #%llu got %d; the next request #%llu asked for "
                   "Next %llu instead of %llu",
                   (ull)e->seq, x->error_code, (ull)f->seq, (ull)asked_next(f),
                   (ull)asked_next(e));
        else if (f->type != e->type)
            reason(r,
                   "request #%llu got %d; the next request #%llu asked for "
                   "%s instead of %s",
                   (ull)e->seq, x->error_code, (ull)f->seq, type_label(f->type),
                   type_label(e->type));
        if (wait < x->min_wait)
            reason(r,
                   "request #%llu got %d; request #%llu asked again after "
                   "%llu ms (at least %llu ms wanted)",
                   (ull)e->seq, x->error_code, (ull)f->seq, (ull)wait,
                   (ull)x->min_wait);
    }
    if (!seen)
        reason(r, "no answer had ErrorCode %d, so no retry was tested",
               x->error_code);
    return 0;
}

static int check_within_rate_limit(const struct run *run,
                                   const struct expect *x, struct reasons *r)
{
    (void)x;
    for (size_t i = 0; i < run->n; i++)
        if (run->e[i].error_code == TIM_ERR_RATE_LIMIT)
            reason(r, "request #%llu got %d (over the rate limit)",
                   (ull)run->e[i].seq, TIM_ERR_RATE_LIMIT);
    return 0;
}

static int check_no_deviation(const struct run *run, const struct expect *x,
                              struct reasons *r)
{
    for (size_t i = 0; i < run->n; i++)
        for (int d = 0; d < JOURNAL_DEVIATION_COUNT; d++)
            if (run->e[i].deviations & x->deviations & (1u << d))
                reason(r, "#%llu: %s", (ull)run->e[i].seq,
                       journal_deviation_text(d));
    return 0;
}

/* Parsing.  Each parser reads the value of one expectation at path and
 * returns 0, or writes "path: problem" into err and returns -1. */
struct perr {
    char *text;
    size_t size;
};

static int bad(struct perr *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct perr *err, const char *path, const char *fmt, ...)
{
    int n = snprintf(err->text, err->size, "%s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < err->size)
        vsnprintf(err->text + n, err->size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Checks that object o has only the listed keys. */
static int only_keys(const cJSON *o, const char *path, const char *const *keys,
                     struct perr *err)
{
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *const *k = keys;
        while (*k && strcmp(*k, m->string) != 0)
            k++;
        if (!*k)
            return bad(err, path, "unknown key \"%s\"", m->string);
    }
    return 0;
}

static int parse_true(const cJSON *v, const char *path, struct expect *x,
                      struct perr *err)
{
    (void)x;
    return cJSON_IsTrue(v) ? 0 : bad(err, path, "must be true");
}

static int parse_pulled_all(const cJSON *v, const char *path, struct expect *x,
                            struct perr *err)
{
    static const char *const keys[] = {"type", NULL};
    x->type = GT_ALL;
    if (!cJSON_IsObject(v))
        return bad(err, path, "must be an object, {} or {\"type\": ...}");
    if (only_keys(v, path, keys, err))
        return -1;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "type");
    if (!t)
        return 0;
    const char *s = cJSON_GetStringValue(t);
    if (s)
        x->type = group_type_parse(s, strlen(s), 0);
    if (!s || x->type < 0)
        return bad(err, path,
                   "\"type\" must be one of Public, Private, ChatRoom, "
                   "AVChatRoom, BChatRoom, Community");
    return 0;
}

static int parse_retried_after(const cJSON *v, const char *path,
                               struct expect *x, struct perr *err)
{
    static const char *const keys[] = {"error_code", "min_wait_ms", NULL};
    if (!cJSON_IsObject(v))
        return bad(err, path,
                   "must be an object {\"error_code\": ..., "
                   "\"min_wait_ms\": ...}");
    if (only_keys(v, path, keys, err))
        return -1;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(v, "error_code");
    const cJSON *wait = cJSON_GetObjectItemCaseSensitive(v, "min_wait_ms");
    int64_t c;
    if (jsonget_i64(code, -1, INT32_MAX, &c) != 0 || c == 0)
        return bad(err, path,
                   "\"error_code\" must be a non-zero ErrorCode (-1: no "
                   "envelope)");
    x->min_wait = 0;
    if (wait && jsonget_u64(wait, 0, JSONGET_INT_MAX, &x->min_wait) != 0)
        return bad(err, path, "\"min_wait_ms\" must be an integer from 0");
    x->error_code = (int)c;
    return 0;
}

static int parse_no_deviation(const cJSON *v, const char *path,
                              struct expect *x, struct perr *err)
{
    if (cJSON_IsTrue(v)) {
        x->deviations = UINT32_MAX;
        return 0;
    }
    if (!cJSON_IsArray(v) || !v->child)
        return bad(err, path,
                   "must be true or a non-empty array of deviation names");
    int i = 0;
    for (const cJSON *d = v->child; d; d = d->next, i++) {
        const char *s = cJSON_GetStringValue(d);
        uint32_t bit = s ? journal_deviation_parse(s) : 0;
        if (!bit)
            return bad(err, path, "element %d: unknown deviation %s%s%s", i,
                       s ? "\"" : "", s ? s : "(not a string)", s ? "\"" : "");
        x->deviations |= bit;
    }
    return 0;
}

static const struct kind {
    const char *name;
    int (*parse)(const cJSON *v, const char *path, struct expect *x,
                 struct perr *err);
    int (*check)(const struct run *run, const struct expect *x,
                 struct reasons *r);
} kinds[] = {
    {"pulled_all", parse_pulled_all, check_pulled_all},
    {"followed_next", parse_true, check_followed_next},
    {"stopped_at_zero", parse_true, check_stopped_at_zero},
    {"retried_after", parse_retried_after, check_retried_after},
    {"within_rate_limit", parse_true, check_within_rate_limit},
    {"no_deviation", parse_no_deviation, check_no_deviation},
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* Reads the whole array into xs (n elements).  Returns 0 or -1. */
static int parse_all(const cJSON *list, struct expect *xs, struct perr *err)
{
    char path[160];
    int i = 0;
    for (const cJSON *o = list->child; o; o = o->next, i++) {
        snprintf(path, sizeof path, "$[%d]", i);
        if (!cJSON_IsObject(o) || !o->child || o->child->next)
            return bad(err, path, "must be an object with exactly one key");
        const char *name = o->child->string;
        size_t k = 0;
        while (k < N_KINDS && strcmp(kinds[k].name, name) != 0)
            k++;
        if (k == N_KINDS)
            return bad(err, path, "unknown expectation \"%s\"", name);
        memset(&xs[i], 0, sizeof xs[i]);
        xs[i].kind = (int)k;
        snprintf(path, sizeof path, "$[%d].%s", i, name);
        if (kinds[k].parse(o->child, path, &xs[i], err))
            return -1;
    }
    return 0;
}

/* Appends one result object; returns 0 or -1. */
static int write_result(struct buf *out, const char *name,
                        const struct reasons *r)
{
    if (buf_puts(out, "{\"expect\":") ||
        answer_json_string(out, name, strlen(name)) ||
        buf_printf(out, ",\"pass\":%s,\"reasons\":[", r->n ? "false" : "true"))
        return -1;
    size_t shown = r->n <= VERIFY_REASONS_MAX ? r->n : VERIFY_REASONS_MAX - 1;
    for (size_t i = 0; i < shown; i++)
        if ((i && buf_puts(out, ",")) ||
            answer_json_string(out, r->text[i], strlen(r->text[i])))
            return -1;
    if (shown < r->n &&
        buf_printf(out, ",\"... and %llu more\"", (ull)(r->n - shown)))
        return -1;
    return buf_puts(out, "]}");
}

int verify_run(const cJSON *expectations, const struct journal_entry *e,
               size_t n, const struct groupset *gs, struct buf *out)
{
    char text[320];
    struct perr err = {text, sizeof text};
    struct expect *xs = NULL;
    struct buf results;
    struct reasons *r = malloc(sizeof *r);
    const struct run run = {e, n, gs};
    int rc = -2, all = 1, count = cJSON_GetArraySize(expectations);
    buf_init(&results, out->cap);
    if (!r)
        goto out;

    if (!cJSON_IsArray(expectations) || count == 0) {
        bad(&err, "$", "must be a non-empty array of expectations");
        goto malformed;
    }
    if (count > VERIFY_EXPECT_MAX) {
        bad(&err, "$", "%d expectations, at most %d in one call", count,
            VERIFY_EXPECT_MAX);
        goto malformed;
    }
    if (!(xs = calloc((size_t)count, sizeof *xs)))
        goto out;
    if (parse_all(expectations, xs, &err))
        goto malformed;

    for (int i = 0; i < count; i++) {
        const struct kind *k = &kinds[xs[i].kind];
        memset(r, 0, sizeof *r);
        if (k->check(&run, &xs[i], r) || (i && buf_puts(&results, ",")) ||
            write_result(&results, k->name, r))
            goto out;
        all &= r->n == 0;
    }
    if (buf_printf(out, "{\"pass\":%s,\"results\":[", all ? "true" : "false") ||
        buf_append(out, results.data, results.len) || buf_puts(out, "]}"))
        goto out;
    rc = all;
    goto out;

malformed:
    rc = -1;
    if (buf_puts(out, "{\"error\":") ||
        answer_json_string(out, text, strlen(text)) || buf_puts(out, "}"))
        rc = -2;
out:
    buf_release(&results);
    free(xs);
    free(r);
    return rc;
}
