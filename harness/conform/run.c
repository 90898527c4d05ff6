/* run: request cases and pull properties (run.h). */
#include "run.h"

#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
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

static transcript *g_transcript;

void run_set_transcript(transcript *t)
{
    g_transcript = t;
}

int run_needs_nonadmin(const struct tcase_data *c)
{
    char *text = cJSON_PrintUnformatted(c->doc);
    int needs = text && strstr(text, "$NONADMIN") != NULL;
    free(text);
    return needs;
}

/* The UserSig a request case describes: 0 with *out malloc'd (NULL when
 * the case sends none), or 1 with the reason in why: a case whose UserSig
 * cannot be made fails, it is never sent without one. */
int run_make_sig(const cJSON *spec, const struct creds *c, char **out,
                 char *why, size_t n)
{
    char t1[256], t2[256], t3[256];
    *out = NULL;
    if (cJSON_IsNull(spec))
        return 0;
    const cJSON *raw = item(spec, "raw");
    if (cJSON_IsString(raw)) {
        *out = strdup(raw->valuestring);
        return *out ? 0 : failed(why, n, "out of memory");
    }
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
    char *end = NULL;
    errno = 0;
    unsigned long long sdkappid = strtoull(apps, &end, 10);
    if (errno || end == apps || *end)
        return failed(why, n,
                      "cannot make the UserSig: the SDKAppID \"%s\" is not a "
                      "number",
                      apps);
    int rc = usersig_make(keys, sdkappid, ids, (int64_t)time(NULL) - ago, life,
                          NULL, 0, (int)z, out);
    if (rc != 0) {
        *out = NULL;
        return failed(why, n,
                      "cannot make the UserSig of identifier \"%s\", "
                      "SDKAppID %s (usersig_make: %d)",
                      ids, apps, rc);
    }
    return 0;
}

void run_raw_target(const struct endpoint *e, struct tim_raw_target *t)
{
    *t = (struct tim_raw_target){e->base_url, e->connect_to, e->cacert,
                                 e->insecure, 15000};
}

/* The raw text of a top-level member, NUL-terminated in tmp; NULL when the
 * member is absent, and the text "(too long)" when it does not fit, so that
 * a cut never compares equal to anything. */
static const char *raw_member(const char *json, size_t n, const char *key,
                              char *tmp, size_t tn)
{
    const char *raw;
    size_t len;
    if (!jsonint_member(json, n, key, &raw, &len))
        return NULL;
    if (len >= tn)
        return "(too long)";
    memcpy(tmp, raw, len);
    tmp[len] = '\0';
    return tmp;
}

/* Is the text a JSON integer (an optional minus, then digits only)? */
static int integer_text(const char *r)
{
    uint64_t u;
    if (r[0] == '-')
        r++;
    return jsonint_parse_u64(r, strlen(r), &u) == 0;
}

static const char *json_type(const cJSON *v, const char *raw)
{
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
    if (raw && integer_text(raw))
        return "integer";
    return "number";
}

/* What an expectation sees: the raw answer and, when it is JSON, its
 * parse. */
struct answer {
    const struct tim_raw_answer *raw;
    const cJSON *root;
};

/* One expectation key's check: 0 when want holds of the answer, else 1
 * with the reason in why. */
typedef int check_fn(const struct answer *a, const cJSON *want, char *why,
                     size_t n);

static int check_headers(const struct answer *a, const cJSON *want, char *why,
                         size_t n)
{
    for (const cJSON *h = want->child; h; h = h->next) {
        char value[1024];
        int there =
            tim_raw_header(a->raw->headers, h->string, value, sizeof value);
        /* a value cut to the buffer never compares equal */
        if (there && strlen(value) == sizeof value - 1)
            return failed(why, n, "the header %s is longer than %zu bytes",
                          h->string, sizeof value - 1);
        if (cJSON_IsNull(h) && there)
            return failed(why, n,
                          "the header %s is there (%s), expected it absent",
                          h->string, value);
        if (cJSON_IsString(h) && (!there || strcmp(value, h->valuestring) != 0))
            return failed(why, n, "the header %s is %s%s%s, expected \"%s\"",
                          h->string, there ? "\"" : "absent",
                          there ? value : "", there ? "\"" : "",
                          h->valuestring);
    }
    return 0;
}

