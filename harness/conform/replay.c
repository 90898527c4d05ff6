/* replay: a transcript against the mock, field by field (replay.h). */
#include "replay.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixture.h" /* the mock's FIXTURE_FILE_MAX */
#include "jsonget.h"
#include "jsonint.h"
#include "percent.h"
#include "redact.h"
#include "run.h"
#include "timclient.h"

/* The fields compared, the SPEC rule behind each and the fixture setting
 * that moves the mock to the recorded behaviour. */
static const struct field {
    const char *name, *rule, *setting;
} fields[] = {
    {"status", "SPEC 1: every answer is HTTP 200 with the envelope",
     "service.method_first, service.unknown_path_404"},
    {"Content-Type", "SPEC 1: answers are application/json", "-"},
    {"body", "SPEC 1: the answer is the JSON envelope", "-"},
    {"ErrorInfo key", "SPEC 1 (v2): a success may have no ErrorInfo",
     "envelope.omit_error_info_on_success"},
    {"ActionStatus key", "SPEC 1 (v2): the envelope's keys",
     "envelope.omit_action_status"},
    {"RequestId key", "SPEC 1 (v2): the envelope's keys",
     "envelope.request_id"},
    {"keys", "SPEC 1 (v2): the envelope's keys", "-"},
    {"key order", "SPEC 1 (v2): real answers order their keys differently",
     "envelope.alphabetical, envelope.error_info_before_code"},
    {"ErrorCode", "SPEC 4: which error, in which order",
     "service.use_70020, strict.null_fields, strict.empty_grouptype"},
    {"ErrorInfo", "SPEC 1 (v2): ErrorInfo texts", "error_texts"},
    {"TotalCount", "SPEC 3: TotalCount counts the app's (or type's) groups",
     "the app's groups (generate.counts, groups)"},
    {"page length", "SPEC 3: a page holds at most Limit groups",
     "the app's groups (generate.counts, groups)"},
    {"GroupId shape", "SPEC 3: server-made IDs start with @TGS#",
     "generate.ids"},
    {"Next", "SPEC 3: Next is there on every success, 0 on the last page",
     "the app's groups (generate.counts, groups)"},
};

static const struct field *field_of(const char *name)
{
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return &fields[2];
}

/* What a comparison collects. */
struct cmp {
    const struct tcase_data *c;
    struct replay_diffs *d;
    char *why;
    size_t n, used;
    int count, oom;
};

static void differ(struct cmp *k, const char *name, const char *rec,
                   size_t rec_len, const char *mock, size_t mock_len)
{
    const struct field *f = field_of(name);
    if (k->used < k->n) {
        int w =
            snprintf(k->why + k->used, k->n - k->used,
                     "%s%s: recorded %.*s, the mock %.*s", k->count ? "; " : "",
                     name, (int)(rec_len > 100 ? 100 : rec_len), rec,
                     (int)(mock_len > 100 ? 100 : mock_len), mock);
        k->used += w > 0 ? (size_t)w : 0;
    }
    k->count++;
    if (!k->d)
        return;
    if (k->d->n == k->d->cap) {
        size_t cap = k->d->cap ? k->d->cap * 2 : 64;
        struct replay_diff *v = realloc(k->d->v, cap * sizeof *v);
        if (!v) {
            k->oom = 1;
            return;
        }
        k->d->v = v;
        k->d->cap = cap;
    }
    struct replay_diff *x = &k->d->v[k->d->n++];
    snprintf(x->case_id, sizeof x->case_id, "%s", k->c->id);
    snprintf(x->field, sizeof x->field, "%s", name);
    snprintf(x->recorded, sizeof x->recorded, "%.*s",
             (int)(rec_len > 150 ? 150 : rec_len), rec);
    snprintf(x->mock, sizeof x->mock, "%.*s",
             (int)(mock_len > 150 ? 150 : mock_len), mock);
    x->rule = f->rule;
    x->setting = f->setting;
}

static void differ_s(struct cmp *k, const char *name, const char *rec,
                     const char *mock)
{
    differ(k, name, rec, strlen(rec), mock, strlen(mock));
}

/* The envelope's member names in order, comma-separated (raw tokens without
 * their quotes). */
