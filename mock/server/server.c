/* server: CivetWeb in, api_handle, CivetWeb out (server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <link.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct server {
    struct mg_context *ctx;
    struct control *control;
    struct in_addr addr; /* where to reach the listening socket */
    int port, http_port;
    const char *tls_cert, *tls_key;
    atomic_int stopped;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Reads the body, up to API_BODY_MAX bytes; sets *too_large past that. */
static int read_body(struct mg_connection *conn, struct buf *b, int *too_large)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char chunk[16384];
    *too_large = ri->content_length > (long long)API_BODY_MAX;
    if (*too_large)
        return 0;
    if (ri->content_length > 0 &&
        buf_reserve(b, (size_t)ri->content_length) != 0)
        return -1;
    for (;;) {
        int n = mg_read(conn, chunk, sizeof chunk);
        if (n <= 0)
            return 0;
        if (buf_append(b, chunk, (size_t)n) != 0) {
            *too_large = 1;
            return 0;
        }
    }
}

/*
 * The socket of this connection.  CivetWeb does not give it out, so it is
 * found by its two ends among the process's descriptors; only the reset
 * fault needs it, so the cost is paid only then.
 */
static int find_socket(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    for (int fd = 3; fd < 65536; fd++) {
        struct sockaddr_in local, peer;
        socklen_t ll = sizeof local, pl = sizeof peer;
        if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0)
            continue;
        if (local.sin_family != AF_INET ||
            ntohs(local.sin_port) != ri->server_port ||
            getpeername(fd, (struct sockaddr *)&peer, &pl) != 0 ||
            ntohs(peer.sin_port) != ri->remote_port)
            continue;
        char addr[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof addr);
        if (strcmp(addr, ri->remote_addr) == 0)
            return fd;
    }
    return -1;
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

/* Writes n bytes, slowly when the answer says so. */
static void write_body(struct mg_connection *conn, const struct api_answer *a,
                       const char *p, size_t n)
{
    if (!a->slow_bytes) {
        mg_write(conn, p, n);
        return;
    }
    for (size_t off = 0; off < n; off += a->slow_bytes) {
        if (off)
            sleep_ms(a->slow_ms);
        size_t k = n - off < a->slow_bytes ? n - off : a->slow_bytes;
        if (mg_write(conn, p + off, k) <= 0)
            return;
    }
}

static void write_answer(struct mg_connection *conn, const struct api_answer *a)
{
    char head[512 + 16384];
    int n = snprintf(head, 512,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     a->status, mg_get_response_code_text(conn, a->status),
                     a->content_type, a->body.len,
                     a->close ? "Connection: close\r\n" : "");
    if (n < 0 || n >= 512)
        return;
    size_t len = a->cut_body ? a->body.len / 2 : a->body.len;
    if (a->reset == RESET_AFTER_HEADERS) {
        mg_write(conn, head, (size_t)n);
        reset_connection(conn);
        return;
    }
    /* Small answers leave in one write, so in one segment. */
    if (!a->slow_bytes && len <= sizeof head - (size_t)n) {
        memcpy(head + n, a->body.data, len);
        mg_write(conn, head, (size_t)n + len);
        return;
    }
    mg_write(conn, head, (size_t)n);
    write_body(conn, a, a->body.data, len);
}

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int handle(struct mg_connection *conn, void *data)
{
    struct server *s = data;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct buf body;
    struct api_answer ans;
    int64_t now_ms = unix_ms();
    struct control_request req = {
        .api =
            {
                .method = ri->request_method,
                .path = ri->local_uri,
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
    if (read_body(conn, &body, &req.api.body_too_large) != 0)
        req.api.body_too_large = 1;
    req.api.body = body.data ? body.data : "";
    req.api.body_len = body.len;

    control_handle(s->control, &req, &ans);

    if (ans.delay_ms)
        sleep_ms(ans.delay_ms);
    if (ans.close)
        mg_disable_connection_keep_alive(conn);
    if (ans.reset == RESET_BEFORE_HEADERS)
        reset_connection(conn);
    else if (!ans.no_answer)
        write_answer(conn, &ans);
    int status = ans.status;
    api_answer_release(&ans);
    buf_release(&body);
    return status;
}

/*
 * Debian's CivetWeb 1.15 loads OpenSSL at run time, filling a table of
 * {name, required, pointer} by dlsym.  One name, SSL_get_peer_certificate,
 * is only a macro in OpenSSL 3 (for SSL_get1_peer_certificate), so its
 * pointer stays NULL, and CivetWeb calls it after every TLS handshake:
 * each HTTPS connection crashed the server (upstream civetweb issue #1334).
 * This finds that entry in CivetWeb's writable data and points it at the
 * function the name stands for, which takes the same argument and returns
 * the same new reference.  It does nothing when the entry is not there or
 * is already set (a CivetWeb built against OpenSSL 3, or without run-time
 * loading).  Called once, after mg_init_library and before mg_start2, with
 * no other thread running.
 */
struct civetweb_ssl_func { /* CivetWeb's struct ssl_func */
    const char *name;
    int required;
    void (*ptr)(void);
};

static int in_segment(const struct dl_phdr_info *info, uintptr_t p, size_t n,
                      int flag)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & flag) && p >= lo &&
            p + n <= lo + ph->p_memsz)
            return 1;
    }
    return 0;
}