static int check_code(const struct answer *a, const cJSON *want, char *why,
                      size_t n)
{
    char got[128], w[32];
    const char *r =
        raw_member(a->raw->body, a->raw->len, "ErrorCode", got, sizeof got);
    snprintf(w, sizeof w, "%d", want->valueint);
    if (!r || strcmp(r, w) != 0)
        return failed(why, n, "ErrorCode %s, expected %s (answer: %.200s)",
                      r ? r : "missing", w, a->raw->body);
    return 0;
}

static int check_code_not(const struct answer *a, const cJSON *want, char *why,
                          size_t n)
{
    char got[128], w[32];
    const char *r =
        raw_member(a->raw->body, a->raw->len, "ErrorCode", got, sizeof got);
    snprintf(w, sizeof w, "%d", want->valueint);
    if (!r || !integer_text(r) || strcmp(r, w) == 0)
        return failed(why, n, "ErrorCode %s, expected an integer other than %s",
                      r ? r : "missing", w);
    return 0;
}

static int check_action(const struct answer *a, const cJSON *want, char *why,
                        size_t n)
{
    const cJSON *action = item(a->root, "ActionStatus");
    if (!cJSON_IsString(action) ||
        strcmp(action->valuestring, want->valuestring) != 0)
        return failed(why, n, "ActionStatus %s, expected %s",
                      cJSON_IsString(action) ? action->valuestring : "missing",
                      want->valuestring);
    return 0;
}

static int check_info_empty(const struct answer *a, const cJSON *want,
                            char *why, size_t n)
{
    const cJSON *info = item(a->root, "ErrorInfo");
    if (!cJSON_IsString(info) ||
        (info->valuestring[0] == '\0') != cJSON_IsTrue(want))
        return failed(why, n, "ErrorInfo %s%s%s, expected it %s",
                      cJSON_IsString(info) ? "\"" : "is not a string: ",
                      cJSON_IsString(info) ? info->valuestring : "absent",
                      cJSON_IsString(info) ? "\"" : "",
                      cJSON_IsTrue(want) ? "empty" : "not empty");
    return 0;
}

static int check_types(const struct answer *a, const cJSON *want, char *why,
                       size_t n)
{
    for (const cJSON *t = want->child; t; t = t->next) {
        const cJSON *v = item(a->root, t->string);
        char raw[128];
        const char *r =
            raw_member(a->raw->body, a->raw->len, t->string, raw, sizeof raw);
        const char *type = v ? json_type(v, r) : "absent";
        if (!v || !cJSON_IsString(t) || strcmp(type, t->valuestring) != 0)
            return failed(why, n, "%s is %s, expected %s", t->string, type,
                          cJSON_IsString(t) ? t->valuestring : "?");
    }
    return 0;
}

static int check_absent(const struct answer *a, const cJSON *want, char *why,
                        size_t n)
{
    for (const cJSON *k = want->child; k; k = k->next)
        if (cJSON_IsString(k) && item(a->root, k->valuestring))
            return failed(why, n, "%s is present, expected it absent",
                          k->valuestring);
    return 0;
}

/* values: each member is there and equals the case's value.  A number
 * (an integer up to 2^53: cases.c) and a string against a number compare
 * as exact integer text, so a 64-bit value differs in its last digit too. */
static int check_values(const struct answer *a, const cJSON *want, char *why,
                        size_t n)
{
    for (const cJSON *v = want->child; v; v = v->next) {
        const cJSON *actual = item(a->root, v->string);
        char raw[128], w[64];
        const char *r =
            raw_member(a->raw->body, a->raw->len, v->string, raw, sizeof raw);
        int same = 0;
        if (!actual || !r) {
            same = 0;
        } else if (cJSON_IsNumber(v)) {
            snprintf(w, sizeof w, "%.0f", v->valuedouble);
            same = strcmp(r, w) == 0;
        } else if (cJSON_IsString(v) && cJSON_IsNumber(actual)) {
            same = strcmp(r, v->valuestring) == 0;
        } else {
            same = cJSON_Compare(actual, v, 1);
        }
        if (!same) {
            char *text = cJSON_PrintUnformatted(v);
            failed(why, n, "%s is %s, expected %s", v->string, r ? r : "absent",
                   text ? text : "?");
            free(text);
            return 1;
        }
    }
    return 0;
}