static void key_list(const char *body, size_t len, char *out, size_t n)
{
    size_t pos = 0, o = 0;
    const char *name, *val;
    size_t nl, vl;
    out[0] = '\0';
    while (jsonint_member_next(body, len, &pos, &name, &nl, &val, &vl)) {
        int w = snprintf(out + o, n - o, "%s%.*s", o ? "," : "", (int)(nl - 2),
                         name + 1);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
}

/* Is the key in the comma list? */
static int listed(const char *list, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = list; (p = strstr(p, key)); p += kl)
        if ((p == list || p[-1] == ',') && (p[kl] == ',' || !p[kl]))
            return 1;
    return 0;
}

/* The same names, whatever their order? */
static int same_names(const char *a, const char *b)
{
    char tmp[1024];
    size_t na = 0, nb = 0;
    snprintf(tmp, sizeof tmp, "%s", a);
    for (char *s, *t = strtok_r(tmp, ",", &s); t; t = strtok_r(NULL, ",", &s))
        na++;
    snprintf(tmp, sizeof tmp, "%s", b);
    for (char *s, *t = strtok_r(tmp, ",", &s); t; t = strtok_r(NULL, ",", &s)) {
        nb++;
        if (!listed(a, t))
            return 0;
    }
    return na == nb;
}

/* The names of list a that list b has too, in a's order. */
static void common(const char *a, const char *b, char *out, size_t n)
{
    char tmp[1024];
    size_t o = 0;
    out[0] = '\0';
    snprintf(tmp, sizeof tmp, "%s", a);
    for (char *s, *t = strtok_r(tmp, ",", &s); t; t = strtok_r(NULL, ",", &s)) {
        if (!listed(b, t))
            continue;
        int w = snprintf(out + o, n - o, "%s%s", o ? "," : "", t);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
}

static void compare_keys(struct cmp *k, const char *rb, size_t rl,
                         const char *mb, size_t ml)
{
    char rk[1024], mk[1024];
    key_list(rb, rl, rk, sizeof rk);
    key_list(mb, ml, mk, sizeof mk);
    if (strcmp(rk, mk) == 0)
        return;
    if (same_names(rk, mk)) {
        differ_s(k, "key order", rk, mk);
        return;
    }
    static const char *const known[] = {"ErrorInfo", "ActionStatus",
                                        "RequestId"};
    int named = 0;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        if (listed(rk, known[i]) == listed(mk, known[i]))
            continue;
        char name[32];
        snprintf(name, sizeof name, "%s key", known[i]);
        differ_s(k, name, listed(rk, known[i]) ? "present" : "absent",
                 listed(mk, known[i]) ? "present" : "absent");
        named = 1;
    }
    if (!named)
        differ_s(k, "keys", rk, mk);
    /* the keys both have, in each one's order */
    char rc[1024], mc[1024];
    common(rk, mk, rc, sizeof rc);
    common(mk, rk, mc, sizeof mc);
    if (strcmp(rc, mc) != 0)
        differ_s(k, "key order", rc, mc);
}

/* A member's raw text, or "absent". */
static void member(const char *b, size_t l, const char *key, const char **v,
                   size_t *vl)
{
    if (!jsonint_member(b, l, key, v, vl)) {
        *v = "absent";
        *vl = 6;
    }
}

static void compare_member(struct cmp *k, const char *name, const char *rb,
                           size_t rl, const char *mb, size_t ml)
{
    const char *r, *m;
    size_t rvl, mvl;
    member(rb, rl, name, &r, &rvl);
    member(mb, ml, name, &m, &mvl);
    if (rvl != mvl || memcmp(r, m, rvl) != 0)
        differ(k, name, r, rvl, m, mvl);
}

/* A page's length and its first ID's shape. */
static void page_shape(const char *b, size_t l, size_t *ids, int *tgs)
{
    const char *list, *el, *id;
    size_t ll, el_len, il, pos = 0;
    *ids = 0;
    *tgs = -1;
    if (!jsonint_member(b, l, "GroupIdList", &list, &ll) || list[0] != '[')
        return;
    while (jsonint_element(list, ll, &pos, &el, &el_len)) {
        if (!*ids && el[0] == '{' &&
            jsonint_member(el, el_len, "GroupId", &id, &il))
            *tgs = il > 6 && memcmp(id, "\"@TGS#", 6) == 0;
        (*ids)++;
    }
}

/* Next by shape: absent, 0, a non-zero integer, or something else. */
static const char *next_shape(const char *b, size_t l)
{
    const char *v;
    size_t vl;
    uint64_t u;
    if (!jsonint_member(b, l, "Next", &v, &vl))
        return "absent";
    if (jsonint_parse_u64(v, vl, &u) != 0)
        return "not an unsigned integer";
    return u ? "a non-zero integer" : "0";
}

