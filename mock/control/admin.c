/* admin: the control plane's routes (admin.h). */
#include "admin.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "served.h"
#include "groupgen.h"
#include "journal.h"
#include "jsonget.h"
#include "request.h"
#include "verify.h"

/* Memory ran out while the answer was written: 500, and the body when
 * there is room for it. */
static void out_of_memory(struct api_answer *ans)
{
    ans->status = 500;
    buf_reset(&ans->body);
    if (buf_puts(&ans->body, "{\"error\":\"out of memory\"}") != 0)
        buf_reset(&ans->body);
}

/* Answers status with {"error": why}. */
static void error(struct api_answer *ans, int status, const char *why)
{
    ans->status = status;
    buf_reset(&ans->body);
    if (buf_puts(&ans->body, "{\"error\":") ||
        answer_json_string(&ans->body, why, strlen(why)) ||
        buf_puts(&ans->body, "}"))
        out_of_memory(ans);
}

static void ok(struct api_answer *ans, const char *json)
{
    ans->status = 200;
    buf_reset(&ans->body);
    if (buf_puts(&ans->body, json) != 0)
        out_of_memory(ans);
}

/* The body as a JSON object, read by jsonget's rules (no nesting deeper
 * than JSON_DEPTH_MAX, no NUL); NULL after answering 400. */
static cJSON *body_json(const struct api_request *req, struct api_answer *ans)
{
    char why[128], msg[192];
    cJSON *j = jsonget_parse(req->body ? req->body : "", req->body_len, why,
                             sizeof why);
    if (!cJSON_IsObject(j)) {
        snprintf(msg, sizeof msg, "the body must be a JSON object%s%s",
                 j ? "" : ": ", j ? "" : why);
        cJSON_Delete(j);
        error(ans, 400, msg);
        return NULL;
    }
    return j;
}

/* The envelope's flags as JSON members, after "{" (no comma before). */
static int envelope_json(struct buf *b, const struct envelope *e)
{
    return buf_printf(b,
                      "\"omit_error_info_on_success\":%s,\"alphabetical\":%s,"
                      "\"omit_action_status\":%s,\"request_id\":%s,\"cors\":%s,"
                      "\"error_info_before_code\":%s,\"error_texts\":%zu",
                      e->omit_error_info_on_success ? "true" : "false",
                      e->alphabetical ? "true" : "false",
                      e->omit_action_status ? "true" : "false",
                      e->request_id ? "true" : "false",
                      e->cors ? "true" : "false",
                      e->error_info_before_code ? "true" : "false", e->n_texts);
}

/* The settings of app a in force, as one JSON object (the fixture's names;
 * never the key). */
static int settings_json(struct buf *b, const struct app *a)
{
    int rc = buf_puts(b, "{\"admins\":[");
    for (size_t i = 0; i < a->n_admins && rc == 0; i++)
        rc = (i && buf_puts(b, ",")) ||
             answer_json_string(b, a->admins[i], strlen(a->admins[i]));
    rc |= buf_printf(b,
                     "],\"identifiers\":%zu,\"check_usersig\":%s,"
                     "\"answer_limit\":%zu,\"rate_limit\":",
                     a->n_identifiers, a->check_usersig ? "true" : "false",
                     a->answer_limit);
    if (a->rate_limit)
        rc |= buf_printf(b, "{\"calls_per_second\":%u,\"error_code\":%d}",
                         a->rate_limit, a->rate_limit_code);
    else
        rc |= buf_puts(b, "null");
    rc |= buf_printf(b,
                     ",\"quirks\":{\"next_on_last_page\":%s,\"omit_next\":%s,"
                     "\"console_type_names\":%s,\"get_like_post\":%s},"
                     "\"strict\":{\"null_fields\":%s,\"empty_grouptype\":%s},"
                     "\"envelope\":{",
                     a->quirks.next_on_last_page ? "true" : "false",
                     a->quirks.omit_next ? "true" : "false",
                     a->quirks.console_names ? "true" : "false",
                     a->quirks.get_like_post ? "true" : "false",
                     a->strict.null_is_error ? "true" : "false",
                     a->strict.empty_type_is_error ? "true" : "false");
    return rc || envelope_json(b, &a->envelope) || buf_puts(b, "}}");
}

