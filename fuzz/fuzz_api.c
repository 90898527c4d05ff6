/*
 * fuzz_api: api_handle, the whole API request path (query, UserSig, Host,
 * body, page, answer), on the embedded default fixture at a fixed clock.
 *
 * Input: one byte that picks the method, path and Host header and whether
 * the body counts as too large (FUZZ_API_DEFAULT picks a POST to the API
 * path with no Host), then the query up to the first '\n', then the body.
 * The corpus holds UserSigs valid at FUZZ_API_CLOCK for the default app's
 * admin and user, so inputs reach the body checks and the page.
 *
 * Besides the sanitizers, every answer must be what the web layer can send:
 * status 200 with a JSON envelope whose ErrorCode matches the answer's.
 * With FUZZ_VERBOSE set in the environment, each answer is printed (to see
 * what an input does: ./fuzz_api FILE...).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fixture.h"
#include "input.h"
#include "jsonint.h"

#define FUZZ_API_CLOCK                                                         \
    1750000000 /* 2025-06-15, when the seeds' UserSigs were made */
#define FUZZ_API_DEFAULT '@'

static const char *const methods[] = {"POST", "GET", "PUT", ""};
static const char *const paths[] = {
    API_PATH, "/v4/group_open_http_svc/get_group_info", API_PATH "/", "/"};
static const char *const hosts[] = {NULL, "console.tim.qq.com",
                                    "adminapisgp.im.qcloud.com", ""};

static struct fixture fx;
static struct api api;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512];
    if (fixture_load_text(fixture_default_json, fixture_default_json_len,
                          "embedded default fixture", &fx, err,
                          sizeof err) != 0) {
        fprintf(stderr, "fuzz_api: %s\n", err);
        abort();
    }
    api.store = fx.store;
    api.faults = &fx.faults;
    api.clock = FUZZ_API_CLOCK;
    return 0;
}

/* The answer is one JSON object whose ErrorCode is ans->error_code. */
static void check_answer(const struct api_answer *ans)
{
    const char *raw;
    size_t len;
    uint64_t code;
    if (ans->status != 200 || !ans->body.data ||
        !jsonint_valid(ans->body.data, ans->body.len) ||
        ans->body.data[0] != '{' ||
        !jsonint_member(ans->body.data, ans->body.len, "ErrorCode", &raw,
                        &len) ||
        jsonint_parse_u64(raw, len, &code) != 0 ||
        (long long)code != ans->error_code) {
        fprintf(stderr, "fuzz_api: a bad answer: status %d, ErrorCode %d: %s\n",
                ans->status, ans->error_code,
                ans->body.data ? ans->body.data : "(none)");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    unsigned pick = data[0];
    const uint8_t *line, *rest;
    size_t line_n, rest_n;
    input_line(data + 1, n - 1, &line, &line_n, &rest, &rest_n);
    struct input_part query = input_text(line, line_n);
    struct input_part body = input_bytes(rest, rest_n);
    struct api_request req = {
        .method = methods[pick & 3],
        .path = paths[(pick >> 2) & 3],
        .query = line_n ? query.p : NULL,
        .host = hosts[(pick >> 4) & 3],
        .body = body.p,
        .body_len = body.n,
        .body_too_large = (pick >> 7) & 1,
        .now = 0,
        .now_ms = 0,
    };
    struct api_answer ans;
    api_answer_init(&ans);
    api_handle(&api, &req, &ans);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%d %s\n", ans.status,
                ans.body.data ? ans.body.data : "");
    if (!ans.no_answer && !ans.reset)
        check_answer(&ans);
    api_answer_release(&ans);
    input_free(&query);
    input_free(&body);
    return 0;
}
