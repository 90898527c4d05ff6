/*
 * fuzz_admin: control_handle, the admin API under /__admin/ and the API
 * calls that fill its journal, on a small fixture at a fixed clock.
 *
 * Input: up to FUZZ_ADMIN_CALLS requests separated by a line "===".  Each is
 * a line "METHOD PATH[?QUERY]", then its body.  Every input starts on a
 * fresh control (fixture_json below, loaded from a temporary file), so a
 * crash reproduces from its input alone.
 *
 * POST /__admin/fixture is skipped: it reads the file the body names, and
 * a fuzzer must not read /dev/zero or a FIFO.  Calls that ask to generate
 * more than INPUT_GROUPS_MAX groups are skipped too (input.h says why).
 * Every answer no fault rule changed must be JSON.  With FUZZ_VERBOSE set in
 * the environment, each call and its answer are printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "input.h"
#include "jsonint.h"

#define FUZZ_ADMIN_CALLS 8
#define FUZZ_ADMIN_CLOCK 1750000000 /* when the seeds' UserSigs were made */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* The fixture every input starts from: two apps, one checking UserSigs, one
 * with a rate limit, explicit and generated groups, and a fault rule. */
static const char fixture_json[] =
    "{\"apps\":["
    "{\"sdkappid\":1400000000,\"admins\":[\"administrator\"],"
    "\"identifiers\":[\"user1\"],\"key\":"
    "\"5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e\","
    "\"groups\":[{\"id\":\"@TGS#1a\",\"type\":\"Public\"},"
    "{\"id\":\"@TGS#2b\",\"type\":\"Private\"},"
    "{\"id\":\"room\",\"type\":\"ChatRoom\"}]},"
    "{\"sdkappid\":1400000001,\"admins\":[\"administrator\"],"
    "\"check_usersig\":false,\"region\":\"singapore\","
    "\"rate_limit\":{\"calls_per_second\":50},"
    "\"cursors\":{\"big\":true},"
    "\"generate\":{\"seed\":1,\"counts\":{\"Public\":40,\"Community\":20}}}"
    "],"
    "\"faults\":[{\"match\":{\"sdkappid\":1400000001,\"every_nth\":7},"
    "\"action\":{\"error_code\":10002}}]}";

static char dir[] = "/tmp/fuzz_admin.XXXXXX";
static char path[sizeof dir + 16];

static void remove_fixture(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FILE *f = NULL;
    if (!mkdtemp(dir) ||
        snprintf(path, sizeof path, "%s/fixture.json", dir) < 0 ||
        !(f = fopen(path, "w")) || fputs(fixture_json, f) < 0 ||
        fclose(f) != 0) {
        perror("fuzz_admin: cannot write the fixture");
        abort();
    }
    atexit(remove_fixture);
    return 0;
}

/* Calls the fuzzer must not make (see above). */
static int skipped(const char *method, const char *p, const char *body,
                   size_t n)
{
    if (strcmp(method, "POST") == 0 && strcmp(p, "/__admin/fixture") == 0)
        return 1;
    if (strncmp(p, "/__admin/apps/", 14) != 0 ||
        !jsonint_depth_ok(body, n, JSON_DEPTH_MAX))
        return 0;
    cJSON *j = cJSON_ParseWithLength(body, n);
    double groups =
        input_generated(cJSON_GetObjectItemCaseSensitive(j, "generate"));
    cJSON_Delete(j);
    return groups > INPUT_GROUPS_MAX;
}

static void call(struct control *c, const uint8_t *data, size_t n,
                 int64_t now_ms)
{
    const uint8_t *line, *rest;
    size_t line_n, rest_n;
    input_line(data, n, &line, &line_n, &rest, &rest_n);
    struct input_part head = input_text(line, line_n);
    struct input_part body = input_bytes(rest, rest_n);
    char *method = head.p, *target = strchr(head.p, ' '), *query = NULL;
    if (target) {
        *target++ = '\0';
        if ((query = strchr(target, '?')))
            *query++ = '\0';
    }
    if (target && !skipped(method, target, body.p, body.n)) {
        struct control_request req = {
            .api = {.method = method,
                    .path = target,
                    .query = query,
                    .host = "127.0.0.1",
                    .body = body.p,
                    .body_len = body.n,
                    .now = FUZZ_ADMIN_CLOCK,
                    .now_ms = (uint64_t)now_ms},
            .content_type = "application/json",
            .peer_loopback = 1,
            .now_ms = now_ms,
        };
        struct api_answer ans;
        api_answer_init(&ans);
        control_handle(c, &req, &ans);
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "%s %s: %d %s\n", method, target, ans.status,
                    ans.body.data ? ans.body.data : "");
        if (!ans.trace.fault[0] &&
            strcmp(ans.content_type, "application/json") == 0 &&
            (!ans.body.data || !jsonint_valid(ans.body.data, ans.body.len))) {
            fprintf(stderr, "fuzz_admin: %s %s: not JSON: %s\n", method, target,
                    ans.body.data ? ans.body.data : "(empty)");
            abort();
        }
        api_answer_release(&ans);
    }
    input_free(&head);
    input_free(&body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static const char sep[] = "\n===\n";
    char err[512];
    struct control_options o = {.fixture = path,
                                .clock = FUZZ_ADMIN_CLOCK,
                                .journal_size = 64,
                                .admin = 1};
    struct control *c = control_new(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "fuzz_admin: %s\n", err);
        abort();
    }
    for (int i = 0; i < FUZZ_ADMIN_CALLS && n; i++) {
        const uint8_t *end = memmem(data, n, sep, sizeof sep - 1);
        size_t len = end ? (size_t)(end - data) : n;
        call(c, data, len, FUZZ_ADMIN_CLOCK * 1000LL + i * 10);
        data += end ? len + sizeof sep - 1 : len;
        n -= end ? len + sizeof sep - 1 : len;
    }
    control_free(c);
    return 0;
}
