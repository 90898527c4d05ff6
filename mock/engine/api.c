/* api: the order of the checks, the faults, and the page (api.h). */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "errors.h"
#include "page.h"
#include "regions.h"
#include "rng.h"
#include "request.h"
#include "sigcache.h"

void api_answer_init(struct api_answer *a)
{
    memset(a, 0, sizeof *a);
    a->headers = "";
    buf_init(&a->body, API_BODY_MAX * 2);
}

/* Drops the answer's items and its reference to their snapshot. */
static void drop_items(struct api_answer *a)
{
    groupset_release(a->held);
    a->held = NULL;
    a->items = NULL;
    a->items_len = a->items_at = 0;
}

void api_answer_release(struct api_answer *a)
{
    drop_items(a);
    query_release(&a->trace.query);
    buf_release(&a->body);
}

int api_answer_flatten(struct api_answer *a)
{
    if (!a->items)
        return 0;
    size_t cap = a->body.cap, len = a->body.len;
    a->body.cap = SIZE_MAX;
    if (buf_reserve(&a->body, a->items_len) != 0) {
        a->body.cap = cap;
        return -1;
    }
    a->body.cap = cap;
    char *at = a->body.data + a->items_at;
    memmove(at + a->items_len, at, len - a->items_at + 1); /* + the NUL */
    memcpy(at, a->items, a->items_len);
    a->body.len = len + a->items_len;
    drop_items(a);
    return 0;
}

/* What a valid request asks for. */
struct call {
    struct query q;
    struct app *app;
    struct body body;
    char why[160]; /* ErrorInfo when it is more precise than the table's */
};

/* Copies the string s into out (n bytes), cut short when it does not fit. */
static void copy_cut(char *out, size_t n, const char *s)
{
    size_t len = strnlen(s, n - 1);
    memcpy(out, s, len);
    out[len] = '\0';
}

/* The answer to a path that is not the API: 60009 under /v4/, else 60002
 * (SPEC section 1, v2). */
static int path_code(const char *path)
{
    return strncmp(path, "/v4/", 4) == 0 ? TIM_ERR_BAD_RESOURCE
                                         : TIM_ERR_BAD_HTTP;
}

/*
 * The checks of SPEC section 4, in order; the first that fails decides.
 * Returns TIM_ERR_OK or the ErrorCode to answer.
 */
static int check_call(struct api *api, const struct api_request *req,
                      struct call *c, struct api_trace *t)
{
    const struct service *sv = &api->store->service;
    int post = strcmp(req->method, "POST") == 0;
    uint64_t sdkappid;

    /* 1. the HTTP request, the path (and, in v1, the method first) */
    if (req->body_too_large || (sv->method_first && !post))
        return TIM_ERR_BAD_HTTP;
    if (strcmp(req->path, API_PATH) != 0)
        return path_code(req->path);
    if (query_parse(req->query, &c->q) != 0)
        return TIM_ERR_INTERNAL;

    /* 2. sdkappid */
    if (!c->q.sdkappid || !c->q.sdkappid[0])
        return TIM_ERR_NO_SDKAPPID;
    if (query_u64(c->q.sdkappid, &sdkappid) != 0 ||
        !(c->app = store_find_app(api->store, sdkappid)))
        return sv->use_70020 ? TIM_ERR_NO_APP_HERE : TIM_ERR_BAD_SDKAPPID;
    t->sdkappid = sdkappid;
    if (c->q.identifier)
        copy_cut(t->identifier, sizeof t->identifier, c->q.identifier);

    /* 3. the app's rate limit */
    if (c->app->rate_limit &&
        !ratelimit_take(&c->app->rate, c->app->rate_limit, req->now_ms))
        return c->app->rate_limit_code;

    /* 4. identifier */
    if (!c->q.identifier || !c->q.identifier[0])
        return TIM_ERR_NO_IDENTIFIER;

    /* 5. usersig */
    if (c->app->check_usersig) {
        int64_t now = api->clock ? api->clock : req->now;
        int rc = sigcache_verify(&c->app->sigs, c->q.usersig, c->app->key,
                                 sdkappid, c->q.identifier, now);
        if (rc != TIM_ERR_OK)
            return rc;
    }

    /* 6. the region named by the Host header */
    const struct tim_region *region = tim_region_by_host(req->host);
    if (region && c->app->region && region != c->app->region)
        return sv->use_70020 ? TIM_ERR_NO_APP_HERE : TIM_ERR_NO_KEY_HERE;

