/* control: who may call what, and routing (control.h). */
#include "control.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "journal.h"
#include "ui.h"

struct control {
    struct served *served;
    int64_t clock;
    int admin;
    char *token;
    char *admin_hosts; /* "name,name", or NULL */
};

struct control *control_new(const struct control_options *o, char *err,
                            size_t errlen)
{
    struct control *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->clock = o->clock;
    c->admin = o->admin;
    c->token = o->admin_token ? strdup(o->admin_token) : NULL;
    c->admin_hosts = o->admin_hosts ? strdup(o->admin_hosts) : NULL;
    if ((o->admin_token && !c->token) || (o->admin_hosts && !c->admin_hosts)) {
        snprintf(err, errlen, "out of memory");
        control_free(c);
        return NULL;
    }
    c->served = served_new(
        o->fixture, o->journal_size ? o->journal_size : 10000, err, errlen);
    if (!c->served) {
        control_free(c);
        return NULL;
    }
    return c;
}

void control_free(struct control *c)
{
    if (!c)
        return;
    served_free(c->served);
    free(c->token);
    free(c->admin_hosts);
    free(c);
}

struct served *control_served(struct control *c)
{
    return c->served;
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

/*
 * The host of an authority, "name", "name:port", "[v6]" or "[v6]:port",
 * into *host and *n (without brackets or port).  Returns 0, or -1 when it
 * is not of that form.
 */
static int split_authority(const char *a, size_t len, const char **host,
                           size_t *n)
{
    const char *port;
    if (len && a[0] == '[') {
        const char *end = memchr(a, ']', len);
        if (!end)
            return -1;
        *host = a + 1;
        *n = (size_t)(end - a - 1);
        port = end + 1;
    } else {
        const char *colon = memchr(a, ':', len);
        *host = a;
        *n = colon ? (size_t)(colon - a) : len;
        port = a + *n;
    }
    size_t rest = (size_t)(a + len - port);
    if (rest == 0)
        return 0;
    if (port[0] != ':' || rest < 2 || rest > 6)
        return -1;
    for (size_t i = 1; i < rest; i++)
        if (!isdigit((unsigned char)port[i]))
            return -1;
    return 0;
}

/* localhost, an address of 127.0.0.0/8, or ::1. */
static int is_loopback(const char *host, size_t n)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char addr[sizeof(struct in6_addr)];
    if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
        return 1;
    if (n >= sizeof text)
        return 0;
    memcpy(text, host, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, addr) == 1)
        return addr[0] == 127;
    return inet_pton(AF_INET6, text, addr) == 1 &&
           memcmp(addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

/* An authority the admin API answers: a loopback host, or one of names
 * ("name,name", may be NULL), whatever the port. */
static int authority_ok(const char *a, size_t len, const char *names)
{
    const char *host;
    size_t n;
    if (split_authority(a, len, &host, &n) != 0 || n == 0)
        return 0;
    if (is_loopback(host, n))
        return 1;
    for (const char *p = names; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncasecmp(p, host, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

/* No Origin (not a browser), or one whose host the admin API answers;
 * "null" (a sandboxed or local page) is foreign. */
static int origin_ok(const char *origin, const char *names)
{
    if (!origin)
        return 1;
    const char *a = strstr(origin, "://");
    if (!a || a == origin)
        return 0;
    a += 3;
    return authority_ok(a, strcspn(a, "/"), names);
}

/* application/json, parameters (charset) allowed. */
static int is_json_type(const char *type)
{
    if (!type)
        return 0;
    type += strspn(type, " \t");
    size_t n = strcspn(type, ";");
    while (n && (type[n - 1] == ' ' || type[n - 1] == '\t'))
        n--;
    return n == 16 && strncasecmp(type, "application/json", 16) == 0;
}

static void refuse(struct api_answer *ans, int status, const char *why)
{
    ans->status = status;
    ans->content_type = "application/json";
    ans->error_code = -1;
    buf_reset(&ans->body);
    if (buf_printf(&ans->body, "{\"error\":\"%s\"}", why) != 0) {
        /* out of memory: the status alone */
        ans->status = 500;
        buf_reset(&ans->body);
    }
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
        else if (!req->peer_loopback && !c->token)
            refuse(ans, 403,
                   "the admin API answers loopback peers only, or any peer "
                   "with --admin-token");
        else if (req->api.host &&
                 !authority_ok(req->api.host, strlen(req->api.host),
                               c->admin_hosts))
            refuse(ans, 403,
                   "the admin API answers a Host of localhost, 127.x.y.z, "
                   "[::1] or an --admin-host only");
        else if (!origin_ok(req->origin, c->admin_hosts))
            refuse(ans, 403,
                   "the admin API refuses requests from pages of other "
                   "origins");
        else if (ui_path(req->api.path))
            ui_handle(&req->api, ans); /* no data: no token (ui.h) */
        else if (c->token && !token_ok(c->token, req->authorization))
            refuse(ans, 401,
                   "the admin API needs Authorization: Bearer "
                   "<the --admin-token>");
        else if ((req->api.body_len || req->api.body_too_large) &&
                 !is_json_type(req->content_type))
            refuse(ans, 415,
                   "the admin API takes bodies of Content-Type: "
                   "application/json only");
        else
            admin_handle(c->served, &req->api, ans);
        return;
    }
    struct fixture *fx = served_get(c->served);
    struct api api = {fx->store, &fx->faults, c->clock ? c->clock : fx->clock};
    api_handle(&api, &req->api, ans);
    const struct app *a = ans->trace.sdkappid
                              ? store_find_app(fx->store, ans->trace.sdkappid)
                              : NULL;
    journal_record(served_journal(c->served), &req->api, req->content_type, ans,
                   a ? a->rate_limit : 0, req->now_ms, req->api.now_ms);
    served_put(c->served, fx);
}