static void compare_bodies(struct cmp *k, const char *rb, size_t rl,
                           const char *mb, size_t ml)
{
    int rj = jsonint_valid(rb, rl) && jsonint_object(rb, rl),
        mj = jsonint_valid(mb, ml) && jsonint_object(mb, ml);
    if (!rj || !mj) {
        if (rl != ml || memcmp(rb, mb, rl) != 0)
            differ(k, "body", rb, rl, mb, ml);
        return;
    }
    compare_keys(k, rb, rl, mb, ml);
    compare_member(k, "ErrorCode", rb, rl, mb, ml);
    const char *ri, *mi;
    size_t ril, mil;
    if (jsonint_member(rb, rl, "ErrorInfo", &ri, &ril) &&
        jsonint_member(mb, ml, "ErrorInfo", &mi, &mil) &&
        (ril != mil || memcmp(ri, mi, ril) != 0))
        differ(k, "ErrorInfo", ri, ril, mi, mil);
    compare_member(k, "TotalCount", rb, rl, mb, ml);
    size_t rn, mn;
    int rt, mt;
    page_shape(rb, rl, &rn, &rt);
    page_shape(mb, ml, &mn, &mt);
    char a[32], b[32];
    if (rn != mn) {
        snprintf(a, sizeof a, "%zu", rn);
        snprintf(b, sizeof b, "%zu", mn);
        differ_s(k, "page length", a, b);
    }
    if (rt >= 0 && mt >= 0 && rt != mt)
        differ_s(k, "GroupId shape", rt ? "@TGS#..." : "no @TGS# prefix",
                 mt ? "@TGS#..." : "no @TGS# prefix");
    const char *rs = next_shape(rb, rl), *ms = next_shape(mb, ml);
    if (strcmp(rs, ms) != 0)
        differ_s(k, "Next", rs, ms);
}

/* ---- the request again ---- */

#define MAX_PARAMS 32

struct request {
    struct tim_param p[MAX_PARAMS];
    char names[MAX_PARAMS][256], values[MAX_PARAMS][2048];
    char *sig;
    size_t np;
};

/* The recorded query, with the transcript's app and identifiers replaced by
 * the endpoint's and a redacted UserSig made again. */
