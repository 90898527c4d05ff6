/* run: request cases and pull properties (run.h). */
#include "run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "jsonget.h"
#include "jsonint.h"
#include "regions.h"
#include "timclient.h"
#include "usersig.h"

#define API_PATH "/v4/group_open_http_svc/get_appid_group_list"

__attribute__((format(printf, 3, 4))) static int failed(char *why, size_t n,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return 1;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Case values may name the target's credentials. */
static const char *subst(const char *v, const struct creds *c, char *tmp,
                         size_t n)
{
    if (!v || v[0] != '$')
        return v;
    if (strcmp(v, "$SDKAPPID") == 0)
        snprintf(tmp, n, "%" PRIu64, c->sdkappid);
    else if (strcmp(v, "$OTHER_SDKAPPID") == 0)
        snprintf(tmp, n, "%" PRIu64, c->sdkappid + 1);
    else if (strcmp(v, "$ADMIN") == 0)
        snprintf(tmp, n, "%s", c->admin);
    else if (strcmp(v, "$NONADMIN") == 0)
        snprintf(tmp, n, "%s", c->nonadmin);
    else if (strcmp(v, "$KEY") == 0)
        snprintf(tmp, n, "%s", c->key);
    else
        return v;
    return tmp;
}

int run_needs_nonadmin(const struct tcase_data *c)
{
    char *text = cJSON_PrintUnformatted(c->doc);
    int needs = text && strstr(text, "$NONADMIN") != NULL;
    free(text);
    return needs;
}

/* The UserSig a request case describes (malloc'd), or NULL for none. */
static char *make_sig(const cJSON *spec, const struct creds *c)
{
    char t1[256], t2[256], t3[256];
    if (cJSON_IsNull(spec))
        return NULL;
    const cJSON *raw = item(spec, "raw");
    if (cJSON_IsString(raw))
        return strdup(raw->valuestring);
    const cJSON *id = item(spec, "identifier"), *app = item(spec, "sdkappid"),
                *key = item(spec, "key"), *age = item(spec, "age"),
                *expire = item(spec, "expire"), *level = item(spec, "level");
    const char *ids = subst(cJSON_IsString(id) ? id->valuestring : "$ADMIN", c,
                            t1, sizeof t1);
    const char *apps = subst(
        cJSON_IsString(app) ? app->valuestring : "$SDKAPPID", c, t2, sizeof t2);
    const char *keys = subst(cJSON_IsString(key) ? key->valuestring : "$KEY", c,
                             t3, sizeof t3);
    /* the numbers were checked when the case was loaded (cases.c) */
    int64_t ago = 0, life = 86400, z = -1;
    jsonget_i64(age, -JSONGET_INT_MAX / 2, JSONGET_INT_MAX / 2, &ago);
    jsonget_i64(expire, 0, JSONGET_INT_MAX / 2, &life);
    jsonget_i64(level, -1, 9, &z);
    char *sig = NULL;
    if (usersig_make(keys, strtoull(apps, NULL, 10), ids,
                     (int64_t)time(NULL) - ago, life, NULL, 0, (int)z,
                     &sig) != 0)
        return NULL;
    return sig;
}

static void endpoint_target(const struct endpoint *e, struct tim_raw_target *t)
{
    *t = (struct tim_raw_target){e->base_url, e->connect_to, e->cacert,
                                 e->insecure, 15000};
}

/* The raw text of a top-level member, NUL-terminated in tmp. */
static const char *raw_member(const char *json, size_t n, const char *key,
                              char *tmp, size_t tn)
{
    const char *raw;
    size_t len;
    if (!jsonint_member(json, n, key, &raw, &len))
        return NULL;
    snprintf(tmp, tn, "%.*s", (int)len, raw);
    return tmp;
}

static const char *json_type(const cJSON *v, const char *raw)
{
    uint64_t u;
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (raw && jsonint_parse_u64(raw, strlen(raw), &u) == 0)
        return "integer";
    if (raw && raw[0] == '-' &&
        jsonint_parse_u64(raw + 1, strlen(raw + 1), &u) == 0)
        return "integer";
    return "number";
}

/* Holds the answer to the case's expectations. */
static int check_answer(const cJSON *exp, const struct tim_raw_answer *a,
                        char *why, size_t n)
{
    const cJSON *status = item(exp, "http_status");
    long want_status = cJSON_IsNumber(status) ? status->valueint : 200;
    if (a->http_status != want_status)
        return failed(why, n, "HTTP status %ld, expected %ld (answer: %.200s)",
                      a->http_status, want_status, a->body);
    int needs_json = 0;
    for (const cJSON *m = exp->child; m; m = m->next)
        needs_json |= strcmp(m->string, "http_status") != 0 &&
                      strcmp(m->string, "comment") != 0;
    if (!needs_json)
        return 0;
    char tmp[128];
    cJSON *root = jsonget_parse(a->body, a->len, tmp, sizeof tmp);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = failed(why, n, "the answer is not a JSON object%s%s: %.200s",
                    root ? "" : " (", root ? "" : tmp, a->body);
        goto out;
    }
    const cJSON *code = item(exp, "ErrorCode");
    const char *got = raw_member(a->body, a->len, "ErrorCode", tmp, sizeof tmp);
    if (cJSON_IsNumber(code)) {
        char want[32];
        snprintf(want, sizeof want, "%d", code->valueint);
        if (!got || strcmp(got, want) != 0) {
            rc = failed(why, n, "ErrorCode %s, expected %s (answer: %.200s)",
                        got ? got : "missing", want, a->body);
            goto out;
        }
    }
    const cJSON *not_code = item(exp, "ErrorCode_not");
    if (cJSON_IsNumber(not_code) && got && atol(got) == not_code->valueint) {
        rc = failed(why, n, "ErrorCode %s, expected anything else", got);
        goto out;
    }
    const cJSON *status_text = item(exp, "ActionStatus");
    const cJSON *action = item(root, "ActionStatus");
    if (cJSON_IsString(status_text) &&
        (!cJSON_IsString(action) ||
         strcmp(action->valuestring, status_text->valuestring) != 0)) {
        rc = failed(why, n, "ActionStatus %s, expected %s",
                    cJSON_IsString(action) ? action->valuestring : "missing",
                    status_text->valuestring);
        goto out;
    }
    const cJSON *info_empty = item(exp, "ErrorInfo_empty");
    const cJSON *info = item(root, "ErrorInfo");
    if (cJSON_IsBool(info_empty) && cJSON_IsString(info) &&
        (info->valuestring[0] == '\0') != cJSON_IsTrue(info_empty)) {
        rc = failed(why, n, "ErrorInfo \"%s\", expected it %s",
                    info->valuestring,
                    cJSON_IsTrue(info_empty) ? "empty" : "not empty");
        goto out;
    }
    for (const cJSON *t = item(exp, "types") ? item(exp, "types")->child : NULL;
         t; t = t->next) {
        const cJSON *v = item(root, t->string);
        char raw[128];
        const char *r = raw_member(a->body, a->len, t->string, raw, sizeof raw);
        const char *type = v ? json_type(v, r) : "absent";
        if (!cJSON_IsString(t) || strcmp(type, t->valuestring) != 0) {
            rc = failed(why, n, "%s is %s, expected %s", t->string, type,
                        cJSON_IsString(t) ? t->valuestring : "?");
            goto out;
        }
    }
    for (const cJSON *k = item(exp, "absent") ? item(exp, "absent")->child
                                              : NULL;
         k; k = k->next)
        if (cJSON_IsString(k) && item(root, k->valuestring)) {
            rc = failed(why, n, "%s is present, expected it absent",
                        k->valuestring);
            goto out;
        }
    for (const cJSON *v = item(exp, "values") ? item(exp, "values")->child
                                              : NULL;
         v; v = v->next) {
        const cJSON *actual = item(root, v->string);
        char raw[64], want[64];
        const char *r = raw_member(a->body, a->len, v->string, raw, sizeof raw);
        int same = 0;
        if (cJSON_IsNumber(v)) {
            snprintf(want, sizeof want, "%.0f", v->valuedouble);
            same = r && strcmp(r, want) == 0;
        } else if (cJSON_IsString(v) && cJSON_IsNumber(actual)) {
            /* a number given as text: compared exactly, past 2^53 too */
            same = r && strcmp(r, v->valuestring) == 0;
        } else {
            same = actual && cJSON_Compare(actual, v, 1);
        }
        if (!same) {
            char *w = cJSON_PrintUnformatted(v);
            rc = failed(why, n, "%s is %s, expected %s", v->string,
                        r ? r : "absent", w ? w : "?");
            free(w);
            goto out;
        }
    }
    const cJSON *order = item(exp, "key_order");
    if (cJSON_IsArray(order)) {
        const cJSON *m = root->child, *k = order->child;
        for (; m && k; m = m->next, k = k->next)
            if (!cJSON_IsString(k) || strcmp(m->string, k->valuestring) != 0)
                break;
        if (m || k) {
            rc = failed(why, n,
                        "the keys are not in the order expected "
                        "(first difference at %s)",
                        m ? m->string : "the end");
            goto out;
        }
    }
    for (const cJSON *k = item(exp, "nonzero") ? item(exp, "nonzero")->child
                                               : NULL;
         k; k = k->next) {
        char raw[64];
        const char *r =
            cJSON_IsString(k)
                ? raw_member(a->body, a->len, k->valuestring, raw, sizeof raw)
                : NULL;
        if (!r || strcmp(r, "0") == 0) {
            rc = failed(why, n, "%s is %s, expected a non-zero value",
                        cJSON_IsString(k) ? k->valuestring : "?",
                        r ? r : "absent");
            goto out;
        }
    }
    const cJSON *list = item(root, "GroupIdList");
    const cJSON *form = item(exp, "group_ids");
    int index = 0;
    for (const cJSON *g = cJSON_IsString(form) && list ? list->child : NULL; g;
         g = g->next, index++) {
        const cJSON *id = item(g, "GroupId");
        const char *prefix =
            strcmp(form->valuestring, "strings") == 0 ? "" : form->valuestring;
        if (!cJSON_IsObject(g) || !cJSON_IsString(id) ||
            strncmp(id->valuestring, prefix, strlen(prefix)) != 0) {
            rc = failed(why, n,
                        "GroupIdList[%d] is not {\"GroupId\": \"%s...\"}",
                        index, prefix);
            goto out;
        }
    }
    int ids = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
    const cJSON *max = item(exp, "max_ids"), *min = item(exp, "min_ids");
    if ((cJSON_IsNumber(max) && ids > max->valueint) ||
        (cJSON_IsNumber(min) && ids < min->valueint))
        rc = failed(why, n, "GroupIdList holds %d IDs, expected %s %d", ids,
                    cJSON_IsNumber(max) && ids > max->valueint ? "at most"
                                                               : "at least",
                    cJSON_IsNumber(max) && ids > max->valueint ? max->valueint
                                                               : min->valueint);
out:
    cJSON_Delete(root);
    return rc;
}