static void list_apps(struct served *s, struct api_answer *ans)
{
    struct fixture *fx = served_get(s);
    struct buf *b = &ans->body;
    buf_reset(b);
    int rc = buf_puts(b, "{\"apps\":[");
    for (size_t i = 0; i < fx->store->n_apps && rc == 0; i++) {
        struct app *a = fx->store->apps[i];
        struct groupset *g = app_groups(a);
        rc = buf_printf(b, "%s{\"sdkappid\":%llu,\"region\":", i ? "," : "",
                        (unsigned long long)a->sdkappid);
        if (a->region)
            rc |= buf_printf(b, "\"%s\"", a->region->name);
        else
            rc |= buf_puts(b, "null");
        if (a->profile)
            rc |= buf_printf(b, ",\"profile\":\"%s\"", a->profile);
        else
            rc |= buf_puts(b, ",\"profile\":null");
        rc |= buf_printf(b, ",\"groups\":%zu,\"types\":{", g->n_groups);
        for (int t = 0; t < GT_COUNT; t++)
            rc |= buf_printf(b, "%s\"%s\":%zu", t ? "," : "",
                             group_type_name(t), g->n_by_type[t]);
        rc |= buf_puts(b, "},\"settings\":") || settings_json(b, a) ||
              buf_puts(b, "}");
        groupset_release(g);
    }
    const struct service *sv = &fx->store->service;
    rc |= buf_printf(b,
                     "],\"service\":{\"use_70020\":%s,\"method_first\":%s,"
                     "\"unknown_path_404\":%s,\"envelope\":{",
                     sv->use_70020 ? "true" : "false",
                     sv->method_first ? "true" : "false",
                     sv->unknown_path_404 ? "true" : "false") ||
          envelope_json(b, &sv->envelope) || buf_puts(b, "}}");
    ans->status = 200;
    if (rc || buf_puts(b, "}"))
        out_of_memory(ans);
    served_put(s, fx);
}

static void load_fixture(struct served *s, const struct api_request *req,
                         struct api_answer *ans, int reset)
{
    char err[512];
    const char *path = NULL;
    cJSON *j = NULL;
    if (!reset) {
        if (!(j = body_json(req, ans)))
            return;
        path =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "path"));
        if (!path) {
            error(ans, 400, "give {\"path\": \"FILE\"}");
            cJSON_Delete(j);
            return;
        }
    }
    if (served_load(s, path, err, sizeof err) != 0)
        error(ans, 400, err);
    else
        list_apps(s, ans);
    cJSON_Delete(j);
}

/* POST /__admin/apps/SDKAPPID/groups: one change, atomic for readers. */
static void change_groups(struct served *s, const struct api_request *req,
                          const char *rest, struct api_answer *ans)
{
    char why[512];
    uint64_t sdkappid = strtoull(rest, NULL, 10);
    const char *tail = rest + strspn(rest, "0123456789");
    if (strcmp(tail, "/groups") != 0 || !sdkappid) {
        error(ans, 404, "expected /__admin/apps/SDKAPPID/groups");
        return;
    }
    cJSON *j = body_json(req, ans);
    if (!j)
        return;
    struct fixture *fx = served_get(s);
    struct app *a = store_find_app(fx->store, sdkappid);
    const cJSON *create = cJSON_GetObjectItemCaseSensitive(j, "create");
    const cJSON *del = cJSON_GetObjectItemCaseSensitive(j, "delete");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(j, "generate");
    int nc = cJSON_GetArraySize(create), nd = cJSON_GetArraySize(del);
    const char **ids = calloc((size_t)nc + 1, sizeof *ids);
    int *types = calloc((size_t)nc + 1, sizeof *types);
    const char **dels = calloc((size_t)nd + 1, sizeof *dels);
    struct groupgen g;
    struct app_change ch = {ids, types, (size_t)nc, NULL, dels, (size_t)nd};
    int status = 400;
    if (!a) {
        status = 404;
        snprintf(why, sizeof why, "no app has the sdkappid %llu",
                 (unsigned long long)sdkappid);
        goto out;
    }
    if (!ids || !types || !dels) {
        status = 500;
        snprintf(why, sizeof why, "out of memory");
        goto out;
    }
    if ((create && !cJSON_IsArray(create)) || (del && !cJSON_IsArray(del))) {
        snprintf(why, sizeof why, "create and delete must be arrays");
        goto out;
    }
    int i = 0;
    for (const cJSON *e = create ? create->child : NULL; e; e = e->next, i++) {
        const char *id =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "id"));
        const char *t =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
        types[i] = t ? group_type_parse(t, strlen(t), 0) : -1;
        if (!id || types[i] < 0) {
            snprintf(why, sizeof why,
                     "$.create[%d]: needs \"id\" and a \"type\" of Public, "
                     "Private, ChatRoom, AVChatRoom, BChatRoom, Community",
                     i);
            goto out;
        }
        ids[i] = id;
    }
    i = 0;
    for (const cJSON *e = del ? del->child : NULL; e; e = e->next, i++)
        if (!(dels[i] = cJSON_GetStringValue(e))) {
            snprintf(why, sizeof why, "$.delete[%d]: must be a group ID", i);
            goto out;
        }
    if (gen) {
        if (fixture_parse_generate(gen, "generate", &g, why, sizeof why))
            goto out;
        uint64_t total = 0;
        for (int t = 0; t < GT_COUNT; t++)
            total += g.counts[t]; /* each at most 10^8: no overflow */
        if (total > ADMIN_GENERATE_MAX) {
            snprintf(why, sizeof why,
                     "generate: %llu groups, at most %u in one change",
                     (unsigned long long)total, ADMIN_GENERATE_MAX);
            goto out;
        }
        ch.generate = &g;
    }
    if (!nc && !nd && !gen) {
        snprintf(why, sizeof why, "give create, generate or delete");
        goto out;
    }
    struct groupset *before = app_groups(a);
    size_t n_before = before->n_groups;
    groupset_release(before);
    status = app_change(a, &ch, why, sizeof why);