static int rebuild_query(struct request *q, const char *query,
                         const cJSON *spec, const cJSON *meta,
                         const struct endpoint *e, char *why, size_t n)
{
    const char *app = cJSON_GetStringValue(
                   cJSON_GetObjectItemCaseSensitive(meta, "sdkappid")),
               *admin = cJSON_GetStringValue(
                   cJSON_GetObjectItemCaseSensitive(meta, "identifier")),
               *nonadmin = cJSON_GetStringValue(
                   cJSON_GetObjectItemCaseSensitive(meta, "nonadmin"));
    char other[32] = "";
    uint64_t rec_app = 0;
    if (app && jsonint_parse_u64(app, strlen(app), &rec_app) == 0 &&
        rec_app < UINT64_MAX)
        snprintf(other, sizeof other, "%" PRIu64, rec_app + 1);
    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (q->np == MAX_PARAMS)
            return snprintf(why, n, "the query has more than %d parameters",
                            MAX_PARAMS),
                   1;
        size_t nl = (size_t)((eq ? eq : end) - p),
               vl = eq ? (size_t)(end - eq - 1) : 0;
        if (nl >= sizeof q->names[0] || vl >= sizeof q->values[0])
            return snprintf(why, n, "a query parameter is too long"), 1;
        char *name = q->names[q->np], *value = q->values[q->np];
        percent_decode(p, nl, name);
        percent_decode(eq ? eq + 1 : "", vl, value);
        if (app && strcmp(value, app) == 0)
            snprintf(value, sizeof q->values[0], "%" PRIu64, e->creds.sdkappid);
        else if (other[0] && strcmp(value, other) == 0)
            snprintf(value, sizeof q->values[0], "%" PRIu64,
                     e->creds.sdkappid + 1);
        else if (admin && strcmp(value, admin) == 0)
            snprintf(value, sizeof q->values[0], "%s", e->creds.admin);
        else if (nonadmin && nonadmin[0] && strcmp(value, nonadmin) == 0)
            snprintf(value, sizeof q->values[0], "%s", e->creds.nonadmin);
        q->p[q->np].name = name;
        q->p[q->np].value = value;
        if (strcmp(value, REDACT_TEXT) == 0) {
            if (!q->sig && run_make_sig(spec, &e->creds, &q->sig, why, n))
                return 1;
            q->p[q->np].value = q->sig ? q->sig : "";
        }
        q->np++;
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static const char *get(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

int replay_exchange(const struct tcase_data *c, const cJSON *meta,
                    const struct endpoint *e, struct replay_diffs *d, char *why,
                    size_t n)
{
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(c->doc, "request"),
                *ra = cJSON_GetObjectItemCaseSensitive(c->doc, "answer");
    struct request *q = calloc(1, sizeof *q);
    why[0] = '\0';
    if (!q)
        return snprintf(why, n, "out of memory"), 1;
    int rc = 1;
    if (rebuild_query(q, get(rq, "query"),
                      cJSON_GetObjectItemCaseSensitive(rq, "usersig"), meta, e,
                      why, n) != 0)
        goto out;
    const char *body = get(rq, "body");
    struct tim_raw_request rr = {
        get(rq, "method"),
        get(rq, "path"),
        q->p,
        q->np,
        body,
        strlen(body),
        get(rq, "content_type"),
        get(rq, "host"),
    };
    struct tim_raw_target t;
    struct tim_raw_answer a;
    struct tim_error err;
    run_raw_target(e, &t);
    if (tim_raw_request(&t, &rr, &a, &err) != TIM_OK) {
        snprintf(why, n, "the request failed: %s", err.message);
        goto out;
    }
    struct cmp k = {c, d, why, n, 0, 0, 0};
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(ra, "status");
    char rs[32], ms[32], mct[256];
    snprintf(rs, sizeof rs, "%.0f", status->valuedouble);
    snprintf(ms, sizeof ms, "%ld", a.http_status);
    if (strcmp(rs, ms) != 0)
        differ_s(&k, "status", rs, ms);
    const char *rct =
        get(cJSON_GetObjectItemCaseSensitive(ra, "headers"), "Content-Type");
    if (!tim_raw_header(a.headers, "Content-Type", mct, sizeof mct))
        snprintf(mct, sizeof mct, "absent");
    if (strcmp(rct ? rct : "absent", mct) != 0)
        differ_s(&k, "Content-Type", rct ? rct : "absent", mct);
    const char *rb = get(ra, "body");
    compare_bodies(&k, rb, strlen(rb), a.body, a.len);
    tim_raw_answer_release(&a);
    if (k.oom)
        snprintf(why, n, "out of memory");
    rc = k.count || k.oom;
out:
    free(q->sig);
    free(q);
    return rc;
}

/* ---- the parity table ---- */

int replay_parity(FILE *f, const struct replay_diffs *d, const struct result *r,
                  size_t n, const char *file, const char *target,
                  const struct replay_profile *p, size_t np)
{
    fprintf(f, "# Parity of a transcript\n\n");
    fprintf(f, "Transcript: %s. Replayed on: %s.\n\n", file, target);
    fprintf(f, "Group IDs and Next values are data the mock cannot know: "
               "they are compared by shape (the @TGS# prefix; Next absent, "
               "0 or a non-zero integer), not by value.\n\n");
    fprintf(f, "## Differences\n\n");
    fprintf(f, "| case | field | recorded | mock | SPEC rule | fixture "
               "setting |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < d->n; i++) {
        const struct replay_diff *x = &d->v[i];
        fprintf(f, "| %s | %s | ", x->case_id, x->field);
        report_cell(f, x->recorded);
        fputs(" | ", f);
        report_cell(f, x->mock);
        fprintf(f, " | %s | %s |\n", x->rule, x->setting);
    }
    fprintf(f, "\n## Exchanges\n\n| case | verdict |\n|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        static const char *const names[] = {"same", "differs", "skipped",
                                            "not run"};
        fprintf(f, "| %s | %s |\n", r[i].c->id, names[r[i].verdict]);
    }
    if (np) {
        fputc('\n', f);
        replay_profiles_print(f, p, np, 1);
    }
    return ferror(f) ? -1 : 0;
}

/* ---- the closest profile ---- */

int replay_profile_fixture(const char *in, const char *name, const char *out,
                           char *err, size_t n)
{
    static const char *const app_keys[] = {"profile", "envelope", "error_texts",
                                           "quirks", "strict"};
    static const char *const service_keys[] = {
        "profile",   "envelope",     "error_texts",
        "use_70020", "method_first", "unknown_path_404"};
    char why[128];
    size_t len = 0;
    int rc = -1;
    FILE *f = NULL;
    char *printed = NULL;
    char *text =
        cases_read_file(in, FIXTURE_FILE_MAX, "a fixture file", &len, err, n);
    if (!text)
        return -1;
    cJSON *root = jsonget_parse(text, len, why, sizeof why);
    free(text);
    if (!cJSON_IsObject(root)) {
        snprintf(err, n, "%s: %s", in, root ? "not a JSON object" : why);
        goto out;
    }
    cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, "service");
    if (!cJSON_IsObject(sv)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "service");
        if (!(sv = cJSON_AddObjectToObject(root, "service")))
            goto oom;
    }
    for (size_t i = 0; i < sizeof service_keys / sizeof *service_keys; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(sv, service_keys[i]);
    if (!cJSON_AddStringToObject(sv, "profile", name))
        goto oom;
    cJSON *app;
    cJSON_ArrayForEach(app, cJSON_GetObjectItemCaseSensitive(root, "apps"))
    {
        if (!cJSON_IsObject(app))
            continue; /* the mock says why */
        for (size_t i = 0; i < sizeof app_keys / sizeof *app_keys; i++)
            cJSON_DeleteItemFromObjectCaseSensitive(app, app_keys[i]);
        if (!cJSON_AddStringToObject(app, "profile", name))
            goto oom;
    }
    if (!(printed = cJSON_PrintUnformatted(root)))
        goto oom;
    if (!(f = fopen(out, "w"))) {
        snprintf(err, n, "cannot write %s", out);
        goto out;
    }
    if (fputs(printed, f) < 0 || fclose(f) != 0) {
        f = NULL;
        snprintf(err, n, "cannot write %s", out);
        goto out;
    }
    f = NULL;
    rc = 0;
    goto out;
oom:
    snprintf(err, n, "out of memory");
out:
    if (f)
        fclose(f);
    free(printed);
    cJSON_Delete(root);
    return rc;
}

