/* testhttp: a real timock on a free port, and POSTs to it with libcurl. */
#include "testutil.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
    const char *argv[40] = {"--port", "0", "--quiet"};
    size_t k = 3;
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
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
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
    if (r->headers) {
        buf_init(r->headers, 1u << 16);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r->headers);
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
