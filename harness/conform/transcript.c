/* transcript: recording and reading exchanges (transcript.h). */
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonget.h"
#include "jsonint.h"
#include "redact.h"
#include "usersig.h"

struct transcript {
    cJSON *doc, *exchanges;
    size_t bytes; /* what the exchanges hold, about */
    char error[256];
    int anonymize;
    tim_alias *aliases; /* the stand-ins (--anonymize) */
    char app[32], other[32], admin[128], nonadmin[128]; /* the real ones */
};

/* The headers of an answer a transcript keeps. */
static const char *const kept_headers[] = {
    "Content-Type",
    "Content-Length",
    "Server",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
};

static void fail(transcript *t, const char *what)
{
    if (!t->error[0])
        snprintf(t->error, sizeof t->error, "%s", what);
}

/* ---- stand-ins ---- */

/* Replaces every occurrence of a known real value (the app, the
 * identifiers) in s[0..len) by its stand-in, in place: lengths are kept. */
static int replace_known(transcript *t, char *s, size_t len)
{
    const char *known[] = {t->app, t->other, t->admin, t->nonadmin};
    for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
        size_t kl = strlen(known[k]);
        if (!kl)
            continue;
        const char *fake = tim_alias_of(t->aliases, known[k], kl);
        if (!fake)
            return -1;
        for (char *p = s; (p = memmem(p, len - (size_t)(p - s), known[k], kl));
             p += kl)
            memcpy(p, fake, kl);
    }
    return 0;
}

/* Replaces the GroupId strings of the answer's GroupIdList, in place. */
static int replace_group_ids(transcript *t, char *body, size_t len)
{
    const char *list;
    size_t list_len, pos = 0;
    if (!jsonint_valid(body, len) || !jsonint_object(body, len) ||
        !jsonint_member(body, len, "GroupIdList", &list, &list_len) ||
        list[0] != '[')
        return 0;
    const char *el;
    size_t el_len;
    while (jsonint_element(list, list_len, &pos, &el, &el_len)) {
        const char *id;
        size_t id_len;
        if (el[0] != '{' ||
            !jsonint_member(el, el_len, "GroupId", &id, &id_len) ||
            id[0] != '"' || id_len < 2)
            continue;
        /* the raw text between the quotes; an escape becomes letters */
        char *raw = (char *)id + 1;
        size_t raw_len = id_len - 2;
        if (memchr(raw, '\\', raw_len))
            for (size_t i = 0; i < raw_len; i++)
                if (raw[i] == '\\' || raw[i] == '"')
                    raw[i] = 'x';
        const char *fake = tim_alias_of(t->aliases, raw, raw_len);
        if (!fake)
            return -1;
        memcpy(raw, fake, raw_len);
    }
    return 0;
}

/* The app's neighbour (the cases' $OTHER_SDKAPPID) stands in as the
 * stand-in's neighbour, so replay still finds it, where lengths allow. */
static int other_alias(transcript *t)
{
    const char *fake = tim_alias_of(t->aliases, t->app, strlen(t->app));
    uint64_t f = 0;
    char next[32];
    if (!fake)
        return -1;
    if (jsonint_parse_u64(fake, strlen(fake), &f) != 0 || f == UINT64_MAX)
        return 0;
    snprintf(next, sizeof next, "%" PRIu64, f + 1);
    return tim_alias_set(t->aliases, t->other, next) < 0 ? -1 : 0;
}

/* ---- recording ---- */

