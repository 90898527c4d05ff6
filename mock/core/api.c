/* api: the order of the checks, the faults, and the page (api.h). */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "errors.h"
#include "page.h"
#include "regions.h"
#include "request.h"
#include "sigcache.h"

void api_answer_init(struct api_answer *a)
{
    memset(a, 0, sizeof *a);
    buf_init(&a->body, API_BODY_MAX * 2);
}

void api_answer_release(struct api_answer *a)
{
    buf_release(&a->body);
}

/* What a valid request asks for. */
struct call {
    struct query q;
    struct app *app;
    struct body body;
    char why[160]; /* ErrorInfo when it is more precise than the table's */
};

/*
 * The checks of SPEC section 4, in order; the first that fails decides.
 * Returns TIM_ERR_OK or the ErrorCode to answer.
 */
static int check_call(struct api *api, const struct api_request *req,
                      struct call *c)
{
    uint64_t sdkappid;

    /* 1. the HTTP request, the method, the path */
    if (req->body_too_large || strcmp(req->method, "POST") != 0)
        return TIM_ERR_BAD_HTTP;
    if (strcmp(req->path, API_PATH) != 0)
        return TIM_ERR_BAD_RESOURCE;
    if (query_parse(req->query, &c->q) != 0)
        return TIM_ERR_INTERNAL;

    /* 2. sdkappid */
    if (!c->q.sdkappid || !c->q.sdkappid[0])
        return TIM_ERR_NO_SDKAPPID;
    if (query_u64(c->q.sdkappid, &sdkappid) != 0 ||
        !(c->app = store_find_app(api->store, sdkappid)))
        return TIM_ERR_BAD_SDKAPPID;

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
        return TIM_ERR_NO_KEY_HERE;

    /* 7. only an admin may call */
    if (!app_is_admin(c->app, c->q.identifier))
        return TIM_ERR_NO_PERMISSION;

    /* 8. the body */
    return body_parse(req->body, req->body_len, c->app->quirks.console_names,
                      &c->body, c->why, sizeof c->why);
}

static void gateway_page(struct api_answer *ans, int status)
{
    ans->status = status;
    ans->content_type = "text/html";
    buf_reset(&ans->body);
    buf_printf(&ans->body,
               "<html>\r\n<head><title>%d Gateway Error</title></head>\r\n"
               "<body>\r\n<center><h1>%d Gateway Error</h1></center>\r\n"
               "<hr><center>gateway</center>\r\n</body>\r\n</html>\r\n",
               status, status);
}

static void fail(struct api_answer *ans, int code, const char *why)
{
    ans->error_code = code;
    ans->body.cap = API_BODY_MAX;
    answer_error(&ans->body, code, why && why[0] ? why : NULL);
}

/* A fault fired: returns 1 when it replaced the answer. */
static int apply_fault(struct api_answer *ans, const struct fault_action *f)
{
    ans->delay_ms = f->delay_ms;
    if (f->close) {
        ans->no_answer = 1;
        ans->close = 1;
        return 1;
    }
    if (f->http_status)
        ans->status = f->http_status;
    if (f->error_code) {
        fail(ans, f->error_code, NULL);
        return 1;
    }
    if (f->http_status) {
        gateway_page(ans, f->http_status);
        ans->error_code = -1;
        return 1;
    }
    return 0;
}

void api_handle(struct api *api, const struct api_request *req,
                struct api_answer *ans)
{
    struct call c;
    memset(&c, 0, sizeof c);
    ans->status = 200;
    ans->content_type = "application/json";
    ans->error_code = 0;
    ans->delay_ms = 0;
    ans->close = req->body_too_large;
    ans->no_answer = 0;

    int code = check_call(api, req, &c);
    if (code != TIM_ERR_OK) {
        fail(ans, code, c.why);
        goto out;
    }

    struct fault_action fault;
    if (api->faults &&
        faults_pick(api->faults, c.app->sdkappid, c.q.identifier, c.body.type,
                    &fault) &&
        apply_fault(ans, &fault))
        goto out;

    /* 9. the page, unless its answer would pass the app's size limit */
    struct page p;
    struct groupset *gs = app_groups(c.app);
    page_cut(c.app, gs, c.body.type, c.body.next, c.body.limit, &p);
    ans->body.cap = c.app->answer_limit;
    int with_next = c.body.has_next || !c.app->quirks.omit_next;
    if (answer_success(&ans->body, &p, with_next) != 0)
        fail(ans, TIM_ERR_TOO_LARGE, NULL);
    groupset_release(gs);
out:
    query_release(&c.q);
}