static int check_patterns(const struct answer *a, const cJSON *want, char *why,
                          size_t n)
{
    for (const cJSON *p = want->child; p; p = p->next) {
        const cJSON *actual = item(a->root, p->string);
        regex_t re;
        if (!cJSON_IsString(p) ||
            regcomp(&re, p->valuestring, REG_EXTENDED | REG_NOSUB) != 0)
            return failed(why, n, "%s: not a regular expression", p->string);
        int match = cJSON_IsString(actual) &&
                    regexec(&re, actual->valuestring, 0, NULL, 0) == 0;
        regfree(&re);
        if (!match)
            return failed(why, n,
                          "%s is %s%.100s%s, expected a string that "
                          "matches %s",
                          p->string, cJSON_IsString(actual) ? "\"" : "",
                          cJSON_IsString(actual) ? actual->valuestring
                          : actual               ? "not a string"
                                                 : "absent",
                          cJSON_IsString(actual) ? "\"" : "", p->valuestring);
    }
    return 0;
}

static int check_key_order(const struct answer *a, const cJSON *want, char *why,
                           size_t n)
{
    const cJSON *m = a->root->child, *k = want->child;
    for (; m && k; m = m->next, k = k->next)
        if (!cJSON_IsString(k) || strcmp(m->string, k->valuestring) != 0)
            break;
    if (m || k)
        return failed(why, n,
                      "the keys are not in the order expected "
                      "(first difference at %s)",
                      m ? m->string : "the end");
    return 0;
}

static int check_nonzero(const struct answer *a, const cJSON *want, char *why,
                         size_t n)
{
    for (const cJSON *k = want->child; k; k = k->next) {
        char raw[64];
        const char *r = cJSON_IsString(k)
                            ? raw_member(a->raw->body, a->raw->len,
                                         k->valuestring, raw, sizeof raw)
                            : NULL;
        if (!r || !integer_text(r) || strcmp(r, "0") == 0 ||
            strcmp(r, "-0") == 0)
            return failed(why, n, "%s is %s, expected a non-zero integer",
                          cJSON_IsString(k) ? k->valuestring : "?",
                          r ? r : "absent");
    }
    return 0;
}

/* The answer's GroupIdList, or NULL with the reason in why. */
static const cJSON *id_list(const struct answer *a, char *why, size_t n)
{
    const cJSON *list = item(a->root, "GroupIdList");
    if (!cJSON_IsArray(list))
        failed(why, n, "GroupIdList is %s, expected an array",
               list ? "not an array" : "absent");
    return cJSON_IsArray(list) ? list : NULL;
}

static int check_group_ids(const struct answer *a, const cJSON *want, char *why,
                           size_t n)
{
    const cJSON *list = id_list(a, why, n);
    if (!list)
        return 1;
    const char *prefix =
        strcmp(want->valuestring, "strings") == 0 ? "" : want->valuestring;
    int index = 0;
    for (const cJSON *g = list->child; g; g = g->next, index++) {
        const cJSON *id = item(g, "GroupId");
        if (!cJSON_IsObject(g) || !cJSON_IsString(id) ||
            strncmp(id->valuestring, prefix, strlen(prefix)) != 0)
            return failed(why, n,
                          "GroupIdList[%d] is not {\"GroupId\": \"%s...\"}",
                          index, prefix);
    }
    return 0;
}

static int check_max_ids(const struct answer *a, const cJSON *want, char *why,
                         size_t n)
{
    const cJSON *list = id_list(a, why, n);
    int ids = list ? cJSON_GetArraySize(list) : 0;
    if (list && ids > want->valueint)
        return failed(why, n, "GroupIdList holds %d IDs, expected at most %d",
                      ids, want->valueint);
    return !list;
}