/* The fields that the fixture's groups decide, not its settings. */
static int data_field(const char *name)
{
    return strcmp(name, "TotalCount") == 0 ||
           strcmp(name, "page length") == 0 ||
           strcmp(name, "GroupId shape") == 0;
}

void replay_profile_add(struct replay_profile *p, const struct replay_diffs *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (data_field(d->v[i].field))
            p->data++;
        else
            p->differences++;
    }
}

const struct replay_profile *replay_closest(const struct replay_profile *p,
                                            size_t n)
{
    const struct replay_profile *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!p[i].ran)
            continue;
        if (!best || p[i].differences < best->differences ||
            (p[i].differences == best->differences && p[i].data < best->data))
            best = &p[i];
    }
    return best;
}

int replay_profiles_print(FILE *f, const struct replay_profile *p, size_t n,
                          int markdown)
{
    const struct replay_profile *best = replay_closest(p, n);
    if (markdown)
        fprintf(f, "## Closest profile\n\n"
                   "Each shipped profile replayed on the fixture's groups, "
                   "the profile in place of the fixture's own settings. "
                   "Differences: in the fields a profile decides; data: in "
                   "TotalCount, page length and GroupId shape, which the "
                   "fixture's groups decide.\n\n"
                   "| profile | differences | data |\n|---|---|---|\n");
    else
        fprintf(f, "%-16s %11s %6s\n", "profile", "differences", "data");
    for (size_t i = 0; i < n; i++) {
        if (!p[i].ran && markdown) {
            fprintf(f, "| %s | not replayed: ", p[i].name);
            report_cell(f, p[i].why);
            fputs(" | |\n", f);
        } else if (!p[i].ran) {
            fprintf(f, "%-16s not replayed: %s\n", p[i].name, p[i].why);
        } else if (markdown) {
            fprintf(f, "| %s | %zu | %zu |\n", p[i].name, p[i].differences,
                    p[i].data);
        } else {
            fprintf(f, "%-16s %11zu %6zu\n", p[i].name, p[i].differences,
                    p[i].data);
        }
    }
    if (best)
        fprintf(f, "%sclosest profile: %s, %zu difference%s%s\n",
                markdown ? "\n" : "", best->name, best->differences,
                best->differences == 1 ? "" : "s", markdown ? "." : "");
    else
        fprintf(f, "%sclosest profile: none could be replayed\n",
                markdown ? "\n" : "");
    return ferror(f) ? -1 : 0;
}

void replay_diffs_release(struct replay_diffs *d)
{
    free(d->v);
    memset(d, 0, sizeof *d);
}