out:
    if (status == 0) {
        /* another change may land between the two counts: then "created"
         * counts it too, which only an admin racing itself can see */
        struct groupset *gs = app_groups(a);
        buf_reset(&ans->body);
        ans->status = 200;
        if (buf_printf(&ans->body,
                       "{\"sdkappid\":%llu,\"created\":%zu,\"deleted\":%d,"
                       "\"groups\":%zu}",
                       (unsigned long long)sdkappid,
                       gs->n_groups + (size_t)nd - n_before, nd,
                       gs->n_groups) != 0)
            out_of_memory(ans);
        groupset_release(gs);
    } else {
        error(ans, status, why);
    }
    free(ids);
    free(types);
    free(dels);
    cJSON_Delete(j);
    served_put(s, fx);
}

static void faults_route(struct served *s, const struct api_request *req,
                         const char *rest, struct api_answer *ans)
{
    struct fixture *fx = served_get(s);
    const char *m = req->method;
    char err[512];
    if (strcmp(m, "GET") == 0 && !*rest) {
        buf_reset(&ans->body);
        ans->status = 200;
        if (buf_puts(&ans->body, "{\"faults\":") ||
            faults_json(&fx->faults, &ans->body) || buf_puts(&ans->body, "}"))
            out_of_memory(ans);
    } else if (strcmp(m, "POST") == 0 && !*rest) {
        struct fault_rule r;
        cJSON *j = body_json(req, ans);
        if (j && fixture_parse_fault(j, "rule", &r, err, sizeof err) != 0) {
            error(ans, 400, err);
        } else if (j) {
            uint64_t id = faults_add(&fx->faults, &r, req->now_ms);
            buf_reset(&ans->body);
            ans->status = 200;
            if (!id ||
                buf_printf(&ans->body, "{\"id\":%llu}", (unsigned long long)id))
                out_of_memory(ans);
        }
        cJSON_Delete(j);
    } else if (strcmp(m, "DELETE") == 0 && (!*rest || *rest == '/')) {
        uint64_t id = *rest ? strtoull(rest + 1, NULL, 10) : 0;
        if ((*rest && !id) || faults_delete(&fx->faults, id) != 0)
            error(ans, 404, "no fault rule has that id");
        else
            ok(ans, "{\"deleted\":true}");
    } else {
        error(ans, 405, "faults take GET, POST, DELETE");
    }
    served_put(s, fx);
}

/* The decimal integer text (digits, after a '-' for a negative one), from
 * min to max, into *v; returns 0, or -1 when text is not all such an
 * integer. */
