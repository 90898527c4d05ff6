/*
 * bench-conn: hostile connections against a running timock, and how long a
 * new client then waits for its first answer.  Built and run by
 * ci/bench-conn, by hand, never by CI; it talks to 127.0.0.1 only.
 *
 * Phase 1 holds IDLE connections that send nothing and SLOWLORIS
 * connections that send one more header line every second and never end
 * their request; phase 2 holds NEVER_READ clients that pipeline many
 * requests for large pages and never read an answer.  Whenever timock
 * closes one of them it is opened again at once, as an attacker would.
 * During each phase, once a second, a new client connects, sends one
 * request and times its first answer byte (given up after PROBE_LIMIT_MS);
 * timock's VmRSS and thread count are sampled at the same moments.  The
 * figures are printed as text, one phase after the other.
 *
 * usage: bench-conn PORT PID QUERY [IDLE SLOWLORIS NEVER_READ SECONDS]
 *   QUERY: an API query with a valid UserSig, for the large pages
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_LIMIT_MS 30000
#define MAX_CONNS      4096
#define PIPELINED      40 /* requests each never-reading client sends */

enum kind { IDLE, SLOWLORIS, NEVER_READ };

struct conn {
    int fd;
    enum kind kind;
    int64_t next_ms; /* slowloris: when to send the next line */
    size_t sent;     /* never-read: bytes of the pipeline sent */
};