static int run_request(const struct tcase_data *c, const struct endpoint *e,
                       char *why, size_t n)
{
    const cJSON *req = item(c->doc, "request"), *exp = item(c->doc, "expect");
    const cJSON *sig_spec = item(req, "usersig");
    char *sig = make_sig(sig_spec ? sig_spec : NULL, &e->creds);
    char app[32], random[16], tmp[16][256];
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = (uint32_t)time(NULL);
    snprintf(app, sizeof app, "%" PRIu64, e->creds.sdkappid);
    snprintf(random, sizeof random, "%" PRIu32, r);
    struct tim_param params[16] = {
        {"sdkappid", app},  {"identifier", e->creds.admin}, {"usersig", sig},
        {"random", random}, {"contenttype", "json"},
    };
    size_t np = 5;
    const cJSON *over = item(req, "params");
    for (const cJSON *p = over ? over->child : NULL; p; p = p->next) {
        size_t i = 0;
        while (i < np && strcmp(params[i].name, p->string) != 0)
            i++;
        if (i == np && np == 16)
            break;
        if (i == np)
            np++;
        params[i].name = p->string;
        params[i].value = cJSON_IsString(p) ? subst(p->valuestring, &e->creds,
                                                    tmp[i], sizeof tmp[i])
                                            : NULL;
    }
    const cJSON *body = item(req, "body"), *raw = item(req, "body_raw");
    char *text = cJSON_IsString(raw) ? strdup(raw->valuestring)
                 : body              ? cJSON_PrintUnformatted(body)
                                     : strdup("{}");
    const cJSON *method = item(req, "method"), *path = item(req, "path"),
                *ctype = item(req, "content_type"), *host = item(req, "host");
    struct tim_raw_request rr = {
        cJSON_IsString(method) ? method->valuestring : NULL,
        cJSON_IsString(path) ? path->valuestring : API_PATH,
        params,
        np,
        text,
        text ? strlen(text) : 0,
        cJSON_IsString(ctype) ? ctype->valuestring : NULL,
        cJSON_IsString(host) ? host->valuestring : NULL,
    };
    struct tim_raw_target t;
    struct tim_raw_answer a;
    struct tim_error err;
    endpoint_target(e, &t);
    int rc = tim_raw_request(&t, &rr, &a, &err);
    if (rc != TIM_OK) {
        rc = failed(why, n, "the request failed: %s", err.message);
    } else {
        rc = check_answer(exp, &a, why, n);
        free(a.body);
    }
    free(text);
    free(sig);
    return rc;
}

