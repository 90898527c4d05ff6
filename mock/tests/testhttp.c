/* testhttp: a real timock on a free port, and POSTs to it with libcurl. */
#include "testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void tu_timock_exec(struct tu_timock *t, const char *const *args, int n,
                    int *ports)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    const char *argv[40] = {TIMOCK_PATH};
    size_t k = 1;
    for (; args && *args && k < 39; args++)
        argv[k++] = *args;
    argv[k] = NULL;
    t->pid = fork();
    ck_assert_int_ge(t->pid, 0);
    if (t->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    for (int i = 0; i < n; i++) {
        char line[256] = "";
        ck_assert_msg(fgets(line, sizeof line, out) != NULL,
                      "timock printed no listening line %d", i + 1);
        ck_assert_msg(sscanf(line, "timock listening on %*[a-z]://%*[^:]:%d",
                             &ports[i]) == 1,
                      "unexpected line: %s", line);
    }
    t->port = ports[0];
    fclose(out);
}

void tu_timock_start(struct tu_timock *t, const char *const *args)
{
    const char *argv[40] = {"--port", "0", "--quiet", "--threads", "64"};
    size_t k = 5;
    for (; args && *args && k < 39; args++)
        argv[k++] = *args;
    argv[k] = NULL;
    tu_timock_exec(t, argv, 1, &t->port);
}

void tu_timock_stop(struct tu_timock *t)
{
    int status = 0;
    kill(t->pid, SIGTERM);
    ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "timock did not stop cleanly (status %d)", status);
}

void tu_timock_stop_within(struct tu_timock *t, int ms)
{
    int status = 0;
    pid_t got = 0;
    kill(t->pid, SIGTERM);
    for (int waited = 0; waited <= ms && got == 0; waited += 10) {
        got = waitpid(t->pid, &status, WNOHANG);
        if (got == 0)
            nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    if (got == 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, &status, 0);
        ck_abort_msg("timock still ran %d ms after SIGTERM", ms);
    }
    ck_assert_int_eq(got, t->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "timock did not stop cleanly (status %d)", status);
}

static size_t collect(char *p, size_t size, size_t n, void *data)
{
    return buf_append(data, p, size * n) == 0 ? size * n : 0;
}

int tu_request(const struct tu_timock *t, struct tu_http *r, struct buf *answer)
{
    char url[8192], host[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s%s%s", t->port,
             r->path ? r->path : API_PATH, r->query ? "?" : "",
             r->query ? r->query : "");
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    struct curl_slist *h = NULL;
    int own_type = 0;
    for (const char *const *x = r->headers; x && *x; x++) {
        own_type |= strncasecmp(*x, "Content-Type:", 13) == 0;
        h = curl_slist_append(h, *x);
    }
    if (!own_type)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (r->host) {
        snprintf(host, sizeof host, "Host: %s", r->host);
        h = curl_slist_append(h, host);
    }
    const char *body = r->body ? r->body : "";
    buf_init(answer, 64u << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(r->body_len ? r->body_len : strlen(body)));
    if (r->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    if (r->answer_headers) {
        buf_init(r->answer_headers, 1u << 16);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r->answer_headers);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    int rc = (int)curl_easy_perform(c);
    r->status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->seconds);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

int tu_post(const struct tu_timock *t, const char *path, const char *query,
            const char *body, long *status, struct buf *answer)
{
    struct tu_http r = {.path = path, .query = query, .body = body};
    int rc = tu_request(t, &r, answer);
    *status = r.status;
    return rc;
}

int tu_raw_connect(const struct tu_timock *t, const char *text, size_t n)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)t->port)};
    struct timeval limit = {60, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    n = n ? n : strlen(text);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    return fd;
}

void tu_raw_read(int fd, struct buf *b, size_t want)
{
    char chunk[4096];
    while (!want || b->len < want) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        ck_assert_msg(got >= 0, "no answer within 60 s");
        if (got == 0)
            break;
        ck_assert_int_eq(buf_append(b, chunk, (size_t)got), 0);
    }
}
