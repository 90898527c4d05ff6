/* Integration tests of timock's TLS: a test CA from ci/certs, timock with
 * --tls-cert/--tls-key and a plain HTTP port beside, libcurl reaching it
 * under the vendor's region domains (CURLOPT_CONNECT_TO) with the host name
 * checked, and the timgroups CLI doing the same. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define CA_PEM     CERTS_DIR "/ca.pem"
#define SERVER_PEM CERTS_DIR "/server.pem"
#define SERVER_KEY CERTS_DIR "/server.key"
#define SGP_APP    1400000101ULL /* fixtures/regions.json: singapore */
#define SGP_GROUPS 210

/* timock serving regions.json over HTTPS, and plain HTTP on a second
 * port. */
struct tls_timock {
    struct tu_timock t; /* t.port: the HTTPS port */
    int http_port;
};

static void start_tls(struct tls_timock *s)
{
    const char *args[] = {"--quiet",
                          "--port",
                          "0",
                          "--fixture",
                          FIXTURES_DIR "/regions.json",
                          "--tls-cert",
                          SERVER_PEM,
                          "--tls-key",
                          SERVER_KEY,
                          "--http-port",
                          "0",
                          NULL};
    int ports[2];
    tu_timock_exec(&s->t, args, 2, ports);
    s->http_port = ports[1];
    ck_assert_int_ne(s->t.port, s->http_port);
}

static size_t collect(char *p, size_t size, size_t n, void *data)
{
    return buf_append(data, p, size * n) == 0 ? size * n : 0;
}

/* POSTs {"Limit":1} over HTTPS to https://host:port, connecting to
 * 127.0.0.1:port; with cainfo the test CA is the only one trusted, else
 * the system's CAs are.  Returns the curl result. */
static int https_post(int port, const char *host, int cainfo, struct buf *ans)
{
    char url[4096], connect_to[512];
    char *q = tu_query_now(SGP_APP, TU_ADMIN);
    snprintf(url, sizeof url, "https://%s:%d%s?%s", host, port, API_PATH, q);
    snprintf(connect_to, sizeof connect_to, "%s:%d:127.0.0.1:%d", host, port,
             port);
    free(q);
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    struct curl_slist *to = curl_slist_append(NULL, connect_to);
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    buf_init(ans, 1u << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"Limit\":1}");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cainfo)
        curl_easy_setopt(c, CURLOPT_CAINFO, CA_PEM);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    int rc = (int)curl_easy_perform(c);
    curl_slist_free_all(to);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

/* One HTTPS call a row: the name in the URL, whether the test CA is
 * trusted, then the curl result and the ErrorCode (with result 0). */
static const struct {
    const char *host;
    int cainfo;
    int curl;
    long long code;
} https_rows[] = {
    {"adminapisgp.im.qcloud.com", 1, CURLE_OK, 0},
    {"adminapisgp.my-imcloud.com", 1, CURLE_OK, 0},
    {"adminapijpn.im.qcloud.com", 1, CURLE_OK, 70016},
    {"console.tim.qq.com", 1, CURLE_OK, 70016},
    {"localhost", 1, CURLE_OK, 0},
    {"127.0.0.1", 1, CURLE_OK, 0},
    /* the system's CAs do not know the test CA */
    {"adminapisgp.im.qcloud.com", 0, CURLE_PEER_FAILED_VERIFICATION, 0},
    /* a name the certificate does not carry */
    {"adminapisgp.example.com", 1, CURLE_PEER_FAILED_VERIFICATION, 0},
};

START_TEST(https_with_the_test_ca)
{
    struct tls_timock s;
    start_tls(&s);
    struct buf ans;
    int rc =
        https_post(s.t.port, https_rows[_i].host, https_rows[_i].cainfo, &ans);
    ck_assert_msg(rc == https_rows[_i].curl, "%s: curl %d (%s)",
                  https_rows[_i].host, rc, curl_easy_strerror((CURLcode)rc));
    if (rc == CURLE_OK) {
        ck_assert_msg(tu_error_code(ans.data) == https_rows[_i].code, "%s: %s",
                      https_rows[_i].host, ans.data);
        if (https_rows[_i].code == 0)
            ck_assert_ptr_nonnull(strstr(ans.data, "\"TotalCount\":210,"));
    }
    buf_release(&ans);
    tu_timock_stop(&s.t);
}
END_TEST

