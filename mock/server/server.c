/* server: CivetWeb in, api_handle, CivetWeb out (server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "libssl_compat.h"

/*
 * CivetWeb's limits.  It serves each open connection on a thread of its
 * own, so the number of threads (server_options.threads) is the number of
 * connections served at once; these bound how long one connection keeps
 * its thread without making progress.  REQUEST_TIMEOUT_MS: to send a
 * request's headers, and for each read of a body and each write of an
 * answer that moves no byte.  KEEP_ALIVE_TIMEOUT_MS: idle between two
 * requests.  BODY_TIME_MAX_MS: to send a whole body.
 */
#define REQUEST_TIMEOUT_MS    "10000"
#define KEEP_ALIVE_TIMEOUT_MS "5000"
#define BODY_TIME_MAX_MS      10000u
#define STOP_SWEEP_MS         20u /* how often a stop wakes CivetWeb */

/* A server is running, stopping (waits end, connections are shut), or
 * stopped (CivetWeb has returned from mg_stop). */
enum run_state { RUNNING, STOPPING, STOPPED };

struct server {
    struct mg_context *ctx;
    struct control *control;
    struct in_addr addr; /* where to reach the listening socket */
    int port, http_port;
    const char *tls_cert, *tls_key;
    pthread_mutex_t lock;   /* guards state */
    pthread_cond_t changed; /* broadcast when state changes */
    enum run_state state;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_state(struct server *s, enum run_state st)
{
    pthread_mutex_lock(&s->lock);
    s->state = st;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/*
 * Waits ms milliseconds while the server stays in state st.  Returns 0
 * after the whole wait, -1 as soon as the state changes: every wait of the
 * server (a fault's delay, a slow body) is one of these, so a stop ends
 * them all at once.
 */
static int wait_in(struct server *s, enum run_state st, uint32_t ms)
{
    struct timespec until;
    int rc = 0;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (s->state == st && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->changed, &s->lock, &until);
    int moved = s->state != st;
    pthread_mutex_unlock(&s->lock);
    return moved ? -1 : 0;
}

/*
 * The process's IPv4 TCP sockets with a peer: calls fn with each, its local
 * and its peer address, until fn returns non-zero; returns that value, or
 * 0.  CivetWeb does not give a connection's socket out, so this is how the
 * server finds one.  Descriptors come from /proc/self/fd (Linux).
 */
static int
each_connected_socket(int (*fn)(int fd, const struct sockaddr_in *local,
                                const struct sockaddr_in *peer, void *data),
                      void *data)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int rc = 0;
    if (!d)
        return 0;
    while (!rc && (e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        struct sockaddr_in local, peer;
        socklen_t ll = sizeof local, pl = sizeof peer;
        if (fd < 3 || fd == dirfd(d) ||
            getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
            ll != sizeof local || local.sin_family != AF_INET ||
            getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
            continue;
        rc = fn(fd, &local, &peer, data);
    }
    closedir(d);
    return rc;
}

/* each_connected_socket: the socket of the connection data, plus one. */
static int is_this_connection(int fd, const struct sockaddr_in *local,
                              const struct sockaddr_in *peer, void *data)
{
    const struct mg_request_info *ri = data;
    char addr[INET_ADDRSTRLEN];
    if (ntohs(local->sin_port) != ri->server_port ||
        ntohs(peer->sin_port) != ri->remote_port)
        return 0;
    inet_ntop(AF_INET, &peer->sin_addr, addr, sizeof addr);
    return strcmp(addr, ri->remote_addr) == 0 ? fd + 1 : 0;
}

/* The socket of this connection, or -1; only the reset fault needs it, so
 * the cost of the search is paid only then. */
static int find_socket(struct mg_connection *conn)
{
    return each_connected_socket(is_this_connection,
                                 (void *)mg_get_request_info(conn)) -
           1;
}

/* each_connected_socket: shuts down a connection to one of the server's
 * ports. */
static int shut_if_ours(int fd, const struct sockaddr_in *local,
                        const struct sockaddr_in *peer, void *data)
{
    const struct server *s = data;
    int port = ntohs(local->sin_port);
    (void)peer;
    if (port == s->port || port == s->http_port)
        shutdown(fd, SHUT_RDWR);
    return 0;
}

/* Reads the body, up to API_BODY_MAX bytes, after a "100 Continue" when
 * the client waits for one.  Returns 0, or -1 when it cannot be read whole:
 * over API_BODY_MAX, out of memory, cut short, or slower than
 * BODY_TIME_MAX_MS. */
static int read_body(struct mg_connection *conn, struct buf *b)
{
    static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *expect = mg_get_header(conn, "Expect");
    uint64_t start = monotonic_ms();
    char chunk[16384];
    if (ri->content_length > (long long)API_BODY_MAX)
        return -1;
    if (ri->content_length == 0)
        return 0;
    if (ri->content_length > 0 &&
        buf_reserve(b, (size_t)ri->content_length) != 0)
        return -1;
    if (expect && strcasecmp(expect, "100-continue") == 0 &&
        strcmp(ri->http_version, "1.1") == 0 &&
        mg_write(conn, go_on, sizeof go_on - 1) != (int)sizeof go_on - 1)
        return -1;
    for (;;) {
        int n = mg_read(conn, chunk, sizeof chunk);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        if (buf_append(b, chunk, (size_t)n) != 0 ||
            monotonic_ms() - start > BODY_TIME_MAX_MS)
            return -1;
    }
    /* mg_read also ends on a timeout or a closed connection */
    if (ri->content_length > 0 && b->len != (size_t)ri->content_length)
        return -1;
    return 0;
}

/* Resets the connection: connect() to AF_UNSPEC makes Linux abort it with
 * an RST; CivetWeb's own close of the descriptor later does no harm. */
static void reset_connection(struct mg_connection *conn)
{
    int fd = find_socket(conn);
    if (fd < 0)
        return;
    struct sockaddr sa = {.sa_family = AF_UNSPEC};
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    (void)connect(fd, &sa, sizeof sa);
}

/* Writes n bytes.  When they do not all leave (the client reads nothing
 * for REQUEST_TIMEOUT_MS, or is gone), the connection closes after this
 * answer.  Returns 0 or -1. */
static int send_bytes(struct mg_connection *conn, const char *p, size_t n)
{
    if (n == 0 || mg_write(conn, p, n) == (int)n)
        return 0;
    mg_disable_connection_keep_alive(conn);
    return -1;
}

/* Writes n bytes of a body, slowly when the answer says so; a stop ends a
 * slow body, and closes the connection. */
static void write_body(struct server *s, struct mg_connection *conn,
                       const struct api_answer *a, const char *p, size_t n)
{
    size_t step = a->slow_bytes ? a->slow_bytes : n;
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        if (off && wait_in(s, RUNNING, a->slow_ms) != 0) {
            mg_disable_connection_keep_alive(conn);
            return;
        }
        if (send_bytes(conn, p + off, k) != 0)
            return;
    }
}

/* The longest status line and headers an answer has. */
#define HEAD_MAX 512

/* The decimal text of v, written backwards from end (NUL included);
 * returns where it starts.  The buffer holds 21 bytes at least. */
static const char *decimal(char *end, uint64_t v)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* Sends the n bytes in buf (room bytes in all) then the count parts,
 * copying into buf each part that fits after what it holds: a small answer
 * leaves in one write, so in one segment, and a page in three (head and
 * the answer's head, the items from the snapshot, the answer's tail). */
static void send_parts(struct mg_connection *conn, char *buf, size_t n,
                       size_t room, const char *const *part, const size_t *len,
                       int count)
{
    for (int i = 0; i < count; i++) {
        if (len[i] == 0)
            continue;
        if (len[i] <= room - n) {
            memcpy(buf + n, part[i], len[i]);
            n += len[i];
            continue;
        }
        if (send_bytes(conn, buf, n) != 0 || send_bytes(conn, part[i], len[i]))
            return;
        n = 0;
    }
    send_bytes(conn, buf, n);
}

/* Writes the answer: its status and headers, then its body unless
 * head_only (a HEAD request: the headers of the GET answer, no body).  A
 * fault that acts on the body's bytes (cut, slow) found it flattened. */
static void write_answer(struct server *s, struct mg_connection *conn,
                         const struct api_answer *a, int head_only)
{
    char head[HEAD_MAX + 16384], status[24], length[24];
    size_t n = 0;
    const char *const parts[] = {
        "HTTP/1.1 ",
        decimal(status + sizeof status, (uint64_t)(unsigned)a->status),
        " ",
        mg_get_response_code_text(conn, a->status),
        "\r\nContent-Type: ",
        a->content_type,
        "\r\nContent-Length: ",
        decimal(length + sizeof length, api_answer_len(a)),
        "\r\n",
        a->headers ? a->headers : "",
        a->close ? "Connection: close\r\n" : "",
        "\r\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t k = strlen(parts[i]);
        if (k > HEAD_MAX - n)
            return;
        memcpy(head + n, parts[i], k);
        n += k;
    }
    if (a->reset == RESET_AFTER_HEADERS) {
        send_bytes(conn, head, n);
        reset_connection(conn);
        return;
    }
    if (head_only) {
        send_bytes(conn, head, n);
        return;
    }
    if (a->slow_bytes || a->cut_body) {
        size_t len = a->cut_body ? a->body.len / 2 : a->body.len;
        if (send_bytes(conn, head, n) == 0)
            write_body(s, conn, a, a->body.data, len);
        return;
    }
    const char *body = a->body.data ? a->body.data : "";
    size_t at = a->items ? a->items_at : a->body.len;
    const char *part[3] = {body, a->items, body + at};
    size_t len[3] = {at, a->items_len, a->body.len - at};
    send_parts(conn, head, n, sizeof head, part, len, 3);
}

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CivetWeb's request handler, for every path. */
/*
 * The framing CivetWeb read is trusted only when nothing was read two ways
 * or lost: every Content-Length is plain digits and all of them agree
 * (CivetWeb takes "0x2" as 0 and "+2" as 2, and the first of two), and the
 * headers did not fill CivetWeb's table (it drops the rest silently, a
 * Content-Length among them).  Otherwise the bytes after the headers could
 * be read as another request.
 */
static int framing_sound(const struct mg_request_info *ri)
{
    const int table =
        (int)(sizeof ri->http_headers / sizeof ri->http_headers[0]);
    const char *length = NULL;
    size_t length_n = 0;
    if (ri->num_headers >= table)
        return 0;
    for (int i = 0; i < ri->num_headers; i++) {
        if (strcasecmp(ri->http_headers[i].name, "Content-Length") != 0)
            continue;
        const char *v = ri->http_headers[i].value;
        v += strspn(v, " \t");
        size_t n = strspn(v, "0123456789");
        if (n == 0 || v[n + strspn(v + n, " \t")] != '\0' ||
            (length && (n != length_n || memcmp(v, length, n) != 0)))
            return 0;
        length = v;
        length_n = n;
    }
    return 1;
}

/* The request's path, percent-decoded (timock tells CivetWeb not to), into
 * a buffer the caller frees; NULL when memory runs out.  A path holding
 * "%00" is kept as sent: decoded, the NUL would cut it short, and
 * ".../get_appid_group_list%00x" would reach the API. */
static char *request_path(const char *raw)
{
    size_t n = strlen(raw);
    char *out = malloc(n + 1);
    if (out && (strstr(raw, "%00") ||
                mg_url_decode(raw, (int)n, out, (int)n + 1, 0) < 0))
        memcpy(out, raw, n + 1);
    return out;
}

/* The answer to a request that cannot be parsed, then a closed connection. */
static void refuse_unparsable(struct server *s, struct mg_connection *conn)
{
    struct api_answer ans;
    api_answer_init(&ans);
    api_unparsable(&ans);
    mg_disable_connection_keep_alive(conn);
    write_answer(s, conn, &ans, 0);
    api_answer_release(&ans);
}

static int handle(struct mg_connection *conn, void *data)
{
    struct server *s = data;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct buf body;
    struct api_answer ans;
    int64_t now_ms = unix_ms();
    const char *path = ri->local_uri;
    char *decoded = NULL;
    if (strchr(path, '%')) /* most paths hold no escape: no copy for them */
        path = decoded = request_path(path); /* NULL: out of memory */
    if (!path || !framing_sound(ri)) {
        free(decoded);
        refuse_unparsable(s, conn);
        return 200;
    }
    struct control_request req = {
        .api =
            {
                .method = ri->request_method,
                .path = path,
                .query = ri->query_string,
                .host = mg_get_header(conn, "Host"),
                .now = now_ms / 1000,
                .now_ms = monotonic_ms(),
            },
        .content_type = mg_get_header(conn, "Content-Type"),
        .authorization = mg_get_header(conn, "Authorization"),
        .origin = mg_get_header(conn, "Origin"),
        .peer_loopback = strncmp(ri->remote_addr, "127.", 4) == 0,
        .now_ms = now_ms,
    };
    buf_init(&body, API_BODY_MAX);
    api_answer_init(&ans);
    if (read_body(conn, &body) != 0) {
        /* what is left of the body is never read: close after the answer */
        req.api.body_too_large = 1;
        mg_disable_connection_keep_alive(conn);
    }
    req.api.body = body.data ? body.data : "";
    req.api.body_len = body.len;

    control_handle(s->control, &req, &ans);

    if (ans.delay_ms && wait_in(s, RUNNING, ans.delay_ms) != 0)
        ans.no_answer = ans.close = 1; /* stopping */
    if (ans.close)
        mg_disable_connection_keep_alive(conn);
    if (ans.reset == RESET_BEFORE_HEADERS)
        reset_connection(conn);
    else if (!ans.no_answer)
        write_answer(s, conn, &ans, strcmp(ri->request_method, "HEAD") == 0);
    int status = ans.status;
    api_answer_release(&ans);
    buf_release(&body);
    free(decoded);
    return status;
}

/* CivetWeb's http_error callback: a request it refused before any handler
 * (a method it does not know, a malformed request line or header, headers
 * over its buffer) gets the API's answer to an unparsable request, not
 * CivetWeb's HTML page.  CivetWeb closes the connection after it. */
static int refused_request(struct mg_connection *conn, int status,
                           const char *why)
{
    (void)status;
    (void)why;
    refuse_unparsable(mg_get_user_data(mg_get_context(conn)), conn);
    return 0;
}

/* CivetWeb's TLS set-up: the certificate chain and its key from files. */
static int init_tls(void *ssl_ctx, void *data)
{
    const struct server *s = data;
    SSL_CTX *ctx = ssl_ctx;
    if (SSL_CTX_use_certificate_chain_file(ctx, s->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, s->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        return -1;
    return 1;
}

struct server *server_start(struct control *c, const struct server_options *o,
                            char *err, size_t errlen)
{
    char threads[16], ports[300];
    snprintf(threads, sizeof threads, "%u", o->threads);
    int tls = o->tls_cert != NULL;
    size_t host = strcspn(o->listen, ":");
    if (tls && o->http_port >= 0)
        snprintf(ports, sizeof ports, "%ss,%.*s:%d", o->listen, (int)host,
                 o->listen, o->http_port);
    else
        snprintf(ports, sizeof ports, "%s%s", o->listen, tls ? "s" : "");
    const char *options[] = {"listening_ports",
                             ports,
                             "num_threads",
                             threads,
                             "tcp_nodelay",
                             "1",
                             "enable_keep_alive",
                             "yes",
                             "keep_alive_timeout_ms",
                             KEEP_ALIVE_TIMEOUT_MS,
                             "request_timeout_ms",
                             REQUEST_TIMEOUT_MS,
                             "decode_url",
                             "no", /* request_path decodes, %00 aside */
                             NULL};
    struct mg_callbacks callbacks;
    struct server *s = calloc(1, sizeof *s);
    struct mg_init_data init = {&callbacks, s, options};
    struct mg_error_data error = {NULL, err, errlen};
    pthread_condattr_t ca;
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (pthread_condattr_init(&ca) != 0) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    int sync = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&s->changed, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!sync || pthread_mutex_init(&s->lock, NULL) != 0) {
        if (sync)
            pthread_cond_destroy(&s->changed);
        snprintf(err, errlen, "cannot make a lock: out of resources");
        free(s);
        return NULL;
    }
    s->state = RUNNING;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.http_error = refused_request;
    if (tls) {
        callbacks.init_ssl = init_tls;
        (void)libssl_compat_linked(); /* CivetWeb's libssl.so: keep it */
    }
    s->control = c;
    s->tls_cert = o->tls_cert;
    s->tls_key = o->tls_key;
    s->port = s->http_port = -1;
    err[0] = '\0';
    s->ctx = mg_start2(&init, &error);
    if (!s->ctx) {
        if (!err[0])
            snprintf(err, errlen, "cannot listen on %s", ports);
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    /* every path: the API, the admin API, and an answer for any other */
    mg_set_request_handler(s->ctx, "/", handle, s);
    struct mg_server_port list[4];
    int n = mg_get_server_ports(s->ctx, 4, list);
    s->port = n > 0 ? list[0].port : -1;
    s->http_port = n > 1 ? list[1].port : -1;
    if (n < (tls && o->http_port >= 0 ? 2 : 1)) {
        snprintf(err, errlen, "CivetWeb does not tell the port it listens on");
        server_stop(s);
        return NULL;
    }
    char addr[64];
    snprintf(addr, sizeof addr, "%.*s", (int)host, o->listen);
    if (inet_pton(AF_INET, addr, &s->addr) != 1 || s->addr.s_addr == 0)
        s->addr.s_addr = htonl(INADDR_LOOPBACK);
    return s;
}

int server_port(const struct server *s)
{
    return s->port;
}

int server_http_port(const struct server *s)
{
    return s->http_port;
}

/*
 * While mg_stop waits for CivetWeb's threads, this wakes them every
 * STOP_SWEEP_MS: its accept loop, which polls with a 2 s timeout, by a
 * connection; and its workers, which look at the stop flag only between
 * 2 s polls of their sockets (a keep-alive connection waiting for its next
 * request, a body being read, an answer to a client that does not read),
 * by shutting their sockets down.  So the server stops in milliseconds
 * whatever its connections are doing.
 */
static void *wake_civetweb(void *data)
{
    struct server *s = data;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)s->port),
                             .sin_addr = s->addr};
    do {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) {
            (void)connect(fd, (struct sockaddr *)&sa, sizeof sa);
            close(fd);
        }
        each_connected_socket(shut_if_ours, s);
    } while (wait_in(s, STOPPING, STOP_SWEEP_MS) == 0);
    return NULL;
}

void server_stop(struct server *s)
{
    if (!s)
        return;
    pthread_t waker;
    set_state(s, STOPPING); /* every wait_in of a handler ends */
    int waking = pthread_create(&waker, NULL, wake_civetweb, s) == 0;
    mg_stop(s->ctx);
    set_state(s, STOPPED);
    if (waking)
        pthread_join(waker, NULL);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
