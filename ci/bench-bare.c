/*
 * bench-bare: the baselines of ci/bench.  A CivetWeb server with the same
 * options as timock (mock/server/server.c) whose handler does the least a
 * handler can do: it reads the request body with mg_read and writes one
 * fixed answer from memory.  No parsing, no checks, no page: what is left
 * is the cost of CivetWeb itself, and of sending the bytes.
 *
 * Without BODY_FILE the answer is a 200-byte JSON body shaped like a short
 * page, written with its head in one mg_write, as timock writes a small
 * answer.  With BODY_FILE the body is the bytes of that file (read once at
 * start, at most 64 MB), written as timock writes an answer: head and body
 * in one mg_write when they fit in 16.5 KB, else one mg_write for the head
 * and one for the body.  ci/bench gives it timock's own Limit-10000
 * page: the static-bytes floor of a large page.
 *
 * Usage: bench-bare [PORT [THREADS [BODY_FILE]]]
 *        (defaults: 0, a free port; 64; the 200-byte body)
 * Prints 'bench-bare listening on http://127.0.0.1:PORT' once it accepts
 * connections; stops on SIGINT or SIGTERM.  Exit codes: 0 stopped by a
 * signal, 1 cannot serve (or read BODY_FILE), 2 bad arguments.
 */
#include <civetweb.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The largest BODY_FILE, and the room for head and body in one write
 * (timock's write_answer: a 512 + 16384-byte buffer). */
#define FILE_MAX      (64L << 20)
#define ONE_WRITE_MAX (512 + 16384)

/* The answer to send: head and body, set once before the server starts and
 * only read by the handlers. */
static const char *head = answer;
static size_t head_len = sizeof answer - 1;
static const char *body;
static size_t body_len;

static int handle(struct mg_connection *conn, void *data)
{
    char chunk[16384];
    (void)data;
    while (mg_read(conn, chunk, sizeof chunk) > 0)
        ;
    if (mg_write(conn, head, head_len) == (int)head_len && body_len)
        mg_write(conn, body, body_len);
    return 200;
}

/* Makes the answer a 200 whose body is the bytes of the file at path, laid
 * out as timock writes it; *owned gets the memory that holds it (the
 * caller frees it after the server stops).  Returns 0, or -1 with a
 * message on stderr. */
static int load_answer(const char *path, char **owned)
{
    static const char fmt[] = "HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n"
                              "\r\n";
    char *whole = NULL;
    struct stat st;
    int rc = -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench-bare: cannot open %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "bench-bare: %s is not a regular file\n", path);
        goto out;
    }
    if (st.st_size > FILE_MAX) {
        fprintf(stderr, "bench-bare: %s is larger than %ld bytes\n", path,
                FILE_MAX);
        goto out;
    }
    size_t len = (size_t)st.st_size;
    int n = snprintf(NULL, 0, fmt, len);
    if (n < 0 || !(whole = malloc((size_t)n + 1 + len))) {
        fprintf(stderr, "bench-bare: out of memory\n");
        goto out;
    }
    snprintf(whole, (size_t)n + 1, fmt, len);
    /* a second fread must find the end: the file did not grow */
    if (fread(whole + n, 1, len, f) != len || fgetc(f) != EOF) {
        fprintf(stderr, "bench-bare: cannot read %s whole\n", path);
        goto out;
    }
    head = whole;
    if ((size_t)n + len <= ONE_WRITE_MAX) {
        head_len = (size_t)n + len;
    } else {
        head_len = (size_t)n;
        body = whole + n;
        body_len = len;
    }
    *owned = whole;
    whole = NULL;
    rc = 0;
out:
    free(whole);
    fclose(f);
    return rc;
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
    char *owned = NULL;
    if (argc > 4 || port < 0 || threads < 0 || (argc > 3 && !argv[3][0])) {
        fprintf(stderr, "usage: bench-bare [PORT [THREADS [BODY_FILE]]]\n");
        return 2;
    }
    if (argc > 3 && load_answer(argv[3], &owned) != 0)
        return 1;
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
        free(owned);
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
    free(owned);
    return 0;
}