static int check_min_ids(const struct answer *a, const cJSON *want, char *why,
                         size_t n)
{
    const cJSON *list = id_list(a, why, n);
    int ids = list ? cJSON_GetArraySize(list) : 0;
    if (list && ids < want->valueint)
        return failed(why, n, "GroupIdList holds %d IDs, expected at least %d",
                      ids, want->valueint);
    return !list;
}

/* The expectations on an answer, checked in this order; json: the check
 * needs the answer to be a JSON object.  http_status comes first, apart
 * (it has a default); deviations are read from the journal (run_request). */
static const struct {
    const char *key;
    int json;
    check_fn *check;
} checks[] = {
    {"headers", 0, check_headers},
    {"ErrorCode", 1, check_code},
    {"ErrorCode_not", 1, check_code_not},
    {"ActionStatus", 1, check_action},
    {"ErrorInfo_empty", 1, check_info_empty},
    {"types", 1, check_types},
    {"absent", 1, check_absent},
    {"values", 1, check_values},
    {"patterns", 1, check_patterns},
    {"key_order", 1, check_key_order},
    {"nonzero", 1, check_nonzero},
    {"group_ids", 1, check_group_ids},
    {"max_ids", 1, check_max_ids},
    {"min_ids", 1, check_min_ids},
};

/* Holds the answer to the case's expectations (loading checked their
 * types). */
static int check_answer(const cJSON *exp, const struct tim_raw_answer *raw,
                        char *why, size_t n)
{
    const cJSON *status = item(exp, "http_status");
    long want_status = cJSON_IsNumber(status) ? status->valueint : 200;
    if (raw->http_status != want_status)
        return failed(why, n, "HTTP status %ld, expected %ld (answer: %.200s)",
                      raw->http_status, want_status, raw->body);
    cJSON *root = NULL;
    struct answer a = {raw, NULL};
    int rc = 0;
    for (size_t i = 0; i < sizeof checks / sizeof *checks && !rc; i++) {
        const cJSON *want = item(exp, checks[i].key);
        if (!want)
            continue;
        if (checks[i].json && !root) {
            char tmp[128];
            root = jsonget_parse(raw->body, raw->len, tmp, sizeof tmp);
            a.root = root;
            if (!cJSON_IsObject(root)) {
                rc = failed(why, n,
                            "the answer is not a JSON object%s%s%s: "
                            "%.200s",
                            root ? "" : " (", root ? "" : tmp, root ? "" : ")",
                            raw->body);
                break;
            }
        }
        rc = checks[i].check(&a, want, why, n);
    }
    cJSON_Delete(root);
    return rc;
}

/* The value of a query parameter of the request, or NULL. */
static const char *param(const struct tim_param *p, size_t np, const char *name)
{
    for (size_t i = 0; i < np; i++)
        if (strcmp(p[i].name, name) == 0)
            return p[i].value;
    return NULL;
}

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the name in the JSON array of strings? */
static int named(const cJSON *names, const char *name)
{
    for (const cJSON *x = names ? names->child : NULL; x; x = x->next)
        if (cJSON_IsString(x) && strcmp(x->valuestring, name) == 0)
            return 1;
    return 0;
}

/* The mock's journal entry of the request just sent (the last one of the
 * app and identifier since since_ms) lists exactly the deviations the case
 * names. */