transcript *transcript_new(const char *target, const char *region,
                           const struct transcript_who *who, int anonymize)
{
    transcript *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->anonymize = anonymize;
    uint64_t salt;
    if (getrandom(&salt, sizeof salt, 0) != sizeof salt)
        salt = (uint64_t)time(NULL) ^ (uint64_t)getpid();
    if (!(t->aliases = tim_alias_new(salt))) {
        free(t);
        return NULL;
    }
    snprintf(t->app, sizeof t->app, "%" PRIu64, who->sdkappid);
    snprintf(t->admin, sizeof t->admin, "%s", who->admin);
    snprintf(t->nonadmin, sizeof t->nonadmin, "%s",
             who->nonadmin ? who->nonadmin : "");
    snprintf(t->other, sizeof t->other, "%" PRIu64, who->sdkappid + 1);
    if (anonymize && other_alias(t) != 0) {
        transcript_free(t);
        return NULL;
    }
    char app[32], admin[128], nonadmin[128], when[32];
    memcpy(app, t->app, sizeof app);
    memcpy(admin, t->admin, sizeof admin);
    memcpy(nonadmin, t->nonadmin, sizeof nonadmin);
    if (anonymize && (replace_known(t, app, strlen(app)) ||
                      replace_known(t, admin, strlen(admin)) ||
                      replace_known(t, nonadmin, strlen(nonadmin)))) {
        transcript_free(t);
        return NULL;
    }
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    cJSON *d = t->doc = cJSON_CreateObject();
    if (!d || !cJSON_AddNumberToObject(d, "transcript", TRANSCRIPT_FORMAT) ||
        !cJSON_AddStringToObject(d, "target", target) ||
        !(region ? cJSON_AddStringToObject(d, "region", region)
                 : cJSON_AddNullToObject(d, "region")) ||
        !cJSON_AddStringToObject(d, "recorded", when) ||
        !cJSON_AddStringToObject(d, "timconform", TIMCLIENT_VERSION) ||
        !cJSON_AddBoolToObject(d, "anonymized", anonymize) ||
        !cJSON_AddStringToObject(d, "sdkappid", app) ||
        !cJSON_AddStringToObject(d, "identifier", admin) ||
        !cJSON_AddStringToObject(d, "nonadmin", nonadmin) ||
        !(t->exchanges = cJSON_AddArrayToObject(d, "exchanges"))) {
        transcript_free(t);
        return NULL;
    }
    return t;
}

void transcript_free(transcript *t)
{
    if (!t)
        return;
    cJSON_Delete(t->doc);
    tim_alias_free(t->aliases);
    free(t);
}

/* Appends s percent-encoded as a query's name or value (unreserved
 * characters kept), NUL-terminated; 0, or -1 when it does not fit. */
static int encode(const char *s, char *out, size_t size, size_t *len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || strchr("-._~", c);
        if (*len + (plain ? 1 : 3) >= size)
            return -1;
        if (plain) {
            out[(*len)++] = (char)c;
        } else {
            out[(*len)++] = '%';
            out[(*len)++] = hex[c >> 4];
            out[(*len)++] = hex[c & 15];
        }
    }
    out[*len] = '\0';
    return 0;
}

/* The query as sent, redacted (NULL when it does not fit: 8 KiB). */
static char *query_text(transcript *t, const struct tim_raw_request *rq)
{
    char q[8192], *out = malloc(sizeof q);
    size_t len = 0, olen = 0;
    q[0] = '\0';
    for (size_t i = 0; out && i < rq->n_params; i++) {
        if (!rq->params[i].value)
            continue;
        char value[2048];
        if ((size_t)snprintf(value, sizeof value, "%s", rq->params[i].value) >=
            sizeof value)
            goto fail;
        if (t->anonymize && replace_known(t, value, strlen(value)) != 0)
            goto fail;
        if (len + 2 >= sizeof q)
            goto fail;
        if (len)
            q[len++] = '&';
        if (encode(rq->params[i].name, q, sizeof q, &len) != 0 ||
            len + 2 >= sizeof q)
            goto fail;
        q[len++] = '=';
        if (encode(value, q, sizeof q, &len) != 0)
            goto fail;
    }
    if (out)
        redact_query(q, len, out, sizeof q, &olen);
    return out;
fail:
    free(out);
    return NULL;
}

/* The case's UserSig description, with a raw UserSig redacted. */
static cJSON *sig_spec(const cJSON *spec)
{
    cJSON *s = spec ? cJSON_Duplicate(spec, 1) : cJSON_CreateObject();
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(s, "raw");
    if (s && cJSON_IsString(raw) && usersig_holds_sig(raw->valuestring) &&
        !cJSON_ReplaceItemInObjectCaseSensitive(
            s, "raw", cJSON_CreateString(REDACT_TEXT))) {
        cJSON_Delete(s);
        return NULL;
    }
    return s;
}

