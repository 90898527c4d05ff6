/*
 * bench-bare: the baseline of ci/bench.  A CivetWeb server with the same
 * options as timock (mock/server/server.c) whose handler does the least a
 * handler can do: it reads the request body with mg_read and writes one
 * fixed answer (a 200-byte JSON body shaped like a short page) in one
 * mg_write, as timock writes a small answer.  No parsing, no checks, no
 * page: what is left is the cost of CivetWeb itself.
 *
 * Usage: bench-bare [PORT [THREADS]]   (defaults: 0, a free port; 64)
 * Prints 'bench-bare listening on http://127.0.0.1:PORT' once it accepts
 * connections; stops on SIGINT or SIGTERM.  Exit codes: 0 stopped by a
 * signal, 1 cannot serve, 2 bad arguments.
 */
#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A page of three groups, padded with spaces to 200 bytes. */
#define BODY                                                                   \
    "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0,"             \
    "\"TotalCount\":25000,\"GroupIdList\":[{\"GroupId\":\"@TGS#217R09BJG\"},"  \
    "{\"GroupId\":\"@TGS#34W9WOI5L\"},{\"GroupId\":\"@TGS#37YXM8MMW\"}],"      \
    "\"Next\":4454697247          }"
#define BODY_LEN "200"

/* The whole answer, head and body, as timock writes a small answer. */
static const char answer[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: " BODY_LEN "\r\n"
                             "\r\n" BODY;

_Static_assert(sizeof BODY - 1 == 200, "BODY_LEN says 200 bytes");

static int handle(struct mg_connection *conn, void *data)
{
    char chunk[16384];
    (void)data;
    while (mg_read(conn, chunk, sizeof chunk) > 0)
        ;
    mg_write(conn, answer, sizeof answer - 1);
    return 200;
}

/* A decimal number in [min, max], or -1. */
static long number(const char *s, long min, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return -1;
    return v;
}

int main(int argc, char **argv)
{
    long port = argc > 1 ? number(argv[1], 0, 65535) : 0;
    long threads = argc > 2 ? number(argv[2], 1, 1024) : 64;
    char listen[32], nthreads[16], err[256] = "";
    if (argc > 3 || port < 0 || threads < 0) {
        fprintf(stderr, "usage: bench-bare [PORT [THREADS]]\n");
        return 2;
    }
    snprintf(listen, sizeof listen, "127.0.0.1:%ld", port);
    snprintf(nthreads, sizeof nthreads, "%ld", threads);

    /* Block the stop signals in every thread; main waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The options of server_start in mock/server/server.c. */
    const char *options[] = {"listening_ports",
                             listen,
                             "num_threads",
                             nthreads,
                             "tcp_nodelay",
                             "1",
                             "enable_keep_alive",
                             "yes",
                             "keep_alive_timeout_ms",
                             "60000",
                             "request_timeout_ms",
                             "30000",
                             NULL};
    struct mg_callbacks callbacks;
    struct mg_init_data init = {&callbacks, NULL, options};
    struct mg_error_data error = {NULL, err, sizeof err};
    memset(&callbacks, 0, sizeof callbacks);
    mg_init_library(0);
    struct mg_context *ctx = mg_start2(&init, &error);
    if (!ctx) {
        fprintf(stderr, "bench-bare: cannot serve on %s: %s\n", listen,
                err[0] ? err : "mg_start2 failed");
        mg_exit_library();
        return 1;
    }
    mg_set_request_handler(ctx, "/v4/", handle, NULL);
    struct mg_server_port ports[4];
    int got = mg_get_server_ports(ctx, 4, ports);
    printf("bench-bare listening on http://127.0.0.1:%d\n",
           got > 0 ? ports[0].port : 0);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    mg_stop(ctx);
    mg_exit_library();
    return 0;
}
