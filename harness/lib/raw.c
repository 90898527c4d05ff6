/*
 * raw: requests sent exactly as the caller says (see timclient.h), for the
 * conformance suite.  libcurl, like the rest of the client library.
 */
#include "timclient.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "url.h"

#define RAW_URL_MAX 16384

/* base + path + "?" + the escaped parameters. */
static int build_url(const struct tim_raw_target *t,
                     const struct tim_raw_request *req, char *url, size_t n)
{
    size_t blen = strlen(t->base_url);
    while (blen && t->base_url[blen - 1] == '/')
        blen--;
    int len = snprintf(url, n, "%.*s%s", (int)blen, t->base_url,
                       req->path ? req->path : "/");
    if (len < 0 || (size_t)len >= n)
        return -1;
    size_t o = (size_t)len;
    char sep = '?';
    for (size_t i = 0; i < req->n_params; i++) {
        const struct tim_param *p = &req->params[i];
        if (!p->value)
            continue;
        if (o + strlen(p->name) + 2 >= n)
            return -1;
        o += (size_t)snprintf(url + o, n - o, "%c%s=", sep, p->name);
        int e = url_escape(p->value, url + o, n - o);
        if (e < 0)
            return -1;
        o += (size_t)e;
        sep = '&';
    }
    return 0;
}

/* libcurl's CURLOPT_HEADERFUNCTION: keeps the header lines of the last
 * response only (a status line starts a new response, e.g. after a 100). */
static size_t header_write(char *p, size_t size, size_t n, void *sink)
{
    if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        sink_reset(sink);
    return sink_write(p, size, n, sink);
}

/* Appends a line to a header list; the list, or NULL (then *list is
 * freed and NULL). */
static struct curl_slist *append(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l) {
        curl_slist_free_all(*list);
        *list = NULL;
    } else
        *list = l;
    return l;
}

int tim_raw_request(const struct tim_raw_target *t,
                    const struct tim_raw_request *req,
                    struct tim_raw_answer *ans, struct tim_error *err)
{
    char url[RAW_URL_MAX], ctype[256], host[512], curl_error[CURL_ERROR_SIZE];
    struct sink sink = {0}, head = {0};
    struct curl_slist *headers = NULL, *connect_to = NULL;
    int rc = TIM_OK;
    if (!t || !t->base_url || !req)
        return tim_fail(err, TIM_E_USAGE, "no target or no request");
    if (build_url(t, req, url, sizeof url) != 0)
        return tim_fail(err, TIM_E_USAGE, "the URL would be too long");
    CURL *h = curl_easy_init();
    if (!h)
        return tim_fail(err, TIM_E_USAGE, "cannot make a libcurl handle");
    const char *type =
        req->content_type ? req->content_type : "application/json";
    if ((size_t)snprintf(ctype, sizeof ctype, "Content-Type:%s%s",
                         type[0] ? " " : "", type) >= sizeof ctype ||
        (req->host && (size_t)snprintf(host, sizeof host, "Host: %s",
                                       req->host) >= sizeof host)) {
        rc = tim_fail(err, TIM_E_USAGE,
                      "the Content-Type or Host header is too long");
        goto out;
    }
    if (!(headers = curl_slist_append(NULL, ctype)) ||
        (req->host && !append(&headers, host)) ||
        (t->connect_to &&
         !(connect_to = curl_slist_append(NULL, t->connect_to)))) {
        rc = tim_fail(err, TIM_E_USAGE, "out of memory");
        goto out;
    }
    curl_error[0] = '\0';
    /* every option is checked: one libcurl refuses would send another
     * request than the caller asked for */
    CURLcode set = CURLE_OK;
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (set == CURLE_OK)                                                   \
            set = curl_easy_setopt(h, opt, val);                               \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, curl_error);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
    SET(CURLOPT_POSTFIELDSIZE_LARGE,
        (curl_off_t)(req->body ? req->body_len : 0));
    if (req->method && strcmp(req->method, "POST") != 0) {
        if (strcmp(req->method, "GET") == 0 && !req->body_len)
            SET(CURLOPT_HTTPGET, 1L);
        else if (strcmp(req->method, "HEAD") == 0)
            SET(CURLOPT_NOBODY, 1L); /* no body will come */
        else
            SET(CURLOPT_CUSTOMREQUEST, req->method);
    }
    SET(CURLOPT_WRITEFUNCTION, sink_write);
    SET(CURLOPT_WRITEDATA, &sink);
    SET(CURLOPT_HEADERFUNCTION, header_write);
    SET(CURLOPT_HEADERDATA, &head);
    SET(CURLOPT_TIMEOUT_MS, t->timeout_ms > 0 ? t->timeout_ms : 10000L);
    SET(CURLOPT_SSL_VERIFYPEER, t->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, t->insecure ? 0L : 2L);
    if (t->cacert)
        SET(CURLOPT_CAINFO, t->cacert);
    if (connect_to)
        SET(CURLOPT_CONNECT_TO, connect_to);
#undef SET
    if (set != CURLE_OK) {
        rc = tim_fail(err, TIM_E_USAGE, "libcurl refused an option: %s",
                      curl_easy_strerror(set));
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        rc = tim_fail(err, TIM_E_TRANSPORT, "%s",
                      sink.too_big    ? "the answer is too large"
                      : curl_error[0] ? curl_error
                                      : curl_easy_strerror(cc));
        if (err)
            err->transport_code = (int)cc;
        goto out;
    }
    long status = 0;
    char *body = sink.data ? sink.data : calloc(1, 1);
    char *lines = head.data ? head.data : calloc(1, 1);
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        !body || !lines) {
        if (body != sink.data)
            free(body);
        if (lines != head.data)
            free(lines);
        rc = tim_fail(err, TIM_E_USAGE, "out of memory");
        goto out;
    }
    *ans = (struct tim_raw_answer){status, body, sink.len, lines};
    sink.data = head.data = NULL;
out:
    free(sink.data);
    free(head.data);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    curl_easy_cleanup(h);
    return rc;
}

void tim_raw_answer_release(struct tim_raw_answer *ans)
{
    if (!ans)
        return;
    free(ans->body);
    free(ans->headers);
    memset(ans, 0, sizeof *ans);
}

int tim_raw_header(const char *headers, const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    if (n)
        out[0] = '\0';
    for (const char *l = headers ? headers : ""; *l;) {
        const char *end = strchr(l, '\n');
        size_t ll = end ? (size_t)(end - l) : strlen(l);
        if (ll > len && l[len] == ':' && strncasecmp(l, name, len) == 0) {
            const char *v = l + len + 1, *e = l + ll;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (n)
                snprintf(out, n, "%.*s", (int)(e - v), v);
            return 1;
        }
        l += ll + (end != NULL);
    }
    return 0;
}