static int fix_civetweb_ssl_table(struct dl_phdr_info *info, size_t size,
                                  void *data)
{
    static const char name[] = "SSL_get_peer_certificate";
    uintptr_t relro_lo = 0, relro_hi = 0;
    (void)size;
    (void)data;
    if (!strstr(info->dlpi_name, "libcivetweb"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
            relro_lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            relro_hi = relro_lo + info->dlpi_phdr[i].p_memsz;
        }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t p = info->dlpi_addr + ph->p_vaddr;
        uintptr_t end = p + ph->p_memsz;
        p = (p + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
        for (; p + sizeof(struct civetweb_ssl_func) <= end;
             p += sizeof(void *)) {
            struct civetweb_ssl_func *f = (struct civetweb_ssl_func *)p;
            uintptr_t at = (uintptr_t)f->name;
            if ((p < relro_hi && p + sizeof *f > relro_lo) || f->ptr ||
                !in_segment(info, at, sizeof name, PF_R) ||
                memcmp(f->name, name, sizeof name) != 0)
                continue;
            f->ptr = (void (*)(void))SSL_get1_peer_certificate;
        }
    }
    return 1;
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
                             "60000",
                             "request_timeout_ms",
                             "30000",
                             NULL};
    struct mg_callbacks callbacks;
    struct server *s = calloc(1, sizeof *s);
    struct mg_init_data init = {&callbacks, s, options};
    struct mg_error_data error = {NULL, err, errlen};
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memset(&callbacks, 0, sizeof callbacks);
    if (tls) {
        callbacks.init_ssl = init_tls;
        dl_iterate_phdr(fix_civetweb_ssl_table, NULL);
    }
    s->control = c;
    s->tls_cert = o->tls_cert;
    s->tls_key = o->tls_key;
    err[0] = '\0';
    s->ctx = mg_start2(&init, &error);
    if (!s->ctx) {
        if (!err[0])
            snprintf(err, errlen, "cannot listen on %s", ports);
        free(s);
        return NULL;
    }
    mg_set_request_handler(s->ctx, "/v4/", handle, s);
    mg_set_request_handler(s->ctx, "/__admin", handle, s);
    struct mg_server_port list[4];
    int n = mg_get_server_ports(s->ctx, 4, list);
    s->port = n > 0 ? list[0].port : 0;
    s->http_port = n > 1 ? list[1].port : -1;
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
 * CivetWeb's accept loop polls with a 2 s timeout and only then sees that
 * it must stop.  While mg_stop waits for it, this thread wakes the poll
 * with a connection every 20 ms, so the server stops in milliseconds.
 */
static void *wake_accept_loop(void *data)
{
    struct server *s = data;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)s->port),
                             .sin_addr = s->addr};
    while (!atomic_load(&s->stopped)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) {
            (void)connect(fd, (struct sockaddr *)&sa, sizeof sa);
            close(fd);
        }
        sleep_ms(20);
    }
    return NULL;
}

void server_stop(struct server *s)
{
    if (!s)
        return;
    pthread_t waker;
    int waking = pthread_create(&waker, NULL, wake_accept_loop, s) == 0;
    mg_stop(s->ctx);
    atomic_store(&s->stopped, 1);
    if (waking)
        pthread_join(waker, NULL);
    free(s);
}
