/*
 * control: the mock as a whole, between the web layer and the API.
 *
 * It holds what is served (served.h: the fixture, swapped whole by a reset
 * or a load, and the request journal) and the admin settings.
 * control_handle routes a request: /__admin/ to the admin API (admin.h),
 * every other path to the API (api.h) and then into the journal.  The admin
 * API answers only what a local tool sends: from a loopback peer (or any
 * peer when a token is set: a service container's callers are never on
 * loopback), under a Host that is loopback (localhost, 127.x.y.z, [::1],
 * with or without a port) or an admin host, with no Origin or one of those
 * hosts, with the token when one is set, and with any body as
 * application/json; so a web page open in a browser (a foreign Origin, or
 * a foreign Host after DNS rebinding, or a form's text/plain) cannot drive
 * it.  The dashboard's files under /__admin/ui/ (ui.h) follow the same rules
 * but the token: they hold no data, and the page asks for the token for its
 * calls.  No sockets here.
 * Every function is thread-safe.
 */
#ifndef TIM_CONTROL_H
#define TIM_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "served.h"

struct control;

struct control_options {
    const char *fixture;     /* a file, or NULL for the embedded default */
    int64_t clock;           /* fixed time for UserSig expiry; 0: none */
    size_t journal_size;     /* entries kept; 0: 10000 */
    int admin;               /* 1: serve /__admin/ */
    const char *admin_token; /* NULL: no token needed */
    const char *admin_hosts; /* more Host names the admin API answers, as
                                "name,name"; NULL: loopback only */
};

/* One request, as the web layer saw it. */
struct control_request {
    struct api_request api;
    const char *content_type;  /* the Content-Type header, or NULL */
    const char *authorization; /* the Authorization header, or NULL */
    const char *origin;        /* the Origin header, or NULL */
    int peer_loopback;         /* the peer's address is 127.0.0.0/8 */
    int64_t now_ms;            /* unix milliseconds */
};

/* control_new: loads the fixture and makes an empty journal.  Returns the
 * control, or NULL with the loader's message in err. */
struct control *control_new(const struct control_options *o, char *err,
                            size_t errlen);

/* control_free: frees everything; NULL does nothing.  No request may be in
 * flight. */
void control_free(struct control *c);

/* control_handle: answers req into ans (initialized by the caller). */
void control_handle(struct control *c, const struct control_request *req,
                    struct api_answer *ans);

/* control_served: what the mock serves (served.h). */
struct served *control_served(struct control *c);

#endif