static int check_deviations(const cJSON *want, const struct endpoint *e,
                            const char *app, const char *identifier,
                            int64_t since_ms, char *why, size_t n)
{
    char since[32];
    snprintf(since, sizeof since, "%" PRId64, since_ms);
    struct tim_param q[] = {
        {"sdkappid", app}, {"identifier", identifier}, {"since_ms", since}};
    struct tim_raw_request rr = {"GET", "/__admin/journal", q, 3, NULL, 0, NULL,
                                 NULL};
    struct tim_raw_target t;
    struct tim_raw_answer a;
    struct tim_error err;
    run_raw_target(e, &t);
    if (tim_raw_request(&t, &rr, &a, &err) != TIM_OK)
        return failed(why, n, "cannot read the mock's journal: %s",
                      err.message);
    char parse_why[128];
    cJSON *j = jsonget_parse(a.body, a.len, parse_why, sizeof parse_why);
    const cJSON *entries = item(j, "entries");
    const cJSON *last = NULL;
    for (const cJSON *x = entries ? entries->child : NULL; x; x = x->next)
        last = x;
    const cJSON *got = item(last, "deviations");
    int rc = 0;
    if (a.http_status != 200 || !cJSON_IsArray(got)) {
        rc = failed(why, n,
                    "the mock's journal has no entry of the request "
                    "(HTTP %ld: %.200s)",
                    a.http_status, a.body);
        goto out;
    }
    for (const cJSON *x = got->child; x && !rc; x = x->next)
        if (!cJSON_IsString(x) || !named(want, x->valuestring))
            rc = 1;
    for (const cJSON *x = want->child; x && !rc; x = x->next)
        if (!named(got, x->valuestring))
            rc = 1;
    if (rc) {
        char *g = cJSON_PrintUnformatted(got),
             *w = cJSON_PrintUnformatted(want);
        failed(why, n, "the journal lists the deviations %s, expected %s",
               g ? g : "?", w ? w : "?");
        free(g);
        free(w);
    }
out:
    cJSON_Delete(j);
    tim_raw_answer_release(&a);
    return rc;
}

/* body_size: the body padded with trailing spaces (JSON white space) to
 * exactly this many bytes. */
static int pad_body(char **text, const cJSON *size, char *why, size_t n)
{
    if (!size)
        return 0;
    size_t want = (size_t)size->valuedouble, len = strlen(*text);
    if (want < len)
        return failed(why, n, "the body is %zu bytes, more than body_size %zu",
                      len, want);
    char *t = realloc(*text, want + 1);
    if (!t)
        return failed(why, n, "out of memory");
    memset(t + len, ' ', want - len);
    t[want] = '\0';
    *text = t;
    return 0;
}

/* same_second: waits for the start of the next second of the monotonic
 * clock (the mock counts calls per second of it, on the same machine), so
 * that the requests that follow (repeat) fall in one second. */
static void next_second(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct timespec at = {now.tv_sec + 1, 2000000L};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
        ;
}

static int run_request(const struct tcase_data *c, const struct endpoint *e,
                       char *why, size_t n)
{
    const cJSON *req = item(c->doc, "request"), *exp = item(c->doc, "expect");
    char *sig = NULL;
    if (run_make_sig(item(req, "usersig"), &e->creds, &sig, why, n) != 0)
        return 1;
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
    if (!text) {
        free(sig);
        return failed(why, n, "out of memory");
    }
    if (pad_body(&text, item(req, "body_size"), why, n) != 0) {
        free(text);
        free(sig);
        return 1;
    }
    const cJSON *method = item(req, "method"), *path = item(req, "path"),
                *ctype = item(req, "content_type"), *host = item(req, "host"),
                *repeat = item(req, "repeat");
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
    struct tim_raw_answer a = {0};
    struct tim_error err;
    run_raw_target(e, &t);
    if (cJSON_IsTrue(item(req, "same_second")))
        next_second();
    /* the journal's clock is the mock's: a second's margin */
    int64_t since_ms = unix_ms() - 1000;
    int rc = TIM_OK;
    /* repeat: the same request (the same random too) again; the last
     * answer counts */
    for (int k = cJSON_IsNumber(repeat) ? repeat->valueint : 1;
         k > 0 && rc == TIM_OK; k--) {
        tim_raw_answer_release(&a);
        rc = tim_raw_request(&t, &rr, &a, &err);
    }
    if (rc != TIM_OK) {
        rc = failed(why, n, "the request failed: %s", err.message);
    } else {
        if (g_transcript)
            transcript_add(g_transcript, c, &rr, item(req, "usersig"), &a);
        rc = check_answer(exp, &a, why, n);
        tim_raw_answer_release(&a);
    }
    const cJSON *dev = item(exp, "deviations");
    if (rc == 0 && dev)
        rc =
            check_deviations(dev, e, param(params, np, "sdkappid"),
                             param(params, np, "identifier"), since_ms, why, n);
    free(text);
    free(sig);
    return rc;
}