static cJSON *answer_object(transcript *t, const struct tim_raw_answer *a,
                            char *body)
{
    cJSON *o = cJSON_CreateObject(), *h = NULL;
    if (!o || !cJSON_AddNumberToObject(o, "status", (double)a->http_status) ||
        !(h = cJSON_AddObjectToObject(o, "headers")))
        goto fail;
    for (size_t i = 0; i < sizeof kept_headers / sizeof *kept_headers; i++) {
        char v[1024];
        if (tim_raw_header(a->headers, kept_headers[i], v, sizeof v) &&
            !cJSON_AddStringToObject(h, kept_headers[i], v))
            goto fail;
    }
    if (t->anonymize && (replace_group_ids(t, body, a->len) != 0 ||
                         replace_known(t, body, a->len) != 0))
        goto fail;
    if (!cJSON_AddStringToObject(o, "body", body))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

void transcript_add(transcript *t, const struct tcase_data *c,
                    const struct tim_raw_request *rq, const cJSON *usersig_spec,
                    const struct tim_raw_answer *a)
{
    if (t->error[0])
        return;
    if (memchr(a->body, '\0', a->len) ||
        (rq->body && memchr(rq->body, '\0', rq->body_len))) {
        fail(t, "a body holds a NUL byte: a transcript keeps text only");
        return;
    }
    t->bytes += a->len + rq->body_len + 1024;
    if (t->bytes > TRANSCRIPT_FILE_MAX / 2) {
        fail(t, "the exchanges exceed the transcript's size cap");
        return;
    }
    char *qs = query_text(t, rq), *body = strndup(a->body, a->len),
         *rbody = strndup(rq->body ? rq->body : "", rq->body_len);
    char label[2] = {c->label, '\0'};
    cJSON *x = cJSON_CreateObject(), *r = NULL, *ans = NULL;
    if (!qs || !body || !rbody || !x)
        goto fail;
    if (t->anonymize && replace_known(t, rbody, rq->body_len) != 0)
        goto fail;
    if (!cJSON_AddStringToObject(x, "case", c->id) ||
        !cJSON_AddStringToObject(x, "title", c->title) ||
        !cJSON_AddStringToObject(x, "label", label) ||
        !cJSON_AddStringToObject(x, "rule", c->rule ? c->rule : "") ||
        !(r = cJSON_AddObjectToObject(x, "request")) ||
        !cJSON_AddStringToObject(r, "method",
                                 rq->method ? rq->method : "POST") ||
        !cJSON_AddStringToObject(r, "path", rq->path) ||
        !cJSON_AddStringToObject(r, "query", qs) ||
        !(rq->host ? cJSON_AddStringToObject(r, "host", rq->host)
                   : cJSON_AddNullToObject(r, "host")) ||
        !(rq->content_type
              ? cJSON_AddStringToObject(r, "content_type", rq->content_type)
              : cJSON_AddNullToObject(r, "content_type")) ||
        !cJSON_AddStringToObject(r, "body", rbody))
        goto fail;
    cJSON *spec = sig_spec(usersig_spec);
    if (!spec || !cJSON_AddItemToObject(r, "usersig", spec)) {
        cJSON_Delete(spec);
        goto fail;
    }
    if (!(ans = answer_object(t, a, body)) ||
        !cJSON_AddItemToObject(x, "answer", ans)) {
        cJSON_Delete(ans);
        goto fail;
    }
    if (!cJSON_AddItemToArray(t->exchanges, x))
        goto fail;
    x = NULL;
    goto out;
fail:
    fail(t, "out of memory while recording");
out:
    cJSON_Delete(x);
    free(qs);
    free(body);
    free(rbody);
}

int transcript_write(const transcript *t, const char *path, char *err, size_t n)
{
    if (t->error[0]) {
        snprintf(err, n, "%s: %s", path, t->error);
        return -1;
    }
    char *text = cJSON_Print(t->doc);
    if (!text) {
        snprintf(err, n, "%s: out of memory", path);
        return -1;
    }
    size_t len = strlen(text);
    int rc = -1;
    FILE *f = NULL;
    if (len + 1 > TRANSCRIPT_FILE_MAX)
        snprintf(err, n, "%s: %zu bytes: a transcript is at most %u MiB", path,
                 len + 1, TRANSCRIPT_FILE_MAX >> 20);
    else if (!(f = fopen(path, "w")))
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
    else if (fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF)
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
    else
        rc = 0;
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
        rc = -1;
    }
    free(text);
    return rc;
}