static int decimal_in(const char *text, long long min, long long max,
                      long long *v)
{
    char *end;
    const char *digits = text + (text[0] == '-');
    if (!isdigit((unsigned char)digits[0]))
        return -1;
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (*end || errno || x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

static void journal_route(struct served *s, const struct api_request *req,
                          struct api_answer *ans)
{
    struct journal *j = served_journal(s);
    if (strcmp(req->method, "DELETE") == 0) {
        journal_clear(j);
        ok(ans, "{\"cleared\":true}");
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        error(ans, 405, "the journal takes GET and DELETE");
        return;
    }
    char app[32], identifier[128], since[32], until[32], text[64];
    const char *qs = req->query;
    struct journal_filter f = {
        .sdkappid = query_get(qs, "sdkappid", app, sizeof app)
                        ? strtoull(app, NULL, 10)
                        : 0,
        .identifier =
            query_get(qs, "identifier", identifier, sizeof identifier),
        .since_ms = query_get(qs, "since_ms", since, sizeof since)
                        ? strtoll(since, NULL, 10)
                        : 0,
        .until_ms = query_get(qs, "until_ms", until, sizeof until)
                        ? strtoll(until, NULL, 10)
                        : 0};
    long long v;
    if (query_get(qs, "after_seq", text, sizeof text)) {
        if (decimal_in(text, 0, INT64_MAX, &v) != 0) {
            error(ans, 400, "after_seq: must be an integer from 0");
            return;
        }
        f.after_seq = (uint64_t)v;
    }
    if (query_get(qs, "error_code", text, sizeof text)) {
        if (decimal_in(text, -1, INT32_MAX, &v) != 0) {
            error(ans, 400,
                  "error_code: must be an integer from -1 "
                  "(no envelope)");
            return;
        }
        f.has_error_code = 1;
        f.error_code = (int)v;
    }
    if (query_get(qs, "deviation", text, sizeof text)) {
        f.deviations = strcmp(text, "any") == 0
                           ? (1u << JOURNAL_DEVIATION_COUNT) - 1
                           : journal_deviation_parse(text);
        if (!f.deviations) {
            error(ans, 400,
                  "deviation: must be \"any\" or the short name "
                  "of a deviation (see the README)");
            return;
        }
    }
    struct journal_entry *e = NULL;
    long n = journal_copy(j, &f, &e);
    struct buf *b = &ans->body;
    buf_reset(b);
    int rc = n < 0 || buf_printf(b, "{\"capacity\":%zu,\"entries\":[",
                                 journal_capacity(j));
    for (long i = 0; i < n && rc == 0; i++)
        rc = (i && buf_puts(b, ",")) || journal_entry_json(b, &e[i]);
    ans->status = 200;
    if (rc || buf_puts(b, "]}"))
        out_of_memory(ans);
    free(e);
}

static void verify_route(struct served *s, const struct api_request *req,
                         struct api_answer *ans)
{
    cJSON *j = body_json(req, ans);
    if (!j)
        return;
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(j, "sdkappid");
    const char *identifier =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "identifier"));
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(j, "expect");
    struct fixture *fx = served_get(s);
    uint64_t sdkappid = 0;
    struct app *a = jsonget_u64(app, 1, UINT32_MAX, &sdkappid) == 0
                        ? store_find_app(fx->store, sdkappid)
                        : NULL;
    if (app && !sdkappid) {
        error(ans, 400, "$.sdkappid: must be an integer from 1 to 4294967295");
    } else if (!a || !cJSON_IsArray(expect)) {
        error(ans, 400,
              "give {\"sdkappid\": N, \"identifier\": ID (optional), "
              "\"expect\": [...]} for an app of the fixture");
    } else {
        struct journal_filter f = {.sdkappid = a->sdkappid,
                                   .identifier = identifier};
        struct journal_entry *e = NULL;
        long n = journal_copy(served_journal(s), &f, &e);
        struct groupset *gs = app_groups(a);
        buf_reset(&ans->body);
        ans->body.cap = VERIFY_ANSWER_MAX;
        int rc = n < 0 ? -2 : verify_run(expect, e, (size_t)n, gs, &ans->body);
        if (rc == -2)
            error(ans, 500, "out of memory, or the answer passed its cap");
        else
            ans->status = rc == -1 ? 400 : 200;
        groupset_release(gs);
        free(e);
    }
    served_put(s, fx);
    cJSON_Delete(j);
}

void admin_handle(struct served *s, const struct api_request *req,
                  struct api_answer *ans)
{
    const char *path = req->path + strlen("/__admin");
    const char *m = req->method;
    ans->content_type = "application/json";
    ans->error_code = -1;
    ans->body.cap = 1u << 30;
    if (strcmp(path, "/apps") == 0 && strcmp(m, "GET") == 0)
        list_apps(s, ans);
    else if (strncmp(path, "/apps/", 6) == 0 && strcmp(m, "POST") == 0)
        change_groups(s, req, path + 6, ans);
    else if (strcmp(path, "/reset") == 0 && strcmp(m, "POST") == 0)
        load_fixture(s, req, ans, 1);
    else if (strcmp(path, "/fixture") == 0 && strcmp(m, "POST") == 0)
        load_fixture(s, req, ans, 0);
    else if (strncmp(path, "/faults", 7) == 0)
        faults_route(s, req, path + 7, ans);
    else if (strcmp(path, "/journal") == 0)
        journal_route(s, req, ans);
    else if (strcmp(path, "/verify") == 0 && strcmp(m, "POST") == 0)
        verify_route(s, req, ans);
    else
        error(ans, 404, "no such admin call (see the README)");
}