/* ---- pulls ---- */

/* Everything one pull saw, page by page, through the client library's
 * pull (tim_pull_groups: it stops a pull that would never end). */
struct pull {
    char **ids;
    size_t n, cap;
    size_t page_start; /* where the last page's IDs begin in ids */
    uint64_t first_total;
    int total_changed;
    uint64_t max_next;
    uint64_t *cursors; /* every Next seen, in order */
    size_t n_cursors, cap_cursors;
    int overlap; /* a page repeated an ID of the page before */
    int ended;
    int oom;
    struct tim_pull_stats stats;
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
    free(p->cursors);
    memset(p, 0, sizeof *p);
}

/* Grows an array of elements of size sz to hold one more; 0 or -1. */
static int grow(void *arrp, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    if (c < *cap || c > SIZE_MAX / sz)
        return -1;
    void *v = realloc(*(void **)arrp, c * sz);
    if (!v)
        return -1;
    *(void **)arrp = v;
    *cap = c;
    return 0;
}

static int on_id(void *data, const char *id, size_t len)
{
    struct pull *p = data;
    char *copy = NULL;
    if (grow(&p->ids, &p->cap, p->n, sizeof *p->ids) != 0 ||
        !(copy = strndup(id, len))) {
        p->oom = 1;
        return 1;
    }
    p->ids[p->n++] = copy;
    return 0;
}

static int has(char *const *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], id) == 0)
            return 1;
    return 0;
}

static void on_page(void *data, const struct tim_pull_stats *s)
{
    struct pull *p = data;
    if (s->pages == 1)
        p->first_total = s->total_count;
    else if (s->total_count != p->first_total)
        p->total_changed = 1;
    if (s->next > p->max_next)
        p->max_next = s->next;
    /* the page's IDs are the last s->count of the pull */
    size_t start = p->n - (size_t)s->count;
    for (size_t i = start; s->pages > 1 && i < p->n; i++)
        if (has(p->ids + p->page_start, start - p->page_start, p->ids[i]))
            p->overlap = 1;
    p->page_start = start;
    if (grow(&p->cursors, &p->cap_cursors, p->n_cursors, sizeof *p->cursors))
        p->oom = 1;
    else
        p->cursors[p->n_cursors++] = s->next;
}

/* Pulls the app (or type) at Limit limit; p->error says why it did not
 * end on Next 0. */
static void pull_run(tim_client *c, const char *type, unsigned limit,
                     struct pull *p)
{
    struct tim_error err;
    memset(p, 0, sizeof *p);
    int rc =
        tim_pull_groups(c, type, limit, on_id, p, on_page, p, &p->stats, &err);
    if (p->oom)
        snprintf(p->error, sizeof p->error, "out of memory");
    else if (rc != TIM_OK)
        snprintf(p->error, sizeof p->error, "page %" PRIu64 ": %s",
                 p->stats.pages, err.message);
    p->ended = rc == TIM_OK && !p->oom;
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
static int same_set(const struct pull *a, const struct pull *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return 0;
    return 1;
}

/* What a property sees: the client, the case's type and Limit, and the
 * pull at them when the property's row asks for one. */
struct prop {
    const struct tcase_data *c;
    tim_client *cl;
    const char *type;
    unsigned limit;
    struct pull p;
};

/* One property's check: 0 when it holds, else 1 with the reason. */
typedef int prop_fn(struct prop *x, char *why, size_t n);

static int prop_ends(struct prop *x, char *why, size_t n)
{
    if (!x->p.ended)
        return failed(why, n, "the pull did not end on Next 0: %s", x->p.error);
    return 0;
}

static int prop_no_cursor_repeat(struct prop *x, char *why, size_t n)
{
    const struct pull *p = &x->p;
    /* the library stops a pull on the page whose Next came before */
    for (size_t i = 0; !p->ended && i < p->n_cursors; i++)
        if (p->cursors[i] == p->stats.next)
            return failed(why, n,
                          "the cursor %" PRIu64 " came again at page %" PRIu64,
                          p->stats.next, p->stats.pages);
    return prop_ends(x, why, n);
}

static int prop_no_duplicates(struct prop *x, char *why, size_t n)
{
    const char *dup = duplicate(&x->p);
    return dup ? failed(why, n, "%s came twice", dup) : 0;
}

static int prop_pages_within_limit(struct prop *x, char *why, size_t n)
{
    /* the client library refuses a page of more IDs than Limit, and the
     * pull fails on it (run_property): a pull that ended kept to Limit */
    (void)x, (void)why, (void)n;
    return 0;
}

static int prop_count_equals_total(struct prop *x, char *why, size_t n)
{
    if (x->p.n != x->p.first_total)
        return failed(why, n, "%zu IDs pulled, TotalCount %" PRIu64, x->p.n,
                      x->p.first_total);
    return 0;
}

static int prop_total_stable(struct prop *x, char *why, size_t n)
{
    static const unsigned limits[] = {1, 7, 1000, 10000};
    if (x->p.total_changed)
        return failed(why, n, "TotalCount changed from page to page");
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        uint64_t t = 0;
        if (total_of(x->cl, x->type, limits[i], i ? x->p.max_next / 2 : 0, &t,
                     why, n))
            return 1;
        if (t != x->p.first_total)
            return failed(why, n,
                          "TotalCount %" PRIu64 " for Limit %u, %" PRIu64
                          " for Limit %u",
                          t, limits[i], x->p.first_total, x->limit);
    }
    return 0;
}