START_TEST(plain_http_beside)
{
    struct tls_timock s;
    start_tls(&s);
    struct tu_timock plain = {s.t.pid, s.http_port};
    char *q = tu_query_now(SGP_APP, TU_ADMIN);
    long status;
    struct buf ans;
    ck_assert_int_eq(
        tu_post(&plain, API_PATH, q, "{\"Limit\":1}", &status, &ans), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_int_eq(tu_error_code(ans.data), 0);
    ck_assert_ptr_nonnull(strstr(ans.data, "\"TotalCount\":210,"));
    buf_release(&ans);
    /* the admin API is there too */
    struct tu_http r = {.method = "GET", .path = "/__admin/apps"};
    ck_assert_int_eq(tu_request(&plain, &r, &ans), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(ans.data, "\"sdkappid\":1400000101,"));
    buf_release(&ans);
    /* and plain HTTP on the HTTPS port gets no API answer */
    int rc = tu_post(&s.t, API_PATH, q, "{\"Limit\":1}", &status, &ans);
    ck_assert_msg(rc != 0 || status != 200, "HTTP on the HTTPS port: %s",
                  ans.data);
    buf_release(&ans);
    free(q);
    tu_timock_stop(&s.t);
}
END_TEST

/* Runs a command line; returns its exit code and the start of its stdout
 * and stderr. */
static int run(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* timgroups --count through the region's domain, one a row: the region,
 * whether it trusts the test CA, the exit code, what it prints. */
static const struct {
    const char *region, *domain;
    int cacert;
    int code;
    const char *output;
} cli_rows[] = {
    {"sgp", "adminapisgp.im.qcloud.com", 1, 0, "\ntotal 210\n"},
    {"sgp", "adminapisgp.im.qcloud.com", 1, 0, "Public 60\n"},
    {"jpn", "adminapijpn.im.qcloud.com", 1, 1, "ErrorCode 70016"},
    {"sgp", "adminapisgp.im.qcloud.com", 0, 3, "timgroups: "},
};

START_TEST(timgroups_over_tls)
{
    struct tls_timock s;
    start_tls(&s);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd,
             "TIM_SECRET_KEY=%s '%s' --region %s --connect-to "
             "%s:443:127.0.0.1:%d %s%s --sdkappid %llu --identifier %s "
             "--count --retries 0 2>&1",
             TU_KEY, TIMGROUPS_PATH, cli_rows[_i].region, cli_rows[_i].domain,
             s.t.port, cli_rows[_i].cacert ? "--cacert " : "",
             cli_rows[_i].cacert ? CA_PEM : "", SGP_APP, TU_ADMIN);
    int code = run(cmd, out, sizeof out);
    ck_assert_msg(code == cli_rows[_i].code, "exit %d, wanted %d: %s", code,
                  cli_rows[_i].code, out);
    ck_assert_msg(strstr(out, cli_rows[_i].output) != NULL, "\"%s\" not in: %s",
                  cli_rows[_i].output, out);
    tu_timock_stop(&s.t);
}
END_TEST

int main(void)
{
    /* the test CA and the server's certificate, made once per build dir */
    if (system("'" CERTS_SCRIPT "' '" CERTS_DIR "'") != 0) {
        fprintf(stderr, "test_tls: %s %s failed\n", CERTS_SCRIPT, CERTS_DIR);
        return EXIT_FAILURE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("tls");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, https_with_the_test_ca, 0,
                        sizeof https_rows / sizeof https_rows[0]);
    tcase_add_test(tc, plain_http_beside);
    tcase_add_loop_test(tc, timgroups_over_tls, 0,
                        sizeof cli_rows / sizeof cli_rows[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
