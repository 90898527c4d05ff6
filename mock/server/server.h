/*
 * server: the thin CivetWeb layer of timock.
 *
 * It copies each request, whatever its path, into a control_request, lets
 * control_handle answer it, and writes the answer out: after a fault's
 * delay, slowly, cut short, or not at all with the connection closed or
 * reset, as the answer says; a HEAD request gets the headers alone.  A
 * request CivetWeb refuses before any handler (an unknown method, a
 * malformed request) gets api_unparsable's answer.  It holds no API logic.
 *
 * CivetWeb serves each connection on a thread of its own: the number of
 * threads is the number of connections served at once.  Time limits keep
 * an idle, slow or never-reading client from keeping a thread: 10 s to
 * send a request's headers, 5 s idle between keep-alive requests, 10 s to
 * send a body, and 10 s without progress to take an answer (then the
 * connection closes).  server_stop ends every wait at once (a fault's
 * delay, a slow body) and shuts every connection down, so it returns in
 * milliseconds whatever is in flight.
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

/* server_stop: stops serving, ending every wait and connection in flight,
 * and frees s; NULL does nothing. */
void server_stop(struct server *s);

#endif
