/* control: the fixture served, the journal, and routing (control.h). */
#include "control.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "journal.h"

/* A loaded fixture and the requests still using it. */
struct loaded {
    struct fixture fx; /* first: control_put finds the loaded from it */
    atomic_uint refs;
};

struct control {
    pthread_mutex_t lock; /* guards cur */
    struct loaded *cur;
    char *first_path; /* NULL: the embedded default */
    int64_t clock;
    int admin;
    char *token;
    struct journal *journal;
};

static struct loaded *load(const char *path, char *err, size_t errlen)
{
    struct loaded *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = path ? fixture_load_file(path, &l->fx, err, errlen)
                  : fixture_load_text(
                        fixture_default_json, fixture_default_json_len,
                        "embedded default fixture", &l->fx, err, errlen);
    if (rc != 0) {
        free(l);
        return NULL;
    }
    atomic_init(&l->refs, 1);
    return l;
}

static void unref(struct loaded *l)
{
    if (l && atomic_fetch_sub(&l->refs, 1) == 1) {
        fixture_release(&l->fx);
        free(l);
    }
}

struct control *control_new(const struct control_options *o, char *err,
                            size_t errlen)
{
    struct control *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->clock = o->clock;
    c->admin = o->admin;
    c->first_path = o->fixture ? strdup(o->fixture) : NULL;
    c->token = o->admin_token ? strdup(o->admin_token) : NULL;
    c->journal = journal_new(o->journal_size ? o->journal_size : 10000);
    if ((o->fixture && !c->first_path) || (o->admin_token && !c->token) ||
        !c->journal) {
        snprintf(err, errlen, "out of memory");
        control_free(c);
        return NULL;
    }
    if (!(c->cur = load(c->first_path, err, errlen))) {
        control_free(c);
        return NULL;
    }
    return c;
}

void control_free(struct control *c)
{
    if (!c)
        return;
    unref(c->cur);
    journal_free(c->journal);
    free(c->first_path);
    free(c->token);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

struct fixture *control_get(struct control *c)
{
    pthread_mutex_lock(&c->lock);
    struct loaded *l = c->cur;
    atomic_fetch_add(&l->refs, 1);
    pthread_mutex_unlock(&c->lock);
    return &l->fx;
}

void control_put(struct control *c, struct fixture *fx)
{
    (void)c;
    unref((struct loaded *)fx);
}

int control_load(struct control *c, const char *path, char *err, size_t errlen)
{
    struct loaded *l = load(path ? path : c->first_path, err, errlen);
    if (!l)
        return -1;
    pthread_mutex_lock(&c->lock);
    struct loaded *was = c->cur;
    c->cur = l;
    pthread_mutex_unlock(&c->lock);
    unref(was);
    journal_clear(c->journal);
    return 0;
}

struct journal *control_journal(struct control *c)
{
    return c->journal;
}

/* "Bearer TOKEN", compared in constant time. */
static int token_ok(const char *want, const char *header)
{
    static const char bearer[] = "Bearer ";
    if (!header || strncmp(header, bearer, sizeof bearer - 1) != 0)
        return 0;
    const char *got = header + sizeof bearer - 1;
    size_t n = strlen(want), m = strlen(got);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
    return diff == 0;
}

static void refuse(struct api_answer *ans, int status, const char *why)
{
    ans->status = status;
    ans->content_type = "application/json";
    ans->error_code = -1;
    buf_reset(&ans->body);
    buf_printf(&ans->body, "{\"error\":\"%s\"}", why);
}

static int is_admin_path(const char *path)
{
    return strncmp(path, "/__admin", 8) == 0 &&
           (path[8] == '/' || path[8] == '\0');
}

void control_handle(struct control *c, const struct control_request *req,
                    struct api_answer *ans)
{
    if (is_admin_path(req->api.path)) {
        if (!c->admin)
            refuse(ans, 404, "the admin API is off (--no-admin)");
        else if (!req->peer_loopback)
            refuse(ans, 403, "the admin API answers loopback peers only");
        else if (c->token && !token_ok(c->token, req->authorization))
            refuse(ans, 401,
                   "the admin API needs Authorization: Bearer "
                   "<the --admin-token>");
        else
            admin_handle(c, req, ans);
        return;
    }
    struct fixture *fx = control_get(c);
    struct api api = {fx->store, &fx->faults, c->clock ? c->clock : fx->clock};
    api_handle(&api, &req->api, ans);
    const struct app *a = ans->trace.sdkappid
                              ? store_find_app(fx->store, ans->trace.sdkappid)
                              : NULL;
    journal_record(c->journal, &req->api, req->content_type, ans,
                   a ? a->rate_limit : 0, req->now_ms, req->api.now_ms);
    control_put(c, fx);
}
