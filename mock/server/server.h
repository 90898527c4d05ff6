/*
 * server: the thin CivetWeb layer of timock.
 *
 * It copies each request under /v4/ into an api_request, lets api_handle
 * answer it, and writes the answer out (after a fault's delay, or closing
 * the connection when a fault says so).  It holds no API logic.
 */
#ifndef TIM_SERVER_H
#define TIM_SERVER_H

#include <stddef.h>

#include "api.h"

struct server;

struct server_options {
    const char *listen; /* "127.0.0.1:8080"; port 0 takes a free port */
    unsigned threads;   /* worker threads */
};

/* server_start: starts serving api (which must outlive the server).
 * Returns the server, or NULL with a reason in err (size errlen). */
struct server *server_start(struct api *api, const struct server_options *o,
                            char *err, size_t errlen);

/* server_port: the port the server listens on. */
int server_port(const struct server *s);

/* server_stop: stops serving and frees s; NULL does nothing. */
void server_stop(struct server *s);

#endif