static int prop_next_exact(struct prop *x, char *why, size_t n)
{
    /* every Next was read as an exact unsigned 64-bit integer (the client
     * refuses anything else) and, sent back, went on where the page before
     * stopped */
    const char *dup = duplicate(&x->p);
    if (x->p.overlap || dup)
        return failed(why, n,
                      "a page repeated %s: a Next was not read back exactly",
                      dup ? dup : "IDs of the page before");
    if (x->p.n != x->p.first_total)
        return failed(why, n,
                      "%zu IDs pulled, TotalCount %" PRIu64
                      ": a Next was not read back exactly",
                      x->p.n, x->p.first_total);
    return 0;
}

static int prop_type_totals_add_up(struct prop *x, char *why, size_t n)
{
    uint64_t all = 0, sum = 0, t = 0;
    if (total_of(x->cl, NULL, 1, 0, &all, why, n))
        return 1;
    for (size_t i = 0; i < sizeof all_types / sizeof *all_types; i++) {
        if (total_of(x->cl, all_types[i], 1, 0, &t, why, n))
            return 1;
        sum += t;
    }
    if (sum != all)
        return failed(why, n,
                      "the types' TotalCounts add up to %" PRIu64
                      ", the unfiltered one is %" PRIu64,
                      sum, all);
    return 0;
}

static int prop_types_partition(struct prop *x, char *why, size_t n)
{
    struct pull all = {0};
    int rc = 0;
    if (duplicate(&x->p))
        return failed(why, n, "the unfiltered pull repeats an ID");
    /* the per-type pulls, merged, are the whole */
    for (size_t i = 0; i < sizeof all_types / sizeof *all_types && !rc; i++) {
        struct pull t;
        pull_run(x->cl, all_types[i], x->limit, &t);
        if (t.error[0])
            rc = failed(why, n, "%s: %s", all_types[i], t.error);
        for (size_t k = 0; k < t.n && !rc; k++) {
            if (grow(&all.ids, &all.cap, all.n, sizeof *all.ids) != 0)
                rc = failed(why, n, "out of memory");
            else
                all.ids[all.n++] = t.ids[k], t.ids[k] = NULL;
        }
        pull_release(&t);
    }
    const char *dup = rc ? NULL : duplicate(&all);
    if (dup)
        rc = failed(why, n, "%s is in two types", dup);
    else if (!rc && !same_set(&x->p, &all))
        rc = failed(why, n,
                    "the types hold %zu IDs in all, the unfiltered pull %zu",
                    all.n, x->p.n);
    pull_release(&all);
    return rc;
}

