/* testutil: fixtures, UserSigs, calls and a real timock for tests. */
#include "testutil.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "usersig.h"

void tu_fixture(struct fixture *fx, const char *json)
{
    char err[512];
    int rc = fixture_load_text(json, strlen(json), "test", fx, err, sizeof err);
    ck_assert_msg(rc == 0, "fixture did not load: %s", err);
}

const char *tu_write_fixture(const char *json)
{
    static char path[256];
    char dir[] = "/tmp/timock-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fixture.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(json, f);
    fclose(f);
    return path;
}

void tu_remove_fixture(const char *path)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}

char *tu_sig(const char *key, uint64_t sdkappid, const char *identifier,
             int64_t t)
{
    char *sig = NULL;
    ck_assert_int_eq(
        usersig_make(key, sdkappid, identifier, t, 86400, NULL, 0, -1, &sig),
        0);
    return sig;
}

char *tu_query_at(uint64_t sdkappid, const char *identifier, int64_t t)
{
    char *sig = tu_sig(TU_KEY, sdkappid, identifier, t);
    char *q = NULL;
    ck_assert_int_ge(asprintf(&q,
                              "sdkappid=%llu&identifier=%s&usersig=%s&"
                              "random=1&contenttype=json",
                              (unsigned long long)sdkappid, identifier, sig),
                     0);
    free(sig);
    return q;
}

void tu_fresh_random(char *out, size_t n, const char *query)
{
    static atomic_uint counter;
    const char *at = query ? strstr(query, "random=") : NULL;
    if (!at) {
        snprintf(out, n, "%s", query ? query : "");
        return;
    }
    at += strlen("random=");
    snprintf(out, n, "%.*s%u%s", (int)(at - query), query,
             atomic_fetch_add(&counter, 1) + 1000, at + strcspn(at, "&"));
}

char *tu_query(uint64_t sdkappid, const char *identifier)
{
    return tu_query_at(sdkappid, identifier, TU_NOW);
}

char *tu_query_now(uint64_t sdkappid, const char *identifier)
{
    return tu_query_at(sdkappid, identifier, (int64_t)time(NULL));
}

void tu_call(struct api *api, const char *query, const char *body,
             struct api_answer *ans)
{
    struct api_request req = {
        .method = "POST",
        .path = API_PATH,
        .query = query,
        .host = "127.0.0.1",
        .body = body,
        .body_len = strlen(body),
        .now = TU_NOW,
        .now_ms = 1000,
    };
    api_answer_init(ans);
    tu_handle(api, &req, ans);
}

void tu_handle(struct api *api, const struct api_request *req,
               struct api_answer *ans)
{
    api_handle(api, req, ans);
    ck_assert_int_eq(api_answer_flatten(ans), 0);
    ck_assert_ptr_null(ans->items);
}

long long tu_error_code(const char *json)
{
    const char *p = json ? strstr(json, "\"ErrorCode\":") : NULL;
    return p ? strtoll(p + 12, NULL, 10) : -1;
}