    /* 7. only an admin may call */
    if (!app_is_admin(c->app, c->q.identifier))
        return TIM_ERR_NO_PERMISSION;

    /* 7b. the method: POST, or GET where the app serves it like POST */
    const char *body = req->body;
    size_t body_len = req->body_len;
    if (!post) {
        if (!c->app->quirks.get_like_post || strcmp(req->method, "GET") != 0)
            return TIM_ERR_BAD_HTTP;
        if (body_len == 0) {
            body = "{}";
            body_len = 2;
        }
    }

    /* 8. the body */
    struct body_rules rules = c->app->strict;
    rules.console_names = c->app->quirks.console_names;
    int rc = body_parse(body, body_len, &rules, &c->body, c->why, sizeof c->why,
                        &t->view);
    t->view_read = 1;
    if (rc == TIM_ERR_OK) {
        t->body_read = 1;
        t->body = c->body;
    }
    return rc;
}

/* Memory ran out while the body was written: the status alone. */
static void no_body(struct api_answer *ans)
{
    drop_items(ans);
    ans->status = 500;
    ans->content_type = "text/plain";
    ans->error_code = -1;
    buf_reset(&ans->body);
}

static void gateway_page(struct api_answer *ans, int status)
{
    ans->status = status;
    ans->content_type = "text/html";
    buf_reset(&ans->body);
    if (buf_printf(&ans->body,
                   "<html>\r\n<head><title>%d Gateway Error</title></head>\r\n"
                   "<body>\r\n<center><h1>%d Gateway Error</h1></center>\r\n"
                   "<hr><center>gateway</center>\r\n</body>\r\n</html>\r\n",
                   status, status) != 0)
        no_body(ans);
}

/* "Id-<32 hex>-O-Seq-<n>", the form of S14's RequestId. */
static void request_id(struct store *s, char *out, size_t n)
{
    uint64_t seq = atomic_fetch_add(&s->request_seq, 1) + 1;
    uint64_t state = seq ^ (uint64_t)(uintptr_t)s;
    uint64_t hi = rng_next(&state), lo = rng_next(&state);
    snprintf(out, n, "Id-%016llx%016llx-O-Seq-%llu", (unsigned long long)hi,
             (unsigned long long)lo, (unsigned long long)seq);
}

/* The envelope of an answer (the app's, else the service's), its extra
 * headers, and a RequestId when it asks for one. */
static struct answer_style style(struct api *api, const struct app *a,
                                 struct api_answer *ans)
{
    const struct envelope *e = a ? &a->envelope : &api->store->service.envelope;
    struct answer_style st = {e, NULL};
    if (e->request_id) {
        request_id(api->store, ans->request_id, sizeof ans->request_id);
        st.request_id = ans->request_id;
    }
    ans->headers = e->cors ? ANSWER_CORS_HEADERS : "";
    return st;
}

static void fail(struct api *api, const struct app *a, struct api_answer *ans,
                 int code, const char *why)
{
    struct answer_style st = style(api, a, ans);
    ans->error_code = code;
    ans->body.cap = API_BODY_MAX;
    /* the fixture's text wins, then the reason found, then the table's */
    const char *text = store_error_text(api->store, a, code);
    if (answer_error(&ans->body, code,
                     text            ? text
                     : why && why[0] ? why
                                     : NULL,
                     &st) != 0)
        no_body(ans);
}

/* v1 and the unknown_path_404 setting: CivetWeb's own page. */
static void not_found(struct api_answer *ans)
{
    ans->status = 404;
    ans->content_type = "text/plain";
    ans->error_code = -1;
    buf_reset(&ans->body);
    if (buf_puts(&ans->body, "Error 404: Not Found") != 0)
        no_body(ans);
}

/* A fault fired, before the answer is made: returns 1 when it decides the
 * answer (no answer at all, an ErrorCode, a gateway page). */
static int fault_replaces(struct api *api, const struct app *a,
                          struct api_answer *ans, const struct fault_action *f)
{
    ans->delay_ms = f->delay_ms;
    if (f->close || f->reset == RESET_BEFORE_HEADERS) {
        ans->no_answer = 1;
        ans->close = 1;
        ans->reset = f->reset;
        return 1;
    }
    if (f->http_status)
        ans->status = f->http_status;
    if (f->error_code) {
        fail(api, a, ans, f->error_code, NULL);
        return 1;
    }
    if (f->http_status) {
        gateway_page(ans, f->http_status);
        ans->error_code = -1;
        return 1;
    }
    return 0;
}