static int port, pid;
static char *pipeline; /* never-read: the requests, back to back */
static size_t pipeline_len;
static long reopened;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking connection to 127.0.0.1:port being made, or -1. */
static int open_conn(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
        errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void start(struct conn *c, enum kind k)
{
    c->fd = open_conn();
    c->kind = k;
    c->next_ms = 0;
    c->sent = 0;
}

/* What to poll for: a client that never reads learns of a close by
 * POLLRDHUP, the others read what comes. */
static short events_of(const struct conn *c)
{
    return c->kind == NEVER_READ ? POLLRDHUP : POLLIN;
}

/* One step of an attacking connection: what it sends now, and a new
 * connection in its place when timock closed it. */
static void step(struct conn *c, short revents, int64_t t)
{
    char junk[4096];
    int closed = c->fd < 0 || (revents & (POLLRDHUP | POLLHUP | POLLERR));
    if (!closed && (revents & POLLIN)) {
        ssize_t n = recv(c->fd, junk, sizeof junk, 0);
        closed = n == 0 || (n < 0 && errno != EAGAIN);
    }
    if (closed) {
        if (c->fd >= 0)
            close(c->fd);
        start(c, c->kind);
        reopened++;
        return;
    }
    if (c->kind == SLOWLORIS && t >= c->next_ms) {
        char line[64];
        int n = c->next_ms == 0
                    ? snprintf(line, sizeof line,
                               "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    : snprintf(line, sizeof line, "X-Slow-%lld: 1\r\n",
                               (long long)t);
        (void)send(c->fd, line, (size_t)n, MSG_NOSIGNAL);
        c->next_ms = t + 1000;
    }
    if (c->kind == NEVER_READ && c->sent < pipeline_len) {
        ssize_t n = send(c->fd, pipeline + c->sent, pipeline_len - c->sent,
                         MSG_NOSIGNAL);
        if (n > 0)
            c->sent += (size_t)n;
    }
}

/* A new client: connects, sends one request, and returns the milliseconds
 * to the first byte of the answer, or -1 after PROBE_LIMIT_MS. */
static int64_t probe(struct conn *attack, size_t n_attack, struct pollfd *pfd)
{
    static const char req[] =
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    int64_t t0 = now_ms(), t;
    int fd = open_conn(), sent = 0;
    if (fd < 0)
        return -1;
    while ((t = now_ms()) - t0 < PROBE_LIMIT_MS) {
        /* the attack goes on while the new client waits */
        for (size_t i = 0; i < n_attack; i++) {
            pfd[i].fd = attack[i].fd;
            pfd[i].events = events_of(&attack[i]);
            pfd[i].revents = 0;
        }
        pfd[n_attack].fd = fd;
        pfd[n_attack].events = sent ? POLLIN : POLLOUT;
        poll(pfd, n_attack + 1, 50);
        if (pfd[n_attack].revents & (POLLOUT | POLLIN | POLLHUP | POLLERR)) {
            if (!sent) {
                sent = send(fd, req, sizeof req - 1, MSG_NOSIGNAL) > 0;
            } else {
                char b[256];
                ssize_t got = recv(fd, b, sizeof b, 0);
                close(fd);
                return got > 0 ? now_ms() - t0 : -1;
            }
        }
        for (size_t i = 0; i < n_attack; i++)
            step(&attack[i], pfd[i].revents, t);
    }
    close(fd);
    return -1;
}

/* timock's VmRSS in MB and its threads, from /proc. */
static void sample(long *rss_mb, long *threads)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    *rss_mb = *threads = -1;
    while (f && fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            *rss_mb = v / 1000;
        else if (sscanf(line, "Threads: %ld", &v) == 1)
            *threads = v;
    }
    if (f)
        fclose(f);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Holds the attack for seconds, probing once a second; prints figures. */
static void phase(const char *title, struct conn *attack, size_t n, int seconds)
{
    struct pollfd *pfd = calloc(n + 1, sizeof *pfd);
    int64_t lat[600];
    int probes = 0, lost = 0;
    long rss = 0, rss_max = 0, threads = 0, threads_max = 0;
    int64_t end = now_ms() + (int64_t)seconds * 1000, next = now_ms() + 1000;
    reopened = 0;
    printf("%s\n", title);
    fflush(stdout);
    while (now_ms() < end && probes < 600) {
        int64_t t = now_ms();
        for (size_t i = 0; i < n; i++) {
            pfd[i].fd = attack[i].fd;
            pfd[i].events = events_of(&attack[i]);
            pfd[i].revents = 0;
        }
        poll(pfd, n, 50);
        for (size_t i = 0; i < n; i++)
            step(&attack[i], pfd[i].revents, t);
        if (t < next)
            continue;
        next = t + 1000;
        sample(&rss, &threads);
        rss_max = rss > rss_max ? rss : rss_max;
        threads_max = threads > threads_max ? threads : threads_max;
        int64_t ms = probe(attack, n, pfd);
        lost += ms < 0;
        lat[probes++] = ms < 0 ? PROBE_LIMIT_MS : ms;
    }
    qsort(lat, (size_t)probes, sizeof *lat, cmp64);
    int slow = 0;
    for (int i = 0; i < probes; i++)
        slow += lat[i] >= 1000;
    printf("  new client, first answer: median %lld ms, max %s%lld ms; "
           "%d of %d probes over 1 s, %d without an answer in %d s\n",
           probes ? (long long)lat[probes / 2] : -1LL, lost ? ">= " : "",
           probes ? (long long)lat[probes - 1] : -1LL, slow, probes, lost,
           PROBE_LIMIT_MS / 1000);
    printf("  timock: VmRSS max %ld MB, threads max %ld; attacking "
           "connections reopened after timock closed them: %ld\n",
           rss_max, threads_max, reopened);
    printf("  RESULT %s: max_ms=%lld rss_mb=%ld\n",
           n && attack[0].kind == NEVER_READ ? "never-read" : "idle",
           probes ? (long long)lat[probes - 1] : -1LL, rss_max);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        if (attack[i].fd >= 0)
            close(attack[i].fd);
    free(pfd);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 8) {
        fprintf(stderr, "usage: bench-conn PORT PID QUERY "
                        "[IDLE SLOWLORIS NEVER_READ SECONDS]\n");
        return 2;
    }
    port = atoi(argv[1]);
    pid = atoi(argv[2]);
    int idle = argc == 8 ? atoi(argv[4]) : 500;
    int slow = argc == 8 ? atoi(argv[5]) : 100;
    int never = argc == 8 ? atoi(argv[6]) : 100;
    int seconds = argc == 8 ? atoi(argv[7]) : 20;
    if (idle < 0 || slow < 0 || never < 0 || idle + slow > MAX_CONNS ||
        never > MAX_CONNS || seconds < 1 || seconds > 600) {
        fprintf(stderr, "bench-conn: counts up to %d, 1 to 600 seconds\n",
                MAX_CONNS);
        return 2;
    }
    struct rlimit fds;
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }

    /* the never-reading clients' pipeline: pages of 8000 IDs */
    static const char body[] = "{\"Limit\":10000,\"GroupType\":\"Public\"}";
    char one[8192];
    int len = snprintf(one, sizeof one,
                       "POST /v4/group_open_http_svc/get_appid_group_list?%s "
                       "HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       argv[3], sizeof body - 1, body);
    if (len <= 0 || len >= (int)sizeof one)
        return 2;
    pipeline_len = (size_t)len * PIPELINED;
    pipeline = malloc(pipeline_len);
    struct conn *attack = calloc(MAX_CONNS, sizeof *attack);
    if (!pipeline || !attack)
        return 1;
    for (int i = 0; i < PIPELINED; i++)
        memcpy(pipeline + (size_t)i * (size_t)len, one, (size_t)len);

    char title[256];
    for (int i = 0; i < idle + slow; i++)
        start(&attack[i], i < idle ? IDLE : SLOWLORIS);
    snprintf(title, sizeof title,
             "phase 1: %d idle and %d slowloris connections, %d s", idle, slow,
             seconds);
    phase(title, attack, (size_t)(idle + slow), seconds);

    for (int i = 0; i < never; i++)
        start(&attack[i], NEVER_READ);
    snprintf(title, sizeof title,
             "phase 2: %d clients that pipeline %d requests for pages of "
             "8000 IDs and never read, %d s",
             never, PIPELINED, seconds);
    phase(title, attack, (size_t)never, seconds);
    free(attack);
    free(pipeline);
    return 0;
}