/* ---- pulls ---- */

/* Everything one pull saw. */
struct pull {
    char **ids;
    size_t n, cap;
    uint64_t first_total;
    int total_changed;
    size_t pages;
    size_t longest_page;
    int ended;
    int repeated;
    uint64_t max_next;
    int overlap; /* a page repeated an ID of the page before */
    char error[768];
};

static tim_client *client_for(const struct endpoint *e, char *why, size_t n)
{
    struct tim_config cfg = {
        .region = e->region,
        .base_url = e->region ? NULL : e->base_url,
        .sdkappid = e->creds.sdkappid,
        .identifier = e->creds.admin,
        .secret_key = e->creds.key,
        .cacert = e->cacert,
        .insecure = e->insecure,
        .connect_to = e->connect_to,
        .max_attempts = 8,
        .backoff_base_ms = 50,
        .backoff_max_ms = 1000,
        .retry_budget_ms = 20000,
    };
    tim_client *c = NULL;
    struct tim_error err;
    if (tim_client_new(&cfg, &c, &err) != TIM_OK) {
        failed(why, n, "%s", err.message);
        return NULL;
    }
    return c;
}

static void pull_release(struct pull *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->ids[i]);
    free(p->ids);
    memset(p, 0, sizeof *p);
}

static int has(char **v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], id) == 0)
            return 1;
    return 0;
}