/* ---- reading ---- */

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Checks one exchange; NULL when it is well formed, else the problem. */
static const char *exchange_problem(const cJSON *x, char *where, size_t n,
                                    int i)
{
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(x, "request"),
                *a = cJSON_GetObjectItemCaseSensitive(x, "answer");
    int64_t status;
    snprintf(where, n, "$.exchanges[%d]", i);
    if (!cJSON_IsObject(x))
        return "not an object";
    if (!str(x, "case") || !str(x, "label") || strlen(str(x, "label")) != 1)
        return "case and label (one letter) must be strings";
    if (!cJSON_IsObject(rq) || !str(rq, "method") || !str(rq, "path") ||
        !str(rq, "query") || !str(rq, "body"))
        return "request needs the strings method, path, query and body";
    if (!cJSON_IsObject(a) || !str(a, "body") ||
        jsonget_i64(cJSON_GetObjectItemCaseSensitive(a, "status"), 100, 599,
                    &status) != 0)
        return "answer needs status (100 to 599) and body (a string)";
    return NULL;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int transcript_load(const char *path, struct case_list *out, cJSON **meta,
                    char *err, size_t n)
{
    size_t len = 0;
    char why[128], where[64] = "$";
    memset(out, 0, sizeof *out);
    *meta = NULL;
    char *text = cases_read_file(path, TRANSCRIPT_FILE_MAX, "a transcript",
                                 &len, err, n);
    if (!text)
        return -1;
    cJSON *doc = jsonget_parse(text, len, why, sizeof why);
    free(text);
    const char *problem = doc ? NULL : why;
    cJSON *xs = cJSON_DetachItemFromObjectCaseSensitive(doc, "exchanges");
    int64_t format = 0;
    if (!problem &&
        (jsonget_i64(cJSON_GetObjectItemCaseSensitive(doc, "transcript"), 1,
                     1000, &format) != 0 ||
         format != TRANSCRIPT_FORMAT))
        problem = "transcript: expected the format 1";
    else if (!problem && (!str(doc, "sdkappid") || !str(doc, "identifier") ||
                          !str(doc, "target")))
        problem = "target, sdkappid and identifier must be strings";
    else if (!problem && !cJSON_IsArray(xs))
        problem = "exchanges: expected an array";
    size_t count = problem ? 0 : (size_t)cJSON_GetArraySize(xs);
    if (!problem && count && !(out->v = calloc(count, sizeof *out->v)))
        problem = "out of memory";
    int i = 0;
    for (cJSON *x = problem ? NULL : xs->child; x && !problem;
         x = x->next, i++) {
        problem = exchange_problem(x, where, sizeof where, i);
        if (problem)
            break;
        struct tcase_data *c = &out->v[out->n++];
        c->label = str(x, "label")[0];
        c->file = strdup(path);
        c->id = dup_or_empty(str(x, "case"));
        c->title = dup_or_empty(str(x, "title"));
        c->rule = dup_or_empty(str(x, "rule"));
        c->fixture = strdup("");
        c->doc = cJSON_Duplicate(x, 1);
        if (!c->file || !c->id || !c->title || !c->rule || !c->fixture ||
            !c->doc)
            problem = "out of memory";
    }
    cJSON_Delete(xs);
    if (problem) {
        snprintf(err, n, "%s: %s: %s", path, where, problem);
        cJSON_Delete(doc);
        return -1;
    }
    *meta = doc;
    return 0;
}