static int prop_limits_same_set(struct prop *x, char *why, size_t n)
{
    const cJSON *limits = item(x->c->doc, "limits");
    if (duplicate(&x->p))
        return failed(why, n, "the pull at Limit %u repeats an ID", x->limit);
    int rc = 0;
    for (const cJSON *l = limits ? limits->child : NULL; l && !rc;
         l = l->next) {
        struct pull q;
        pull_run(x->cl, x->type, (unsigned)l->valueint, &q);
        duplicate(&q);
        if (q.error[0] || !same_set(&x->p, &q))
            rc =
                failed(why, n, "Limit %d gives %zu IDs, Limit %u gives %zu%s%s",
                       l->valueint, q.n, x->limit, x->p.n,
                       q.error[0] ? ": " : " (another set)", q.error);
        pull_release(&q);
    }
    return rc;
}

/* The properties (cases.c case_properties names them); pull: the check
 * needs the pull at the case's type and Limit to have ended on Next 0
 * (ends and no_cursor_repeat judge a pull that did not). */
static const struct {
    const char *name;
    enum { PULL_NONE, PULL_ANY, PULL_ENDED } pull;
    prop_fn *check;
} properties[] = {
    {"ends", PULL_ANY, prop_ends},
    {"no_cursor_repeat", PULL_ANY, prop_no_cursor_repeat},
    {"no_duplicates", PULL_ENDED, prop_no_duplicates},
    {"pages_within_limit", PULL_ENDED, prop_pages_within_limit},
    {"count_equals_total", PULL_ENDED, prop_count_equals_total},
    {"total_stable", PULL_ENDED, prop_total_stable},
    {"next_exact", PULL_ENDED, prop_next_exact},
    {"type_totals_add_up", PULL_NONE, prop_type_totals_add_up},
    {"types_partition", PULL_ENDED, prop_types_partition},
    {"limits_same_set", PULL_ENDED, prop_limits_same_set},
};

static int run_property(const struct tcase_data *c, const struct endpoint *e,
                        char *why, size_t n)
{
    const cJSON *type_j = item(c->doc, "type"),
                *limit_j = item(c->doc, "limit");
    size_t i = 0;
    while (i < sizeof properties / sizeof *properties &&
           strcmp(properties[i].name, c->property) != 0)
        i++;
    if (i == sizeof properties / sizeof *properties)
        return failed(why, n, "unknown property %s", c->property);
    struct prop x = {
        .c = c,
        .type = cJSON_IsString(type_j) ? type_j->valuestring : NULL,
        .limit = cJSON_IsNumber(limit_j) ? (unsigned)limit_j->valueint : 1000,
    };
    x.cl = client_for(e, why, n);
    if (!x.cl)
        return 1;
    int rc = 0;
    if (properties[i].pull != PULL_NONE)
        pull_run(x.cl, x.type, x.limit, &x.p);
    if (properties[i].pull == PULL_ENDED && !x.p.ended)
        rc = failed(why, n, "the pull failed: %s", x.p.error);
    else
        rc = properties[i].check(&x, why, n);
    pull_release(&x.p);
    tim_client_free(x.cl);
    return rc;
}

/* A client case: the mock's journal of what the client sent, held to the
 * case's expectations by POST /__admin/verify. */
static int run_client(const struct tcase_data *c, const struct endpoint *e,
                      char *why, size_t n)
{
    cJSON *req = cJSON_CreateObject(), *expect = cJSON_Duplicate(c->verify, 1);
    char *body = NULL;
    if (req && expect &&
        cJSON_AddNumberToObject(req, "sdkappid", (double)e->creds.sdkappid) &&
        cJSON_AddStringToObject(req, "identifier", e->creds.admin) &&
        cJSON_AddItemToObject(req, "expect", expect)) {
        expect = NULL; /* req holds it */
        body = cJSON_PrintUnformatted(req);
    }
    cJSON_Delete(expect);
    cJSON_Delete(req);
    if (!body)
        return failed(why, n, "out of memory");
    struct tim_raw_target t;
    struct tim_raw_request rr = {"POST", "/__admin/verify", NULL, 0,
                                 body,   strlen(body),      NULL, NULL};
    struct tim_raw_answer a;
    struct tim_error err;
    run_raw_target(e, &t);
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
    tim_raw_answer_release(&a);
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