/* A fault fired, after the answer is made: how it travels. */
static void fault_mangles(struct api_answer *ans, const struct fault_action *f)
{
    if (api_answer_flatten(ans) != 0) {
        no_body(ans);
        return;
    }
    if (f->malformed_json && ans->body.len > 1) {
        /* the first half of the answer: a JSON text cut in the middle */
        ans->body.len /= 2;
        ans->body.data[ans->body.len] = '\0';
    }
    ans->reset = f->reset;
    ans->cut_body = f->cut_body;
    ans->slow_bytes = f->slow_bytes;
    ans->slow_ms = f->slow_ms;
    if (f->cut_body || f->reset)
        ans->close = 1;
}

static void write_page(struct api *api, struct call *c, struct api_answer *ans)
{
    /* 9. the page, unless its answer would pass the app's size limit */
    struct page p;
    struct groupset *gs = app_groups(c->app);
    if (page_cut(c->app, gs, c->body.type, c->body.next, c->body.limit, &p)) {
        groupset_release(gs);
        fail(api, c->app, ans, TIM_ERR_INTERNAL, NULL);
        return;
    }
    ans->body.cap = c->app->answer_limit;
    int with_next = c->body.has_next || !c->app->quirks.omit_next;
    struct answer_style st = style(api, c->app, ans);
    size_t items_at;
    if (answer_success(&ans->body, &p, with_next, &st, &items_at) != 0) {
        groupset_release(gs);
        fail(api, c->app, ans, TIM_ERR_TOO_LARGE, NULL);
        return;
    }
    struct api_trace *t = &ans->trace;
    t->has_answer_next = with_next;
    t->answer_next = p.next;
    t->count = (uint32_t)p.count;
    if (p.count) {
        t->first_key = groupset_key(gs, c->body.type, p.first);
        t->last_key = groupset_key(gs, c->body.type, p.first + p.count - 1);
        ans->items = p.items;
        ans->items_len = p.items_len;
        ans->items_at = items_at;
        ans->held = gs; /* released with the answer */
    } else {
        groupset_release(gs);
    }
}

void api_handle(struct api *api, const struct api_request *req,
                struct api_answer *ans)
{
    struct call c;
    memset(&c, 0, sizeof c);
    drop_items(ans);
    ans->status = 200;
    ans->content_type = "application/json";
    ans->error_code = 0;
    ans->delay_ms = 0;
    ans->close = req->body_too_large;
    ans->no_answer = 0;
    ans->reset = RESET_NONE;
    ans->cut_body = 0;
    ans->slow_bytes = ans->slow_ms = 0;
    ans->headers = "";
    query_release(&ans->trace.query);
    memset(&ans->trace, 0, sizeof ans->trace);

    int code = check_call(api, req, &c, &ans->trace);
    if (code != TIM_ERR_OK && strcmp(req->path, API_PATH) != 0 &&
        api->store->service.unknown_path_404) {
        not_found(ans);
        goto out;
    }
    if (code != TIM_ERR_OK) {
        fail(api, c.app, ans, code, c.why);
        goto out;
    }
    struct fault_action fault;
    int fired =
        api->faults &&
        faults_pick(api->faults, c.app->sdkappid, c.q.identifier, c.body.type,
                    c.body.has_next, c.body.next, req->now_ms, &fault);
    if (fired)
        fault_describe(&fault, ans->trace.fault, sizeof ans->trace.fault);
    if (!fired || !fault_replaces(api, c.app, ans, &fault))
        write_page(api, &c, ans);
    if (fired && !ans->no_answer)
        fault_mangles(ans, &fault);
out:
    if (c.q.storage) { /* parsed: the journal reads it from the trace */
        ans->trace.query = c.q;
        ans->trace.query_parsed = 1;
    }
}

void api_unparsable(struct api_answer *ans)
{
    drop_items(ans);
    ans->status = 200;
    ans->content_type = "application/json";
    ans->close = 1;
    ans->headers = "";
    ans->error_code = TIM_ERR_BAD_HTTP;
    ans->body.cap = API_BODY_MAX;
    if (answer_error(&ans->body, TIM_ERR_BAD_HTTP, NULL, NULL) != 0)
        no_body(ans);
}
