/*
 * server: the thin CivetWeb layer of timock.
 *
 * It copies each request under /v4/ and /__admin/ into a control_request,
 * lets control_handle answer it, and writes the answer out: after a fault's
 * delay, slowly, cut short, or not at all with the connection closed or
 * reset, as the answer says.  It holds no API logic.
 */
#ifndef TIM_SERVER_H
#define TIM_SERVER_H

#include <stddef.h>

#include "control.h"

struct server;

struct server_options {
    const char *listen;   /* "127.0.0.1:8080"; port 0 takes a free port */
    unsigned threads;     /* worker threads */
    const char *tls_cert; /* PEM certificate (chain): serve HTTPS */
    const char *tls_key;  /* its PEM private key */
    int http_port;        /* with TLS: also plain HTTP here; -1: none */
};

/* server_start: starts serving c (which must outlive the server).
 * Returns the server, or NULL with a reason in err (size errlen). */
struct server *server_start(struct control *c, const struct server_options *o,
                            char *err, size_t errlen);

/* server_port: the port the server listens on (HTTPS with TLS). */
int server_port(const struct server *s);

/* server_http_port: the plain HTTP port beside TLS, or -1. */
int server_http_port(const struct server *s);

/* server_stop: stops serving and frees s; NULL does nothing. */
void server_stop(struct server *s);

#endif