/* Pulls page after page, recording; never loops for ever: it stops on a
 * repeated cursor or after far more pages than TotalCount allows. */
static void pull_run(tim_client *c, const char *type, unsigned limit,
                     int check_overlap, struct pull *p)
{
    uint64_t next = 0, seen[4096];
    size_t n_seen = 0, prev_start = 0;
    memset(p, 0, sizeof *p);
    for (;;) {
        struct tim_page page;
        struct tim_error err;
        struct tim_page_request req = {limit, 1, next, type};
        if (tim_get_group_page(c, &req, &page, &err) != TIM_OK) {
            snprintf(p->error, sizeof p->error, "page %zu: %s", p->pages + 1,
                     err.message);
            return;
        }
        if (p->pages == 0)
            p->first_total = page.total_count;
        else if (page.total_count != p->first_total)
            p->total_changed = 1;
        p->pages++;
        if (page.count > p->longest_page)
            p->longest_page = page.count;
        size_t start = p->n;
        for (size_t i = 0; i < page.count; i++) {
            if (check_overlap && p->pages > 1 &&
                has(p->ids + prev_start, start - prev_start, page.ids[i]))
                p->overlap = 1;
            if (p->n == p->cap) {
                p->cap = p->cap ? p->cap * 2 : 1024;
                p->ids = realloc(p->ids, p->cap * sizeof *p->ids);
            }
            p->ids[p->n++] = strdup(page.ids[i]);
        }
        prev_start = start;
        int no_next = !page.has_next;
        next = page.next;
        tim_page_release(&page);
        if (no_next) {
            snprintf(p->error, sizeof p->error,
                     "page %zu has no Next though the request had one",
                     p->pages);
            return;
        }
        if (next > p->max_next)
            p->max_next = next;
        if (next == 0) {
            p->ended = 1;
            return;
        }
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i] == next) {
                p->repeated = 1;
                snprintf(p->error, sizeof p->error,
                         "the cursor %" PRIu64 " came again at page %zu", next,
                         p->pages);
                return;
            }
        if (n_seen < sizeof seen / sizeof seen[0])
            seen[n_seen++] = next;
        if (p->pages > 2 * (p->first_total / limit + 1) + 10) {
            snprintf(p->error, sizeof p->error,
                     "%zu pages and no end for TotalCount %" PRIu64, p->pages,
                     p->first_total);
            return;
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first ID that comes twice in the (sorted) pull, or NULL. */
static const char *duplicate(struct pull *p)
{
    qsort(p->ids, p->n, sizeof *p->ids, cmp_str);
    for (size_t i = 1; i < p->n; i++)
        if (strcmp(p->ids[i - 1], p->ids[i]) == 0)
            return p->ids[i];
    return NULL;
}

static const char *const all_types[] = {"Public",     "Private",   "ChatRoom",
                                        "AVChatRoom", "BChatRoom", "Community"};

static int total_of(tim_client *c, const char *type, unsigned limit,
                    uint64_t next, uint64_t *total, char *why, size_t n)
{
    struct tim_page page;
    struct tim_error err;
    struct tim_page_request req = {limit, 1, next, type};
    if (tim_get_group_page(c, &req, &page, &err) != TIM_OK)
        return failed(why, n, "%s", err.message);
    *total = page.total_count;
    tim_page_release(&page);
    return 0;
}

/* Same sorted sets? */
static int same_set(struct pull *a, struct pull *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return 0;
    return 1;
}

static int run_property(const struct tcase_data *c, const struct endpoint *e,
                        char *why, size_t n)
{
    const cJSON *type_j = item(c->doc, "type"),
                *limit_j = item(c->doc, "limit");
    const char *type = cJSON_IsString(type_j) ? type_j->valuestring : NULL;
    unsigned limit =
        cJSON_IsNumber(limit_j) ? (unsigned)limit_j->valueint : 1000;
    const char *prop = c->property;
    tim_client *cl = client_for(e, why, n);
    if (!cl)
        return 1;
    struct pull p = {0}, q = {0};
    int rc = 0;

    if (strcmp(prop, "type_totals_add_up") == 0) {
        uint64_t all = 0, sum = 0, t = 0;
        rc = total_of(cl, NULL, 1, 0, &all, why, n);
        for (int i = 0; i < 6 && !rc; i++) {
            rc = total_of(cl, all_types[i], 1, 0, &t, why, n);
            sum += t;
        }
        if (!rc && sum != all)
            rc = failed(why, n,
                        "the types' TotalCounts add up to %" PRIu64
                        ", the unfiltered one is %" PRIu64,
                        sum, all);
        goto out;
    }
    if (strcmp(prop, "limits_same_set") == 0 ||
        strcmp(prop, "types_partition") == 0) {
        pull_run(cl, type, limit, strcmp(prop, "next_exact") == 0, &p);
        if (p.error[0] || duplicate(&p)) {
            rc = failed(why, n, "the first pull failed: %s",
                        p.error[0] ? p.error : "a duplicate");
            goto out;
        }
        if (strcmp(prop, "limits_same_set") == 0) {
            const cJSON *limits = item(c->doc, "limits");
            for (const cJSON *l = limits ? limits->child : NULL; l && !rc;
                 l = l->next) {
                pull_release(&q);
                pull_run(cl, type, (unsigned)l->valueint, 0, &q);
                duplicate(&q);
                if (q.error[0] || !same_set(&p, &q))
                    rc =
                        failed(why, n,
                               "Limit %d gives %zu IDs, Limit %u gives %zu%s%s",
                               l->valueint, q.n, limit, p.n,
                               q.error[0] ? ": " : " (another set)", q.error);
            }
            goto out;
        }
        /* types_partition: the per-type pulls, merged, are the whole */
        for (int i = 0; i < 6 && !rc; i++) {
            struct pull t;
            pull_run(cl, all_types[i], limit, 0, &t);
            if (t.error[0])
                rc = failed(why, n, "%s: %s", all_types[i], t.error);
            for (size_t k = 0; k < t.n; k++) {
                if (q.n == q.cap) {
                    q.cap = q.cap ? q.cap * 2 : 1024;
                    q.ids = realloc(q.ids, q.cap * sizeof *q.ids);
                }
                q.ids[q.n++] = t.ids[k];
            }
            free(t.ids);
        }
        const char *dup = rc ? NULL : duplicate(&q);
        if (dup)
            rc = failed(why, n, "%s is in two types", dup);
        else if (!rc && !same_set(&p, &q))
            rc = failed(why, n,
                        "the types hold %zu IDs in all, the unfiltered pull "
                        "%zu",
                        q.n, p.n);
        goto out;
    }

    pull_run(cl, type, limit, strcmp(prop, "next_exact") == 0, &p);
    if (strcmp(prop, "ends") == 0 || strcmp(prop, "no_cursor_repeat") == 0) {
        if (!p.ended)
            rc = failed(why, n, "the pull did not end on Next 0: %s", p.error);
        goto out;
    }
    if (p.error[0]) {
        rc = failed(why, n, "the pull failed: %s", p.error);
        goto out;
    }
    if (strcmp(prop, "no_duplicates") == 0) {
        const char *dup = duplicate(&p);
        if (dup)
            rc = failed(why, n, "%s came twice", dup);
    } else if (strcmp(prop, "pages_within_limit") == 0) {
        if (p.longest_page > limit)
            rc = failed(why, n, "a page held %zu IDs for Limit %u",
                        p.longest_page, limit);
    } else if (strcmp(prop, "count_equals_total") == 0) {
        if (p.n != p.first_total)
            rc = failed(why, n, "%zu IDs pulled, TotalCount %" PRIu64, p.n,
                        p.first_total);
    } else if (strcmp(prop, "total_stable") == 0) {
        uint64_t t = 0;
        static const unsigned limits[] = {1, 7, 1000, 10000};
        if (p.total_changed)
            rc = failed(why, n, "TotalCount changed from page to page");
        for (size_t i = 0; i < 4 && !rc; i++) {
            rc = total_of(cl, type, limits[i], i ? p.max_next / 2 : 0, &t, why,
                          n);
            if (!rc && t != p.first_total)
                rc = failed(why, n,
                            "TotalCount %" PRIu64 " for Limit %u, %" PRIu64
                            " for Limit %u",
                            t, limits[i], p.first_total, limit);
        }
    } else if (strcmp(prop, "next_exact") == 0) {
        /* every Next was read as an exact unsigned 64-bit integer (the
         * client refuses anything else) and, sent back, went on where the
         * page before stopped */
        const char *dup = duplicate(&p);
        if (p.overlap || dup)
            rc = failed(why, n,
                        "a page repeated %s: a Next was not read back "
                        "exactly",
                        dup ? dup : "IDs of the page before");
        else if (p.n != p.first_total)
            rc = failed(why, n,
                        "%zu IDs pulled, TotalCount %" PRIu64
                        ": a Next was not read back exactly",
                        p.n, p.first_total);
    }
out:
    pull_release(&p);
    pull_release(&q);
    tim_client_free(cl);
    return rc;
}

/* A client case: the mock's journal of what the client sent, held to the
 * case's expectations by POST /__admin/verify. */
static int run_client(const struct tcase_data *c, const struct endpoint *e,
                      char *why, size_t n)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddNumberToObject(req, "sdkappid", (double)e->creds.sdkappid);
    cJSON_AddStringToObject(req, "identifier", e->creds.admin);
    cJSON_AddItemToObject(req, "expect", cJSON_Duplicate(c->verify, 1));
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    struct tim_raw_target t;
    struct tim_raw_request rr = {"POST", "/__admin/verify",       NULL, 0,
                                 body,   body ? strlen(body) : 0, NULL, NULL};
    struct tim_raw_answer a;
    struct tim_error err;
    endpoint_target(e, &t);
    int rc = tim_raw_request(&t, &rr, &a, &err);
    free(body);
    if (rc != TIM_OK)
        return failed(why, n, "cannot ask the mock: %s", err.message);
    char parse_why[128];
    cJSON *v = jsonget_parse(a.body, a.len, parse_why, sizeof parse_why);
    const cJSON *pass = item(v, "pass");
    rc = 0;
    if (a.http_status != 200 || !cJSON_IsBool(pass)) {
        rc = failed(why, n, "the mock answered HTTP %ld: %.300s", a.http_status,
                    a.body);
    } else if (!cJSON_IsTrue(pass)) {
        size_t o = 0;
        const cJSON *results = item(v, "results");
        for (const cJSON *r = results ? results->child : NULL; r && o < n;
             r = r->next) {
            if (cJSON_IsTrue(item(r, "pass")))
                continue;
            const char *name = cJSON_GetStringValue(item(r, "expect"));
            const cJSON *reasons = item(r, "reasons");
            for (const cJSON *x = reasons ? reasons->child : NULL; x && o < n;
                 x = x->next) {
                const char *reason = cJSON_GetStringValue(x);
                int w = snprintf(why + o, n - o, "%s%s: %s", o ? "; " : "",
                                 name ? name : "?", reason ? reason : "?");
                o += w > 0 ? (size_t)w : 0;
            }
        }
        rc = 1;
    }
    cJSON_Delete(v);
    free(a.body);
    return rc;
}

int run_case(const struct tcase_data *c, const struct endpoint *e, char *why,
             size_t n)
{
    why[0] = '\0';
    return c->verify     ? run_client(c, e, why, n)
           : c->property ? run_property(c, e, why, n)
                         : run_request(c, e, why, n);
}
